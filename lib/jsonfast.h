/*
 * jsonfast.h: JSON text to jansson values and back, for the hot paths
 * (the walker's answer, the processed crash). jansson's own reader and
 * writer go a byte at a time through callbacks; these read and write
 * whole runs, several times faster (bench/json), and give the same
 * answers: fuzz/jsonfast and t/unit/jsonfast compare them with jansson.
 */
#ifndef CRASH_JSONFAST_H
#define CRASH_JSONFAST_H

#include "util.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * As json_loadb(text, len, 0, error): an object or an array, in UTF-8,
 * nested at most 2048 deep, nothing after it but white space; \u0000 is
 * refused, a repeated key keeps its last value. NULL with error filled
 * (error may be NULL). One difference: a NUL byte after a number or a
 * literal, which jansson skips, is refused like any other NUL byte.
 */
json_t *jsonfast_load(const char *text, size_t len, json_error_t *error);

/*
 * As json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS): v must be an object
 * or an array; NULL when it is not or when a string in it is not UTF-8.
 * Past 2048 levels (a cycle reaches that too) jansson's writer takes
 * over. *len (if not NULL) gets the length.
 */
char *jsonfast_dumps(const json_t *v, size_t *len);

/* The same text appended to out; false (out's length as before) on failure. */
bool jsonfast_dump_buf(const json_t *v, struct buf *out);

#endif
