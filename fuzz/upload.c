/*
 * libFuzzer target: a whole upload (gzip, multipart, annotations, JSON
 * parts, dumps written to a scratch spool, throttle decision). The first
 * byte picks gzip and the chunk size. Crashes are fake-accepted so the
 * scratch spool does not grow.
 */
#include "spool.h"
#include "throttle.h"
#include "upload.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static struct upload_env env;

static void setup(void)
{
	char tmpl[] = "/tmp/crash-fuzz-upload.XXXXXX";
	char *dir = mkdtemp(tmpl), *err = NULL;
	if (!dir)
		abort();
	env.spool = spool_open(dir, SPOOL_SYNC_BATCH, &err);
	env.rules = throttle_parse("all * fakeaccept\n", "fuzz", &err);
	if (!env.spool || !env.rules)
		abort();
	env.limits = upload_default_limits();
	env.limits.max_wire = 1 << 20;
	env.limits.max_decompressed = 4 << 20;
	env.limits.max_annotation = 4096;
	env.limits.max_annotations = 16384;
	log_threshold = LOG_SILENT;
}

int LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	if (!env.spool)
		setup();
	if (len < 1)
		return 0;
	size_t step = (buf[0] & 0x7f) + 1;
	struct upload_reply reply;
	struct upload *u = upload_begin(&env, "multipart/form-data; boundary=bnd",
	    buf[0] & 0x80 ? "gzip" : NULL, -1, "fuzz", &reply);
	if (!u)
		return 0;
	upload_query_param(u, "ProductName", "Fuzz");
	for (size_t i = 1; i < len; i += step)
		if (upload_feed(u, (const char *)buf + i, len - i < step ? len - i : step) < 0)
			break;
	upload_finish(u, &reply);
	upload_free(u);
	return 0;
}
