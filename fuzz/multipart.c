/*
 * libFuzzer target: the multipart parser. The first byte picks the chunk
 * size so that boundaries fall at every possible place.
 */
#include "multipart.h"

#include <stdint.h>
#include <string.h>

static int begin(void *ctx, const struct multipart_part *p)
{
	(void)ctx;
	return strlen(p->name) + strlen(p->content_type) > 0 || 1 ? 0 : -1;
}
static int data(void *ctx, const char *d, size_t n)
{
	(void)ctx;
	return n && d[0] == 0x7f && d[n - 1] == 0x7f ? -1 : 0;	/* sometimes refuse */
}
static int end(void *ctx)
{
	(void)ctx;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	static const struct multipart_callbacks cb = { begin, data, end };
	if (len < 1)
		return 0;
	size_t step = buf[0] ? buf[0] : 1;
	struct multipart *mp = multipart_new("bnd", &cb, NULL);
	int r = 0;
	for (size_t i = 1; i < len && r == 0; i += step)
		r = multipart_feed(mp, (const char *)buf + i, len - i < step ? len - i : step);
	if (r == 0)
		multipart_finish(mp);
	multipart_error(mp);
	multipart_free(mp);
	return 0;
}
