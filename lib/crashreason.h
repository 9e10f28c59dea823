/*
 * crashreason.h: an exception record in words, as Breakpad's processor
 * and Socorro name it ("SIGSEGV /SEGV_MAPERR",
 * "EXCEPTION_ACCESS_VIOLATION_READ"), and the address that goes with it.
 */
#ifndef CRASH_CRASHREASON_H
#define CRASH_CRASHREASON_H

#include "minidump.h"

/* Writes the reason into out and returns the crash address. */
uint64_t crash_reason(const struct minidump *md, char *out, unsigned long outlen);

#endif
