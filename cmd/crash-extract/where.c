/*
 * where.c: conditions, as in Socorro's search: = exact, != not, ~
 * contains, ^ starts with, $ ends with, @ regular expression (PCRE2),
 * > >= < <= on numbers and dates; __null__ as the value tests for no value.
 * Conditions on columns become SQL; regular expressions and fields of the
 * processed crash are tested here.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "db.h"
#include "extract.h"
#include "util.h"

#include <ctype.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

static const struct { const char *text; enum op op; } ops[] = {
	{ ">=", OP_GE }, { "<=", OP_LE }, { "!=", OP_NE }, { "=", OP_EQ }, { "~", OP_CONTAINS },
	{ "^", OP_PREFIX }, { "$", OP_SUFFIX }, { "@", OP_REGEX }, { ">", OP_GT }, { "<", OP_LT },
};

bool condition_parse(const char *text, struct condition *c)
{
	memset(c, 0, sizeof *c);
	size_t n = strcspn(text, "=!~^$@<> \t");
	char *name = xstrndup(text, n);
	const char *p = text + n;
	while (isspace((unsigned char)*p))
		p++;
	bool found = false;
	for (size_t i = 0; !found && i < sizeof ops / sizeof ops[0]; i++)
		if (!strncmp(p, ops[i].text, strlen(ops[i].text))) {
			c->op = ops[i].op;
			p += strlen(ops[i].text);
			found = true;
		}
	if (!found || !field_parse(name, &c->field)) {
		log_err("--where '%s': want FIELD OP VALUE, OP one of = != ~ ^ $ @ > >= < <=", text);
		free(name);
		return false;
	}
	free(name);
	while (isspace((unsigned char)*p))
		p++;
	bool null_test = !strcmp(p, "__null__");
	if (null_test && c->op != OP_EQ && c->op != OP_NE) {
		log_err("--where '%s': __null__ goes with = or !=", text);
		return false;
	}
	c->value = null_test ? NULL : xstrdup(p);
	if (c->op == OP_REGEX) {
		int code;
		PCRE2_SIZE at;
		c->regex = pcre2_compile((PCRE2_SPTR)c->value, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &code, &at, NULL);
		if (!c->regex) {
			char msg[160];
			pcre2_get_error_message(code, (PCRE2_UCHAR *)msg, sizeof msg);
			log_err("--where '%s': %s", text, msg);
			return false;
		}
	}
	return true;
}

void condition_free(struct condition *c)
{
	field_free(&c->field);
	free(c->value);
	pcre2_code_free(c->regex);
}

bool condition_in_sql(const struct condition *c)
{
	return c->field.column && c->op != OP_REGEX;
}

char *condition_sql(const struct condition *c, struct db *db, int n)
{
	const bool pg = db_kind(db) == DB_POSTGRES;
	const char *f = c->field.name;
	char *text = pg ? xasprintf("%s::text", f) : xstrdup(f);
	char *sql;
	if (!c->value)
		sql = xasprintf("%s IS %sNULL", f, c->op == OP_NE ? "NOT " : "");
	else switch (c->op) {
	case OP_EQ: sql = xasprintf("%s = $%d", f, n); break;
	case OP_NE: sql = xasprintf(pg ? "%s IS DISTINCT FROM $%d" : "%s IS NOT $%d", f, n); break;
	case OP_CONTAINS: sql = xasprintf(pg ? "strpos(%s, $%d) > 0" : "instr(%s, $%d) > 0", text, n); break;
	case OP_PREFIX: sql = xasprintf(pg ? "left(%s, length($%d)) = $%d" : "substr(%s, 1, length($%d)) = $%d", text, n, n); break;
	case OP_SUFFIX: sql = xasprintf(pg ? "right(%s, length($%d)) = $%d" : "substr(%s, -length($%d)) = $%d", text, n, n); break;
	case OP_GT: sql = xasprintf("%s > $%d", f, n); break;
	case OP_GE: sql = xasprintf("%s >= $%d", f, n); break;
	case OP_LT: sql = xasprintf("%s < $%d", f, n); break;
	case OP_LE: sql = xasprintf("%s <= $%d", f, n); break;
	default: sql = xstrdup("false"); break;
	}
	free(text);
	return sql;
}

/* Numbers compare as numbers, anything else (dates included) as text. */
static int compare(const char *a, const char *b)
{
	char *ea, *eb;
	double x = strtod(a, &ea), y = strtod(b, &eb);
	if (ea != a && !*ea && eb != b && !*eb)
		return x < y ? -1 : x > y;
	return strcmp(a, b);
}

bool condition_test(const struct condition *c, const char *value)
{
	if (!c->value)
		return (value == NULL) == (c->op == OP_EQ);
	if (!value)
		return c->op == OP_NE;
	size_t vl = strlen(value), cl = strlen(c->value);
	switch (c->op) {
	case OP_EQ: return strcmp(value, c->value) == 0;
	case OP_NE: return strcmp(value, c->value) != 0;
	case OP_CONTAINS: return strstr(value, c->value) != NULL;
	case OP_PREFIX: return strncmp(value, c->value, cl) == 0;
	case OP_SUFFIX: return vl >= cl && strcmp(value + vl - cl, c->value) == 0;
	case OP_GT: return compare(value, c->value) > 0;
	case OP_GE: return compare(value, c->value) >= 0;
	case OP_LT: return compare(value, c->value) < 0;
	case OP_LE: return compare(value, c->value) <= 0;
	case OP_REGEX: {
		pcre2_match_data *md = pcre2_match_data_create_from_pattern(c->regex, NULL);
		int rc = pcre2_match(c->regex, (PCRE2_SPTR)value, vl, 0, 0, md, NULL);
		pcre2_match_data_free(md);
		return rc >= 0;
	}
	}
	return false;
}
