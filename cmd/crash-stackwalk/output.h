/*
 * output.h: crash-stackwalk's output formats.
 */
#ifndef CRASH_STACKWALK_OUTPUT_H
#define CRASH_STACKWALK_OUTPUT_H

#include "procstate.h"

#include <stdio.h>

#include <jansson.h>
#include <stdbool.h>

void output_pipe(FILE *out, const struct procstate *ps);
void output_json(FILE *out, const struct procstate *ps, bool pretty);
void output_text(FILE *out, const struct procstate *ps);
/* The JSON document itself, for callers that embed it (crash-process). */
json_t *procstate_json(const struct procstate *ps);

#endif
