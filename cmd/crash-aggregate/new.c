/*
 * new.c: signatures first seen in the window (by their first appearance
 * anywhere), with their crashes in the window and the builds they came in.
 */
#include "agg.h"
#include "strmap.h"

#include <stdlib.h>
#include <string.h>

struct newsig {
	const char *name;
	char *first;
	long long count;
	json_t *builds;
};

static void newsig_free(void *p)
{
	struct newsig *n = p;
	free(n->first);
	json_decref(n->builds);
	free(n);
}

/* signature, first_report, build_id, count */
static int add_row(void *ctx, int ncols, const char *const *v, const char *const *names)
{
	struct strmap *m = ctx;
	struct newsig *n = strmap_get(m, v[0]);
	if (!n) {
		n = xcalloc(1, sizeof *n);
		n->first = xstrndup(v[1] ? v[1] : "", 10);
		n->builds = json_array();
		n->name = strmap_put(m, v[0], n);
	}
	n->count += atoll(v[3]);
	if (v[2] && *v[2])
		json_array_append_new(n->builds, json_string(v[2]));
	return 0;
}

static int by_count(const void *x, const void *y)
{
	const struct newsig *a = *(struct newsig *const *)x, *b = *(struct newsig *const *)y;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return strcmp(a->name, b->name);
}

static const char *columns[] = { "rank", "signature", "first_appearance", "count", "builds", NULL };

int cmd_new(struct agg *a)
{
	struct window w;
	if (!window_from_conf(a, &w))
		return 2;
	struct filter f;
	filter_init(&f);
	filter_common(&f, a);
	filter_add(&f, "d.date >= $%d", w.start);
	filter_add(&f, "d.date < $%d", w.end);
	filter_add(&f, "s.first_report >= $%d", w.start);
	filter_add(&f, "s.first_report < $%d", w.end);
	char *sql = xasprintf("SELECT d.signature, min(s.first_report), d.build_id, sum(d.count)"
	    " FROM daily_aggregates d JOIN signatures s ON s.signature = d.signature"
	    " WHERE true%s GROUP BY d.signature, d.build_id ORDER BY 1, 3", f.sql.data);
	struct strmap m;
	strmap_init(&m);
	int rc = filter_query(a, sql, &f, add_row, &m);
	free(sql);
	filter_free(&f);
	if (rc != 0) {
		strmap_free(&m, newsig_free);
		return 1;
	}
	struct newsig **list = xcalloc(m.n + 1, sizeof *list);
	size_t n = 0;
	for (size_t i = 0; i < m.cap; i++)
		if (m.keys[i])
			list[n++] = m.values[i];
	qsort(list, n, sizeof *list, by_count);
	char *title = xasprintf("New signatures: first seen in the %d days before %s", w.days, w.end);
	struct report *r = report_new(title, columns);
	free(title);
	long long limit = conf_int(a->conf, "limit");
	for (size_t i = 0; i < n && (limit <= 0 || (long long)i < limit); i++)
		report_add(r, json_pack("[I,s,s,I,O]", (json_int_t)i + 1, list[i]->name, list[i]->first,
		    (json_int_t)list[i]->count, list[i]->builds));
	int status = agg_print(a, r);
	report_free(r);
	free(list);
	strmap_free(&m, newsig_free);
	return status;
}
