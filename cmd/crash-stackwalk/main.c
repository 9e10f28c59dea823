/*
 * crash-stackwalk: one minidump and Breakpad symbol directories in, the
 * symbolized threads and modules out.
 */
#include "conf.h"
#include "output.h"
#include "procstate.h"
#include "symfetch.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static const struct conf_option options[] = {
	{ "format", CONF_STR, "json", "json|text|pipe", "output format" },
	{ "symbols", CONF_LIST, NULL, "DIR", "symbol store (repeatable)" },
	{ "symbol-cache", CONF_STR, NULL, "DIR", "where compiled symbol indexes go (default: beside each .sym)" },
	{ "pretty", CONF_BOOL, "no", NULL, "indent JSON" },
	SYMFETCH_OPTIONS,
	{ NULL, 0, NULL, NULL, NULL },
};

static const char usage[] = "[--format json|text|pipe] [--pretty] [--symbols DIR]... "
    "[--symbol-cache DIR] [--symbols-url URL]... DUMP [SYMDIR...]";

int main(int argc, char **argv)
{
	progname = "crash-stackwalk";
	char **args;
	int nargs;
	struct conf *c = conf_load(options, usage, argc, argv, &args, &nargs);
	if (nargs < 1)
		die(2, "usage: %s %s", progname, usage);
	const char **flags;
	int nflags = conf_list(c, "symbols", &flags);
	const char **roots = xcalloc(nflags + nargs + 1, sizeof *roots);
	int nroots = 0;
	for (int i = 0; i < nflags; i++)
		roots[nroots++] = flags[i];
	for (int i = 1; i < nargs; i++)
		roots[nroots++] = args[i];
	const char *format = conf_str(c, "format");
	if (strcmp(format, "pipe") && strcmp(format, "json") && strcmp(format, "text"))
		die(2, "--format %s: expected json, text or pipe", format);
	struct symfetch sf;
	symfetch_from_conf(c, &sf);

	struct minidump *md = minidump_open(args[0]);
	if (md->status == MD_ERR_OPEN || md->status == MD_ERR_HEADER) {
		log_err("%s", md->status == MD_ERR_OPEN ? md->error : md->error[0] ? md->error : args[0]);
		minidump_free(md);
		return 1;
	}
	if (sf.nurls) {
		symfetch_run(c, roots, nroots, args[0]);
		roots[nroots++] = sf.cache;	/* fetched symbols, after the local stores */
	}
	struct procstate ps;
	procstate_build(&ps, md, roots, nroots, conf_str(c, "symbol-cache"));
	if (!strcmp(format, "json"))
		output_json(stdout, &ps, conf_bool(c, "pretty"));
	else if (!strcmp(format, "text"))
		output_text(stdout, &ps);
	else
		output_pipe(stdout, &ps);
	int status = md->status == MD_OK ? 0 : 1;
	if (status)
		log_err("%s: %s (%s)", args[0], minidump_status_name(md->status), md->error);
	procstate_free(&ps);
	minidump_free(md);
	free(roots);
	free(args);
	conf_free(c);
	return status;
}
