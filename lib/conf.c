/*
 * conf.c: crash.conf(5) files and command-line flags, one table for both.
 *
 * File syntax: "key = value" lines, '#' comments, and "[tool]" sections.
 * Keys before any section apply to every tool that knows them (tools ignore
 * keys of other tools); keys in "[crash-collect]" apply to that tool only,
 * where an unknown key is an error.
 */

#include "conf.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct conf_value {
	const char **items;	/* one item, or several for CONF_LIST */
	int n;
	bool set;
};

struct conf {
	const struct conf_option *opts;
	int nopts;
	struct conf_value *vals;
};

static int find_opt(const struct conf *c, const char *name, size_t len)
{
	for (int i = 0; i < c->nopts; i++)
		if (strlen(c->opts[i].name) == len &&
		    strncmp(c->opts[i].name, name, len) == 0)
			return i;
	return -1;
}

static bool valid_value(const struct conf_option *o, const char *v)
{
	char *end;
	switch (o->type) {
	case CONF_INT:
		errno = 0;
		strtoll(v, &end, 10);
		return !errno && end != v && *end == 0;
	case CONF_SIZE:
		return parse_size(v) >= 0;
	case CONF_BOOL:
		return !strcmp(v, "yes") || !strcmp(v, "no") ||
		    !strcmp(v, "true") || !strcmp(v, "false") ||
		    !strcmp(v, "1") || !strcmp(v, "0");
	default:
		/* Never meant: an empty --spool or --db would be / or a throwaway database. */
		return *v != 0;
	}
}

/* Sets option i; a list option gains one more value. */
static void set_value(struct conf *c, int i, const char *v)
{
	struct conf_value *cv = &c->vals[i];
	if (c->opts[i].type == CONF_LIST) {
		cv->items = xrealloc(cv->items, (cv->n + 1) * sizeof *cv->items);
		cv->items[cv->n++] = xstrdup(v);
	} else {
		if (cv->n)
			free((char *)cv->items[0]);
		else
			cv->items = xmalloc(sizeof *cv->items);
		cv->items[0] = xstrdup(v);
		cv->n = 1;
	}
	cv->set = true;
}

struct conf *conf_new(const struct conf_option *opts)
{
	struct conf *c = xcalloc(1, sizeof *c);
	c->opts = opts;
	while (opts[c->nopts].name)
		c->nopts++;
	c->vals = xcalloc(c->nopts, sizeof *c->vals);
	for (int i = 0; i < c->nopts; i++)
		if (opts[i].defval) {
			set_value(c, i, opts[i].defval);
			c->vals[i].set = false;
		}
	return c;
}

void conf_free(struct conf *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->nopts; i++) {
		for (int j = 0; j < c->vals[i].n; j++)
			free((char *)c->vals[i].items[j]);
		free(c->vals[i].items);
	}
	free(c->vals);
	free(c);
}

/* Drops a list's default before the first value from a file or flag. */
static void clear_default_list(struct conf *c, int i)
{
	struct conf_value *cv = &c->vals[i];
	if (c->opts[i].type != CONF_LIST || cv->set)
		return;
	for (int j = 0; j < cv->n; j++)
		free((char *)cv->items[j]);
	cv->n = 0;
}

const char *conf_subcommand;

/*
 * [tool] is ours; so is [tool subcommand] when running that subcommand.
 * A section is strict (unknown keys are errors) when it names exactly what
 * runs: [crash-move] holds keys of crash-move's main command that its
 * subcommands do not know, so there it is lenient for them.
 */
static void section_is_ours(const char *name, bool *ours, bool *strict)
{
	size_t n = strlen(progname);
	if (!strcmp(name, progname)) {
		*ours = true;
		*strict = conf_subcommand == NULL;
	} else {
		*ours = *strict = conf_subcommand && !strncmp(name, progname, n) && name[n] == ' ' &&
		    !strcmp(name + n + 1, conf_subcommand);
	}
}

int conf_parse_text(struct conf *c, const char *text, const char *source)
{
	int errors = 0, lineno = 0;
	bool ours = true;	/* inside the global section or our own */
	bool strict = false;	/* inside our own section */
	char *copy = xstrdup(text), *rest = copy;
	/* strsep, not strtok: blank lines must count for the line numbers. */
	for (char *line; (line = strsep(&rest, "\n"));) {
		lineno++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		char *s = strtrim(line);
		if (!*s)
			continue;
		if (*s == '[') {
			char *end = strchr(s, ']');
			if (!end) {
				log_err("%s:%d: unterminated section", source, lineno);
				errors++;
				continue;
			}
			*end = 0;
			section_is_ours(strtrim(s + 1), &ours, &strict);
			continue;
		}
		char *eq = strchr(s, '=');
		if (!eq) {
			log_err("%s:%d: expected 'key = value'", source, lineno);
			errors++;
			continue;
		}
		*eq = 0;
		char *key = strtrim(s), *val = strtrim(eq + 1);
		if (!ours)
			continue;
		int i = find_opt(c, key, strlen(key));
		if (i < 0) {
			if (strict) {
				log_err("%s:%d: unknown key '%s'", source, lineno, key);
				errors++;
			}
			continue;
		}
		if (!valid_value(&c->opts[i], val)) {
			log_err("%s:%d: bad value for %s: '%s'", source, lineno, key, val);
			errors++;
			continue;
		}
		clear_default_list(c, i);
		set_value(c, i, val);
	}
	free(copy);
	return errors;
}

static void print_usage(const struct conf_option *opts, const char *usage, FILE *f)
{
	fprintf(f, "usage: %s %s\n\n", progname, usage);
	for (const struct conf_option *o = opts; o->name; o++) {
		char flag[80];
		snprintf(flag, sizeof flag, "--%s%s%s", o->name,
		    o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(f, "  %-28s %s", flag, o->help);
		if (o->defval && *o->defval)
			fprintf(f, " (default %s)", o->defval);
		fputc('\n', f);
	}
	fprintf(f, "  %-28s %s\n", "--config FILE", "configuration file, see crash.conf(5)");
	fprintf(f, "  %-28s %s\n", "-v, -q", "more, less logging");
	bool own_version = false;
	for (const struct conf_option *o = opts; o->name; o++)
		own_version |= !strcmp(o->name, "version");
	if (own_version)
		fprintf(f, "  %-28s %s\n", "--help", "this text");
	else
		fprintf(f, "  %-28s %s\n", "--help, --version", "this text, the version");
}

/* Finds the configuration file: --config, $CRASH_CONF, /etc/crash/crash.conf. */
static const char *find_config(int argc, char **argv, bool *explicit)
{
	*explicit = true;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--config") && i + 1 < argc)
			return argv[i + 1];
		if (!strncmp(argv[i], "--config=", 9))
			return argv[i] + 9;
	}
	const char *env = getenv("CRASH_CONF");
	if (env && *env)
		return env;
	*explicit = false;
	return "/etc/crash/crash.conf";
}

static void load_file(struct conf *c, int argc, char **argv)
{
	bool explicit;
	const char *path = find_config(argc, argv, &explicit);
	if (!explicit && access(path, F_OK) != 0)
		return;
	char *text = read_file(path, 1 << 20, NULL);
	if (!text)
		die(2, "%s: %s", path, strerror(errno));
	int errors = conf_parse_text(c, text, path);
	free(text);
	if (errors)
		die(2, "%s: %d error%s", path, errors, errors > 1 ? "s" : "");
}

/* Handles one flag at argv[*i]; returns false if it is not an option. */
static bool parse_flag(struct conf *c, const char *usage, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
		print_usage(c->opts, usage, stdout);
		exit(0);
	}
	/* A tool with a "version" option of its own (crash-aggregate) keeps it. */
	if (!strcmp(a, "--version") && find_opt(c, "version", 7) < 0) {
		printf("%s %s\n", progname, CRASH_VERSION);
		exit(0);
	}
	if (!strcmp(a, "-v")) {
		log_threshold = LOG_DEBUG;
		return true;
	}
	if (!strcmp(a, "-q")) {
		log_threshold = LOG_WARN;
		return true;
	}
	if (strncmp(a, "--", 2) != 0)
		return false;
	const char *name = a + 2, *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	if (len == 6 && !strncmp(name, "config", 6)) {
		if (!eq)
			(*i)++;
		return true;
	}
	int k = find_opt(c, name, len);
	bool negated = false;
	if (k < 0 && len > 3 && !strncmp(name, "no-", 3)) {
		k = find_opt(c, name + 3, len - 3);
		negated = k >= 0 && c->opts[k].type == CONF_BOOL;
		if (!negated)
			k = -1;
	}
	if (k < 0) {
		log_err("unknown option --%.*s", (int)len, name);
		print_usage(c->opts, usage, stderr);
		exit(2);
	}
	const char *val;
	if (c->opts[k].type == CONF_BOOL && !eq)
		val = negated ? "no" : "yes";
	else if (eq)
		val = eq + 1;
	else if (*i + 1 < argc)
		val = argv[++*i];
	else
		die(2, "option --%s needs a value", c->opts[k].name);
	if (!valid_value(&c->opts[k], val))
		die(2, "bad value for --%s: '%s'", c->opts[k].name, val);
	clear_default_list(c, k);
	set_value(c, k, val);
	return true;
}

struct conf *conf_load(const struct conf_option *opts, const char *usage,
    int argc, char **argv, char ***rest, int *nrest)
{
	struct conf *c = conf_new(opts);
	load_file(c, argc, argv);
	/* Flags replace lists given in the file: forget the file's entries. */
	bool seen_list_flag[c->nopts];
	memset(seen_list_flag, 0, sizeof seen_list_flag);
	char **pos = xcalloc(argc + 1, sizeof *pos);
	int npos = 0;
	bool only_args = false;
	for (int i = 1; i < argc; i++) {
		if (only_args || argv[i][0] != '-' || !argv[i][1]) {
			pos[npos++] = argv[i];
			continue;
		}
		if (!strcmp(argv[i], "--")) {
			only_args = true;
			continue;
		}
		const char *name = argv[i] + 2;
		const char *eq = strchr(name, '=');
		int k = argv[i][1] == '-' ? find_opt(c, name, eq ? (size_t)(eq - name) : strlen(name)) : -1;
		if (k >= 0 && opts[k].type == CONF_LIST && !seen_list_flag[k]) {
			seen_list_flag[k] = true;
			c->vals[k].set = false;
			clear_default_list(c, k);
		}
		if (!parse_flag(c, usage, argc, argv, &i)) {
			log_err("unknown option %s", argv[i]);
			print_usage(opts, usage, stderr);
			exit(2);
		}
	}
	if (rest)
		*rest = pos;
	else
		free(pos);
	if (nrest)
		*nrest = npos;
	return c;
}

static const struct conf_value *value(const struct conf *c, const char *name)
{
	int i = find_opt(c, name, strlen(name));
	if (i < 0)
		die(1, "internal error: no option '%s'", name);
	return &c->vals[i];
}

const char *conf_str(const struct conf *c, const char *name)
{
	const struct conf_value *v = value(c, name);
	return v->n ? v->items[v->n - 1] : NULL;
}

long long conf_int(const struct conf *c, const char *name)
{
	int i = find_opt(c, name, strlen(name));
	const char *s = conf_str(c, name);
	if (!s)
		return 0;
	return c->opts[i].type == CONF_SIZE ? parse_size(s) : strtoll(s, NULL, 10);
}

bool conf_bool(const struct conf *c, const char *name)
{
	const char *s = conf_str(c, name);
	return s && (!strcmp(s, "yes") || !strcmp(s, "true") || !strcmp(s, "1"));
}

int conf_list(const struct conf *c, const char *name, const char ***values)
{
	const struct conf_value *v = value(c, name);
	*values = v->items;
	return v->n;
}

bool conf_isset(const struct conf *c, const char *name)
{
	return value(c, name)->set;
}
