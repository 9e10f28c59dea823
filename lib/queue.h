/*
 * queue.h: the work queue in the metadata database, for several
 * crash-process workers on several machines. crash-move publishes crash
 * IDs; a worker claims a few at a time (FOR UPDATE SKIP LOCKED on
 * PostgreSQL, so workers never wait on each other's rows), processes them
 * and marks each done. Delivery is at least once: a claim that is not done
 * within its timeout (the worker died) is handed out again, and processing
 * is idempotent (one row per crash ID). A crash claimed QUEUE_MAX_ATTEMPTS
 * times without being done stays in the queue, no longer handed out, for
 * an operator to look at (scripts/check-queue).
 */
#ifndef CRASH_QUEUE_H
#define CRASH_QUEUE_H

#include "crashid.h"
#include "db.h"

#define QUEUE_MAX_ATTEMPTS 5

/* Adds a crash ID to the queue (again: nothing changes); 0 or -1 with *err. */
int queue_publish(struct db *db, const char *crash_id, char **err);

/*
 * Claims up to max crash IDs for worker, oldest first, taking over claims
 * older than expire seconds; the number claimed, or -1 with *err.
 */
int queue_claim(struct db *db, const char *worker, int max, int expire,
    char ids[][CRASHID_LEN + 1], char **err);

/* Removes a crash ID that worker has finished with. */
int queue_done(struct db *db, const char *crash_id, const char *worker, char **err);

/*
 * Hands back what worker claimed since a time (Unix seconds): a claim
 * whose answer was lost with the connection took crashes the worker never
 * heard of, which would otherwise wait for the claim timeout.
 */
int queue_release_since(struct db *db, const char *worker, long long since, char **err);

/* Restarts the timeout of a claim of worker (a batch that takes long). */
int queue_renew(struct db *db, const char *crash_id, const char *worker, char **err);

/*
 * Hands back a claim of worker, to be handed out again at once: one not
 * yet worked on (a clean shutdown; the attempt is not counted), or one
 * whose attempt was cut short (counted, so that it cannot loop forever).
 */
int queue_release(struct db *db, const char *crash_id, const char *worker, bool attempted,
    char **err);

struct queue_depth {
	long waiting;		/* not claimed, or claim expired */
	long claimed;		/* claimed and within its timeout (the last attempt too) */
	long dead;		/* given up on after QUEUE_MAX_ATTEMPTS */
	long oldest_age;	/* seconds since the oldest live entry was queued; 0 if none */
};

/* How many crashes are in the queue, and in which state. */
int queue_depth(struct db *db, int expire, struct queue_depth *d, char **err);

#endif
