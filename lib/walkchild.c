/*
 * walkchild.c: crash-stackwalk in a child process under limits.
 *
 * The child gets RLIMIT_CPU and RLIMIT_AS before it executes the walker;
 * the parent reads its output and its errors with poll(2) against a
 * wall-clock deadline and kills it when time is up or the output grows
 * past the limit.
 */
#include "util.h"
#include "walkchild.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_STDERR 4096

/* AddressSanitizer reserves terabytes of shadow memory: no RLIMIT_AS then. */
#if defined(__SANITIZE_ADDRESS__)
#define ADDRESS_LIMIT_WORKS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ADDRESS_LIMIT_WORKS 0
#endif
#endif
#ifndef ADDRESS_LIMIT_WORKS
#define ADDRESS_LIMIT_WORKS 1
#endif

static char **walker_argv(const struct walk_request *req)
{
	size_t n = 0;
	while (req->symbols && req->symbols[n])
		n++;
	size_t nextra = 0;
	while (req->extra_args && req->extra_args[nextra])
		nextra++;
	char **argv = xcalloc(2 * n + nextra + 8, sizeof *argv);
	size_t a = 0;
	argv[a++] = (char *)req->stackwalk;
	argv[a++] = "--format=json";
	argv[a++] = "-q";
	for (size_t i = 0; i < n; i++) {
		argv[a++] = "--symbols";
		argv[a++] = (char *)req->symbols[i];
	}
	if (req->symbol_cache) {
		argv[a++] = "--symbol-cache";
		argv[a++] = (char *)req->symbol_cache;
	}
	for (size_t i = 0; i < nextra; i++)
		argv[a++] = (char *)req->extra_args[i];
	argv[a++] = (char *)req->dump;
	return argv;
}

/*
 * In the child, between vfork and exec: system calls only, on the parent's
 * memory. Its own process group keeps a terminal's ^C for crash-process,
 * which finishes the walks in hand before it stops.
 */
__attribute__((noinline, noreturn))
static void exec_child(char **argv, const struct walk_limits *lim, int out, int err)
{
	struct rlimit cpu = { (rlim_t)lim->cpu_seconds, (rlim_t)lim->cpu_seconds + 1 };
	struct rlimit mem = { (rlim_t)lim->memory_bytes, (rlim_t)lim->memory_bytes };
	if (lim->cpu_seconds > 0)
		setrlimit(RLIMIT_CPU, &cpu);
	if (lim->memory_bytes > 0 && ADDRESS_LIMIT_WORKS)
		setrlimit(RLIMIT_AS, &mem);
	setpgid(0, 0);
	/* Nothing to read: a walker in a background group must not stop on the terminal. */
	int null = open("/dev/null", O_RDONLY);
	if (null > 0) {
		dup2(null, 0);
		close(null);
	}
	dup2(out, 1);
	dup2(err, 2);
	execv(argv[0], argv);
	_exit(127);
}

/* Reads what is ready on fd into b; false at end of file. */
static bool drain(int fd, struct buf *b)
{
	char chunk[65536];
	ssize_t n = read(fd, chunk, sizeof chunk);
	if (n > 0) {
		buf_append(b, chunk, (size_t)n);
		return true;
	}
	return n < 0 && (errno == EINTR || errno == EAGAIN);
}

/* Collects both streams until the child closes them or a limit is hit. */
static const char *collect(int out, int err, const struct walk_limits *lim, double start,
    struct buf *json, struct buf *errors)
{
	struct pollfd fds[2] = { { out, POLLIN, 0 }, { err, POLLIN, 0 } };
	while (fds[0].fd >= 0 || fds[1].fd >= 0) {
		int left = lim->wall_ms <= 0 ? -1 : lim->wall_ms - (int)(now_ms() - start);
		if (lim->wall_ms > 0 && left <= 0)
			return "ERROR_STACKWALKER_TIMEOUT";
		if (poll(fds, 2, left) < 0 && errno != EINTR)
			return "ERROR_STACKWALKER_POLL";
		for (int i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (!drain(fds[i].fd, i ? errors : json))
				fds[i].fd = -1;
		}
		if (json->len > lim->max_output)
			return "ERROR_STACKWALKER_OUTPUT_TOO_LARGE";
		if (errors->len > MAX_STDERR)
			errors->len = MAX_STDERR, errors->data[MAX_STDERR] = 0;
	}
	return NULL;
}

/* The walker's last error line, without its "crash-stackwalk: " prefix. */
static char *last_error_line(struct buf *errors)
{
	if (!errors->len)
		return NULL;
	char *s = xstrdup(errors->data);
	strtrim(s);
	char *nl = strrchr(s, '\n');
	char *line = xstrdup(nl ? nl + 1 : s);
	free(s);
	const char *msg = strncmp(line, "crash-stackwalk: ", 17) == 0 ? line + 17 : line;
	char *out = xstrdup(msg);
	free(line);
	return out;
}

/*
 * Stopped from outside: a signal this file never sends, or a SIGKILL
 * before the walker had used its CPU time (the kernel's hard limit is the
 * only other source: a service manager's final kill, the OOM killer).
 */
static bool interrupted(int wstatus, const struct rusage *ru, const struct walk_limits *lim)
{
	if (!WIFSIGNALED(wstatus))
		return false;
	int sig = WTERMSIG(wstatus);
	double cpu = (double)(ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) +
	    (double)(ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) / 1e6;
	return sig == SIGTERM || sig == SIGINT || sig == SIGHUP || sig == SIGQUIT ||
	    (sig == SIGKILL && (lim->cpu_seconds <= 0 || cpu < lim->cpu_seconds));
}

static const char *exit_status(int wstatus, bool stopped)
{
	if (stopped)
		return "ERROR_STACKWALKER_INTERRUPTED";
	if (WIFSIGNALED(wstatus)) {
		int sig = WTERMSIG(wstatus);
		return sig == SIGXCPU || sig == SIGKILL ? "ERROR_STACKWALKER_CPU_LIMIT"
		    : sig == SIGSEGV || sig == SIGABRT || sig == SIGBUS ? "ERROR_STACKWALKER_CRASHED"
		    : "ERROR_STACKWALKER_KILLED";
	}
	if (WEXITSTATUS(wstatus) == 127)
		return "ERROR_STACKWALKER_NOT_FOUND";
	return WEXITSTATUS(wstatus) == 0 ? NULL : "ERROR_MINIDUMP_UNREADABLE";
}

void walk_isolated(const struct walk_request *req, struct walk_result *out)
{
	memset(out, 0, sizeof *out);
	double start = now_ms();
	int po[2], pe[2];
	if (pipe2(po, O_CLOEXEC) != 0 || pipe2(pe, O_CLOEXEC) != 0) {
		out->status = xstrdup("ERROR_STACKWALKER_SPAWN");
		out->message = xasprintf("pipe: %s", strerror(errno));
		return;
	}
	char **argv = walker_argv(req);
	/*
	 * vfork: no copy of this (multi-threaded, sizeable) process's page
	 * tables for a child that only sets limits and execs; a fork per crash
	 * was a tenth of crash-process's time. exec_child makes system calls
	 * only and never returns.
	 */
	pid_t pid = vfork();
	if (pid == 0)
		exec_child(argv, &req->limits, po[1], pe[1]);
	close(po[1]);
	close(pe[1]);
	struct buf json, errors;
	buf_init(&json);
	buf_init(&errors);
	const char *failure = pid < 0 ? "ERROR_STACKWALKER_SPAWN"
	    : collect(po[0], pe[0], &req->limits, start, &json, &errors);
	int wstatus = 0;
	struct rusage ru = { 0 };
	if (pid > 0) {
		/* The whole group: a wrapper script's children, a symbol fetch. */
		if (failure && kill(-pid, SIGKILL) != 0)
			kill(pid, SIGKILL);
		while (wait4(pid, &wstatus, 0, &ru) < 0 && errno == EINTR)
			;
	}
	close(po[0]);
	close(pe[0]);
	free(argv);
	/* The walker prints what it could read even of a damaged dump. */
	if (!failure && json.len)
		out->json = json_loadb(json.data, json.len, 0, NULL);
	const char *walker_status = json_string_value(json_object_get(out->json, "status"));
	if (!failure) {
		out->interrupted = interrupted(wstatus, &ru, &req->limits);
		failure = exit_status(wstatus, out->interrupted);
	}
	if (failure && walker_status && WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 1)
		failure = walker_status;
	if (!failure && !out->json) {
		failure = "ERROR_STACKWALKER_BAD_OUTPUT";
		out->message = xstrdup("the walker's output is not JSON");
	}
	if (failure && failure != walker_status) {
		json_decref(out->json);
		out->json = NULL;
	}
	if (!out->message)
		out->message = last_error_line(&errors);
	out->status = xstrdup(failure ? failure : walker_status ? walker_status : "OK");
	out->ms = now_ms() - start;
	buf_free(&json);
	buf_free(&errors);
}

void walk_result_free(struct walk_result *r)
{
	json_decref(r->json);
	free(r->status);
	free(r->message);
	memset(r, 0, sizeof *r);
}
