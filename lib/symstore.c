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
#include <zip.h>

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
		if (mkdir_parent(path, 0755, true) != 0 || atomic_write(path, text, len) != 0) {
			*err = xasprintf("%s: %s", path, strerror(errno));
			rc = -2;
			free(path);
		} else {
			*dest = path;
		}
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

static void add_text(const char *store, const char *entry, const char *text, size_t len,
    symstore_report_fn report, void *ctx)
{
	char *dest = NULL, *err = NULL;
	int rc = symstore_add(store, text, len, &dest, &err);
	report(ctx, entry, rc == 0 ? dest : NULL, err, rc == -2);
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

static void add_zip(const char *store, const char *file, long long max,
    symstore_report_fn report, void *ctx)
{
	int code;
	zip_t *z = zip_open(file, ZIP_RDONLY | ZIP_CHECKCONS, &code);
	if (!z) {
		zip_error_t e;
		zip_error_init_with_code(&e, code);
		report(ctx, NULL, NULL, zip_error_strerror(&e), false);
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
			report(ctx, st.name, NULL, "path leaves the archive (traversal attempt)", false);
			continue;
		}
		if (!(st.valid & ZIP_STAT_SIZE) || (long long)st.size > max) {
			report(ctx, st.name, NULL, "larger than the size limit", false);
			continue;
		}
		zip_file_t *f = zip_fopen_index(z, (zip_uint64_t)i, 0);
		char *text = xmalloc(st.size + 1);
		zip_int64_t got = f ? zip_fread(f, text, st.size) : -1;
		if (f)
			zip_fclose(f);
		if (got != (zip_int64_t)st.size)
			report(ctx, st.name, NULL, f ? "corrupt entry (read failed or short)" : zip_strerror(z),
			    false);
		else
			add_text(store, st.name, text, st.size, report, ctx);
		free(text);
	}
	zip_discard(z);
}

void symstore_add_file(const char *store, const char *file, long long max,
    symstore_report_fn report, void *ctx)
{
	if (file_has_magic(file, "PK\x03\x04", 4)) {
		add_zip(store, file, max, report, ctx);
		return;
	}
	size_t len;
	char *text = map_file(file, (size_t)max, &len);
	if (!text) {
		report(ctx, NULL, NULL, errno == EFBIG ? "larger than the size limit" : strerror(errno),
		    errno != EFBIG);
		return;
	}
	add_text(store, NULL, text, len, report, ctx);
	unmap_file(text, len);
}
