/*
 * pystr.h: the handful of Python string semantics that Socorro's
 * signature rules are defined in (white space, line splitting, lengths in
 * code points), on NUL-terminated UTF-8.
 */
#ifndef CRASH_PYSTR_H
#define CRASH_PYSTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes the code point at s (valid UTF-8 assumed); *n gets its length. */
uint32_t utf8_next(const char *s, size_t *n);
/* Number of code points in s. */
size_t utf8_count(const char *s);
/* Byte offset of code point number cp (or the string's length). */
size_t utf8_offset(const char *s, size_t cp);

/* str.isspace() for one code point. */
bool py_isspace(uint32_t cp);
/* Code points that end a line for str.splitlines(). */
bool py_islinebreak(uint32_t cp);

/* str.strip() into a new string. */
char *py_strip(const char *s);
/* " ".join(s.split()): trims and collapses white-space runs to one space. */
char *py_collapse_space(const char *s);
/* s[:n] + tail when s is longer than max code points, else a copy of s. */
char *py_truncate(const char *s, size_t max, size_t keep, const char *tail);

/*
 * s.splitlines(): *lines gets an array of new strings (free each, then the
 * array); returns their number.
 */
size_t py_splitlines(const char *s, char ***lines);

#endif
