/*
 * process.h: turning a raw crash and its dumps into a processed crash,
 * by a list of named processor rules run in order. A rule that fails adds
 * a note to processor_notes and processing goes on.
 */
#ifndef CRASH_PROCESS_H
#define CRASH_PROCESS_H

#include "walkchild.h"

#include <jansson.h>
#include <stdbool.h>

struct siglists;

struct processor {
	const char *stackwalk;		/* the crash-stackwalk binary */
	const char *const *symbols;	/* symbol directories, NULL-terminated */
	const char *symbol_cache;	/* may be NULL */
	struct walk_limits limits;
	const char *const *walker_args;	/* more crash-stackwalk options, or NULL */
	const struct siglists *sl;
	struct walker *walker;		/* the calling thread's own */
};

struct raw_input {
	const char *crash_id;
	json_t *raw;				/* the raw crash */
	const char *const *dump_names;		/* NULL-terminated */
	const char *const *dump_paths;		/* the dumps, same order */
};

/*
 * The processed crash (new reference); never NULL. *interrupted is set
 * when a walker was stopped by a signal from outside (a service stopping):
 * the result is then not the crash's and must not be kept.
 */
json_t *process_crash(const struct processor *p, const struct raw_input *in, bool *interrupted);

/* The rules' names, in the order they run (for crash-process(1)). */
extern const char *const process_rule_names[];

#endif
