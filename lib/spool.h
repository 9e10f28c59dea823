/*
 * spool.h: the Maildir-style spool a collector writes crashes into.
 *
 *   SPOOL/tmp/<id>/   a crash being received (raw_crash.json + dumps)
 *   SPOOL/new/<id>/   a complete, durable crash, ready to be moved
 *
 * A crash is written under tmp/, made durable, then renamed into new/, so
 * a reader of new/ only ever sees whole crashes. Commits from concurrent
 * requests are batched: one flush of the file system covers every crash
 * that is waiting (group commit), then each is renamed and new/ is synced.
 */
#ifndef CRASH_SPOOL_H
#define CRASH_SPOOL_H

#include <stdbool.h>
#include <stddef.h>

enum spool_sync {
	SPOOL_SYNC_BATCH,	/* syncfs(2) per batch of commits (default) */
	SPOOL_SYNC_EACH,	/* fsync(2) of every file and directory */
	SPOOL_SYNC_NONE,	/* rename only: for generated test data */
};

struct spool;
struct spool_crash;

/* Opens (creating tmp/ and new/) and locks the spool for one writer. */
struct spool *spool_open(const char *dir, enum spool_sync mode, char **err);
void spool_close(struct spool *s);
/* Removes the crashes a previous run left in tmp/; returns how many. */
int spool_recover(struct spool *s);

/* Starts a crash in tmp/<name>/; NULL with errno on failure. */
struct spool_crash *spool_begin(struct spool *s, const char *name);
/* Creates a file in the crash's directory for writing; -1 with errno. */
int spool_create(struct spool_crash *c, const char *name);
/* Closes a file created by spool_create (fsyncs it in SPOOL_SYNC_EACH). */
int spool_close_file(struct spool_crash *c, int fd);
/*
 * Makes the crash durable and moves it to new/<id>, waiting for the batch
 * it joins. 0 on success; -1 with errno (EEXIST: new/<id> already exists).
 * On failure the crash is removed from tmp/. Frees c either way.
 */
int spool_commit(struct spool_crash *c, const char *id);
/* Forgets a crash: removes tmp/<id>/ and frees c. */
void spool_abort(struct spool_crash *c);

/* Whether the spool can take a crash of min_free bytes; *why on failure. */
bool spool_healthy(struct spool *s, long long min_free, char *why, size_t whylen);
/* Commits and flush batches so far, for the log and the tests. */
void spool_stats(struct spool *s, unsigned long *commits, unsigned long *batches);

#endif
