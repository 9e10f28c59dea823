/*
 * crash-extract: ad hoc extracts for analysts, streamed from the database
 * (and the store, for fields of the processed crash) as CSV, TSV or NDJSON.
 *
 *   crash-extract --db DB --from 2026-11-01 --to 2026-11-08 \
 *       --where 'signature~js::' --where 'os_name=Linux' --columns crash_id,signature,uptime
 */
#include "aggregate.h"
#include "conf.h"
#include "db.h"
#include "extract.h"
#include "progress.h"
#include "store.h"
#include "strmap.h"
#include "util.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const struct conf_option options[] = {
	{ "db", CONF_STR, "crash.db", "DB", "the database: sqlite:PATH, a path, or postgresql://..." },
	{ "store", CONF_STR, "store", "STORE", "the crash store, for fields of the processed crash" },
	{ "from", CONF_STR, NULL, "DATE", "crashes collected on or after this day (YYYY-MM-DD, today, yesterday)" },
	{ "to", CONF_STR, NULL, "DATE", "... and before this day" },
	{ "where", CONF_LIST, NULL, "'FIELD OP VALUE'", "a condition (repeatable: ORed on one field, ANDed across)" },
	{ "columns", CONF_STR, "crash_id,date_processed,product,version,os_name,signature", "A,B,C", "fields to extract" },
	{ "sort", CONF_STR, NULL, "[-]FIELD", "order by a database field (- for descending)" },
	{ "limit", CONF_INT, "0", "N", "rows at most (0: all)" },
	{ "format", CONF_STR, "csv", "csv|tsv|ndjson", "output format" },
	{ "distinct", CONF_BOOL, "no", NULL, "each distinct row once" },
	{ "protected", CONF_BOOL, "no", NULL, "allow personal data (email, url, user_comments); logged" },
	{ "audit-log", CONF_STR, "extract-audit.log", "FILE", "where protected extracts are recorded" },
	{ NULL, 0, NULL, NULL, NULL },
};

static const char usage[] = "[--db DB] [--store STORE] [--from DATE] [--to DATE] "
    "[--where 'FIELD OP VALUE']... [--columns A,B,C] [--sort FIELD] [--limit N] "
    "[--format csv|tsv|ndjson] [--distinct] [--protected]";

struct extract {
	struct conf *conf;
	struct db *db;
	struct store *store;
	enum out_format format;
	struct field *cols;
	int ncols;
	struct condition *conds;
	int nconds;
	int *col_at;		/* output column -> SELECT position, or -1 (store) */
	int *cond_at;		/* C-side condition -> SELECT position, or -1 (store) */
	bool need_store, c_distinct;
	bool copy;		/* the database writes the CSV itself (PostgreSQL) */
	int id_at;		/* SELECT position of crash_id */
	struct strmap seen;
	long long limit, rows;
	struct progress progress;
	char **values;
	json_t **json;
};

/* "today", "yesterday" or YYYY-MM-DD, as YYYY-MM-DD. */
static void resolve_date(const char *opt, const char *in, char out[11])
{
	long today = (long)(time(NULL) / 86400);
	long d = !strcmp(in, "today") ? today : !strcmp(in, "yesterday") ? today - 1 : day_number(in);
	if (d < 0)
		die(2, "--%s: not a date: %s", opt, in);
	day_string(d, out);
}

static void parse_columns(struct extract *x)
{
	char *copy = xstrdup(conf_str(x->conf, "columns")), *rest = copy, *name;
	while ((name = strsep(&rest, ","))) {
		char *n = strtrim(name);
		if (!*n)
			continue;
		x->cols = xrealloc(x->cols, (size_t)(x->ncols + 1) * sizeof *x->cols);
		if (!field_parse(n, &x->cols[x->ncols]))
			die(2, "--columns: not a field: %s", n);
		x->ncols++;
	}
	free(copy);
	if (!x->ncols)
		die(2, "--columns: no field");
}

static void parse_conditions(struct extract *x)
{
	const char **w;
	x->nconds = conf_list(x->conf, "where", &w);
	x->conds = xcalloc((size_t)x->nconds + 1, sizeof *x->conds);
	for (int i = 0; i < x->nconds; i++)
		if (!condition_parse(w[i], &x->conds[i]))
			exit(2);
}

/* Refuses personal data unless --protected; records every extract of it. */
static void check_protected(struct extract *x, int argc, char **argv)
{
	const char *which = NULL;
	for (int i = 0; i < x->ncols; i++)
		if (x->cols[i].protected_)
			which = x->cols[i].name;
	for (int i = 0; i < x->nconds; i++)
		if (x->conds[i].field.protected_)
			which = x->conds[i].field.name;
	if (!which)
		return;
	if (!conf_bool(x->conf, "protected"))
		die(1, "%s is protected data: refused without --protected", which);
	const char *path = conf_str(x->conf, "audit-log");
	FILE *f = fopen(path, "a");
	if (!f)
		die(1, "%s: %s: a protected extract must be recorded; refused", path, strerror(errno));
	char now[33];
	iso8601_now(now);
	struct passwd *pw = getpwuid(getuid());
	/* The arguments as a JSON list: unambiguous whatever they hold. */
	json_t *args = json_array();
	for (int i = 0; i < argc; i++)
		json_array_append_new(args, json_string(argv[i]));
	char *list = json_dumps(args, JSON_COMPACT);
	fprintf(f, "%s user=%s pid=%d args=%s\n", now, pw ? pw->pw_name : "?", (int)getpid(),
	    list ? list : "[]");
	free(list);
	json_decref(args);
	if (fclose(f) != 0)
		die(1, "%s: %s: a protected extract must be recorded; refused", path, strerror(errno));
	log_warn("protected extract recorded in %s", path);
}

/* The SELECT position of a column, adding it to the list if new. */
static int select_column(struct buf *select, char ***names, int *n, const char *name)
{
	for (int i = 0; i < *n; i++)
		if (!strcmp((*names)[i], name))
			return i;
	*names = xrealloc(*names, (size_t)(*n + 1) * sizeof **names);
	(*names)[*n] = (char *)name;
	buf_printf(select, "%s%s", *n ? ", " : "", name);
	return (*n)++;
}

static bool c_side(struct extract *x, int i);

/* Conditions grouped by field: (a OR b) AND (c) ...; SQL ones only. */
static void where_sql(struct extract *x, struct buf *sql, const char ***params, int *np)
{
	for (int i = 0; i < x->nconds; i++) {
		struct condition *c = &x->conds[i];
		bool first = true;
		for (int j = 0; j < i; j++)
			first &= strcmp(x->conds[j].field.name, c->field.name) != 0;
		if (!first || c_side(x, i))
			continue;
		buf_puts(sql, " AND (");
		for (int j = i, k = 0; j < x->nconds; j++) {
			if (strcmp(x->conds[j].field.name, c->field.name) != 0)
				continue;
			/* The null test has no value, and so no parameter. */
			if (x->conds[j].value) {
				*params = xrealloc(*params, (size_t)(*np + 1) * sizeof **params);
				(*params)[(*np)++] = x->conds[j].value;
			}
			char *s = condition_sql(&x->conds[j], x->db, *np);
			buf_printf(sql, "%s%s", k++ ? " OR " : "", s);
			free(s);
		}
		buf_puts(sql, ")");
	}
}

static bool c_side(struct extract *x, int i)
{
	/* A field's conditions are tested here when any of them cannot be SQL. */
	for (int j = 0; j < x->nconds; j++)
		if (!strcmp(x->conds[j].field.name, x->conds[i].field.name) && !condition_in_sql(&x->conds[j]))
			return true;
	return false;
}

static char *build_sql(struct extract *x, const char ***params, int *np, char from[11], char to[11])
{
	struct buf select, sql;
	char **names = NULL;
	int n = 0;
	buf_init(&select);
	buf_init(&sql);
	x->col_at = xcalloc((size_t)x->ncols, sizeof *x->col_at);
	x->cond_at = xcalloc((size_t)x->nconds + 1, sizeof *x->cond_at);
	for (int i = 0; i < x->ncols; i++) {
		x->col_at[i] = x->cols[i].column ? select_column(&select, &names, &n, x->cols[i].name) : -1;
		x->need_store |= !x->cols[i].column;
	}
	for (int i = 0; i < x->nconds; i++) {
		bool here = c_side(x, i);
		x->cond_at[i] = here && x->conds[i].field.column
		    ? select_column(&select, &names, &n, x->conds[i].field.name) : -1;
		x->need_store |= here && !x->conds[i].field.column;
	}
	x->id_at = select_column(&select, &names, &n, "crash_id");
	bool c_filter = false;
	for (int i = 0; i < x->nconds; i++)
		c_filter |= c_side(x, i);
	/* SELECT DISTINCT can only be ordered by what it selects. */
	const char *sort_by = conf_str(x->conf, "sort");
	bool sort_outside = false;
	if (sort_by) {
		sort_outside = true;
		for (int i = 0; i < x->ncols; i++)
			sort_outside &= strcmp(x->cols[i].name, sort_by + (*sort_by == '-')) != 0;
	}
	x->c_distinct = conf_bool(x->conf, "distinct") && (x->need_store || c_filter || sort_outside);
	bool sql_distinct = conf_bool(x->conf, "distinct") && !x->c_distinct;
	/*
	 * CSV of database columns only, nothing to test here: PostgreSQL's own
	 * COPY writes it, the fastest way there is.
	 */
	x->copy = db_kind(x->db) == DB_POSTGRES && x->format == OUT_CSV && !x->need_store &&
	    !c_filter && !x->c_distinct;
	/* DISTINCT (or COPY) over exactly the output columns. */
	if (sql_distinct || x->copy) {
		buf_reset(&select);
		for (int i = 0; i < x->ncols; i++) {
			buf_printf(&select, "%s%s", i ? ", " : "", x->cols[i].name);
			x->col_at[i] = i;
		}
	}
	buf_printf(&sql, "SELECT %s%s FROM crashes WHERE true", sql_distinct ? "DISTINCT " : "", select.data);
	*params = NULL;
	*np = 0;
	if (from[0]) {
		*params = xrealloc(*params, (size_t)(*np + 1) * sizeof **params);
		(*params)[(*np)++] = from;
		buf_printf(&sql, " AND date_processed >= $%d", *np);
	}
	if (to[0]) {
		*params = xrealloc(*params, (size_t)(*np + 1) * sizeof **params);
		(*params)[(*np)++] = to;
		buf_printf(&sql, " AND date_processed < $%d", *np);
	}
	where_sql(x, &sql, params, np);
	const char *sort = conf_str(x->conf, "sort");
	if (sort) {
		bool desc = *sort == '-';
		if (db_crash_column_kind(sort + desc) < 0)
			die(2, "--sort: not a database field: %s", sort + desc);
		buf_printf(&sql, " ORDER BY %s%s", sort + desc, desc ? " DESC" : "");
	}
	if (x->limit > 0 && !c_filter && !x->c_distinct)
		buf_printf(&sql, " LIMIT %lld", x->limit);
	free(names);
	buf_free(&select);
	return buf_steal(&sql);
}

/* The statement with its $N parameters written in as literals (for COPY). */
static char *inline_params(struct db *db, const char *sql, const char *const *params, int np)
{
	struct buf out;
	buf_init(&out);
	for (const char *p = sql; *p; ) {
		char *end;
		long n = *p == '$' ? strtol(p + 1, &end, 10) : 0;
		if (n >= 1 && n <= np) {
			char *lit = db_literal(db, params[n - 1]);
			buf_puts(&out, lit);
			free(lit);
			p = end;
		} else {
			buf_append(&out, p++, 1);
		}
	}
	return buf_steal(&out);
}

static json_t *load_processed(struct extract *x, const char *id)
{
	char *key = store_processed_key(id);
	size_t len;
	char *text = store_get(x->store, key, 64 << 20, &len);
	json_t *j = text ? json_loadb(text, len, 0, NULL) : NULL;
	if (!text)
		log_warn("%s: processed crash: %s", id, strerror(errno));
	free(text);
	free(key);
	return j;
}

/* Each field's conditions ORed, the fields ANDed. */
static bool passes(struct extract *x, const char *const *v, json_t *processed)
{
	for (int i = 0; i < x->nconds; i++) {
		bool first = true, any = false;
		for (int j = 0; j < i; j++)
			first &= strcmp(x->conds[j].field.name, x->conds[i].field.name) != 0;
		if (!first || !c_side(x, i))
			continue;
		for (int j = i; j < x->nconds; j++) {
			struct condition *c = &x->conds[j];
			if (strcmp(c->field.name, x->conds[i].field.name) != 0)
				continue;
			char *fromjson = x->cond_at[i] < 0 ? field_text(field_json(processed, c->field.name)) : NULL;
			any |= condition_test(c, x->cond_at[i] >= 0 ? v[x->cond_at[i]] : fromjson);
			free(fromjson);
		}
		if (!any)
			return false;
	}
	return true;
}

static int on_row(void *ctx, int ncols, const char *const *v, const char *const *names)
{
	struct extract *x = ctx;
	json_t *processed = x->need_store && v[x->id_at] ? load_processed(x, v[x->id_at]) : NULL;
	int stop = 0;
	if (passes(x, v, processed)) {
		/* Columns point into the row; store fields are made (and freed). */
		for (int i = 0; i < x->ncols; i++) {
			x->json[i] = x->col_at[i] >= 0 ? NULL : field_json(processed, x->cols[i].name);
			x->values[i] = x->col_at[i] >= 0 ? (char *)v[x->col_at[i]] : field_text(x->json[i]);
		}
		bool fresh = true;
		if (x->c_distinct) {
			struct buf key;
			buf_init(&key);
			for (int i = 0; i < x->ncols; i++)
				buf_printf(&key, "%s%c", x->values[i] ? x->values[i] : "\x01", 0x1f);
			fresh = !strmap_get(&x->seen, key.data ? key.data : "");
			if (fresh)
				strmap_put(&x->seen, key.data ? key.data : "", (void *)1);
			buf_free(&key);
		}
		if (fresh) {
			out_row(stdout, x->format, x->cols, x->ncols, x->values, x->json);
			x->rows++;
			progress_add(&x->progress, 1, 0, 0);
		}
		for (int i = 0; i < x->ncols; i++)
			if (x->col_at[i] < 0)
				free(x->values[i]);
		stop = x->limit > 0 && x->rows >= x->limit;
	}
	json_decref(processed);
	return stop || ferror(stdout);
}

int main(int argc, char **argv)
{
	progname = "crash-extract";
	char **rest;
	int nrest;
	struct extract x = { 0 };
	x.conf = conf_load(options, usage, argc, argv, &rest, &nrest);
	if (nrest)
		die(2, "usage: crash-extract %s", usage);
	free(rest);
	const char *format = conf_str(x.conf, "format");
	x.format = !strcmp(format, "csv") ? OUT_CSV : !strcmp(format, "tsv") ? OUT_TSV
	    : !strcmp(format, "ndjson") ? OUT_NDJSON : (die(2, "--format csv, tsv or ndjson"), OUT_CSV);
	x.limit = conf_int(x.conf, "limit");
	char from[11] = "", to[11] = "";
	if (conf_str(x.conf, "from"))
		resolve_date("from", conf_str(x.conf, "from"), from);
	if (conf_str(x.conf, "to"))
		resolve_date("to", conf_str(x.conf, "to"), to);
	parse_columns(&x);
	parse_conditions(&x);
	check_protected(&x, argc, argv);
	char *err = NULL;
	if (!(x.db = db_open(conf_str(x.conf, "db"), &err)))
		die(1, "%s", err);
	const char **params;
	int np;
	char *sql = build_sql(&x, &params, &np, from, to);
	if (x.need_store && !(x.store = store_open(conf_str(x.conf, "store"), &err)))
		die(1, "%s", err);
	log_debug("%s", sql);
	x.values = xcalloc((size_t)x.ncols, sizeof *x.values);
	x.json = xcalloc((size_t)x.ncols, sizeof *x.json);
	strmap_init(&x.seen);
	int rc;
	if (x.copy) {
		char *inlined = inline_params(x.db, sql, params, np);
		rc = db_copy_csv(x.db, inlined, stdout, &err);
		free(inlined);
	} else {
		out_header(stdout, x.format, x.cols, x.ncols);
		progress_start(&x.progress, "rows", -1);
		rc = db_stream(x.db, sql, np, params, on_row, &x, &err);
		progress_end(&x.progress);
	}
	if (rc != 0)
		log_err("%s", err);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		log_err("writing the extract failed");
		rc = -1;
	}
	if (!x.copy)
		log_info("%lld rows", x.rows);
	free(sql);
	free(params);
	free(x.values);
	free(x.json);
	strmap_free(&x.seen, NULL);
	for (int i = 0; i < x.ncols; i++)
		field_free(&x.cols[i]);
	for (int i = 0; i < x.nconds; i++)
		condition_free(&x.conds[i]);
	free(x.cols);
	free(x.conds);
	free(x.col_at);
	free(x.cond_at);
	store_close(x.store);
	db_close(x.db);
	conf_free(x.conf);
	return rc == 0 ? 0 : 1;
}
