/*
 * walkchild.c: crash-stackwalk in a child process under limits.
 *
 * Each worker keeps one walker child (crash-stackwalk --serve) for many
 * dumps, since starting a process costs more than most walks. It gets
 * RLIMIT_CPU (renewed by the walker for every dump) and RLIMIT_AS before
 * it executes the walker; the parent writes it a dump's path, reads the
 * answer and the messages with poll(2) against a wall-clock deadline, and
 * kills it when time is up, the answer grows past the limit or is not
 * one. A killed or dead child is replaced at the next dump, and every
 * child retires after WALKS_PER_CHILD dumps.
 */
#include "fileio.h"
#include "jsonfast.h"
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
#define WALKS_PER_CHILD 1000

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

struct walker {
	pid_t pid;		/* 0: none running */
	int in, out, err;	/* its stdin, stdout and stderr, from here */
	int walks;		/* dumps it has been sent */
};

/* crash-stackwalk --serve, its options; the dumps come on its stdin. */
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
	argv[a++] = "--serve";
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
	return argv;
}

/*
 * In the child, between vfork and exec: system calls only, on the parent's
 * memory. Its own process group keeps a terminal's ^C for crash-process,
 * which finishes the walks in hand before it stops. Only the soft CPU
 * limit is set: the walker renews it for every dump, and its SIGXCPU is
 * the sign of a dump that used up its time.
 */
__attribute__((noinline, noreturn))
static void exec_child(char **argv, const struct walk_limits *lim, const int fds[3])
{
	struct rlimit cpu;
	if (lim->cpu_seconds > 0 && getrlimit(RLIMIT_CPU, &cpu) == 0) {
		/* Under an inherited hard limit, SIGXCPU must still come first. */
		cpu.rlim_cur = (rlim_t)lim->cpu_seconds;
		if (cpu.rlim_max != RLIM_INFINITY && cpu.rlim_cur >= cpu.rlim_max)
			cpu.rlim_cur = cpu.rlim_max > 1 ? cpu.rlim_max - 1 : cpu.rlim_max;
		setrlimit(RLIMIT_CPU, &cpu);
	}
	struct rlimit mem = { (rlim_t)lim->memory_bytes, (rlim_t)lim->memory_bytes };
	if (lim->memory_bytes > 0 && ADDRESS_LIMIT_WORKS)
		setrlimit(RLIMIT_AS, &mem);
	setpgid(0, 0);
	for (int i = 0; i < 3; i++) {
		if (fds[i] == i)	/* this process ran with fd i closed */
			fcntl(i, F_SETFD, 0);
		else
			dup2(fds[i], i);
	}
	execv(argv[0], argv);
	_exit(127);
}

struct walker *walker_new(void)
{
	struct walker *w = xcalloc(1, sizeof *w);
	w->in = w->out = w->err = -1;
	return w;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int start(struct walker *w, const struct walk_request *req)
{
	int pin[2] = { -1, -1 }, pout[2] = { -1, -1 }, perr[2] = { -1, -1 };
	pid_t pid = -1;
	if (pipe2(pin, O_CLOEXEC) == 0 && pipe2(pout, O_CLOEXEC) == 0 &&
	    pipe2(perr, O_CLOEXEC) == 0) {
		char **argv = walker_argv(req);
		const int child_fds[3] = { pin[0], pout[1], perr[1] };
		/*
		 * vfork: no copy of this (multi-threaded, sizeable) process's
		 * page tables for a child that only sets limits and execs.
		 */
		pid = vfork();
		if (pid == 0)
			exec_child(argv, &req->limits, child_fds);
		free(argv);
	}
	int saved = errno;	/* of a failed pipe2 or vfork */
	close_fd(&pin[0]);
	close_fd(&pout[1]);
	close_fd(&perr[1]);
	w->in = pin[1];
	w->out = pout[0];
	w->err = perr[0];
	if (pid < 0) {
		close_fd(&w->in);
		close_fd(&w->out);
		close_fd(&w->err);
		errno = saved;
		return -1;
	}
	fcntl(w->out, F_SETFL, O_NONBLOCK);
	fcntl(w->err, F_SETFL, O_NONBLOCK);
	w->pid = pid;
	w->walks = 0;
	return 0;
}

/* Drops the pipes to a child that is gone and reaped: its pid may be another process's now. */
static void forget_child(struct walker *w)
{
	close_fd(&w->in);
	close_fd(&w->out);
	close_fd(&w->err);
	w->pid = 0;
}

/* Ends the child, killing its group first when kill_it; its wait status. */
static int stop(struct walker *w, bool kill_it)
{
	int wstatus = 0;
	if (!w->pid)
		return 0;	/* never kill(0): that is this process's own group */
	close_fd(&w->in);
	if (kill_it && kill(-w->pid, SIGKILL) != 0)
		kill(w->pid, SIGKILL);
	while (waitpid(w->pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	forget_child(w);
	return wstatus;
}

/*
 * Waits up to ms for a child that is going away (its input or its output
 * closed), then kills it: its wait status, and *late when it had to be
 * killed.
 */
static int reap(struct walker *w, double ms, bool *late)
{
	double until = now_ms() + ms;
	int wstatus = 0;
	pid_t r;
	close_fd(&w->in);
	while (((r = waitpid(w->pid, &wstatus, WNOHANG)) == 0 || (r < 0 && errno == EINTR)) &&
	    now_ms() < until)
		usleep(5000);
	*late = r == 0 || (r < 0 && errno == EINTR);
	if (*late)
		return stop(w, true);
	forget_child(w);
	return wstatus;
}

/* read(2) into b: its result, EINTR retried. */
static ssize_t read_into(int fd, struct buf *b)
{
	char chunk[65536];
	ssize_t n;
	while ((n = read(fd, chunk, sizeof chunk)) < 0 && errno == EINTR)
		;
	if (n > 0)
		buf_append(b, chunk, (size_t)n);
	return n;
}

/*
 * The answer so far: -1 when its header "<status> <length>\n" is not one;
 * else *hlen is the header's length (0 until it is in) and the result
 * says whether the whole answer is in.
 */
static int answer_in(const struct buf *out, int *status, size_t *hlen, size_t *jlen)
{
	*hlen = 0;
	const char *nl = out->len ? memchr(out->data, '\n', out->len) : NULL;
	if (!nl)
		return out->len > 32 ? -1 : 0;
	char *end;
	long st = strtol(out->data, &end, 10);
	if (end == out->data || *end != ' ' || st < 0 || st > 1)
		return -1;
	unsigned long long n = strtoull(end + 1, &end, 10);
	if (end != nl)
		return -1;
	*status = (int)st;
	*hlen = nl + 1 - out->data;
	*jlen = n;
	return out->len - *hlen >= n;
}

/* Reads the child's messages, keeping the first MAX_STDERR bytes; false at their end. */
static bool read_errors(int fd, struct buf *errors)
{
	ssize_t n;
	while ((n = read_into(fd, errors)) > 0)
		if (errors->len > MAX_STDERR)
			errors->len = MAX_STDERR, errors->data[MAX_STDERR] = 0;
	return n < 0 && errno == EAGAIN;
}

/*
 * Waits for the answer to one dump, and its messages, until it is whole,
 * the child closes its output or a limit is hit: NULL when the answer
 * came, "" when the child went away (its wait status says why), else the
 * failure.
 */
static const char *collect(struct walker *w, const struct walk_limits *lim, double start,
    struct buf *out, struct buf *errors, int *status, size_t *hlen, size_t *jlen)
{
	struct pollfd fds[2] = { { w->out, POLLIN, 0 }, { w->err, POLLIN, 0 } };
	for (;;) {
		int whole = answer_in(out, status, hlen, jlen);
		if (whole < 0)
			return "ERROR_STACKWALKER_BAD_OUTPUT";
		if (*hlen && *jlen > lim->max_output)
			return "ERROR_STACKWALKER_OUTPUT_TOO_LARGE";
		if (whole) {
			/* Its messages for this dump went out before the answer. */
			read_errors(w->err, errors);
			return NULL;
		}
		int left = lim->wall_ms <= 0 ? -1 : lim->wall_ms - (int)(now_ms() - start);
		if (lim->wall_ms > 0 && left <= 0)
			return "ERROR_STACKWALKER_TIMEOUT";
		if (poll(fds, 2, left) < 0 && errno != EINTR)
			return "ERROR_STACKWALKER_POLL";
		if (fds[1].revents && !read_errors(w->err, errors))
			fds[1].fd = -1;	/* closed: poll the answer alone */
		if (fds[0].revents) {
			ssize_t n = read_into(w->out, out);
			if (n == 0 || (n < 0 && errno != EAGAIN))
				return "";
		}
	}
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

/* Ends an idle child: at the end of its input it exits; one that does not is killed. */
static void retire(struct walker *w)
{
	bool late;
	reap(w, 2000, &late);
}

void walker_free(struct walker *w)
{
	if (!w)
		return;
	if (w->pid)
		retire(w);
	free(w);
}

/*
 * How a child that went away mid-dump ended. This file kills with
 * SIGKILL only after it has said why, and keeps the soft CPU limit below
 * any hard one; so a SIGKILL, like a SIGTERM, came from outside (a service
 * manager, the OOM killer) and is not the dump's doing.
 */
static const char *end_status(int wstatus, bool *interrupted)
{
	if (WIFSIGNALED(wstatus)) {
		int sig = WTERMSIG(wstatus);
		*interrupted = sig == SIGTERM || sig == SIGINT || sig == SIGHUP ||
		    sig == SIGQUIT || sig == SIGKILL;
		return *interrupted ? "ERROR_STACKWALKER_INTERRUPTED"
		    : sig == SIGXCPU ? "ERROR_STACKWALKER_CPU_LIMIT"
		    : sig == SIGSEGV || sig == SIGABRT || sig == SIGBUS ? "ERROR_STACKWALKER_CRASHED"
		    : "ERROR_STACKWALKER_KILLED";
	}
	switch (WEXITSTATUS(wstatus)) {
	case 0:
		return "ERROR_STACKWALKER_BAD_OUTPUT";	/* it ended without an answer */
	case 2:
		return "ERROR_STACKWALKER_USAGE";	/* say, a walker without --serve */
	case 127:
		return "ERROR_STACKWALKER_NOT_FOUND";
	default:
		return "ERROR_MINIDUMP_UNREADABLE";	/* out of memory, say */
	}
}

/*
 * Sends the dump's path: NULL when sent, "" when the child went away (its
 * wait status says why), or the failure. A child that ended while idle
 * since its last dump (EPIPE) is replaced.
 */
static const char *send_dump(struct walker *w, const struct walk_request *req)
{
	size_t len = strlen(req->dump) + 1;
	if (w->pid && w->walks >= WALKS_PER_CHILD)
		retire(w);
	if (w->pid) {
		w->walks++;
		if (write_all(w->in, req->dump, len) == 0)
			return NULL;
		stop(w, true);
	}
	if (start(w, req) != 0)
		return "ERROR_STACKWALKER_SPAWN";
	w->walks++;
	return write_all(w->in, req->dump, len) == 0 ? NULL : "";
}

/* The time left of a walk's deadline, for a child going away: 5 s without one. */
static double time_left(const struct walk_limits *lim, double start)
{
	double left = lim->wall_ms > 0 ? lim->wall_ms - (now_ms() - start) : 5000;
	return left > 0 ? left : 0;
}

/*
 * One try at a dump: NULL when the answer came, "" when the child went
 * away (its wait status says why), else the failure.
 */
static const char *try_walk(struct walker *w, const struct walk_request *req, double start,
    struct buf *answer, struct buf *errors, int *exit_code, size_t *hlen, size_t *jlen)
{
	buf_reset(answer);
	buf_reset(errors);
	*hlen = *jlen = 0;
	const char *failure = send_dump(w, req);
	if (!failure)
		failure = collect(w, &req->limits, start, answer, errors, exit_code, hlen, jlen);
	return failure;
}

void walker_walk(struct walker *w, const struct walk_request *req, struct walk_result *out)
{
	memset(out, 0, sizeof *out);
	double start_ms = now_ms();
	struct buf answer, errors;
	buf_init(&answer);
	buf_init(&errors);
	int exit_code = 0;
	size_t hlen, jlen;
	bool reused = w->pid && w->walks < WALKS_PER_CHILD;
	const char *failure = try_walk(w, req, start_ms, &answer, &errors, &exit_code, &hlen, &jlen);
	if (failure && !*failure && reused) {
		/*
		 * A child that walked other dumps may have been on its way out
		 * already (a SIGXCPU a tick late, a heap worn by many walks, a
		 * hard CPU limit near): this dump gets a fresh one.
		 */
		bool late;
		reap(w, time_left(&req->limits, start_ms), &late);
		failure = try_walk(w, req, start_ms, &answer, &errors, &exit_code, &hlen, &jlen);
	}
	if (failure && *failure) {
		stop(w, true);
	} else if (failure) {
		read_errors(w->err, &errors);
		bool late;
		int wstatus = reap(w, time_left(&req->limits, start_ms), &late);
		failure = late ? "ERROR_STACKWALKER_TIMEOUT" : end_status(wstatus, &out->interrupted);
	}
	/* The walker answers with what it could read even of a damaged dump. */
	if (!failure && jlen)
		out->json = jsonfast_load(answer.data + hlen, jlen, NULL);
	const char *walker_status = json_string_value(json_object_get(out->json, "status"));
	if (!failure && exit_code == 1)
		failure = walker_status ? walker_status : "ERROR_MINIDUMP_UNREADABLE";
	if (!failure && !out->json) {
		failure = "ERROR_STACKWALKER_BAD_OUTPUT";
		out->message = xstrdup("the walker's answer is not JSON");
	}
	if (failure && failure != walker_status) {
		json_decref(out->json);
		out->json = NULL;
	}
	if (!out->message)
		out->message = last_error_line(&errors);
	out->status = xstrdup(failure ? failure : walker_status ? walker_status : "OK");
	out->ms = now_ms() - start_ms;
	buf_free(&answer);
	buf_free(&errors);
}

void walk_result_free(struct walk_result *r)
{
	json_decref(r->json);
	free(r->status);
	free(r->message);
	memset(r, 0, sizeof *r);
}
