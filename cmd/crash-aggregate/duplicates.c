/*
 * duplicates.c: reports that are likely one crash sent twice, flagged in
 * the database (crashes.duplicate_of) and listed:
 *
 *  - the same minidump (SHA-256) as an earlier report;
 *  - the same install time, build and signature as an earlier report,
 *    with an uptime at most --uptime-slack seconds from it.
 *
 * The earliest report of a group is the original; flagging again gives
 * the same flags.
 */
#include "agg.h"

#include <stdlib.h>
#include <string.h>

struct dups {
	struct agg *a;
	struct report *r;
	const char *reason;
	long slack;
	char *key, *original;	/* the group being read */
	long long uptime;
	int rc;
	char *err;
};

static void flag(struct dups *d, const char *id, const char *date, const char *sig)
{
	const char *params[] = { d->original, id };
	if (d->rc == 0)
		d->rc = db_query(d->a->db, "UPDATE crashes SET duplicate_of = $1 WHERE crash_id = $2",
		    2, params, NULL, NULL, &d->err);
	report_add(d->r, json_pack("[s,s,s,s,s?]", id, d->original, d->reason, date, sig));
}

static void start_group(struct dups *d, const char *key, const char *id, long long uptime)
{
	free(d->key);
	free(d->original);
	d->key = xstrdup(key);
	d->original = xstrdup(id);
	d->uptime = uptime;
}

/* key, crash_id, date, signature[, uptime]: ordered by key, then date. */
static int add_row(void *ctx, int ncols, const char *const *v, const char *const *names)
{
	struct dups *d = ctx;
	long long uptime = ncols > 4 && v[4] ? atoll(v[4]) : 0;
	bool same = d->key && strcmp(d->key, v[0]) == 0 &&
	    (ncols <= 4 || llabs(uptime - d->uptime) <= d->slack);
	if (same)
		flag(d, v[1], v[2], v[3]);
	else
		start_group(d, v[0], v[1], uptime);
	return d->rc != 0;
}

static int find(struct dups *d, const char *key, const char *extra, struct window *w)
{
	struct filter f;
	filter_init(&f);
	filter_common(&f, d->a);
	filter_add(&f, "date_processed >= $%d", w->start);
	filter_add(&f, "date_processed < $%d", w->end);
	const char *date = db_kind(d->a->db) == DB_SQLITE ? "date_processed" : "date_processed::text";
	char *sql = xasprintf("SELECT %s, crash_id, %s, signature%s FROM crashes WHERE %s IS NOT NULL%s"
	    " ORDER BY 1, 3, 2", key, date, extra, key, f.sql.data);
	int rc = db_query(d->a->db, sql, f.n, f.params, add_row, d, &d->err);
	free(sql);
	filter_free(&f);
	free(d->key);
	free(d->original);
	d->key = d->original = NULL;
	return rc != 0 || d->rc != 0 ? -1 : 0;
}

static const char *columns[] = { "crash_id", "duplicate_of", "reason", "date_processed", "signature", NULL };

int cmd_duplicates(struct agg *a)
{
	struct window w;
	if (!window_from_conf(a, &w))
		return 2;
	char *title = xasprintf("Likely duplicates, %d days before %s", w.days, w.end);
	struct dups d = { .a = a, .r = report_new(title, columns), .slack = conf_int(a->conf, "uptime-slack") };
	free(title);
	struct filter f;
	filter_init(&f);
	filter_common(&f, a);
	filter_add(&f, "date_processed >= $%d", w.start);
	filter_add(&f, "date_processed < $%d", w.end);
	char *clear = xasprintf("UPDATE crashes SET duplicate_of = NULL WHERE true%s", f.sql.data);
	int rc = db_begin(a->db, &d.err);
	/* Flags are recomputed from scratch (for the crashes asked about only). */
	if (rc == 0)
		rc = db_query(a->db, clear, f.n, f.params, NULL, NULL, &d.err);
	free(clear);
	filter_free(&f);
	if (rc == 0) {
		d.reason = "same minidump";
		rc = find(&d, "minidump_sha256", "", &w);
	}
	if (rc == 0) {
		d.reason = "same install, build and signature, near-equal uptime";
		const char *key = db_kind(a->db) == DB_SQLITE
		    ? "install_time || '|' || coalesce(build_id, '') || '|' || coalesce(signature, '')"
		    : "install_time::text || '|' || coalesce(build_id, '') || '|' || coalesce(signature, '')";
		/* Rows just flagged for their minidump are not counted twice. */
		char *k = xasprintf("CASE WHEN duplicate_of IS NULL THEN %s END", key);
		rc = find(&d, k, ", uptime", &w);
		free(k);
	}
	if (rc == 0)
		rc = db_commit(a->db, &d.err);
	int status = 1;
	if (rc != 0) {
		db_rollback(a->db);
		log_err("duplicates: %s", d.err ? d.err : "failed");
	} else {
		status = agg_print(a, d.r);
	}
	free(d.err);
	report_free(d.r);
	return status;
}
