/*
 * symgc.c: keeps a symbol store (or a cache of one) within an age and a
 * size (symstore.h). Files not used for --max-age days go first,
 * then the least recently used until the store fits in --max-size. Use is
 * the later of the access and modification times (on file systems mounted
 * relatime, the access time moves at most once a day: enough for days).
 * A .sym goes with its compiled index; in a --symbol-cache, which holds
 * indexes alone, each index is an entry of its own.
 */
#define _XOPEN_SOURCE 700
#include "symstore.h"
#include "util.h"

#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct symentry {
	char *path;
	long long bytes;	/* the .sym and its index */
	time_t used;
};

/* nftw(3) takes no context: the walk's state, under a lock. */
static pthread_mutex_t walk_lock = PTHREAD_MUTEX_INITIALIZER;
static struct symentry *entries;
static size_t nentries;
static size_t root_len;

static int collect(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	size_t n = strlen(path);
	/* Below the root, dot names are not symbols: .misses/, .incoming/, temporary files. */
	if (type != FTW_F || strstr(path + root_len, "/."))
		return 0;
	/* A .sym, or an index alone (a --symbol-cache holds only those). */
	bool sym = n > 4 && !strcmp(path + n - 4, ".sym");
	bool lone_index = false;
	if (n > 8 && !strcmp(path + n - 8, ".sym.idx")) {
		char *sibling = xstrndup(path, n - 4);
		lone_index = access(sibling, F_OK) != 0;
		free(sibling);
	}
	if (!sym && !lone_index)
		return 0;
	entries = xrealloc(entries, (nentries + 1) * sizeof *entries);
	struct symentry *e = &entries[nentries++];
	e->path = xstrdup(path);
	e->bytes = st->st_size;
	e->used = st->st_atime > st->st_mtime ? st->st_atime : st->st_mtime;
	char *idx = xasprintf("%s.idx", path);
	struct stat is;
	if (stat(idx, &is) == 0) {
		e->bytes += is.st_size;
		if (is.st_atime > e->used)
			e->used = is.st_atime;
	}
	free(idx);
	return 0;
}

static int by_use(const void *a, const void *b)
{
	const struct symentry *x = a, *y = b;
	return x->used < y->used ? -1 : x->used > y->used;
}

/* Removes a .sym, its index, and the directories it leaves empty. */
static int remove_entry(const char *store, struct symentry *e, const char *why,
    symstore_gc_fn report, void *ctx)
{
	char *idx = xasprintf("%s.idx", e->path);
	int rc = unlink(e->path) == 0 || errno == ENOENT ? 0 : -1;
	if (rc != 0)
		log_err("%s: %s", e->path, strerror(errno));
	unlink(idx);
	free(idx);
	char *dir = xstrdup(e->path);
	for (char *slash; (slash = strrchr(dir, '/')) && strcmp(dir, store) != 0; ) {
		*slash = 0;
		if (strcmp(dir, store) == 0 || rmdir(dir) != 0)
			break;
	}
	free(dir);
	if (report)
		report(ctx, e->path, e->bytes, why);
	return rc;
}

static void free_entries(void)
{
	for (size_t i = 0; i < nentries; i++)
		free(entries[i].path);
	free(entries);
	entries = NULL;
	nentries = 0;
}

int symstore_gc(const char *store, long long max_size, long long max_age_days,
    symstore_gc_fn report, void *ctx, long long *freed_bytes, long long *total_bytes)
{
	pthread_mutex_lock(&walk_lock);
	root_len = strlen(store);
	if (nftw(store, collect, 32, FTW_PHYS) != 0) {
		int saved = errno;
		free_entries();
		pthread_mutex_unlock(&walk_lock);
		errno = saved;
		return -1;
	}
	qsort(entries, nentries, sizeof *entries, by_use);
	long long total = 0, freed = 0;
	int failures = 0;
	for (size_t i = 0; i < nentries; i++)
		total += entries[i].bytes;
	time_t cutoff = time(NULL) - (time_t)max_age_days * 86400;
	for (size_t i = 0; i < nentries; i++) {
		struct symentry *e = &entries[i];
		const char *why = max_age_days > 0 && e->used < cutoff ? "age"
		    : max_size > 0 && total - freed > max_size ? "size" : NULL;
		if (why) {
			failures += remove_entry(store, e, why, report, ctx) != 0;
			freed += e->bytes;
		}
	}
	free_entries();
	pthread_mutex_unlock(&walk_lock);
	if (freed_bytes)
		*freed_bytes = freed;
	if (total_bytes)
		*total_bytes = total;
	return failures;
}
