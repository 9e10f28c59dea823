/*
 * procstate.h: a processed minidump: which thread crashed and why, and
 * every thread walked into frames. What crash-stackwalk prints in each of
 * its formats, and what crash-process stores.
 */
#ifndef CRASH_PROCSTATE_H
#define CRASH_PROCSTATE_H

#include "minidump.h"
#include "stackwalk.h"

struct procstate {
	struct minidump *md;
	struct resolver res;
	struct thread_stack *threads;	/* every thread, in the dump's order */
	int nthreads;
	int requesting;			/* index into threads, or -1 */
	char reason_short[160];		/* the reason without unknown sub-codes */
	bool crashed;
	char reason[160];
	uint64_t crash_address;
};

/* Walks every thread of md with symbols from roots. */
void procstate_build(struct procstate *ps, struct minidump *md,
    const char *const *roots, int nroots, const char *cache_dir);
void procstate_free(struct procstate *ps);

/* "Linux", "Windows NT", ... and "major.minor.build csd". */
const char *procstate_os(const struct minidump *md, char *buf, unsigned long len);
void procstate_os_version(const struct minidump *md, char *out, unsigned long len);
/* "amd64", "x86", ... and "family 6 model 45 stepping 7". */
const char *procstate_cpu(const struct minidump *md, char *buf, unsigned long len);
void procstate_cpu_info(const struct minidump *md, char *out, unsigned long len);
/* The module indexes in ascending order of base address. */
int *procstate_modules_by_base(const struct minidump *md);

#endif
