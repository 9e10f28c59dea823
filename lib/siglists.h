/*
 * siglists.h: the signature lists that drive signature generation, in
 * Socorro's siglists file format: one Python-compatible regular expression
 * (or, for sentinels, one plain string) per line, `#` comments.
 */
#ifndef CRASH_SIGLISTS_H
#define CRASH_SIGLISTS_H

#include <stdbool.h>
#include <stddef.h>

struct siglists;

/*
 * Loads irrelevant_signature_re.txt, prefix_signature_re.txt,
 * signatures_with_line_numbers_re.txt and signature_sentinels.txt from dir.
 * NULL with a message in *err (caller frees) when a file is unreadable or a
 * line is not a valid expression.
 */
struct siglists *siglists_load(const char *dir, char **err);
/* Lists from strings, for tests: any list may be NULL (matches nothing). */
struct siglists *siglists_from(const char *const *irrelevant, const char *const *prefix,
    const char *const *line_numbers, const char *const *sentinels, char **err);
void siglists_free(struct siglists *sl);

/* Anchored at the start of frame, like Python's re.match. */
bool siglists_irrelevant(const struct siglists *sl, const char *frame);
bool siglists_prefix(const struct siglists *sl, const char *frame);
bool siglists_line_number(const struct siglists *sl, const char *function);
/* Exact comparison with a sentinel line. */
bool siglists_sentinel(const struct siglists *sl, const char *frame);

/* The directory installed lists live in ($(PREFIX)/share/crash/siglists). */
const char *siglists_default_dir(void);

#endif
