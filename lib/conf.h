/*
 * conf.h: configuration shared by every tool (crash.conf(5)).
 *
 * A tool describes its options in a table; each option is both a key in the
 * configuration file ("key = value") and a flag ("--key value" or
 * "--key=value").  Precedence: built-in default < file < command line.
 * The file is --config FILE, else $CRASH_CONF, else /etc/crash/crash.conf
 * when it exists; with no file everything runs on the defaults.
 */
#ifndef CRASH_CONF_H
#define CRASH_CONF_H

#include <stdbool.h>

enum conf_type { CONF_STR, CONF_INT, CONF_SIZE, CONF_BOOL, CONF_LIST };

struct conf_option {
	const char *name;	/* key and long flag */
	enum conf_type type;
	const char *defval;	/* NULL: unset */
	const char *arg;	/* placeholder for the usage text, e.g. "DIR" */
	const char *help;
};

struct conf;

/*
 * The subcommand being run ("expire" of crash-move), set before conf_load:
 * then a [crash-move expire] section applies too, and [crash-move] may
 * hold keys the subcommand does not know.
 */
extern const char *conf_subcommand;

/*
 * Parses the file and argv against opts (terminated by a zero entry).
 * Handles --help (usage, exit 0), --version, --config, -v and -q.
 * Bad usage exits 2.  Positional arguments are left in rest and nrest.
 */
struct conf *conf_load(const struct conf_option *opts, const char *usage,
    int argc, char **argv, char ***rest, int *nrest);
void conf_free(struct conf *c);

/* Parses a configuration file's text into c; returns the number of errors. */
int conf_parse_text(struct conf *c, const char *text, const char *source);
/* An empty configuration over opts, without file or argv (tests, fuzzing). */
struct conf *conf_new(const struct conf_option *opts);

const char *conf_str(const struct conf *c, const char *name);
long long conf_int(const struct conf *c, const char *name);
bool conf_bool(const struct conf *c, const char *name);
/* Repeated options: count and values in the order given. */
int conf_list(const struct conf *c, const char *name, const char ***values);
/* True when set by the file or the command line, not by default. */
bool conf_isset(const struct conf *c, const char *name);

#endif
