/*
 * queue.c: the work queue table (queue.h). Times are Unix seconds held in
 * integer columns, so that one set of statements serves both databases;
 * only the row locking differs: SQLite has one writer at a time anyway,
 * PostgreSQL skips the rows another worker is claiming.
 */
#include "queue.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NUM(buf, v) (snprintf(buf, sizeof buf, "%lld", (long long)(v)), buf)

int queue_publish(struct db *db, const char *crash_id, char **err)
{
	char now[24];
	const char *params[] = { crash_id, NUM(now, time(NULL)) };
	return db_query(db, "INSERT INTO crash_queue (crash_id, queued_at) VALUES ($1, $2) "
	    "ON CONFLICT (crash_id) DO NOTHING", 2, params, NULL, NULL, err);
}

struct claimed {
	char (*ids)[CRASHID_LEN + 1];
	int n, max;
};

static int claimed_row(void *ctx, int ncols, const char *const *v, const char *const *names)
{
	struct claimed *c = ctx;
	if (c->n < c->max && v[0] && crashid_valid(v[0]))
		snprintf(c->ids[c->n++], CRASHID_LEN + 1, "%s", v[0]);
	return 0;
}

int queue_claim(struct db *db, const char *worker, int max, int expire,
    char ids[][CRASHID_LEN + 1], char **err)
{
	static const char pick[] = "UPDATE crash_queue SET claimed_by = $1, claimed_at = $2, "
	    "attempts = attempts + 1 WHERE crash_id IN (SELECT crash_id FROM crash_queue "
	    "WHERE (claimed_at IS NULL OR claimed_at < $3) AND attempts < $4 "
	    "ORDER BY queued_at, crash_id LIMIT $5%s) RETURNING crash_id";
	char *sql = xasprintf(pick, db_kind(db) == DB_POSTGRES ? " FOR UPDATE SKIP LOCKED" : "");
	time_t now = time(NULL);
	char t[24], cutoff[24], attempts[24], limit[24];
	const char *params[] = { worker, NUM(t, now), NUM(cutoff, now - expire),
		NUM(attempts, QUEUE_MAX_ATTEMPTS), NUM(limit, max) };
	struct claimed c = { ids, 0, max };
	int rc = db_query(db, sql, 5, params, claimed_row, &c, err);
	free(sql);
	return rc == 0 ? c.n : -1;
}

int queue_done(struct db *db, const char *crash_id, const char *worker, char **err)
{
	const char *params[] = { crash_id, worker };
	return db_query(db, "DELETE FROM crash_queue WHERE crash_id = $1 AND claimed_by = $2",
	    2, params, NULL, NULL, err);
}

int queue_renew(struct db *db, const char *crash_id, const char *worker, char **err)
{
	char now[24];
	const char *params[] = { crash_id, worker, NUM(now, time(NULL)) };
	return db_query(db, "UPDATE crash_queue SET claimed_at = $3 WHERE crash_id = $1 AND claimed_by = $2",
	    3, params, NULL, NULL, err);
}

int queue_release_since(struct db *db, const char *worker, long long since, char **err)
{
	char t[24];
	const char *params[] = { worker, NUM(t, since) };
	return db_query(db, "UPDATE crash_queue SET claimed_by = NULL, claimed_at = NULL,"
	    " attempts = attempts - 1 WHERE claimed_by = $1 AND claimed_at >= $2", 2, params,
	    NULL, NULL, err);
}

int queue_release(struct db *db, const char *crash_id, const char *worker, bool attempted,
    char **err)
{
	const char *params[] = { crash_id, worker };
	return db_query(db, attempted
	    ? "UPDATE crash_queue SET claimed_by = NULL, claimed_at = NULL"
	      " WHERE crash_id = $1 AND claimed_by = $2"
	    : "UPDATE crash_queue SET claimed_by = NULL, claimed_at = NULL, attempts = attempts - 1"
	      " WHERE crash_id = $1 AND claimed_by = $2", 2, params, NULL, NULL, err);
}

static int depth_row(void *ctx, int ncols, const char *const *v, const char *const *names)
{
	struct queue_depth *d = ctx;
	d->waiting = v[0] ? atol(v[0]) : 0;
	d->claimed = v[1] ? atol(v[1]) : 0;
	d->dead = v[2] ? atol(v[2]) : 0;
	d->oldest_age = v[3] ? atol(v[3]) : 0;
	return 0;
}

int queue_depth(struct db *db, int expire, struct queue_depth *d, char **err)
{
	time_t now = time(NULL);
	char t[24], cutoff[24], attempts[24];
	const char *params[] = { NUM(t, now), NUM(cutoff, now - expire),
		NUM(attempts, QUEUE_MAX_ATTEMPTS) };
	*d = (struct queue_depth){ 0 };
	return db_query(db, "SELECT "
	    "sum(CASE WHEN attempts < $3 AND (claimed_at IS NULL OR claimed_at < $2) THEN 1 ELSE 0 END), "
	    "sum(CASE WHEN claimed_at >= $2 THEN 1 ELSE 0 END), "
	    "sum(CASE WHEN attempts >= $3 AND (claimed_at IS NULL OR claimed_at < $2) THEN 1 ELSE 0 END), "
	    "$1 - min(CASE WHEN attempts < $3 OR claimed_at >= $2 THEN queued_at END) "
	    "FROM crash_queue", 3, params, depth_row, d, err);
}
