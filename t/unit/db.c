/*
 * Unit tests: the database layer on SQLite (a scratch file), or on the
 * database given as the first argument (the PostgreSQL test passes its
 * throwaway cluster): migrations, one row per crash however often it is
 * written, first appearance of signatures, retention.
 */
#include "db.h"
#include "dbbatch.h"
#include "util.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int first_value(void *ctx, int ncols, const char *const *v, const char *const *n)
{
	char **out = ctx;
	free(*out);
	*out = xstrdup(v[0] ? v[0] : "NULL");
	return 1;
}

static char *scalar(struct db *db, const char *sql)
{
	char *out = NULL, *err = NULL;
	if (db_query(db, sql, 0, NULL, first_value, &out, &err) != 0) {
		printf("# %s\n", err);
		free(err);
	}
	return out ? out : xstrdup("(none)");
}

static void is_scalar(struct db *db, const char *sql, const char *want, const char *what)
{
	char *got = scalar(db, sql);
	is_str(got, want, "%s", what);
	free(got);
}

static json_t *crash(const char *id, const char *date, const char *sig, const char *build)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:i,s:b}", "uuid", id, "date_processed", date,
	    "signature", sig, "build", build, "product", "Firefox", "uptime", 12, "success", 1);
}

static void put(struct db *db, json_t *c, const char *what)
{
	char *err = NULL;
	ok(db_put_crash(db, c, &err) == 0, "%s", what);
	if (err)
		printf("# %s\n", err);
	free(err);
	json_decref(c);
}

/* Rows inserted a batch at a time: full batches, the rest, NULLs, an error. */
static void test_batch(struct db *db)
{
	char *err = NULL;
	ok(db_query(db, "CREATE TABLE batch_test (n INTEGER PRIMARY KEY, label TEXT)", 0, NULL,
	    NULL, NULL, &err) == 0, "a table for batches");
	struct db_batch b;
	db_batch_init(&b, db, "INSERT INTO batch_test (n, label)", 2);
	int rc = 0;
	for (int i = 0; i < 2 * DB_BATCH_ROWS + 7 && rc == 0; i++) {
		char n[16], label[16];
		snprintf(n, sizeof n, "%d", i);
		snprintf(label, sizeof label, "row %d", i);
		const char *row[] = { n, i % 2 ? label : NULL };
		rc = db_batch_add(&b, row, &err);
	}
	ok(rc == 0 && db_batch_flush(&b, &err) == 0, "%d rows added and flushed", 2 * DB_BATCH_ROWS + 7);
	is_scalar(db, "SELECT count(*) FROM batch_test", "1007", "every row inserted once");
	is_scalar(db, "SELECT count(label) FROM batch_test", "503", "NULLs as NULL");
	is_scalar(db, "SELECT label FROM batch_test WHERE n = 1001", "row 1001", "values in their columns");
	const char *dup[] = { "5", "again" };
	ok(db_batch_add(&b, dup, &err) == 0 && db_batch_flush(&b, &err) != 0 && err,
	    "a failing insert is an error with a message");
	free(err);
	db_batch_free(&b);
}

int main(int argc, char **argv)
{
	char path[] = "/tmp/crash-db-test.XXXXXX";
	char *url = argc > 1 ? xstrdup(argv[1]) : NULL;
	if (!url) {
		int fd = mkstemp(path);
		close(fd);
		url = xasprintf("sqlite:%s", path);
	}
	char *err = NULL;
	struct db *db = db_open(url, &err);
	if (!ok(db != NULL, "opens %s", url)) {
		printf("# %s\n", err);
		return done_testing();
	}
	is_int(db_schema_version(db), 5, "migrated to the current version");
	db_close(db);
	db = db_open(url, &err);
	is_int(db_schema_version(db), 5, "opening again migrates nothing");

	const char *id = "de1bb258-cbbf-4589-a673-34f800261120";
	put(db, crash(id, "2026-11-20T10:00:00+00:00", "A | b", "1"), "a crash row written");
	put(db, crash(id, "2026-11-20T10:00:00+00:00", "A | c", "1"), "the same crash written again");
	char *sql = xasprintf("SELECT count(*) FROM crashes WHERE crash_id = '%s'", id);
	is_scalar(db, sql, "1", "one row per crash");
	free(sql);
	is_scalar(db, "SELECT signature FROM crashes", "A | c", "the second write replaced the first");
	put(db, crash("11111111-cbbf-4589-a673-34f800261118", "2026-11-18T08:00:00+00:00", "A | c", "0"),
	    "an older crash of the same signature");
	put(db, crash("22222222-cbbf-4589-a673-34f800261125", "2026-11-25T08:00:00+00:00", "A | c", "2"),
	    "a newer crash of the same signature");
	is_scalar(db, "SELECT first_build FROM signatures WHERE signature = 'A | c'", "0",
	    "a signature's first appearance is its earliest crash");
	json_t *bad = json_pack("{s:s}", "uuid", id);
	ok(db_put_crash(db, bad, &err) != 0 && err, "a crash without a date is refused");
	free(err);
	err = NULL;
	json_decref(bad);
	ok(db_drop_before(db, "2026-11-19", &err) == 0, "retention runs");
	is_scalar(db, "SELECT count(*) FROM crashes", "2", "crashes before the date are gone");
	ok(db_drop_before(db, "not a date", &err) != 0, "retention refuses a bad date");
	free(err);
	err = NULL;
	ok(db_query(db, "SELECT nonsense FROM nowhere", 0, NULL, NULL, NULL, &err) != 0 && err,
	    "a bad statement is an error with a message");
	free(err);
	err = NULL;
	test_batch(db);
	db_close(db);
	ok(db_open("postgresql://nobody@/x?host=/nonexistent", &err) == NULL && err,
	    "an unreachable server is an error with a message");
	free(err);
	if (argc <= 1)
		unlink(path);
	free(url);
	return done_testing();
}
