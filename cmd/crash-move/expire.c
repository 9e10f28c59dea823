/*
 * expire.c: crash-move expire, the store's retention. Removes every crash
 * submitted before a day: its dumps, dump names and processed crash, and
 * its raw crash last, so that a run cut short leaves the crash to the next
 * run (the raw crashes are what it lists, by day).
 */
#include "aggregate.h"
#include "conf.h"
#include "copy.h"
#include "crashid.h"
#include "progress.h"
#include "store.h"
#include "util.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct conf_option options[] = {
	{ "to", CONF_STR, "store", "STORE", "the crash store to expire crashes from" },
	{ "keep-days", CONF_INT, "180", "DAYS", "keep the crashes of this many days, today included" },
	{ "before", CONF_STR, NULL, "YYYY-MM-DD", "remove crashes submitted before this day (instead of --keep-days)" },
	{ "dry-run", CONF_BOOL, "no", NULL, "list what would be removed, remove nothing" },
	S3_OPTIONS,
	{ NULL, 0, NULL, NULL, NULL },
};

static const char usage[] = "expire [--to STORE] [--keep-days N | --before YYYY-MM-DD] [--dry-run]";

struct expiry {
	char cutoff[9];		/* yyyymmdd: crashes of earlier days go */
	char **keys;		/* raw crash keys to expire */
	size_t n, cap;
};

/* v1/raw_crash/<yyyymmdd>/<id> of a day before the cutoff. */
static int collect(void *ctx, const char *key, long long size)
{
	struct expiry *e = ctx;
	const char *day = key + strlen("v1/raw_crash/"), *id = strrchr(key, '/');
	if (strlen(day) < 9 || day[8] != '/' || !id || !crashid_valid(id + 1) ||
	    strncmp(day, e->cutoff, 8) >= 0)
		return 0;
	if (e->n == e->cap) {
		e->cap = e->cap ? 2 * e->cap : 1024;
		e->keys = xrealloc(e->keys, e->cap * sizeof *e->keys);
	}
	e->keys[e->n++] = xstrdup(key);
	return 0;
}

static int delete_key(struct store *s, const char *key)
{
	if (store_delete(s, key) == 0 || errno == ENOENT)
		return 0;
	log_err("%s: delete failed: %s", key, strerror(errno));
	return -1;
}

/*
 * Deletes the dumps a crash's dump names list. 0 when there are none (no
 * names object); -1 when the names cannot be read or parsed, since
 * deleting the names then would orphan the dumps for good.
 */
static int expire_dumps(struct store *s, const char *names_key, const char *id)
{
	size_t len;
	char *text = store_get(s, names_key, 1 << 20, &len);
	if (!text) {
		if (errno == ENOENT)
			return 0;
		log_err("%s: cannot read: %s", names_key, strerror(errno));
		return -1;
	}
	json_t *names = json_loadb(text, len, 0, NULL);
	free(text);
	if (!json_is_array(names)) {
		log_err("%s: not a list of dump names; crash kept", names_key);
		json_decref(names);
		return -1;
	}
	int rc = 0;
	size_t i;
	json_t *name;
	json_array_foreach(names, i, name) {
		const char *n = json_string_value(name);
		if (n && !strchr(n, '/')) {
			char *dump = store_dump_key(n, id);
			rc |= delete_key(s, dump);
			free(dump);
		}
	}
	json_decref(names);
	return rc;
}

/* Removes one crash, its raw crash last; 0 or -1. */
static int expire_crash(struct store *s, const char *raw_key)
{
	const char *id = strrchr(raw_key, '/') + 1;
	char *key = store_names_key(id);
	/* The names go only after the dumps: they find them again next time. */
	int rc = expire_dumps(s, key, id) == 0 ? delete_key(s, key) : -1;
	free(key);
	if (rc)
		return -1;
	key = store_processed_key(id);
	rc = delete_key(s, key);
	free(key);
	return rc == 0 ? delete_key(s, raw_key) : -1;
}

/* The first day kept, as yyyymmdd; bad values are usage errors. */
static void cutoff_day(const struct conf *c, char out[9])
{
	long day = retention_first_day(conf_str(c, "before"), conf_int(c, "keep-days"));
	if (day < 0)
		die(2, conf_str(c, "before") ? "--before %s: expected YYYY-MM-DD"
		    : "--keep-days must be at least 1", conf_str(c, "before"));
	char iso[11];
	day_string(day, iso);
	snprintf(out, 9, "%.4s%.2s%.2s", iso, iso + 5, iso + 8);
}

int expire_main(int argc, char **argv)
{
	char **rest;
	int nrest;
	struct conf *c = conf_load(options, usage, argc, argv, &rest, &nrest);
	if (nrest)
		die(2, "usage: crash-move %s", usage);
	free(rest);
	apply_s3_options(c);
	struct expiry e = { 0 };
	cutoff_day(c, e.cutoff);
	char *err;
	struct store *s = store_open(conf_str(c, "to"), &err);
	if (!s)
		die(1, "%s", err);
	if (store_list(s, "v1/raw_crash/", collect, &e) < 0)
		die(1, "%s: listing failed: %s", store_spec(s), strerror(errno));
	bool dry = conf_bool(c, "dry-run");
	struct progress p;
	progress_start(&p, "crashes expired", (long)e.n);
	long failed = 0;
	for (size_t i = 0; i < e.n; i++) {
		int r = 0;
		if (dry)
			printf("%s\n", strrchr(e.keys[i], '/') + 1);
		else
			r = expire_crash(s, e.keys[i]);
		failed += r != 0;
		progress_add(&p, 1, r != 0, 0);
		free(e.keys[i]);
	}
	progress_end(&p);
	log_info("%s %zu crash%s submitted before %.4s-%.2s-%.2s from %s%s", dry ? "would expire" : "expired",
	    e.n - failed, e.n - failed == 1 ? "" : "es", e.cutoff, e.cutoff + 4, e.cutoff + 6,
	    store_spec(s), failed ? "; some could not be removed" : "");
	free(e.keys);
	store_close(s);
	conf_free(c);
	return failed ? 1 : 0;
}
