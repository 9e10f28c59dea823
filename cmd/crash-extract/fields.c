/*
 * fields.c: what can be extracted. Every column of the crashes table, and
 * any field of the processed crash by dotted path (json_dump.system_info.
 * cpu_info, addons, json_dump.threads.0.frames.0.function). Personal data
 * (email, URL, comments) is protected.
 */
#include "db.h"
#include "extract.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static const char *const protected_fields[] = { "email", "url", "user_comments", NULL };

static bool is_protected(const char *name)
{
	for (int i = 0; protected_fields[i]; i++) {
		size_t n = strlen(protected_fields[i]);
		if (!strncmp(name, protected_fields[i], n) && (!name[n] || name[n] == '.'))
			return true;
	}
	return false;
}

bool field_parse(const char *name, struct field *f)
{
	memset(f, 0, sizeof *f);
	if (!*name || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
	    != strlen(name))
		return false;
	f->name = xstrdup(name);
	f->kind = db_crash_column_kind(name);
	f->column = f->kind >= 0;
	f->protected_ = is_protected(name);
	return true;
}

void field_free(struct field *f)
{
	free(f->name);
	f->name = NULL;
}

json_t *field_json(json_t *processed, const char *path)
{
	char *copy = xstrdup(path), *rest = copy, *part;
	json_t *v = processed;
	while (v && (part = strsep(&rest, "."))) {
		char *end;
		long i = strtol(part, &end, 10);
		v = json_is_array(v) && *part && !*end ? json_array_get(v, (size_t)i)
		    : json_object_get(v, part);
	}
	free(copy);
	return v && !json_is_null(v) ? v : NULL;
}

char *field_text(json_t *v)
{
	if (!v)
		return NULL;
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}
