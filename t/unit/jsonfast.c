/*
 * Unit tests: jsonfast reads and prints JSON as jansson does. Each case
 * states its own answer, and is also held against jansson's; then the
 * shared test data's JSON files go through both.
 */
#include "jsonfast.h"
#include "util.h"
#include "tap.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SORTED (JSON_COMPACT | JSON_SORT_KEYS)

/* Reads text with both; want is jansson's compact sorted text of the value, or NULL for a refusal. */
static void reads(const char *text, size_t len, const char *want, const char *what)
{
	json_error_t err;
	json_t *ours = jsonfast_load(text, len, &err);
	json_t *theirs = json_loadb(text, len, 0, NULL);
	char *got = ours ? json_dumps(ours, SORTED) : NULL;
	char *jansson = theirs ? json_dumps(theirs, SORTED) : NULL;
	if (want) {
		is_str(got, want, "reads %s", what);
		if (!ours)
			printf("#   refused: %s\n", err.text);
	} else {
		ok(!ours && err.text[0], "refuses %s (%s)", what, ours ? "read" : err.text);
	}
	ok((!got && !jansson) || (got && jansson && !strcmp(got, jansson)), "as jansson does: %s", what);
	free(got);
	free(jansson);
	json_decref(ours);
	json_decref(theirs);
}

static void like_error(const char *text, const char *want)
{
	ok(strstr(text, want) != NULL, "the error says '%s': %s", want, text);
}

#define READS(text, want) reads(text, sizeof text - 1, want, #text)
#define REFUSES(text) reads(text, sizeof text - 1, NULL, #text)

static void test_reading(void)
{
	READS(" {\"b\": [1, -2, 3.5, true, false, null], \"a\": {}} ", "{\"a\":{},\"b\":[1,-2,3.5,true,false,null]}");
	READS("[]", "[]");
	READS("[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]", "[\"\\\"\\\\/\\b\\f\\n\\r\\t\"]");
	READS("[\"\\u00e9\\u20AC\\ud83d\\ude00\"]", "[\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"]");
	READS("[\"\xc3\xa9\xf0\x9f\x98\x80\x7f\"]", "[\"\xc3\xa9\xf0\x9f\x98\x80\x7f\"]");
	READS("{\"k\":1,\"k\":2}", "{\"k\":2}");
	READS("{\"\\u006b\\u0065y\":{\"x\":[]}}", "{\"key\":{\"x\":[]}}");
	READS("[9223372036854775807,-9223372036854775808,-0]", "[9223372036854775807,-9223372036854775808,0]");
	READS("[0.1,1e2,1E-5,-0.0,2.5e+3,1e-400]", "[0.10000000000000001,100.0,1.0000000000000001e-5,-0.0,2500.0,0.0]");
	REFUSES("");
	REFUSES("   ");
	REFUSES("1");
	REFUSES("\"top\"");
	REFUSES("[1] x");
	REFUSES("[1,]");
	REFUSES("{\"a\":1,}");
	REFUSES("{\"a\" 1}");
	REFUSES("{1:2}");
	REFUSES("[01]");
	REFUSES("[-]");
	REFUSES("[1.]");
	REFUSES("[.5]");
	REFUSES("[1e]");
	REFUSES("[+1]");
	REFUSES("[9223372036854775808]");
	REFUSES("[-9223372036854775809]");
	REFUSES("[1e400]");
	REFUSES("[tru]");
	REFUSES("[truex]");
	REFUSES("[nul]");
	REFUSES("[\"\\u0000\"]");
	REFUSES("[\"\\ud83d\"]");
	REFUSES("[\"\\ude00\"]");
	REFUSES("[\"\\ud83d\\u0041\"]");
	REFUSES("[\"\\u12\"]");
	REFUSES("[\"\\x\"]");
	REFUSES("[\"tab\there\"]");
	REFUSES("[\"\xc0\xaf\"]");		/* overlong */
	REFUSES("[\"\xed\xa0\x80\"]");		/* a surrogate in UTF-8 */
	REFUSES("[\"\xf4\x90\x80\x80\"]");	/* past U+10FFFF */
	REFUSES("[\"\xe2\x82\"]");		/* cut short */
	REFUSES("[\"open");
	REFUSES("[1");
	REFUSES("{\"a\":");
	reads("[\"a\0b\"]", 7, NULL, "a NUL byte in a string");
	reads("[1]\0", 4, NULL, "a NUL byte after the value");
	/* jansson skips a NUL after a number or a literal (its stream's push-back); never JSON. */
	json_t *after_number = jsonfast_load("[60\0]", 5, NULL), *after_word = jsonfast_load("[true\0]", 7, NULL);
	ok(!after_number && !after_word, "refuses a NUL byte after a number or a literal");
	json_decref(after_number);
	json_decref(after_word);
}

/* n arrays inside each other, the innermost holding inner. */
static char *nested(int n, const char *inner)
{
	struct buf b;
	buf_init(&b);
	for (int i = 0; i < n; i++)
		buf_append(&b, "[", 1);
	buf_puts(&b, inner);
	for (int i = 0; i < n; i++)
		buf_append(&b, "]", 1);
	return buf_steal(&b);
}

static void test_depth(void)
{
	char *deepest = nested(2048, ""), *too_deep = nested(2049, ""), *scalar = nested(2048, "1");
	reads(too_deep, strlen(too_deep), NULL, "2049 arrays deep");
	reads(scalar, strlen(scalar), NULL, "a number inside 2048 arrays (jansson counts it)");
	json_t *v = jsonfast_load(deepest, strlen(deepest), NULL);
	ok(v != NULL, "2048 arrays deep is read");
	char *text = jsonfast_dumps(v, NULL);
	is_str(text, deepest, "2048 arrays deep is printed");
	free(text);
	json_decref(v);
	free(deepest);
	free(too_deep);
	free(scalar);

	/* Deeper than this writer goes: jansson's writer takes over, as it has no limit. */
	json_t *deep = json_array(), *inner = deep;
	for (int i = 0; i < 3000; i++) {
		json_t *a = json_array();
		json_array_append_new(inner, a);
		inner = a;
	}
	char *ours = jsonfast_dumps(deep, NULL), *theirs = json_dumps(deep, SORTED);
	ok(ours && theirs && !strcmp(ours, theirs), "3001 arrays deep printed as jansson prints them");
	free(ours);
	free(theirs);
	json_decref(deep);
}

static void test_error(void)
{
	json_error_t err;
	memset(&err, 'x', sizeof err);
	json_t *v = jsonfast_load("[1]", 3, &err);
	ok(v && err.text[0] == 0 && err.line == -1, "a success leaves the error cleared, as jansson does");
	json_decref(v);
	v = jsonfast_load("[1,\n x]", 7, &err);
	ok(!v && err.line == 2 && err.column == 1 && err.position == 5, "an error says where: line 2, column 1, byte 5");
	like_error(err.text, "invalid token");
}

static void prints(json_t *v, const char *want, const char *what)
{
	size_t len = 0;
	char *ours = jsonfast_dumps(v, &len), *theirs = json_dumps(v, SORTED);
	if (want) {
		is_str(ours, want, "prints %s", what);
		is_int(len, strlen(want), "length of %s", what);
	} else {
		ok(!ours, "refuses to print %s", what);
	}
	ok((!ours && !theirs) || (ours && theirs && !strcmp(ours, theirs)), "as jansson does: %s", what);
	free(ours);
	free(theirs);
	json_decref(v);
}

static void test_printing(void)
{
	prints(json_pack("{s:i,s:i,s:i}", "b", 1, "a", 2, "ab", 3), "{\"a\":2,\"ab\":3,\"b\":1}", "keys in byte order");
	prints(json_pack("[s]", "\x01\x1f\x7f/\"\\\n"), "[\"\\u0001\\u001F\x7f/\\\"\\\\\\n\"]", "escapes");
	prints(json_pack("[I,I]", (json_int_t)INT64_MIN, (json_int_t)INT64_MAX),
	    "[-9223372036854775808,9223372036854775807]", "the integer limits");
	prints(json_pack("[f,f,f,f,f,f]", 1.0, 0.1, 1e20, 1e-5, -2.5e300, 123456.0),
	    "[1.0,0.10000000000000001,1e20,1.0000000000000001e-5,-2.5000000000000001e300,123456.0]", "reals");
	json_t *bad = json_array();
	json_array_append_new(bad, json_stringn_nocheck("\xff", 1));
	prints(bad, NULL, "a string that is not UTF-8");
	prints(json_integer(1), NULL, "a value that is not an object or an array");
	json_t *nul_key = json_object();
	json_object_setn_new_nocheck(nul_key, "a\0b", 3, json_true());
	json_object_set_new(nul_key, "a", json_false());
	prints(nul_key, "{\"a\":false,\"a\\u0000b\":true}", "a key with a NUL byte");
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "kept");
	bad = json_pack("[s]", "x");
	ok(jsonfast_dump_buf(bad, &b), "dump_buf appends");
	is_str(b.data, "kept[\"x\"]", "dump_buf appends to what is there");
	json_decref(bad);
	bad = json_array();
	json_array_append_new(bad, json_stringn_nocheck("\xff", 1));
	ok(!jsonfast_dump_buf(bad, &b), "dump_buf refuses a string that is not UTF-8");
	is_str(b.data, "kept[\"x\"]", "and leaves the buffer as it was");
	json_decref(bad);
	buf_free(&b);
}

/* Every .json and .out file of a test data folder that jansson reads, read and printed by both. */
static void test_files(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) {
		ok(0, "%s: cannot open", dir);
		return;
	}
	int files = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (n < 5 || (strcmp(e->d_name + n - 5, ".json") && strcmp(e->d_name + n - 4, ".out")))
			continue;
		char *path = xasprintf("%s/%s", dir, e->d_name);
		size_t len;
		char *text = read_file(path, 1 << 24, &len);
		json_t *theirs = text ? json_loadb(text, len, 0, NULL) : NULL;
		if (theirs) {
			files++;
			json_t *ours = jsonfast_load(text, len, NULL);
			char *a = ours ? jsonfast_dumps(ours, NULL) : NULL, *b = json_dumps(theirs, SORTED);
			ok(a && !strcmp(a, b), "%s: read and printed as jansson does (%zu bytes)", e->d_name, len);
			free(a);
			free(b);
			json_decref(ours);
			json_decref(theirs);
		}
		free(text);
		free(path);
	}
	closedir(d);
	ok(files > 0, "%s: %d JSON files", dir, files);
}

int main(void)
{
	test_reading();
	test_depth();
	test_error();
	test_printing();
	test_files("../shared/testdata/minidumps/rust-minidump");
	test_files("../shared/testdata/minidumps/rust-minidump/expected");
	return done_testing();
}
