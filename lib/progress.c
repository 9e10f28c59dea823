/*
 * progress.c: progress lines and log lines of long work (progress.h).
 */
#include "progress.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Between two lines: CRASH_PROGRESS_INTERVAL seconds, else 1/4 s on a terminal and 60 s in a log. */
static double interval_ms(bool tty)
{
	const char *v = getenv("CRASH_PROGRESS_INTERVAL");
	double s = v ? atof(v) : 0;
	return s > 0 ? s * 1000 : tty ? 250 : 60000;
}

void progress_start(struct progress *p, const char *what, long total)
{
	*p = (struct progress){ .what = what, .total = total, .tty = isatty(STDERR_FILENO) };
	pthread_mutex_init(&p->mu, NULL);
	p->start = p->last = now_ms();
}

/* "120/4000 crashes (3 failed), 12.5 MB, 40/s, ETA 97s" */
static void format(struct progress *p, char *buf, size_t size, double now)
{
	double secs = (now - p->start) / 1000, rate = secs > 0 ? p->done / secs : 0;
	int n = p->total >= 0 ? snprintf(buf, size, "%ld/%ld %s", p->done, p->total, p->what)
	    : snprintf(buf, size, "%ld %s", p->done, p->what);
	if (p->failed)
		n += snprintf(buf + n, size - n, " (%ld failed)", p->failed);
	if (p->bytes > 0)
		n += snprintf(buf + n, size - n, ", %.1f MB", p->bytes / 1e6);
	n += snprintf(buf + n, size - n, ", %.0f/s", rate);
	if (p->total >= 0 && rate > 0)
		snprintf(buf + n, size - n, ", ETA %.0fs", (p->total - p->done) / rate);
}

static void show(struct progress *p, double now, bool final)
{
	char line[256];
	format(p, line, sizeof line, now);
	if (p->tty)
		fprintf(stderr, "\r%s: %s\033[K%s", progname, line, final ? "\n" : "");
	else
		log_info("%s", line);
	p->last = now;
	p->shown = true;
}

void progress_add(struct progress *p, long n, long failed, double bytes)
{
	pthread_mutex_lock(&p->mu);
	p->done += n;
	p->failed += failed;
	p->bytes += bytes;
	double now = now_ms();
	if (now - p->last >= interval_ms(p->tty))
		show(p, now, false);
	pthread_mutex_unlock(&p->mu);
}

void progress_end(struct progress *p)
{
	pthread_mutex_lock(&p->mu);
	if (p->shown)	/* short work needs no final line */
		show(p, now_ms(), true);
	pthread_mutex_unlock(&p->mu);
	pthread_mutex_destroy(&p->mu);
}
