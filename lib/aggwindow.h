/*
 * aggwindow.h: the second and third levels of aggregation (private to
 * aggregate.c): signatures per day, and the top signatures of windows.
 */
#ifndef CRASH_AGGWINDOW_H
#define CRASH_AGGWINDOW_H

struct db;

/* Rebuilds signature_days for [day, next) inside the caller's transaction. */
int sigdays_rebuild(struct db *db, const char *day, const char *next, char **err);
/* Recomputes every standard window that contains one of the days. */
int windows_update(struct db *db, const long *days, int ndays, char **err);

/*
 * Merges the installs of every row of top_windows that has none: the
 * windows just made, and any a failed run left (aggwinstalls.c).
 */
int window_installs_update(struct db *db, char **err);

#endif
