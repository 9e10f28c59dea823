/*
 * csv.c: a CSV record reader. A quoted field may hold commas, quotes
 * (doubled) and line breaks.
 */
#include "csv.h"
#include "util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static void push(char ***fields, size_t *n, struct buf *field)
{
	*fields = xrealloc(*fields, (*n + 1) * sizeof **fields);
	(*fields)[(*n)++] = buf_steal(field);
}

int csv_read(FILE *f, char ***fields, size_t *nfields)
{
	struct buf field;
	bool quoted = false, any = false;
	int c;
	buf_init(&field);
	*fields = NULL;
	*nfields = 0;
	while ((c = getc(f)) != EOF) {
		any = true;
		if (quoted) {
			if (c != '"') {
				buf_append(&field, (char[]){ (char)c }, 1);
				continue;
			}
			c = getc(f);
			if (c == '"') {
				buf_append(&field, "\"", 1);
				continue;
			}
			quoted = false;
			if (c == EOF)
				break;
		}
		if (c == '"' && field.len == 0)
			quoted = true;
		else if (c == ',')
			push(fields, nfields, &field);
		else if (c == '\n')
			break;
		else if (c != '\r')
			buf_append(&field, (char[]){ (char)c }, 1);
	}
	if (quoted) {
		buf_free(&field);
		csv_free(*fields, *nfields);
		*fields = NULL;
		*nfields = 0;
		return -1;
	}
	if (!any) {
		buf_free(&field);
		return 0;
	}
	push(fields, nfields, &field);
	return 1;
}

void csv_free(char **fields, size_t nfields)
{
	for (size_t i = 0; i < nfields; i++)
		free(fields[i]);
	free(fields);
}

void csv_write_field(FILE *out, const char *s)
{
	size_t len = strlen(s);
	if (!strpbrk(s, ",\"\r\n")) {
		fwrite_unlocked(s, 1, len, out);
		return;
	}
	putc_unlocked('"', out);
	for (const char *q; (q = strchr(s, '"')); s = q + 1) {
		fwrite_unlocked(s, 1, (size_t)(q - s) + 1, out);
		putc_unlocked('"', out);	/* a quote is written twice */
	}
	fputs_unlocked(s, out);
	putc_unlocked('"', out);
}
