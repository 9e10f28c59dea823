/*
 * crash-process: crash IDs in (bare, or NDJSON lines with crash_id as
 * crash-move prints them); for each, the raw crash and its dumps out of the
 * store, the processor rules, the processed crash back into the store and
 * its row into the database; one NDJSON summary line out per crash.
 */
#include "conf.h"
#include "crashid.h"
#include "db.h"
#include "fileio.h"
#include "jsonfast.h"
#include "process.h"
#include "progress.h"
#include "queue.h"
#include "siglists.h"
#include "store.h"
#include "symfetch.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_RAW_CRASH (16 << 20)
#define MAX_DUMP (1LL << 30)

static const struct conf_option options[] = {
	{ "store", CONF_STR, "store", "STORE", "the crash store (a path, fs:PATH, s3://BUCKET[/PREFIX])" },
	{ "db", CONF_STR, "crash.db", "DB", "the database: sqlite:PATH, a path, or postgresql://..." },
	{ "symbols", CONF_LIST, NULL, "DIR", "symbol store (repeatable; default ./symbols if there)" },
	{ "symbol-cache", CONF_STR, NULL, "DIR", "where compiled symbol indexes go" },
	{ "siglists", CONF_STR, NULL, "DIR", "signature lists (default: the installed ones)" },
	{ "workers", CONF_INT, "1", "N", "crashes processed in parallel" },
	{ "reprocess", CONF_BOOL, "no", NULL, "process crashes that already have a row again" },
	{ "stackwalk", CONF_STR, NULL, "PATH", "the crash-stackwalk binary (default: beside this one)" },
	{ "walk-timeout", CONF_INT, "120", "SECONDS", "wall-clock limit of one stackwalk" },
	{ "walk-cpu", CONF_INT, "60", "SECONDS", "CPU-time limit of one stackwalk" },
	{ "walk-memory", CONF_SIZE, "2G", "BYTES", "address-space limit of one stackwalk" },
	{ "retry-for", CONF_INT, "300", "SECONDS", "keep retrying a store or database that fails this long" },
	{ "queue", CONF_STR, NULL, "DB", "claim crash IDs from this database's queue instead of stdin" },
	{ "drain", CONF_BOOL, "no", NULL, "with --queue: exit once the queue is empty" },
	{ "claim-timeout", CONF_INT, "600", "SECONDS", "with --queue: hand a claim to another worker after this long" },
	SYMFETCH_OPTIONS,
	{ NULL, 0, NULL, NULL, NULL },
};

static const char usage[] = "[--store STORE] [--db DB] [--symbols DIR]... [--siglists DIR] "
    "[--workers N] [--reprocess] < CRASH-IDS\n"
    "       crash-process [options] --queue DB [--drain] [--claim-timeout SECONDS]";

/* What every worker shares: configuration, input, output. */
static struct {
	struct conf *conf;
	struct processor proc;
	const char **symbols;
	char **walker_args;
	pthread_mutex_t in_lock, out_lock;
	long failed;
	struct progress progress;
	volatile sig_atomic_t stop;
} g = { .in_lock = PTHREAD_MUTEX_INITIALIZER, .out_lock = PTHREAD_MUTEX_INITIALIZER };

#define CLAIM_BATCH 4

/* One worker's own connections and scratch space. */
struct worker {
	struct store *store;
	struct db *db;
	struct siglists *sl;
	struct walker *walker;
	char tmpdir[64];
	/* with --queue: its name in claims, its connection, what it has claimed */
	struct db *qdb;
	char name[128];
	char claimed[CLAIM_BATCH][CRASHID_LEN + 1];
	int nclaimed, next_claimed;
	double claimed_ms;		/* when the batch was claimed or last renewed */
	bool done_with_row;		/* the crash's queue entry went in its row's transaction */
};

static void on_signal(int sig)
{
	g.stop = 1;
}

/* The next crash ID on stdin, or false at the end (or when told to stop). */
static bool next_input(char id[CRASHID_LEN + 1], char **bad)
{
	static char *line;
	static size_t cap;
	*bad = NULL;
	pthread_mutex_lock(&g.in_lock);
	bool got = false;
	while (!got && !g.stop && getline(&line, &cap, stdin) > 0) {
		char *s = strtrim(line);
		if (!*s)
			continue;
		got = true;
		const char *candidate = s;
		json_t *obj = NULL;
		if (*s == '{') {
			obj = json_loads(s, 0, NULL);
			candidate = json_string_value(json_object_get(obj, "crash_id"));
		}
		if (candidate && strncmp(candidate, "bp-", 3) == 0)
			candidate += 3;
		if (candidate && crashid_valid(candidate))
			snprintf(id, CRASHID_LEN + 1, "%s", candidate);
		else
			*bad = xstrdup(s);
		json_decref(obj);
	}
	pthread_mutex_unlock(&g.in_lock);
	return got;
}

static void print_line(json_t *line)
{
	char *s = json_dumps(line, JSON_COMPACT | JSON_REAL_PRECISION(6));
	pthread_mutex_lock(&g.out_lock);
	puts(s);
	fflush(stdout);
	pthread_mutex_unlock(&g.out_lock);
	free(s);
}

static void report(const char *id, json_t *processed, const char *status, double ms)
{
	json_t *line = json_pack("{s:s}", "crash_id", id);
	static const char *const keys[][2] = {
		{ "signature", "signature" }, { "product", "product" },
		{ "version", "version" }, { "os", "os_name" },
	};
	for (size_t i = 0; processed && i < sizeof keys / sizeof keys[0]; i++) {
		json_t *v = json_object_get(processed, keys[i][1]);
		if (v)
			json_object_set(line, keys[i][0], v);
	}
	json_object_set_new(line, "status", json_string(status));
	json_object_set_new(line, "ms", json_real((double)(long)(ms * 10) / 10));
	print_line(line);
	json_decref(line);
	bool failed = strcmp(status, "ok") != 0 && strcmp(status, "skipped") != 0;
	if (failed)
		__atomic_add_fetch(&g.failed, 1, __ATOMIC_RELAXED);
	progress_add(&g.progress, 1, failed, 0);
}

/* Sleeps before another attempt; false once retry-for seconds are spent. */
static bool retry_wait(double start, int *attempt)
{
	double limit = (double)conf_int(g.conf, "retry-for") * 1000;
	double delay = 250.0 * (1 << (*attempt < 6 ? *attempt : 6));
	if (g.stop || now_ms() - start + delay > limit)
		return false;
	(*attempt)++;
	usleep((useconds_t)(delay * 1000));
	return true;
}

/*
 * Reads an object, retrying a store that fails (not one that says the
 * object is not there) for retry-for seconds; NULL with errno.
 */
static char *get_object(struct worker *w, const char *id, const char *key, size_t max, size_t *len)
{
	double start = now_ms();
	int attempt = 0;
	char *data;
	while (!(data = store_get(w->store, key, max, len)) && errno != ENOENT && errno != EFBIG) {
		int e = errno;
		log_warn("%s: store read of %s failed: %s", id, key, strerror(e));
		if (!retry_wait(start, &attempt)) {
			errno = e;
			break;
		}
	}
	return data;
}

static int put_processed(struct worker *w, const char *id, json_t *processed)
{
	char *key = store_processed_key(id);
	size_t len;
	char *text = jsonfast_dumps(processed, &len);
	double start = now_ms();
	int attempt = 0, rc = -1;
	if (!text)	/* only text that is not UTF-8, which no reader lets in */
		log_err("%s: the processed crash cannot be written as JSON", id);
	while (text && (rc = store_put(w->store, key, text, len)) != 0) {
		log_warn("%s: store write failed: %s", id, strerror(errno));
		if (!retry_wait(start, &attempt))
			break;
	}
	free(key);
	free(text);
	return rc;
}

struct done_mark {
	const char *id, *worker;
};

static int mark_done(struct db *db, void *ctx, char **err)
{
	struct done_mark *m = ctx;
	return queue_done(db, m->id, m->worker, err);
}

/*
 * A lost connection is retried for retry-for seconds, reconnecting; any
 * other database error (a deadlock, a full disk) three times at most.
 * When the queue is in the same database, the crash's entry is marked
 * done in the row's transaction: one commit, not two.
 */
static int put_row(struct worker *w, const char *id, json_t *processed)
{
	double start = now_ms();
	int attempt = 0, other_errors = 0;
	bool with_done = w->qdb == w->db;
	struct done_mark mark = { id, w->name };
	for (;;) {
		char *err = NULL;
		if (db_put_crash_and(w->db, processed, with_done ? mark_done : NULL, &mark, &err) == 0) {
			w->done_with_row = with_done;
			return 0;
		}
		log_warn("%s: database write failed: %s", id, err);
		free(err);
		bool lost = db_connection_lost(w->db);
		if ((!lost && ++other_errors == 3) || !retry_wait(start, &attempt))
			return -1;
		if (lost && db_reconnect(w->db, &err) != 0) {
			log_warn("%s: database reconnect failed: %s", id, err);
			free(err);
		}
	}
}

static int has_row_cb(void *ctx, int ncols, const char *const *v, const char *const *n)
{
	*(bool *)ctx = true;
	return 1;
}

static bool already_processed(struct worker *w, const char *id)
{
	bool found = false;
	char *err = NULL;
	const char *params[] = { id };
	if (db_query(w->db, "SELECT 1 FROM crashes WHERE crash_id = $1", 1, params,
	    has_row_cb, &found, &err) != 0) {
		free(err);	/* unknown: process it, the write is idempotent */
		return false;
	}
	return found;
}

struct dumps {
	char **names, **paths;
	bool *scratch;		/* a copy of ours, to remove; else the store's own file */
	size_t n;
};

static void dumps_free(struct dumps *d)
{
	for (size_t i = 0; i < d->n; i++) {
		if (d->paths[i] && d->scratch[i])
			unlink(d->paths[i]);
		free(d->names[i]);
		free(d->paths[i]);
	}
	free(d->names);
	free(d->paths);
	free(d->scratch);
}

/*
 * The crash's dumps as files for the walker: a directory store's own
 * files, or copies in the worker's scratch directory.
 */
static int fetch_dumps(struct worker *w, const char *id, struct dumps *d)
{
	char *key = store_names_key(id);
	size_t len;
	char *text = get_object(w, id, key, 1 << 20, &len);
	free(key);
	if (!text && errno != ENOENT) {	/* unreadable is not "no dumps" */
		log_err("%s: dump names: %s", id, strerror(errno));
		return -1;
	}
	json_t *names = text ? json_loadb(text, len, 0, NULL) : json_array();
	free(text);
	if (!json_is_array(names)) {
		log_err("%s: dump_names is not a JSON list", id);
		json_decref(names);
		return -1;
	}
	size_t n = json_array_size(names);
	d->names = xcalloc(n + 1, sizeof *d->names);
	d->paths = xcalloc(n + 1, sizeof *d->paths);
	d->scratch = xcalloc(n + 1, sizeof *d->scratch);
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const char *name = json_string_value(json_array_get(names, i));
		if (!name || strchr(name, '/'))
			continue;
		char *dkey = store_dump_key(name, id);
		char *local = store_local_path(w->store, dkey);
		if (local) {	/* no copy: read where it lies */
			free(dkey);
			d->names[d->n] = xstrdup(name);
			d->paths[d->n++] = local;
			continue;
		}
		char *data = get_object(w, id, dkey, (size_t)MAX_DUMP, &len);
		free(dkey);
		if (!data) {
			log_err("%s: dump %s: %s", id, name, strerror(errno));
			rc = -1;
			break;
		}
		d->names[d->n] = xstrdup(name);
		d->paths[d->n] = xasprintf("%s/%s", w->tmpdir, name);
		d->scratch[d->n] = true;
		int fd = open(d->paths[d->n], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		d->n++;
		if (fd < 0 || write_all(fd, data, len) != 0) {
			log_err("%s: scratch copy of %s: %s", id, name, strerror(errno));
			rc = -1;
		}
		if (fd >= 0)
			close(fd);
		free(data);
	}
	json_decref(names);
	return rc;
}

static json_t *load_raw(struct worker *w, const char *id)
{
	char *key = store_raw_key(id);
	size_t len;
	char *text = get_object(w, id, key, MAX_RAW_CRASH, &len);
	free(key);
	if (!text) {
		int e = errno;
		log_err("%s: raw crash: %s", id, e == ENOENT ? "not in the store" : strerror(e));
		errno = e;
		return NULL;
	}
	json_error_t jerr;
	json_t *raw = jsonfast_load(text, len, &jerr);
	free(text);
	if (!json_is_object(raw)) {
		log_err("%s: raw crash is not a JSON object: %s", id, jerr.text);
		json_decref(raw);
		errno = EINVAL;
		return NULL;
	}
	return raw;
}

/* Processes one crash; its status ("ok", "skipped", "missing", "failed", "interrupted"). */
static const char *process_one(struct worker *w, const char *id)
{
	double start = now_ms();
	w->done_with_row = false;
	if (!conf_bool(g.conf, "reprocess") && already_processed(w, id)) {
		report(id, NULL, "skipped", now_ms() - start);
		return "skipped";
	}
	json_t *raw = load_raw(w, id);
	if (!raw) {
		const char *status = errno == ENOENT ? "missing" : "failed";
		report(id, NULL, status, now_ms() - start);
		return status;
	}
	struct dumps d = { 0 };
	if (fetch_dumps(w, id, &d) != 0) {
		report(id, NULL, "failed", now_ms() - start);
		dumps_free(&d);
		json_decref(raw);
		return "failed";
	}
	struct processor p = g.proc;
	p.sl = w->sl;
	p.walker = w->walker;
	struct raw_input in = { id, raw, (const char *const *)d.names, (const char *const *)d.paths };
	bool interrupted;
	json_t *processed = process_crash(&p, &in, &interrupted);
	dumps_free(&d);
	const char *status = "ok";
	if (interrupted) {
		log_warn("%s: a walker was stopped from outside: not recorded, left to process again", id);
		status = "interrupted";
	} else if (put_processed(w, id, processed) != 0 || put_row(w, id, processed) != 0) {
		status = "failed";
	}
	report(id, processed, status, now_ms() - start);
	json_decref(processed);
	json_decref(raw);
	return status;
}

static int worker_open(struct worker *w)
{
	char *err = NULL;
	const char *dir = conf_str(g.conf, "siglists");
	snprintf(w->tmpdir, sizeof w->tmpdir, "%s/crash-process.XXXXXX",
	    getenv("TMPDIR") && strlen(getenv("TMPDIR")) < 32 ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(w->tmpdir))
		return log_err("scratch directory %s: %s", w->tmpdir, strerror(errno)), -1;
	const char *queue = conf_str(g.conf, "queue");
	w->walker = walker_new();
	if (!(w->store = store_open(conf_str(g.conf, "store"), &err)) ||
	    !(w->db = db_open(conf_str(g.conf, "db"), &err)) ||
	    !(w->sl = siglists_load(dir ? dir : siglists_default_dir(), &err)) ||
	    (queue && !(w->qdb = strcmp(queue, conf_str(g.conf, "db")) == 0 ? w->db
	    : db_open(queue, &err)))) {
		log_err("%s", err);
		free(err);
		return -1;
	}
	return 0;
}

static void worker_close(struct worker *w)
{
	if (w->qdb) {
		char *err = NULL;
		for (; w->next_claimed < w->nclaimed; w->next_claimed++)
			if (queue_release(w->qdb, w->claimed[w->next_claimed], w->name, false, &err) != 0) {
				log_warn("%s: claim not handed back (it expires): %s",
				    w->claimed[w->next_claimed], err);
				free(err);
				err = NULL;
			}
		if (w->qdb != w->db)
			db_close(w->qdb);
	}
	store_close(w->store);
	db_close(w->db);
	siglists_free(w->sl);
	walker_free(w->walker);
	if (w->tmpdir[0])
		rmdir(w->tmpdir);
}

/*
 * The claims of a batch share one time. When the crashes before took half
 * the timeout (slow walks, a database retried), the claims still in hand
 * are renewed, so that no other worker takes one over meanwhile.
 */
static void renew_if_old(struct worker *w)
{
	double half_timeout_ms = conf_int(g.conf, "claim-timeout") * 500.0;
	if (now_ms() - w->claimed_ms < half_timeout_ms)
		return;
	for (int i = w->next_claimed; i < w->nclaimed; i++) {
		char *err = NULL;
		if (queue_renew(w->qdb, w->claimed[i], w->name, &err) != 0) {
			log_warn("%s: claim not renewed: %s", w->claimed[i], err);
			free(err);
		}
	}
	w->claimed_ms = now_ms();
}

/* Sleeps ms, waking early when told to stop. */
static void nap(int ms)
{
	for (int slept = 0; slept < ms && !g.stop; slept += 100)
		usleep(100 * 1000);
}

static bool queue_empty(struct worker *w)
{
	struct queue_depth d;
	char *err = NULL;
	if (queue_depth(w->qdb, (int)conf_int(g.conf, "claim-timeout"), &d, &err) != 0) {
		free(err);
		return false;
	}
	return d.waiting + d.claimed == 0;
}

/*
 * The next crash ID from the queue, claiming a batch when the last one is
 * used up; waits for work, or with --drain returns false once the queue
 * is empty. A queue database that fails is retried (reconnecting) for as
 * long as the worker runs, or retry-for seconds with --drain.
 */
static bool next_queued(struct worker *w, char id[CRASHID_LEN + 1])
{
	bool drain = conf_bool(g.conf, "drain");
	double failing_since = 0;
	int attempt = 0;
	time_t unanswered = 0;	/* a claim that failed: it may have taken crashes all the same */
	while (w->next_claimed == w->nclaimed && !g.stop) {
		char *err = NULL;
		if (unanswered && queue_release_since(w->qdb, w->name, unanswered, &err) == 0)
			unanswered = 0;
		free(err);
		err = NULL;
		time_t asked = time(NULL);
		int n = queue_claim(w->qdb, w->name, CLAIM_BATCH, (int)conf_int(g.conf, "claim-timeout"),
		    w->claimed, &err);
		if (n > 0) {
			w->nclaimed = n;
			w->next_claimed = 0;
			w->claimed_ms = now_ms();
		} else if (n < 0) {
			log_warn("queue: %s", err);
			free(err);
			if (!unanswered)
				unanswered = asked;
			if (failing_since == 0)
				failing_since = now_ms();
			if (!retry_wait(failing_since, &attempt)) {
				if (drain) {
					log_err("queue: unreachable for %lld seconds; giving up",
					    conf_int(g.conf, "retry-for"));
					__atomic_add_fetch(&g.failed, 1, __ATOMIC_RELAXED);
					return false;
				}
				failing_since = now_ms();
				attempt = 0;
			}
			if (db_connection_lost(w->qdb) && db_reconnect(w->qdb, &err) != 0) {
				log_warn("queue: reconnect failed: %s", err);
				free(err);
			}
		} else if (drain && queue_empty(w)) {
			return false;
		} else {
			failing_since = 0;
			nap(drain ? 200 : 1000);
		}
	}
	if (w->next_claimed == w->nclaimed)
		return false;
	renew_if_old(w);
	memcpy(id, w->claimed[w->next_claimed++], CRASHID_LEN + 1);
	return true;
}

/*
 * A crash that failed stays claimed, to be handed out again when the
 * claim expires. So does one missing from the store: crash-move queues a
 * crash only once it is stored, so a worker that cannot find it is
 * looking in the wrong store, and the crash must wait for one that can.
 */
static void finish_queued(struct worker *w, const char *id, const char *status)
{
	char *err = NULL;
	bool done = !strcmp(status, "ok") || !strcmp(status, "skipped");
	if (done && !w->done_with_row && queue_done(w->qdb, id, w->name, &err) != 0) {
		log_warn("%s: processed, but still in the queue (it will be skipped): %s", id, err);
		free(err);
	}
	/* Not the crash's fault: handed back at once instead of when the claim expires. */
	if (!strcmp(status, "interrupted") && queue_release(w->qdb, id, w->name, true, &err) != 0) {
		log_warn("%s: claim not handed back (it expires): %s", id, err);
		free(err);
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	char id[CRASHID_LEN + 1], *bad = NULL;
	while (w->qdb ? next_queued(w, id) : next_input(id, &bad)) {
		if (bad) {
			log_err("not a crash ID: %.80s", bad);
			report(bad, NULL, "invalid", 0);
			free(bad);
			continue;
		}
		const char *status = process_one(w, id);
		if (w->qdb)
			finish_queued(w, id, status);
	}
	return NULL;
}

static void setup_processor(void)
{
	const char **dirs;
	int n = conf_list(g.conf, "symbols", &dirs);
	g.symbols = xcalloc((size_t)n + 2, sizeof *g.symbols);
	for (int i = 0; i < n; i++)
		g.symbols[i] = dirs[i];
	struct stat st;
	if (n == 0 && stat("symbols", &st) == 0 && S_ISDIR(st.st_mode))
		g.symbols[0] = "symbols";
	static char walker[4096];
	const char *sw = conf_str(g.conf, "stackwalk");
	snprintf(walker, sizeof walker, "%s/crash-stackwalk", exe_dir());
	g.proc.stackwalk = sw ? sw : walker;
	if (access(g.proc.stackwalk, X_OK) != 0)
		die(1, "%s: %s", g.proc.stackwalk, strerror(errno));
	g.proc.symbols = g.symbols;
	g.proc.symbol_cache = conf_str(g.conf, "symbol-cache");
	struct symfetch sf;
	symfetch_from_conf(g.conf, &sf);	/* checks the values; the walker fetches */
	g.walker_args = symfetch_walker_args(g.conf);
	g.proc.walker_args = (const char *const *)g.walker_args;
	g.proc.limits = (struct walk_limits){
		.cpu_seconds = (int)conf_int(g.conf, "walk-cpu"),
		.memory_bytes = conf_int(g.conf, "walk-memory"),
		.wall_ms = (int)conf_int(g.conf, "walk-timeout") * 1000,
		.max_output = 256 << 20,
	};
}

int main(int argc, char **argv)
{
	progname = "crash-process";
	char **rest;
	int nrest;
	g.conf = conf_load(options, usage, argc, argv, &rest, &nrest);
	if (nrest)
		die(2, "usage: crash-process %s", usage);
	if (conf_bool(g.conf, "drain") && !conf_str(g.conf, "queue"))
		die(2, "--drain goes with --queue");
	if (conf_int(g.conf, "claim-timeout") < 1)
		die(2, "--claim-timeout must be at least 1 second");
	free(rest);
	long nworkers = conf_int(g.conf, "workers");
	if (nworkers < 1 || nworkers > 256)
		die(2, "--workers must be 1 to 256");
	setup_processor();
	progress_start(&g.progress, "crashes processed", -1);
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct worker *workers = xcalloc((size_t)nworkers, sizeof *workers);
	pthread_t *threads = xcalloc((size_t)nworkers, sizeof *threads);
	int status = 0;
	char host[64] = "localhost";
	gethostname(host, sizeof host - 1);
	for (long i = 0; i < nworkers; i++) {
		snprintf(workers[i].name, sizeof workers[i].name, "%s:%ld:%ld", host, (long)getpid(), i);
		if (worker_open(&workers[i]) != 0)
			status = 1;
	}
	for (long i = 0; status == 0 && i < nworkers; i++)
		pthread_create(&threads[i], NULL, worker_main, &workers[i]);
	for (long i = 0; status == 0 && i < nworkers; i++)
		pthread_join(threads[i], NULL);
	for (long i = 0; i < nworkers; i++)
		worker_close(&workers[i]);
	progress_end(&g.progress);
	free(workers);
	free(threads);
	free(g.symbols);
	symfetch_args_free(g.walker_args);
	conf_free(g.conf);
	if (g.failed)
		log_err("%ld crashes not processed", g.failed);
	return status || g.failed ? 1 : 0;
}
