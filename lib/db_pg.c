/*
 * db_pg.c: the PostgreSQL backend over libpq.
 *
 * Statements are prepared once per connection (named s1, s2, ...) and
 * every parameter is sent as text, which the server converts to the
 * column's type.
 */
#include "db_impl.h"
#include "util.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STMT_CACHE 64

struct pg_db {
	PGconn *conn;
	char *sql[STMT_CACHE];
	int nprepared;
};

static struct pg_db *P(struct db *db)
{
	return db->impl;
}

static char *pg_error(PGconn *conn)
{
	char *msg = xstrdup(PQerrorMessage(conn));
	strtrim(msg);
	char *out = xasprintf("postgresql: %s", msg);
	free(msg);
	return out;
}

/* The name of sql's prepared statement, preparing it the first time. */
static int prepare(struct db *db, const char *sql, int nparams, char name[16], char **err)
{
	struct pg_db *p = P(db);
	for (int i = 0; i < p->nprepared; i++)
		if (strcmp(p->sql[i], sql) == 0) {
			snprintf(name, 16, "s%d", i);
			return 0;
		}
	if (p->nprepared == STMT_CACHE) {
		name[0] = 0;	/* cache full: run it unnamed */
		return 0;
	}
	snprintf(name, 16, "s%d", p->nprepared);
	PGresult *r = PQprepare(p->conn, name, sql, nparams, NULL);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	if (!ok) {
		*err = pg_error(p->conn);
		return -1;
	}
	p->sql[p->nprepared++] = xstrdup(sql);
	return 0;
}

/* Calls row for one result row; false once it asked to stop. */
static bool deliver(PGresult *r, int i, db_row_fn row, void *ctx)
{
	int ncols = PQnfields(r);
	const char **values = xcalloc((size_t)ncols + 1, sizeof *values);
	const char **names = xcalloc((size_t)ncols + 1, sizeof *names);
	for (int c = 0; c < ncols; c++) {
		names[c] = PQfname(r, c);
		values[c] = PQgetisnull(r, i, c) ? NULL : PQgetvalue(r, i, c);
	}
	bool more = row(ctx, ncols, values, names) == 0;
	free(values);
	free(names);
	return more;
}

/*
 * Streamed, rows arrive one at a time (single-row mode), so a million-row
 * result takes the memory of one row, but the callback cannot use the
 * connection; otherwise the whole result is read first. After the
 * callback asks to stop, the rest is read and dropped: the connection
 * must be drained before its next use.
 */
static int pg_run(struct db *db, const char *sql, int nparams, const char *const *params,
    db_row_fn row, void *ctx, char **err, bool streamed)
{
	struct pg_db *p = P(db);
	char name[16];
	if (prepare(db, sql, nparams, name, err) != 0)
		return -1;
	int sent = name[0]
	    ? PQsendQueryPrepared(p->conn, name, nparams, params, NULL, NULL, 0)
	    : PQsendQueryParams(p->conn, sql, nparams, NULL, params, NULL, NULL, 0);
	if (!sent) {
		*err = pg_error(p->conn);
		return -1;
	}
	if (streamed)
		PQsetSingleRowMode(p->conn);
	bool wanted = row != NULL;
	int rc = 0;
	PGresult *r, *whole = NULL;
	while ((r = PQgetResult(p->conn))) {
		ExecStatusType st = PQresultStatus(r);
		if (st == PGRES_SINGLE_TUPLE) {
			if (wanted)
				wanted = deliver(r, 0, row, ctx);
		} else if (st == PGRES_TUPLES_OK && !streamed && !whole) {
			whole = r;	/* delivered once the connection is free */
			continue;
		} else if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK && rc == 0) {
			*err = pg_error(p->conn);
			rc = -1;
		}
		PQclear(r);
	}
	for (int i = 0; whole && rc == 0 && wanted && i < PQntuples(whole); i++)
		wanted = deliver(whole, i, row, ctx);
	PQclear(whole);
	return rc;
}

static int pg_query(struct db *db, const char *sql, int nparams, const char *const *params,
    db_row_fn row, void *ctx, char **err)
{
	return pg_run(db, sql, nparams, params, row, ctx, err, false);
}

static int pg_exec(struct db *db, const char *sql, char **err);

/*
 * Streamed through a cursor, fetched a batch at a time: the memory of one
 * batch, without single-row mode's cost per row.
 */
#define STREAM_BATCH 10000

struct batch_state {
	db_row_fn row;
	void *ctx;
	long n;
	bool stopped;
};

static int batch_row(void *ctx, int ncols, const char *const *v, const char *const *names)
{
	struct batch_state *b = ctx;
	b->n++;
	if (b->row(b->ctx, ncols, v, names)) {
		b->stopped = true;
		return 1;
	}
	return 0;
}

static int pg_stream(struct db *db, const char *sql, int nparams, const char *const *params,
    db_row_fn row, void *ctx, char **err)
{
	bool outer = PQtransactionStatus(P(db)->conn) != PQTRANS_IDLE;
	if (outer)	/* a cursor needs a transaction of its own making here */
		return pg_run(db, sql, nparams, params, row, ctx, err, true);
	char *declare = xasprintf("DECLARE crash_stream NO SCROLL CURSOR FOR %s", sql);
	int rc = pg_exec(db, "BEGIN", err);
	if (rc == 0) {
		PGresult *r = PQexecParams(P(db)->conn, declare, nparams, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			*err = pg_error(P(db)->conn);
			rc = -1;
		}
		PQclear(r);
	}
	struct batch_state b = { row, ctx, STREAM_BATCH, false };
	char fetch[64];
	snprintf(fetch, sizeof fetch, "FETCH FORWARD %d FROM crash_stream", STREAM_BATCH);
	while (rc == 0 && b.n == STREAM_BATCH && !b.stopped) {
		b.n = 0;
		rc = pg_run(db, fetch, 0, NULL, batch_row, &b, err, false);
	}
	char *ignored = NULL;
	if (pg_exec(db, rc == 0 ? "COMMIT" : "ROLLBACK", rc == 0 ? err : &ignored) != 0)
		rc = -1;
	free(ignored);
	free(declare);
	return rc;
}

static int pg_exec(struct db *db, const char *sql, char **err)
{
	PGresult *r = PQexec(P(db)->conn, sql);
	ExecStatusType st = PQresultStatus(r);
	PQclear(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		*err = pg_error(P(db)->conn);
		return -1;
	}
	return 0;
}

static bool pg_connection_lost(struct db *db)
{
	return PQstatus(P(db)->conn) != CONNECTION_OK;
}

static void forget_statements(struct pg_db *p)
{
	for (int i = 0; i < p->nprepared; i++)
		free(p->sql[i]);
	p->nprepared = 0;
}

static PGconn *connect_quietly(const char *url, char **err)
{
	PGconn *conn = PQconnectdb(url);
	if (PQstatus(conn) != CONNECTION_OK) {
		*err = pg_error(conn);
		PQfinish(conn);
		return NULL;
	}
	PGresult *r = PQexec(conn, "SET client_min_messages = warning; SET TIME ZONE 'UTC'");
	PQclear(r);
	return conn;
}

static int pg_reconnect(struct db *db, char **err)
{
	struct pg_db *p = P(db);
	PGconn *conn = connect_quietly(db->url, err);
	if (!conn)
		return -1;
	PQfinish(p->conn);
	p->conn = conn;
	forget_statements(p);	/* prepared statements die with the session */
	return 0;
}

static void pg_close(struct db *db)
{
	struct pg_db *p = P(db);
	forget_statements(p);
	PQfinish(p->conn);
	free(p);
}

/* Writes COPY data, record ends (newlines outside quotes) as CRLF. */
static void write_crlf(FILE *out, const char *data, int n, bool *quoted)
{
	int start = 0;
	for (int i = 0; i < n; i++) {
		if (data[i] == '"')
			*quoted = !*quoted;	/* a doubled quote toggles twice */
		else if (data[i] == '\n' && !*quoted) {
			fwrite_unlocked(data + start, 1, (size_t)(i - start), out);
			fputs_unlocked("\r\n", out);
			start = i + 1;
		}
	}
	fwrite_unlocked(data + start, 1, (size_t)(n - start), out);
}

static int pg_copy_csv(struct db *db, const char *sql, FILE *out, char **err)
{
	PGconn *conn = P(db)->conn;
	char *copy = xasprintf("COPY (%s) TO STDOUT WITH (FORMAT csv, HEADER)", sql);
	PGresult *r = PQexec(conn, copy);
	free(copy);
	int rc = PQresultStatus(r) == PGRES_COPY_OUT ? 0 : -1;
	PQclear(r);
	if (rc != 0) {
		*err = pg_error(conn);
		return -1;
	}
	char *data;
	int n;
	bool quoted = false;
	while ((n = PQgetCopyData(conn, &data, 0)) > 0) {
		write_crlf(out, data, n, &quoted);
		PQfreemem(data);
	}
	if (n == -2 && rc == 0) {
		*err = pg_error(conn);
		rc = -1;
	}
	while ((r = PQgetResult(conn))) {
		if (PQresultStatus(r) != PGRES_COMMAND_OK && rc == 0) {
			*err = pg_error(conn);
			rc = -1;
		}
		PQclear(r);
	}
	return rc;
}

static char *pg_literal(struct db *db, const char *value)
{
	char *q = PQescapeLiteral(P(db)->conn, value, strlen(value));
	char *out = xstrdup(q ? q : "NULL");
	PQfreemem(q);
	return out;
}

static const struct db_ops pg_ops = {
	pg_query, pg_stream, pg_exec, pg_copy_csv, pg_literal, pg_connection_lost, pg_reconnect, pg_close,
};

struct db *db_pg_open(const char *url, char **err)
{
	PGconn *conn = connect_quietly(url, err);
	if (!conn)
		return NULL;
	struct pg_db *p = xcalloc(1, sizeof *p);
	p->conn = conn;
	struct db *db = xcalloc(1, sizeof *db);
	db->ops = &pg_ops;
	db->kind = DB_POSTGRES;
	db->impl = p;
	return db;
}
