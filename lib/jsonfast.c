/*
 * jsonfast.c: a JSON reader that builds jansson values and a writer that
 * prints them, both working on whole runs of plain bytes where jansson
 * goes through a per-byte stream with a UTF-8 check and a buffer append
 * for each one (about 50 MB/s for the reader here).
 *
 * What they accept and print is jansson's, to the byte: the grammar of
 * RFC 8259 with jansson's choices (an object or array at the top, UTF-8
 * only, no \u0000, integers that fit in 64 bits or an error, reals
 * printed with 17 significant digits). fuzz/jsonfast holds them to it.
 */
#include "jsonfast.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 2048	/* jansson's JSON_PARSER_MAX_DEPTH */

/* Bytes that stand for themselves inside a string: no quote, no backslash, no control, ASCII. */
static const unsigned char plain[256] = {
	['\x20'] = 1, 1, 0 /* " */, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0 /* \ */, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 /* DEL */,
};

static bool is_digit(unsigned c)
{
	return c - '0' < 10;
}

/* ---- reading ------------------------------------------------------- */

struct reader {
	const unsigned char *start, *p, *end;
	int depth;
	const char *error;		/* the first error, a constant */
	const unsigned char *error_at;
	struct buf scratch;		/* a string with escapes, unescaped */
};

static json_t *fail(struct reader *r, const unsigned char *at, const char *why)
{
	if (!r->error) {
		r->error = why;
		r->error_at = at;
	}
	return NULL;
}

static bool refuse(struct reader *r, const unsigned char *at, const char *why)
{
	fail(r, at, why);
	return false;
}

static void skip_space(struct reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
		r->p++;
}

static int hex_digit(unsigned c)
{
	if (is_digit(c))
		return (int)(c - '0');
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? (int)(c - 'a' + 10) : -1;
}

/* The four hex digits at r->p as a number, or -1. */
static long read_hex4(struct reader *r)
{
	if (r->end - r->p < 4)
		return -1;
	long v = 0;
	for (int i = 0; i < 4; i++) {
		int d = hex_digit(r->p[i]);
		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	r->p += 4;
	return v;
}

/* \u and its digits, a surrogate pair as one code point; r->p is past the u. */
static bool read_unicode_escape(struct reader *r, const unsigned char *at)
{
	long cp = read_hex4(r);
	if (cp < 0)
		return refuse(r, at, "invalid \\u escape");
	if (cp >= 0xDC00 && cp <= 0xDFFF)
		return refuse(r, at, "invalid Unicode: a low surrogate alone");
	if (cp >= 0xD800 && cp <= 0xDBFF) {
		long low = -1;
		if (r->end - r->p >= 2 && r->p[0] == '\\' && r->p[1] == 'u') {
			r->p += 2;
			low = read_hex4(r);
		}
		if (low < 0xDC00 || low > 0xDFFF)
			return refuse(r, at, "invalid Unicode: a high surrogate without its low one");
		cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
	}
	if (cp == 0)
		return refuse(r, at, "\\u0000 is not allowed");
	buf_put_utf8(&r->scratch, (uint32_t)cp);
	return true;
}

/* One escape; r->p is on its backslash. */
static bool read_escape(struct reader *r)
{
	const unsigned char *at = r->p;
	if (r->end - r->p < 2)
		return refuse(r, at, "premature end of input in a string");
	unsigned char c = r->p[1], out;
	r->p += 2;
	switch (c) {
	case '"': case '\\': case '/': out = c; break;
	case 'b': out = '\b'; break;
	case 'f': out = '\f'; break;
	case 'n': out = '\n'; break;
	case 'r': out = '\r'; break;
	case 't': out = '\t'; break;
	case 'u': return read_unicode_escape(r, at);
	default: return refuse(r, at, "invalid escape");
	}
	buf_append(&r->scratch, &out, 1);
	return true;
}

/*
 * The string whose opening quote r->p is on. *s points into the text when
 * the string has no escapes (the common case: no copy), else into
 * r->scratch, which the next string reuses.
 */
static bool read_string(struct reader *r, const char **s, size_t *len)
{
	const unsigned char *run = ++r->p;
	bool escaped = false;
	buf_reset(&r->scratch);
	for (;;) {
		const unsigned char *p = r->p;
		while (p < r->end && plain[*p])
			p++;
		r->p = p;
		if (p == r->end)
			return refuse(r, p, "premature end of input in a string");
		if (*p == '"')
			break;
		if (*p < 0x20)
			return refuse(r, p, "control character in a string");
		if (*p >= 0x80) {
			size_t n = utf8_seq_len(p, (size_t)(r->end - p));
			if (!n)
				return refuse(r, p, "invalid UTF-8 in a string");
			r->p += n;
			continue;
		}
		escaped = true;	/* a backslash */
		buf_append(&r->scratch, run, (size_t)(p - run));
		if (!read_escape(r))
			return false;
		run = r->p;
	}
	if (escaped) {
		buf_append(&r->scratch, run, (size_t)(r->p - run));
		*s = r->scratch.data;
		*len = r->scratch.len;
	} else {
		*s = (const char *)run;
		*len = (size_t)(r->p - run);
	}
	r->p++;
	return true;
}

static json_t *read_integer(struct reader *r, const unsigned char *start, const unsigned char *end)
{
	bool negative = *start == '-';
	uint64_t limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, v = 0;
	for (const unsigned char *p = start + negative; p < end; p++) {
		unsigned d = *p - '0';
		if (v > (limit - d) / 10)
			return fail(r, start, negative ? "too big negative integer" : "too big integer");
		v = v * 10 + d;
	}
	return json_integer(negative ? (json_int_t)(0 - v) : (json_int_t)v);
}

static json_t *read_real(struct reader *r, const unsigned char *start, const unsigned char *end)
{
	size_t n = (size_t)(end - start);
	char small[64], *text = n < sizeof small ? small : xmalloc(n + 1);
	memcpy(text, start, n);
	text[n] = 0;
	errno = 0;
	double d = strtod(text, NULL);
	bool overflow = (d == HUGE_VAL || d == -HUGE_VAL) && errno == ERANGE;
	if (text != small)
		free(text);
	return overflow ? fail(r, start, "real number overflow") : json_real(d);
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static json_t *read_number(struct reader *r)
{
	const unsigned char *start = r->p, *p = r->p, *end = r->end;
	bool real = false;
	if (*p == '-')
		p++;
	if (p == end || !is_digit(*p))
		return fail(r, start, "invalid number");
	if (*p == '0') {
		if (++p < end && is_digit(*p))
			return fail(r, start, "invalid number: a leading zero");
	} else {
		while (p < end && is_digit(*p))
			p++;
	}
	if (p < end && *p == '.') {
		real = true;
		if (++p == end || !is_digit(*p))
			return fail(r, start, "invalid number");
		while (p < end && is_digit(*p))
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		real = true;
		if (++p < end && (*p == '+' || *p == '-'))
			p++;
		if (p == end || !is_digit(*p))
			return fail(r, start, "invalid number");
		while (p < end && is_digit(*p))
			p++;
	}
	r->p = p;
	return real ? read_real(r, start, p) : read_integer(r, start, p);
}

static json_t *read_word(struct reader *r, const char *word, json_t *value)
{
	size_t n = strlen(word);
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n))
		return fail(r, r->p, "invalid token");
	r->p += n;
	return value;
}

static json_t *read_value(struct reader *r);

/* At an opening bracket: steps past it, and past its closing one when nothing is between. */
static bool empty_container(struct reader *r, char close)
{
	r->p++;
	skip_space(r);
	if (r->p < r->end && *r->p == close) {
		r->p++;
		return true;
	}
	return false;
}

/* After a member: 1 past a comma, 0 past the closing bracket, -1 (refused) at anything else. */
static int after_member(struct reader *r, char close, const char *expected)
{
	skip_space(r);
	if (r->p < r->end && (*r->p == ',' || *r->p == close))
		return *r->p++ == ',';
	refuse(r, r->p, expected);
	return -1;
}

static json_t *read_array(struct reader *r)
{
	json_t *a = json_array();
	if (empty_container(r, ']'))
		return a;
	int more;
	do {
		skip_space(r);
		json_t *v = read_value(r);
		more = v && json_array_append_new(a, v) == 0 ? after_member(r, ']', "']' expected") : -1;
	} while (more > 0);
	if (more == 0)
		return a;
	json_decref(a);
	return fail(r, r->p, "out of memory");
}

/* A member's key; copied when it lies in the scratch buffer the value will reuse. */
static bool read_key(struct reader *r, const char **key, size_t *len, char **copy)
{
	*copy = NULL;
	if (r->p == r->end || *r->p != '"')
		return refuse(r, r->p, "string or '}' expected");
	if (!read_string(r, key, len))
		return false;
	if (*key == r->scratch.data)
		*key = *copy = xstrndup(*key, *len);
	skip_space(r);
	if (r->p == r->end || *r->p != ':') {
		free(*copy);
		return refuse(r, r->p, "':' expected");
	}
	r->p++;
	skip_space(r);
	return true;
}

static json_t *read_object(struct reader *r)
{
	json_t *o = json_object();
	if (empty_container(r, '}'))
		return o;
	int more = -1;
	do {
		const char *key;
		size_t len;
		char *copy;
		skip_space(r);
		if (!read_key(r, &key, &len, &copy))
			break;
		json_t *v = read_value(r);
		more = v && json_object_setn_new_nocheck(o, key, len, v) == 0 ?
		    after_member(r, '}', "'}' expected") : -1;
		free(copy);
	} while (more > 0);
	if (more == 0)
		return o;
	json_decref(o);
	return fail(r, r->p, "out of memory");
}

/* A value at r->p (white space skipped); like jansson, every value counts toward the depth. */
static json_t *read_value(struct reader *r)
{
	if (++r->depth > MAX_DEPTH)
		return fail(r, r->p, "maximum parsing depth reached");
	json_t *v;
	const char *s;
	size_t len;
	switch (r->p < r->end ? *r->p : 0) {
	case '{': v = read_object(r); break;
	case '[': v = read_array(r); break;
	case '"': v = read_string(r, &s, &len) ? json_stringn_nocheck(s, len) : NULL; break;
	case 't': v = read_word(r, "true", json_true()); break;
	case 'f': v = read_word(r, "false", json_false()); break;
	case 'n': v = read_word(r, "null", json_null()); break;
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		v = read_number(r);
		break;
	default:
		v = fail(r, r->p, r->p < r->end ? "invalid token" : "premature end of input");
	}
	r->depth--;
	return v ? v : fail(r, r->p, "out of memory");
}

static void set_error(json_error_t *error, const struct reader *r)
{
	if (!error)
		return;
	int line = 1, column = 0;
	for (const unsigned char *p = r->start; p < r->error_at; p++) {
		if (*p == '\n') {
			line++;
			column = 0;
		} else {
			column++;
		}
	}
	error->line = line;
	error->column = column;
	error->position = (int)(r->error_at - r->start);
	snprintf(error->text, sizeof error->text, "%s near byte %d", r->error, error->position);
}

json_t *jsonfast_load(const char *text, size_t len, json_error_t *error)
{
	struct reader r = { .start = (const unsigned char *)text, .p = (const unsigned char *)text };
	r.end = r.start + len;
	if (error)	/* as jansson: a caller may read it after a success too */
		*error = (json_error_t){ .line = -1, .column = -1, .source = "<buffer>" };
	buf_init(&r.scratch);
	json_t *v = NULL;
	skip_space(&r);
	if (r.p == r.end || (*r.p != '{' && *r.p != '['))
		fail(&r, r.p, "'[' or '{' expected");
	else if ((v = read_value(&r)) != NULL) {
		skip_space(&r);
		if (r.p != r.end) {
			fail(&r, r.p, "end of file expected");
			json_decref(v);
			v = NULL;
		}
	}
	buf_free(&r.scratch);
	if (!v)
		set_error(error, &r);
	return v;
}

/* ---- writing ------------------------------------------------------- */

/*
 * The writer's appends: room is made in doubling steps, and the NUL that
 * struct buf keeps after its bytes is written once, at the end.
 */
static inline void put_bytes(struct buf *b, const void *s, size_t n)
{
	if (b->len + n >= b->cap)
		buf_reserve(b, n);
	memcpy(b->data + b->len, s, n);
	b->len += n;
}

static inline void put_char(struct buf *b, char c)
{
	if (b->len + 1 >= b->cap)
		buf_reserve(b, 1);
	b->data[b->len++] = c;
}

static bool put_string(struct buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s, *end = p + len, *run = p;
	put_char(b, '"');
	while (p < end) {
		if (plain[*p]) {
			p++;
			continue;
		}
		if (*p >= 0x80) {
			size_t n = utf8_seq_len(p, (size_t)(end - p));
			if (!n)
				return false;
			p += n;
			continue;
		}
		put_bytes(b, run, (size_t)(p - run));
		char esc[7] = { '\\', 0 };
		switch (*p) {
		case '"': case '\\': esc[1] = (char)*p; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 15];
		}
		put_bytes(b, esc, strlen(esc));
		run = ++p;
	}
	put_bytes(b, run, (size_t)(p - run));
	put_char(b, '"');
	return true;
}

static void put_integer(struct buf *b, json_int_t v)
{
	char digits[24], *p = digits + sizeof digits;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	put_bytes(b, p, (size_t)(digits + sizeof digits - p));
}

/*
 * jansson's form: 17 significant digits, a ".0" when that reads as an
 * integer, no '+' and no leading zeros in the exponent.
 */
static void put_real(struct buf *b, double d)
{
	char s[40];
	int n = snprintf(s, sizeof s, "%.17g", d);
	if (!strchr(s, '.') && !strchr(s, 'e')) {
		memcpy(s + n, ".0", 3);
		n += 2;
	}
	char *e = strchr(s, 'e');
	if (e) {
		char *digits = e + 1 + (e[1] == '-');
		char *from = e + 1 + (e[1] == '-' || e[1] == '+');
		while (*from == '0' && from[1])
			from++;
		memmove(digits, from, strlen(from) + 1);
		n = (int)strlen(s);
	}
	put_bytes(b, s, (size_t)n);
}

struct member {
	const char *key;
	size_t len;
	json_t *value;
};

static int member_cmp(const void *a, const void *b)
{
	const struct member *x = a, *y = b;
	int c = memcmp(x->key, y->key, x->len < y->len ? x->len : y->len);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* Most objects have a handful of members: insertion sort, qsort past 16. */
static void sort_members(struct member *m, size_t n)
{
	if (n > 16) {
		qsort(m, n, sizeof *m, member_cmp);
		return;
	}
	for (size_t i = 1; i < n; i++) {
		struct member x = m[i];
		size_t j = i;
		for (; j > 0 && member_cmp(&m[j - 1], &x) > 0; j--)
			m[j] = m[j - 1];
		m[j] = x;
	}
}

static bool put_value(struct buf *b, const json_t *v, int depth);

static bool put_object(struct buf *b, const json_t *o, int depth)
{
	size_t n = json_object_size(o), i = 0;
	struct member few[16], *m = n <= 16 ? few : xmalloc(n * sizeof *m);
	for (void *it = json_object_iter((json_t *)o); it && i < n; it = json_object_iter_next((json_t *)o, it))
		m[i++] = (struct member){ json_object_iter_key(it), json_object_iter_key_len(it), json_object_iter_value(it) };
	sort_members(m, i);
	bool good = true;
	put_char(b, '{');
	for (size_t k = 0; k < i && good; k++) {
		if (k)
			put_char(b, ',');
		good = put_string(b, m[k].key, m[k].len);
		if (good) {
			put_char(b, ':');
			good = put_value(b, m[k].value, depth);
		}
	}
	put_char(b, '}');
	if (m != few)
		free(m);
	return good;
}

static bool put_array(struct buf *b, const json_t *a, int depth)
{
	size_t n = json_array_size(a);
	put_char(b, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			put_char(b, ',');
		if (!put_value(b, json_array_get(a, i), depth))
			return false;
	}
	put_char(b, ']');
	return true;
}

static bool put_value(struct buf *b, const json_t *v, int depth)
{
	if (++depth > MAX_DEPTH)
		return false;
	switch (json_typeof(v)) {
	case JSON_OBJECT: return put_object(b, v, depth);
	case JSON_ARRAY: return put_array(b, v, depth);
	case JSON_STRING: return put_string(b, json_string_value(v), json_string_length(v));
	case JSON_INTEGER: put_integer(b, json_integer_value(v)); return true;
	case JSON_REAL: put_real(b, json_real_value(v)); return true;
	case JSON_TRUE: put_bytes(b, "true", 4); return true;
	case JSON_FALSE: put_bytes(b, "false", 5); return true;
	case JSON_NULL: put_bytes(b, "null", 4); return true;
	}
	return false;
}

/*
 * A value this writer refuses (nested past its depth, or with a string
 * that is not UTF-8) goes to jansson's writer, which is as deep as the
 * stack allows and refuses only the strings: the answer stays jansson's.
 */
static bool jansson_dump(const json_t *v, struct buf *out)
{
	char *text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
	if (text)
		buf_append(out, text, strlen(text));
	free(text);
	return text != NULL;
}

bool jsonfast_dump_buf(const json_t *v, struct buf *out)
{
	if (!v || !(json_is_object(v) || json_is_array(v)))
		return false;
	size_t before = out->len;
	bool good = put_value(out, v, 0);
	if (!good) {
		out->len = before;
		good = jansson_dump(v, out);
	}
	if (out->data)
		out->data[out->len] = 0;
	return good;
}

char *jsonfast_dumps(const json_t *v, size_t *len)
{
	struct buf b;
	buf_init(&b);
	if (!jsonfast_dump_buf(v, &b)) {
		buf_free(&b);
		return NULL;
	}
	if (len)
		*len = b.len;
	return buf_steal(&b);	/* at least "{}" was written */
}
