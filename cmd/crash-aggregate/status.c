/*
 * status.c: the pipeline's health as one object, for monitoring (the
 * scripts/check-* plugins read it with jq): the crash rows, how recent the
 * newest report and the newest processing are, the crashes processed and
 * failed in the last hour, the work queue, and how far the daily
 * aggregates are behind the crash rows.
 *
 * Times are Unix seconds, so a check compares numbers and never parses a
 * date; on SQLite the columns are ISO 8601 text, on PostgreSQL
 * TIMESTAMPTZ, and each backend converts its own.
 */
#include "agg.h"
#include "queue.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The keys, in the order they are printed. */
static const char *keys[] = {
	"now", "crashes", "newest_report", "newest_processed",
	"processed_last_hour", "failed_last_hour", "failed_share",
	"queue_waiting", "queue_claimed", "queue_dead", "queue_oldest_age",
	"aggregates_newest_day", "aggregates_updated", "aggregates_stale_days", "aggregates_age",
	NULL,
};

/* SQL for the Unix seconds (whole, rounded down) of a timestamp; NULL stays NULL. */
static char *epoch_sql(struct db *db, const char *expr)
{
	if (db_kind(db) == DB_SQLITE)
		return xasprintf("CAST(strftime('%%s', %s) AS INTEGER)", expr);
	return xasprintf("floor(extract(epoch FROM %s))::bigint", expr);
}

/* A row's columns into the object under names: integers, text, NULL as null. */
struct fill {
	json_t *obj;
	const char *const *names;
};

static int fill_row(void *ctx, int ncols, const char *const *v, const char *const *names)
{
	struct fill *f = ctx;
	for (int i = 0; i < ncols && f->names[i]; i++) {
		char *end = NULL;
		long long n = v[i] ? strtoll(v[i], &end, 10) : 0;
		json_object_set_new(f->obj, f->names[i], !v[i] ? json_null()
		    : end != v[i] && !*end ? json_integer(n) : json_string(v[i]));
	}
	return 0;
}

static int query_into(struct db *db, const char *sql, int nparams, const char *const *params,
    json_t *obj, const char *const *names, char **err)
{
	struct fill f = { obj, names };
	return db_query(db, sql, nparams, params, fill_row, &f, err);
}

static long long num(json_t *obj, const char *key)
{
	return json_integer_value(json_object_get(obj, key));
}

/* The crash rows: how many, the newest, and the last hour's processing. */
static int crash_figures(struct db *db, time_t now, json_t *obj, char **err)
{
	struct timespec hour_ago = { .tv_sec = now - 3600 };
	char cutoff[33];
	iso8601(&hour_ago, cutoff);
	const char *params[] = { cutoff };
	char *report = epoch_sql(db, "max(date_processed)");
	char *processed = epoch_sql(db, "max(processed_at)");
	char *sql = xasprintf("SELECT count(*), %s, %s,"
	    " sum(CASE WHEN processed_at >= $1 THEN 1 ELSE 0 END),"
	    " sum(CASE WHEN processed_at >= $1 AND NOT success THEN 1 ELSE 0 END) FROM crashes",
	    report, processed);
	static const char *const names[] = { "crashes", "newest_report", "newest_processed",
		"processed_last_hour", "failed_last_hour", NULL };
	int rc = query_into(db, sql, 1, params, obj, names, err);
	free(sql);
	free(report);
	free(processed);
	if (rc != 0)
		return -1;
	/* sum() over no rows is NULL: none processed, none failed. */
	long long done = num(obj, "processed_last_hour"), failed = num(obj, "failed_last_hour");
	json_object_set_new(obj, "processed_last_hour", json_integer(done));
	json_object_set_new(obj, "failed_last_hour", json_integer(failed));
	json_object_set_new(obj, "failed_share", report_share(done ? 100.0 * failed / done : 0));
	return 0;
}

static int queue_figures(struct db *db, int expire, json_t *obj, char **err)
{
	struct queue_depth d;
	if (queue_depth(db, expire, &d, err) != 0)
		return -1;
	json_object_set_new(obj, "queue_waiting", json_integer(d.waiting));
	json_object_set_new(obj, "queue_claimed", json_integer(d.claimed));
	json_object_set_new(obj, "queue_dead", json_integer(d.dead));
	json_object_set_new(obj, "queue_oldest_age", json_integer(d.oldest_age));
	return 0;
}

/*
 * The aggregates: the newest day built, when they were last built, the
 * days `update` would rebuild (as aggregate.c decides: a day never built,
 * or whose crash count or latest processing time is not what it was built
 * from), and how long the oldest change not in them has waited: the
 * earliest processing time, on those days, of a crash processed after the
 * latest one the day was built from. Processing times are compared with
 * processing times only, so the clocks of the machines that process and
 * aggregate need not agree. 0 when no day is stale: a quiet pipeline
 * whose update finds nothing to do is not late, however long ago the last
 * build was.
 */
static int aggregate_figures(struct db *db, time_t now, json_t *obj, char **err)
{
	bool lite = db_kind(db) == DB_SQLITE;
	char *updated = epoch_sql(db, "max(updated_at)");
	char *sql = xasprintf("SELECT max(date)%s, %s FROM aggregate_days", lite ? "" : "::text", updated);
	static const char *const built[] = { "aggregates_newest_day", "aggregates_updated", NULL };
	int rc = query_into(db, sql, 0, NULL, obj, built, err);
	free(sql);
	free(updated);
	if (rc != 0)
		return -1;
	char *day = xstrdup(db_day_sql(db, "c.date_processed"));
	char *oldest = epoch_sql(db, "min(d.first_new)");
	sql = xasprintf("SELECT count(*), %s FROM (SELECT %s AS day, count(*) AS n,"
	    " max(c.processed_at)%s AS last, min(a.crashes) AS built_n, min(a.last_processed) AS built_last,"
	    " max(CASE WHEN a.date IS NULL THEN 1 ELSE 0 END) AS never,"
	    " min(CASE WHEN a.last_processed IS NULL OR c.processed_at > a.last_processed%s"
	    " THEN c.processed_at END) AS first_new"
	    " FROM crashes c LEFT JOIN aggregate_days a ON a.date = %s%s GROUP BY 1) d"
	    " WHERE d.never = 1 OR d.n <> d.built_n OR coalesce(d.built_last, '') <> coalesce(d.last, '')",
	    oldest, day, lite ? "" : "::text", lite ? "" : "::timestamptz", day, lite ? "" : "::date");
	static const char *const stale[] = { "aggregates_stale_days", "waiting_since", NULL };
	rc = query_into(db, sql, 0, NULL, obj, stale, err);
	free(sql);
	free(oldest);
	free(day);
	if (rc != 0)
		return -1;
	json_t *since = json_object_get(obj, "waiting_since");
	long long age = json_is_integer(since) ? (long long)now - json_integer_value(since) : 0;
	json_object_set_new(obj, "aggregates_age", json_integer(age > 0 ? age : 0));
	json_object_del(obj, "waiting_since");
	return 0;
}

/* Prints the figures: key/value lines as a table, else one row of the keys. */
static int print_status(struct agg *a, json_t *obj)
{
	static const char *pair[] = { "key", "value", NULL };
	struct report *r = report_new("Pipeline status", a->format == FORMAT_TABLE ? pair : keys);
	json_t *row = json_array();
	for (size_t i = 0; keys[i]; i++) {
		json_t *v = json_object_get(obj, keys[i]);
		if (a->format == FORMAT_TABLE)
			report_add(r, json_pack("[s,O]", keys[i], v ? v : json_null()));
		else
			json_array_append(row, v ? v : json_null());
	}
	if (a->format == FORMAT_TABLE)
		json_decref(row);
	else
		report_add(r, row);
	int status = agg_print(a, r);
	report_free(r);
	return status;
}

void status_db_exists(const char *url)
{
	const char *path = db_sqlite_path(url);
	/* Opening creates a missing file: a typo would look like an empty pipeline. */
	if (path && access(path, F_OK) != 0)
		die(1, "%s: cannot open the database: %s", path, strerror(errno));
}

int cmd_status(struct agg *a)
{
	long long expire = conf_int(a->conf, "claim-timeout");
	if (expire < 1 || expire > INT_MAX) {
		log_err("--claim-timeout: 1 or more seconds");
		return 2;
	}
	time_t now = time(NULL);
	json_t *obj = json_object();
	json_object_set_new(obj, "now", json_integer(now));
	char *err = NULL;
	int rc = crash_figures(a->db, now, obj, &err);
	if (rc == 0)
		rc = queue_figures(a->db, (int)expire, obj, &err);
	if (rc == 0)
		rc = aggregate_figures(a->db, now, obj, &err);
	int status = 1;
	if (rc != 0)
		log_err("status: %s", err ? err : "query failed");
	else
		status = print_status(a, obj);
	free(err);
	json_decref(obj);
	return status;
}
