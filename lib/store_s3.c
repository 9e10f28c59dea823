/*
 * store_s3.c: the S3 backend of the crash store ("s3://BUCKET[/PREFIX]"),
 * for AWS S3 and compatible services (MinIO, Ceph RGW, ...), spoken with
 * libcurl and signed with its built-in AWS Signature Version 4.
 *
 * Configuration comes from the usual variables: AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_REGION (default us-east-1) and
 * AWS_ENDPOINT_URL (default https://s3.REGION.amazonaws.com). Requests use
 * path-style URLs (ENDPOINT/BUCKET/KEY), one reused connection, and are
 * retried with backoff on connection errors, 5xx and 429.
 */
#include "store_impl.h"
#include "util.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_TRIES 5

struct s3_store {
	char *base;		/* ENDPOINT/BUCKET */
	char *prefix;		/* "" or "PREFIX/" */
	char *sigv4;		/* "aws:amz:REGION:s3" */
	char *userpwd;		/* "KEY:SECRET" */
	CURL *curl;
	pthread_mutex_t mu;	/* one request at a time on the connection */
};

static char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);
	return xstrdup(v && *v ? v : fallback);
}

static void global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

void *store_s3_open(const char *spec, char **err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, global_init);
	const char *slash = strchr(spec, '/');
	size_t blen = slash ? (size_t)(slash - spec) : strlen(spec);
	if (!blen) {
		*err = xstrdup("no bucket named");
		return NULL;
	}
	char *key = env_or("AWS_ACCESS_KEY_ID", ""), *secret = env_or("AWS_SECRET_ACCESS_KEY", "");
	if (!*key || !*secret) {
		free(key);
		free(secret);
		*err = xstrdup("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set");
		return NULL;
	}
	char *region = env_or("AWS_REGION", "us-east-1");
	char *default_endpoint = xasprintf("https://s3.%s.amazonaws.com", region);
	char *endpoint = env_or("AWS_ENDPOINT_URL", default_endpoint);
	size_t elen = strlen(endpoint);
	while (elen && endpoint[elen - 1] == '/')
		endpoint[--elen] = 0;
	struct s3_store *s = xcalloc(1, sizeof *s);
	s->base = xasprintf("%s/%.*s", endpoint, (int)blen, spec);
	const char *prefix = slash ? slash + 1 : "";
	size_t plen = strlen(prefix);
	while (plen && prefix[plen - 1] == '/')
		plen--;
	s->prefix = plen ? xasprintf("%.*s/", (int)plen, prefix) : xstrdup("");
	s->sigv4 = xasprintf("aws:amz:%s:s3", region);
	s->userpwd = xasprintf("%s:%s", key, secret);
	s->curl = curl_easy_init();
	pthread_mutex_init(&s->mu, NULL);
	free(key);
	free(secret);
	free(region);
	free(default_endpoint);
	free(endpoint);
	if (!s->curl) {
		*err = xstrdup("curl_easy_init failed");
		return NULL;
	}
	return s;
}

static void s3_close(void *impl)
{
	struct s3_store *s = impl;
	curl_easy_cleanup(s->curl);
	pthread_mutex_destroy(&s->mu);
	free(s->base);
	free(s->prefix);
	free(s->sigv4);
	free(s->userpwd);
	free(s);
}

/* BASE/PREFIX/KEY with each path segment percent-encoded. */
static char *object_url(struct s3_store *s, const char *key)
{
	struct buf b;
	buf_init(&b);
	buf_printf(&b, "%s/", s->base);
	char *full = xasprintf("%s%s", s->prefix, key);
	for (char *seg = full, *end; seg; seg = end ? end + 1 : NULL) {
		end = strchr(seg, '/');
		if (end)
			*end = 0;
		char *enc = curl_easy_escape(s->curl, seg, 0);
		buf_puts(&b, enc);
		curl_free(enc);
		if (end)
			buf_puts(&b, "/");
	}
	free(full);
	return buf_steal(&b);
}

struct request {
	const char *method;
	char *url;
	const void *body;	/* PUT from memory */
	size_t body_len;
	FILE *file;		/* PUT from a file */
	long long file_len;
	bool head;
	struct buf response;
	size_t max;		/* response cap */
	bool too_big;		/* the response went past it */
	long status;
	long long content_length;
	bool json;		/* a JSON object (raw or processed crash, dump names) */
};

static size_t collect(char *p, size_t size, size_t n, void *ctx)
{
	struct request *r = ctx;
	if (r->response.len + size * n > r->max)
		r->too_big = true;	/* keep reading, keep nothing more */
	else
		buf_append(&r->response, p, size * n);
	return size * n;
}

/* One attempt; false on a transport error. */
static bool attempt(struct s3_store *s, struct request *r)
{
	CURL *c = s->curl;
	curl_easy_reset(c);
	struct curl_slist *h = curl_slist_append(NULL, "x-amz-content-sha256: UNSIGNED-PAYLOAD");
	/* No "Expect: 100-continue" round trip before each upload. */
	h = curl_slist_append(h, "Expect:");
	if (r->body || r->file)
		h = curl_slist_append(h, r->json ? "Content-Type: application/json" :
		    "Content-Type: application/octet-stream");
	curl_easy_setopt(c, CURLOPT_URL, r->url);
	curl_easy_setopt(c, CURLOPT_AWS_SIGV4, s->sigv4);
	curl_easy_setopt(c, CURLOPT_USERPWD, s->userpwd);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 300L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	if (r->head) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else if (r->file) {
		rewind(r->file);
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_READDATA, r->file);
		curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)r->file_len);
	} else if (r->body) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, r->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
	} else if (strcmp(r->method, "GET")) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r->method);
	}
	buf_reset(&r->response);
	r->too_big = false;
	CURLcode rc = curl_easy_perform(c);
	curl_slist_free_all(h);
	r->status = 0;
	if (rc != CURLE_OK) {
		log_debug("%s %s: %s", r->method, r->url, curl_easy_strerror(rc));
		return false;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_off_t cl = -1;
	curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
	r->content_length = cl;
	return true;
}

/* Performs a request with retries; returns the HTTP status, or -1 with errno. */
static long perform(struct s3_store *s, struct request *r)
{
	pthread_mutex_lock(&s->mu);
	int delay = 100;
	for (int i = 1; ; i++) {
		bool ok = attempt(s, r);
		if (ok && r->status < 500 && r->status != 429)
			break;
		if (i == MAX_TRIES) {
			pthread_mutex_unlock(&s->mu);
			log_warn("%s %s: %s after %d tries", r->method, r->url,
			    ok ? "server error" : "no connection", i);
			errno = ok ? EIO : ECONNREFUSED;
			return -1;
		}
		usleep(delay * 1000);
		delay = delay * 2 > 2000 ? 2000 : delay * 2;
	}
	pthread_mutex_unlock(&s->mu);
	return r->status;
}

/* errno for an HTTP status that is not a success. */
static int status_errno(long status)
{
	return status == 404 ? ENOENT : status == 403 || status == 401 ? EACCES : EIO;
}

static int simple(struct s3_store *s, struct request *r)
{
	r->max = 1 << 20;
	long st = perform(s, r);
	buf_free(&r->response);
	free(r->url);
	if (st < 0)
		return -1;
	if (st < 200 || st > 299) {
		errno = status_errno(st);
		return -1;
	}
	return 0;
}

static bool json_key(const char *key)
{
	return !strncmp(key, "v1/raw_crash/", 13) || !strncmp(key, "v1/processed_crash/", 19) ||
	    !strncmp(key, "v1/dump_names/", 14);
}

static int s3_put(void *impl, const char *key, const void *data, size_t len)
{
	struct request r = { .method = "PUT", .url = object_url(impl, key),
	    .body = len ? data : "", .body_len = len, .json = json_key(key) };
	return simple(impl, &r);
}

static int s3_put_file(void *impl, const char *key, const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	fseeko(f, 0, SEEK_END);
	struct request r = { .method = "PUT", .url = object_url(impl, key), .file = f,
	    .file_len = ftello(f), .json = json_key(key) };
	int rc = simple(impl, &r);
	int saved = errno;
	fclose(f);
	errno = saved;
	return rc;
}

static char *s3_get(void *impl, const char *key, size_t max, size_t *len)
{
	struct request r = { .method = "GET", .url = object_url(impl, key), .max = max };
	long st = perform(impl, &r);
	free(r.url);
	if (st >= 200 && st <= 299 && !r.too_big) {
		if (len)
			*len = r.response.len;
		return buf_steal(&r.response);
	}
	if (st >= 200 && st <= 299) {
		buf_free(&r.response);
		errno = EFBIG;
		return NULL;
	}
	buf_free(&r.response);
	if (st >= 0)
		errno = status_errno(st);
	return NULL;
}

static long long s3_size(void *impl, const char *key)
{
	struct request r = { .method = "HEAD", .url = object_url(impl, key), .head = true };
	long st = perform(impl, &r);
	free(r.url);
	buf_free(&r.response);
	if (st >= 200 && st <= 299)
		return r.content_length;
	if (st >= 0)
		errno = status_errno(st);
	return -1;
}

static int s3_delete(void *impl, const char *key)
{
	struct request r = { .method = "DELETE", .url = object_url(impl, key) };
	int rc = simple(impl, &r);
	return rc < 0 && errno == ENOENT ? 0 : rc;
}

/* The text of the next <tag>...</tag> at or after *p, XML entities decoded. */
static char *xml_next(const char **p, const char *end, const char *tag)
{
	char open[64], close[64];
	snprintf(open, sizeof open, "<%s>", tag);
	snprintf(close, sizeof close, "</%s>", tag);
	const char *a = memmem(*p, end - *p, open, strlen(open));
	if (!a)
		return NULL;
	a += strlen(open);
	const char *b = memmem(a, end - a, close, strlen(close));
	if (!b)
		return NULL;
	*p = b + strlen(close);
	struct buf out;
	buf_init(&out);
	buf_append(&out, "", 0);
	static const char *const ents[][2] = {
		{ "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" }, { "&quot;", "\"" }, { "&apos;", "'" },
	};
	while (a < b) {
		size_t k = 0;
		if (*a == '&')
			for (k = 0; k < 5 && strncmp(a, ents[k][0], strlen(ents[k][0])); k++)
				;
		if (*a == '&' && k < 5) {
			buf_puts(&out, ents[k][1]);
			a += strlen(ents[k][0]);
		} else {
			buf_append(&out, a++, 1);
		}
	}
	return buf_steal(&out);
}

/* ListObjectsV2, page by page, handing on keys without the store's prefix. */
static int s3_list(void *impl, const char *prefix,
    int (*fn)(void *ctx, const char *key, long long size), void *ctx)
{
	struct s3_store *s = impl;
	char *token = NULL;
	size_t skip = strlen(s->prefix);
	char *full = xasprintf("%s%s", s->prefix, prefix);
	char *enc_prefix = curl_easy_escape(s->curl, full, 0);
	int rc = 0, stop = 0;
	do {
		char *enc_token = token ? curl_easy_escape(s->curl, token, 0) : NULL;
		struct request r = { .method = "GET", .max = 16 << 20 };
		/* CRASH_S3_MAX_KEYS: smaller pages, so that tests walk several. */
		const char *page = getenv("CRASH_S3_MAX_KEYS");
		r.url = xasprintf("%s?list-type=2&prefix=%s%s%s%s%s", s->base, enc_prefix,
		    enc_token ? "&continuation-token=" : "", enc_token ? enc_token : "",
		    page && *page ? "&max-keys=" : "", page && *page ? page : "");
		curl_free(enc_token);
		free(token);
		token = NULL;
		long st = perform(s, &r);
		free(r.url);
		if (st < 200 || st > 299) {
			if (st >= 0)
				errno = status_errno(st);
			buf_free(&r.response);
			rc = -1;
			break;
		}
		const char *p = r.response.data ? r.response.data : "", *end = p + r.response.len;
		const char *q = p;
		char *contents;
		while (!stop && (contents = xml_next(&q, end, "Contents"))) {
			const char *cp = contents, *cend = contents + strlen(contents);
			char *key = xml_next(&cp, cend, "Key");
			cp = contents;
			char *size = xml_next(&cp, cend, "Size");
			if (key && strlen(key) >= skip)
				stop = fn(ctx, key + skip, size ? atoll(size) : -1);
			free(key);
			free(size);
			free(contents);
		}
		const char *tp = p;
		char *truncated = xml_next(&tp, end, "IsTruncated");
		tp = p;
		if (truncated && !strcmp(truncated, "true"))
			token = xml_next(&tp, end, "NextContinuationToken");
		free(truncated);
		buf_free(&r.response);
	} while (token && !stop);
	free(token);
	curl_free(enc_prefix);
	free(full);
	return rc;
}

const struct store_ops store_s3_ops = {
	s3_put, s3_put_file, s3_get, s3_size, s3_delete, s3_list, s3_close,
	NULL, NULL,	/* an acknowledged object is durable: nothing to batch */
	NULL,		/* no local files */
};
