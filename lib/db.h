/*
 * db.h: the metadata database behind one interface: SQLite (one file, the
 * default) or PostgreSQL (libpq, prepared statements, crashes partitioned
 * by week).
 *
 * A URL names the backend: "sqlite:PATH" or a bare path, and
 * "postgresql://..." or "postgres://..." (any libpq connection URI).
 * Statements are written once with $1, $2 ... placeholders and run on
 * either backend; every value travels as text (NULL for none) and the
 * column types convert it.
 */
#ifndef CRASH_DB_H
#define CRASH_DB_H

#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>

struct db;

enum db_kind { DB_SQLITE, DB_POSTGRES };

/* Opens and migrates the schema to the current version; NULL with *err. */
struct db *db_open(const char *url, char **err);
/* The file of a SQLite URL ("sqlite:PATH" or a bare path); NULL for PostgreSQL. */
const char *db_sqlite_path(const char *url);
void db_close(struct db *db);
enum db_kind db_kind(const struct db *db);
/* The schema version the database is at. */
int db_schema_version(struct db *db);

/* Called for each result row; nonzero stops the query. */
typedef int (*db_row_fn)(void *ctx, int ncols, const char *const *values,
    const char *const *names);

/*
 * Runs one statement with text parameters (NULL entries are SQL NULL);
 * 0, or -1 with *err. Statements are prepared once per connection.
 */
int db_query(struct db *db, const char *sql, int nparams, const char *const *params,
    db_row_fn row, void *ctx, char **err);
/*
 * The same, rows handed over as they arrive (constant memory however many
 * there are); row must not use the database meanwhile.
 */
int db_stream(struct db *db, const char *sql, int nparams, const char *const *params,
    db_row_fn row, void *ctx, char **err);
/*
 * The result of a SELECT as CSV with a header, written by the database
 * itself (PostgreSQL's COPY), record ends made CRLF. -2 when the backend
 * has no such export (SQLite): use db_stream. sql takes no parameters:
 * quote values with db_literal.
 */
int db_copy_csv(struct db *db, const char *sql, FILE *out, char **err);
/* A value as an SQL string literal of the backend (caller frees). */
char *db_literal(struct db *db, const char *value);
/* Runs a script of several statements without parameters. */
int db_exec(struct db *db, const char *sql, char **err);
int db_begin(struct db *db, char **err);
int db_commit(struct db *db, char **err);
void db_rollback(struct db *db);

/* Whether an error came from a lost or refused connection (worth a retry). */
bool db_connection_lost(struct db *db);
/* Reconnects after a lost connection; 0 or -1 with *err. */
int db_reconnect(struct db *db, char **err);

/*
 * Inserts or replaces the row of a processed crash (one row per crash id,
 * whatever the number of times it is processed) and records its signature's
 * first appearance. 0, or -1 with *err.
 */
int db_put_crash(struct db *db, json_t *processed, char **err);

/*
 * The same, and then, in the same transaction, then(db, ctx, err): the
 * queue entry of the crash marked done, say, so that one commit does both.
 * A failure of either rolls back both.
 */
int db_put_crash_and(struct db *db, json_t *processed,
    int (*then)(struct db *db, void *ctx, char **err), void *ctx, char **err);

/* Records a crash of sig at date (and build), keeping the earliest one. */
int db_note_signature(struct db *db, const char *sig, const char *date, const char *build,
    char **err);

/* The columns of the crashes table, NULL-terminated, for extracts. */
extern const char *const db_crash_columns[];
/* What a column of crashes holds; -1 when there is no such column. */
enum { DB_COL_TEXT, DB_COL_INT, DB_COL_FLAG };
int db_crash_column_kind(const char *name);

/*
 * Makes sure the weekly partitions covering [from, to] exist (PostgreSQL;
 * a no-op on SQLite). Dates are YYYY-MM-DD.
 */
int db_ensure_partitions(struct db *db, const char *from, const char *to, char **err);
/* SQL for the UTC day (YYYY-MM-DD) of a timestamp column, per backend. */
const char *db_day_sql(struct db *db, const char *column);

/*
 * Removes the crashes of days before date, with their modules, add-ons and
 * missing symbols (whole partitions on PostgreSQL); aggregates are kept.
 */
int db_drop_before(struct db *db, const char *date, char **err);

#endif
