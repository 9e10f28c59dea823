/*
 * Unit tests: signature generation against the shared corpus (every case
 * of cases.ndjson, grouped by the rule it exercises), the normalization
 * cases, and a few hand-made checks per rule.
 */
#include "pystr.h"
#include "sigframe.h"
#include "siglists.h"
#include "signature.h"
#include "util.h"
#include "tap.h"

#include <jansson.h>
#include <stdlib.h>

#define CASES "../shared/testdata/signatures/cases.ndjson"
#define NORMALIZE "../shared/testdata/signatures/normalize-cases.ndjson"
#define SOCORRO_LISTS "../shared/testdata/signatures/siglists-socorro"

static json_t *read_ndjson(const char *path)
{
	json_error_t err;
	json_t *all = json_array();
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	if (!f)
		return all;
	while (getline(&line, &cap, f) > 0) {
		json_t *v = json_loads(line, JSON_ALLOW_NUL, &err);
		if (v)
			json_array_append_new(all, v);
		else
			printf("# %s: %s\n", path, err.text);
	}
	free(line);
	fclose(f);
	return all;
}

static const char *str(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Every case, one check per rule focus, the first failures shown. */
static void corpus_cases(const struct siglists *sl)
{
	json_t *cases = read_ndjson(CASES), *c;
	json_t *failed = json_object(), *total = json_object();
	size_t i;
	is_int(json_array_size(cases), 2062, "cases.ndjson read whole");
	json_array_foreach(cases, i, c) {
		const char *focus = str(c, "rule_focus");
		struct signature sig;
		signature_generate(sl, json_object_get(c, "crash_data"), &sig);
		json_object_set_new(total, focus, json_integer(json_integer_value(json_object_get(total, focus)) + 1));
		if (!same(sig.signature, str(c, "signature")) ||
		    !same(sig.proto_signature, str(c, "proto_signature"))) {
			json_int_t n = json_integer_value(json_object_get(failed, focus));
			if (n < 3)
				printf("# %s: got '%s' want '%s'\n", str(c, "id"), sig.signature, str(c, "signature"));
			json_object_set_new(failed, focus, json_integer(n + 1));
		}
		signature_free(&sig);
	}
	const char *focus;
	json_t *n;
	json_object_foreach(total, focus, n)
		is_int(json_integer_value(json_object_get(failed, focus)), 0,
		    "%s: all %lld cases match", focus, (long long)json_integer_value(n));
	json_decref(cases);
	json_decref(failed);
	json_decref(total);
}

static char *normalize_case(json_t *c)
{
	const char *op = str(c, "op");
	json_t *args = json_object_get(c, "normalize_args");
	const char *fn = str(c, "function");
	if (!strcmp(op, "normalize_frame") || !strcmp(op, "normalize_cpp_function") ||
	    !strcmp(op, "normalize_rust_function")) {
		const char *lines[] = { "fnNeedNumber", NULL };
		char *err;
		struct siglists *sl = siglists_from(NULL, NULL, lines, NULL, &err);
		char *out = !strcmp(op, "normalize_frame")
		    ? sigframe_normalize(sl, json_object_get(c, "frame"), NULL)
		    : !strcmp(op, "normalize_cpp_function")
		    ? sigframe_cpp(sl, fn, json_object_get(c, "line"))
		    : sigframe_rust(sl, fn, json_object_get(c, "line"));
		siglists_free(sl);
		return out;
	}
	if (!strcmp(op, "collapse")) {
		const char *exc[8] = { 0 };
		json_t *e;
		size_t i;
		json_array_foreach(json_object_get(args, "exceptions"), i, e)
			if (i < 7)
				exc[i] = json_string_value(e);
		return sigframe_collapse(fn, str(args, "open_string")[0], str(args, "close_string")[0],
		    str(args, "replacement"), exc);
	}
	if (!strcmp(op, "drop_prefix_and_return_type"))
		return sigframe_drop_prefix_and_return_type(fn);
	if (!strcmp(op, "parse_source_file"))
		return sigframe_source_path(str(c, "file"));
	if (!strcmp(op, "fix_missing_module")) {
		json_t *frame = json_object_get(c, "frame");
		const char *f = str(frame, "function");
		const char *full = f ? sigframe_missing_module(f, str(frame, "file")) : NULL;
		return full ? xstrdup(full) : f ? xstrdup(f) : NULL;
	}
	if (!strcmp(op, "strip_leading_zeros"))
		return sigframe_strip_leading_zeros(str(c, "text"));
	if (!strcmp(op, "drop_bad_characters")) {
		json_t *t = json_object_get(c, "text");
		return signature_printable(json_string_value(t), json_string_length(t));
	}
	if (!strcmp(op, "abort_message"))
		return signature_abort(str(c, "abort_message"), str(c, "signature_before"));
	if (!strcmp(op, "fix_whitespace"))
		return py_collapse_space(str(c, "signature"));
	if (!strcmp(op, "java_exception_normalize_frame"))
		return signature_java_frame(json_object_get(c, "frame"));
	return xstrdup("(unknown op)");
}

static void normalize_cases(void)
{
	json_t *cases = read_ndjson(NORMALIZE), *c;
	size_t i;
	is_int(json_array_size(cases), 132, "normalize-cases.ndjson read whole");
	json_array_foreach(cases, i, c) {
		char *got = normalize_case(c);
		const char *want = str(c, "expected");
		ok(same(got, want), "%s %zu (%s)", str(c, "op"), i, str(c, "source"));
		if (!same(got, want))
			printf("#   got '%s', want '%s'\n", got ? got : "(null)", want ? want : "(null)");
		free(got);
	}
	json_decref(cases);
}

/* Signature of a crash given as JSON text. */
static char *sig_of(const struct siglists *sl, const char *json)
{
	json_error_t err;
	json_t *crash = json_loads(json, 0, &err);
	struct signature sig;
	if (!crash)
		return xstrdup(err.text);
	signature_generate(sl, crash, &sig);
	char *out = xstrdup(sig.signature);
	signature_free(&sig);
	json_decref(crash);
	return out;
}

#define STACK "\"threads\":[{\"frames\":[{\"function\":\"abort\"},{\"function\":\"Foo::Bar(int)\"},{\"function\":\"main\"}]}]"

static void rules(const struct siglists *sl)
{
	static const struct { const char *crash, *want, *what; } t[] = {
		{ "{" STACK "}", "abort | Foo::Bar", "stack: prefix frame continues, arguments dropped" },
		{ "{}", "EMPTY: no frame data available", "stack: no threads" },
		{ "{\"mdsw_status_string\":\"ERROR_MINIDUMP_HEADER_MISMATCH\"}",
		  "EMPTY: no frame data available; ERROR_MINIDUMP_HEADER_MISMATCH", "stackwalker status on EMPTY" },
		{ "{\"reason\":\"EXCEPTION_IN_PAGE_ERROR / STATUS_DEVICE_DATA_ERROR\"," STACK "}",
		  "bad hardware | abort | Foo::Bar", "bad hardware" },
		{ "{\"oom_allocation_size\":1024," STACK "}", "OOM | small", "small OOM" },
		{ "{\"oom_allocation_size\":1048576," STACK "}", "OOM | large | abort | Foo::Bar", "large OOM" },
		{ "{\"abort_message\":\"[1] ###!!! ABORT: out of cheese: file x.cpp, line 2\"," STACK "}",
		  "Abort | out of cheese | abort | Foo::Bar", "abort message" },
		{ "{\"async_shutdown_timeout\":\"{\\\"phase\\\":\\\"quit\\\",\\\"conditions\\\":[\\\"b\\\",{\\\"name\\\":\\\"a\\\"}]}\"}",
		  "AsyncShutdownTimeout | quit | a,b", "async shutdown timeout" },
		{ "{\"crashing_thread\":1,\"threads\":[{\"frames\":[{\"function\":\"Main::Loop\"}]},"
		  "{\"frames\":[{\"function\":\"mozilla::`anonymous namespace'::RunWatchdog(void*)\"}]}]}",
		  "shutdownhang | Main::Loop", "shutdown hang uses thread 0" },
		{ "{\"ipc_channel_error\":\"ShutDownKill\",\"additional_minidumps\":\"upload_file_minidump_browser\"}",
		  "IPCError-browser | ShutDownKill", "IPC channel error" },
		{ "{\"ipc_message_name\":\"PContent::Msg_X\"," STACK "}",
		  "abort | Foo::Bar | IPC_Message_Name=PContent::Msg_X", "IPC message name" },
		{ "{\"reason\":\"EXCEPTION_STACK_OVERFLOW\"," STACK "}", "stackoverflow | abort | Foo::Bar", "stack overflow" },
		{ "{\"hang\":1," STACK "}", "hang: 1 | abort | Foo::Bar", "hang" },
		{ "{\"ipc_channel_error\":\" a\\tb \\u3000 c\"}", "IPCError-content | a b c", "whitespace" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char *got = sig_of(sl, t[i].crash);
		is_str(got, t[i].want, "%s", t[i].what);
		free(got);
	}
	struct buf longsig;
	buf_init(&longsig);
	buf_puts(&longsig, "{\"threads\":[{\"frames\":[{\"function\":\"");
	for (int i = 0; i < 300; i++)
		buf_puts(&longsig, "x");
	buf_puts(&longsig, "\"}]}]}");
	char *got = sig_of(sl, longsig.data);
	is_int(utf8_count(got), 255, "truncated to 255 code points");
	ok(strcmp(got + 252, "...") == 0, "truncation ends in ...");
	free(got);
	buf_free(&longsig);
}

int main(void)
{
	char *err;
	struct siglists *sl = siglists_load(SOCORRO_LISTS, &err);
	if (!ok(sl != NULL, "Socorro's lists load"))
		printf("# %s\n", err);
	else {
		corpus_cases(sl);
		rules(sl);
	}
	normalize_cases();
	struct siglists *bad = siglists_load("/nonexistent", &err);
	ok(!bad && strstr(err, "/nonexistent/"), "a missing list directory is an error naming the file");
	free(err);
	const char *broken[] = { "foo(", NULL };
	bad = siglists_from(broken, NULL, NULL, NULL, &err);
	ok(!bad && strstr(err, "irrelevant_signature_re"), "a broken expression is an error naming the list");
	free(err);
	siglists_free(sl);
	return done_testing();
}
