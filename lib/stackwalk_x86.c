/*
 * stackwalk_x86.c: finding the caller of an x86 frame. Not yet: only the
 * context frame of x86 threads is reported until this unwinder lands.
 */
#include "stackwalk.h"

bool stackwalk_x86_caller(struct walker *w, const struct frame *frames, int n,
    struct frame *caller)
{
	(void)w; (void)frames; (void)n; (void)caller;
	return false;
}
