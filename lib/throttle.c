/*
 * throttle.c: parsing and evaluation of throttle rules.
 *
 *   # name        test                         result
 *   hangs         Hang present                 defer
 *   old           Version ~ "^[0-3]\."         reject
 *   release       ReleaseChannel = release     accept 10% else defer
 *   everything    *                            accept
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "throttle.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <pcre2.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

enum test_op { OP_ALL, OP_EQ, OP_NE, OP_REGEX, OP_PRESENT, OP_ABSENT };

struct rule {
	char *name;
	char *field;
	enum test_op op;
	char *value;
	pcre2_code *re;
	enum throttle_result result, otherwise;
	double percent;		/* share of matches that get result */
};

struct throttle_rules {
	struct rule *rules;
	int n;
};

#define MAX_TOKENS 12

/* Splits a line into white-space separated tokens; "quoted" allowed. */
static int tokenize(char *line, char *tok[MAX_TOKENS], const char **err)
{
	int n = 0;
	char *p = line;
	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '#')
			return n;
		if (n == MAX_TOKENS) {
			*err = "too many words";
			return -1;
		}
		if (*p == '"') {
			char *out = ++p;
			tok[n++] = out;
			while (*p && *p != '"') {
				if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
					p++;
				*out++ = *p++;
			}
			if (*p != '"') {
				*err = "unterminated quote";
				return -1;
			}
			p++;
			*out = 0;
		} else {
			tok[n++] = p;
			while (*p && !isspace((unsigned char)*p))
				p++;
			if (*p)
				*p++ = 0;
		}
	}
}

static int parse_result(const char *s, enum throttle_result *res)
{
	static const char *const names[] = { "accept", "defer", "reject", "fakeaccept" };
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i])) {
			*res = i;
			return 0;
		}
	return -1;
}

static bool valid_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
			return false;
	return true;
}

/* Parses the "RESULT [N%] [else RESULT]" tail of a rule. */
static const char *parse_outcome(struct rule *r, char **tok, int n)
{
	if (n < 1 || parse_result(tok[0], &r->result) < 0)
		return "expected accept, defer, reject or fakeaccept";
	r->percent = 100;
	r->otherwise = THROTTLE_REJECT;
	int i = 1;
	if (i < n && strchr(tok[i], '%')) {
		char *end;
		r->percent = strtod(tok[i], &end);
		if (end == tok[i] || strcmp(end, "%") || r->percent < 0 || r->percent > 100)
			return "bad percentage";
		i++;
	}
	if (i < n) {
		if (strcmp(tok[i], "else") || i + 2 != n ||
		    parse_result(tok[i + 1], &r->otherwise) < 0)
			return "expected 'else RESULT'";
		i += 2;
	}
	return i == n ? NULL : "trailing words";
}

static const char *parse_rule(struct rule *r, char **tok, int n)
{
	if (n < 3)
		return "expected NAME TEST RESULT";
	if (!valid_name(tok[0]))
		return "bad rule name";
	r->name = xstrdup(tok[0]);
	if (!strcmp(tok[1], "*")) {
		r->op = OP_ALL;
		return parse_outcome(r, tok + 2, n - 2);
	}
	r->field = xstrdup(tok[1]);
	const char *op = tok[2];
	if (!strcmp(op, "present") || !strcmp(op, "absent")) {
		r->op = !strcmp(op, "present") ? OP_PRESENT : OP_ABSENT;
		return parse_outcome(r, tok + 3, n - 3);
	}
	if (n < 5)
		return "expected FIELD OP VALUE RESULT";
	if (!strcmp(op, "="))
		r->op = OP_EQ;
	else if (!strcmp(op, "!="))
		r->op = OP_NE;
	else if (!strcmp(op, "~"))
		r->op = OP_REGEX;
	else
		return "unknown test (=, !=, ~, present, absent)";
	r->value = xstrdup(tok[3]);
	if (r->op == OP_REGEX) {
		int code;
		PCRE2_SIZE off;
		r->re = pcre2_compile((PCRE2_SPTR)r->value, PCRE2_ZERO_TERMINATED,
		    PCRE2_UTF, &code, &off, NULL);
		if (!r->re)
			return "bad regular expression";
	}
	return parse_outcome(r, tok + 4, n - 4);
}

struct throttle_rules *throttle_parse(const char *text, const char *source, char **err)
{
	struct throttle_rules *rs = xcalloc(1, sizeof *rs);
	char *copy = xstrdup(text);
	int lineno = 0;
	char *line = copy;
	while (line) {
		char *next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		lineno++;
		char *tok[MAX_TOKENS];
		const char *why = NULL;
		int n = tokenize(line, tok, &why);
		if (n > 0) {
			rs->rules = xrealloc(rs->rules, (rs->n + 1) * sizeof *rs->rules);
			struct rule *r = &rs->rules[rs->n++];
			memset(r, 0, sizeof *r);
			why = parse_rule(r, tok, n);
		}
		if (why) {
			*err = xasprintf("%s:%d: %s", source, lineno, why);
			free(copy);
			throttle_free(rs);
			return NULL;
		}
		line = next;
	}
	free(copy);
	return rs;
}

struct throttle_rules *throttle_load(const char *path, char **err)
{
	char *text = read_file(path, 1 << 20, NULL);
	if (!text) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		return NULL;
	}
	struct throttle_rules *rs = throttle_parse(text, path, err);
	free(text);
	return rs;
}

void throttle_free(struct throttle_rules *rs)
{
	if (!rs)
		return;
	for (int i = 0; i < rs->n; i++) {
		free(rs->rules[i].name);
		free(rs->rules[i].field);
		free(rs->rules[i].value);
		pcre2_code_free(rs->rules[i].re);
	}
	free(rs->rules);
	free(rs);
}

int throttle_count(const struct throttle_rules *rs)
{
	return rs ? rs->n : 0;
}

static bool regex_matches(pcre2_code *re, const char *s)
{
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
	int rc = pcre2_match(re, (PCRE2_SPTR)s, strlen(s), 0, 0, md, NULL);
	pcre2_match_data_free(md);
	return rc >= 0;
}

static bool rule_matches(const struct rule *r, throttle_lookup get, void *ctx)
{
	if (r->op == OP_ALL)
		return true;
	const char *v = get(ctx, r->field);
	switch (r->op) {
	case OP_PRESENT: return v != NULL;
	case OP_ABSENT: return v == NULL;
	case OP_EQ: return v && !strcmp(v, r->value);
	case OP_NE: return !v || strcmp(v, r->value);
	case OP_REGEX: return v && regex_matches(r->re, v);
	default: return false;
	}
}

/* A uniform draw in [0, 100). */
static double percent_draw(void)
{
	uint32_t x;
	if (getrandom(&x, sizeof x, 0) != sizeof x)
		x = (uint32_t)rand();
	return x / 4294967296.0 * 100;
}

enum throttle_result throttle_decide(const struct throttle_rules *rs,
    throttle_lookup get, void *ctx, const char **rule)
{
	for (int i = 0; rs && i < rs->n; i++) {
		const struct rule *r = &rs->rules[i];
		if (!rule_matches(r, get, ctx))
			continue;
		*rule = r->name;
		if (r->percent >= 100 || percent_draw() < r->percent)
			return r->result;
		return r->otherwise;
	}
	*rule = "default";
	return THROTTLE_ACCEPT;
}

const char *throttle_result_name(enum throttle_result res)
{
	static const char *const names[] = { "accept", "defer", "reject", "fakeaccept" };
	return names[res];
}
