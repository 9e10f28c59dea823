/*
 * sigframe.h: normalizing one stack frame into the form signatures are made
 * of, following Socorro's rules for C++, Rust and frames without function
 * names.
 */
#ifndef CRASH_SIGFRAME_H
#define CRASH_SIGFRAME_H

#include <jansson.h>
#include <stdbool.h>

struct siglists;

/*
 * A frame object ({function, file, line, module, offset, unloaded_modules})
 * to its normalized string (new). module, when not NULL, replaces the
 * frame's own (inlined frames share their holder's).
 */
char *sigframe_normalize(const struct siglists *sl, json_t *frame, const char *module);
char *sigframe_cpp(const struct siglists *sl, const char *function, json_t *line);
char *sigframe_rust(const struct siglists *sl, const char *function, json_t *line);

/*
 * Replaces each outermost open...close group by replacement, except a
 * group opened right after one of the exceptions or containing one; an
 * unclosed group runs to the end.
 */
char *sigframe_collapse(const char *s, char open, char close, const char *replacement,
    const char *const *exceptions);
/* The last space-separated token, brackets respected: drops return types. */
char *sigframe_drop_prefix_and_return_type(const char *function);
/* The path part of a source file value, or NULL (see the .c file). */
char *sigframe_source_path(const char *file);
/* Hex as Python's hex(int(s, 16)); s itself when it is not hex. */
char *sigframe_strip_leading_zeros(const char *s);
/* Rust 1.34 panic functions named without their module, with it (or NULL). */
const char *sigframe_missing_module(const char *function, const char *file);
/* Python's truth of a JSON value: no empty string, zero, list or object. */
bool py_truthy(json_t *v);
/* Python's str() of a JSON scalar: 12, None, True, text. */
char *py_str(json_t *v);

#endif
