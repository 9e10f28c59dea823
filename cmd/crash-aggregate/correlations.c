/*
 * correlations.c: what is over-represented in the crashes of one
 * signature against all crashes of the same product (and versions) in the
 * window: OS version, CPU, graphics adapter, process type, channel,
 * modules with their versions, add-ons.
 *
 * For an attribute value held by k of the signature's n crashes and by K
 * of all N crashes, the signature's share k/n is set against the share
 * among the other crashes, (K-k)/(N-n), with a two-proportion z-test:
 *
 *   z = (k/n - (K-k)/(N-n)) / sqrt(p (1-p) (1/n + 1/(N-n))),  p = K/N
 *
 * Values with z > 0 are listed, strongest first.
 */
#include "agg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct attr {
	char *name, *value;
	long long k, K;
	double z;
};

struct corr {
	struct agg *a;
	struct attr *v;
	size_t n, cap;
	const char *attr;	/* the attribute being read */
	long long sig_total, all_total;
};

/* value, count of all, count of the signature's */
static int add_value(void *ctx, int ncols, const char *const *v, const char *const *names)
{
	struct corr *c = ctx;
	if (!v[0] || !*v[0])
		return 0;
	if (c->n == c->cap)
		c->v = xrealloc(c->v, (c->cap = c->cap ? 2 * c->cap : 256) * sizeof *c->v);
	c->v[c->n++] = (struct attr){ xstrdup(c->attr), xstrdup(v[0]), atoll(v[2]), atoll(v[1]), 0 };
	return 0;
}

static int add_totals(void *ctx, int ncols, const char *const *v, const char *const *names)
{
	struct corr *c = ctx;
	c->all_total = atoll(v[1]);
	c->sig_total = atoll(v[2]);
	return 0;
}

static int query(struct corr *c, const char *what, const char *from, const char *group,
    db_row_fn fn, struct window *w)
{
	struct filter f;
	filter_init(&f);
	int sig_param = filter_param(&f, conf_str(c->a->conf, "signature"));
	filter_common(&f, c->a);
	filter_add(&f, "c.date_processed >= $%d", w->start);
	filter_add(&f, "c.date_processed < $%d", w->end);
	char *sql = xasprintf("SELECT %s, count(*), count(*) FILTER (WHERE c.signature = $%d)"
	    " FROM %s WHERE true%s%s%s", what, sig_param, from, f.sql.data, group ? " GROUP BY " : "",
	    group ? group : "");
	int rc = filter_query(c->a, sql, &f, fn, c);
	free(sql);
	filter_free(&f);
	return rc;
}

static int by_z(const void *x, const void *y)
{
	const struct attr *a = x, *b = y;
	if (a->z != b->z)
		return a->z > b->z ? -1 : 1;
	int r = strcmp(a->name, b->name);
	return r ? r : strcmp(a->value, b->value);
}

static void score(struct corr *c)
{
	double n = (double)c->sig_total, N = (double)c->all_total;
	for (size_t i = 0; i < c->n; i++) {
		struct attr *t = &c->v[i];
		double p = (double)t->K / N, rest = N - n;
		double se = sqrt(p * (1 - p) * (1 / n + (rest > 0 ? 1 / rest : 0)));
		double other = rest > 0 ? (double)(t->K - t->k) / rest : 0;
		t->z = se > 0 ? ((double)t->k / n - other) / se : 0;
	}
	qsort(c->v, c->n, sizeof *c->v, by_z);
}

static const char *columns[] = {
	"rank", "attribute", "value", "signature_count", "signature_percent", "overall_count",
	"overall_percent", "z", NULL,
};

int cmd_correlations(struct agg *a)
{
	static const char *const attrs[] = {
		"os_version", "cpu_arch", "cpu_info", "adapter_vendor_id", "adapter_device_id",
		"process_type", "release_channel", "os_name",
	};
	struct window w;
	if (!conf_str(a->conf, "signature"))
		die(2, "correlations: --signature is required");
	if (!window_from_conf(a, &w))
		return 2;
	struct corr c = { .a = a };
	/* The totals: all crashes, and the signature's, without a grouping. */
	int rc = query(&c, "count(*)", "crashes c", NULL, add_totals, &w);
	for (size_t i = 0; rc == 0 && i < sizeof attrs / sizeof attrs[0]; i++) {
		char *what = xasprintf("c.%s", attrs[i]);
		c.attr = attrs[i];
		rc = query(&c, what, "crashes c", "1", add_value, &w);
		free(what);
	}
	if (rc == 0) {
		c.attr = "module";
		rc = query(&c, "m.module || ' ' || coalesce(m.module_version, '')",
		    "crash_modules m JOIN crashes c ON c.crash_id = m.crash_id", "1", add_value, &w);
	}
	if (rc == 0) {
		c.attr = "addon";
		rc = query(&c, "d.addon", "crash_addons d JOIN crashes c ON c.crash_id = d.crash_id", "1",
		    add_value, &w);
	}
	int status = 1;
	if (rc == 0 && c.sig_total == 0)
		log_warn("no crashes of that signature in the window");
	if (rc == 0) {
		if (c.sig_total)
			score(&c);
		char *title = xasprintf("Correlations of %s, %d days before %s (%lld of %lld crashes)",
		    conf_str(a->conf, "signature"), w.days, w.end, c.sig_total, c.all_total);
		struct report *r = report_new(title, columns);
		free(title);
		long long limit = conf_int(a->conf, "limit"), rank = 0;
		for (size_t i = 0; c.sig_total && i < c.n && c.v[i].z > 0 && (limit <= 0 || rank < limit); i++) {
			struct attr *t = &c.v[i];
			report_add(r, json_pack("[I,s,s,I,o,I,o,o]", (json_int_t)++rank, t->name, t->value,
			    (json_int_t)t->k, report_share(100.0 * (double)t->k / (double)c.sig_total),
			    (json_int_t)t->K, report_share(100.0 * (double)t->K / (double)c.all_total),
			    report_share(t->z)));
		}
		status = agg_print(a, r);
		report_free(r);
	}
	for (size_t i = 0; i < c.n; i++) {
		free(c.v[i].name);
		free(c.v[i].value);
	}
	free(c.v);
	return status;
}
