/*
 * walkchild.h: running crash-stackwalk on dumps in a child process with
 * CPU-time, memory and wall-clock limits, so that a hostile dump can
 * neither hang nor kill the process that asked.
 */
#ifndef CRASH_WALKCHILD_H
#define CRASH_WALKCHILD_H

#include <jansson.h>
#include <stdbool.h>

struct walk_limits {
	int cpu_seconds;		/* RLIMIT_CPU */
	long long memory_bytes;		/* RLIMIT_AS */
	int wall_ms;			/* killed past this */
	size_t max_output;		/* JSON larger than this is refused */
};

struct walk_request {
	const char *stackwalk;		/* the crash-stackwalk binary */
	const char *dump;		/* path of the minidump */
	const char *const *symbols;	/* symbol directories, NULL-terminated */
	const char *symbol_cache;	/* may be NULL */
	struct walk_limits limits;
	const char *const *extra_args;	/* more options (symbol servers), NULL-terminated, or NULL */
};

struct walk_result {
	json_t *json;		/* the stackwalker's JSON, or NULL */
	char *status;		/* "OK", or why not: ERROR_STACKWALKER_TIMEOUT, ... */
	char *message;		/* its error message, if any */
	bool interrupted;	/* stopped by a signal from outside: not the dump's fault */
	double ms;
};

/*
 * A walker: one crash-stackwalk --serve child, started at the first dump
 * and kept for the next ones (one per thread; never shared).
 */
struct walker;
/*
 * The caller must ignore SIGPIPE: a walker that died between dumps is
 * seen as EPIPE when the next path is written to it (and replaced).
 */
struct walker *walker_new(void);
/* Ends the child, if any. */
void walker_free(struct walker *w);

/*
 * Walks one dump through w's child. Never fails as a call: what went wrong
 * is in the result. A request's walker options must be the same for every
 * dump of one walker.
 */
void walker_walk(struct walker *w, const struct walk_request *req, struct walk_result *out);
void walk_result_free(struct walk_result *r);

#endif
