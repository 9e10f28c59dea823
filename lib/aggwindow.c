/*
 * aggwindow.c: what topcrashers reads when its question is a standard one
 * (a product, one version or all, a window of 1, 3, 7, 14 or 28 days):
 *
 *   signature_days     per day x product x version x signature: counts,
 *                      counts per OS, startup crashes, installs sketch;
 *   top_windows        per window end x length x product x version ('*'
 *                      for all versions): the TOP_KEEP biggest signatures
 *                      with their sums and number of versions;
 *   top_window_totals  the crashes of each such window.
 *
 * A day that changes changes every window containing it: those are
 * recomputed, each in SQL over signature_days, and then the installs of
 * their rows (aggwinstalls.c).
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

enum { K_PRODUCT, K_VERSION, K_SIGNATURE, NKEY };
enum { OS_WIN, OS_MAC, OS_LIN, OS_OTHER };

struct sigday {
	struct db_batch rows;
	const char *day;
	char *key[NKEY];
	long long count, startup, os[4];
	struct sketch installs;
	bool open;
	int rc;
	char *err;
};

static void flush(struct sigday *g)
{
	if (g->open && g->rc == 0) {
		char n[6][24];
		snprintf(n[0], 24, "%lld", g->count);
		snprintf(n[1], 24, "%lld", g->startup);
		for (int i = 0; i < 4; i++)
			snprintf(n[2 + i], 24, "%lld", g->os[i]);
		char *installs = sketch_dump(&g->installs);
		const char *row[] = { g->day, g->key[0], g->key[1], g->key[2], n[0], n[1], n[2], n[3],
			n[4], n[5], installs };
		g->rc = db_batch_add(&g->rows, row, &g->err);
		free(installs);
	}
	for (int i = 0; i < NKEY; i++)
		free(g->key[i]);
	g->count = g->startup = 0;
	memset(g->os, 0, sizeof g->os);
	g->open = false;
}

static int os_class(const char *os)
{
	return !strcmp(os, "Windows NT") ? OS_WIN : !strcmp(os, "Mac OS X") ? OS_MAC
	    : !strcmp(os, "Linux") ? OS_LIN : OS_OTHER;
}

/* product, version, signature, os, install_time, startup_crash */
static int add(void *ctx, int ncols, const char *const *v, const char *const *names)
{
	struct sigday *g = ctx;
	bool same = g->open;
	for (int i = 0; same && i < NKEY; i++)
		same = !strcmp(g->key[i], v[i]);
	if (!same) {
		flush(g);
		for (int i = 0; i < NKEY; i++)
			g->key[i] = xstrdup(v[i]);
		sketch_init(&g->installs);
		g->open = true;
	}
	g->count++;
	g->os[os_class(v[3])]++;
	g->startup += v[5] && (!strcmp(v[5], "1") || !strcmp(v[5], "t"));
	if (v[4])
		sketch_add(&g->installs, v[4]);
	return g->rc != 0;
}

int sigdays_rebuild(struct db *db, const char *day, const char *next, char **err)
{
	struct sigday g = { .day = day };
	db_batch_init(&g.rows, db, "INSERT INTO signature_days (date, product, version, signature,"
	    " count, startup_count, win_count, mac_count, lin_count, other_count, installs)", 11);
	const char *range[] = { day, next };
	g.rc = db_query(db, "DELETE FROM signature_days WHERE date = $1", 1, range, NULL, NULL, &g.err);
	if (g.rc == 0 && db_query(db, "SELECT coalesce(product, ''), coalesce(version, ''),"
	    " coalesce(signature, ''), coalesce(os_name, ''), install_time, startup_crash FROM crashes"
	    " WHERE date_processed >= $1 AND date_processed < $2 ORDER BY 1, 2, 3",
	    2, range, add, &g, &g.err) != 0 && !g.rc)
		g.rc = -1;
	flush(&g);
	if (g.rc == 0)
		g.rc = db_batch_flush(&g.rows, &g.err);
	db_batch_free(&g.rows);
	if (g.rc != 0)
		*err = g.err ? g.err : xstrdup("signature_days failed");
	return g.rc;
}

/* Removes a window's rows, if any: its questions go to the daily aggregates. */
static int window_drop(struct db *db, long end, int days, char **err)
{
	char e[11], n[8];
	day_string(end, e);
	snprintf(n, sizeof n, "%d", days);
	const char *p[] = { e, n };
	int rc = db_query(db, "DELETE FROM top_windows WHERE end_date = $1 AND days = $2", 2, p,
	    NULL, NULL, err);
	if (rc == 0)
		rc = db_query(db, "DELETE FROM top_window_totals WHERE end_date = $1 AND days = $2", 2, p,
		    NULL, NULL, err);
	return rc;
}

/* One window: totals, then the top signatures per version and for all. */
static int window_compute(struct db *db, long end, int days, char **err)
{
	char e[11], s[11], n[8], keep[8];
	day_string(end, e);
	day_string(end - days, s);
	snprintf(n, sizeof n, "%d", days);
	snprintf(keep, sizeof keep, "%d", TOP_KEEP);
	const bool pg = db_kind(db) == DB_POSTGRES;
	const char *E = pg ? "$1::date" : "$1", *N = pg ? "$2::int" : "$2";
	const char *p[] = { e, n, s, keep };
	char *sql[2];
	sql[0] = xasprintf("INSERT INTO top_window_totals (end_date, days, product, version, total)"
	    " SELECT %s, %s, product, version, sum(count) FROM signature_days"
	    " WHERE date >= $3 AND date < $1 GROUP BY product, version"
	    " UNION ALL SELECT %s, %s, product, '" TOP_ALL_VERSIONS "', sum(count) FROM signature_days"
	    " WHERE date >= $3 AND date < $1 GROUP BY product", E, N, E, N);
	/*
	 * The same ranking rule as the report: count, then signature. The
	 * window's days are summed once per version; the all-versions rows
	 * are summed from those (one row per version: count(*) versions).
	 */
	sql[1] = xasprintf("INSERT INTO top_windows (end_date, days, product, version, signature, count,"
	    " startup_count, win_count, mac_count, lin_count, other_count, versions_count)"
	    " WITH v AS (SELECT product, version, signature, sum(count) c, sum(startup_count) s,"
	    "  sum(win_count) w, sum(mac_count) m, sum(lin_count) l, sum(other_count) o"
	    "  FROM signature_days WHERE date >= $3 AND date < $1 GROUP BY product, version, signature)"
	    " SELECT %s, %s, product, version, signature, c, s, w, m, l, o, vc FROM ("
	    "  SELECT product, version, signature, c, s, w, m, l, o, 1 vc, row_number() OVER"
	    "   (PARTITION BY product, version ORDER BY c DESC, signature) rn FROM v"
	    "  UNION ALL"
	    "  SELECT product, '" TOP_ALL_VERSIONS "', signature, sum(c), sum(s), sum(w), sum(m), sum(l),"
	    "   sum(o), count(*), row_number() OVER (PARTITION BY product ORDER BY sum(c) DESC, signature)"
	    "  FROM v GROUP BY product, signature"
	    " ) x WHERE rn <= %s", E, N, pg ? "$4::int" : "$4");
	int rc = db_begin(db, err);
	if (rc == 0)
		rc = window_drop(db, end, days, err);
	for (int i = 0; rc == 0 && i < 2; i++)
		rc = db_query(db, sql[i], i == 0 ? 3 : 4, p, NULL, NULL, err);
	if (rc == 0)
		rc = db_commit(db, err);
	else
		db_rollback(db);
	for (int i = 0; i < 2; i++)
		free(sql[i]);
	return rc;
}

static int read_day(void *ctx, int ncols, const char *const *v, const char *const *names)
{
	*(long *)ctx = v[0] ? day_number(v[0]) : -1;
	return 0;
}

/*
 * A window that ends past the day after the last day with crashes is not
 * made: it holds days still to come, and is made again as each of them
 * arrives. What it held is dropped, so that a question about it is
 * answered from the daily aggregates. An hourly run that changes today
 * makes 5 windows instead of 53.
 */
int windows_update(struct db *db, const long *days, int ndays, char **err)
{
	static const int sizes[] = TOP_WINDOW_SIZES;
	struct strmap done;
	long last = -1;
	size_t made = 0;
	int rc = db_query(db, "SELECT max(date) FROM aggregate_days WHERE crashes > 0", 0, NULL,
	    read_day, &last, err);
	strmap_init(&done);
	for (size_t k = 0; rc == 0 && k < sizeof sizes / sizeof sizes[0]; k++)
		for (int i = 0; rc == 0 && i < ndays; i++)
			for (long end = days[i] + 1; rc == 0 && end <= days[i] + sizes[k]; end++) {
				char key[32];
				snprintf(key, sizeof key, "%ld/%d", end, sizes[k]);
				if (strmap_get(&done, key))
					continue;
				strmap_put(&done, key, (void *)1);
				if (last >= 0 && end <= last + 1) {
					rc = window_compute(db, end, sizes[k], err);
					made++;
				} else {
					rc = window_drop(db, end, sizes[k], err);
				}
			}
	if (rc == 0)
		log_info("%zu windows of top signatures recomputed, %zu dropped until their days come",
		    made, done.n - made);
	strmap_free(&done, NULL);
	return rc;
}
