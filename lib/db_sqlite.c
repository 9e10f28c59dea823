/*
 * db_sqlite.c: the SQLite backend, one database file.
 *
 * WAL mode lets reports read while crash-process writes; a busy timeout
 * makes concurrent writers (several crash-process workers) wait for each
 * other instead of failing.
 */
#include "db_impl.h"
#include "util.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STMT_CACHE 32
#define BUSY_TIMEOUT_MS 30000

struct cached_stmt {
	char *sql;
	sqlite3_stmt *stmt;
	bool positional;	/* $N is parameter N throughout */
};

struct sqlite_db {
	sqlite3 *h;
	struct cached_stmt cache[STMT_CACHE];
	int ncache;
};

static struct sqlite_db *S(struct db *db)
{
	return db->impl;
}

/*
 * $N placeholders are named parameters to SQLite, numbered in the order
 * they first appear; when that order is 1, 2, 3 (as the statements here
 * are written) $N is parameter N, else each name is looked up.
 */
static bool in_order(sqlite3_stmt *stmt)
{
	char name[16];
	for (int i = 1; i <= sqlite3_bind_parameter_count(stmt); i++) {
		const char *at = sqlite3_bind_parameter_name(stmt, i);
		snprintf(name, sizeof name, "$%d", i);
		if (!at || strcmp(at, name) != 0)
			return false;
	}
	return true;
}

static sqlite3_stmt *prepare(struct db *db, const char *sql, bool *positional, char **err)
{
	struct sqlite_db *s = S(db);
	for (int i = 0; i < s->ncache; i++)
		if (strcmp(s->cache[i].sql, sql) == 0) {
			sqlite3_reset(s->cache[i].stmt);
			sqlite3_clear_bindings(s->cache[i].stmt);
			*positional = s->cache[i].positional;
			return s->cache[i].stmt;
		}
	sqlite3_stmt *stmt;
	if (sqlite3_prepare_v3(s->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK) {
		*err = xasprintf("sqlite: %s", sqlite3_errmsg(s->h));
		return NULL;
	}
	if (s->ncache == STMT_CACHE) {	/* full: forget the oldest */
		free(s->cache[0].sql);
		sqlite3_finalize(s->cache[0].stmt);
		memmove(s->cache, s->cache + 1, (STMT_CACHE - 1) * sizeof s->cache[0]);
		s->ncache--;
	}
	*positional = in_order(stmt);
	s->cache[s->ncache++] = (struct cached_stmt){ xstrdup(sql), stmt, *positional };
	return stmt;
}

static int sqlite_query(struct db *db, const char *sql, int nparams, const char *const *params,
    db_row_fn row, void *ctx, char **err)
{
	bool positional;
	sqlite3_stmt *stmt = prepare(db, sql, &positional, err);
	if (!stmt)
		return -1;
	for (int i = 0; i < nparams; i++) {
		char name[16];
		snprintf(name, sizeof name, "$%d", i + 1);
		int idx = positional ? i + 1 : sqlite3_bind_parameter_index(stmt, name);
		if (idx && params[i])
			sqlite3_bind_text(stmt, idx, params[i], -1, SQLITE_TRANSIENT);
	}
	int ncols = sqlite3_column_count(stmt), rc;
	const char **values = xcalloc((size_t)ncols + 1, sizeof *values);
	const char **names = xcalloc((size_t)ncols + 1, sizeof *names);
	for (int i = 0; i < ncols; i++)
		names[i] = sqlite3_column_name(stmt, i);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		for (int i = 0; i < ncols; i++)
			values[i] = (const char *)sqlite3_column_text(stmt, i);
		if (row && row(ctx, ncols, values, names))
			break;
	}
	free(values);
	free(names);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		*err = xasprintf("sqlite: %s", sqlite3_errmsg(S(db)->h));
		sqlite3_reset(stmt);
		return -1;
	}
	sqlite3_reset(stmt);
	return 0;
}

static int sqlite_exec(struct db *db, const char *sql, char **err)
{
	char *msg = NULL;
	if (sqlite3_exec(S(db)->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
		*err = xasprintf("sqlite: %s", msg ? msg : sqlite3_errmsg(S(db)->h));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static bool sqlite_connection_lost(struct db *db)
{
	int code = sqlite3_errcode(S(db)->h);
	return code == SQLITE_BUSY || code == SQLITE_LOCKED || code == SQLITE_IOERR ||
	    code == SQLITE_FULL || code == SQLITE_CANTOPEN;
}

static int sqlite_reconnect(struct db *db, char **err)
{
	return 0;	/* a file does not go away; busy and I/O errors are retried as they are */
}

static void sqlite_close(struct db *db)
{
	struct sqlite_db *s = S(db);
	for (int i = 0; i < s->ncache; i++) {
		free(s->cache[i].sql);
		sqlite3_finalize(s->cache[i].stmt);
	}
	sqlite3_close(s->h);
	free(s);
}

static char *sqlite_literal(struct db *db, const char *value)
{
	char *q = sqlite3_mprintf("%Q", value);
	char *out = xstrdup(q ? q : "NULL");
	sqlite3_free(q);
	return out;
}

static const struct db_ops sqlite_ops = {
	sqlite_query, sqlite_query, sqlite_exec, NULL, sqlite_literal, sqlite_connection_lost, sqlite_reconnect, sqlite_close,
};

/*
 * WAL mode, set by each connection. Switching a new database to it takes
 * an exclusive lock without waiting in the busy handler, so processes
 * opening a new database at once (crash-move and the workers) see "database
 * is locked": that is waited out here, as long as the busy timeout.
 */
static int set_wal_mode(struct db *db, char **err)
{
	for (int waited_ms = 0;; waited_ms += 20) {
		if (sqlite_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
		    "PRAGMA foreign_keys = ON;", err) == 0)
			return 0;
		if (sqlite3_errcode(S(db)->h) != SQLITE_BUSY || waited_ms >= BUSY_TIMEOUT_MS)
			return -1;
		free(*err);
		*err = NULL;
		usleep(20 * 1000);
	}
}

struct db *db_sqlite_open(const char *path, char **err)
{
	struct sqlite_db *s = xcalloc(1, sizeof *s);
	if (sqlite3_open_v2(path, &s->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		*err = xasprintf("%s: %s", path, s->h ? sqlite3_errmsg(s->h) : "cannot open");
		sqlite3_close(s->h);
		free(s);
		return NULL;
	}
	sqlite3_busy_timeout(s->h, BUSY_TIMEOUT_MS);
	struct db *db = xcalloc(1, sizeof *db);
	db->ops = &sqlite_ops;
	db->kind = DB_SQLITE;
	db->impl = s;
	if (set_wal_mode(db, err) != 0) {
		sqlite_close(db);
		free(db);
		return NULL;
	}
	return db;
}
