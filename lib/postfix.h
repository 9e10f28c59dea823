/*
 * postfix.h: the postfix expressions of Breakpad CFI rules and STACK WIN
 * programs, e.g. ".cfa: $rsp 8 +" or "$T0 $ebp = $eip $T0 4 + ^ =".
 *
 * Operands are numbers and variable names ($reg, .cfa, .ra, $T0, .raSearch);
 * binary operators + - * / % and @ (align down), unary ^ (dereference),
 * and = (assign, in programs only).
 */
#ifndef CRASH_POSTFIX_H
#define CRASH_POSTFIX_H

#include <stdbool.h>
#include <stdint.h>

#define POSTFIX_MAX_VARS 48

/* Variables by name, with a value each. */
struct postfix_vars {
	int n;
	char name[POSTFIX_MAX_VARS][16];
	uint64_t value[POSTFIX_MAX_VARS];
};

/* Reads memory for ^; returns false when the address is not readable. */
typedef bool (*postfix_read)(void *ctx, uint64_t addr, uint64_t *value);

void postfix_set(struct postfix_vars *v, const char *name, uint64_t value);
bool postfix_get(const struct postfix_vars *v, const char *name, uint64_t *value);

/*
 * Evaluates expr (len bytes) to one value. word_size is 4 or 8 (the width
 * of a dereference and of arithmetic). False on a malformed expression,
 * an unknown variable, division by zero or unreadable memory.
 */
bool postfix_eval(const char *expr, unsigned long len, const struct postfix_vars *v,
    int word_size, postfix_read read, void *ctx, uint64_t *result);
/* Runs a program of assignments, updating v. */
bool postfix_run(const char *program, struct postfix_vars *v, int word_size,
    postfix_read read, void *ctx);
/* The same, also recording each assigned name in assigned (its names only matter). */
bool postfix_run_tracked(const char *program, struct postfix_vars *v, int word_size,
    postfix_read read, void *ctx, struct postfix_vars *assigned);
/* Whether a name was assigned in a run tracked into assigned. */
bool postfix_assigned(const struct postfix_vars *assigned, const char *name);

#endif
