/*
 * crash-symbols: the symbol store. `add` puts .sym files, and zip archives
 * of symbol-store trees (as Mozilla's and Electron's builds upload them),
 * into a store, each checked and indexed; one NDJSON line per file says
 * what became of it. `missing` lists what crashes lacked (missing.c);
 * `gc` keeps a store or cache within an age and a size (gc.c).
 *
 *   crash-symbols add --store /srv/symbols xul.sym crashreporter-symbols.zip
 */
#include "conf.h"
#include "fileio.h"
#include "gc.h"
#include "minidump.h"
#include "missing.h"
#include "progress.h"
#include "symfetch.h"
#include "symstore.h"
#include "util.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct conf_option options[] = {
	{ "store", CONF_STR, "symbols", "DIR", "the symbol store" },
	{ "max-file", CONF_SIZE, "2G", "BYTES", "add: largest .sym accepted" },
	{ "db", CONF_STR, "crash.db", "DB", "missing: the database crash-process writes" },
	{ "days", CONF_INT, "7", "N", "missing: crashes received in the last N days" },
	{ "format", CONF_STR, NULL, "FORMAT", "missing: table, csv or ndjson (default: table on a terminal)" },
	{ "crash-ids", CONF_BOOL, "no", NULL, "missing: the crashes the store now has symbols for" },
	{ "max-size", CONF_SIZE, "0", "BYTES", "gc: keep the store within this size (0: any)" },
	{ "max-age", CONF_INT, "0", "DAYS", "gc: remove what was not used for this long (0: keep)" },
	{ "symbols", CONF_LIST, NULL, "DIR", "fetch: local stores that need no fetching (repeatable)" },
	SYMFETCH_OPTIONS,
	{ NULL, 0, NULL, NULL, NULL },
};

static const char usage[] = "add [--store DIR] FILE.sym|ARCHIVE.zip...\n"
    "       crash-symbols missing [--db DB] [--days N] [--format FORMAT] [--crash-ids --store DIR]\n"
    "       crash-symbols gc [--store DIR] [--max-size BYTES] [--max-age DAYS]\n"
    "       crash-symbols fetch --symbols-url URL... [--symbols-url-cache DIR] [--symbols DIR]... DUMP...";

static int failures;

static void report(const char *file, const char *entry, const char *dest, const char *why)
{
	/* File names need not be UTF-8. */
	json_t *line = json_pack("{s:o,s:s}", "file", json_text(file), "status", dest ? "added" : "rejected");
	if (entry)
		json_object_set_new(line, "entry", json_text(entry));
	if (dest)
		json_object_set_new(line, "path", json_text(dest));
	if (why)
		json_object_set_new(line, "reason", json_text(why));
	char *s = json_dumps(line, JSON_COMPACT);
	puts(s);
	free(s);
	json_decref(line);
	if (!dest) {
		failures++;
		log_err("%s%s%s: %s", file, entry ? ": " : "", entry ? entry : "", why);
	}
}

/* Reports each file or archive entry as added or rejected. */
static void on_added(void *ctx, const char *entry, const char *dest, const char *why, bool io_error)
{
	report(ctx, entry, dest, why);
}

static void add_file(const char *store, const char *file, long long max)
{
	symstore_add_file(store, file, max, on_added, (void *)file);
}

/*
 * fetch: the symbols of each dump's modules from symbol servers into the
 * cache (symfetch.h); what crash-stackwalk runs before a walk. One NDJSON
 * line per dump.
 */
static int fetch_main(const struct conf *c, char **dumps, int n)
{
	struct symfetch sf;
	symfetch_from_conf(c, &sf);
	if (!sf.nurls)
		die(2, "fetch: give --symbols-url");
	const char **roots;
	int nroots = conf_list(c, "symbols", &roots);
	int status = 0;
	for (int i = 0; i < n; i++) {
		struct minidump *md = minidump_open(dumps[i]);
		if (md->status == MD_ERR_OPEN || md->status == MD_ERR_HEADER) {
			log_err("%s: %s", dumps[i], md->error);
			status = 1;
		} else {
			int got = symfetch_modules(&sf, md, roots, nroots);
			json_t *line = json_pack("{s:o, s:i}", "dump", json_text(dumps[i]), "fetched", got);
			char *text = json_dumps(line, JSON_COMPACT);
			puts(text);
			free(text);
			json_decref(line);
		}
		minidump_free(md);
	}
	return status;
}

int main(int argc, char **argv)
{
	progname = "crash-symbols";
	char **rest;
	int nrest;
	struct conf *c = conf_load(options, usage, argc, argv, &rest, &nrest);
	if (nrest == 1 && !strcmp(rest[0], "missing")) {
		int status = missing_main(c);
		free(rest);
		conf_free(c);
		return status;
	}
	if (nrest >= 2 && !strcmp(rest[0], "fetch")) {
		int status = fetch_main(c, rest + 1, nrest - 1);
		free(rest);
		conf_free(c);
		return status;
	}
	if (nrest == 1 && !strcmp(rest[0], "gc")) {
		int status = gc_main(conf_str(c, "store"), conf_int(c, "max-size"), conf_int(c, "max-age"));
		free(rest);
		conf_free(c);
		return status;
	}
	if (nrest < 2 || strcmp(rest[0], "add") != 0)
		die(2, "usage: crash-symbols %s", usage);
	const char *store = conf_str(c, "store");
	struct progress p;
	progress_start(&p, "files added", nrest - 1);
	for (int i = 1; i < nrest; i++) {
		int before = failures;
		add_file(store, rest[i], conf_int(c, "max-file"));
		progress_add(&p, 1, failures != before, 0);
	}
	progress_end(&p);
	free(rest);
	conf_free(c);
	return failures ? 1 : 0;
}
