/*
 * libFuzzer target: a whole symbol upload (multipart or bare body, the
 * symupload fields, the MODULE check, .sym and zip files added to a
 * scratch store). The first byte picks the body kind and the chunk size.
 */
#include "symupload.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const tokens[] = { "t" };
static struct symupload_env env = { NULL, tokens, 1, 1 << 20 };

int LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	if (!env.store) {
		char tmpl[] = "/tmp/crash-fuzz-symupload.XXXXXX";
		char *dir = mkdtemp(tmpl);
		if (!dir)
			abort();
		env.store = xstrdup(dir);
		log_threshold = LOG_SILENT;
	}
	if (len < 1)
		return 0;
	size_t step = (buf[0] & 0x3f) + 1;
	struct symupload_reply reply;
	struct symupload *u = symupload_begin(&env, buf[0] & 0x80 ?
	    "multipart/form-data; boundary=bnd" : "application/octet-stream", "Bearer t", -1, &reply);
	if (!u) {
		if (!reply.body)
			abort();
		symupload_reply_free(&reply);
		return 0;
	}
	for (size_t i = 1; i < len; i += step)
		symupload_feed(u, (const char *)buf + i, len - i < step ? len - i : step);
	symupload_finish(u, &reply);
	if (!reply.body)	/* every answer has a body the collector can send */
		abort();
	symupload_reply_free(&reply);
	symupload_free(u);
	return 0;
}
