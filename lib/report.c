/*
 * report.c: writing reports. NDJSON keeps types (numbers, strings,
 * arrays, null); CSV and the text table show each value as text, arrays
 * joined by spaces; the HTML page carries its own style and draws its
 * charts as inline SVG, so it can be mailed or archived as one file.
 */
#include "report.h"
#include "csv.h"
#include "pystr.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int report_format_parse(const char *s)
{
	static const char *const names[] = { "table", "csv", "ndjson", "html" };
	for (int i = 0; i < 4; i++)
		if (s && strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

struct report *report_new(const char *title, const char **columns)
{
	struct report *r = xcalloc(1, sizeof *r);
	r->title = xstrdup(title);
	r->columns = columns;
	while (columns[r->ncols])
		r->ncols++;
	r->rows = json_array();
	r->series = json_array();
	return r;
}

size_t report_add(struct report *r, json_t *row)
{
	json_array_append_new(r->rows, row);
	json_array_append_new(r->series, json_null());
	return json_array_size(r->rows) - 1;
}

void report_free(struct report *r)
{
	if (!r)
		return;
	free(r->title);
	free(r->footer);
	free(r->series_label);
	free(r->bars_label);
	json_decref(r->rows);
	json_decref(r->series);
	json_decref(r->bars);
	free(r);
}

json_t *report_share(double value)
{
	return json_real(round(value * 100) / 100);
}

/* A cell as text: numbers as reports print them, arrays space-joined. */
static char *cell_text(json_t *v)
{
	if (!v || json_is_null(v))
		return xstrdup("");
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_integer(v))
		return xasprintf("%lld", (long long)json_integer_value(v));
	if (json_is_real(v))
		return xasprintf("%.2f", json_real_value(v));
	if (json_is_boolean(v))
		return xstrdup(json_is_true(v) ? "true" : "false");
	if (json_is_array(v)) {
		struct buf b;
		json_t *e;
		size_t i;
		buf_init(&b);
		json_array_foreach(v, i, e) {
			char *t = cell_text(e);
			buf_printf(&b, "%s%s", i ? " " : "", t);
			free(t);
		}
		return buf_steal(&b);
	}
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

static void print_csv(const struct report *r, FILE *out)
{
	for (size_t c = 0; c < r->ncols; c++) {
		fputs(c ? "," : "", out);
		csv_write_field(out, r->columns[c]);
	}
	fputs("\r\n", out);
	json_t *row;
	size_t i;
	json_array_foreach(r->rows, i, row) {
		for (size_t c = 0; c < r->ncols; c++) {
			char *t = cell_text(json_array_get(row, c));
			fputs(c ? "," : "", out);
			csv_write_field(out, t);
			free(t);
		}
		fputs("\r\n", out);
	}
}

/* A string as JSON writes it: quotes, backslashes and control characters escaped. */
static void write_string(FILE *out, const char *s)
{
	putc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		const char *short_escape = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\b' ? "\\b"
		    : c == '\f' ? "\\f" : c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : NULL;
		if (short_escape)
			fputs(short_escape, out);
		else if (c < 0x20)
			fprintf(out, "\\u%04X", c);
		else
			putc(c, out);
	}
	putc('"', out);
}

/* A real as jansson writes it with JSON_REAL_PRECISION(12): %.12g, never bare digits. */
static void write_real(FILE *out, double v)
{
	char buf[40], *e;
	snprintf(buf, sizeof buf, "%.12g", v);
	if (!strpbrk(buf, ".eEin"))
		strcat(buf, ".0");
	if ((e = strchr(buf, 'e'))) {	/* 1e+20 -> 1e20, 1e-05 -> 1e-5 */
		char *from = e + 1, *to = e + 1;
		if (*from == '-')
			*to++ = *from++;
		else if (*from == '+')
			from++;
		while (*from == '0' && from[1])
			from++;
		memmove(to, from, strlen(from) + 1);
	}
	fputs(buf, out);
}

/*
 * One value of a row, compact, as json_dumps would write it: written by
 * hand because json_dumps took three quarters of a 300-row report's time.
 */
static void write_value(FILE *out, json_t *v)
{
	if (!v || json_is_null(v)) {
		fputs("null", out);
	} else if (json_is_integer(v)) {
		fprintf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	} else if (json_is_real(v)) {
		write_real(out, json_real_value(v));
	} else if (json_is_string(v)) {
		write_string(out, json_string_value(v));
	} else if (json_is_array(v)) {
		json_t *e;
		size_t i;
		putc('[', out);
		json_array_foreach(v, i, e) {
			if (i)
				putc(',', out);
			write_value(out, e);
		}
		putc(']', out);
	} else {
		char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(12));
		fputs(s ? s : "null", out);
		free(s);
	}
}

static void print_ndjson(const struct report *r, FILE *out)
{
	json_t *row;
	size_t i;
	json_array_foreach(r->rows, i, row) {
		for (size_t c = 0; c < r->ncols; c++) {
			putc(c ? ',' : '{', out);
			write_string(out, r->columns[c]);
			putc(':', out);
			write_value(out, json_array_get(row, c));
		}
		fputs(r->ncols ? "}\n" : "{}\n", out);
	}
}

/* Aligned columns; numbers to the right; long text cut at 80 columns. */
static void print_table(const struct report *r, FILE *out)
{
	size_t nrows = json_array_size(r->rows);
	size_t *width = xcalloc(r->ncols, sizeof *width);
	char **cells = xcalloc((nrows + 1) * r->ncols, sizeof *cells);
	for (size_t c = 0; c < r->ncols; c++)
		cells[c] = xstrdup(r->columns[c]);
	for (size_t i = 0; i < nrows; i++)
		for (size_t c = 0; c < r->ncols; c++) {
			char *t = cell_text(json_array_get(json_array_get(r->rows, i), c));
			if (utf8_count(t) > 80) {
				char *cut = py_truncate(t, 80, 77, "...");
				free(t);
				t = cut;
			}
			cells[(i + 1) * r->ncols + c] = t;
		}
	for (size_t i = 0; i <= nrows; i++)
		for (size_t c = 0; c < r->ncols; c++) {
			size_t w = utf8_count(cells[i * r->ncols + c]);
			if (w > width[c])
				width[c] = w;
		}
	for (size_t i = 0; i <= nrows; i++) {
		for (size_t c = 0; c < r->ncols; c++) {
			const char *t = cells[i * r->ncols + c];
			json_t *v = i ? json_array_get(json_array_get(r->rows, i - 1), c) : NULL;
			int pad = (int)(width[c] - utf8_count(t));
			bool right = v && json_is_number(v);
			bool last = c + 1 == r->ncols;
			fprintf(out, "%s%*s%s%*s", c ? "  " : "", right ? pad : 0, "", t,
			    right || last ? 0 : pad, "");
		}
		fputc('\n', out);
	}
	for (size_t i = 0; i < (nrows + 1) * r->ncols; i++)
		free(cells[i]);
	free(cells);
	free(width);
}

static void html_escape(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		default: fputc(*s, out);
		}
	}
}

/* A sparkline of a series of numbers, 120 x 24 pixels. */
static void print_sparkline(FILE *out, json_t *series)
{
	size_t n = json_array_size(series);
	double max = 0;
	for (size_t i = 0; i < n; i++)
		max = fmax(max, json_number_value(json_array_get(series, i)));
	fputs("<svg class=\"spark\" width=\"120\" height=\"24\" viewBox=\"0 0 120 24\"><polyline points=\"", out);
	for (size_t i = 0; i < n; i++) {
		double x = n > 1 ? 120.0 * (double)i / (double)(n - 1) : 60;
		double y = 22 - (max > 0 ? 20 * json_number_value(json_array_get(series, i)) / max : 0);
		fprintf(out, "%s%.1f,%.1f", i ? " " : "", x, y);
	}
	fputs("\"/></svg>", out);
}

/* A horizontal bar chart of [label, value] pairs. */
static void print_bars(FILE *out, const struct report *r)
{
	size_t n = json_array_size(r->bars);
	double max = 0;
	for (size_t i = 0; i < n; i++)
		max = fmax(max, json_number_value(json_array_get(json_array_get(r->bars, i), 1)));
	fprintf(out, "<h2>");
	html_escape(out, r->bars_label ? r->bars_label : "");
	fprintf(out, "</h2>\n<svg class=\"bars\" width=\"640\" height=\"%zu\">\n", 22 * n + 4);
	for (size_t i = 0; i < n; i++) {
		json_t *pair = json_array_get(r->bars, i);
		double v = json_number_value(json_array_get(pair, 1));
		double w = max > 0 ? 400 * v / max : 0;
		fprintf(out, "<text x=\"0\" y=\"%zu\">", 22 * i + 15);
		html_escape(out, json_string_value(json_array_get(pair, 0)) ?: "");
		fprintf(out, "</text><rect x=\"200\" y=\"%zu\" width=\"%.1f\" height=\"16\"/>"
		    "<text x=\"%.1f\" y=\"%zu\">%.2f</text>\n", 22 * i + 3, w, 205 + w, 22 * i + 15, v);
	}
	fputs("</svg>\n", out);
}

static void print_html(const struct report *r, FILE *out)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>", out);
	html_escape(out, r->title);
	fputs("</title>\n<style>body{font:14px sans-serif;margin:2em}table{border-collapse:collapse}"
	    "td,th{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left}td.n{text-align:right}"
	    "th{background:#f3f3f3}.spark polyline{fill:none;stroke:#c33;stroke-width:1.5}"
	    ".bars rect{fill:#369}.bars text{font-size:12px}</style></head><body>\n<h1>", out);
	html_escape(out, r->title);
	fputs("</h1>\n<table>\n<tr>", out);
	bool spark = false;
	for (size_t i = 0; i < json_array_size(r->series); i++)
		spark |= json_is_array(json_array_get(r->series, i));
	for (size_t c = 0; c < r->ncols; c++) {
		fputs("<th>", out);
		html_escape(out, r->columns[c]);
		fputs("</th>", out);
	}
	if (spark) {
		fputs("<th>", out);
		html_escape(out, r->series_label ? r->series_label : "");
		fputs("</th>", out);
	}
	fputs("</tr>\n", out);
	json_t *row;
	size_t i;
	json_array_foreach(r->rows, i, row) {
		fputs("<tr>", out);
		for (size_t c = 0; c < r->ncols; c++) {
			json_t *v = json_array_get(row, c);
			char *t = cell_text(v);
			fputs(json_is_number(v) ? "<td class=\"n\">" : "<td>", out);
			html_escape(out, t);
			fputs("</td>", out);
			free(t);
		}
		if (spark) {
			fputs("<td>", out);
			if (json_is_array(json_array_get(r->series, i)))
				print_sparkline(out, json_array_get(r->series, i));
			fputs("</td>", out);
		}
		fputs("</tr>\n", out);
	}
	fputs("</table>\n", out);
	if (r->footer) {
		fputs("<p class=\"footer\">", out);
		html_escape(out, r->footer);
		fputs("</p>\n", out);
	}
	if (json_array_size(r->bars))
		print_bars(out, r);
	fputs("</body></html>\n", out);
}

int report_print(const struct report *r, enum report_format format, FILE *out)
{
	switch (format) {
	case FORMAT_TABLE:
		if (r->title)
			fprintf(out, "%s\n\n", r->title);
		print_table(r, out);
		if (r->footer)
			fprintf(out, "\n%s\n", r->footer);
		break;
	case FORMAT_CSV:
		print_csv(r, out);
		break;
	case FORMAT_NDJSON:
		print_ndjson(r, out);
		break;
	case FORMAT_HTML:
		print_html(r, out);
		break;
	}
	return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}
