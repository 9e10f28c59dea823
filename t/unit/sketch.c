/* Unit tests: install sketches, the string map, the CSV reader. */
#include "csv.h"
#include "sketch.h"
#include "strmap.h"
#include "util.h"
#include "tap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static void add_range(struct sketch *s, int from, int to)
{
	char v[32];
	for (int i = from; i < to; i++) {
		snprintf(v, sizeof v, "install-%d", i);
		sketch_add(s, v);
	}
}

static void sketches(void)
{
	struct sketch a, b, c;
	sketch_init(&a);
	add_range(&a, 0, 40);
	add_range(&a, 0, 40);
	is_int((long long)sketch_count(&a), 40, "exact while small, duplicates counted once");
	sketch_init(&b);
	add_range(&b, 20, 60);
	sketch_merge(&a, &b);
	is_int((long long)sketch_count(&a), 60, "merging two exact sets is their union");
	char *text = sketch_dump(&a);
	ok(sketch_load(&c, text) && sketch_count(&c) == 60, "an exact sketch reads back");
	char kind[3] = { text[0], text[1], 0 };
	is_str(kind, "x:", "a small sketch is kept exact");
	free(text);
	sketch_init(&a);
	add_range(&a, 0, 100000);
	double n = sketch_count(&a);
	/* The standard error is 3.2%: 10% is three of them. */
	ok(fabs(n - 100000) < 10000, "100000 installs estimated within 10%% (%.0f)", n);
	sketch_init(&b);
	add_range(&b, 50000, 150000);
	sketch_merge(&b, &a);
	ok(fabs(sketch_count(&b) - 150000) < 15000, "merged estimates: the union within 10%% (%.0f)", sketch_count(&b));
	text = sketch_dump(&b);
	ok(sketch_load(&c, text) && sketch_count(&c) == sketch_count(&b), "a dense sketch reads back");
	free(text);
	ok(!sketch_load(&c, "h:zz") && !sketch_load(&c, "x:123") && !sketch_load(&c, NULL),
	    "malformed sketches are refused");
}

static void maps(void)
{
	struct strmap m;
	strmap_init(&m);
	char k[32];
	for (long i = 0; i < 5000; i++) {
		snprintf(k, sizeof k, "sig %ld", i);
		strmap_put(&m, k, (void *)(i + 1));
	}
	strmap_put(&m, "sig 7", (void *)42);
	is_int((long long)m.n, 5000, "5000 keys, one set twice");
	is_int((long long)(long)strmap_get(&m, "sig 4999"), 5000, "a key's value");
	is_int((long long)(long)strmap_get(&m, "sig 7"), 42, "the value set last");
	ok(strmap_get(&m, "nope") == NULL, "an absent key");
	strmap_free(&m, NULL);
}

static void csv(void)
{
	const char text[] = "a,\"b,c\",\"d \"\"e\"\"\"\r\n\"multi\nline\",,x\nlast";
	FILE *f = fmemopen((void *)text, sizeof text - 1, "r");
	char **v;
	size_t n;
	ok(csv_read(f, &v, &n) == 1 && n == 3 && !strcmp(v[1], "b,c") && !strcmp(v[2], "d \"e\""),
	    "quoted commas and quotes");
	csv_free(v, n);
	ok(csv_read(f, &v, &n) == 1 && n == 3 && !strcmp(v[0], "multi\nline") && !strcmp(v[1], ""),
	    "a quoted line break, an empty field");
	csv_free(v, n);
	ok(csv_read(f, &v, &n) == 1 && n == 1 && !strcmp(v[0], "last"), "a last line without an end");
	csv_free(v, n);
	ok(csv_read(f, &v, &n) == 0, "then the end");
	fclose(f);
	f = fmemopen((void *)"\"open", 5, "r");
	ok(csv_read(f, &v, &n) == -1, "an unterminated quote is an error");
	fclose(f);
}

int main(void)
{
	sketches();
	maps();
	csv();
	return done_testing();
}
