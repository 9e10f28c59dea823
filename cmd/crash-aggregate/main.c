/*
 * crash-aggregate: the reports release engineers act on, from the
 * metadata database: `update` (the cron job that materializes the daily
 * aggregates) and one subcommand per question.
 *
 *   crash-aggregate --db DB update [--date D]
 *   crash-aggregate --db DB topcrashers --product P [--version V]... --days N --end-date D
 *   crash-aggregate --db DB status [--claim-timeout SECONDS]
 */
#include "agg.h"
#include "aggregate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct conf_option options[] = {
	{ "db", CONF_STR, "crash.db", "DB", "the database: sqlite:PATH, a path, or postgresql://..." },
	{ "format", CONF_STR, NULL, "FORMAT", "table, csv, ndjson or html (default: table on a terminal, else ndjson)" },
	{ "product", CONF_STR, NULL, "NAME", "only this product" },
	{ "version", CONF_LIST, NULL, "VERSION", "only these versions (repeatable)" },
	{ "channel", CONF_STR, NULL, "NAME", "only this release channel" },
	{ "process-type", CONF_STR, NULL, "TYPE", "only this process type (parent, content, gpu, ...)" },
	{ "os", CONF_STR, NULL, "NAME", "only this OS (Windows NT, Mac OS X, Linux, ...)" },
	{ "days", CONF_INT, "7", "N", "window length in days (1, 3, 7, 14, 28 ...)" },
	{ "end-date", CONF_STR, NULL, "YYYY-MM-DD", "the window ends before this day (default today)" },
	{ "by", CONF_STR, "report", "report|build", "window over report dates or build dates" },
	{ "limit", CONF_INT, "50", "N", "rows at most (0: all)" },
	{ "from-crashes", CONF_BOOL, "no", NULL, "compute from crash rows, not the aggregates" },
	{ "date", CONF_STR, NULL, "YYYY-MM-DD", "update: only this day (default: every day that changed)" },
	{ "signature", CONF_STR, NULL, "SIGNATURE", "correlations: the signature" },
	{ "module", CONF_STR, NULL, "NAME", "modules, frankeninstalls: the module" },
	{ "build", CONF_LIST, NULL, "BUILD_ID", "rates: only this build; compare-builds: the two builds" },
	{ "min-count", CONF_INT, "10", "N", "explosive: crashes on the day at least" },
	{ "threshold", CONF_STR, "3", "SCORE", "explosive: score at least" },
	{ "uptime-slack", CONF_INT, "5", "SECONDS", "duplicates: uptimes this close are the same crash" },
	{ "bugzilla", CONF_STR, NULL, "URL", "bugs: the Bugzilla to read (e.g. https://bugzilla.mozilla.org)" },
	{ "claim-timeout", CONF_INT, "600", "SECONDS", "status: a queue claim older than this is waiting again" },
	{ "keep-days", CONF_INT, "180", "DAYS", "expire: keep the crashes of this many days, today included" },
	{ "before", CONF_STR, NULL, "YYYY-MM-DD", "expire: remove the crashes of days before this one instead" },
	{ NULL, 0, NULL, NULL, NULL },
};

static const char usage[] = "[--db DB] [--format FORMAT] COMMAND [OPTIONS]\n"
    "commands: update, topcrashers, new, explosive, import-adu FILE.csv, rates,\n"
    "compare-builds, correlations, modules, frankeninstalls, duplicates,\n"
    "bugs --bugzilla URL, import-builds URL|FILE, status, expire [--keep-days N | --before DATE]";

static int cmd_update(struct agg *a)
{
	char *err = NULL;
	int updated;
	if (aggregate_update(a->db, conf_str(a->conf, "date"), &updated, &err) != 0) {
		log_err("update: %s", err);
		free(err);
		return 1;
	}
	log_info("%d day%s aggregated", updated, updated == 1 ? "" : "s");
	return 0;
}

/*
 * expire: the database's retention. The crash rows of days before the
 * cutoff go with their modules, add-ons and missing symbols (whole weekly
 * partitions on PostgreSQL); the aggregates stay, for long-term trends.
 */
static int cmd_expire(struct agg *a)
{
	const char *before = conf_str(a->conf, "before");
	long day = retention_first_day(before, conf_int(a->conf, "keep-days"));
	if (day < 0) {
		log_err(before ? "--before %s: expected YYYY-MM-DD" : "--keep-days must be at least 1", before);
		return 2;
	}
	char first[11], *err = NULL;
	day_string(day, first);
	if (db_drop_before(a->db, first, &err) != 0) {
		log_err("expire: %s", err);
		free(err);
		return 1;
	}
	log_info("expired the crashes of days before %s", first);
	return 0;
}

static const char *import_file;

static int cmd_import(struct agg *a)
{
	return cmd_import_adu(a, import_file);
}

static int cmd_builds(struct agg *a)
{
	return cmd_import_builds(a, import_file);
}

static const struct command {
	const char *name;
	int (*run)(struct agg *a);
	int nargs;
} commands[] = {
	{ "update", cmd_update, 0 },
	{ "topcrashers", cmd_topcrashers, 0 },
	{ "new", cmd_new, 0 },
	{ "explosive", cmd_explosive, 0 },
	{ "import-adu", cmd_import, 1 },
	{ "rates", cmd_rates, 0 },
	{ "compare-builds", cmd_compare_builds, 0 },
	{ "correlations", cmd_correlations, 0 },
	{ "modules", cmd_modules, 0 },
	{ "frankeninstalls", cmd_frankeninstalls, 0 },
	{ "duplicates", cmd_duplicates, 0 },
	{ "bugs", cmd_bugs, 0 },
	{ "import-builds", cmd_builds, 1 },
	{ "status", cmd_status, 0 },
	{ "expire", cmd_expire, 0 },
};

int main(int argc, char **argv)
{
	progname = "crash-aggregate";
	char **rest;
	int nrest;
	struct agg a = { 0 };
	a.conf = conf_load(options, usage, argc, argv, &rest, &nrest);
	if (nrest < 1)
		die(2, "usage: crash-aggregate %s", usage);
	const struct command *cmd = NULL;
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(rest[0], commands[i].name) == 0)
			cmd = &commands[i];
	if (!cmd)
		die(2, "unknown command %s; usage: crash-aggregate %s", rest[0], usage);
	if (nrest != 1 + cmd->nargs)
		die(2, "usage: crash-aggregate %s", usage);
	import_file = cmd->nargs ? rest[1] : NULL;
	const char *format = conf_str(a.conf, "format");
	int f = format ? report_format_parse(format) : isatty(1) ? FORMAT_TABLE : FORMAT_NDJSON;
	if (f < 0)
		die(2, "--format table, csv, ndjson or html");
	a.format = f;
	char *err = NULL;
	if (cmd->run == cmd_status)
		status_db_exists(conf_str(a.conf, "db"));
	a.db = db_open(conf_str(a.conf, "db"), &err);
	if (!a.db)
		die(1, "%s", err);
	double start = now_ms();
	int status = cmd->run(&a);
	/* The report's own time, without process start and connection. */
	log_debug("%s: %.1f ms", cmd->name, now_ms() - start);
	db_close(a.db);
	free(rest);
	conf_free(a.conf);
	return status;
}
