/*
 * progress.h: progress of long work, for every tool. On a terminal a
 * status line on stderr, redrawn at most four times a second; otherwise
 * (cron, systemd) a log line a minute, so that a long run shows it is
 * alive without flooding the log. CRASH_PROGRESS_INTERVAL (seconds) sets
 * another interval for both. Safe to call from several threads.
 */
#ifndef CRASH_PROGRESS_H
#define CRASH_PROGRESS_H

#include <pthread.h>
#include <stdbool.h>

struct progress {
	const char *what;	/* "crashes", "objects", ... */
	long total;		/* -1: unknown */
	long done, failed;
	double bytes;
	double start, last;
	bool tty, shown;
	pthread_mutex_t mu;
};

/* Starts counting what there is total of (-1 when unknown). */
void progress_start(struct progress *p, const char *what, long total);
/* Counts n more done (failed of them), bytes more moved; shows it when due. */
void progress_add(struct progress *p, long n, long failed, double bytes);
/* The final figures (on a terminal, or in the log after a long run). */
void progress_end(struct progress *p);

#endif
