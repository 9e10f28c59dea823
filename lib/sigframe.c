/*
 * sigframe.c: frame normalization for signatures.
 *
 * A function name is reduced to what stays stable across builds: no
 * return type, no arguments, templates collapsed to <T>, a line number
 * only for the functions listed as needing one. Frames without a function
 * fall back to file#line, then the module, then the address.
 */
#include "sigframe.h"
#include "siglists.h"
#include "util.h"

#include <ctype.h>
#include <float.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);
	return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

static bool any_suffix(const char *s, size_t len, const char *const *list)
{
	for (size_t i = 0; list && list[i]; i++)
		if (ends_with(s, len, list[i]))
			return true;
	return false;
}

static bool any_contained(const char *s, size_t len, const char *const *list)
{
	for (size_t i = 0; list && list[i]; i++)
		if (memmem(s, len, list[i], strlen(list[i])))
			return true;
	return false;
}

char *sigframe_collapse(const char *s, char open, char close, const char *replacement,
    const char *const *exceptions)
{
	struct buf out;
	size_t depth = 0, group = 0;	/* group: where the open group starts in s */
	buf_init(&out);
	for (size_t i = 0; s[i]; i++) {
		if (!depth) {
			if (s[i] == open && !any_suffix(s, i, exceptions)) {
				depth = 1;
				group = i;
			} else {
				buf_append(&out, s + i, 1);
			}
			continue;
		}
		if (s[i] == open)
			depth++;
		else if (s[i] == close && --depth == 0) {
			if (any_contained(s + group, i + 1 - group, exceptions))
				buf_append(&out, s + group, i + 1 - group);
			else
				buf_puts(&out, replacement);
		}
	}
	if (depth) {
		size_t len = strlen(s + group);
		if (any_contained(s + group, len, exceptions))
			buf_append(&out, s + group, len);
		else
			buf_puts(&out, replacement);
	}
	return buf_steal(&out);
}

static char closer_of(char c)
{
	switch (c) {
	case '(': return ')';
	case '{': return '}';
	case '[': return ']';
	case '<': return '>';
	case '`': return '\'';
	default: return 0;
	}
}

static bool is_closer(char c)
{
	return c == ')' || c == '}' || c == ']' || c == '>' || c == '\'';
}

char *sigframe_drop_prefix_and_return_type(const char *function)
{
	/* Token boundaries: spaces outside any bracket pair. */
	size_t len = strlen(function), ntok = 0;
	size_t *starts = xmalloc((len + 2) * sizeof *starts);
	size_t *ends = xmalloc((len + 2) * sizeof *ends);
	char *levels = xmalloc(len + 1);
	size_t depth = 0, start = 0;
	for (size_t i = 0; i < len; i++) {
		char c = function[i];
		if (closer_of(c))
			levels[depth++] = c;
		else if (is_closer(c)) {
			if (depth && closer_of(levels[depth - 1]) == c)
				depth--;
		} else if (!depth && c == ' ') {
			starts[ntok] = start;
			ends[ntok++] = i;
			start = i + 1;
		}
	}
	if (start < len) {
		starts[ntok] = start;
		ends[ntok++] = len;
	}
	/* "f (args)" and "f() [clone .cold.1]": glue such tails back on. */
	while (ntok > 1 && (function[starts[ntok - 1]] == '(' ||
	    strncmp(function + starts[ntok - 1], "[clone", 6) == 0) &&
	    ends[ntok - 1] > starts[ntok - 1]) {
		ends[ntok - 2] = ends[ntok - 1];
		ntok--;
	}
	char *last = ntok ? xstrndup(function + starts[ntok - 1], ends[ntok - 1] - starts[ntok - 1])
	    : xstrdup("");
	free(starts);
	free(ends);
	free(levels);
	return last;
}

/*
 * The path in a source file value: the third field of a four-field
 * "vcs:root:path:revision", the second of a two-field "c:\path", the value
 * itself when it starts with '/', and nothing otherwise.
 */
char *sigframe_source_path(const char *file)
{
	if (!file || !*file)
		return NULL;
	size_t fields = 1;
	for (const char *p = file; *p; p++)
		fields += *p == ':';
	if (fields == 4) {
		const char *a = strchr(strchr(file, ':') + 1, ':') + 1;
		return xstrndup(a, (size_t)(strchr(a, ':') - a));
	}
	if (fields == 2)
		return xstrdup(strchr(file, ':') + 1);
	if (file[0] == '/')
		return xstrdup(file);
	return NULL;
}

char *sigframe_strip_leading_zeros(const char *s)
{
	/* int(s, 16) accepts blanks around, a sign, 0x, and _ between digits. */
	const char *p = s;
	while (isspace((unsigned char)*p))
		p++;
	bool negative = *p == '-';
	if (*p == '-' || *p == '+')
		p++;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && p[2])
		p += 2 + (p[2] == '_');
	struct buf digits;
	buf_init(&digits);
	bool ok = isxdigit((unsigned char)*p);
	for (; ok && *p && !isspace((unsigned char)*p); p++) {
		if (*p == '_' && isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[-1]))
			continue;
		if (!isxdigit((unsigned char)*p))
			ok = false;
		else if (digits.len || *p != '0')
			buf_append(&digits, (char[]){ (char)tolower((unsigned char)*p) }, 1);
	}
	while (ok && isspace((unsigned char)*p))
		p++;
	if (!ok || *p) {
		buf_free(&digits);
		return xstrdup(s);
	}
	char *out = xasprintf("%s0x%s", negative && digits.len ? "-" : "",
	    digits.len ? digits.data : "0");
	buf_free(&digits);
	return out;
}

const char *sigframe_missing_module(const char *function, const char *file)
{
	static const struct { const char *function, *path, *full; } table[] = {
		{ "panic", "src/libcore/panicking.rs", "core::panicking::panic" },
		{ "panic_fmt", "src/libcore/panicking.rs", "core::panicking::panic_fmt" },
		{ "panic_bounds_check", "src/libcore/panicking.rs", "core::panicking::panic_bounds_check" },
		{ "expect_failed", "src/libcore/option.rs", "core::option::expect_failed" },
		{ "slice_index_order_fail", "src/libcore/slice/mod.rs", "core::slice::slice_index_order_fail" },
		{ "capacity_overflow", "src/liballoc/raw_vec.rs", "alloc::raw_vec::capacity_overflow" },
		{ "begin_panic_fmt", "src/libstd/panicking.rs", "std::panicking::begin_panic_fmt" },
		{ "continue_panic_fmt", "src/libstd/panicking.rs", "std::panicking::continue_panic_fmt" },
		{ "rust_panic_with_hook", "src/libstd/panicking.rs", "std::panicking::rust_panic_with_hook" },
	};
	char *path = sigframe_source_path(file);
	const char *full = NULL;
	for (size_t i = 0; path && i < sizeof table / sizeof table[0]; i++)
		if (strcmp(function, table[i].function) == 0 && strcmp(path, table[i].path) == 0)
			full = table[i].full;
	free(path);
	return full;
}

char *py_str(json_t *v)
{
	if (!v || json_is_null(v))
		return xstrdup("None");
	if (json_is_true(v))
		return xstrdup("True");
	if (json_is_false(v))
		return xstrdup("False");
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_integer(v))
		return xasprintf("%lld", (long long)json_integer_value(v));
	if (json_is_real(v)) {
		/* repr(float): the shortest form that reads back the same. */
		double d = json_real_value(v);
		char tmp[40];
		for (int prec = 1; prec <= DBL_DIG + 2; prec++) {
			snprintf(tmp, sizeof tmp, "%.*g", prec, d);
			if (strtod(tmp, NULL) == d)
				break;
		}
		return strpbrk(tmp, ".en") ? xstrdup(tmp) : xasprintf("%s.0", tmp);
	}
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* Drops one trailing const / & qualifier of each kind, in Socorro's order. */
static char *drop_qualifiers(const char *function)
{
	static const char *const refs[] = { "const", "const&", "const &", "&&", "&" };
	char *s = xstrdup(function);
	for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++) {
		size_t len = strlen(s);
		if (ends_with(s, len, refs[i])) {
			s[len - strlen(refs[i])] = 0;
			char *stripped = xstrdup(strtrim(s));
			free(s);
			s = stripped;
		}
	}
	return s;
}

/* Replaces every occurrence of from by to. */
static char *replace_all(const char *s, const char *from, const char *to)
{
	struct buf out;
	size_t n = strlen(from);
	buf_init(&out);
	for (const char *hit; (hit = strstr(s, from)); s = hit + n) {
		buf_append(&out, s, (size_t)(hit - s));
		buf_puts(&out, to);
	}
	buf_puts(&out, s);
	return buf_steal(&out);
}

/* Clang's lambda names: "::$_12::" becomes "::$::". */
static char *unnumber_lambdas(const char *s)
{
	struct buf out;
	buf_init(&out);
	while (*s) {
		if (strncmp(s, "::$_", 4) == 0 && isdigit((unsigned char)s[4])) {
			const char *p = s + 4;
			while (isdigit((unsigned char)*p))
				p++;
			if (strncmp(p, "::", 2) == 0) {
				buf_puts(&out, "::$::");
				s = p + 2;
				continue;
			}
		}
		buf_append(&out, s++, 1);
	}
	return buf_steal(&out);
}

/* No space before '*', '&' or ','; one space after every ','. */
static char *fix_spacing(const char *s)
{
	struct buf out;
	buf_init(&out);
	for (; *s; s++) {
		if (*s == ' ' && (s[1] == '*' || s[1] == '&' || s[1] == ','))
			continue;
		buf_append(&out, s, 1);
		if (*s == ',' && s[1] != ' ')
			buf_append(&out, " ", 1);
	}
	return buf_steal(&out);
}

/* Takes ownership of s and returns its replacement. */
static char *step(char *s, char *next)
{
	free(s);
	return next;
}

static char *with_line_number(const struct siglists *sl, char *s, json_t *line)
{
	if (!siglists_line_number(sl, s))
		return s;
	char *l = py_str(line);
	char *out = xasprintf("%s:%s", s, l);
	free(l);
	free(s);
	return out;
}

char *sigframe_cpp(const struct siglists *sl, const char *function, json_t *line)
{
	static const char *const template_exceptions[] = { "name omitted", "IPC::ParamTraits", " in ", NULL };
	static const char *const argument_exceptions[] = { "anonymous namespace", "operator", NULL };
	char *s = drop_qualifiers(function);
	/* Operator names such as "operator JSObject* const&" contain spaces. */
	if (!strstr(s, "::operator"))
		s = step(s, sigframe_drop_prefix_and_return_type(s));
	s = step(s, replace_all(s, "`anonymous namespace'", "(anonymous namespace)"));
	s = step(s, unnumber_lambdas(s));
	s = step(s, sigframe_collapse(s, '<', '>', "<T>", template_exceptions));
	s = step(s, sigframe_collapse(s, '(', ')', "", argument_exceptions));
	/* GCC's cold partitions: "f() [clone .cold.222]". */
	if (strstr(s, "clone .cold"))
		s = step(s, sigframe_collapse(s, '[', ']', "", NULL));
	s = with_line_number(sl, s, line);
	return step(s, fix_spacing(s));
}

/* Removes the "::h0123abcd" uniqueness hash rustc appends to symbols. */
static void drop_rust_hash(char *s)
{
	char *h = NULL;
	for (char *p = strstr(s, "::h"); p; p = strstr(p + 1, "::h"))
		h = p;
	if (!h || !h[3])
		return;
	for (char *p = h + 3; *p; p++)
		if (!isxdigit((unsigned char)*p))
			return;
	*h = 0;
}

char *sigframe_rust(const struct siglists *sl, const char *function, json_t *line)
{
	static const char *const trait_exceptions[] = { " as ", NULL };
	char *s = sigframe_drop_prefix_and_return_type(function);
	s = step(s, sigframe_collapse(s, '<', '>', "<T>", trait_exceptions));
	s = step(s, sigframe_collapse(s, '(', ')', "", NULL));
	s = with_line_number(sl, s, line);
	s = step(s, fix_spacing(s));
	drop_rust_hash(s);
	return s;
}

static const char *str_member(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

bool py_truthy(json_t *v)
{
	if (!v || json_is_null(v) || json_is_false(v))
		return false;
	if (json_is_string(v))
		return json_string_length(v) > 0;
	if (json_is_integer(v))
		return json_integer_value(v) != 0;
	if (json_is_real(v))
		return json_real_value(v) != 0;
	if (json_is_array(v))
		return json_array_size(v) > 0;
	if (json_is_object(v))
		return json_object_size(v) > 0;
	return true;
}

static bool is_rust_file(const char *file)
{
	char *path = sigframe_source_path(file);
	size_t len = path ? strlen(path) : 0;
	bool rust = path && ends_with(path, len, ".rs");
	free(path);
	return rust;
}

static char *normalize_function(const struct siglists *sl, const char *function,
    const char *file, json_t *line)
{
	const char *full = sigframe_missing_module(function, file);
	if (full)
		function = full;
	if (file && is_rust_file(file))
		return sigframe_rust(sl, function, line);
	return sigframe_cpp(sl, function, line);
}

/* "dir/name.cpp" -> "name.cpp"; Windows separators win when present. */
static char *file_name(const char *file)
{
	char *f = xstrdup(file);
	size_t len = strlen(f);
	while (len && (f[len - 1] == '/' || f[len - 1] == '\\'))
		f[--len] = 0;
	const char *sep = strrchr(f, '\\');
	if (!sep)
		sep = strrchr(f, '/');
	char *name = xstrdup(sep ? sep + 1 : f);
	free(f);
	return name;
}

static char *strip_brackets(const char *module)
{
	size_t len = strlen(module);
	while (*module == '[' || *module == ']')
		module++, len--;
	while (len && (module[len - 1] == '[' || module[len - 1] == ']'))
		len--;
	return xstrndup(module, len);
}

char *sigframe_normalize(const struct siglists *sl, json_t *frame, const char *module)
{
	const char *function = str_member(frame, "function");
	const char *file = str_member(frame, "file");
	json_t *line = json_object_get(frame, "line");
	if (!module)
		module = str_member(frame, "module");
	if (function && *function)
		return normalize_function(sl, function, file, line);
	if (file && *file && py_truthy(line)) {
		char *name = file_name(file), *l = py_str(line);
		char *out = xasprintf("%s#%s", name, l);
		free(name);
		free(l);
		return out;
	}
	if (module && *module)
		return strip_brackets(module);
	json_t *unloaded = json_object_get(frame, "unloaded_modules");
	if (py_truthy(unloaded) && json_is_array(unloaded)) {
		char *name = py_str(json_object_get(json_array_get(unloaded, 0), "module"));
		char *out = xasprintf("(unloaded %s)", name);
		free(name);
		return out;
	}
	const char *offset = str_member(frame, "offset");
	if (offset && *offset) {
		char *hex = sigframe_strip_leading_zeros(offset);
		char *out = xasprintf("@%s", hex);
		free(hex);
		return out;
	}
	return xstrdup("");
}
