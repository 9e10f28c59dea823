/*
 * output.c: rows as CSV (RFC 4180, CRLF, quoted where needed), TSV (tab,
 * newline, carriage return and backslash written as \t \n \r \\), or
 * NDJSON (numbers as numbers, processed-crash fields as the JSON they are).
 */
#include "csv.h"
#include "db.h"
#include "extract.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static void tsv_field(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '\t': fputs("\\t", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\\': fputs("\\\\", out); break;
		default: fputc(*s, out);
		}
	}
}

void out_header(FILE *out, enum out_format f, struct field *fields, int n)
{
	if (f == OUT_NDJSON)
		return;
	for (int i = 0; i < n; i++) {
		fputs(i ? (f == OUT_CSV ? "," : "\t") : "", out);
		if (f == OUT_CSV)
			csv_write_field(out, fields[i].name);
		else
			tsv_field(out, fields[i].name);
	}
	fputs(f == OUT_CSV ? "\r\n" : "\n", out);
}

/* Columns typed by the schema; store fields keep their own JSON type. */
static json_t *json_value(const struct field *f, const char *v, json_t *json)
{
	if (json)
		return json_incref(json);
	if (!v)
		return json_null();
	if (f->column && (f->kind == DB_COL_INT || f->kind == DB_COL_FLAG)) {
		char *end;
		long long n = strtoll(v, &end, 10);
		if (!*end && end != v)
			return f->kind == DB_COL_FLAG ? json_boolean(n) : json_integer(n);
		if (f->kind == DB_COL_FLAG && (!strcmp(v, "t") || !strcmp(v, "f")))
			return json_boolean(*v == 't');
	}
	return json_string(v);
}

void out_row(FILE *out, enum out_format f, struct field *fields, int n, char *const *values,
    json_t *const *json)
{
	if (f == OUT_NDJSON) {
		json_t *obj = json_object();
		for (int i = 0; i < n; i++)
			json_object_set_new(obj, fields[i].name, json_value(&fields[i], values[i], json[i]));
		char *s = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
		fprintf(out, "%s\n", s);
		free(s);
		json_decref(obj);
		return;
	}
	for (int i = 0; i < n; i++) {
		if (i)
			putc_unlocked(f == OUT_CSV ? ',' : '\t', out);
		if (values[i] && f == OUT_CSV)
			csv_write_field(out, values[i]);
		else if (values[i])
			tsv_field(out, values[i]);
	}
	fputs_unlocked(f == OUT_CSV ? "\r\n" : "\n", out);
}
