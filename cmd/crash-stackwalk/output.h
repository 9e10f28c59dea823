/*
 * output.h: crash-stackwalk's output formats.
 */
#ifndef CRASH_STACKWALK_OUTPUT_H
#define CRASH_STACKWALK_OUTPUT_H

#include "procstate.h"

#include <stdio.h>

void output_pipe(FILE *out, const struct procstate *ps);

#endif
