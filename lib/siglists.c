/*
 * siglists.c: loading and matching the signature lists.
 *
 * Each regular-expression list becomes one alternation, compiled once and
 * matched anchored at the start of a normalized frame, which is what
 * Socorro does with "|".join(lines) and re.match().
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "siglists.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#ifndef CRASH_DATADIR
#define CRASH_DATADIR "/usr/local/share/crash"
#endif

struct siglists {
	pcre2_code *irrelevant, *prefix, *line_numbers;
	pcre2_match_data *md;
	char **sentinels;
	size_t nsentinels;
};

/*
 * The installed lists, or, for tools run from the build tree (bin/), the
 * project's siglists/ beside bin/.
 */
const char *siglists_default_dir(void)
{
	static char dir[PATH_MAX + 16];
	const char *bin = exe_dir();
	snprintf(dir, sizeof dir, "%s/../siglists", bin);
	if (strcmp(path_basename(bin), "bin") == 0 && access(dir, R_OK) == 0 &&
	    access(CRASH_DATADIR "/siglists", R_OK) != 0)
		return dir;
	return CRASH_DATADIR "/siglists";
}

/* Joins the lines as one alternation; NULL for an empty list. */
static pcre2_code *compile_list(const char *const *lines, const char *name, char **err)
{
	struct buf pattern;
	buf_init(&pattern);
	for (size_t i = 0; lines && lines[i]; i++) {
		if (pattern.len)
			buf_puts(&pattern, "|");
		buf_puts(&pattern, lines[i]);
	}
	if (!pattern.len)
		return NULL;
	int code;
	PCRE2_SIZE at;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern.data, pattern.len,
	    PCRE2_UTF | PCRE2_UCP | PCRE2_ANCHORED, &code, &at, NULL);
	if (!re) {
		char msg[256];
		pcre2_get_error_message(code, (PCRE2_UCHAR *)msg, sizeof msg);
		*err = xasprintf("%s: %s near \"%.30s\"", name, msg, pattern.data + at);
	} else {
		pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	}
	buf_free(&pattern);
	return re;
}

static void free_lines(char **lines)
{
	for (size_t i = 0; lines && lines[i]; i++)
		free(lines[i]);
	free(lines);
}

/* The meaningful lines of a list file: stripped, no blanks, no comments. */
static char **read_list(const char *dir, const char *file, char **err)
{
	char *path = xasprintf("%s/%s", dir, file);
	size_t len;
	char *text = read_file(path, 16 << 20, &len);
	if (!text) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		free(path);
		return NULL;
	}
	free(path);
	char **lines = xcalloc(1, sizeof *lines);
	size_t n = 0;
	for (char *save, *line = strtok_r(text, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		line = strtrim(line);
		if (!*line || *line == '#')
			continue;
		lines = xrealloc(lines, (n + 2) * sizeof *lines);
		lines[n++] = xstrdup(line);
		lines[n] = NULL;
	}
	free(text);
	return lines;
}

struct siglists *siglists_from(const char *const *irrelevant, const char *const *prefix,
    const char *const *line_numbers, const char *const *sentinels, char **err)
{
	struct siglists *sl = xcalloc(1, sizeof *sl);
	*err = NULL;
	sl->irrelevant = compile_list(irrelevant, "irrelevant_signature_re", err);
	if (!*err)
		sl->prefix = compile_list(prefix, "prefix_signature_re", err);
	if (!*err)
		sl->line_numbers = compile_list(line_numbers, "signatures_with_line_numbers_re", err);
	if (*err) {
		siglists_free(sl);
		return NULL;
	}
	for (size_t i = 0; sentinels && sentinels[i]; i++) {
		sl->sentinels = xrealloc(sl->sentinels, (i + 1) * sizeof *sl->sentinels);
		sl->sentinels[i] = xstrdup(sentinels[i]);
		sl->nsentinels = i + 1;
	}
	sl->md = pcre2_match_data_create(1, NULL);
	return sl;
}

struct siglists *siglists_load(const char *dir, char **err)
{
	static const char *const files[] = {
		"irrelevant_signature_re.txt", "prefix_signature_re.txt",
		"signatures_with_line_numbers_re.txt", "signature_sentinels.txt",
	};
	char **lists[4] = { 0 };
	struct siglists *sl = NULL;
	*err = NULL;
	for (int i = 0; i < 4 && !*err; i++)
		lists[i] = read_list(dir, files[i], err);
	if (!*err)
		sl = siglists_from((const char *const *)lists[0], (const char *const *)lists[1],
		    (const char *const *)lists[2], (const char *const *)lists[3], err);
	for (int i = 0; i < 4; i++)
		free_lines(lists[i]);
	return sl;
}

void siglists_free(struct siglists *sl)
{
	if (!sl)
		return;
	pcre2_code_free(sl->irrelevant);
	pcre2_code_free(sl->prefix);
	pcre2_code_free(sl->line_numbers);
	pcre2_match_data_free(sl->md);
	for (size_t i = 0; i < sl->nsentinels; i++)
		free(sl->sentinels[i]);
	free(sl->sentinels);
	free(sl);
}

/*
 * The match data is shared: a struct siglists serves one thread at a time
 * (crash-process gives each worker its own, they are cheap).
 */
static bool matches(const struct siglists *sl, pcre2_code *re, const char *s)
{
	if (!re)
		return false;
	int rc = pcre2_match(re, (PCRE2_SPTR)s, strlen(s), 0, 0, sl->md, NULL);
	return rc >= 0;
}

bool siglists_irrelevant(const struct siglists *sl, const char *frame)
{
	return matches(sl, sl->irrelevant, frame);
}

bool siglists_prefix(const struct siglists *sl, const char *frame)
{
	return matches(sl, sl->prefix, frame);
}

bool siglists_line_number(const struct siglists *sl, const char *function)
{
	return matches(sl, sl->line_numbers, function);
}

bool siglists_sentinel(const struct siglists *sl, const char *frame)
{
	for (size_t i = 0; i < sl->nsentinels; i++)
		if (strcmp(sl->sentinels[i], frame) == 0)
			return true;
	return false;
}
