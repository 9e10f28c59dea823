/*
 * db_schema.c: the schema and its migrations. Each migration is applied
 * once, in order, in a transaction, and recorded in schema_version; a
 * database of any older version is brought up to date when opened.
 *
 * On PostgreSQL, crashes is partitioned by week of date_processed (the day
 * the collector received the crash, what reports group by); partitions are
 * created ahead by db_ensure_partitions() and dropped by retention.
 */
#include "db_impl.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* Columns both backends share; types differ only for times and flags. */
#define CRASH_COLUMNS(TIME, FLAG) \
	"crash_id TEXT NOT NULL, date_processed " TIME " NOT NULL, processed_at " TIME "," \
	"product TEXT, version TEXT, release_channel TEXT, build_id TEXT," \
	"os_name TEXT, os_version TEXT, cpu_arch TEXT, cpu_info TEXT, process_type TEXT," \
	"signature TEXT, reason TEXT, address TEXT, crashing_thread INTEGER," \
	"uptime BIGINT, install_time BIGINT, install_age BIGINT, last_crash BIGINT," \
	"startup_crash " FLAG ", hang_type INTEGER, crash_time BIGINT," \
	"email TEXT, url TEXT, user_comments TEXT, app_notes TEXT," \
	"adapter_vendor_id TEXT, adapter_device_id TEXT, topmost_filenames TEXT," \
	"modules_missing_symbols INTEGER, minidump_sha256 TEXT, throttle_rate INTEGER," \
	"success " FLAG ", duplicate_of TEXT"

#define OTHER_TABLES(TIME) \
	"CREATE TABLE signatures (signature TEXT PRIMARY KEY, first_report " TIME " NOT NULL," \
	"  first_build TEXT);" \
	"CREATE TABLE product_versions (product TEXT NOT NULL, version TEXT NOT NULL," \
	"  release_channel TEXT, build_id TEXT NOT NULL DEFAULT '', build_date " TIME "," \
	"  featured INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (product, version, build_id));" \
	"CREATE TABLE bug_associations (bug_id BIGINT NOT NULL, signature TEXT NOT NULL," \
	"  PRIMARY KEY (bug_id, signature));" \
	"CREATE INDEX bug_associations_signature ON bug_associations (signature);" \
	"CREATE TABLE adu (date DATE NOT NULL, product TEXT NOT NULL, version TEXT NOT NULL," \
	"  build_id TEXT NOT NULL DEFAULT '', os_name TEXT NOT NULL DEFAULT ''," \
	"  count BIGINT NOT NULL, PRIMARY KEY (date, product, version, build_id, os_name));" \
	"CREATE TABLE daily_aggregates (date DATE NOT NULL, product TEXT NOT NULL," \
	"  version TEXT NOT NULL, os_name TEXT NOT NULL DEFAULT '', signature TEXT NOT NULL," \
	"  count BIGINT NOT NULL, PRIMARY KEY (date, product, version, os_name, signature));"

#define CRASH_INDEXES \
	"CREATE INDEX crashes_date ON crashes (date_processed);" \
	"CREATE INDEX crashes_product ON crashes (product, version, date_processed);" \
	"CREATE INDEX crashes_signature ON crashes (signature, date_processed);"

/*
 * Version 2: daily aggregates keyed by everything reports filter on, with
 * a sketch of the installs behind each row (sketch.h) and the count
 * corrected for throttling (each crash weighs 100 / its throttle rate,
 * the crashes it stands for); the days they are up to date for; per day x
 * product x version x signature with OS counts (signature_days), and the
 * top signatures of the standard windows ending on each day (top_windows,
 * top_window_totals), which topcrashers reads; modules and add-ons of each
 * crash, for correlations.
 */
#define AGGREGATES(TIME) \
	"DROP TABLE daily_aggregates;" \
	"CREATE TABLE daily_aggregates (date DATE NOT NULL, product TEXT NOT NULL," \
	"  version TEXT NOT NULL, release_channel TEXT NOT NULL, process_type TEXT NOT NULL," \
	"  os_name TEXT NOT NULL, build_id TEXT NOT NULL, signature TEXT NOT NULL," \
	"  count BIGINT NOT NULL, startup_count BIGINT NOT NULL, installs TEXT," \
	"  sampled_count DOUBLE PRECISION NOT NULL DEFAULT 0," \
	"  PRIMARY KEY (date, product, version, release_channel, process_type, os_name, build_id, signature));" \
	"CREATE INDEX daily_aggregates_product ON daily_aggregates (product, date);" \
	"CREATE INDEX daily_aggregates_signature ON daily_aggregates (signature, date);" \
	"CREATE TABLE signature_days (date DATE NOT NULL, product TEXT NOT NULL, version TEXT NOT NULL," \
	"  signature TEXT NOT NULL, count BIGINT NOT NULL, startup_count BIGINT NOT NULL," \
	"  win_count BIGINT NOT NULL, mac_count BIGINT NOT NULL, lin_count BIGINT NOT NULL," \
	"  other_count BIGINT NOT NULL, installs TEXT, PRIMARY KEY (product, version, signature, date));" \
	"CREATE INDEX signature_days_date ON signature_days (date);" \
	"CREATE TABLE top_windows (end_date DATE NOT NULL, days INTEGER NOT NULL, product TEXT NOT NULL," \
	"  version TEXT NOT NULL, signature TEXT NOT NULL, count BIGINT NOT NULL," \
	"  startup_count BIGINT NOT NULL, win_count BIGINT NOT NULL, mac_count BIGINT NOT NULL," \
	"  lin_count BIGINT NOT NULL, other_count BIGINT NOT NULL, versions_count INTEGER NOT NULL," \
	"  PRIMARY KEY (end_date, days, product, version, signature));" \
	"CREATE TABLE top_window_totals (end_date DATE NOT NULL, days INTEGER NOT NULL," \
	"  product TEXT NOT NULL, version TEXT NOT NULL, total BIGINT NOT NULL," \
	"  PRIMARY KEY (end_date, days, product, version));" \
	"CREATE TABLE aggregate_days (date DATE PRIMARY KEY, crashes BIGINT NOT NULL," \
	"  last_processed TEXT, updated_at " TIME ");" \
	"CREATE TABLE crash_modules (crash_id TEXT NOT NULL, date_processed " TIME " NOT NULL," \
	"  module TEXT NOT NULL, module_version TEXT, PRIMARY KEY (crash_id, module));" \
	"CREATE INDEX crash_modules_module ON crash_modules (module, date_processed);" \
	"CREATE TABLE crash_addons (crash_id TEXT NOT NULL, date_processed " TIME " NOT NULL," \
	"  addon TEXT NOT NULL, PRIMARY KEY (crash_id, addon));"

/* Version 3: the modules each crash had no symbols for (crash-symbols missing). */
#define MISSING_SYMBOLS(TIME) \
	"CREATE TABLE crash_missing_symbols (crash_id TEXT NOT NULL, date_processed " TIME " NOT NULL," \
	"  debug_file TEXT NOT NULL, debug_id TEXT NOT NULL, code_file TEXT, version TEXT," \
	"  PRIMARY KEY (crash_id, debug_file, debug_id));" \
	"CREATE INDEX crash_missing_symbols_date ON crash_missing_symbols (date_processed);"

/*
 * Version 4: the work queue of crash-process workers (queue.h), times in
 * Unix seconds; crashes by processing time, for the health checks.
 */
#define QUEUE \
	"CREATE TABLE crash_queue (crash_id TEXT PRIMARY KEY, queued_at BIGINT NOT NULL," \
	"  claimed_by TEXT, claimed_at BIGINT, attempts INTEGER NOT NULL DEFAULT 0);" \
	"CREATE INDEX crash_queue_order ON crash_queue (queued_at, crash_id);" \
	"CREATE INDEX crashes_processed_at ON crashes (processed_at);"

/*
 * Version 5: the distinct installs of each row of top_windows, merged
 * from the day sketches once the window is made (aggwinstalls.c); the
 * index finds the rows still without. Until they have them, topcrashers
 * merges the sketches.
 */
#define WINDOW_INSTALLS "ALTER TABLE top_windows ADD COLUMN installs BIGINT;" \
	"CREATE INDEX top_windows_no_installs ON top_windows (end_date) WHERE installs IS NULL;"

struct migration {
	int version;
	const char *sqlite;
	const char *postgres;
};

static const struct migration migrations[] = {
	{ 1,
	  "CREATE TABLE crashes (" CRASH_COLUMNS("TEXT", "INTEGER") ", PRIMARY KEY (crash_id));"
	  CRASH_INDEXES OTHER_TABLES("TEXT"),
	  "CREATE TABLE crashes (" CRASH_COLUMNS("TIMESTAMPTZ", "BOOLEAN")
	  ", PRIMARY KEY (crash_id, date_processed)) PARTITION BY RANGE (date_processed);"
	  CRASH_INDEXES "CREATE INDEX crashes_id ON crashes (crash_id);"
	  OTHER_TABLES("TIMESTAMPTZ") },
	{ 2, AGGREGATES("TEXT"), AGGREGATES("TIMESTAMPTZ") },
	{ 3, MISSING_SYMBOLS("TEXT"), MISSING_SYMBOLS("TIMESTAMPTZ") },
	{ 4, QUEUE, QUEUE },
	{ 5, WINDOW_INSTALLS, WINDOW_INSTALLS },
};

static int read_version(void *ctx, int ncols, const char *const *values, const char *const *names)
{
	*(int *)ctx = values[0] ? atoi(values[0]) : 0;
	return 0;
}

int db_schema_version(struct db *db)
{
	int version = 0;
	char *err = NULL;
	if (db_query(db, "SELECT max(version) FROM schema_version", 0, NULL, read_version,
	    &version, &err) != 0)
		free(err);
	return version;
}

static int apply(struct db *db, const struct migration *m, char **err)
{
	char v[16];
	snprintf(v, sizeof v, "%d", m->version);
	const char *params[] = { v };
	if (db->ops->exec(db, db->kind == DB_SQLITE ? m->sqlite : m->postgres, err) != 0 ||
	    db_query(db, "INSERT INTO schema_version (version) VALUES ($1)", 1, params,
	    NULL, NULL, err) != 0)
		return -1;
	log_info("database migrated to schema version %d", m->version);
	return 0;
}

int db_migrate(struct db *db, char **err)
{
	const size_t n = sizeof migrations / sizeof migrations[0];
	if (db_schema_version(db) >= migrations[n - 1].version)
		return 0;	/* the usual case: nothing to do, no lock taken */
	/*
	 * Take the write lock first, so that two processes never both migrate,
	 * nor both create schema_version (PostgreSQL's CREATE TABLE IF NOT
	 * EXISTS is not safe against itself).
	 */
	if (db->ops->exec(db, db->kind == DB_SQLITE ? "BEGIN IMMEDIATE"
	    : "BEGIN; SELECT pg_advisory_xact_lock(5272741)", err) != 0)
		return -1;
	if (db->ops->exec(db, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)",
	    err) != 0) {
		db_rollback(db);
		return -1;
	}
	int current = db_schema_version(db);
	for (size_t i = 0; i < n; i++) {
		if (migrations[i].version <= current)
			continue;
		if (apply(db, &migrations[i], err) != 0) {
			db_rollback(db);
			return -1;
		}
	}
	return db_commit(db, err);
}
