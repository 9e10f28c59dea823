/*
 * symstore.c: adding symbol files to a symbol store. A file is parsed
 * before it is placed: one whose MODULE line is missing or could name a
 * path outside the store, or that holds malformed lines, is refused with
 * the reason. It is written under a temporary name and renamed, so a
 * reader sees the old file or the new one, never half of one, and two
 * uploads of the same file at once both succeed.
 */
#include "fileio.h"
#include "symbols.h"
#include "symstore.h"
#include "util.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A single path component: no separators, not "." or "..", printable. */
static bool safe_component(const char *s)
{
	if (!s || !*s || !strcmp(s, ".") || !strcmp(s, "..") || strlen(s) > 255)
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == '\\' || (unsigned char)*s < 0x20)
			return false;
	return true;
}

static bool hex_id(const char *s)
{
	size_t n = strlen(s);
	return n >= 1 && n <= 64 && strspn(s, "0123456789ABCDEFabcdef") == n;
}

char *symstore_path(const char *store, const char *debug_file, const char *debug_id)
{
	size_t n = strlen(debug_file);
	int stem = n > 4 && !strcasecmp(debug_file + n - 4, ".pdb") ? (int)n - 4 : (int)n;
	return xasprintf("%s/%s/%s/%.*s.sym", store, debug_file, debug_id, stem, debug_file);
}

int symstore_add(const char *store, const char *text, size_t len, char **dest, char **err)
{
	*dest = NULL;
	struct symfile *sf = symfile_parse(text, len);
	int rc = -1;
	if (!sf->name || !*sf->name || !sf->id || !*sf->id)
		*err = xstrdup("no MODULE line");
	else if (!safe_component(sf->name))
		*err = xasprintf("module name '%.80s' is not a file name", sf->name);
	else if (!hex_id(sf->id))
		*err = xasprintf("debug id '%.80s' is not hexadecimal", sf->id);
	else if (sf->bad_lines)
		*err = xasprintf("%lu malformed line%s", sf->bad_lines, sf->bad_lines == 1 ? "" : "s");
	else
		rc = 0;
	if (rc == 0) {
		/* Walkers ask for ids in upper case, as minidumps give them. */
		for (char *p = sf->id; *p; p++)
			if (*p >= 'a' && *p <= 'f')
				*p = (char)(*p - 'a' + 'A');
		char *path = symstore_path(store, sf->name, sf->id);
		char *dir = xstrdup(path);
		*strrchr(dir, '/') = 0;
		if (mkdir_p(dir, 0755) != 0 || atomic_write(path, text, len) != 0) {
			*err = xasprintf("%s: %s", path, strerror(errno));
			rc = -1;
			free(path);
		} else {
			*dest = path;
		}
		free(dir);
	}
	symfile_free(sf);
	if (rc == 0) {
		/* The index now, so that the first crash to need it does not pay. */
		struct symfile *indexed = symfile_load(*dest, NULL);
		if (!indexed)
			log_warn("%s: no index built", *dest);
		symfile_free(indexed);
	}
	return rc;
}
