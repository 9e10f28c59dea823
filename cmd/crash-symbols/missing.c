/*
 * missing.c: `crash-symbols missing`: the modules that appeared in crashes
 * without symbols, ranked by how many crashes they touched (the list build
 * engineers work from), or with --crash-ids the crashes that would walk
 * better now that the store has symbols they lacked, to feed
 * `crash-process --reprocess`.
 */
#include "db.h"
#include "missing.h"
#include "report.h"
#include "symstore.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *columns[] = { "rank", "debug_file", "debug_id", "code_file", "version", "crashes", NULL };

static int add_module(void *ctx, int ncols, const char *const *v, const char *const *names)
{
	struct report *r = ctx;
	report_add(r, json_pack("[I,s,s,s?,s?,I]", (json_int_t)json_array_size(r->rows) + 1, v[0], v[1],
	    v[2], v[3], (json_int_t)atoll(v[4])));
	return 0;
}

struct improvable {
	const char *store;
	char *last;
};

/* crash_id, debug_file, debug_id: a crash is printed once, when a module's symbols exist now. */
static int add_crash(void *ctx, int ncols, const char *const *v, const char *const *names)
{
	struct improvable *im = ctx;
	if (im->last && !strcmp(im->last, v[0]))
		return 0;
	char *path = symstore_path(im->store, v[1], v[2]);
	if (access(path, R_OK) == 0) {
		printf("%s\n", v[0]);
		free(im->last);
		im->last = xstrdup(v[0]);
	}
	free(path);
	return 0;
}

int missing_main(struct conf *c)
{
	char *err = NULL, since[33];
	struct db *db = db_open(conf_str(c, "db"), &err);
	if (!db)
		die(1, "%s", err);
	time_t t = time(NULL) - (time_t)conf_int(c, "days") * 86400;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%S+00:00", &tm);
	const char *params[] = { since };
	int rc;
	if (conf_bool(c, "crash-ids")) {
		struct improvable im = { conf_str(c, "store"), NULL };
		rc = db_stream(db, "SELECT crash_id, debug_file, debug_id FROM crash_missing_symbols"
		    " WHERE date_processed >= $1 ORDER BY 1", 1, params, add_crash, &im, &err);
		free(im.last);
	} else {
		const char *format = conf_str(c, "format");
		int f = format ? report_format_parse(format) : isatty(1) ? FORMAT_TABLE : FORMAT_NDJSON;
		if (f < 0 || f == FORMAT_HTML)
			die(2, "--format table, csv or ndjson");
		char *title = xasprintf("Modules without symbols in the last %lld days", conf_int(c, "days"));
		struct report *r = report_new(title, columns);
		free(title);
		rc = db_query(db, "SELECT debug_file, debug_id, max(code_file), max(version),"
		    " count(DISTINCT crash_id) FROM crash_missing_symbols WHERE date_processed >= $1"
		    " GROUP BY 1, 2 ORDER BY 5 DESC, 1, 2", 1, params, add_module, r, &err);
		if (rc == 0 && report_print(r, f, stdout) != 0)
			rc = -1, err = xstrdup("writing the report failed");
		report_free(r);
	}
	if (rc != 0) {
		log_err("missing: %s", err);
		free(err);
	}
	db_close(db);
	return rc == 0 ? 0 : 1;
}
