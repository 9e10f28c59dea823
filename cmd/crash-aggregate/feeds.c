/*
 * feeds.c: the integrations. `bugs` reads the bugs that carry crash
 * signatures from a Bugzilla REST API and makes bug_associations say
 * exactly that; `import-builds` reads product versions and builds from a
 * JSON or CSV feed. A feed is fetched and checked whole before anything is
 * written, in one transaction: a half-fetched feed never replaces good data.
 */
#include "agg.h"
#include "aggregate.h"
#include "csv.h"
#include "fetch.h"
#include "strmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define FEED_MAX (64 << 20)
#define BUGS_PAGE 500

/*
 * The signatures in a cf_crash_signature value: each "[@ ...]" entry, up
 * to its last "]" (signatures themselves may hold brackets).
 */
static void add_signatures(json_t *out, long long bug, const char *field)
{
	const char *p = field;
	while ((p = strstr(p, "[@"))) {
		p += 2;
		const char *next = strstr(p, "[@");
		const char *end = next ? next : p + strlen(p);
		const char *close = NULL;
		for (const char *q = p; q < end; q++)
			if (*q == ']')
				close = q;
		if (!close)
			continue;
		char *sig = xstrndup(p, (size_t)(close - p));
		char *t = strtrim(sig);
		if (*t)
			json_array_append_new(out, json_pack("[I,s]", (json_int_t)bug, t));
		free(sig);
	}
}

/* Every page of bugs with a crash signature; NULL on any failure. */
static json_t *fetch_bugs(const char *base, char **err)
{
	json_t *pairs = json_array();
	for (long offset = 0;; offset += BUGS_PAGE) {
		char *url = xasprintf("%s/rest/bug?include_fields=id,cf_crash_signature&f1=cf_crash_signature"
		    "&o1=isnotempty&order=bug_id&limit=%d&offset=%ld", base, BUGS_PAGE, offset);
		size_t len;
		char *body = fetch_url(url, FEED_MAX, 4, &len, err);
		free(url);
		json_error_t jerr;
		json_t *doc = body ? json_loadb(body, len, 0, &jerr) : NULL;
		free(body);
		json_t *bugs = json_object_get(doc, "bugs"), *b;
		if (!json_is_array(bugs)) {
			if (!*err)
				*err = xasprintf("Bugzilla answered without a list of bugs");
			json_decref(doc);
			json_decref(pairs);
			return NULL;
		}
		size_t i;
		json_array_foreach(bugs, i, b) {
			json_t *sig = json_object_get(b, "cf_crash_signature");
			if (json_is_integer(json_object_get(b, "id")) && json_is_string(sig))
				add_signatures(pairs, json_integer_value(json_object_get(b, "id")), json_string_value(sig));
		}
		size_t n = json_array_size(bugs);
		json_decref(doc);
		if (n < BUGS_PAGE)
			return pairs;
	}
}

int cmd_bugs(struct agg *a)
{
	const char *base = conf_str(a->conf, "bugzilla");
	char *err = NULL;
	if (!base)
		die(2, "bugs: --bugzilla URL is required");
	json_t *pairs = fetch_bugs(base, &err), *p;
	if (!pairs) {
		log_err("bugs: %s; the associations are left as they were", err);
		free(err);
		return 1;
	}
	size_t i;
	int rc = db_begin(a->db, &err);
	if (rc == 0)
		rc = db_exec(a->db, "DELETE FROM bug_associations", &err);
	json_array_foreach(pairs, i, p) {
		if (rc != 0)
			break;
		char id[24];
		snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_array_get(p, 0)));
		const char *params[] = { id, json_string_value(json_array_get(p, 1)) };
		rc = db_query(a->db, "INSERT INTO bug_associations (bug_id, signature) VALUES ($1, $2)"
		    " ON CONFLICT DO NOTHING", 2, params, NULL, NULL, &err);
	}
	if (rc == 0)
		rc = db_commit(a->db, &err);
	if (rc != 0) {
		db_rollback(a->db);
		log_err("bugs: %s", err);
		free(err);
	} else {
		log_info("bugs: %zu signature associations", json_array_size(pairs));
	}
	json_decref(pairs);
	return rc == 0 ? 0 : 1;
}

/* A build row from a JSON object or CSV fields: product, version, channel, build_id, date. */
struct build {
	const char *f[5];
};

static bool build_ok(const struct build *b, char **why)
{
	if (!b->f[0] || !*b->f[0] || !b->f[1] || !*b->f[1]) {
		*why = xstrdup("product and version are required");
		return false;
	}
	if (b->f[3] && *b->f[3] && strspn(b->f[3], "0123456789") != strlen(b->f[3])) {
		*why = xasprintf("build id %s is not digits", b->f[3]);
		return false;
	}
	if (b->f[4] && *b->f[4] && day_number(b->f[4]) < 0) {
		*why = xasprintf("date %s is not YYYY-MM-DD", b->f[4]);
		return false;
	}
	return true;
}

static int put_build(struct agg *a, const struct build *b, char **err)
{
	const char *params[] = { b->f[0], b->f[1], b->f[2] && *b->f[2] ? b->f[2] : NULL,
		b->f[3] ? b->f[3] : "", b->f[4] && *b->f[4] ? b->f[4] : NULL };
	return db_query(a->db, "INSERT INTO product_versions (product, version, release_channel, build_id,"
	    " build_date) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (product, version, build_id) DO UPDATE"
	    " SET release_channel = excluded.release_channel, build_date = excluded.build_date",
	    5, params, NULL, NULL, err);
}

/* A feed's value as text: numbers (build ids often are) as digits. */
static json_t *json_field(json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(o, a);
	if (!v && b)
		v = json_object_get(o, b);
	if (json_is_integer(v))
		return json_sprintf("%lld", (long long)json_integer_value(v));
	return json_is_string(v) ? json_incref(v) : json_null();
}

/* Parses the feed whole into rows (JSON array, or CSV with a header). */
static bool parse_builds(const char *body, size_t len, json_t **rows, char **err)
{
	json_t *doc = json_loadb(body, len, 0, NULL), *o;
	*rows = json_array();
	if (json_is_array(doc)) {
		size_t i;
		json_array_foreach(doc, i, o)
			json_array_append_new(*rows, json_pack("[o,o,o,o,o]",
			    json_field(o, "product", NULL), json_field(o, "version", NULL),
			    json_field(o, "release_channel", "channel"), json_field(o, "build_id", "buildid"),
			    json_field(o, "build_date", "date")));
		json_decref(doc);
		return true;
	}
	json_decref(doc);
	FILE *f = fmemopen((void *)body, len, "r");
	char **v;
	size_t n, line = 0;
	int r;
	while (f && (r = csv_read(f, &v, &n)) != 0) {
		line++;
		if (r > 0 && n == 1 && !*v[0]) {	/* a blank line */
			csv_free(v, n);
			continue;
		}
		if (r < 0 || n < 5) {
			*err = xasprintf("line %zu: not CSV of product,version,channel,build_id,date", line);
			if (r > 0)
				csv_free(v, n);
			fclose(f);
			return false;
		}
		if (line > 1 || strcmp(v[0], "product"))
			json_array_append_new(*rows, json_pack("[s,s,s,s,s]", v[0], v[1], v[2], v[3], v[4]));
		csv_free(v, n);
	}
	if (f)
		fclose(f);
	return true;
}

static char *read_stdin(size_t max, size_t *len)
{
	struct buf b;
	char chunk[65536];
	size_t n;
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0 && b.len <= max)
		buf_append(&b, chunk, n);
	if (ferror(stdin) || b.len > max) {
		buf_free(&b);
		errno = ferror(stdin) ? EIO : EFBIG;
		return NULL;
	}
	*len = b.len;
	return buf_steal(&b);
}

int cmd_import_builds(struct agg *a, const char *source)
{
	char *err = NULL, *body;
	size_t len;
	if (strstr(source, "://")) {
		body = fetch_url(source, FEED_MAX, 4, &len, &err);
	} else {
		/* A file (or - for standard input) is read as it is, once. */
		body = strcmp(source, "-") ? read_file(source, FEED_MAX, &len) : read_stdin(FEED_MAX, &len);
		if (!body)
			err = xstrdup(strerror(errno));
	}
	json_t *rows = NULL, *row;
	bool ok = body && parse_builds(body, len, &rows, &err);
	size_t i;
	json_array_foreach(ok ? rows : NULL, i, row) {
		struct build b;
		for (int k = 0; k < 5; k++)
			b.f[k] = json_string_value(json_array_get(row, (size_t)k));
		char *why = NULL;
		if (!build_ok(&b, &why)) {
			err = xasprintf("row %zu: %s", i + 1, why);
			free(why);
			ok = false;
			break;
		}
	}
	int rc = ok ? db_begin(a->db, &err) : -1;
	json_array_foreach(rc == 0 ? rows : NULL, i, row) {
		struct build b;
		for (int k = 0; k < 5; k++)
			b.f[k] = json_string_value(json_array_get(row, (size_t)k));
		if ((rc = put_build(a, &b, &err)) != 0)
			break;
	}
	if (rc == 0)
		rc = db_commit(a->db, &err);
	else if (ok)
		db_rollback(a->db);
	if (rc != 0)
		log_err("import-builds: %s: %s; nothing imported", source, err ? err : "failed");
	else
		log_info("import-builds: %zu builds", json_array_size(rows));
	free(err);
	free(body);
	json_decref(rows);
	return rc == 0 ? 0 : 1;
}
