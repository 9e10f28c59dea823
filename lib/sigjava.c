/*
 * sigjava.c: signatures of Java crashes (Fenix, GeckoView), from a Java
 * stack trace as text or from a structured Java exception.
 */
#include "pystr.h"
#include "signature.h"
#include "util.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define JAVA_MAX_LEN 255

/* Object addresses ("@1a2b3c4d") change every run: "@<addr>". */
static char *hide_addresses(const char *s)
{
	struct buf out;
	buf_init(&out);
	while (*s) {
		size_t n = 0;
		if (*s == '@')
			while (n < 8 && (isdigit((unsigned char)s[1 + n]) ||
			    (s[1 + n] >= 'a' && s[1 + n] <= 'f')))
				n++;
		if (n == 8) {
			buf_puts(&out, "@<addr>");
			s += 9;
		} else {
			buf_append(&out, s++, 1);
		}
	}
	return buf_steal(&out);
}

/* "at a.B.c(B.java:12)" -> "at a.B.c(B.java)": line numbers change. */
static void drop_java_line(char *line)
{
	size_t len = strlen(line);
	if (len < 8 || line[len - 1] != ')')
		return;
	size_t i = len - 1;
	while (i > 0 && isdigit((unsigned char)line[i - 1]))
		i--;
	if (i == len - 1 || i < 6 || strncmp(line + i - 6, ".java:", 6) != 0)
		return;
	strcpy(line + i - 1, ")");
}

/* Joins the non-empty parts with sep. */
static void join_nonempty(struct buf *out, const char *sep, const char *const *parts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!*parts[i])
			continue;
		if (out->len)
			buf_puts(out, sep);
		buf_puts(out, parts[i]);
	}
}

char *signature_java_stack_trace(const char *trace)
{
	char **lines;
	size_t nlines = py_splitlines(trace, &lines);
	for (size_t i = 0; i < nlines; i++) {
		char *s = py_strip(lines[i]);
		free(lines[i]);
		lines[i] = s;
	}
	char *first = nlines ? lines[0] : "";
	char *colon = strchr(first, ':');
	char *class, *description;
	if (colon) {
		*colon = 0;
		class = py_strip(first);
		char *hidden = hide_addresses(colon + 1);
		description = py_strip(hidden);
		free(hidden);
	} else {
		class = xstrdup(first);
		description = xstrdup("");
	}
	char *method = xstrdup(nlines > 1 ? lines[1] : "");
	drop_java_line(method);

	struct buf sig;
	buf_init(&sig);
	size_t dlen = strlen(description);
	if (dlen >= 6 && strcmp(description + dlen - 6, "<addr>") == 0) {
		join_nonempty(&sig, ": ", (const char *[]){ class, description, method }, 3);
	} else {
		/* Socorro's long-standing form: no colon before the method. */
		struct buf phrase;
		buf_init(&phrase);
		join_nonempty(&phrase, " ", (const char *[]){ description, method }, 2);
		join_nonempty(&sig, ": ", (const char *[]){ class, phrase.data ? phrase.data : "" }, 2);
		buf_free(&phrase);
	}
	if (sig.data && utf8_count(sig.data) > JAVA_MAX_LEN) {
		buf_reset(&sig);
		buf_printf(&sig, "%s: %s", class, method);
	}
	for (size_t i = 0; i < nlines; i++)
		free(lines[i]);
	free(lines);
	free(class);
	free(description);
	free(method);
	return buf_steal(&sig);
}

static const char *str_member(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : "";
}

char *signature_java_frame(json_t *frame)
{
	const char *module = str_member(frame, "module");
	const char *function = str_member(frame, "function");
	const char *filename = str_member(frame, "filename");
	struct buf out;
	buf_init(&out);
	join_nonempty(&out, ".", (const char *[]){ module, function }, 2);
	if (!out.len)
		buf_puts(&out, "unknown");
	if (*filename)
		buf_printf(&out, "(%s)", filename);
	return buf_steal(&out);
}

char *signature_java_exception(json_t *java_exception)
{
	json_t *values = json_object_get(json_object_get(java_exception, "exception"), "values");
	json_t *trace = json_object_get(json_array_get(values, 0), "stacktrace");
	if (!json_is_object(trace))
		return xstrdup("EMPTY: Java exception not in expected format");
	struct buf sig;
	buf_init(&sig);
	join_nonempty(&sig, ".", (const char *[]){ str_member(trace, "module"),
	    str_member(trace, "type") }, 2);
	json_t *frames = json_object_get(trace, "frames");
	if (json_array_size(frames)) {
		char *frame = signature_java_frame(json_array_get(frames, 0));
		buf_printf(&sig, ": at %s", frame);
		free(frame);
	}
	return buf_steal(&sig);
}
