/*
 * copy.c: crash-move copy, verify and sync: whole stores copied into
 * each other while both are in use, checked object by object, and the
 * differences copied again, as a migration needs them.
 */
#include "copy.h"
#include "conf.h"
#include "crashid.h"
#include "progress.h"
#include "sha256.h"
#include "store.h"
#include "util.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_OBJECT (1LL << 31)

static const struct conf_option options[] = {
	{ "from", CONF_STR, NULL, "STORE", "the store to read" },
	{ "to", CONF_STR, NULL, "STORE", "the store to write (copy, sync) or compare with (verify)" },
	{ "since", CONF_STR, NULL, "YYYY-MM-DD", "only crashes submitted on or after this day" },
	{ "until", CONF_STR, NULL, "YYYY-MM-DD", "only crashes submitted on or before this day" },
	{ "workers", CONF_INT, "4", "N", "objects in flight at once" },
	{ "quick", CONF_BOOL, "no", NULL, "verify: compare sizes only, not content" },
	S3_OPTIONS,
	{ NULL, 0, NULL, NULL, NULL },
};

struct object { char *key; long long size; };

struct job {
	enum { COPY, VERIFY } kind;
	const char *from_spec, *to_spec;
	bool quick;
	struct object *objs;
	size_t n, cap, next;
	struct object *diffs;		/* what verify found missing or different */
	size_t ndiffs, diffcap;
	pthread_mutex_t mu;
	unsigned long done, failed, different;
	unsigned long long bytes;
	struct progress progress;
	char since[9], until[9];	/* yyyymmdd, or "" */
};

/* The crash ID a key ends with, if it does. */
static const char *key_crash_id(const char *key)
{
	const char *last = strrchr(key, '/');
	last = last ? last + 1 : key;
	return crashid_valid(last) ? last : NULL;
}

static bool wanted(const struct job *j, const char *key)
{
	const char *id = key_crash_id(key);
	if (!id || (!j->since[0] && !j->until[0]))
		return true;
	char date[9];
	crashid_date(id, date);
	return (!j->since[0] || strcmp(date, j->since) >= 0) && (!j->until[0] || strcmp(date, j->until) <= 0);
}

static int collect(void *ctx, const char *key, long long size)
{
	struct job *j = ctx;
	if (!wanted(j, key))
		return 0;
	if (j->n == j->cap) {
		j->cap = j->cap ? 2 * j->cap : 1024;
		j->objs = xrealloc(j->objs, j->cap * sizeof *j->objs);
	}
	j->objs[j->n++] = (struct object){ xstrdup(key), size };
	return 0;
}

/* Raw crashes last: in the target, a raw crash still means a whole crash. */
static int raw_last(const void *a, const void *b)
{
	const struct object *x = a, *y = b;
	bool rx = !strncmp(x->key, "v1/raw_crash/", 13), ry = !strncmp(y->key, "v1/raw_crash/", 13);
	if (rx != ry)
		return rx - ry;
	return strcmp(x->key, y->key);
}

static void report(struct job *j, const char *key, const char *problem, long long a, long long b)
{
	json_t *o = json_pack("{s:s, s:s, s:I, s:I}", "key", key, "problem", problem,
	    "size_from", (json_int_t)a, "size_to", (json_int_t)b);
	char *line = json_dumps(o, JSON_COMPACT);
	pthread_mutex_lock(&j->mu);
	puts(line);
	fflush(stdout);
	j->different++;
	if (j->ndiffs == j->diffcap) {
		j->diffcap = j->diffcap ? 2 * j->diffcap : 64;
		j->diffs = xrealloc(j->diffs, j->diffcap * sizeof *j->diffs);
	}
	j->diffs[j->ndiffs++] = (struct object){ xstrdup(key), a };
	pthread_mutex_unlock(&j->mu);
	free(line);
	json_decref(o);
}

static void digest(const char *data, size_t len, char hex[65])
{
	struct sha256 h;
	sha256_init(&h);
	sha256_update(&h, data, len);
	sha256_hex(&h, hex);
}

/* One object: copied, or compared (size, then content unless --quick). */
static bool handle(struct job *j, struct store *from, struct store *to, const struct object *o,
    unsigned long long *bytes)
{
	size_t len;
	if (j->kind == COPY) {
		char *data = store_get(from, o->key, MAX_OBJECT, &len);
		if (!data) {
			/* Deleted since the listing: a live store changes under a copy. */
			if (errno == ENOENT)
				return true;
			log_err("%s: read failed: %s", o->key, strerror(errno));
			return false;
		}
		int r = store_put(to, o->key, data, len);
		if (r < 0)
			log_err("%s: write failed: %s", o->key, strerror(errno));
		*bytes += len;
		free(data);
		return r == 0;
	}
	long long size = store_size(to, o->key);
	if (size < 0) {
		if (errno != ENOENT) {
			log_err("%s: cannot check: %s", o->key, strerror(errno));
			return false;
		}
		report(j, o->key, "missing", o->size, -1);
		return true;
	}
	if (o->size >= 0 && size != o->size) {
		report(j, o->key, "size", o->size, size);
		return true;
	}
	if (j->quick)
		return true;
	size_t la, lb;
	char *a = store_get(from, o->key, MAX_OBJECT, &la), *b = store_get(to, o->key, MAX_OBJECT, &lb);
	if (a && b) {
		char ha[65], hb[65];
		digest(a, la, ha);
		digest(b, lb, hb);
		if (strcmp(ha, hb))
			report(j, o->key, "content", la, lb);
		*bytes += la;
	}
	bool ok = a && b;
	if (!ok && !(a == NULL && errno == ENOENT))
		log_err("%s: cannot compare: %s", o->key, strerror(errno));
	free(a);
	free(b);
	return ok || errno == ENOENT;
}

static void *worker(void *arg)
{
	struct job *j = arg;
	char *err;
	struct store *from = store_open(j->from_spec, &err), *to = from ? store_open(j->to_spec, &err) : NULL;
	if (!from || !to) {
		log_err("%s", err);
		free(err);
		store_close(from);
		pthread_mutex_lock(&j->mu);
		j->failed++;
		pthread_mutex_unlock(&j->mu);
		return NULL;
	}
	for (;;) {
		pthread_mutex_lock(&j->mu);
		size_t i = j->next < j->n ? j->next++ : (size_t)-1;
		pthread_mutex_unlock(&j->mu);
		if (i == (size_t)-1)
			break;
		unsigned long long bytes = 0;
		bool ok = handle(j, from, to, &j->objs[i], &bytes);
		pthread_mutex_lock(&j->mu);
		j->done++;
		j->failed += !ok;
		j->bytes += bytes;
		progress_add(&j->progress, 1, !ok, bytes);
		pthread_mutex_unlock(&j->mu);
	}
	store_close(from);
	store_close(to);
	return NULL;
}

static void run(struct job *j, int workers)
{
	pthread_t *t = xcalloc(workers, sizeof *t);
	progress_start(&j->progress, "objects", (long)j->n);
	for (int i = 0; i < workers; i++)
		pthread_create(&t[i], NULL, worker, j);
	for (int i = 0; i < workers; i++)
		pthread_join(t[i], NULL);
	progress_end(&j->progress);
	free(t);
}

static void date_arg(const struct conf *c, const char *key, char out[9])
{
	const char *v = conf_str(c, key);
	out[0] = 0;
	if (!v)
		return;
	int y, m, d;
	char tail;
	if (sscanf(v, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || m < 1 || m > 12 || d < 1 || d > 31)
		die(2, "--%s %s: expected YYYY-MM-DD", key, v);
	snprintf(out, 9, "%04d%02d%02d", y, m, d);
}

/* Lists the source and fills j; exits on a store that cannot be read. */
static void list_source(struct job *j)
{
	char *err;
	struct store *from = store_open(j->from_spec, &err);
	if (!from)
		die(1, "%s", err);
	if (store_list(from, "v1/", collect, j) < 0)
		die(1, "%s: listing failed: %s", j->from_spec, strerror(errno));
	store_close(from);
	qsort(j->objs, j->n, sizeof *j->objs, raw_last);
}

static void free_job(struct job *j)
{
	for (size_t i = 0; i < j->n; i++)
		free(j->objs[i].key);
	free(j->objs);
	for (size_t i = 0; i < j->ndiffs; i++)
		free(j->diffs[i].key);
	free(j->diffs);
}

void apply_s3_options(const struct conf *c)
{
	static const char *const map[][2] = {
		{ "s3-endpoint", "AWS_ENDPOINT_URL" }, { "s3-region", "AWS_REGION" },
		{ "s3-access-key", "AWS_ACCESS_KEY_ID" }, { "s3-secret-key", "AWS_SECRET_ACCESS_KEY" },
	};
	for (size_t i = 0; i < sizeof map / sizeof *map; i++)
		if (conf_str(c, map[i][0]))
			setenv(map[i][1], conf_str(c, map[i][0]), 1);
}

/* crash-move check --to STORE: write, read back and delete a probe object. */
static int check_store(const char *spec)
{
	char *err;
	struct store *s = store_open(spec, &err);
	if (!s) {
		log_err("%s", err);
		free(err);
		return 1;
	}
	char key[64], body[96];
	snprintf(key, sizeof key, "v1/.probe/%ld-%ld", (long)getpid(), (long)now_ms());
	snprintf(body, sizeof body, "probe %s", key);
	size_t len = 0;
	char *back = NULL;
	int status = 1;
	if (store_put(s, key, body, strlen(body)) < 0)
		log_err("%s: write failed: %s", spec, strerror(errno));
	else if (!(back = store_get(s, key, 1024, &len)) || len != strlen(body) || memcmp(back, body, len))
		log_err("%s: read back failed: %s", spec, back ? "different bytes" : strerror(errno));
	else if (store_delete(s, key) < 0)
		log_err("%s: delete failed: %s", spec, strerror(errno));
	else
		status = 0;
	if (status == 0)
		printf("%s: ok\n", spec);
	free(back);
	store_close(s);
	return status;
}

int copy_main(const char *what, int argc, char **argv)
{
	char **rest;
	int nrest;
	char *usage = xasprintf("%s --from STORE --to STORE [--since DATE] [--until DATE] [--workers N]%s",
	    what, strcmp(what, "verify") ? "" : " [--quick]");
	struct conf *c = conf_load(options, usage, argc, argv, &rest, &nrest);
	if (nrest)
		die(2, "unexpected argument '%s'", rest[0]);
	free(rest);
	apply_s3_options(c);
	if (!strcmp(what, "check")) {
		if (!conf_str(c, "to"))
			die(2, "usage: crash-move check --to STORE");
		int r = check_store(conf_str(c, "to"));
		free(usage);
		conf_free(c);
		return r;
	}
	if (!conf_str(c, "from") || !conf_str(c, "to"))
		die(2, "usage: crash-move %s", usage);
	int workers = conf_int(c, "workers");
	if (workers < 1 || workers > 256)
		die(2, "--workers must be 1 to 256");
	struct job j = { .from_spec = conf_str(c, "from"), .to_spec = conf_str(c, "to"),
	    .quick = conf_bool(c, "quick"), .mu = PTHREAD_MUTEX_INITIALIZER };
	/* A mistyped directory source would be created empty and "copied". */
	const char *src = j.from_spec;
	struct stat st;
	if (!strstr(src, "://") && !strchr(src, ',') &&
	    stat(!strncmp(src, "fs:", 3) ? src + 3 : src, &st) < 0)
		die(1, "%s: %s", src, strerror(errno));
	date_arg(c, "since", j.since);
	date_arg(c, "until", j.until);
	int status = 0;
	j.kind = strcmp(what, "copy") ? VERIFY : COPY;
	list_source(&j);
	run(&j, workers);
	if (!strcmp(what, "copy")) {
		log_info("copied %lu objects, %.1f MB, %lu failed", j.done, j.bytes / 1e6, j.failed);
		status = j.failed ? 1 : 0;
	} else if (!strcmp(what, "verify")) {
		log_info("verified %lu objects: %lu differ, %lu could not be checked",
		    j.done, j.different, j.failed);
		status = j.different || j.failed ? 1 : 0;
	} else {
		/* sync: copy exactly what the verify pass reported. */
		struct job fix = { .kind = COPY, .from_spec = j.from_spec, .to_spec = j.to_spec,
		    .objs = j.diffs, .n = j.ndiffs, .cap = j.ndiffs, .mu = PTHREAD_MUTEX_INITIALIZER };
		j.diffs = NULL;
		j.ndiffs = 0;
		qsort(fix.objs, fix.n, sizeof *fix.objs, raw_last);
		run(&fix, workers);
		log_info("synced: %lu of %lu objects differed, %lu written again, %lu failed",
		    j.different, j.done, fix.done - fix.failed, fix.failed + j.failed);
		status = fix.failed || j.failed ? 1 : 0;
		free_job(&fix);
	}
	free_job(&j);
	free(usage);
	conf_free(c);
	return status;
}
