/*
 * pystr.c: Python string semantics for the signature rules.
 */
#include "pystr.h"
#include "util.h"

#include <string.h>

uint32_t utf8_next(const char *s, size_t *n)
{
	const unsigned char *u = (const unsigned char *)s;
	if (u[0] < 0x80 || !u[1]) {
		*n = 1;
		return u[0];
	}
	if ((u[0] & 0xe0) == 0xc0) {
		*n = 2;
		return (uint32_t)(u[0] & 0x1f) << 6 | (u[1] & 0x3f);
	}
	if ((u[0] & 0xf0) == 0xe0 && u[2]) {
		*n = 3;
		return (uint32_t)(u[0] & 0x0f) << 12 | (uint32_t)(u[1] & 0x3f) << 6 | (u[2] & 0x3f);
	}
	if ((u[0] & 0xf8) == 0xf0 && u[2] && u[3]) {
		*n = 4;
		return (uint32_t)(u[0] & 0x07) << 18 | (uint32_t)(u[1] & 0x3f) << 12 |
		    (uint32_t)(u[2] & 0x3f) << 6 | (u[3] & 0x3f);
	}
	*n = 1;			/* not UTF-8: one byte at a time */
	return u[0];
}

size_t utf8_count(const char *s)
{
	size_t count = 0, n;
	for (; *s; s += n, count++)
		utf8_next(s, &n);
	return count;
}

size_t utf8_offset(const char *s, size_t cp)
{
	const char *p = s;
	size_t n;
	while (*p && cp--) {
		utf8_next(p, &n);
		p += n;
	}
	return (size_t)(p - s);
}

bool py_isspace(uint32_t cp)
{
	return (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x20) ||
	    cp == 0x85 || cp == 0xa0 || cp == 0x1680 ||
	    (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
	    cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

bool py_islinebreak(uint32_t cp)
{
	return cp == '\n' || cp == '\r' || cp == 0x0b || cp == 0x0c ||
	    (cp >= 0x1c && cp <= 0x1e) || cp == 0x85 || cp == 0x2028 || cp == 0x2029;
}

char *py_strip(const char *s)
{
	size_t n;
	while (*s && py_isspace(utf8_next(s, &n)))
		s += n;
	const char *end = s;
	for (const char *p = s; *p; p += n)
		if (!py_isspace(utf8_next(p, &n)))
			end = p + n;
	return xstrndup(s, (size_t)(end - s));
}

char *py_collapse_space(const char *s)
{
	struct buf b;
	size_t n;
	bool gap = false;
	buf_init(&b);
	for (const char *p = s; *p; p += n) {
		if (py_isspace(utf8_next(p, &n))) {
			gap = true;
			continue;
		}
		if (gap && b.len)
			buf_append(&b, " ", 1);
		gap = false;
		buf_append(&b, p, n);
	}
	return buf_steal(&b);
}

char *py_truncate(const char *s, size_t max, size_t keep, const char *tail)
{
	if (utf8_count(s) <= max)
		return xstrdup(s);
	size_t off = utf8_offset(s, keep);
	return xasprintf("%.*s%s", (int)off, s, tail);
}

size_t py_splitlines(const char *s, char ***lines)
{
	size_t count = 0, cap = 0, n;
	char **v = NULL;
	const char *start = s, *p = s;
	while (*p) {
		uint32_t cp = utf8_next(p, &n);
		if (!py_islinebreak(cp)) {
			p += n;
			continue;
		}
		if (count == cap)
			v = xrealloc(v, (cap = cap ? 2 * cap : 8) * sizeof *v);
		v[count++] = xstrndup(start, (size_t)(p - start));
		p += n;
		if (cp == '\r' && *p == '\n')
			p++;
		start = p;
	}
	if (p > start) {
		if (count == cap)
			v = xrealloc(v, (cap + 1) * sizeof *v);
		v[count++] = xstrndup(start, (size_t)(p - start));
	}
	*lines = v;
	return count;
}
