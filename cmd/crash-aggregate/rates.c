/*
 * rates.c: crashes per 100 active daily users. `import-adu` loads the ADU
 * counts (a CSV of date, product, version, build id, OS, count), `rates`
 * divides the throttle-corrected crash counts by them per product,
 * version, build and day, and `compare-builds` sets two builds side by
 * side. A day without ADU is reported as missing, never as zero.
 */
#include "agg.h"
#include "aggregate.h"
#include "csv.h"
#include "strmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Every row is checked before any is written: a bad file changes nothing. */
int cmd_import_adu(struct agg *a, const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!f) {
		log_err("%s: %s", path, strerror(errno));
		return 1;
	}
	char **v, *err = NULL;
	size_t n, line = 0, rows = 0;
	int r, rc = db_begin(a->db, &err);
	while (rc == 0 && (r = csv_read(f, &v, &n)) != 0) {
		line++;
		if (r < 0 || n != 6 || (line == 1 && !strcmp(v[0], "date"))) {
			if (r < 0 || n != 6) {
				err = xasprintf("%s:%zu: want 6 fields: date,product,version,build_id,os,count", path, line);
				rc = -1;
			}
			if (r > 0)
				csv_free(v, n);
			continue;
		}
		if (day_number(v[0]) < 0 || !*v[1] || !all_digits(v[5])) {
			err = xasprintf("%s:%zu: bad %s", path, line, day_number(v[0]) < 0 ? "date"
			    : !*v[1] ? "product" : "count");
			rc = -1;
		} else {
			rc = db_query(a->db, "INSERT INTO adu (date, product, version, build_id, os_name, count)"
			    " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (date, product, version, build_id, os_name)"
			    " DO UPDATE SET count = excluded.count", 6, (const char *const *)v, NULL, NULL, &err);
			rows++;
		}
		csv_free(v, n);
	}
	if (f != stdin)
		fclose(f);
	if (rc == 0)
		rc = db_commit(a->db, &err);
	if (rc != 0) {
		db_rollback(a->db);
		log_err("import-adu: %s; nothing imported", err);
		free(err);
		return 1;
	}
	log_info("import-adu: %zu rows", rows);
	return 0;
}

/* ADU are counted per product, version, build and OS: nothing finer applies. */
void adu_filters_only(struct agg *a, const char *command)
{
	if (conf_str(a->conf, "channel") || conf_str(a->conf, "process-type"))
		die(2, "%s: ADU have no channel or process type; --channel and --process-type"
		    " do not apply", command);
}

struct cell {
	double crashes;
	long long adu;
	bool has_adu;
};

struct rates {
	struct strmap crashes;	/* "date\tproduct\tversion\tbuild" -> struct cell */
	struct strmap adu;
};

static struct cell *cell_at(struct strmap *m, const char *const *v)
{
	char *key = xasprintf("%s\t%s\t%s\t%s", v[0], v[1], v[2], v[3] ? v[3] : "");
	struct cell *c = strmap_get(m, key);
	if (!c) {
		c = xcalloc(1, sizeof *c);
		strmap_put(m, key, c);
	}
	free(key);
	return c;
}

/* date, product, version, build, sampled count */
static int add_crashes(void *ctx, int ncols, const char *const *v, const char *const *names)
{
	cell_at(&((struct rates *)ctx)->crashes, v)->crashes += atof(v[4]);
	return 0;
}

/* date, product, version, build, adu */
static int add_adu(void *ctx, int ncols, const char *const *v, const char *const *names)
{
	struct cell *c = cell_at(&((struct rates *)ctx)->adu, v);
	c->adu += atoll(v[4]);
	c->has_adu = true;
	return 0;
}

static int load(struct agg *a, struct rates *r, const char *from, const char *to)
{
	const char **builds;
	int nbuilds = conf_list(a->conf, "build", &builds);
	struct filter f;
	char *err = NULL;
	filter_init(&f);
	filter_common(&f, a);
	filter_add(&f, "date >= $%d", from);
	filter_add(&f, "date < $%d", to);
	filter_in(&f, "build_id", builds, nbuilds);
	char *q1 = xasprintf("SELECT date, product, version, build_id, sum(sampled_count)"
	    " FROM daily_aggregates WHERE true%s GROUP BY 1, 2, 3, 4", f.sql.data);
	/* ADU rows have no channel or process type: only the other filters. */
	struct filter g;
	filter_init(&g);
	if (conf_str(a->conf, "product"))
		filter_add(&g, "product = $%d", conf_str(a->conf, "product"));
	const char **versions;
	int nv = conf_list(a->conf, "version", &versions);
	filter_in(&g, "version", versions, nv);
	if (conf_str(a->conf, "os"))
		filter_add(&g, "os_name = $%d", conf_str(a->conf, "os"));
	filter_add(&g, "date >= $%d", from);
	filter_add(&g, "date < $%d", to);
	filter_in(&g, "build_id", builds, nbuilds);
	char *q2 = xasprintf("SELECT date, product, version, build_id, sum(count) FROM adu"
	    " WHERE true%s GROUP BY 1, 2, 3, 4", g.sql.data);
	int rc = db_query(a->db, q1, f.n, f.params, add_crashes, r, &err);
	if (rc == 0)
		rc = db_query(a->db, q2, g.n, g.params, add_adu, r, &err);
	if (rc != 0) {
		log_err("%s", err);
		free(err);
	}
	free(q1);
	free(q2);
	filter_free(&f);
	filter_free(&g);
	return rc;
}

static int by_key(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Sums a day's crashes and ADU into its build's, for the chart. */
static void add_to_build(struct strmap *builds, const char *p, const char *v, const char *b,
    double crashes, long long adu)
{
	char *key = xasprintf("%s %s %s", p, v ? v : "", b && *b ? b : "(all builds)");
	struct cell *c = strmap_get(builds, key);
	if (!c) {
		c = xcalloc(1, sizeof *c);
		strmap_put(builds, key, c);
	}
	c->crashes += crashes;
	c->adu += adu;
	free(key);
}

/* Crashes per 100 ADU by build over the window, as the HTML bar chart. */
static void chart(struct report *rep, struct strmap *builds)
{
	char **keys = xcalloc(builds->n + 1, sizeof *keys);
	size_t n = 0;
	for (size_t i = 0; i < builds->cap; i++)
		if (builds->keys[i])
			keys[n++] = builds->keys[i];
	qsort(keys, n, sizeof *keys, by_key);
	rep->bars = json_array();
	rep->bars_label = xstrdup("Crashes per 100 ADU by build, over the window");
	for (size_t i = 0; i < n; i++) {
		struct cell *c = strmap_get(builds, keys[i]);
		json_array_append_new(rep->bars, json_pack("[s,f]", keys[i], 100.0 * c->crashes / (double)c->adu));
	}
	free(keys);
}

static const char *rate_columns[] = {
	"date", "product", "version", "build_id", "crashes", "adu", "crashes_per_100_adu", NULL,
};

/* One row per day x product x version x build that has crashes or ADU. */
int cmd_rates(struct agg *a)
{
	struct window w;
	if (!window_from_conf(a, &w))
		return 2;
	struct rates r;
	strmap_init(&r.crashes);
	strmap_init(&r.adu);
	int status = 1;
	adu_filters_only(a, "rates");
	if (load(a, &r, w.start, w.end) == 0) {
		for (size_t i = 0; i < r.adu.cap; i++)
			if (r.adu.keys[i] && !strmap_get(&r.crashes, r.adu.keys[i]))
				strmap_put(&r.crashes, r.adu.keys[i], xcalloc(1, sizeof(struct cell)));
		char **keys = xcalloc(r.crashes.n + 1, sizeof *keys);
		size_t n = 0;
		for (size_t i = 0; i < r.crashes.cap; i++)
			if (r.crashes.keys[i])
				keys[n++] = r.crashes.keys[i];
		qsort(keys, n, sizeof *keys, by_key);
		char *title = xasprintf("Crashes per 100 ADU, %d days before %s", w.days, w.end);
		struct report *rep = report_new(title, rate_columns);
		free(title);
		struct strmap builds;	/* build -> struct cell: the chart */
		strmap_init(&builds);
		for (size_t i = 0; i < n; i++) {
			struct cell *c = strmap_get(&r.crashes, keys[i]), *u = strmap_get(&r.adu, keys[i]);
			char *k = xstrdup(keys[i]), *rest = k;
			char *d = strsep(&rest, "\t"), *p = strsep(&rest, "\t");
			char *v = strsep(&rest, "\t"), *b = strsep(&rest, "\t");
			json_t *adu = u && u->adu > 0 ? json_integer(u->adu) : json_string("missing");
			json_t *rate = u && u->adu > 0 ? report_share(100.0 * c->crashes / (double)u->adu)
			    : json_null();
			report_add(rep, json_pack("[s,s,s,s,o,o,o]", d, p, v ? v : "", b ? b : "",
			    report_share(c->crashes), adu, rate));
			if (u && u->adu > 0)
				add_to_build(&builds, p, v, b, c->crashes, u->adu);
			free(k);
		}
		chart(rep, &builds);
		strmap_free(&builds, free);
		status = agg_print(a, rep);
		report_free(rep);
		free(keys);
	}
	strmap_free(&r.crashes, free);
	strmap_free(&r.adu, free);
	return status;
}
