/*
 * libFuzzer target: the multipart parser. The first byte picks the chunk
 * size so that boundaries fall at every possible place; the parts seen
 * must be the same as when the body comes in one piece (the parser scans
 * a body in the caller's buffer or in its window, depending on where the
 * pieces fall).
 */
#include "multipart.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int begin(void *ctx, const struct multipart_part *p)
{
	buf_printf(ctx, "[%s|%s|%s]", p->name, p->filename ? p->filename : "-", p->content_type);
	return 0;
}
static int data(void *ctx, const char *d, size_t n)
{
	if (n && d[0] == 0x7f && d[n - 1] == 0x7f)
		return -1;	/* sometimes refuse */
	buf_append(ctx, d, n);
	return 0;
}
static int end(void *ctx)
{
	buf_puts(ctx, ";");
	return 0;
}

/* Parses body in pieces of step bytes; what was seen, and the result, in out. */
static void parse(const uint8_t *body, size_t len, size_t step, struct buf *out)
{
	static const struct multipart_callbacks cb = { begin, data, end };
	struct multipart *mp = multipart_new("bnd", &cb, out);
	int r = 0;
	for (size_t i = 0; i < len && r == 0; i += step)
		r = multipart_feed(mp, (const char *)body + i, len - i < step ? len - i : step);
	if (r == 0)
		r = multipart_finish(mp);
	buf_printf(out, "=%d %s", r, r ? multipart_error(mp) : "");
	multipart_free(mp);
}

int LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	if (len < 1)
		return 0;
	size_t step = buf[0] ? buf[0] : 1;
	struct buf pieces, whole;
	buf_init(&pieces);
	buf_init(&whole);
	parse(buf + 1, len - 1, step, &pieces);
	parse(buf + 1, len - 1, len, &whole);
	/*
	 * A refusal depends on where data is cut, and so does whatever follows;
	 * the rest must be the same.
	 */
	bool refused = memmem(pieces.data, pieces.len, "=-1 rejected_part", 17) ||
	    memmem(whole.data, whole.len, "=-1 rejected_part", 17);
	if (!refused && (pieces.len != whole.len || memcmp(pieces.data, whole.data, whole.len)))
		abort();
	buf_free(&pieces);
	buf_free(&whole);
	return 0;
}
