/*
 * aggregate.c: materializing the daily aggregates (Socorro's tcbs, with
 * more dimensions). A day is rebuilt whole, in one transaction, from its
 * crash rows; aggregate_days remembers how many crashes and which latest
 * processing time each day was built from, so a cron run finds the days
 * that changed (new crashes, reprocessing, backfills) and only those.
 */
#include "aggregate.h"
#include "aggwindow.h"
#include "db.h"
#include "dbbatch.h"
#include "sketch.h"
#include "strmap.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

long day_number(const char *date)
{
	struct tm tm = { 0 };
	char *end = date ? strptime(date, "%Y-%m-%d", &tm) : NULL;
	if (!end || *end)
		return -1;
	long day = (long)(timegm(&tm) / 86400);
	char back[11];
	day_string(day, back);
	return strcmp(back, date) == 0 ? day : -1;	/* 2026-02-31 is not a day */
}

void day_string(long day, char out[11])
{
	time_t t = (time_t)day * 86400;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

long retention_first_day(const char *before, long long keep_days)
{
	if (before)
		return day_number(before);
	if (keep_days < 1)
		return -1;
	return (long)(time(NULL) / 86400) - (long)(keep_days - 1);
}

enum { D_PRODUCT, D_VERSION, D_CHANNEL, D_PTYPE, D_OS, D_BUILD, D_SIGNATURE, NDIMS };

/* One aggregate row being built: the group's key and its measures. */
struct group {
	char *key[NDIMS];
	long long count, startup;
	double sampled;
	struct sketch installs;
	bool open;
};

/* The earliest crash of a signature in the day, for its first appearance. */
struct first_seen {
	char *date, *build;
};

struct day_build {
	struct db *db;
	const char *day;
	struct group g;
	struct db_batch rows;		/* daily_aggregates */
	struct strmap first;		/* signature -> struct first_seen */
	char *err;
	int rc;
};

static void first_seen_free(void *p)
{
	struct first_seen *f = p;
	free(f->date);
	free(f->build);
	free(f);
}

static void see_signature(struct day_build *b, const char *sig, const char *date, const char *build)
{
	struct first_seen *f = strmap_get(&b->first, sig);
	if (f && strcmp(date, f->date) >= 0)	/* dates compare as text */
		return;
	if (!f) {
		f = xcalloc(1, sizeof *f);
		strmap_put(&b->first, sig, f);
	}
	free(f->date);
	free(f->build);
	f->date = xstrdup(date);
	f->build = build ? xstrdup(build) : NULL;
}

/* Once per signature of the day: the table keeps the earliest of all days. */
static void note_signatures(struct day_build *b)
{
	for (size_t i = 0; b->rc == 0 && i < b->first.cap; i++) {
		struct first_seen *f = b->first.values[i];
		if (b->first.keys[i])
			b->rc = db_note_signature(b->db, b->first.keys[i], f->date, f->build, &b->err);
	}
}

static void flush_group(struct day_build *b)
{
	struct group *g = &b->g;
	if (!g->open)
		return;
	if (b->rc == 0) {
		char count[24], startup[24], sampled[32];
		snprintf(count, sizeof count, "%lld", g->count);
		snprintf(startup, sizeof startup, "%lld", g->startup);
		snprintf(sampled, sizeof sampled, "%.6f", g->sampled);
		char *installs = sketch_dump(&g->installs);
		const char *row[] = { b->day, g->key[0], g->key[1], g->key[2], g->key[3],
			g->key[4], g->key[5], g->key[6], count, startup, installs, sampled };
		b->rc = db_batch_add(&b->rows, row, &b->err);
		free(installs);
	}
	for (int i = 0; i < NDIMS; i++)
		free(g->key[i]);
	memset(g, 0, sizeof *g);
}

static bool is_true(const char *v)
{
	return v && (!strcmp(v, "1") || !strcmp(v, "t") || !strcmp(v, "true"));
}

/* Rows arrive ordered by the dimensions: a new key closes the group. */
static int add_crash(void *ctx, int ncols, const char *const *v, const char *const *names)
{
	struct day_build *b = ctx;
	bool same = b->g.open;
	for (int i = 0; same && i < NDIMS; i++)
		same = strcmp(b->g.key[i], v[i] ? v[i] : "") == 0;
	if (!same) {
		flush_group(b);
		for (int i = 0; i < NDIMS; i++)
			b->g.key[i] = xstrdup(v[i] ? v[i] : "");
		sketch_init(&b->g.installs);
		b->g.open = true;
	}
	b->g.count++;
	b->g.startup += is_true(v[NDIMS + 1]);
	/* A crash kept at a throttle rate of 10% stands for ten. */
	long rate = v[NDIMS + 3] ? atol(v[NDIMS + 3]) : 100;
	b->g.sampled += 100.0 / (rate > 0 && rate <= 100 ? (double)rate : 100.0);
	if (v[NDIMS])
		sketch_add(&b->g.installs, v[NDIMS]);
	if (v[NDIMS + 2])
		see_signature(b, v[D_SIGNATURE] ? v[D_SIGNATURE] : "", v[NDIMS + 2], v[D_BUILD]);
	return b->rc != 0;
}

static int rebuild_day(struct db *db, const char *day, const char *ncrashes, const char *last,
    char **err)
{
	char next[11];
	day_string(day_number(day) + 1, next);
	struct day_build b = { .db = db, .day = day };
	db_batch_init(&b.rows, db, "INSERT INTO daily_aggregates (date, product, version,"
	    " release_channel, process_type, os_name, build_id, signature, count, startup_count,"
	    " installs, sampled_count)", 12);
	strmap_init(&b.first);
	const char *range[] = { day, next };
	char *select = xasprintf("SELECT coalesce(product, ''), coalesce(version, ''),"
	    " coalesce(release_channel, ''), coalesce(process_type, ''), coalesce(os_name, ''),"
	    " coalesce(build_id, ''), coalesce(signature, ''), install_time, startup_crash, %s,"
	    " throttle_rate FROM crashes WHERE date_processed >= $1 AND date_processed < $2"
	    " ORDER BY 1, 2, 3, 4, 5, 6, 7",
	    db_kind(db) == DB_SQLITE ? "date_processed" : "date_processed::text");
	if (db_begin(db, err) != 0) {
		free(select);
		return -1;
	}
	b.rc = db_query(db, "DELETE FROM daily_aggregates WHERE date = $1", 1, range, NULL, NULL, &b.err);
	if (b.rc == 0 && db_query(db, select, 2, range, add_crash, &b, &b.err) != 0 && !b.err)
		b.rc = -1;
	flush_group(&b);
	if (b.rc == 0 && db_batch_flush(&b.rows, &b.err) != 0)
		b.rc = -1;
	note_signatures(&b);
	db_batch_free(&b.rows);
	strmap_free(&b.first, first_seen_free);
	if (b.rc == 0) {
		free(b.err);
		b.err = NULL;
		b.rc = sigdays_rebuild(db, day, next, &b.err);
	}
	if (b.rc == 0) {
		char now[33];
		iso8601_now(now);
		const char *params[] = { day, ncrashes, last, now };
		b.rc = db_query(db, "INSERT INTO aggregate_days (date, crashes, last_processed, updated_at)"
		    " VALUES ($1, $2, $3, $4) ON CONFLICT (date) DO UPDATE SET crashes = excluded.crashes,"
		    " last_processed = excluded.last_processed, updated_at = excluded.updated_at",
		    4, params, NULL, NULL, &b.err);
	}
	free(select);
	if (b.rc == 0)
		return db_commit(db, err);
	db_rollback(db);
	*err = b.err ? b.err : xstrdup("aggregating failed");
	return -1;
}

struct day_state {
	char **days, **counts, **lasts;
	size_t n;
};

static int collect_day(void *ctx, int ncols, const char *const *v, const char *const *names)
{
	struct day_state *s = ctx;
	s->days = xrealloc(s->days, (s->n + 1) * sizeof *s->days);
	s->counts = xrealloc(s->counts, (s->n + 1) * sizeof *s->counts);
	s->lasts = xrealloc(s->lasts, (s->n + 1) * sizeof *s->lasts);
	s->days[s->n] = xstrdup(v[0] ? v[0] : "");
	s->counts[s->n] = xstrdup(v[1] ? v[1] : "0");
	s->lasts[s->n] = xstrdup(v[2] ? v[2] : "");
	s->n++;
	return 0;
}

static void day_state_free(struct day_state *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->days[i]);
		free(s->counts[i]);
		free(s->lasts[i]);
	}
	free(s->days);
	free(s->counts);
	free(s->lasts);
}

/*
 * Every day's crash count and latest processing time, and whether its
 * aggregates were built from exactly those (stale = 1 when not).
 */
static char *state_sql(struct db *db, bool one_day)
{
	const char *processed = db_kind(db) == DB_SQLITE ? "max(processed_at)" : "max(processed_at)::text";
	return xasprintf("SELECT c.day, c.n, c.last, CASE WHEN a.date IS NULL OR a.crashes <> c.n"
	    " OR coalesce(a.last_processed, '') <> coalesce(c.last, '') THEN 1 ELSE 0 END"
	    " FROM (SELECT %s AS day, count(*) AS n, %s AS last FROM crashes %s GROUP BY 1) c"
	    " LEFT JOIN aggregate_days a ON a.date = %s ORDER BY 1",
	    db_day_sql(db, "date_processed"), processed,
	    one_day ? "WHERE date_processed >= $1 AND date_processed < $2" : "",
	    db_kind(db) == DB_SQLITE ? "c.day" : "c.day::date");
}

static int collect_stale(void *ctx, int ncols, const char *const *v, const char *const *names)
{
	return v[3] && strcmp(v[3], "1") == 0 ? collect_day(ctx, ncols, v, names) : 0;
}

/* The windows of these days failed: make the next update redo the days. */
static void forget_days(struct db *db, const long *days, int n)
{
	for (int i = 0; i < n; i++) {
		char d[11], *err = NULL;
		day_string(days[i], d);
		const char *p[] = { d };
		if (db_query(db, "DELETE FROM aggregate_days WHERE date = $1", 1, p, NULL, NULL, &err) != 0) {
			log_err("%s: %s", d, err);
			free(err);
		}
	}
}

int aggregate_update(struct db *db, const char *day, int *updated, char **err)
{
	struct day_state s = { 0 };
	char next[11];
	*updated = 0;
	if (day && day_number(day) < 0) {
		*err = xasprintf("not a date: %s", day);
		return -1;
	}
	if (day)
		day_string(day_number(day) + 1, next);
	const char *range[] = { day, next };
	char *sql = state_sql(db, day != NULL);
	int rc = db_query(db, sql, day ? 2 : 0, range, day ? collect_day : collect_stale, &s, err);
	free(sql);
	long *changed = xcalloc(s.n + 1, sizeof *changed);
	int nchanged = 0;
	/* A given day with no crashes left: its aggregates go too. */
	if (rc == 0 && day && s.n == 0 && (rc = rebuild_day(db, day, "0", NULL, err)) == 0)
		changed[nchanged++] = day_number(day);
	for (size_t i = 0; rc == 0 && i < s.n; i++) {
		rc = rebuild_day(db, s.days[i], s.counts[i], s.lasts[i], err);
		if (rc == 0) {
			(*updated)++;
			changed[nchanged++] = day_number(s.days[i]);
			log_info("aggregated %s: %s crashes", s.days[i], s.counts[i]);
		}
	}
	if (rc == 0 && nchanged && (rc = windows_update(db, changed, nchanged, err)) != 0)
		forget_days(db, changed, nchanged);
	/*
	 * Rows left without installs are filled by the next run, and answered
	 * from the day sketches meanwhile: the days need not be redone.
	 */
	if (rc == 0)
		rc = window_installs_update(db, err);
	free(changed);
	day_state_free(&s);
	return rc;
}
