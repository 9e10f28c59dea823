/*
 * crash-move: moves complete crashes from a collector's spool into crash
 * storage. A crash leaves the spool only after the store has acknowledged
 * every one of its objects; the raw crash is written last, so a crash
 * whose raw crash is in the store is whole. One NDJSON line per crash
 * moved goes to stdout, ready for crash-process, or with --queue its ID
 * goes into the database's work queue for crash-process workers anywhere;
 * deferred crashes are stored but not handed on.
 */
#include "conf.h"
#include "copy.h"
#include "crashid.h"
#include "db.h"
#include "fileio.h"
#include "jsonfast.h"
#include "progress.h"
#include "queue.h"
#include "store.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <poll.h>
#include <unistd.h>

static const struct conf_option options[] = {
	{ "spool", CONF_STR, "spool", "DIR", "the collector's spool" },
	{ "to", CONF_STR, "store", "STORE", "the crash store: a path, fs:PATH, s3://BUCKET[/PREFIX], or PRIMARY,SECONDARY" },
	{ "follow", CONF_BOOL, "no", NULL, "keep watching the spool for new crashes" },
	{ "retry", CONF_INT, "5", "SECONDS", "with --follow: wait before retrying a failed store" },
	{ "queue", CONF_STR, NULL, "DB", "publish crash IDs to this database's work queue instead of stdout" },
	S3_OPTIONS,
	{ NULL, 0, NULL, NULL, NULL },
};

static const char usage[] = "[--spool DIR] [--to STORE] [--queue DB] [--follow] [--retry SECONDS]\n"
    "       crash-move copy|verify|sync --from STORE --to STORE [--since DATE] [--until DATE] [--workers N]\n"
    "       crash-move check --to STORE\n"
    "       crash-move expire [--to STORE] [--keep-days N | --before YYYY-MM-DD] [--dry-run]";

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

struct crash_dir {
	const char *id;
	char *path;
	json_t *raw;
	char *raw_text;		/* the raw crash as the store gets it */
	bool raw_as_is;		/* raw_crash.json is that text: link it, do not write it */
	json_t *names;		/* dump names */
	long long bytes;
};

/* More than a collector writes: its annotations are bounded by the upload's. */
#define MAX_RAW_CRASH (64 << 20)

/*
 * The raw crash, parsed, and the text the store gets: compact with
 * sorted keys, as the collector writes it (then the spool's file itself
 * is stored, linked where the store can) or rewritten so.
 */
static int read_raw_crash(struct crash_dir *c)
{
	char *path = xasprintf("%s/raw_crash.json", c->path);
	size_t len;
	json_error_t jerr;
	char *text = read_file(path, MAX_RAW_CRASH, &len);
	free(path);
	if (!text) {
		log_err("%s: raw_crash.json: %s", c->id, errno == EFBIG ? "too large" : strerror(errno));
		return -1;
	}
	c->raw = jsonfast_load(text, len, &jerr);
	if (!json_is_object(c->raw)) {
		log_err("%s: raw_crash.json: %s", c->id, c->raw ? "not an object" : jerr.text);
		free(text);
		return -1;
	}
	size_t n;
	c->raw_text = jsonfast_dumps(c->raw, &n);
	c->raw_as_is = c->raw_text && len == n && !memcmp(text, c->raw_text, n);
	free(text);
	return c->raw_text ? 0 : -1;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Reads a crash directory: its raw crash and the names of its dumps. */
static int load_crash(struct crash_dir *c)
{
	if (read_raw_crash(c) < 0)
		return -1;
	struct dirent **ents;
	int n = scandir(c->path, &ents, NULL, by_name);
	if (n < 0) {
		log_err("%s: %s", c->id, strerror(errno));
		return -1;
	}
	c->names = json_array();
	int strange = 0;
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		char *p = xasprintf("%s/%s", c->path, name);
		struct stat st;
		if (!strcmp(name, ".") || !strcmp(name, "..") || !strcmp(name, "raw_crash.json")) {
			;
		} else if (name[0] != '.' && lstat(p, &st) == 0 && S_ISREG(st.st_mode) &&
		    strcmp(name, "dump") && strcmp(name, "dump_names") && strcmp(name, "raw_crash") &&
		    strcmp(name, "processed_crash")) {
			json_array_append_new(c->names, json_string(name));
			c->bytes += st.st_size;
		} else {
			strange++;	/* nothing a collector writes: do not store, do not delete */
		}
		free(p);
		free(ents[i]);
	}
	free(ents);
	if (strange) {
		log_err("%s: %d entr%s that %s not dumps; left in the spool", c->id, strange,
		    strange == 1 ? "y" : "ies", strange == 1 ? "is" : "are");
		return -1;
	}
	return 0;
}

/* Writes every object of the crash, the raw crash last. */
static int store_crash(struct store *st, struct crash_dir *c)
{
	size_t i;
	json_t *name;
	json_array_foreach(c->names, i, name) {
		char *key = store_dump_key(json_string_value(name), c->id);
		char *path = xasprintf("%s/%s", c->path, json_string_value(name));
		int r = store_put_file(st, key, path);
		free(path);
		free(key);
		if (r < 0)
			return -1;
	}
	char *names = json_dumps(c->names, JSON_COMPACT);
	char *key = store_names_key(c->id);
	int r = store_put(st, key, names, strlen(names));
	free(key);
	free(names);
	if (r < 0)
		return -1;
	key = store_raw_key(c->id);
	if (c->raw_as_is) {
		char *path = xasprintf("%s/raw_crash.json", c->path);
		r = store_put_file(st, key, path);
		free(path);
	} else {
		r = store_put(st, key, c->raw_text, strlen(c->raw_text));
	}
	c->bytes += strlen(c->raw_text);
	free(key);
	return r;
}

static bool deferred(const struct crash_dir *c)
{
	const char *result = json_string_value(json_object_get(json_object_get(c->raw, "metadata"),
	    "throttle_result"));
	return crashid_throttle(c->id) == THROTTLE_DIGIT_DEFER || (result && !strcmp(result, "defer"));
}

/* The line for crash-process; false when stdout is gone (a closed pipe, a full disk). */
static bool print_moved(const struct crash_dir *c, const char *date)
{
	const char *result = json_string_value(json_object_get(json_object_get(c->raw, "metadata"),
	    "throttle_result"));
	json_t *line = json_pack("{s:s, s:s, s:O, s:I, s:s}", "crash_id", c->id, "date", date,
	    "dump_names", c->names, "bytes", (json_int_t)c->bytes,
	    "throttle_result", result ? result : "accept");
	char *text = json_dumps(line, JSON_COMPACT);
	bool ok = puts(text) >= 0 && fflush(stdout) == 0;
	free(text);
	json_decref(line);
	return ok;
}

/* Where a moved crash is handed on: stdout, or the work queue. */
static struct db *queue_db;
static struct progress progress;

#define MOVE_BATCH 64

/* Publishes a batch to the queue in one transaction; false when the database failed. */
static bool publish(struct crash_dir *batch, int n)
{
	char *err = NULL;
	int rc = db_begin(queue_db, &err);
	for (int i = 0; rc == 0 && i < n; i++)
		if (!deferred(&batch[i]))
			rc = queue_publish(queue_db, batch[i].id, &err);
	if (rc == 0 && db_commit(queue_db, &err) == 0)
		return true;
	db_rollback(queue_db);
	log_err("%d crash%s stored, but not queued: %s; left in the spool", n, n == 1 ? "" : "es", err);
	free(err);
	if (db_connection_lost(queue_db) && db_reconnect(queue_db, &err) != 0) {
		log_warn("queue: reconnect failed: %s", err);
		free(err);
	}
	return false;
}

/* Prints the lines for crash-process; false when stdout is gone (a closed pipe, a full disk). */
static bool print_batch(struct crash_dir *batch, int n)
{
	for (int i = 0; i < n; i++) {
		char date[9];
		crashid_date(batch[i].id, date);
		if (!deferred(&batch[i]) && !print_moved(&batch[i], date)) {
			log_err("%s: stored, but the line for it could not be written: %s; left in the spool",
			    batch[i].id, strerror(errno));
			return false;
		}
	}
	return true;
}

#define GONE_PREFIX ".gone-"

/*
 * Out of new/ in one step, then removed: rm -rf in place, cut short by a
 * kill, could leave a crash without its raw_crash.json, which no mover
 * could read again. A rename leaves either the whole crash, moved again
 * (at least once), or a dot name no mover reads, removed at its next pass.
 */
static int remove_from_spool(int newfd, const char *id)
{
	char gone[sizeof GONE_PREFIX + CRASHID_LEN];
	snprintf(gone, sizeof gone, GONE_PREFIX "%s", id);
	if (renameat(newfd, id, newfd, gone) < 0)
		return errno == ENOENT ? 0 : -1;
	return rm_rf_at(newfd, gone);
}

/*
 * A batch of stored crashes: made durable in the store at once (group
 * commit), handed on (queue or stdout), and only then removed from the
 * spool, with one fsync of new/. 0, or -1 when the store or the hand-on
 * failed (the batch stays in the spool; at least once, never zero times).
 */
static int finish_batch(struct store *st, int newfd, struct crash_dir *batch, int n, bool *bad,
    long *moved)
{
	if (store_sync(st) < 0) {
		log_err("%s: flushing %d crash%s failed: %s; left in the spool", store_spec(st), n,
		    n == 1 ? "" : "es", strerror(errno));
		return -1;
	}
	if (queue_db ? !publish(batch, n) : !print_batch(batch, n))
		return -1;
	int gone = 0;
	for (int i = 0; i < n; i++) {
		if (remove_from_spool(newfd, batch[i].id) < 0) {
			log_err("%s: stored, but not removed from the spool: %s", batch[i].id, strerror(errno));
			*bad = true;
		} else {
			gone++;
		}
	}
	if (fsync(newfd) < 0) {
		log_err("spool: %s", strerror(errno));
		*bad = true;
	}
	*moved += gone;
	progress_add(&progress, n, n - gone, 0);
	return 0;
}

static void free_crash(struct crash_dir *c)
{
	json_decref(c->raw);
	free(c->raw_text);
	json_decref(c->names);
	free(c->path);
	memset(c, 0, sizeof *c);
}

/*
 * Reads and stores one crash: 1 when stored, 0 when unusable (left in the
 * spool), -1 when the store failed.
 */
static int store_one(struct store *st, const char *spool, const char *id, struct crash_dir *c,
    bool *bad)
{
	*c = (struct crash_dir){ .id = id, .path = xasprintf("%s/new/%s", spool, id) };
	if (!crashid_valid(id)) {
		log_err("%s: not a crash ID; left in the spool", id);
		*bad = true;
		return 0;
	}
	if (load_crash(c) < 0) {
		*bad = true;
		return 0;
	}
	if (store_crash(st, c) < 0) {
		log_err("%s: store write failed: %s; left in the spool", id, strerror(errno));
		return -1;
	}
	return 1;
}

/* One pass over new/, MOVE_BATCH crashes at a time: 0, or -1 when the store failed. */
static int move_all(struct store *st, const char *spool, int newfd, bool *bad, long *moved)
{
	char *dir = xasprintf("%s/new", spool);
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, by_name);
	free(dir);
	if (n < 0) {
		log_err("%s/new: %s", spool, strerror(errno));
		*bad = true;
		return 0;
	}
	struct crash_dir batch[MOVE_BATCH];
	int nb = 0, r = 0;
	for (int i = 0; i < n && r >= 0 && !stopping; i++) {
		if (!strncmp(ents[i]->d_name, GONE_PREFIX, strlen(GONE_PREFIX)) &&
		    rm_rf_at(newfd, ents[i]->d_name) < 0)
			log_warn("%s/new/%s: %s", spool, ents[i]->d_name, strerror(errno));
		if (ents[i]->d_name[0] == '.')
			continue;
		struct crash_dir *c = &batch[nb];
		r = store_one(st, spool, ents[i]->d_name, c, bad);
		if (r == 1)
			nb++;
		else
			free_crash(c);
		if (r >= 0 && nb == MOVE_BATCH) {
			r = finish_batch(st, newfd, batch, nb, bad, moved);
			while (nb)
				free_crash(&batch[--nb]);
		}
	}
	/* The crashes stored before a failure are finished too, not stored again. */
	if (nb) {
		int f = finish_batch(st, newfd, batch, nb, bad, moved);
		r = r < 0 ? r : f;
	}
	while (nb)
		free_crash(&batch[--nb]);
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	return r < 0 ? -1 : 0;
}

/* Waits up to ms for something to appear in new/ (inotify), or for a signal. */
static void wait_for_crashes(int ifd, int ms)
{
	struct pollfd p = { .fd = ifd, .events = POLLIN };
	if (ifd < 0) {
		poll(NULL, 0, ms);	/* no inotify: a pass every ms */
		return;
	}
	if (poll(&p, 1, ms) <= 0)
		return;
	char buf[4096];
	while (read(ifd, buf, sizeof buf) > 0)
		;
}

int main(int argc, char **argv)
{
	progname = "crash-move";
	if (argc > 1 && (!strcmp(argv[1], "copy") || !strcmp(argv[1], "verify") ||
	    !strcmp(argv[1], "sync") || !strcmp(argv[1], "check")))
		return conf_subcommand = argv[1], copy_main(argv[1], argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "expire"))
		return conf_subcommand = argv[1], expire_main(argc - 1, argv + 1);
	char **rest;
	int nrest;
	struct conf *c = conf_load(options, usage, argc, argv, &rest, &nrest);
	if (nrest)
		die(2, "unexpected argument '%s'", rest[0]);
	free(rest);
	const char *spool = conf_str(c, "spool");
	apply_s3_options(c);
	char *err;
	struct store *st = store_open(conf_str(c, "to"), &err);
	if (!st)
		die(1, "%s", err);
	if (conf_str(c, "queue") && !(queue_db = db_open(conf_str(c, "queue"), &err)))
		die(1, "%s", err);
	char *newdir = xasprintf("%s/new", spool), *lock = xasprintf("%s/.move.lock", spool);
	int newfd = open(newdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (newfd < 0)	/* before the lock is made: no lock file where no spool is */
		die(1, "%s: %s", newdir, strerror(errno));
	int lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lockfd < 0)
		die(1, "%s: %s", lock, strerror(errno));
	if (flock(lockfd, LOCK_EX | LOCK_NB) < 0)
		die(1, "%s: another crash-move is working on this spool", spool);
	bool follow = conf_bool(c, "follow"), bad = false;
	if (conf_int(c, "retry") < 1 || conf_int(c, "retry") > 3600)
		die(2, "--retry %s: out of range (1 to 3600)", conf_str(c, "retry"));
	signal(SIGPIPE, SIG_IGN);	/* a closed pipe is an error to handle, not a death */
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	int ifd = -1;
	if (follow) {
		ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (ifd >= 0 && inotify_add_watch(ifd, newdir, IN_MOVED_TO | IN_CREATE) < 0) {
			close(ifd);
			ifd = -1;
		}
	}
	long moved = 0;
	int status = 0;
	progress_start(&progress, "crashes moved", -1);
	store_batch(st, true);
	do {
		if (move_all(st, spool, newfd, &bad, &moved) < 0) {
			status = 1;
			if (follow && !stopping)
				sleep(conf_int(c, "retry"));	/* the store is down: try again later */
			continue;
		}
		if (follow && !stopping)
			wait_for_crashes(ifd, 5000);	/* and a periodic pass, in case of missed events */
	} while (follow && !stopping);
	progress_end(&progress);
	log_info("moved %ld crash%s to %s", moved, moved == 1 ? "" : "es", store_spec(st));
	if (bad)
		status = 1;
	if (ifd >= 0)
		close(ifd);
	close(newfd);
	close(lockfd);
	free(newdir);
	free(lock);
	store_close(st);
	if (queue_db)
		db_close(queue_db);
	conf_free(c);
	return follow && stopping && !bad ? 0 : status;
}
