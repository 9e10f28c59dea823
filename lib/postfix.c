/*
 * postfix.c: a small stack machine for CFI rules and STACK WIN programs.
 */
#include "postfix.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define STACK_DEPTH 32

/* An operand: a value, or (for the left side of =) a variable name. */
struct item {
	uint64_t value;
	char name[16];
	bool is_name;
};

void postfix_set(struct postfix_vars *v, const char *name, uint64_t value)
{
	for (int i = 0; i < v->n; i++)
		if (!strcmp(v->name[i], name)) {
			v->value[i] = value;
			return;
		}
	if (v->n == POSTFIX_MAX_VARS || strlen(name) >= sizeof v->name[0])
		return;
	strcpy(v->name[v->n], name);
	v->value[v->n++] = value;
}

bool postfix_get(const struct postfix_vars *v, const char *name, uint64_t *value)
{
	for (int i = 0; i < v->n; i++)
		if (!strcmp(v->name[i], name)) {
			*value = v->value[i];
			return true;
		}
	return false;
}

static uint64_t mask(uint64_t x, int word_size)
{
	return word_size == 4 ? (uint32_t)x : x;
}

static bool parse_number(const char *tok, uint64_t *out)
{
	char *end;
	const char *s = tok;
	bool neg = *s == '-';
	if (neg)
		s++;
	if (!isdigit((unsigned char)*s))
		return false;
	uint64_t v = strtoull(s, &end, s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 16 : 10);
	if (*end)
		return false;
	*out = neg ? -v : v;
	return true;
}

static bool binary(char op, uint64_t a, uint64_t b, int ws, uint64_t *r)
{
	switch (op) {
	case '+': *r = a + b; break;
	case '-': *r = a - b; break;
	case '*': *r = a * b; break;
	case '/':
		if (!b)
			return false;
		*r = ws == 4 ? (uint64_t)((int32_t)a / (int32_t)b) : (uint64_t)((int64_t)a / (int64_t)b);
		break;
	case '%':
		if (!b)
			return false;
		*r = ws == 4 ? (uint64_t)((int32_t)a % (int32_t)b) : (uint64_t)((int64_t)a % (int64_t)b);
		break;
	case '@':
		if (!b)
			return false;
		*r = a & -b;	/* align down to a power of two */
		break;
	default:
		return false;
	}
	*r = mask(*r, ws);
	return true;
}

static bool value_of(const struct item *it, const struct postfix_vars *v, uint64_t *out)
{
	if (!it->is_name) {
		*out = it->value;
		return true;
	}
	return postfix_get(v, it->name, out);
}

/*
 * The machine: runs tokens of s; with assign, '=' stores into vars.
 * Returns the stack depth left, or -1 on error.
 */
static int run(const char *s, unsigned long len, struct postfix_vars *vars, bool assign,
    int ws, postfix_read read, void *ctx, struct item *stack, struct postfix_vars *assigned)
{
	int sp = 0;
	unsigned long i = 0;
	while (i < len) {
		while (i < len && isspace((unsigned char)s[i]))
			i++;
		if (i == len)
			break;
		char tok[64];
		unsigned long n = 0;
		while (i < len && !isspace((unsigned char)s[i]) && n + 1 < sizeof tok)
			tok[n++] = s[i++];
		tok[n] = 0;
		if (n > 1 && tok[0] == '=') {
			/* "=$eip": MSVC's programs glue = to the next name. */
			i -= n - 1;
			n = 1;
			tok[1] = 0;
		}
		if (n == 1 && strchr("+-*/%@", tok[0])) {
			uint64_t a, b, r;
			if (sp < 2 || !value_of(&stack[sp - 2], vars, &a) ||
			    !value_of(&stack[sp - 1], vars, &b) || !binary(tok[0], a, b, ws, &r))
				return -1;
			sp -= 2;
			stack[sp++] = (struct item){ .value = r };
		} else if (n == 1 && tok[0] == '^') {
			uint64_t a, r;
			if (sp < 1 || !value_of(&stack[sp - 1], vars, &a) || !read(ctx, a, &r))
				return -1;
			stack[sp - 1] = (struct item){ .value = mask(r, ws) };
		} else if (n == 1 && tok[0] == '=') {
			uint64_t b;
			if (!assign || sp < 2 || !stack[sp - 2].is_name ||
			    !value_of(&stack[sp - 1], vars, &b))
				return -1;
			if (stack[sp - 2].name[0] != '$')
				return -1;
			postfix_set(vars, stack[sp - 2].name, b);
			if (assigned)
				postfix_set(assigned, stack[sp - 2].name, 1);
			sp -= 2;
		} else {
			if (sp == STACK_DEPTH)
				return -1;
			struct item it = { 0 };
			if (!parse_number(tok, &it.value)) {
				/* $reg and .cfa, or bare names (x29, sp) on ARM. */
				if (n >= sizeof it.name || !(tok[0] == '$' || tok[0] == '.' ||
				    isalpha((unsigned char)tok[0])))
					return -1;
				strcpy(it.name, tok);
				it.is_name = true;
			}
			stack[sp++] = it;
		}
	}
	return sp;
}

bool postfix_eval(const char *expr, unsigned long len, const struct postfix_vars *v,
    int word_size, postfix_read read, void *ctx, uint64_t *result)
{
	struct item stack[STACK_DEPTH];
	int sp = run(expr, len, (struct postfix_vars *)v, false, word_size, read, ctx, stack, NULL);
	return sp == 1 && value_of(&stack[0], v, result);
}

bool postfix_run(const char *program, struct postfix_vars *v, int word_size,
    postfix_read read, void *ctx)
{
	struct item stack[STACK_DEPTH];
	return run(program, strlen(program), v, true, word_size, read, ctx, stack, NULL) == 0;
}

bool postfix_run_tracked(const char *program, struct postfix_vars *v, int word_size,
    postfix_read read, void *ctx, struct postfix_vars *assigned)
{
	struct item stack[STACK_DEPTH];
	assigned->n = 0;
	return run(program, strlen(program), v, true, word_size, read, ctx, stack, assigned) == 0;
}

bool postfix_assigned(const struct postfix_vars *assigned, const char *name)
{
	uint64_t unused;
	return postfix_get(assigned, name, &unused);
}
