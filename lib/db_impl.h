/*
 * db_impl.h: what a database backend provides (db_sqlite.c, db_pg.c).
 */
#ifndef CRASH_DB_IMPL_H
#define CRASH_DB_IMPL_H

#include "db.h"

#include <stdio.h>

struct db_ops {
	int (*query)(struct db *db, const char *sql, int nparams, const char *const *params,
	    db_row_fn row, void *ctx, char **err);
	int (*stream)(struct db *db, const char *sql, int nparams, const char *const *params,
	    db_row_fn row, void *ctx, char **err);
	int (*exec)(struct db *db, const char *sql, char **err);
	/* COPY ... TO STDOUT as CSV (PostgreSQL); NULL where there is none. */
	int (*copy_csv)(struct db *db, const char *sql, FILE *out, char **err);
	char *(*literal)(struct db *db, const char *value);
	bool (*connection_lost)(struct db *db);
	int (*reconnect)(struct db *db, char **err);
	void (*close)(struct db *db);
};

struct db {
	const struct db_ops *ops;
	enum db_kind kind;
	char *url;
	char *upsert;		/* the crashes upsert, built on first use */
	void *impl;
	char **weeks;		/* partitions known to exist (PostgreSQL) */
	size_t nweeks;
};

struct db *db_sqlite_open(const char *path, char **err);
struct db *db_pg_open(const char *url, char **err);

/* Brings the schema to the current version (db_schema.c). */
int db_migrate(struct db *db, char **err);

#endif
