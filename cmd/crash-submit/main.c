/*
 * crash-submit: sends raw crashes to a collector, as a crash reporter
 * would. Used for re-submission, backfill after an outage, and load
 * generation (--count, --rate, --concurrency) with throughput and latency
 * figures.
 */
#include "body.h"
#include "conf.h"
#include "progress.h"
#include "util.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const struct conf_option options[] = {
	{ "url", CONF_STR, "http://127.0.0.1:8000/submit", "URL", "collector submit URL" },
	{ "concurrency", CONF_INT, "4", "N", "uploads at once" },
	{ "rate", CONF_STR, "0", "PER_SEC", "crashes per second at most (0: as fast as possible)" },
	{ "count", CONF_INT, "0", "N", "crashes to send, cycling over the inputs (0: each once)" },
	{ "gzip", CONF_BOOL, "no", NULL, "gzip the body and send it chunked, as Crashpad does" },
	{ "json", CONF_BOOL, "no", NULL, "annotations as one JSON part, as Firefox does" },
	{ "keep-ids", CONF_BOOL, "no", NULL, "ask the collector to keep each crash's uuid" },
	{ "retries", CONF_INT, "5", "N", "retries of a crash on 5xx, 429 or connection errors" },
	{ "timeout", CONF_INT, "60", "SECONDS", "limit for one upload" },
	{ NULL, 0, NULL, NULL, NULL },
};

static const char usage[] = "[--url URL] [--concurrency N] [--rate PER_SEC] "
    "[--count N] [--gzip] [PATH...]";

struct result {
	const char *source;
	long status;
	char crash_id[40];
	double ms;
	int attempts;
	bool delivered;
};

static struct {
	const struct conf *conf;
	char **inputs;
	int ninputs;
	long total;
	double interval_ms;	/* between two starts, from --rate */
	struct body_options body;
	pthread_mutex_t mu;
	long next;		/* next crash to send */
	double next_start;	/* pacing for --rate */
	struct result *results;
	struct progress progress;
} run = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* Adds a crash directory, or every crash of a spool's new/. */
static void add_path(char ***list, int *n, const char *path)
{
	char *raw = xasprintf("%s/raw_crash.json", path);
	char *newdir = xasprintf("%s/new", path);
	struct stat st;
	if (stat(raw, &st) == 0) {
		*list = xrealloc(*list, (*n + 1) * sizeof **list);
		(*list)[(*n)++] = xstrdup(path);
	} else if (stat(newdir, &st) == 0 && S_ISDIR(st.st_mode)) {
		struct dirent **ents;
		int k = scandir(newdir, &ents, NULL, alphasort);
		for (int i = 0; i < k; i++) {
			if (ents[i]->d_name[0] != '.') {
				char *dir = xasprintf("%s/%s", newdir, ents[i]->d_name);
				add_path(list, n, dir);
				free(dir);
			}
			free(ents[i]);
		}
		if (k >= 0)
			free(ents);
	} else {
		log_err("%s: neither a crash directory nor a spool", path);
	}
	free(raw);
	free(newdir);
}

static void read_inputs(char **args, int nargs)
{
	for (int i = 0; i < nargs; i++)
		add_path(&run.inputs, &run.ninputs, args[i]);
	if (nargs)
		return;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, stdin)) > 0) {
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = 0;
		if (len)
			add_path(&run.inputs, &run.ninputs, line);
	}
	free(line);
}

static size_t read_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	long n = body_read(userdata, ptr, size * nmemb);
	return n < 0 ? CURL_READFUNC_ABORT : (size_t)n;
}

static size_t keep_reply(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct buf *b = userdata;
	if (b->len < 4096)
		buf_append(b, ptr, size * nmemb);
	return size * nmemb;
}

/* "CrashID=bp-<id>" (Socorro) or a bare 16-hex-digit ID (hex16). */
static void parse_crash_id(const char *reply, char out[40])
{
	const char *p = strstr(reply, "CrashID=");
	if (p) {
		p += 8;
		if (!strncmp(p, "bp-", 3))
			p += 3;
	} else if (strspn(reply, "0123456789abcdef") == 16) {
		p = reply;
	} else {
		out[0] = 0;
		return;
	}
	size_t n = strcspn(p, "\r\n \t");
	snprintf(out, 40, "%.*s", (int)(n < 39 ? n : 39), p);
}

static bool retryable(CURLcode rc, long status)
{
	return rc != CURLE_OK || status >= 500 || status == 429;
}

/* One upload attempt; returns the HTTP status (0: no answer). */
static long attempt(CURL *curl, struct body *b, struct buf *reply, CURLcode *rc)
{
	struct curl_slist *hdrs = NULL;
	char *ct = xasprintf("Content-Type: %s", body_content_type(b));
	hdrs = curl_slist_append(hdrs, ct);
	hdrs = curl_slist_append(hdrs, "Expect:");
	if (body_length(b) < 0) {
		hdrs = curl_slist_append(hdrs, "Content-Encoding: gzip");
		hdrs = curl_slist_append(hdrs, "Transfer-Encoding: chunked");
	}
	free(ct);
	body_rewind(b);
	buf_reset(reply);
	curl_easy_setopt(curl, CURLOPT_URL, conf_str(run.conf, "url"));
	curl_easy_setopt(curl, CURLOPT_POST, 1L);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_body);
	curl_easy_setopt(curl, CURLOPT_READDATA, b);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_length(b));
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, keep_reply);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, reply);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "crash-submit/" CRASH_VERSION);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)conf_int(run.conf, "timeout"));
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	*rc = curl_easy_perform(curl);
	long status = 0;
	if (*rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hdrs);
	return status;
}

static void send_crash(CURL *curl, const char *dir, struct result *res)
{
	char *err = NULL;
	res->source = dir;
	struct body *b = body_open(dir, &run.body, &err);
	if (!b) {
		log_err("%s", err);
		free(err);
		return;
	}
	struct buf reply;
	buf_init(&reply);
	double start = now_ms(), backoff = 200;
	int retries = conf_int(run.conf, "retries");
	CURLcode rc;
	for (;;) {
		res->attempts++;
		res->status = attempt(curl, b, &reply, &rc);
		if (!retryable(rc, res->status) || res->attempts > retries)
			break;
		log_warn("%s: %s; retrying in %.1fs", dir, rc != CURLE_OK ?
		    curl_easy_strerror(rc) : "server error", backoff / 1000);
		usleep(backoff * 1000);
		backoff = backoff * 2 > 5000 ? 5000 : backoff * 2;
	}
	res->ms = now_ms() - start;
	if (rc != CURLE_OK)
		log_err("%s: %s", dir, curl_easy_strerror(rc));
	else if (res->status != 200)
		log_err("%s: HTTP %ld: %.200s", dir, res->status, reply.data ? reply.data : "");
	parse_crash_id(reply.data ? reply.data : "", res->crash_id);
	res->delivered = rc == CURLE_OK && res->status == 200;
	buf_free(&reply);
	body_free(b);
}

static void print_result(const struct result *r)
{
	json_t *o = json_pack("{s:s, s:I, s:s?, s:f, s:i}", "source", r->source,
	    "status", (json_int_t)r->status, "crash_id", r->crash_id[0] ? r->crash_id : NULL,
	    "ms", round(r->ms * 10) / 10, "attempts", r->attempts);
	char *line = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(6));
	pthread_mutex_lock(&run.mu);
	puts(line);
	fflush(stdout);
	pthread_mutex_unlock(&run.mu);
	free(line);
	json_decref(o);
}

/* Takes the next crash to send, waiting for its slot under --rate. */
static long next_job(void)
{
	pthread_mutex_lock(&run.mu);
	long i = run.next < run.total ? run.next++ : -1;
	double wait = 0;
	if (i >= 0 && run.interval_ms > 0) {
		double now = now_ms();
		if (run.next_start < now)
			run.next_start = now;
		wait = run.next_start - now;
		run.next_start += run.interval_ms;
	}
	pthread_mutex_unlock(&run.mu);
	if (wait > 0)
		usleep(wait * 1000);
	return i;
}

static void *worker(void *arg)
{
	(void)arg;
	CURL *curl = curl_easy_init();
	if (!curl)
		die(1, "curl_easy_init failed");
	long i;
	while ((i = next_job()) >= 0) {
		send_crash(curl, run.inputs[i % run.ninputs], &run.results[i]);
		print_result(&run.results[i]);
		progress_add(&run.progress, 1, !run.results[i].delivered, 0);
	}
	curl_easy_cleanup(curl);
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int summarize(double elapsed_ms)
{
	long accepted = 0, failed = 0;
	double *ms = xcalloc(run.total, sizeof *ms);
	long n = 0;
	for (long i = 0; i < run.total; i++) {
		struct result *r = &run.results[i];
		if (!r->delivered) {
			failed++;
			continue;
		}
		accepted += r->crash_id[0] != 0;
		ms[n++] = r->ms;
	}
	qsort(ms, n, sizeof *ms, cmp_double);
	double p50 = n ? ms[(long)(0.50 * (n - 1))] : 0;
	double p99 = n ? ms[(long)(0.99 * (n - 1))] : 0;
	log_info("sent %ld, accepted %ld, failed %ld, %.1f crashes/s, p50 %.1f ms, p99 %.1f ms",
	    run.total, accepted, failed, run.total / (elapsed_ms / 1000), p50, p99);
	free(ms);
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	progname = "crash-submit";
	char **args;
	int nargs;
	run.conf = conf_load(options, usage, argc, argv, &args, &nargs);
	read_inputs(args, nargs);
	free(args);
	if (!run.ninputs)
		die(1, "no crashes to send");
	run.total = conf_int(run.conf, "count") > 0 ? conf_int(run.conf, "count") : run.ninputs;
	char *end;
	double rate = strtod(conf_str(run.conf, "rate"), &end);
	if (*end || rate < 0)
		die(2, "--rate %s: expected crashes per second", conf_str(run.conf, "rate"));
	run.interval_ms = rate > 0 ? 1000 / rate : 0;
	run.body.gzip = conf_bool(run.conf, "gzip");
	run.body.json = conf_bool(run.conf, "json");
	run.body.keep_id = conf_bool(run.conf, "keep-ids");
	run.results = xcalloc(run.total, sizeof *run.results);
	int nthreads = conf_int(run.conf, "concurrency");
	if (nthreads < 1)
		die(2, "--concurrency must be at least 1");
	if (nthreads > run.total)
		nthreads = run.total;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	pthread_t *threads = xcalloc(nthreads, sizeof *threads);
	double start = now_ms();
	progress_start(&run.progress, "crashes sent", run.total);
	for (int i = 0; i < nthreads; i++)
		if (pthread_create(&threads[i], NULL, worker, NULL))
			die(1, "pthread_create: %s", strerror(errno));
	for (int i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	progress_end(&run.progress);
	int status = summarize(now_ms() - start);
	curl_global_cleanup();
	return status;
}
