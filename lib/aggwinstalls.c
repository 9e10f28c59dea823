/*
 * aggwinstalls.c: the distinct installs of every row of top_windows (its
 * installs column). They are merged from signature_days' day sketches
 * once, after update has made the windows, so that topcrashers reads one
 * number per row instead of merging a sketch per listed signature and day
 * for every question.
 *
 * Every row still without installs is filled: the rows of the windows
 * just made, and any a failed run or an older version left. The work goes
 * in chunks of CHUNK_ENDS end days. For a chunk, the rows to fill are read
 * from top_windows, and the sketches of every day their windows cover
 * stream from signature_days grouped by product and signature: one
 * version's days at a time, while all versions' days (the '*' rows) are
 * merged as they pass. The windows ending on one day are merged from
 * their end backwards, the small ones first, so its five sizes cost 28
 * merges rather than 53.
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

enum {
	CHUNK_ENDS = 14,
	MAX_DAYS = 28,		/* the largest of TOP_WINDOW_SIZES */
	SPAN = MAX_DAYS + CHUNK_ENDS - 1,
};

/* One row of top_windows to fill. */
struct want {
	const char *version;	/* the chunk's one copy: compared by address */
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
	struct strmap versions;		/* each version's name, held once */
	struct strmap sigs;		/* group_key(product, signature) -> struct sig_wants */
	/* The group being streamed, and its version. */
	struct sig_wants *cur;
	char *cur_product, *cur_signature;
	char *streamed_version;		/* the version of the rows streaming */
	const char *cur_version;	/* its copy in the chunk; NULL if in no row */
	struct series one, all;
};

/* Unambiguous whatever the names hold: the product's length comes first. */
static char *group_key(const char *product, const char *signature)
{
	return xasprintf("%zu:%s%s", strlen(product), product, signature);
}

static const char *version_copy(struct chunk *c, const char *name, bool add)
{
	char *v = strmap_get(&c->versions, name);
	if (!v && add)
		strmap_put(&c->versions, name, v = xstrdup(name));
	return v;
}

static void sig_wants_free(void *p)
{
	struct sig_wants *g = p;
	free(g->product);
	free(g->signature);
	free(g->w);
	free(g);
}

/* product, signature, version, end_date, days: a row without installs. */
static int add_want(void *ctx, int ncols, const char *const *v, const char *const *names)
{
	struct chunk *c = ctx;
	long end = day_number(v[3]) - c->base;
	int days = atoi(v[4]);
	if (end < MAX_DAYS || end > SPAN || days < 1 || days > MAX_DAYS)
		return 0;	/* not a window of this chunk */
	char *key = group_key(v[0], v[1]);
	struct sig_wants *g = strmap_get(&c->sigs, key);
	if (!g) {
		g = xcalloc(1, sizeof *g);
		g->product = xstrdup(v[0]);
		g->signature = xstrdup(v[1]);
		strmap_put(&c->sigs, key, g);
	}
	free(key);
	if (g->n == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 8;
		g->w = xrealloc(g->w, g->cap * sizeof *g->w);
	}
	g->w[g->n++] = (struct want){ version_copy(c, v[2], true), (int)end, days, 0 };
	return 0;
}

static int by_version_end_days(const void *x, const void *y)
{
	const struct want *a = x, *b = y;
	if (a->version != b->version)
		return a->version < b->version ? -1 : 1;
	return a->end != b->end ? a->end - b->end : a->days - b->days;
}

/* The rows of one version (or '*') from its series of day sketches. */
static void merge_windows(struct sig_wants *g, const char *version, const struct series *s)
{
	struct sketch acc;
	int end = -1, from = 0;
	for (size_t i = 0; i < g->n; i++) {
		struct want *w = &g->w[i];
		if (w->version != version)
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

static void series_merge(struct series *s, int day, const struct sketch *k)
{
	if (!s->day[day]) {
		s->day[day] = xmalloc(sizeof *s->day[day]);
		sketch_init(s->day[day]);
	}
	sketch_merge(s->day[day], k);
}

/* The version being streamed is complete: its rows can be merged. */
static void finish_version(struct chunk *c)
{
	if (c->cur && c->cur_version)
		merge_windows(c->cur, c->cur_version, &c->one);
	series_clear(&c->one);
	free(c->streamed_version);
	c->streamed_version = NULL;
	c->cur_version = NULL;
}

static void finish_group(struct chunk *c)
{
	finish_version(c);
	const char *all = version_copy(c, TOP_ALL_VERSIONS, false);
	if (c->cur && all)
		merge_windows(c->cur, all, &c->all);
	series_clear(&c->all);
	free(c->cur_product);
	free(c->cur_signature);
	c->cur_product = c->cur_signature = NULL;
	c->cur = NULL;
}

static void start_group(struct chunk *c, const char *product, const char *signature)
{
	finish_group(c);
	c->cur_product = xstrdup(product);
	c->cur_signature = xstrdup(signature);
	char *key = group_key(product, signature);
	c->cur = strmap_get(&c->sigs, key);
	free(key);
	if (c->cur)
		qsort(c->cur->w, c->cur->n, sizeof *c->cur->w, by_version_end_days);
}

/* product, signature, version, date, installs; grouped by the first three. */
static int add_sketch(void *ctx, int ncols, const char *const *v, const char *const *names)
{
	struct chunk *c = ctx;
	if (!c->cur_product || strcmp(v[0], c->cur_product) || strcmp(v[1], c->cur_signature))
		start_group(c, v[0], v[1]);
	if (!c->cur)
		return 0;	/* in no row to fill */
	if (!c->streamed_version || strcmp(v[2], c->streamed_version)) {
		finish_version(c);
		c->streamed_version = xstrdup(v[2]);
		c->cur_version = version_copy(c, v[2], false);
	}
	long day = day_number(v[3]) - c->base;
	struct sketch k;
	if (day < 0 || day >= SPAN || !v[4] || !sketch_load(&k, v[4]))
		return 0;
	if (c->cur_version)
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
 * stay together, read from a few pages rather than one page each. (The
 * UPDATE ... FROM of a WITH needs SQLite 3.33 or later.)
 */
static int write_installs(struct db *db, struct chunk *c, size_t n, char **err)
{
	size_t k = 0;
	struct out *rows = xcalloc(n + 1, sizeof *rows);
	for (size_t i = 0; i < c->sigs.cap; i++) {
		const struct sig_wants *g = c->sigs.values[i];
		for (size_t j = 0; c->sigs.keys[i] && j < g->n; j++)
			rows[k++] = (struct out){ g, &g->w[j] };
	}
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

/* The rows without installs of the windows ending in [first_end, first_end + CHUNK_ENDS). */
static int chunk_run(struct db *db, long first_end, size_t *filled, char **err)
{
	struct chunk c = { .base = first_end - MAX_DAYS };
	char first[11], last[11], from[11];
	day_string(first_end, first);
	day_string(first_end + CHUNK_ENDS - 1, last);
	day_string(c.base, from);
	const char *ends[] = { first, last }, *days[] = { from, last };
	strmap_init(&c.versions);
	strmap_init(&c.sigs);
	int rc = db_query(db, "SELECT product, signature, version, end_date, days FROM top_windows"
	    " WHERE end_date >= $1 AND end_date <= $2 AND installs IS NULL", 2, ends, add_want, &c, err);
	/* A window ends before its end date: the last end's own day is in none. */
	if (rc == 0 && c.sigs.n)
		rc = db_stream(db, "SELECT product, signature, version, date, installs FROM signature_days"
		    " WHERE date >= $1 AND date < $2 ORDER BY product, signature, version", 2, days,
		    add_sketch, &c, err);
	finish_group(&c);
	size_t n = 0;
	for (size_t i = 0; i < c.sigs.cap; i++)
		if (c.sigs.keys[i])
			n += ((struct sig_wants *)c.sigs.values[i])->n;
	if (rc == 0 && n)
		rc = write_installs(db, &c, n, err);
	if (rc == 0)
		*filled += n;
	strmap_free(&c.sigs, sig_wants_free);
	strmap_free(&c.versions, free);
	return rc;
}

struct end_days {
	long *day;
	size_t n;
};

static int add_end(void *ctx, int ncols, const char *const *v, const char *const *names)
{
	struct end_days *e = ctx;
	long d = v[0] ? day_number(v[0]) : -1;
	if (d >= 0) {
		e->day = xrealloc(e->day, (e->n + 1) * sizeof *e->day);
		e->day[e->n++] = d;
	}
	return 0;
}

int window_installs_update(struct db *db, char **err)
{
	struct end_days e = { 0 };
	double start = now_ms();
	size_t filled = 0;
	int rc = db_query(db, "SELECT DISTINCT end_date FROM top_windows WHERE installs IS NULL"
	    " ORDER BY 1", 0, NULL, add_end, &e, err);
	for (size_t i = 0; rc == 0 && i < e.n; ) {
		long first = e.day[i];
		rc = chunk_run(db, first, &filled, err);
		while (i < e.n && e.day[i] < first + CHUNK_ENDS)
			i++;
	}
	if (rc == 0 && filled)
		log_info("installs of %zu rows of top signatures merged in %.1f s", filled,
		    (now_ms() - start) / 1000);
	free(e.day);
	return rc;
}
