/*
 * agg.h: what crash-aggregate's subcommands share: the configuration,
 * the database, the output format, and building WHERE clauses.
 */
#ifndef CRASH_AGG_H
#define CRASH_AGG_H

#include "conf.h"
#include "db.h"
#include "report.h"
#include "util.h"

#include <stdbool.h>

struct agg {
	struct conf *conf;
	struct db *db;
	enum report_format format;
};

/* " AND ..." conditions with their $N parameters. */
struct filter {
	struct buf sql;
	const char **params;
	int n, cap;
};

void filter_init(struct filter *f);
void filter_free(struct filter *f);
/* Adds a parameter without a condition; returns its number (for $N). */
int filter_param(struct filter *f, const char *value);
/* Appends " AND <fmt>" where fmt holds one %d for the parameter's number. */
void filter_add(struct filter *f, const char *fmt, const char *value);
/* Appends " AND column IN ($a, $b, ...)" for the values. */
void filter_in(struct filter *f, const char *column, const char *const *values, int n);
/* The filters every report takes: --product, --version, --channel, --process-type, --os. */
void filter_common(struct filter *f, struct agg *a);
/* Runs sql with the filter's parameters; its error, if any, is logged. */
int filter_query(struct agg *a, const char *sql, const struct filter *f, db_row_fn fn, void *ctx);

/* The report window: the N days before end (end excluded), as YYYY-MM-DD. */
struct window {
	char start[11], end[11];	/* this window */
	char prev_start[11];		/* the one before it ends at start */
	int days;
};
/* From --days and --end-date (default today); false on a bad value. */
bool window_from_conf(struct agg *a, struct window *w);

/* Prints the report in the chosen format; 0 or 1 (an exit status). */
int agg_print(struct agg *a, struct report *r);

int cmd_topcrashers(struct agg *a);
int cmd_new(struct agg *a);
int cmd_explosive(struct agg *a);
int cmd_import_adu(struct agg *a, const char *path);
int cmd_rates(struct agg *a);
/* Exits 2 when a filter the ADU cannot follow (channel, process type) is given. */
void adu_filters_only(struct agg *a, const char *command);
int cmd_compare_builds(struct agg *a);
int cmd_correlations(struct agg *a);
int cmd_modules(struct agg *a);
int cmd_frankeninstalls(struct agg *a);
int cmd_duplicates(struct agg *a);
int cmd_bugs(struct agg *a);
int cmd_import_builds(struct agg *a, const char *source);
int cmd_status(struct agg *a);
/* Exits 1 when an SQLite database does not exist (status must not create one). */
void status_db_exists(const char *url);

#endif
