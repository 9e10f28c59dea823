/*
 * aggregate.h: the daily aggregates reports read instead of crash rows:
 * per day x product x version x channel x process type x OS x build x
 * signature, the count of crashes, of startup crashes, and a sketch of
 * the installs behind them.
 */
#ifndef CRASH_AGGREGATE_H
#define CRASH_AGGREGATE_H

struct db;

/*
 * Rebuilds the aggregates of one day (YYYY-MM-DD), or with day NULL of
 * every day whose crashes changed since its last update. Idempotent.
 * *updated gets the number of days rebuilt. 0, or -1 with *err.
 */
int aggregate_update(struct db *db, const char *day, int *updated, char **err);

/*
 * The windows (in days) whose top signatures `update` keeps ready per
 * product and version, and how many signatures it keeps of each:
 * topcrashers reads them when its question is one of these.
 */
#define TOP_WINDOW_SIZES { 1, 3, 7, 14, 28 }
#define TOP_KEEP 1000
/* The version of the rows that count every version of a product. */
#define TOP_ALL_VERSIONS "*"


/* "YYYY-MM-DD" of days since the epoch, and back; -1 if not a date. */
long day_number(const char *date);
void day_string(long day, char out[11]);
/*
 * Retention's first day kept: before (YYYY-MM-DD) if given, else keep_days
 * back from today, today counting as one; -1 for a bad date or count.
 */
long retention_first_day(const char *before, long long keep_days);

#endif
