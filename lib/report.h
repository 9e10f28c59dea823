/*
 * report.h: a report as a table of typed cells, and its output as aligned
 * text, CSV (RFC 4180), NDJSON (one object per row, numbers as numbers) or
 * one self-contained HTML page with SVG charts.
 */
#ifndef CRASH_REPORT_H
#define CRASH_REPORT_H

#include <jansson.h>
#include <stdio.h>

enum report_format { FORMAT_TABLE, FORMAT_CSV, FORMAT_NDJSON, FORMAT_HTML };

struct report {
	char *title;
	const char **columns;	/* NULL-terminated, static strings */
	size_t ncols;
	json_t *rows;		/* array of arrays of JSON values, one per column */
	json_t *series;		/* per row: an array of numbers (HTML sparklines) or null */
	char *series_label;	/* what the sparklines show */
	json_t *bars;		/* optional chart: [[label, value], ...] */
	char *bars_label;
	char *footer;
};

/* "table", "csv", "ndjson", "html"; -1 if none of them. */
int report_format_parse(const char *s);
struct report *report_new(const char *title, const char **columns);
/* Appends a row (steals the array); returns its index. */
size_t report_add(struct report *r, json_t *row);
void report_free(struct report *r);
/* Writes r in the format; 0, or -1 on a write error. */
int report_print(const struct report *r, enum report_format format, FILE *out);

/* A number rounded to two decimals, as reports show shares. */
json_t *report_share(double value);

#endif
