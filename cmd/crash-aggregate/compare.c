/*
 * compare.c: how crashy one build is against another over the window:
 * crashes per 100 ADU of each, the share of crashes without a usable
 * signature (EMPTY: or none), and the signatures whose share differs most.
 */
#include "agg.h"
#include "strmap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct side {
	const char *build;
	double crashes;		/* corrected for throttling: for the rate */
	long long total, empty;	/* as received: for shares */
	long long adu;
	struct strmap sigs;	/* signature -> long long * */
};

static int add_sig(void *ctx, int ncols, const char *const *v, const char *const *names)
{
	struct side *s = ctx;
	long long *n = strmap_get(&s->sigs, v[0]);
	if (!n) {
		n = xcalloc(1, sizeof *n);
		strmap_put(&s->sigs, v[0], n);
	}
	*n += atoll(v[1]);
	s->total += atoll(v[1]);
	s->crashes += atof(v[2]);
	if (!*v[0] || !strncmp(v[0], "EMPTY:", 6))
		s->empty += atoll(v[1]);
	return 0;
}

static int add_adu(void *ctx, int ncols, const char *const *v, const char *const *names)
{
	((struct side *)ctx)->adu += v[0] ? atoll(v[0]) : 0;
	return 0;
}

static int load_side(struct agg *a, struct window *w, struct side *s)
{
	struct filter f;
	filter_init(&f);
	filter_common(&f, a);
	filter_add(&f, "date >= $%d", w->start);
	filter_add(&f, "date < $%d", w->end);
	filter_add(&f, "build_id = $%d", s->build);
	char *q = xasprintf("SELECT signature, sum(count), sum(sampled_count) FROM daily_aggregates"
	    " WHERE true%s GROUP BY 1", f.sql.data);
	/* The ADU under the same filters (adu_filters_only() refused the others). */
	char *qa = xasprintf("SELECT sum(count) FROM adu WHERE true%s", f.sql.data);
	int rc = filter_query(a, q, &f, add_sig, s);
	if (rc == 0)
		rc = filter_query(a, qa, &f, add_adu, s);
	free(qa);
	free(q);
	filter_free(&f);
	return rc;
}

static double share(long long n, double total)
{
	return total > 0 ? 100.0 * (double)n / total : 0;
}

struct diffrow {
	const char *sig;
	long long a, b;
	double diff;
};

static int by_diff(const void *x, const void *y)
{
	const struct diffrow *p = x, *q = y;
	if (fabs(p->diff) != fabs(q->diff))
		return fabs(p->diff) > fabs(q->diff) ? -1 : 1;
	return strcmp(p->sig, q->sig);
}

static long long count_of(struct side *s, const char *sig)
{
	long long *n = strmap_get(&s->sigs, sig);
	return n ? *n : 0;
}

static json_t *rate_of(struct side *s)
{
	return s->adu > 0 ? report_share(100.0 * s->crashes / (double)s->adu) : json_string("missing");
}

static const char *columns[] = { "kind", "signature", "count_a", "value_a", "count_b", "value_b", "diff", NULL };

int cmd_compare_builds(struct agg *a)
{
	const char **builds;
	struct window w;
	if (conf_list(a->conf, "build", &builds) != 2)
		die(2, "compare-builds: give --build twice");
	if (!window_from_conf(a, &w))
		return 2;
	adu_filters_only(a, "compare-builds");
	struct side s[2] = { { .build = builds[0] }, { .build = builds[1] } };
	strmap_init(&s[0].sigs);
	strmap_init(&s[1].sigs);
	int status = 1;
	if (load_side(a, &w, &s[0]) == 0 && load_side(a, &w, &s[1]) == 0) {
		char *title = xasprintf("Build %s against build %s, %d days before %s", s[0].build,
		    s[1].build, w.days, w.end);
		struct report *r = report_new(title, columns);
		free(title);
		report_add(r, json_pack("[s,n,I,o,I,o,n]", "crashes_per_100_adu", (json_int_t)s[0].total,
		    rate_of(&s[0]), (json_int_t)s[1].total, rate_of(&s[1])));
		double e0 = share(s[0].empty, (double)s[0].total);
		double e1 = share(s[1].empty, (double)s[1].total);
		report_add(r, json_pack("[s,n,I,o,I,o,o]", "empty_signature_percent", (json_int_t)s[0].empty,
		    report_share(e0), (json_int_t)s[1].empty, report_share(e1), report_share(e1 - e0)));
		size_t n = 0, cap = s[0].sigs.n + s[1].sigs.n + 1;
		struct diffrow *rows = xcalloc(cap, sizeof *rows);
		for (int side = 0; side < 2; side++)
			for (size_t i = 0; i < s[side].sigs.cap; i++) {
				const char *sig = s[side].sigs.keys[i];
				if (!sig || (side == 1 && strmap_get(&s[0].sigs, sig)))
					continue;
				long long ca = count_of(&s[0], sig), cb = count_of(&s[1], sig);
				rows[n++] = (struct diffrow){ sig, ca, cb,
					share(cb, (double)s[1].total) - share(ca, (double)s[0].total) };
			}
		qsort(rows, n, sizeof *rows, by_diff);
		long long limit = conf_int(a->conf, "limit");
		for (size_t i = 0; i < n && (limit <= 0 || (long long)i < limit); i++)
			report_add(r, json_pack("[s,s,I,o,I,o,o]", "signature", rows[i].sig, (json_int_t)rows[i].a,
			    report_share(share(rows[i].a, (double)s[0].total)), (json_int_t)rows[i].b,
			    report_share(share(rows[i].b, (double)s[1].total)), report_share(rows[i].diff)));
		status = agg_print(a, r);
		report_free(r);
		free(rows);
	}
	strmap_free(&s[0].sigs, free);
	strmap_free(&s[1].sigs, free);
	return status;
}
