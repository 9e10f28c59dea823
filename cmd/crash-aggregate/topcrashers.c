/*
 * topcrashers.c: the most common signatures of a product over a window,
 * with their share, its change against the window before, and who they
 * hit. Read from the daily aggregates, or with --from-crashes from the
 * crash rows themselves (the same answer, slower: the reference the
 * aggregates are checked and benchmarked against).
 */
#include "agg.h"
#include "aggregate.h"
#include "sketch.h"
#include "strmap.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

enum { OS_WIN, OS_MAC, OS_LIN, OS_OTHER };

struct sigstat {
	const char *name;		/* the map's copy */
	long long count, startup, os[4], prev;
	bool in_prev;
	char **versions;
	size_t nversions;
	long long versions_count;	/* from top_windows, or nversions */
	struct sketch *installs;	/* made for the listed rows only */
	long long window_installs;	/* from top_windows, when */
	bool has_window_installs;	/* update merged them */
	long long exact_installs;	/* --from-crashes */
	char *first;
	json_t *bugs, *daily;
};

struct top {
	struct agg *a;
	struct strmap sigs;
	long long total, prev_total;
	long long prev_kept;	/* rows of the previous window in top_windows */
	bool from_crashes, by_build;
	const char *table;	/* crashes, daily_aggregates or signature_days */
	struct window w;
};

static int run(struct top *t, const char *select, const char *group, const char *start,
    const char *end, db_row_fn fn, const char *const *sigs, int nsigs);

static void sigstat_free(void *p)
{
	struct sigstat *s = p;
	for (size_t i = 0; i < s->nversions; i++)
		free(s->versions[i]);
	free(s->versions);
	free(s->first);
	free(s->installs);
	json_decref(s->bugs);
	json_decref(s->daily);
	free(s);
}

static struct sigstat *sig_get(struct top *t, const char *name)
{
	struct sigstat *s = strmap_get(&t->sigs, name);
	if (!s) {
		s = xcalloc(1, sizeof *s);
		s->bugs = json_array();
		s->name = strmap_put(&t->sigs, name, s);
	}
	return s;
}

static int os_class(const char *os)
{
	return !strcmp(os, "Windows NT") ? OS_WIN : !strcmp(os, "Mac OS X") ? OS_MAC
	    : !strcmp(os, "Linux") ? OS_LIN : OS_OTHER;
}

static void add_version(struct sigstat *s, const char *v)
{
	for (size_t i = 0; i < s->nversions; i++)
		if (!strcmp(s->versions[i], v))
			return;
	s->versions = xrealloc(s->versions, (s->nversions + 1) * sizeof *s->versions);
	s->versions[s->nversions++] = xstrdup(v);
}

/* signature, os, version, count, startup */
static int add_current(void *ctx, int ncols, const char *const *v, const char *const *names)
{
	struct top *t = ctx;
	struct sigstat *s = sig_get(t, v[0] ? v[0] : "");
	long long n = v[3] ? atoll(v[3]) : 0;
	s->count += n;
	s->startup += v[4] ? atoll(v[4]) : 0;
	s->os[os_class(v[1] ? v[1] : "")] += n;
	add_version(s, v[2] ? v[2] : "");
	t->total += n;
	return 0;
}

/* signature, count */
static int add_previous(void *ctx, int ncols, const char *const *v, const char *const *names)
{
	struct top *t = ctx;
	long long n = v[1] ? atoll(v[1]) : 0;
	t->prev_total += n;
	struct sigstat *s = strmap_get(&t->sigs, v[0] ? v[0] : "");
	if (s) {
		s->prev += n;
		s->in_prev = true;
	}
	return 0;
}

/* The window's condition: report days, or build ids of those days. */
static void window_filter(struct top *t, struct filter *f, const char *start, const char *end,
    char bstart[9], char bend[9])
{
	if (t->by_build) {
		snprintf(bstart, 9, "%.4s%.2s%.2s", start, start + 5, start + 8);
		snprintf(bend, 9, "%.4s%.2s%.2s", end, end + 5, end + 8);
		filter_add(f, "build_id >= $%d", bstart);
		filter_add(f, "build_id < $%d", bend);
	} else {
		filter_add(f, t->from_crashes ? "date_processed >= $%d" : "date >= $%d", start);
		filter_add(f, t->from_crashes ? "date_processed < $%d" : "date < $%d", end);
	}
}

static int run(struct top *t, const char *select, const char *group, const char *start,
    const char *end, db_row_fn fn, const char *const *sigs, int nsigs)
{
	struct filter f;
	char bstart[9], bend[9];
	filter_init(&f);
	filter_common(&f, t->a);
	window_filter(t, &f, start, end, bstart, bend);
	filter_in(&f, "signature", sigs, nsigs);
	char *sql = xasprintf("SELECT %s FROM %s WHERE true%s%s%s", select, t->table, f.sql.data,
	    group ? " GROUP BY " : "",
	    group ? group : "");
	int rc = filter_query(t->a, sql, &f, fn, t);
	free(sql);
	filter_free(&f);
	return rc;
}

static int by_count(const void *x, const void *y)
{
	const struct sigstat *a = *(struct sigstat *const *)x, *b = *(struct sigstat *const *)y;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return strcmp(a->name, b->name);
}

static int add_installs(void *ctx, int ncols, const char *const *v, const char *const *names)
{
	struct top *t = ctx;
	struct sigstat *s = strmap_get(&t->sigs, v[0] ? v[0] : "");
	if (!s)
		return 0;
	if (t->from_crashes) {
		s->exact_installs = v[1] ? atoll(v[1]) : 0;
	} else {
		struct sketch k;
		if (!sketch_load(&k, v[1]))
			return 0;
		if (!s->installs) {
			s->installs = xmalloc(sizeof *s->installs);
			sketch_init(s->installs);
		}
		sketch_merge(s->installs, &k);
	}
	return 0;
}

static int add_first(void *ctx, int ncols, const char *const *v, const char *const *names)
{
	struct sigstat *s = strmap_get(&((struct top *)ctx)->sigs, v[0] ? v[0] : "");
	if (s && v[1])
		s->first = xstrndup(v[1], 10);
	return 0;
}

static int add_bug(void *ctx, int ncols, const char *const *v, const char *const *names)
{
	struct sigstat *s = strmap_get(&((struct top *)ctx)->sigs, v[0] ? v[0] : "");
	if (s && v[1])
		json_array_append_new(s->bugs, json_integer(atoll(v[1])));
	return 0;
}

/* Per-day counts of the listed signatures, for the HTML sparklines. */
static int add_daily(void *ctx, int ncols, const char *const *v, const char *const *names)
{
	struct top *t = ctx;
	struct sigstat *s = strmap_get(&t->sigs, v[0] ? v[0] : "");
	long day = v[1] ? day_number(v[1]) - day_number(t->w.start) : -1;
	if (!s || day < 0 || day >= t->w.days)
		return 0;
	if (!s->daily) {
		s->daily = json_array();
		for (int i = 0; i < t->w.days; i++)
			json_array_append_new(s->daily, json_integer(0));
	}
	json_array_set_new(s->daily, (size_t)day, json_integer(atoll(v[2]) +
	    json_integer_value(json_array_get(s->daily, (size_t)day))));
	return 0;
}

/* The signatures as one PostgreSQL array literal: {"a","b\"c"}. */
static char *pg_text_array(const char *const *names, int n)
{
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "{");
	for (int i = 0; i < n; i++) {
		buf_puts(&b, i ? ",\"" : "\"");
		for (const char *c = names[i]; *c; c++)
			buf_printf(&b, "%s%c", *c == '"' || *c == '\\' ? "\\" : "", *c);
		buf_puts(&b, "\"");
	}
	buf_puts(&b, "}");
	return buf_steal(&b);
}

/*
 * The installs sketches of the listed signatures of one version, on
 * PostgreSQL: one primary-key probe per signature (product, version,
 * signature, date). Given the list as IN (...), its planner scans the
 * window's days through the date index and filters every row of them
 * against the list: three times slower at 300 rows of 10 million crashes.
 * OFFSET 0 keeps the probe a nested loop.
 */
static int installs_by_probe(struct top *t, const char *version, const char *const *names, int n)
{
	char *list = pg_text_array(names, n);
	const char *p[] = { list, conf_str(t->a->conf, "product"), version, t->w.start, t->w.end };
	struct filter f = { .params = p, .n = 5 };
	int rc = filter_query(t->a, "SELECT s.signature, d.installs FROM unnest($1::text[]) s(signature)"
	    " CROSS JOIN LATERAL (SELECT installs FROM signature_days d WHERE d.product = $2"
	    " AND d.version = $3 AND d.signature = s.signature AND d.date >= $4::date"
	    " AND d.date < $5::date OFFSET 0) d", &f, add_installs, t);
	free(list);
	return rc;
}

static int installs(struct top *t, const char *const *names, int n)
{
	const char **versions;
	if (!t->from_crashes && !strcmp(t->table, "signature_days") && names &&
	    db_kind(t->a->db) == DB_POSTGRES && conf_list(t->a->conf, "version", &versions) == 1)
		return installs_by_probe(t, versions[0], names, n);
	return run(t, t->from_crashes ? "signature, count(DISTINCT install_time)" : "signature, installs",
	    t->from_crashes ? "signature" : NULL, t->w.start, t->w.end, add_installs, names, n);
}

/* The listed names whose sigstat has the bool at offset flag false (caller frees). */
static const char **listed_without(struct top *t, const char *const *names, int n, size_t flag,
    int *m)
{
	const char **out = xcalloc((size_t)n + 1, sizeof *out);
	*m = 0;
	for (int i = 0; i < n; i++) {
		const char *s = strmap_get(&t->sigs, names[i]);
		if (!*(const bool *)(s + flag))
			out[(*m)++] = names[i];
	}
	return out;
}

/*
 * The installs of listed rows of a ready-made window that update has not
 * filled yet (made by an older version, or a run failed): from their day
 * sketches.
 */
static int window_missing_installs(struct top *t, const char *const *names, int n)
{
	int m, rc = 0;
	const char **missing = listed_without(t, names, n,
	    offsetof(struct sigstat, has_window_installs), &m);
	if (m)
		rc = installs(t, missing, m);
	free(missing);
	return rc;
}

/*
 * What only the listed rows need: installs, first appearance, bugs, days
 * (a ready-made window brought the first three along with its rows).
 * Past a thousand rows the signatures are not listed in the queries (the
 * databases limit parameters): every row is read, the unlisted ignored.
 */
static int details(struct top *t, const char *const *names, int n, bool ready)
{
	if (n > 1000)
		names = NULL, n = 0;
	const char *s = t->w.start, *e = t->w.end;
	int rc = ready ? window_missing_installs(t, names, n) : installs(t, names, n);
	if (rc == 0 && t->a->format == FORMAT_HTML) {
		char *daily = t->from_crashes ? xasprintf("signature, %s, count(*)",
		    db_day_sql(t->a->db, "date_processed")) : xstrdup("signature, date, sum(count)");
		rc = run(t, daily, "1, 2", s, e, add_daily, names, n);
		free(daily);
	}
	if (ready || rc != 0)
		return rc;
	struct filter f;
	filter_init(&f);
	filter_in(&f, "signature", names, n);
	char *err = NULL;
	char *q1 = xasprintf("SELECT signature, first_report FROM signatures WHERE true%s", f.sql.data);
	char *q2 = xasprintf("SELECT signature, bug_id FROM bug_associations WHERE true%s ORDER BY 1, 2",
	    f.sql.data);
	if (rc == 0 && (db_query(t->a->db, q1, f.n, f.params, add_first, t, &err) != 0 ||
	    db_query(t->a->db, q2, f.n, f.params, add_bug, t, &err) != 0)) {
		log_err("%s", err);
		free(err);
		rc = -1;
	}
	free(q1);
	free(q2);
	filter_free(&f);
	return rc;
}

static json_t *row_of(struct top *t, struct sigstat *s, size_t rank)
{
	double percent = t->total ? 100.0 * (double)s->count / (double)t->total : 0;
	json_t *diff = s->in_prev && t->prev_total
	    ? report_share(percent - 100.0 * (double)s->prev / (double)t->prev_total)
	    : json_string("new");
	long long installs = t->from_crashes ? s->exact_installs
	    : s->has_window_installs ? s->window_installs
	    : s->installs ? (long long)sketch_count(s->installs) : 0;
	return json_pack("[I,s,I,o,o,I,I,I,I,I,I,o,s?,O]", (json_int_t)rank, s->name,
	    (json_int_t)s->count, report_share(percent), diff, (json_int_t)s->os[OS_WIN],
	    (json_int_t)s->os[OS_MAC], (json_int_t)s->os[OS_LIN], (json_int_t)s->os[OS_OTHER],
	    (json_int_t)(s->versions ? (long long)s->nversions : s->versions_count), (json_int_t)installs,
	    report_share(s->count ? 100.0 * (double)s->startup / (double)s->count : 0),
	    s->first, s->bugs);
}

/* The standard questions are answered ready-made by `update`. */
static bool standard_question(struct top *t)
{
	static const int sizes[] = TOP_WINDOW_SIZES;
	const char **versions;
	struct conf *c = t->a->conf;
	long long limit = conf_int(c, "limit");
	bool size_ok = false;
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		size_ok |= sizes[i] == t->w.days;
	return size_ok && !t->from_crashes && !t->by_build && conf_str(c, "product") &&
	    conf_list(c, "version", &versions) <= 1 && !conf_str(c, "channel") &&
	    !conf_str(c, "process-type") && !conf_str(c, "os") && limit > 0 && limit < TOP_KEEP;
}

struct window_key {
	const char *p[4];
	char days[8];
};

static void window_key(struct top *t, struct window_key *k, const char *end)
{
	const char **versions;
	snprintf(k->days, sizeof k->days, "%d", t->w.days);
	k->p[0] = end;
	k->p[1] = k->days;
	k->p[2] = conf_str(t->a->conf, "product");
	k->p[3] = conf_list(t->a->conf, "version", &versions) ? versions[0] : TOP_ALL_VERSIONS;
}

/* The current window's total, the previous one's, and how many rows it kept. */
static void set_totals(struct top *t, const char *const *v)
{
	t->total = v[0] ? atoll(v[0]) : -1;
	t->prev_total = v[1] ? atoll(v[1]) : 0;
	t->prev_kept = v[2] ? atoll(v[2]) : 0;
}

static int read_totals(void *ctx, int ncols, const char *const *v, const char *const *names)
{
	set_totals(ctx, v);
	return 1;
}

/*
 * signature, count, startup, win, mac, lin, other, versions_count,
 * installs, previous count, first appearance, bug id, then the totals:
 * one row per bug.
 */
static int add_window_row(void *ctx, int ncols, const char *const *v, const char *const *names)
{
	struct top *t = ctx;
	struct sigstat *s = sig_get(t, v[0]);
	s->count = atoll(v[1]);
	s->startup = atoll(v[2]);
	for (int i = 0; i < 4; i++)
		s->os[i] = atoll(v[3 + i]);
	s->versions_count = atoll(v[7]);
	if (v[8]) {
		s->window_installs = atoll(v[8]);
		s->has_window_installs = true;
	}
	if (v[9]) {
		s->prev = atoll(v[9]);
		s->in_prev = s->prev > 0;
	}
	if (v[10] && !s->first)
		s->first = xstrndup(v[10], 10);
	if (v[11])
		json_array_append_new(s->bugs, json_integer(atoll(v[11])));
	set_totals(t, v + 12);
	return 0;
}

#define WINDOW_KEY(a) a ".end_date = $1 AND " a ".days = $2 AND " a ".product = $3 AND " \
	a ".version = $4"
#define PREVIOUS_KEY(a) a ".end_date = $5 AND " a ".days = $2 AND " a ".product = $3 AND " \
	a ".version = $4"
#define TOTALS "(SELECT total FROM top_window_totals t WHERE " WINDOW_KEY("t") ")," \
	" (SELECT total FROM top_window_totals t WHERE " PREVIOUS_KEY("t") ")," \
	" (SELECT count(*) FROM top_windows t WHERE " PREVIOUS_KEY("t") ")"

/*
 * The current window from top_windows, with everything the report lists
 * of its rows, in one statement; false when update has not made it (the
 * question is then answered from the daily aggregates). The previous
 * window is the one ending where this one starts ($5).
 */
static bool window_rows(struct top *t, int *rc)
{
	struct window_key k;
	char *err = NULL, offset[24];
	window_key(t, &k, t->w.end);
	snprintf(offset, sizeof offset, "%lld", conf_int(t->a->conf, "limit") - 1);
	const char *p[] = { k.p[0], k.p[1], k.p[2], k.p[3], t->w.start, offset };
	/*
	 * The rows the report lists, and any that tie with the last of them.
	 * The previous window's rows are read together and joined by hash:
	 * PostgreSQL would otherwise probe its key once per row, at twice
	 * the cost of the rest; OFFSET 0 keeps its planner from doing that.
	 */
#define WINDOW_ROWS(FENCE) "SELECT c.signature, c.count, c.startup_count, c.win_count," \
	" c.mac_count, c.lin_count, c.other_count, c.versions_count, c.installs, p.count," \
	" s.first_report, b.bug_id, " TOTALS " FROM top_windows c" \
	" LEFT JOIN (SELECT t.signature, t.count FROM top_windows t WHERE " PREVIOUS_KEY("t") \
	FENCE ") p ON p.signature = c.signature" \
	" LEFT JOIN signatures s ON s.signature = c.signature" \
	" LEFT JOIN bug_associations b ON b.signature = c.signature" \
	" WHERE " WINDOW_KEY("c") " AND c.count >= coalesce((SELECT t.count FROM top_windows t" \
	"  WHERE " WINDOW_KEY("t") " ORDER BY t.count DESC LIMIT 1 OFFSET $6), 0)" \
	" ORDER BY b.bug_id"
	const char *rows = db_kind(t->a->db) == DB_POSTGRES ? WINDOW_ROWS(" OFFSET 0") : WINDOW_ROWS("");
#undef WINDOW_ROWS
	t->total = -1;
	*rc = db_query(t->a->db, rows, 6, p, add_window_row, t, &err);
	/* No rows: an empty window, or none made. */
	if (*rc == 0 && t->sigs.n == 0)
		*rc = db_query(t->a->db, "SELECT " TOTALS, 5, p, read_totals, t, &err);
	if (*rc != 0) {
		log_err("%s", err);
		free(err);
	}
	if (t->total >= 0)
		return true;
	/* Rows without totals (a database edited by hand): none of them count. */
	strmap_free(&t->sigs, sigstat_free);
	strmap_init(&t->sigs);
	t->total = t->prev_total = 0;
	return false;
}

/* signature, count: the previous window's counts of the listed signatures. */
static int add_prev(void *ctx, int ncols, const char *const *v, const char *const *names)
{
	struct sigstat *s = strmap_get(&((struct top *)ctx)->sigs, v[0]);
	if (s) {
		s->prev = atoll(v[1]);
		s->in_prev = s->prev > 0;
	}
	return 0;
}

/*
 * A listed signature below the previous window's TOP_KEEP rows is not in
 * top_windows: its count there comes from signature_days.
 */
static int window_previous(struct top *t, const char *const *names, int n)
{
	if (t->prev_kept < TOP_KEEP)
		return 0;
	int m, rc = 0;
	const char **missing = listed_without(t, names, n, offsetof(struct sigstat, in_prev), &m);
	if (m)
		rc = run(t, "signature, sum(count)", "1", t->w.prev_start, t->w.start, add_prev,
		    missing, m);
	free(missing);
	return rc;
}

static const char *columns[] = {
	"rank", "signature", "count", "percent", "diff", "win_count", "mac_count", "lin_count",
	"other_count", "versions_count", "installs", "startup_percent", "first_appearance",
	"bug_ids", NULL,
};

static struct report *build_report(struct top *t, struct sigstat **list, size_t n)
{
	const char **versions;
	int nv = conf_list(t->a->conf, "version", &versions);
	struct buf title;
	buf_init(&title);
	buf_printf(&title, "Top crashers: %s", conf_str(t->a->conf, "product") ?: "all products");
	for (int i = 0; i < nv; i++)
		buf_printf(&title, "%s%s", i ? ", " : " ", versions[i]);
	buf_printf(&title, ", %d day%s before %s (by %s date)", t->w.days, t->w.days == 1 ? "" : "s", t->w.end,
	    t->by_build ? "build" : "report");
	struct report *r = report_new(title.data, columns);
	buf_free(&title);
	long long covered = 0;
	for (size_t i = 0; i < n; i++) {
		size_t row = report_add(r, row_of(t, list[i], i + 1));
		if (list[i]->daily)
			json_array_set(r->series, row, list[i]->daily);
		covered += list[i]->count;
	}
	r->series_label = xstrdup("crashes per day");
	r->footer = xasprintf("the report covers %.2f%% of all %lld crashes",
	    t->total ? 100.0 * (double)covered / (double)t->total : 0.0, t->total);
	return r;
}

int cmd_topcrashers(struct agg *a)
{
	struct top t = { .a = a, .from_crashes = conf_bool(a->conf, "from-crashes") };
	const char *by = conf_str(a->conf, "by");
	if (strcmp(by, "report") && strcmp(by, "build"))
		die(2, "--by report or --by build");
	t.by_build = !strcmp(by, "build");
	if (!window_from_conf(a, &t.w))
		return 2;
	strmap_init(&t.sigs);
	t.table = t.from_crashes ? "crashes" : "daily_aggregates";
	int rc = 0;
	bool ready = standard_question(&t) && window_rows(&t, &rc);
	if (ready)
		t.table = "signature_days";
	log_debug("answered from %s", ready ? "the ready-made window (top_windows)" : t.table);
	const char *sel = t.from_crashes
	    ? "coalesce(signature, ''), coalesce(os_name, ''), coalesce(version, ''), count(*),"
	      " count(*) FILTER (WHERE startup_crash)"
	    : "signature, os_name, version, sum(count), sum(startup_count)";
	if (rc == 0 && !ready)
		rc = run(&t, sel, "1, 2, 3", t.w.start, t.w.end, add_current, NULL, 0);
	if (rc == 0 && !ready)
		rc = run(&t, t.from_crashes ? "coalesce(signature, ''), count(*)" : "signature, sum(count)",
		    "1", t.w.prev_start, t.w.start, add_previous, NULL, 0);
	struct sigstat **list = xcalloc(t.sigs.n + 1, sizeof *list);
	size_t n = 0;
	for (size_t i = 0; i < t.sigs.cap; i++)
		if (t.sigs.keys[i])
			list[n++] = t.sigs.values[i];
	qsort(list, n, sizeof *list, by_count);
	long long limit = conf_int(a->conf, "limit");
	if (limit > 0 && (size_t)limit < n)
		n = (size_t)limit;
	const char **names = xcalloc(n + 1, sizeof *names);
	for (size_t i = 0; i < n; i++)
		names[i] = list[i]->name;
	if (rc == 0 && n && ready)
		rc = window_previous(&t, names, (int)n);
	if (rc == 0 && n)
		rc = details(&t, names, (int)n, ready);
	int status = 1;
	if (rc == 0) {
		struct report *r = build_report(&t, list, n);
		status = agg_print(a, r);
		report_free(r);
	}
	free(names);
	free(list);
	strmap_free(&t.sigs, sigstat_free);
	return status;
}
