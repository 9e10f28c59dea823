/*
 * explosive.c: signatures whose count on one day jumped against their own
 * recent baseline.
 *
 * The day is the last of the window (the day before --end-date); the
 * baseline the --days days before it. With c the day's count, m and s the
 * mean and standard deviation of the baseline's daily counts (days without
 * a crash count as 0):
 *
 *   score = (c - m) / max(s, sqrt(max(m, 1)))
 *
 * the square root being the noise a Poisson count of mean m has anyway,
 * so a quiet baseline does not make every blip explosive. A signature is
 * explosive when c >= --min-count, score >= --threshold and c >= 2 m.
 */
#include "agg.h"
#include "aggregate.h"
#include "strmap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct series {
	const char *name;
	long long *days;	/* baseline days, then the day itself */
	double score, mean, sd;
};

struct explode {
	struct strmap m;
	long first, ndays;
};

static void series_free(void *p)
{
	struct series *s = p;
	free(s->days);
	free(s);
}

/* signature, date, count */
static int add_day(void *ctx, int ncols, const char *const *v, const char *const *names)
{
	struct explode *e = ctx;
	long d = day_number(v[1]) - e->first;
	if (d < 0 || d >= e->ndays)
		return 0;
	struct series *s = strmap_get(&e->m, v[0]);
	if (!s) {
		s = xcalloc(1, sizeof *s);
		s->days = xcalloc((size_t)e->ndays, sizeof *s->days);
		s->name = strmap_put(&e->m, v[0], s);
	}
	s->days[d] += atoll(v[2]);
	return 0;
}

static void score(struct series *s, long baseline)
{
	double sum = 0, sq = 0;
	for (long i = 0; i < baseline; i++)
		sum += (double)s->days[i];
	s->mean = sum / (double)baseline;
	for (long i = 0; i < baseline; i++)
		sq += ((double)s->days[i] - s->mean) * ((double)s->days[i] - s->mean);
	s->sd = baseline > 1 ? sqrt(sq / (double)(baseline - 1)) : 0;
	double noise = fmax(s->sd, sqrt(fmax(s->mean, 1)));
	s->score = ((double)s->days[baseline] - s->mean) / noise;
}

static int by_score(const void *x, const void *y)
{
	const struct series *a = *(struct series *const *)x, *b = *(struct series *const *)y;
	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	return strcmp(a->name, b->name);
}

static const char *columns[] = {
	"rank", "signature", "date", "count", "baseline_mean", "baseline_sd", "score", NULL,
};

int cmd_explosive(struct agg *a)
{
	struct window w;
	if (!window_from_conf(a, &w))
		return 2;
	/* The baseline is the --days days before the day; the day ends the window. */
	char day[11], from[11];
	day_string(day_number(w.end) - 1, day);
	day_string(day_number(day) - w.days, from);
	struct explode e = { .first = day_number(from), .ndays = w.days + 1 };
	struct filter f;
	filter_init(&f);
	filter_common(&f, a);
	filter_add(&f, "date >= $%d", from);
	filter_add(&f, "date <= $%d", day);
	char *sql = xasprintf("SELECT signature, date, sum(count) FROM daily_aggregates WHERE true%s"
	    " GROUP BY 1, 2", f.sql.data);
	strmap_init(&e.m);
	int rc = filter_query(a, sql, &f, add_day, &e);
	free(sql);
	filter_free(&f);
	if (rc != 0) {
		strmap_free(&e.m, series_free);
		return 1;
	}
	long long min_count = conf_int(a->conf, "min-count");
	char *end;
	double threshold = strtod(conf_str(a->conf, "threshold"), &end);
	if (*end || end == conf_str(a->conf, "threshold"))
		die(2, "--threshold: not a number: %s", conf_str(a->conf, "threshold"));
	struct series **list = xcalloc(e.m.n + 1, sizeof *list);
	size_t n = 0;
	for (size_t i = 0; i < e.m.cap; i++) {
		struct series *s = e.m.values[i];
		if (!e.m.keys[i])
			continue;
		score(s, w.days);
		long long c = s->days[w.days];
		if (c >= min_count && s->score >= threshold && (double)c >= 2 * s->mean)
			list[n++] = s;
	}
	qsort(list, n, sizeof *list, by_score);
	char *title = xasprintf("Explosive signatures on %s against the %d days before", day, w.days);
	struct report *r = report_new(title, columns);
	free(title);
	long long limit = conf_int(a->conf, "limit");
	for (size_t i = 0; i < n && (limit <= 0 || (long long)i < limit); i++)
		report_add(r, json_pack("[I,s,s,I,o,o,o]", (json_int_t)i + 1, list[i]->name, day,
		    (json_int_t)list[i]->days[w.days], report_share(list[i]->mean),
		    report_share(list[i]->sd), report_share(list[i]->score)));
	int status = agg_print(a, r);
	report_free(r);
	free(list);
	strmap_free(&e.m, series_free);
	return status;
}
