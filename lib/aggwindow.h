/*
 * aggwindow.h: the second and third levels of aggregation (private to
 * aggregate.c): signatures per day, and the top signatures of windows.
 */
#ifndef CRASH_AGGWINDOW_H
#define CRASH_AGGWINDOW_H

#include <stddef.h>

struct db;

/* A window an update made: it ends before day end, and holds days days. */
struct window_made {
	long end;
	int days;
};

/* Rebuilds signature_days for [day, next) inside the caller's transaction. */
int sigdays_rebuild(struct db *db, const char *day, const char *next, char **err);
/* Recomputes every standard window that contains one of the days. */
int windows_update(struct db *db, const long *days, int ndays, char **err);

/* Merges the installs of every row of the windows made (aggwinstalls.c). */
int window_installs_update(struct db *db, const struct window_made *w, size_t n, char **err);

#endif
