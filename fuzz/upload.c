/*
 * libFuzzer target: a whole upload (gzip, multipart, annotations, JSON
 * parts, dumps written to a scratch spool, throttle decision). The first
 * byte picks gzip, the throttle result (accept, so that the raw crash is
 * written and committed, or fakeaccept) and the chunk size. Accepted
 * crashes are removed again so the scratch spool does not grow.
 */
#include "spool.h"
#include "throttle.h"
#include "upload.h"
#include "util.h"

#include "fileio.h"

#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

static struct upload_env env;
static struct throttle_rules *accept_all, *fake_all;
static int newfd;

static void setup(void)
{
	char tmpl[] = "/tmp/crash-fuzz-upload.XXXXXX";
	char *dir = mkdtemp(tmpl), *err = NULL;
	if (!dir)
		abort();
	env.spool = spool_open(dir, SPOOL_SYNC_BATCH, &err);
	accept_all = throttle_parse("all * accept\n", "fuzz", &err);
	fake_all = throttle_parse("all * fakeaccept\n", "fuzz", &err);
	char *newdir = xasprintf("%s/new", dir);
	newfd = open(newdir, O_RDONLY | O_DIRECTORY);
	free(newdir);
	if (!env.spool || !accept_all || !fake_all || newfd < 0)
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
	size_t step = (buf[0] & 0x3f) + 1;
	struct upload_reply reply;
	struct upload *u = upload_begin(&env, "multipart/form-data; boundary=bnd",
	    buf[0] & 0x80 ? "gzip" : NULL, -1, "fuzz", &reply);
	if (!u)
		return 0;
	upload_query_param(u, "ProductName", "Fuzz");
	for (size_t i = 1; i < len; i += step)
		if (upload_feed(u, (const char *)buf + i, len - i < step ? len - i : step) < 0)
			break;
	upload_finish(u, buf[0] & 0x40 ? fake_all : accept_all, &reply);
	upload_free(u);
	if (reply.crash_id[0])
		rm_rf_at(newfd, reply.crash_id);
	return 0;
}
