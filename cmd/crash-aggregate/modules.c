/*
 * modules.c: crashes by version of one module (`modules`), and crashes
 * whose product modules carry a version other than the product's
 * (`frankeninstalls`: an update that half happened, or files mixed from
 * two installs).
 */
#include "agg.h"

#include <stdlib.h>
#include <string.h>

/* The modules that make up a product, for frankeninstalls by default. */
static const char *const product_modules[] = {
	"xul.dll", "libxul.so", "XUL", "firefox.exe", "thunderbird.exe", "mozglue.dll",
	"libmozglue.so", "nss3.dll", "electron.exe", "chrome.dll", "libcef.so",
};

static int window_filter(struct agg *a, struct filter *f, struct window *w)
{
	if (!window_from_conf(a, w))
		return -1;
	filter_common(f, a);
	filter_add(f, "c.date_processed >= $%d", w->start);
	filter_add(f, "c.date_processed < $%d", w->end);
	return 0;
}

static int add_version(void *ctx, int ncols, const char *const *v, const char *const *names)
{
	json_t *rows = ctx;
	json_array_append_new(rows, json_pack("[s,I,I]", v[0] ? v[0] : "", (json_int_t)atoll(v[1]),
	    (json_int_t)atoll(v[2])));
	return 0;
}

static const char *module_columns[] = { "rank", "module_version", "count", "percent", "signatures", NULL };

int cmd_modules(struct agg *a)
{
	const char *module = conf_str(a->conf, "module");
	if (!module)
		die(2, "modules: --module is required");
	struct filter f;
	struct window w;
	filter_init(&f);
	int mparam = filter_param(&f, module);
	if (window_filter(a, &f, &w) != 0) {
		filter_free(&f);
		return 2;
	}
	char *sql = xasprintf("SELECT coalesce(m.module_version, ''), count(*), count(DISTINCT c.signature)"
	    " FROM crash_modules m JOIN crashes c ON c.crash_id = m.crash_id"
	    " WHERE m.module = $%d%s GROUP BY 1 ORDER BY 2 DESC, 1", mparam, f.sql.data);
	json_t *rows = json_array(), *row;
	int rc = filter_query(a, sql, &f, add_version, rows);
	free(sql);
	filter_free(&f);
	if (rc != 0) {
		json_decref(rows);
		return 1;
	}
	long long total = 0;
	size_t i;
	json_array_foreach(rows, i, row)
		total += json_integer_value(json_array_get(row, 1));
	char *title = xasprintf("Crashes with %s by its version, %d days before %s", module, w.days, w.end);
	struct report *r = report_new(title, module_columns);
	free(title);
	r->footer = xasprintf("%lld crashes with %s loaded", total, module);
	json_array_foreach(rows, i, row) {
		json_int_t n = json_integer_value(json_array_get(row, 1));
		report_add(r, json_pack("[I,O,I,o,O]", (json_int_t)i + 1, json_array_get(row, 0), n,
		    report_share(total ? 100.0 * (double)n / (double)total : 0), json_array_get(row, 2)));
	}
	int status = agg_print(a, r);
	report_free(r);
	json_decref(rows);
	return status;
}

/* "121.0b3" -> "121.0": the numeric part module versions should start with. */
static size_t numeric_prefix(const char *v)
{
	size_t n = 0;
	while ((v[n] >= '0' && v[n] <= '9') || v[n] == '.')
		n++;
	while (n && v[n - 1] == '.')
		n--;
	return n;
}

static bool version_agrees(const char *product_version, const char *module_version)
{
	size_t n = numeric_prefix(product_version);
	return n == 0 || (strncmp(module_version, product_version, n) == 0 &&
	    (module_version[n] == 0 || module_version[n] == '.'));
}

/* crash_id, date, product, version, module, module_version, signature */
static int add_franken(void *ctx, int ncols, const char *const *v, const char *const *names)
{
	struct report *r = ctx;
	if (version_agrees(v[3] ? v[3] : "", v[5]))
		return 0;
	report_add(r, json_pack("[s,s,s?,s?,s,s,s?]", v[0], v[1], v[2], v[3], v[4], v[5], v[6]));
	return 0;
}

static const char *franken_columns[] = {
	"crash_id", "date_processed", "product", "version", "module", "module_version", "signature", NULL,
};

int cmd_frankeninstalls(struct agg *a)
{
	struct filter f;
	struct window w;
	filter_init(&f);
	const char *one = conf_str(a->conf, "module");
	if (one)
		filter_in(&f, "m.module", &one, 1);
	else
		filter_in(&f, "m.module", product_modules, sizeof product_modules / sizeof product_modules[0]);
	if (window_filter(a, &f, &w) != 0) {
		filter_free(&f);
		return 2;
	}
	char *sql = xasprintf("SELECT c.crash_id, %s, c.product, c.version, m.module, m.module_version,"
	    " c.signature FROM crash_modules m JOIN crashes c ON c.crash_id = m.crash_id"
	    " WHERE m.module_version IS NOT NULL AND m.module_version <> ''%s ORDER BY 2, 1, 5",
	    db_kind(a->db) == DB_SQLITE ? "c.date_processed" : "c.date_processed::text", f.sql.data);
	char *title = xasprintf("Frankeninstalls: product modules of another version, %d days before %s",
	    w.days, w.end);
	struct report *r = report_new(title, franken_columns);
	free(title);
	int rc = filter_query(a, sql, &f, add_franken, r);
	free(sql);
	filter_free(&f);
	int status = rc == 0 ? agg_print(a, r) : 1;
	report_free(r);
	return status;
}
