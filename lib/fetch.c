/*
 * fetch.c: whole documents over HTTP(S) or from files, retried.
 */
#include "fetch.h"
#include "util.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct sink {
	struct buf b;
	size_t max;
	bool too_big;
};

static size_t on_data(char *data, size_t size, size_t n, void *ctx)
{
	struct sink *s = ctx;
	if (s->b.len + size * n > s->max) {
		s->too_big = true;
		return 0;
	}
	buf_append(&s->b, data, size * n);
	return size * n;
}

/* One try: 0, -1 worth retrying, -2 not (4xx, too big, bad URL). */
static int fetch_once(const char *url, struct sink *s, char **err)
{
	CURL *c = curl_easy_init();
	if (!c) {
		*err = xstrdup("curl_easy_init failed");
		return -2;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "crash-pipeline/" CRASH_VERSION);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,file");
	CURLcode rc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	if (s->too_big) {
		*err = xasprintf("%s: larger than %zu bytes", url, s->max);
		return -2;
	}
	if (rc != CURLE_OK) {
		*err = xasprintf("%s: %s", url, curl_easy_strerror(rc));
		/* What can change by waiting: the network and the server. */
		bool transient = rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
		    rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR ||
		    rc == CURLE_GOT_NOTHING || rc == CURLE_PARTIAL_FILE;
		return transient ? -1 : -2;
	}
	if (status >= 400) {
		*err = xasprintf("%s: HTTP %ld", url, status);
		return status >= 500 || status == 429 ? -1 : -2;
	}
	return 0;
}

char *fetch_url(const char *url, size_t max, int attempts, size_t *len, char **err)
{
	static bool ready;
	if (!ready) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		ready = true;
	}
	for (int i = 0; i < attempts; i++) {
		struct sink s = { .max = max };
		buf_init(&s.b);
		*err = NULL;
		int rc = fetch_once(url, &s, err);
		if (rc == 0) {
			*len = s.b.len;
			return buf_steal(&s.b);
		}
		buf_free(&s.b);
		if (rc == -2 || i + 1 == attempts)
			return NULL;
		log_warn("%s; retrying", *err);
		free(*err);
		*err = NULL;
		usleep((useconds_t)(250000u << (i < 5 ? i : 5)));
	}
	*err = xstrdup("no attempt");
	return NULL;
}
