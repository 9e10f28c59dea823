/*
 * filter.c: WHERE clauses and report windows shared by the subcommands.
 */
#include "agg.h"
#include "aggregate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void filter_init(struct filter *f)
{
	memset(f, 0, sizeof *f);
	buf_init(&f->sql);
	buf_puts(&f->sql, "");
}

void filter_free(struct filter *f)
{
	buf_free(&f->sql);
	free(f->params);
}

static void add_param(struct filter *f, const char *value)
{
	if (f->n == f->cap)
		f->params = xrealloc(f->params, (size_t)(f->cap = f->cap ? 2 * f->cap : 16) * sizeof *f->params);
	f->params[f->n++] = value;
}

int filter_param(struct filter *f, const char *value)
{
	add_param(f, value);
	return f->n;
}

void filter_add(struct filter *f, const char *fmt, const char *value)
{
	add_param(f, value);
	buf_puts(&f->sql, " AND ");
	buf_printf(&f->sql, fmt, f->n);
}

void filter_in(struct filter *f, const char *column, const char *const *values, int n)
{
	if (n <= 0)
		return;
	buf_printf(&f->sql, " AND %s IN (", column);
	for (int i = 0; i < n; i++) {
		add_param(f, values[i]);
		buf_printf(&f->sql, "%s$%d", i ? ", " : "", f->n);
	}
	buf_puts(&f->sql, ")");
}

void filter_common(struct filter *f, struct agg *a)
{
	const char **versions;
	int nversions = conf_list(a->conf, "version", &versions);
	if (conf_str(a->conf, "product"))
		filter_add(f, "product = $%d", conf_str(a->conf, "product"));
	filter_in(f, "version", versions, nversions);
	if (conf_str(a->conf, "channel"))
		filter_add(f, "release_channel = $%d", conf_str(a->conf, "channel"));
	if (conf_str(a->conf, "process-type"))
		filter_add(f, "process_type = $%d", conf_str(a->conf, "process-type"));
	if (conf_str(a->conf, "os"))
		filter_add(f, "os_name = $%d", conf_str(a->conf, "os"));
}

int filter_query(struct agg *a, const char *sql, const struct filter *f, db_row_fn fn, void *ctx)
{
	char *err = NULL;
	int rc = db_query(a->db, sql, f->n, f->params, fn, ctx, &err);
	if (rc != 0) {
		log_err("%s", err);
		free(err);
	}
	return rc;
}

bool window_from_conf(struct agg *a, struct window *w)
{
	long days = conf_int(a->conf, "days");
	const char *end = conf_str(a->conf, "end-date");
	long e = end ? day_number(end) : (long)(time(NULL) / 86400);
	if (days < 1 || days > 366 || e < 0) {
		log_err(e < 0 ? "--end-date: not a date: %s" : "--days: 1 to 366", end);
		return false;
	}
	w->days = (int)days;
	day_string(e, w->end);
	day_string(e - days, w->start);
	day_string(e - 2 * days, w->prev_start);
	return true;
}

int agg_print(struct agg *a, struct report *r)
{
	if (report_print(r, a->format, stdout) != 0) {
		log_err("writing the report failed");
		return 1;
	}
	return 0;
}
