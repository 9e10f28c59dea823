/*
 * tap.h: a TAP-emitting harness for C unit tests, so prove reports each
 * check. Include it in exactly one file per test program.
 */
#ifndef CRASH_TAP_H
#define CRASH_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...) tap_is_int((long long)(got), (long long)(want), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(got, want, ...) tap_is_str((got), (want), __FILE__, __LINE__, __VA_ARGS__)

__attribute__((format(printf, 4, 5)))
static int tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	printf("%s %d - ", pass ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!pass) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return pass;
}

#define TAP_DESC(buf, fmt) \
	char buf[256]; va_list ap; va_start(ap, fmt); vsnprintf(buf, sizeof buf, fmt, ap); va_end(ap)

__attribute__((format(printf, 5, 6)))
static int tap_is_int(long long got, long long want, const char *file, int line, const char *fmt, ...)
{
	TAP_DESC(desc, fmt);
	int pass = tap_ok(got == want, file, line, "%s", desc);
	if (!pass)
		printf("#   got %lld, want %lld\n", got, want);
	return pass;
}

__attribute__((format(printf, 5, 6)))
static int tap_is_str(const char *got, const char *want, const char *file, int line, const char *fmt, ...)
{
	TAP_DESC(desc, fmt);
	int pass = tap_ok(got && want && !strcmp(got, want), file, line, "%s", desc);
	if (!pass)
		printf("#   got '%s', want '%s'\n", got ? got : "(null)", want ? want : "(null)");
	return pass;
}

static int done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
