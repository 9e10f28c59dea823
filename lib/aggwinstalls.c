/*
 * aggwinstalls.c: the distinct installs of every row of top_windows (its
 * installs column). They are merged from signature_days' day sketches
 * when the windows are made, so that topcrashers reads one number per
 * row instead of merging a sketch per listed signature and day for every
 * question.
 *
 * The windows one update made are done in chunks of CHUNK_ENDS end days.
 * For a chunk, the rows to fill are read from top_windows, and the
 * sketches of every day its windows cover stream from signature_days,
 * grouped by product and signature: one version's days at a time, while
 * all versions' days (the '*' rows) are merged as they pass. The windows
 * ending on one day are merged from their end backwards, the small ones
 * first, so its five sizes cost 28 merges rather than 53.
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

static const int sizes[] = TOP_WINDOW_SIZES;
enum {
	NSIZES = sizeof sizes / sizeof sizes[0],
	CHUNK_ENDS = 14,
	MAX_DAYS = 28,		/* the largest size */
	SPAN = MAX_DAYS + CHUNK_ENDS - 1,
};

/* One row of top_windows to fill. */
struct want {
	const char *version;	/* the chunk's copy */
	int end, days;		/* end as a day of the chunk's span */
	long long installs;	/* 0 until merged: no sketch, no install */
};

/* The rows of one product and signature. */
struct sig_wants {
	char *product, *signature;
	struct want *w;
	size_t n, cap;
};

/* A series of day sketches, indexed by day of the span. */
struct series {
	struct sketch *day[SPAN];
};

struct chunk {
	long base;			/* the span's first day */
	const bool *made;		/* [end - first end][size index] */
	long first_end;
	struct strmap versions;		/* each version's name, held once */
	struct strmap sigs;		/* group_key(product, signature) -> struct sig_wants */
	/* The group being streamed. */
	struct sig_wants *cur;
	char *cur_key, *cur_version;
	struct series one, all;
};

static int size_index(int days)
{
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		if (sizes[i] == days)
			return (int)i;
	return -1;
}

/* Unambiguous whatever the names hold: the product's length comes first. */
static char *group_key(const char *product, const char *signature)
{
	return xasprintf("%zu:%s%s", strlen(product), product, signature);
}

static void sig_wants_free(void *p)
{
	struct sig_wants *g = p;
	free(g->product);
	free(g->signature);
	free(g->w);
	free(g);
}

/* product, signature, version, end_date, days: a row of the chunk's windows. */
static int add_want(void *ctx, int ncols, const char *const *v, const char *const *names)
{
	struct chunk *c = ctx;
	long end = day_number(v[3]);
	int days = atoi(v[4]), k = size_index(days);
	long e = end - c->first_end;
	if (k < 0 || e < 0 || e >= CHUNK_ENDS || !c->made[e * NSIZES + k])
		return 0;	/* a window this update did not make */
	char *key = group_key(v[0], v[1]);
	struct sig_wants *g = strmap_get(&c->sigs, key);
	if (!g) {
		g = xcalloc(1, sizeof *g);
		g->product = xstrdup(v[0]);
		g->signature = xstrdup(v[1]);
		strmap_put(&c->sigs, key, g);
	}
	free(key);
	char *version = strmap_get(&c->versions, v[2]);
	if (!version)
		strmap_put(&c->versions, v[2], version = xstrdup(v[2]));
	if (g->n == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 8;
		g->w = xrealloc(g->w, g->cap * sizeof *g->w);
	}
	g->w[g->n++] = (struct want){ version, (int)(end - c->base), days, 0 };
	return 0;
}

static int by_end_then_days(const void *x, const void *y)
{
	const struct want *a = x, *b = y;
	return a->end != b->end ? a->end - b->end : a->days - b->days;
}

/* The wants of one version (or '*') from its series of day sketches. */
static void merge_windows(struct sig_wants *g, const char *version, const struct series *s)
{
	struct sketch acc;
	int end = -1, from = 0;
	for (size_t i = 0; i < g->n; i++) {
		struct want *w = &g->w[i];
		if (strcmp(w->version, version))
			continue;
		if (w->end != end) {	/* sorted: a new end day starts afresh */
			sketch_init(&acc);
			end = from = w->end;
		}
		for (; from > w->end - w->days; from--)
			if (s->day[from - 1])
				sketch_merge(&acc, s->day[from - 1]);
		w->installs = (long long)sketch_count(&acc);
	}
}

static void series_clear(struct series *s)
{
	for (int i = 0; i < SPAN; i++) {
		free(s->day[i]);
		s->day[i] = NULL;
	}
}

/* The version being streamed is complete: its rows can be merged. */
static void finish_version(struct chunk *c)
{
	if (c->cur && c->cur_version)
		merge_windows(c->cur, c->cur_version, &c->one);
	series_clear(&c->one);
	free(c->cur_version);
	c->cur_version = NULL;
}

static void finish_group(struct chunk *c)
{
	finish_version(c);
	if (c->cur)
		merge_windows(c->cur, TOP_ALL_VERSIONS, &c->all);
	series_clear(&c->all);
	free(c->cur_key);
	c->cur_key = NULL;
	c->cur = NULL;
}

static void series_merge(struct series *s, int day, const struct sketch *k)
{
	if (!s->day[day]) {
		s->day[day] = xmalloc(sizeof *s->day[day]);
		sketch_init(s->day[day]);
	}
	sketch_merge(s->day[day], k);
}

/* product, signature, version, date, installs, ordered by the first three. */
static int add_sketch(void *ctx, int ncols, const char *const *v, const char *const *names)
{
	struct chunk *c = ctx;
	char *key = group_key(v[0], v[1]);
	if (!c->cur_key || strcmp(key, c->cur_key)) {
		finish_group(c);
		c->cur_key = key;
		c->cur = strmap_get(&c->sigs, key);
		if (c->cur)
			qsort(c->cur->w, c->cur->n, sizeof *c->cur->w, by_end_then_days);
	} else {
		free(key);
	}
	if (!c->cur)
		return 0;	/* in no window this update made */
	if (!c->cur_version || strcmp(v[2], c->cur_version)) {
		finish_version(c);
		c->cur_version = xstrdup(v[2]);
	}
	long day = day_number(v[3]) - c->base;
	struct sketch k;
	if (day < 0 || day >= SPAN || !v[4] || !sketch_load(&k, v[4]))
		return 0;
	series_merge(&c->one, (int)day, &k);
	series_merge(&c->all, (int)day, &k);
	return 0;
}

/* A row to write, in the order of top_windows' key. */
struct out {
	const struct sig_wants *g;
	const struct want *w;
};

static int by_window_key(const void *x, const void *y)
{
	const struct out *a = x, *b = y;
	int d = a->w->end != b->w->end ? a->w->end - b->w->end : a->w->days - b->w->days;
	if (!d)
		d = strcmp(a->g->product, b->g->product);
	if (!d)
		d = strcmp(a->w->version, b->w->version);
	return d ? d : strcmp(a->g->signature, b->g->signature);
}

/*
 * The installs go into the rows in the order of their key: PostgreSQL
 * writes a row's new version at the end of the table, so a window's rows
 * stay together, read from a few pages rather than one page each.
 */
static int write_installs(struct db *db, struct chunk *c, char **err)
{
	size_t n = 0, k = 0;
	for (size_t i = 0; i < c->sigs.cap; i++)
		if (c->sigs.keys[i])
			n += ((struct sig_wants *)c->sigs.values[i])->n;
	struct out *rows = xcalloc(n + 1, sizeof *rows);
	for (size_t i = 0; i < c->sigs.cap; i++)
		for (size_t j = 0; c->sigs.keys[i] && j < ((struct sig_wants *)c->sigs.values[i])->n; j++)
			rows[k++] = (struct out){ c->sigs.values[i], &((struct sig_wants *)c->sigs.values[i])->w[j] };
	qsort(rows, n, sizeof *rows, by_window_key);
	const bool pg = db_kind(db) == DB_POSTGRES;
	struct db_batch b;
	db_batch_init_around(&b, db, "WITH v (e, d, p, ve, s, n) AS (", pg
	    ? ") UPDATE top_windows SET installs = v.n::bigint FROM v WHERE end_date = v.e::date"
	      " AND days = v.d::int AND product = v.p AND version = v.ve AND signature = v.s"
	    : ") UPDATE top_windows SET installs = v.n FROM v WHERE end_date = v.e AND days = v.d"
	      " AND product = v.p AND version = v.ve AND signature = v.s", 6);
	int rc = db_begin(db, err);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const struct want *w = rows[i].w;
		char end[11], days[8], installs[24];
		day_string(c->base + w->end, end);
		snprintf(days, sizeof days, "%d", w->days);
		snprintf(installs, sizeof installs, "%lld", w->installs);
		const char *row[] = { end, days, rows[i].g->product, w->version, rows[i].g->signature,
			installs };
		rc = db_batch_add(&b, row, err);
	}
	if (rc == 0)
		rc = db_batch_flush(&b, err);
	if (rc == 0)
		rc = db_commit(db, err);
	else
		db_rollback(db);
	db_batch_free(&b);
	free(rows);
	return rc;
}

/* The windows of one chunk: made[] tells which of its ends and sizes to fill. */
static int chunk_run(struct db *db, long first_end, const bool *made, char **err)
{
	struct chunk c = { .base = first_end - MAX_DAYS, .made = made, .first_end = first_end };
	char first[11], last[11], from[11];
	day_string(first_end, first);
	day_string(first_end + CHUNK_ENDS - 1, last);
	day_string(c.base, from);
	const char *ends[] = { first, last }, *days[] = { from, last };
	strmap_init(&c.versions);
	strmap_init(&c.sigs);
	int rc = db_query(db, "SELECT product, signature, version, end_date, days FROM top_windows"
	    " WHERE end_date >= $1 AND end_date <= $2", 2, ends, add_want, &c, err);
	/* A window ends before its end date: the last end's own day is in none. */
	if (rc == 0 && c.sigs.n)
		rc = db_stream(db, "SELECT product, signature, version, date, installs FROM signature_days"
		    " WHERE date >= $1 AND date < $2 ORDER BY product, signature, version", 2, days,
		    add_sketch, &c, err);
	finish_group(&c);
	if (rc == 0 && c.sigs.n)
		rc = write_installs(db, &c, err);
	strmap_free(&c.sigs, sig_wants_free);
	strmap_free(&c.versions, free);
	return rc;
}

int window_installs_update(struct db *db, const struct window_made *w, size_t n, char **err)
{
	bool *done = xcalloc(n + 1, sizeof *done);
	double start = now_ms();
	int rc = 0;
	for (;;) {
		long first = -1;
		for (size_t i = 0; i < n; i++)
			if (!done[i] && (first < 0 || w[i].end < first))
				first = w[i].end;
		if (first < 0 || rc != 0)
			break;
		bool made[CHUNK_ENDS * NSIZES] = { false };
		for (size_t i = 0; i < n; i++) {
			int k = size_index(w[i].days);
			if (!done[i] && k >= 0 && w[i].end < first + CHUNK_ENDS) {
				made[(w[i].end - first) * NSIZES + k] = true;
				done[i] = true;
			}
		}
		rc = chunk_run(db, first, made, err);
	}
	if (rc == 0 && n)
		log_info("installs of the rows of %zu windows merged in %.1f s", n,
		    (now_ms() - start) / 1000);
	free(done);
	return rc;
}
