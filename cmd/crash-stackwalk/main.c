/*
 * crash-stackwalk: one minidump and Breakpad symbol directories in, the
 * symbolized threads and modules out.
 */
#include "conf.h"
#include "fileio.h"
#include "output.h"
#include "procstate.h"
#include "symfetch.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static const struct conf_option options[] = {
	{ "format", CONF_STR, "json", "json|text|pipe", "output format" },
	{ "symbols", CONF_LIST, NULL, "DIR", "symbol store (repeatable)" },
	{ "symbol-cache", CONF_STR, NULL, "DIR", "where compiled symbol indexes go (default: beside each .sym)" },
	{ "pretty", CONF_BOOL, "no", NULL, "indent JSON" },
	{ "serve", CONF_BOOL, "no", NULL, "walk the dumps named on stdin, for crash-process (see the man page)" },
	SYMFETCH_OPTIONS,
	{ NULL, 0, NULL, NULL, NULL },
};

static const char usage[] = "[--format json|text|pipe] [--pretty] [--symbols DIR]... "
    "[--symbol-cache DIR] [--symbols-url URL]... DUMP [SYMDIR...] | --serve [SYMDIR...]";

/* What one walk needs besides the dump. */
struct walk_env {
	const struct conf *conf;
	const char **roots;	/* room for one more: the fetched symbols */
	int nroots;
	struct symfetch sf;
	const char *format;
	bool pretty;
};

/* Walks one dump into out; 0, or 1 when the dump is damaged or unreadable. */
static int walk(const struct walk_env *e, const char *dump, FILE *out)
{
	struct minidump *md = minidump_open(dump);
	if (md->status == MD_ERR_OPEN || md->status == MD_ERR_HEADER) {
		log_err("%s", md->status == MD_ERR_OPEN ? md->error : md->error[0] ? md->error : dump);
		minidump_free(md);
		return 1;
	}
	int nroots = e->nroots;
	if (e->sf.nurls) {
		symfetch_run(e->conf, e->roots, nroots, dump);
		e->roots[nroots++] = e->sf.cache;	/* fetched symbols, after the local stores */
	}
	struct procstate ps;
	procstate_build(&ps, md, e->roots, nroots, conf_str(e->conf, "symbol-cache"));
	if (!strcmp(e->format, "json"))
		output_json(out, &ps, e->pretty);
	else if (!strcmp(e->format, "text"))
		output_text(out, &ps);
	else
		output_pipe(out, &ps);
	int status = md->status == MD_OK ? 0 : 1;
	if (status)
		log_err("%s: %s (%s)", dump, minidump_status_name(md->status), md->error);
	procstate_free(&ps);
	minidump_free(md);
	return status;
}

/*
 * Gives the next dump the CPU time the walker was started with; false when
 * a hard limit leaves less, and a fresh walker should take the dump.
 */
static bool renew_cpu_budget(rlim_t budget)
{
	struct rlimit lim;
	struct rusage ru;
	if (budget == RLIM_INFINITY || getrlimit(RLIMIT_CPU, &lim) || getrusage(RUSAGE_SELF, &ru))
		return true;
	rlim_t want = ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + 1 + budget;
	if (lim.rlim_max != RLIM_INFINITY && want >= lim.rlim_max)
		return false;
	lim.rlim_cur = want;
	setrlimit(RLIMIT_CPU, &lim);
	return true;
}

/*
 * --serve, for crash-process, which keeps one walker for many dumps: a
 * process start costs more than most walks. Reads dump paths, each ended
 * by a NUL byte, on stdin; answers each with a line "<status> <length>"
 * and that many bytes of JSON on stdout, its messages on stderr first.
 * The soft RLIMIT_CPU it starts with is each dump's budget; when a hard
 * limit leaves less for the next dump, it ends without answering.
 */
static int serve(const struct walk_env *e)
{
	struct rlimit lim;
	rlim_t budget = getrlimit(RLIMIT_CPU, &lim) == 0 ? lim.rlim_cur : RLIM_INFINITY;
	char *dump = NULL, *json = NULL;
	size_t cap = 0, len = 0;
	for (long n = 0; getdelim(&dump, &cap, '\0', stdin) > 0; n++) {
		/* Ending without an answer makes crash-process start a fresh walker. */
		if (n > 0 && !renew_cpu_budget(budget))
			break;
		FILE *mem = open_memstream(&json, &len);
		if (!mem)
			die(1, "open_memstream: %s", strerror(errno));
		int status = walk(e, dump, mem);
		if (fclose(mem) != 0)
			die(1, "out of memory");
		/* One write: each wake-up of the waiting worker costs. */
		char head[32];
		struct iovec iov[2] = {
			{ head, (size_t)snprintf(head, sizeof head, "%d %zu\n", status, len) },
			{ json, len },
		};
		int r = writev_all(1, iov, 2);
		free(json);
		json = NULL;
		if (r < 0)
			break;
	}
	free(dump);
	return 0;
}

int main(int argc, char **argv)
{
	progname = "crash-stackwalk";
	char **args;
	int nargs;
	struct conf *c = conf_load(options, usage, argc, argv, &args, &nargs);
	bool serving = conf_bool(c, "serve");
	if (nargs < (serving ? 0 : 1))
		die(2, "usage: %s %s", progname, usage);
	const char **flags;
	int nflags = conf_list(c, "symbols", &flags);
	const char **roots = xcalloc(nflags + nargs + 1, sizeof *roots);
	int nroots = 0;
	for (int i = 0; i < nflags; i++)
		roots[nroots++] = flags[i];
	for (int i = serving ? 0 : 1; i < nargs; i++)
		roots[nroots++] = args[i];
	struct walk_env e = { c, roots, nroots, { 0 }, conf_str(c, "format"), conf_bool(c, "pretty") };
	if (strcmp(e.format, "pipe") && strcmp(e.format, "json") && strcmp(e.format, "text"))
		die(2, "--format %s: expected json, text or pipe", e.format);
	if (serving)	/* answers are JSON on one line */
		e.format = "json", e.pretty = false;
	symfetch_from_conf(c, &e.sf);
	int status = serving ? serve(&e) : walk(&e, args[0], stdout);
	free(roots);
	free(args);
	conf_free(c);
	return status;
}
