/*
 * libFuzzer target: the minidump parser and a full walk of every thread
 * (no symbols), with the pipe output written to /dev/null.
 */
#include "minidump.h"
#include "procstate.h"

#include <stdint.h>
#include <stdio.h>

void output_pipe(FILE *out, const struct procstate *ps);

int LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	struct minidump *md = minidump_parse(buf, len);
	struct procstate ps;
	procstate_build(&ps, md, NULL, 0, NULL);
	procstate_free(&ps);
	minidump_free(md);
	return 0;
}
