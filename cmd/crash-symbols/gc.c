/*
 * gc.c: `crash-symbols gc`: keeps a symbol store (or a cache of one)
 * within an age and a size (symstore_gc), one NDJSON line per file removed.
 */
#include "gc.h"
#include "symstore.h"
#include "util.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

static void print_removed(void *ctx, const char *path, long long bytes, const char *why)
{
	json_t *line = json_pack("{s:o,s:I,s:s}", "path", json_text(path), "bytes", (json_int_t)bytes, "why", why);
	char *s = json_dumps(line, JSON_COMPACT);
	puts(s);
	free(s);
	json_decref(line);
}

int gc_main(const char *store, long long max_size, long long max_age_days)
{
	if (max_size <= 0 && max_age_days <= 0)
		die(2, "gc: give --max-size or --max-age");
	long long freed, total;
	int failures = symstore_gc(store, max_size, max_age_days, print_removed, NULL, &freed, &total);
	if (failures < 0)
		die(1, "%s: %s", store, strerror(errno));
	log_info("gc: %lld of %lld bytes freed", freed, total);
	return failures ? 1 : 0;
}
