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
static size_t pieces, largest;	/* part_data calls, and the largest */

static int data(void *ctx, const char *d, size_t n)
{
	buf_append(&seen, d, n);
	pieces++;
	if (n > largest)
		largest = n;
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
	pieces = largest = 0;
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

/*
 * A 200 KB dump of random bytes strewn with delimiter lookalikes (a CR LF
 * and the boundary's first bytes, the boundary with junk after it), then an
 * annotation: the same parts for chunks of every kind of size, and a
 * chunk's bytes handed on in few pieces, not copied through the window.
 */
static void test_large_dump(void)
{
	const char *lookalikes[] = { "\r", "\r\n", "\r\n-", "\r\n--Bound", "\r\n--Boundary9X",
	    "\r\n--Boundary9-", "\r\n--Boundary9-x" };
	struct buf dump, text, want_parts;
	buf_init(&dump);
	buf_init(&text);
	buf_init(&want_parts);
	srand(7);
	while (dump.len < 200000) {
		char c = (char)(rand() & 0xff);
		buf_append(&dump, &c, 1);
		if (rand() % 500 == 0)
			buf_puts(&dump, lookalikes[rand() % 7]);
	}
	buf_puts(&text, "--Boundary9\r\nContent-Disposition: form-data; name=\"upload_file_minidump\"; "
	    "filename=\"d\"\r\nContent-Type: application/octet-stream\r\n\r\n");
	buf_append(&text, dump.data, dump.len);
	buf_puts(&text, "\r\n--Boundary9\r\nContent-Disposition: form-data; name=\"Version\"\r\n\r\n"
	    "121.0\r\n--Boundary9--\r\n");
	buf_puts(&want_parts, "upload_file_minidump|d|application/octet-stream=");
	buf_append(&want_parts, dump.data, dump.len);
	buf_puts(&want_parts, ";Version|-|=121.0;");

	const size_t steps[] = { 1, 2, 13, 15, 16, 17, 63, 64, 1000, 4093, 16384, 16385, 32768,
	    65536, 200000, text.len };
	int all_ok = 1;
	const char *why;
	for (size_t i = 0; i < sizeof steps / sizeof *steps && all_ok; i++) {
		int r = parse("Boundary9", text.data, text.len, steps[i], &why);
		if (r || seen.len != want_parts.len || memcmp(seen.data, want_parts.data, seen.len)) {
			all_ok = 0;
			printf("# step %zu: r=%d why=%s, %zu bytes out of %zu\n", steps[i], r, why,
			    seen.len, want_parts.len);
		}
	}
	ok(all_ok, "200 KB dump with delimiter lookalikes: same parts for chunks of 1 byte to all");
	parse("Boundary9", text.data, text.len, 32768, &why);
	ok(largest > 30000, "32 KB chunks: pieces of up to %zu bytes handed on in place", largest);
	/* Through the window, each of the ~170 full-delimiter lookalikes would cut a piece. */
	ok(pieces < 64, "32 KB chunks: %zu pieces for %zu chunks and ~170 lookalikes", pieces,
	    text.len / 32768 + 1);
	buf_free(&dump);
	buf_free(&text);
	buf_free(&want_parts);
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
	/* Padding after a delimiter: up to 64 bytes, however the body is cut. */
	buf_reset(&big);
	buf_puts(&big, "--b");
	for (int i = 0; i < 70; i++)
		buf_puts(&big, " ");
	buf_puts(&big, "\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nv\r\n--b--");
	int same = 1;
	for (size_t step = 1; step <= big.len; step += 7) {
		parse("b", big.data, big.len, step, &why);
		same &= strcmp(why, "bad_boundary") == 0;
	}
	ok(same, "70 bytes of padding: bad_boundary in pieces of every size and whole");
	buf_reset(&big);
	buf_puts(&big, "--b \t \r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nv\r\n--b--");
	is_int(parse("b", big.data, big.len, 1, &why), 0, "a few bytes of padding, byte by byte");
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
	test_large_dump();
	test_errors();
	test_boundary();
	buf_free(&seen);
	return done_testing();
}
