/*
 * db.c: opening a database by URL, transactions, and the crash rows every
 * report reads.
 */
#include "db_impl.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int ensure_weeks_ahead(struct db *db, char **err);

const char *db_sqlite_path(const char *url)
{
	if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0)
		return NULL;
	return strncmp(url, "sqlite:", 7) == 0 ? url + 7 : url;
}

struct db *db_open(const char *url, char **err)
{
	struct db *db;
	*err = NULL;
	if (!*url || !strcmp(url, "sqlite:")) {	/* SQLite would make a throwaway database */
		*err = xstrdup("empty database URL");
		return NULL;
	}
	const char *path = db_sqlite_path(url);
	db = path ? db_sqlite_open(path, err) : db_pg_open(url, err);
	if (!db)
		return NULL;
	db->url = xstrdup(url);
	if (db_migrate(db, err) != 0 || ensure_weeks_ahead(db, err) != 0) {
		db_close(db);
		return NULL;
	}
	return db;
}

void db_close(struct db *db)
{
	if (!db)
		return;
	db->ops->close(db);
	for (size_t i = 0; i < db->nweeks; i++)
		free(db->weeks[i]);
	free(db->weeks);
	free(db->upsert);
	free(db->url);
	free(db);
}

enum db_kind db_kind(const struct db *db)
{
	return db->kind;
}

int db_query(struct db *db, const char *sql, int nparams, const char *const *params,
    db_row_fn row, void *ctx, char **err)
{
	return db->ops->query(db, sql, nparams, params, row, ctx, err);
}

int db_stream(struct db *db, const char *sql, int nparams, const char *const *params,
    db_row_fn row, void *ctx, char **err)
{
	return db->ops->stream(db, sql, nparams, params, row, ctx, err);
}

int db_copy_csv(struct db *db, const char *sql, FILE *out, char **err)
{
	return db->ops->copy_csv ? db->ops->copy_csv(db, sql, out, err) : -2;
}

char *db_literal(struct db *db, const char *value)
{
	return db->ops->literal(db, value);
}

int db_exec(struct db *db, const char *sql, char **err)
{
	return db->ops->exec(db, sql, err);
}

int db_begin(struct db *db, char **err)
{
	return db->ops->exec(db, "BEGIN", err);
}

int db_commit(struct db *db, char **err)
{
	return db->ops->exec(db, "COMMIT", err);
}

void db_rollback(struct db *db)
{
	char *err = NULL;
	if (db->ops->exec(db, "ROLLBACK", &err) != 0)
		free(err);
}

const char *db_day_sql(struct db *db, const char *column)
{
	static __thread char sql[128];
	if (db->kind == DB_SQLITE)
		snprintf(sql, sizeof sql, "substr(%s, 1, 10)", column);
	else
		snprintf(sql, sizeof sql, "to_char(%s AT TIME ZONE 'UTC', 'YYYY-MM-DD')", column);
	return sql;
}

bool db_connection_lost(struct db *db)
{
	return db->ops->connection_lost(db);
}

int db_reconnect(struct db *db, char **err)
{
	return db->ops->reconnect(db, err);
}

/* Column, the processed crash's key for it, and how its value is stored. */
enum col_type { COL_TEXT, COL_INT, COL_FLAG, COL_JSON };
static const struct crash_column {
	const char *column, *key;
	enum col_type type;
} crash_columns[] = {
	{ "crash_id", "uuid", COL_TEXT },
	{ "date_processed", "date_processed", COL_TEXT },
	{ "processed_at", "completed_datetime", COL_TEXT },
	{ "product", "product", COL_TEXT },
	{ "version", "version", COL_TEXT },
	{ "release_channel", "release_channel", COL_TEXT },
	{ "build_id", "build", COL_TEXT },
	{ "os_name", "os_name", COL_TEXT },
	{ "os_version", "os_version", COL_TEXT },
	{ "cpu_arch", "cpu_arch", COL_TEXT },
	{ "cpu_info", "cpu_info", COL_TEXT },
	{ "process_type", "process_type", COL_TEXT },
	{ "signature", "signature", COL_TEXT },
	{ "reason", "reason", COL_TEXT },
	{ "address", "address", COL_TEXT },
	{ "crashing_thread", "crashing_thread", COL_INT },
	{ "uptime", "uptime", COL_INT },
	{ "install_time", "install_time", COL_INT },
	{ "install_age", "install_age", COL_INT },
	{ "last_crash", "last_crash", COL_INT },
	{ "startup_crash", "startup_crash", COL_FLAG },
	{ "hang_type", "hang_type", COL_INT },
	{ "crash_time", "crash_time", COL_INT },
	{ "email", "email", COL_TEXT },
	{ "url", "url", COL_TEXT },
	{ "user_comments", "user_comments", COL_TEXT },
	{ "app_notes", "app_notes", COL_TEXT },
	{ "adapter_vendor_id", "adapter_vendor_id", COL_TEXT },
	{ "adapter_device_id", "adapter_device_id", COL_TEXT },
	{ "topmost_filenames", "topmost_filenames", COL_JSON },
	{ "modules_missing_symbols", "modules_missing_symbols", COL_INT },
	{ "minidump_sha256", "minidump_sha256_hash", COL_TEXT },
	{ "throttle_rate", "throttle_rate", COL_INT },
	{ "success", "success", COL_FLAG },
};
#define NCOLUMNS (sizeof crash_columns / sizeof crash_columns[0])

const char *const db_crash_columns[] = {
	"crash_id", "date_processed", "processed_at", "product", "version", "release_channel",
	"build_id", "os_name", "os_version", "cpu_arch", "cpu_info", "process_type",
	"signature", "reason", "address", "crashing_thread", "uptime", "install_time",
	"install_age", "last_crash", "startup_crash", "hang_type", "crash_time", "email",
	"url", "user_comments", "app_notes", "adapter_vendor_id", "adapter_device_id",
	"topmost_filenames", "modules_missing_symbols", "minidump_sha256", "throttle_rate",
	"success", "duplicate_of", NULL,
};

int db_crash_column_kind(const char *name)
{
	for (size_t i = 0; i < NCOLUMNS; i++)
		if (!strcmp(crash_columns[i].column, name))
			return crash_columns[i].type == COL_INT ? DB_COL_INT
			    : crash_columns[i].type == COL_FLAG ? DB_COL_FLAG : DB_COL_TEXT;
	return !strcmp(name, "duplicate_of") ? DB_COL_TEXT : -1;
}

/* A JSON value as the text the column converts from; NULL for none. */
static char *column_text(json_t *v, enum col_type type)
{
	if (!v || json_is_null(v))
		return NULL;
	if (json_is_boolean(v))
		return xstrdup(json_is_true(v) ? "1" : "0");
	if (json_is_integer(v))
		return xasprintf("%lld", (long long)json_integer_value(v));
	if (json_is_real(v))
		return xasprintf("%lld", (long long)json_real_value(v));
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		if (type == COL_INT || type == COL_FLAG) {
			char *end;
			long long n = strtoll(s, &end, 10);
			return end != s && !*end ? xasprintf("%lld", n) : NULL;
		}
		return xstrdup(s);
	}
	return json_dumps(v, JSON_COMPACT);
}

/* INSERT ... ON CONFLICT DO UPDATE over every column. */
static char *upsert_sql(enum db_kind kind)
{
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "INSERT INTO crashes (");
	for (size_t i = 0; i < NCOLUMNS; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", crash_columns[i].column);
	buf_puts(&b, ") VALUES (");
	for (size_t i = 0; i < NCOLUMNS; i++)
		buf_printf(&b, "%s$%zu", i ? ", " : "", i + 1);
	buf_printf(&b, ") ON CONFLICT (%s) DO UPDATE SET ",
	    kind == DB_SQLITE ? "crash_id" : "crash_id, date_processed");
	for (size_t i = 1; i < NCOLUMNS; i++)
		buf_printf(&b, "%s%s = excluded.%s", i > 1 ? ", " : "", crash_columns[i].column,
		    crash_columns[i].column);
	return buf_steal(&b);
}

int db_note_signature(struct db *db, const char *sig, const char *date, const char *build,
    char **err)
{
	if (!sig || !date)
		return 0;
	const char *params[] = { sig, date, build };
	return db_query(db,
	    "INSERT INTO signatures (signature, first_report, first_build) VALUES ($1, $2, $3)"
	    " ON CONFLICT (signature) DO UPDATE SET first_report = excluded.first_report,"
	    " first_build = excluded.first_build"
	    " WHERE excluded.first_report < signatures.first_report", 3, params, NULL, NULL, err);
}

/* [[name, version], ...] of the crash's modules, as JSON text. */
static char *module_list(json_t *processed)
{
	json_t *list = json_array(), *m;
	size_t i;
	json_array_foreach(json_object_get(json_object_get(processed, "json_dump"), "modules"), i, m) {
		json_t *name = json_object_get(m, "filename");
		if (json_is_string(name))
			json_array_append_new(list, json_pack("[O,O]", name,
			    json_object_get(m, "version") ? json_object_get(m, "version") : json_null()));
	}
	char *text = json_dumps(list, JSON_COMPACT);
	json_decref(list);
	return text;
}

/* [[debug_file, debug_id, code_file, version], ...] of modules without symbols. */
static char *missing_list(json_t *processed)
{
	json_t *list = json_array(), *m;
	size_t i;
	json_array_foreach(json_object_get(json_object_get(processed, "json_dump"), "modules"), i, m) {
		json_t *file = json_object_get(m, "debug_file"), *id = json_object_get(m, "debug_id");
		if (json_is_true(json_object_get(m, "missing_symbols")) && json_is_string(file) &&
		    json_is_string(id) && json_string_length(file) && json_string_length(id))
			json_array_append_new(list, json_pack("[O,O,O,O]", file, id,
			    json_object_get(m, "filename") ?: json_null(), json_object_get(m, "version") ?: json_null()));
	}
	char *text = json_dumps(list, JSON_COMPACT);
	json_decref(list);
	return text;
}

/* [[addon], ...]: the add-on list in the shape replace_rows() takes. */
static char *addon_list(json_t *processed)
{
	json_t *list = json_array(), *a;
	size_t i;
	json_array_foreach(json_object_get(processed, "addons"), i, a)
		if (json_is_string(a))
			json_array_append_new(list, json_pack("[O]", a));
	char *text = json_dumps(list, JSON_COMPACT);
	json_decref(list);
	return text;
}

/*
 * Replaces a crash's rows of table (crash_id, date_processed, then ncols
 * columns) with those of rows, a JSON list of lists: one statement to
 * delete, one to insert them all, whatever their number.
 */
static int replace_rows(struct db *db, const char *table, int ncols, const char *id,
    const char *date, const char *rows, char **err)
{
	const bool lite = db->kind == DB_SQLITE;
	struct buf sql;
	buf_init(&sql);
	buf_printf(&sql, "INSERT INTO %s SELECT $1, %s", table, lite ? "$2" : "$2::timestamptz");
	for (int i = 0; i < ncols; i++)
		buf_printf(&sql, lite ? ", json_extract(value, '$[%d]')" : ", m->>%d", i);
	buf_puts(&sql, lite ? " FROM json_each($3) WHERE true ON CONFLICT DO NOTHING"
	    : " FROM jsonb_array_elements($3::jsonb) m ON CONFLICT DO NOTHING");
	char *del = xasprintf("DELETE FROM %s WHERE crash_id = $1", table);
	const char *params[] = { id, date, rows };
	int rc = db_query(db, del, 1, params, NULL, NULL, err);
	if (rc == 0)
		rc = db_query(db, sql.data, 3, params, NULL, NULL, err);
	free(del);
	buf_free(&sql);
	return rc;
}

/* The crash's modules, add-ons and modules without symbols. */
static int put_attributes(struct db *db, json_t *processed, const char *id, const char *date,
    char **err)
{
	char *modules = module_list(processed), *addons = addon_list(processed);
	char *missing = missing_list(processed);
	int rc = replace_rows(db, "crash_modules", 2, id, date, modules, err);
	if (rc == 0)
		rc = replace_rows(db, "crash_addons", 1, id, date, addons, err);
	if (rc == 0)
		rc = replace_rows(db, "crash_missing_symbols", 4, id, date, missing, err);
	free(modules);
	free(addons);
	free(missing);
	return rc;
}

int db_put_crash(struct db *db, json_t *processed, char **err)
{
	return db_put_crash_and(db, processed, NULL, NULL, err);
}

int db_put_crash_and(struct db *db, json_t *processed,
    int (*then)(struct db *db, void *ctx, char **err), void *ctx, char **err)
{
	const char *date = json_string_value(json_object_get(processed, "date_processed"));
	if (!date || !json_is_string(json_object_get(processed, "uuid"))) {
		*err = xstrdup("processed crash without uuid or date_processed");
		return -1;
	}
	char day[11];
	snprintf(day, sizeof day, "%.10s", date);
	if (db_ensure_partitions(db, day, day, err) != 0)
		return -1;
	char *values[NCOLUMNS];
	for (size_t i = 0; i < NCOLUMNS; i++)
		values[i] = column_text(json_object_get(processed, crash_columns[i].key),
		    crash_columns[i].type);
	if (!db->upsert)
		db->upsert = upsert_sql(db->kind);
	int rc = db_begin(db, err);
	if (rc == 0)
		rc = db_query(db, db->upsert, (int)NCOLUMNS, (const char *const *)values,
		    NULL, NULL, err);
	if (rc == 0)
		rc = put_attributes(db, processed, values[0], date, err);
	if (rc == 0)
		rc = db_note_signature(db, json_string_value(json_object_get(processed, "signature")),
		    date, json_string_value(json_object_get(processed, "build")), err);
	if (rc == 0 && then)
		rc = then(db, ctx, err);
	if (rc == 0)
		rc = db_commit(db, err);
	else
		db_rollback(db);
	for (size_t i = 0; i < NCOLUMNS; i++)
		free(values[i]);
	return rc;
}

/* Days since the epoch of a YYYY-MM-DD date; -1 if it is not one. */
static long days_of(const char *date)
{
	struct tm tm = { 0 };
	char *end = strptime(date, "%Y-%m-%d", &tm);
	if (!end || *end)
		return -1;
	return (long)(timegm(&tm) / 86400);
}

static void date_of(long days, char out[11])
{
	time_t t = (time_t)days * 86400;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* The Monday a day's week starts on (1970-01-01 was a Thursday). */
static long monday_of(long days)
{
	return days - ((days + 3) % 7 + 7) % 7;
}

static bool week_known(struct db *db, const char *monday)
{
	for (size_t i = 0; i < db->nweeks; i++)
		if (strcmp(db->weeks[i], monday) == 0)
			return true;
	return false;
}

static int create_week(struct db *db, long monday, char **err)
{
	char from[11], to[11];
	date_of(monday, from);
	date_of(monday + 7, to);
	if (week_known(db, from))
		return 0;
	char *sql = xasprintf("CREATE TABLE IF NOT EXISTS crashes_%.4s%.2s%.2s PARTITION OF crashes"
	    " FOR VALUES FROM ('%s') TO ('%s')", from, from + 5, from + 8, from, to);
	int rc = db->ops->exec(db, sql, err);
	if (rc != 0 && !db_connection_lost(db)) {
		/* Another worker may have created it in the meantime: once more. */
		free(*err);
		*err = NULL;
		rc = db->ops->exec(db, sql, err);
	}
	free(sql);
	if (rc == 0) {
		db->weeks = xrealloc(db->weeks, (db->nweeks + 1) * sizeof *db->weeks);
		db->weeks[db->nweeks++] = xstrdup(from);
	}
	return rc;
}

int db_ensure_partitions(struct db *db, const char *from, const char *to, char **err)
{
	if (db->kind != DB_POSTGRES)
		return 0;
	long first = days_of(from), last = days_of(to);
	if (first < 0 || last < 0) {
		*err = xasprintf("not a date: %s", first < 0 ? from : to);
		return -1;
	}
	for (long monday = monday_of(first); monday <= last; monday += 7)
		if (create_week(db, monday, err) != 0)
			return -1;
	return 0;
}

static int note_partition(void *ctx, int ncols, const char *const *v, const char *const *names)
{
	struct db *db = ctx;
	const char *d = v[0] + strlen("crashes_");
	if (strlen(d) != 8)
		return 0;
	db->weeks = xrealloc(db->weeks, (db->nweeks + 1) * sizeof *db->weeks);
	db->weeks[db->nweeks++] = xasprintf("%.4s-%.2s-%.2s", d, d + 4, d + 6);
	return 0;
}

/*
 * This week's partition and the next four, so inserts never wait on DDL;
 * the existing ones are listed first, so that opening a database costs
 * one query and no DDL most of the time.
 */
static int ensure_weeks_ahead(struct db *db, char **err)
{
	if (db->kind != DB_POSTGRES)
		return 0;
	if (db_query(db, "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
	    " WHERE i.inhparent = 'crashes'::regclass", 0, NULL, note_partition, db, err) != 0)
		return -1;
	char from[11], to[11];
	long today = (long)(time(NULL) / 86400);
	date_of(today, from);
	date_of(today + 28, to);
	return db_ensure_partitions(db, from, to, err);
}

struct partition_list {
	char **names;
	size_t n;
};

static int collect_partition(void *ctx, int ncols, const char *const *values,
    const char *const *names)
{
	struct partition_list *l = ctx;
	l->names = xrealloc(l->names, (l->n + 1) * sizeof *l->names);
	l->names[l->n++] = xstrdup(values[0]);
	return 0;
}

/* Drops the partitions that end on or before date (PostgreSQL). */
static int drop_partitions(struct db *db, long before, char **err)
{
	struct partition_list l = { 0 };
	int rc = db_query(db, "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
	    " WHERE i.inhparent = 'crashes'::regclass ORDER BY 1", 0, NULL, collect_partition, &l, err);
	for (size_t i = 0; i < l.n; i++) {
		char date[11];
		const char *d = l.names[i] + strlen("crashes_");
		snprintf(date, sizeof date, "%.4s-%.2s-%.2s", d, d + 4, d + 6);
		long monday = days_of(date);
		if (rc == 0 && monday >= 0 && monday + 7 <= before) {
			char *sql = xasprintf("DROP TABLE %s", l.names[i]);
			rc = db->ops->exec(db, sql, err);
			free(sql);
			for (size_t w = 0; w < db->nweeks; w++)
				if (strcmp(db->weeks[w], date) == 0)
					db->weeks[w][0] = 0;	/* forget it: it may be made again */
			if (rc == 0)
				log_info("dropped partition %s", l.names[i]);
		}
		free(l.names[i]);
	}
	free(l.names);
	return rc;
}

int db_drop_before(struct db *db, const char *date, char **err)
{
	long before = days_of(date);
	if (before < 0) {
		*err = xasprintf("not a date: %s", date);
		return -1;
	}
	if (db->kind == DB_POSTGRES && drop_partitions(db, before, err) != 0)
		return -1;
	static const char *const tables[] = { "crashes", "crash_modules", "crash_addons",
		"crash_missing_symbols" };
	const char *params[] = { date };
	for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
		char *sql = xasprintf("DELETE FROM %s WHERE date_processed < $1", tables[i]);
		int rc = db_query(db, sql, 1, params, NULL, NULL, err);
		free(sql);
		if (rc != 0)
			return -1;
	}
	return 0;
}
