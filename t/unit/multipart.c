/* Unit tests: the streaming multipart parser, fed in every chunk size. */
#include "multipart.h"
#include "util.h"
#include "tap.h"

#include <stdlib.h>

/* Parts as "name|filename|type=body;" so one string compares all of it. */
static struct buf seen;

static int begin(void *ctx, const struct multipart_part *p)
{
	buf_printf(&seen, "%s|%s|%s=", p->name, p->filename ? p->filename : "-", p->content_type);
	return 0;
}
static int data(void *ctx, const char *d, size_t n)
{
	buf_append(&seen, d, n);
	return 0;
}
static int end(void *ctx)
{
	buf_puts(&seen, ";");
	return 0;
}
static const struct multipart_callbacks cb = { begin, data, end };

/* Parses body in chunks of step bytes; returns 0 or -1 and the reason. */
static int parse(const char *boundary, const char *body, size_t len, size_t step,
    const char **why)
{
	buf_reset(&seen);
	buf_append(&seen, "", 0);
	struct multipart *mp = multipart_new(boundary, &cb, NULL);
	int r = 0;
	for (size_t i = 0; i < len && r == 0; i += step)
		r = multipart_feed(mp, body + i, len - i < step ? len - i : step);
	if (r == 0)
		r = multipart_finish(mp);
	static char reason[64];
	snprintf(reason, sizeof reason, "%s", r ? multipart_error(mp) : "");
	*why = reason;
	multipart_free(mp);
	return r;
}

static const char body[] =
    "preamble to ignore\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"ProductName\"\r\n"
    "\r\n"
    "Firefox\r\n"
    "--XyZ  \r\n"
    "content-disposition: form-data; name=\"upload_file_minidump\"; filename=\"a \\\"b\\\".dmp\"\r\n"
    "Content-Type: application/octet-stream\r\n"
    "\r\n"
    "MDMP\r\n--XyNotTheEnd\r\n\0\x01binary\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=extra; filename=extra.json\r\n"
    "Content-Type: application/json\r\n"
    "\r\n"
    "{\"a\":1}\r\n"
    "--XyZ--\r\n"
    "epilogue";

static const char want[] =
    "ProductName|-|=Firefox;"
    "upload_file_minidump|a \"b\".dmp|application/octet-stream=MDMP\r\n--XyNotTheEnd\r\n\0\x01binary;"
    "extra|extra.json|application/json={\"a\":1};";

static void test_chunkings(void)
{
	const char *why;
	int all_ok = 1;
	for (size_t step = 1; step <= sizeof body; step++) {
		int r = parse("XyZ", body, sizeof body - 1, step, &why);
		if (r || seen.len != sizeof want - 1 || memcmp(seen.data, want, seen.len)) {
			all_ok = 0;
			printf("# step %zu: r=%d why=%s got '%s'\n", step, r, why, seen.data);
			break;
		}
	}
	ok(all_ok, "same parts for every chunk size from 1 to %zu", sizeof body);
}

static void test_errors(void)
{
	const char *why;
	const char *truncated = "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nhalf";
	is_int(parse("b", truncated, strlen(truncated), 7, &why), -1, "truncated body fails");
	is_str(why, "truncated", "reason truncated");
	const char *nobound = "no delimiter at all";
	parse("b", nobound, strlen(nobound), 5, &why);
	is_str(why, "no_parts", "body without the boundary");
	const char *bad = "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nv\r\n--b  junk\r\n";
	parse("b", bad, strlen(bad), 3, &why);
	is_str(why, "bad_boundary", "delimiter padding followed by junk");
	const char *inbody = "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nv\r\n--bX\r\n--b-y\r\n--b--";
	for (size_t step = 1; step < 8; step++)
		parse("b", inbody, strlen(inbody), step, &why);
	is_str(seen.data, "x|-|=v\r\n--bX\r\n--b-y;", "delimiter lookalikes stay body data");
	struct buf big;
	buf_init(&big);
	buf_puts(&big, "--b\r\nX-Long: ");
	for (int i = 0; i < 10000; i++)
		buf_puts(&big, "a");
	parse("b", big.data, big.len, 4096, &why);
	is_str(why, "header_too_long", "endless header line");
	buf_reset(&big);
	buf_puts(&big, "--b\r\n");
	for (int i = 0; i < 40; i++)
		buf_puts(&big, "X-H: v\r\n");
	parse("b", big.data, big.len, 100, &why);
	is_str(why, "too_many_headers", "too many part headers");
	buf_free(&big);
	const char *lf = "--b\nContent-Disposition: form-data; name=\"x\"\n\nv\r\n--b--";
	is_int(parse("b", lf, strlen(lf), 2, &why), 0, "bare LF after delimiter and headers accepted");
	is_str(seen.data, "x|-|=v;", "LF-separated part");
}

static void test_boundary(void)
{
	char *b = multipart_boundary("multipart/form-data; boundary=----abc123");
	is_str(b, "----abc123", "plain boundary");
	free(b);
	b = multipart_boundary("multipart/mixed; charset=utf-8; boundary=\"quoted; b\"");
	is_str(b, "quoted; b", "quoted boundary after another parameter");
	free(b);
	ok(multipart_boundary("multipart/form-data") == NULL, "missing boundary");
	ok(multipart_boundary("multipart/form-data; boundary=") == NULL, "empty boundary");
	ok(multipart_new("", &cb, NULL) == NULL, "empty boundary refused by the parser");
}

int main(void)
{
	buf_init(&seen);
	test_chunkings();
	test_errors();
	test_boundary();
	buf_free(&seen);
	return done_testing();
}
