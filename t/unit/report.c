/* Unit tests: NDJSON rows of a report, written as json_dumps writes them. */
#include "report.h"
#include "util.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *columns[] = { "text", "number", "share", "list", "none", NULL };

/* Each row printed by the report, against json_dumps of the same object. */
static void same_as_jansson(json_t *row, const char *what)
{
	struct report *r = report_new("t", columns);
	json_t *obj = json_object();
	for (size_t c = 0; columns[c]; c++)
		json_object_set(obj, columns[c], json_array_get(row, c));
	report_add(r, row);
	char *got = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&got, &len);
	report_print(r, FORMAT_NDJSON, out);
	fclose(out);
	char *line = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
	char *want = xasprintf("%s\n", line);
	is_str(got, want, "%s", what);
	json_t *back = json_loads(got, 0, NULL);
	ok(back && json_equal(back, obj), "%s: reads back as the same values", what);
	json_decref(back);
	free(want);
	free(line);
	free(got);
	json_decref(obj);
	report_free(r);
}

int main(void)
{
	same_as_jansson(json_pack("[s,I,f,[I,I],n]", "mozilla::Alpha::Crash", (json_int_t)726409, 66.67,
	    (json_int_t)123, (json_int_t)456), "a usual row");
	same_as_jansson(json_pack("[s,I,f,[],n]", "quote \" backslash \\ tab \t nl \n cr \r bs \b ff \f",
	    (json_int_t)-1, 0.0), "escapes");
	same_as_jansson(json_pack("[s,I,f,[s],n]", "\x01\x1f\x7f caf\xc3\xa9 \xe2\x9c\x93 /slash",
	    (json_int_t)0, 100.0, "x"), "control characters and UTF-8");
	same_as_jansson(json_pack("[s,I,f,[f,f],s]", "", (json_int_t)9007199254740993LL, 1e20,
	    1e-5, -3.25, "new"), "exponents and big numbers");
	same_as_jansson(json_pack("[s,I,f,[b,b],{s:i}]", "x", (json_int_t)1, 1234.5, 1, 0,
	    "a", 1), "booleans and an object");
	same_as_jansson(json_pack("[s,I,f,n,n]", "y", (json_int_t)2, -0.5), "a null list");
	/* One line per row, none for a report without rows. */
	struct report *r = report_new("t", columns);
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	report_print(r, FORMAT_NDJSON, out);
	report_add(r, json_pack("[s,i,f,n,n]", "a", 1, 1.0));
	report_add(r, json_pack("[s,i,f,n,n]", "b", 2, 2.0));
	report_print(r, FORMAT_NDJSON, out);
	fclose(out);
	size_t lines = 0;
	for (const char *c = text; *c; c++)
		lines += *c == '\n';
	is_int(lines, 2, "one line per row");
	free(text);
	report_free(r);
	return done_testing();
}
