/*
 * symfetch_conf.c: the symbol server options (symfetch.h), apart from the
 * fetching itself, so that crash-stackwalk, which only passes them on to
 * `crash-symbols fetch`, does not load libcurl: a walker is started for
 * every crash, and libcurl's libraries would double its start-up time.
 */
#include "symfetch.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

void symfetch_from_conf(const struct conf *c, struct symfetch *f)
{
	const char **urls;
	*f = (struct symfetch){ 0 };
	f->nurls = conf_list(c, "symbols-url", &urls);
	f->urls = urls;
	f->cache = conf_str(c, "symbols-url-cache");
	f->max_bytes = conf_int(c, "symbols-url-cache-size");
	long long miss = conf_int(c, "symbols-url-miss"), budget = conf_int(c, "symbols-url-budget");
	long long parallel = conf_int(c, "symbols-url-parallel");
	if (miss < 0 || miss > 86400 * 365)
		die(2, "--symbols-url-miss: 0 to a year in seconds");
	if (budget < 1 || budget > 3600)
		die(2, "--symbols-url-budget: 1 to 3600 seconds");
	if (parallel < 1 || parallel > 64)
		die(2, "--symbols-url-parallel: 1 to 64");
	f->miss_seconds = (int)miss;
	f->budget_ms = (int)budget * 1000;
	f->parallel = (int)parallel;
}

char **symfetch_walker_args(const struct conf *c)
{
	const char **urls;
	int n = conf_list(c, "symbols-url", &urls);
	if (n == 0)
		return NULL;
	static const char *const keys[] = { "symbols-url-cache", "symbols-url-cache-size",
		"symbols-url-miss", "symbols-url-budget", "symbols-url-parallel" };
	size_t nkeys = sizeof keys / sizeof *keys, a = 0;
	char **args = xcalloc(2 * (n + nkeys) + 1, sizeof *args);
	for (int i = 0; i < n; i++) {
		args[a++] = xstrdup("--symbols-url");
		args[a++] = xstrdup(urls[i]);
	}
	for (size_t i = 0; i < nkeys; i++) {
		args[a++] = xasprintf("--%s", keys[i]);
		args[a++] = xstrdup(conf_str(c, keys[i]));
	}
	return args;
}

void symfetch_args_free(char **args)
{
	for (size_t i = 0; args && args[i]; i++)
		free(args[i]);
	free(args);
}

int symfetch_run(const struct conf *c, const char *const *roots, int nroots, const char *dump)
{
	char **args = symfetch_walker_args(c);
	if (!args)
		return 0;
	size_t n = 0;
	while (args[n])
		n++;
	char *tool = xasprintf("%s/crash-symbols", exe_dir());
	const char **argv = xcalloc(n + 2 * (size_t)nroots + 6, sizeof *argv);
	size_t a = 0;
	argv[a++] = tool;
	argv[a++] = "fetch";
	argv[a++] = "-q";
	for (int i = 0; i < nroots; i++) {
		argv[a++] = "--symbols";
		argv[a++] = roots[i];
	}
	for (size_t i = 0; i < n; i++)
		argv[a++] = args[i];
	argv[a++] = dump;
	pid_t pid = fork();
	if (pid == 0) {
		/*
		 * Not the walker's stdout (its JSON): fetch's summary line is not
		 * wanted here. Nor its stdin (the paths of the next dumps, with
		 * --serve).
		 */
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
		}
		execv(tool, (char *const *)argv);
		_exit(127);
	}
	int status = -1;
	if (pid < 0)
		log_warn("symbol servers: %s", strerror(errno));
	else
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	if (pid > 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		log_warn("symbol servers: %s fetch failed; walking without them", tool);
	free(argv);
	free(tool);
	symfetch_args_free(args);
	return pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}
