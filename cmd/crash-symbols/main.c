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
#include "missing.h"
#include "progress.h"
#include "symstore.h"
#include "util.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

static const struct conf_option options[] = {
	{ "store", CONF_STR, "symbols", "DIR", "the symbol store" },
	{ "max-file", CONF_SIZE, "2G", "BYTES", "add: largest .sym accepted" },
	{ "db", CONF_STR, "crash.db", "DB", "missing: the database crash-process writes" },
	{ "days", CONF_INT, "7", "N", "missing: crashes received in the last N days" },
	{ "format", CONF_STR, NULL, "FORMAT", "missing: table, csv or ndjson (default: table on a terminal)" },
	{ "crash-ids", CONF_BOOL, "no", NULL, "missing: the crashes the store now has symbols for" },
	{ "max-size", CONF_SIZE, "0", "BYTES", "gc: keep the store within this size (0: any)" },
	{ "max-age", CONF_INT, "0", "DAYS", "gc: remove what was not used for this long (0: keep)" },
	{ NULL, 0, NULL, NULL, NULL },
};

static const char usage[] = "add [--store DIR] FILE.sym|ARCHIVE.zip...\n"
    "       crash-symbols missing [--db DB] [--days N] [--format FORMAT] [--crash-ids --store DIR]\n"
    "       crash-symbols gc [--store DIR] [--max-size BYTES] [--max-age DAYS]";

static int failures;

static void report(const char *file, const char *entry, const char *dest, const char *why)
{
	json_t *line = json_pack("{s:s,s:s}", "file", file, "status", dest ? "added" : "rejected");
	if (entry)
		json_object_set_new(line, "entry", json_string(entry));
	if (dest)
		json_object_set_new(line, "path", json_string(dest));
	if (why)
		json_object_set_new(line, "reason", json_string(why));
	char *s = json_dumps(line, JSON_COMPACT);
	puts(s);
	free(s);
	json_decref(line);
	if (!dest) {
		failures++;
		log_err("%s%s%s: %s", file, entry ? ": " : "", entry ? entry : "", why);
	}
}

static void add_text(const char *store, const char *file, const char *entry, const char *text, size_t len)
{
	char *dest = NULL, *err = NULL;
	if (symstore_add(store, text, len, &dest, &err) == 0)
		report(file, entry, dest, NULL);
	else
		report(file, entry, NULL, err);
	free(dest);
	free(err);
}

/* A name inside an archive that tries to leave it. */
static bool escapes(const char *name)
{
	if (name[0] == '/' || name[0] == '\\' || strstr(name, ":"))
		return true;
	for (const char *p = name; *p; ) {
		size_t n = strcspn(p, "/\\");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return true;
		p += n + (p[n] != 0);
	}
	return false;
}

static void add_zip(const char *store, const char *file, long long max)
{
	int code;
	zip_t *z = zip_open(file, ZIP_RDONLY | ZIP_CHECKCONS, &code);
	if (!z) {
		zip_error_t e;
		zip_error_init_with_code(&e, code);
		report(file, NULL, NULL, zip_error_strerror(&e));
		zip_error_fini(&e);
		return;
	}
	zip_int64_t n = zip_get_num_entries(z, 0);
	for (zip_int64_t i = 0; i < n; i++) {
		zip_stat_t st;
		if (zip_stat_index(z, (zip_uint64_t)i, 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME))
			continue;
		size_t nl = strlen(st.name);
		if (nl < 4 || strcmp(st.name + nl - 4, ".sym") != 0)
			continue;	/* directories, README files, ... */
		if (escapes(st.name)) {
			report(file, st.name, NULL, "path leaves the archive (traversal attempt)");
			continue;
		}
		if (!(st.valid & ZIP_STAT_SIZE) || (long long)st.size > max) {
			report(file, st.name, NULL, "larger than --max-file");
			continue;
		}
		zip_file_t *f = zip_fopen_index(z, (zip_uint64_t)i, 0);
		char *text = xmalloc(st.size + 1);
		zip_int64_t got = f ? zip_fread(f, text, st.size) : -1;
		if (f)
			zip_fclose(f);
		if (got != (zip_int64_t)st.size)
			report(file, st.name, NULL, f ? "corrupt entry (read failed or short)" : zip_strerror(z));
		else
			add_text(store, file, st.name, text, st.size);
		free(text);
	}
	zip_discard(z);
}

static void add_file(const char *store, const char *file, long long max)
{
	if (file_has_magic(file, "PK\x03\x04", 4)) {
		add_zip(store, file, max);
		return;
	}
	size_t len;
	char *text = read_file(file, (size_t)max, &len);
	if (!text) {
		report(file, NULL, NULL, errno == EFBIG ? "larger than --max-file" : strerror(errno));
		return;
	}
	add_text(store, file, NULL, text, len);
	free(text);
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
