/*
 * symfetch.h: symbols from remote symbol servers, on demand, into a local
 * cache that is itself a symbol store (Breakpad's layout,
 * <debug_file>/<debug_id>/<name>.sym), so the walker reads fetched
 * symbols like local ones.
 *
 * Before a minidump is walked, the symbols of its modules that no local
 * store and not the cache holds are fetched in parallel, from each server
 * in turn until one has them, within a time budget per crash. A module no
 * server has (404 everywhere) is remembered as missing for a while, so
 * the next crashes do not ask again; a server that fails or is too slow
 * is given a shorter rest. The cache has a size cap: the least recently
 * used files go first (a cached file is touched each time a crash uses
 * it). Bodies may be gzip'ed, by Content-Encoding or as .gz files.
 */
#ifndef CRASH_SYMFETCH_H
#define CRASH_SYMFETCH_H

#include "conf.h"
#include "minidump.h"

/* The keys of crash-stackwalk and crash-process for symbol servers. */
#define SYMFETCH_OPTIONS \
	{ "symbols-url", CONF_LIST, NULL, "URL", "symbol server, <debug_file>/<debug_id>/<name>.sym below it (repeatable)" }, \
	{ "symbols-url-cache", CONF_STR, "symbols-cache", "DIR", "where fetched symbols are kept" }, \
	{ "symbols-url-cache-size", CONF_SIZE, "10G", "BYTES", "the cache's size cap (least recently used go first)" }, \
	{ "symbols-url-miss", CONF_INT, "3600", "SECONDS", "how long a module no server has is not asked for again" }, \
	{ "symbols-url-budget", CONF_INT, "10", "SECONDS", "time for all fetches of one crash" }, \
	{ "symbols-url-parallel", CONF_INT, "8", "N", "fetches at once" }

struct symfetch {
	const char *const *urls;	/* server base URLs, tried in order */
	int nurls;
	const char *cache;		/* the cache directory */
	long long max_bytes;		/* cache size cap; 0: none */
	int miss_seconds;		/* how long a miss is remembered */
	int budget_ms;			/* for all fetches of one crash */
	int parallel;			/* transfers at once */
};

/* Upper bound of one symbol file (Firefox's biggest are a few hundred MB). */
#define SYMFETCH_MAX_FILE (4LL << 30)

/*
 * Fetches into the cache the symbols of md's modules that are in none of
 * roots and not in the cache; the number of files fetched.
 */
int symfetch_modules(const struct symfetch *f, const struct minidump *md,
    const char *const *roots, int nroots);

/* From the SYMFETCH_OPTIONS of c (urls point into c); exits 2 on bad values. */
void symfetch_from_conf(const struct conf *c, struct symfetch *f);
/*
 * The same options as crash-stackwalk arguments, for crash-process to hand
 * to the walker: NULL-terminated, or NULL without symbol servers.
 */
char **symfetch_walker_args(const struct conf *c);
void symfetch_args_free(char **args);
/*
 * What crash-stackwalk does before a walk: `crash-symbols fetch` (beside
 * this program) with these options, the local stores and the dump. 0, or
 * -1 (logged) when it failed: the walk goes on without those symbols.
 */
int symfetch_run(const struct conf *c, const char *const *roots, int nroots, const char *dump);

/* Removes the least recently used files until the cache is under max_bytes. */
void symfetch_evict(const char *cache, long long max_bytes);

#endif
