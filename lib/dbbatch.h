/*
 * dbbatch.h: rows inserted many at a time. One multi-row INSERT per
 * DB_BATCH_ROWS rows instead of one statement, and one round trip to the
 * server, per row: aggregating a day writes tens of thousands of rows.
 */
#ifndef CRASH_DBBATCH_H
#define CRASH_DBBATCH_H

#include "db.h"

/* 500 rows of a dozen columns stay well below both databases' parameter limits. */
#define DB_BATCH_ROWS 500

struct db_batch {
	struct db *db;
	const char *head;	/* what precedes " VALUES (...), ...": "INSERT INTO t (a, b)" */
	const char *tail;	/* what follows the rows, or "" */
	int ncols, n;
	char **values;		/* n rows of ncols copies (NULL for SQL NULL) */
};

void db_batch_init(struct db_batch *b, struct db *db, const char *insert, int ncols);
/*
 * The same for any statement around a VALUES list: head, then
 * " VALUES (...), (...)", then tail. E.g. "WITH v (k, x) AS (" and
 * ") UPDATE t SET x = v.x FROM v WHERE t.k = v.k" (a form both databases
 * take; SQLite has no column names after a subquery's alias).
 */
void db_batch_init_around(struct db_batch *b, struct db *db, const char *head, const char *tail,
    int ncols);
/* Adds a row of ncols values (copied); runs the batch once it is full. 0 or -1 with *err. */
int db_batch_add(struct db_batch *b, const char *const *row, char **err);
/* Runs the statement for the rows added since the last run. */
int db_batch_flush(struct db_batch *b, char **err);
/* Drops rows not inserted and frees the batch. */
void db_batch_free(struct db_batch *b);

#endif
