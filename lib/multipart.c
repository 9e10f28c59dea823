/*
 * multipart.c: streaming multipart parser.
 *
 * The body is scanned for the delimiter "\r\n--BOUNDARY". A window buffer
 * holds what has not been handed on yet: in a part body, everything but
 * the last (delimiter length - 1) bytes can be passed to the callback at
 * once, since no delimiter can start before that. The parser starts with
 * "\r\n" already in the window so that a body beginning with the first
 * delimiter needs no special case.
 */

#include "multipart.h"
#include "util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define WINDOW_SIZE	16384
#define MAX_HEADER_LINE	8192
#define MAX_HEADERS	32
#define MAX_BOUNDARY	200

enum state { PREAMBLE, AFTER_DELIM, HEADERS, BODY, EPILOGUE, FAILED };

struct multipart {
	const struct multipart_callbacks *cb;
	void *ctx;
	char delim[MAX_BOUNDARY + 5];
	size_t delim_len;
	enum state state;
	const char *error;
	char *win;		/* WINDOW_SIZE + MAX_HEADER_LINE bytes */
	size_t win_cap, start, end;
	int nheaders;
	char *name, *filename, *content_type;
};

struct multipart *multipart_new(const char *boundary,
    const struct multipart_callbacks *cb, void *ctx)
{
	size_t blen = boundary ? strlen(boundary) : 0;
	if (blen == 0 || blen > MAX_BOUNDARY)
		return NULL;
	struct multipart *mp = xcalloc(1, sizeof *mp);
	mp->cb = cb;
	mp->ctx = ctx;
	mp->delim_len = blen + 4;
	memcpy(mp->delim, "\r\n--", 4);
	memcpy(mp->delim + 4, boundary, blen);
	mp->win_cap = WINDOW_SIZE + MAX_HEADER_LINE;
	mp->win = xmalloc(mp->win_cap);
	memcpy(mp->win, "\r\n", 2);
	mp->end = 2;
	mp->state = PREAMBLE;
	return mp;
}

static void clear_part(struct multipart *mp)
{
	free(mp->name);
	free(mp->filename);
	free(mp->content_type);
	mp->name = mp->filename = mp->content_type = NULL;
	mp->nheaders = 0;
}

void multipart_free(struct multipart *mp)
{
	if (!mp)
		return;
	clear_part(mp);
	free(mp->win);
	free(mp);
}

const char *multipart_error(const struct multipart *mp)
{
	return mp->error ? mp->error : "truncated";
}

static int fail(struct multipart *mp, const char *why)
{
	if (mp->state != FAILED) {
		mp->state = FAILED;
		mp->error = why;
	}
	return -1;
}

/*
 * Reads one parameter value of a header at *p: a quoted string (with
 * backslash escapes) or a token; advances *p past it.
 */
static char *param_value(const char **p)
{
	const char *s = *p;
	struct buf b;
	buf_init(&b);
	buf_append(&b, "", 0);
	if (*s == '"') {
		for (s++; *s && *s != '"'; s++) {
			if (*s == '\\' && s[1])
				s++;
			buf_append(&b, s, 1);
		}
		if (*s == '"')
			s++;
	} else {
		const char *e = s;
		while (*e && *e != ';' && !isspace((unsigned char)*e))
			e++;
		buf_append(&b, s, e - s);
		s = e;
	}
	*p = s;
	return buf_steal(&b);
}

/* Parses "form-data; name=...; filename=..." into the part's fields. */
static void parse_disposition(struct multipart *mp, const char *v)
{
	const char *p = strchr(v, ';');
	while (p && *p) {
		while (*p == ';' || isspace((unsigned char)*p))
			p++;
		const char *key = p;
		while (*p && *p != '=' && *p != ';')
			p++;
		size_t klen = p - key;
		while (klen && isspace((unsigned char)key[klen - 1]))
			klen--;
		if (*p != '=')
			continue;
		p++;
		while (isspace((unsigned char)*p))
			p++;
		char *val = param_value(&p);
		if (klen == 4 && !strncasecmp(key, "name", 4) && !mp->name) {
			mp->name = val;
		} else if (klen == 8 && !strncasecmp(key, "filename", 8) && !mp->filename) {
			mp->filename = val;
		} else if (klen == 9 && !strncasecmp(key, "filename*", 9) && !mp->filename) {
			mp->filename = val;
		} else {
			free(val);
		}
	}
}

static int parse_header(struct multipart *mp, char *line)
{
	if (++mp->nheaders > MAX_HEADERS)
		return fail(mp, "too_many_headers");
	char *colon = strchr(line, ':');
	if (!colon)
		return fail(mp, "bad_part_header");
	*colon = 0;
	char *value = strtrim(colon + 1);
	if (!strcasecmp(strtrim(line), "content-disposition"))
		parse_disposition(mp, value);
	else if (!strcasecmp(strtrim(line), "content-type") && !mp->content_type)
		mp->content_type = xstrdup(value);
	return 0;
}

static int begin_part(struct multipart *mp)
{
	struct multipart_part part = {
		.name = mp->name ? mp->name : "",
		.filename = mp->filename,
		.content_type = mp->content_type ? mp->content_type : "",
	};
	mp->state = BODY;
	if (mp->cb->part_begin(mp->ctx, &part) < 0)
		return fail(mp, "rejected_part");
	return 0;
}

/*
 * Whether the delimiter bytes at hit really end a part: RFC 2046 wants
 * "--" or white space and CRLF after them; anything else is body data
 * that happens to contain them. 1: yes, -1: no, 0: need more bytes.
 */
static int is_delimiter(const struct multipart *mp, const char *hit, const char *end)
{
	const char *after = hit + mp->delim_len;
	if (after >= end)
		return 0;
	switch (*after) {
	case '-':
		if (after + 1 >= end)
			return 0;
		return after[1] == '-' ? 1 : -1;
	case ' ': case '\t': case '\r': case '\n':
		return 1;
	default:
		return -1;
	}
}

/*
 * One step of the state machine; returns 1 to go on, 0 for more input.
 * It only moves start forward, never end, and writes (the NUL ending a
 * header line) only into bytes it has consumed: multipart_feed relies on
 * the window's last bytes being the input's when it gives them back.
 */
static int step(struct multipart *mp)
{
	char *w = mp->win + mp->start;
	size_t avail = mp->end - mp->start;
	switch (mp->state) {
	case PREAMBLE:
	case BODY: {
		char *hit = memmem(w, avail, mp->delim, mp->delim_len);
		int real = hit ? is_delimiter(mp, hit, w + avail) : 0;
		size_t upto = hit ? (size_t)(hit - w) + (real < 0) :
		    avail >= mp->delim_len ? avail - mp->delim_len + 1 : 0;
		if (mp->state == BODY && upto &&
		    mp->cb->part_data(mp->ctx, w, upto) < 0)
			return fail(mp, "rejected_part");
		mp->start += upto;
		if (real <= 0)
			return real < 0;	/* not one: scan on; unknown: wait */
		if (mp->state == BODY && mp->cb->part_end(mp->ctx) < 0)
			return fail(mp, "rejected_part");
		clear_part(mp);
		mp->start += mp->delim_len;
		mp->state = AFTER_DELIM;
		return 1;
	}
	case AFTER_DELIM: {
		size_t i = 0;
		if (avail >= 2 && w[0] == '-' && w[1] == '-') {
			mp->state = EPILOGUE;
			mp->start = mp->end;
			return 0;
		}
		/* Transport padding: white space before the CRLF, 64 bytes at most. */
		while (i < avail && i <= 64 && (w[i] == ' ' || w[i] == '\t'))
			i++;
		if (i > 64)
			return fail(mp, "bad_boundary");
		if (i + 2 > avail)
			return 0;
		if (w[i] == '\r' && w[i + 1] == '\n') {
			mp->start += i + 2;
			mp->state = HEADERS;
			return 1;
		}
		if (w[i] == '\n') {	/* bare LF, as some clients send */
			mp->start += i + 1;
			mp->state = HEADERS;
			return 1;
		}
		return fail(mp, "bad_boundary");
	}
	case HEADERS: {
		char *nl = memchr(w, '\n', avail);
		if (!nl) {
			if (avail >= MAX_HEADER_LINE)
				return fail(mp, "header_too_long");
			return 0;
		}
		size_t len = nl - w;
		if (len >= MAX_HEADER_LINE)
			return fail(mp, "header_too_long");
		mp->start += len + 1;
		if (len && w[len - 1] == '\r')
			len--;
		if (len == 0)
			return begin_part(mp) < 0 ? -1 : 1;
		w[len] = 0;
		return parse_header(mp, w) < 0 ? -1 : 1;
	}
	case EPILOGUE:
		mp->start = mp->end;
		return 0;
	case FAILED:
		return -1;
	}
	return -1;
}

/*
 * In a part body with an empty window: hands on the input itself up to
 * the first delimiter (or what may be one), or else all of it but the
 * last (delimiter length - 1) bytes. Returns the bytes handed on, or -1.
 */
static long body_in_place(struct multipart *mp, const char *data, size_t len)
{
	const char *p = data, *end = data + len, *hit;
	size_t upto;
	for (;;) {
		hit = memmem(p, end - p, mp->delim, mp->delim_len);
		if (!hit) {
			upto = len >= mp->delim_len ? len - mp->delim_len + 1 : 0;
			break;
		}
		if (is_delimiter(mp, hit, end) >= 0) {
			upto = hit - data;
			break;
		}
		p = hit + 1;
	}
	if (upto && mp->cb->part_data(mp->ctx, data, upto) < 0)
		return fail(mp, "rejected_part");
	return upto;
}

/*
 * The window is for headers and for a delimiter split between two
 * inputs. A dump's bytes are handed on from the caller's buffer: once the
 * window's scan leaves only bytes that came from this input, they are
 * given back to it, and body_in_place() scans the rest of the input where
 * it lies. In a body the window takes only a few delimiters' worth of
 * input at a time, so the copying stays small.
 */
int multipart_feed(struct multipart *mp, const char *data, size_t len)
{
	size_t took = 0;	/* input copied into the window last */
	while (mp->state != FAILED) {
		int r;
		while ((r = step(mp)) > 0)
			;
		if (r < 0)
			return -1;
		size_t keep = mp->end - mp->start;
		/* keep < took: the scan went past all the window held before. */
		if (mp->state == BODY && keep < took) {
			data -= keep;
			len += keep;
			mp->start = mp->end = keep = 0;
			long n = body_in_place(mp, data, len);
			if (n < 0)
				return -1;
			data += n;
			len -= n;
		}
		if (len == 0)
			return 0;
		/* Slide what is left to the front and take more input. */
		memmove(mp->win, mp->win + mp->start, keep);
		mp->start = 0;
		mp->end = keep;
		size_t room = mp->win_cap - mp->end;
		size_t take = len < room ? len : room;
		if (mp->state == BODY && take > 4 * mp->delim_len)
			take = 4 * mp->delim_len;
		if (take == 0)
			return fail(mp, "header_too_long");
		memcpy(mp->win + mp->end, data, take);
		mp->end += take;
		data += take;
		len -= take;
		took = take;
	}
	return -1;
}

int multipart_finish(struct multipart *mp)
{
	if (mp->state == EPILOGUE)
		return 0;
	if (mp->state == FAILED)
		return -1;
	/* A closing delimiter without the final CRLF is still complete. */
	return fail(mp, mp->state == PREAMBLE ? "no_parts" : "truncated");
}

char *multipart_boundary(const char *content_type)
{
	const char *p = content_type;
	while ((p = strchr(p, ';'))) {
		p++;
		while (isspace((unsigned char)*p))
			p++;
		if (strncasecmp(p, "boundary", 8))
			continue;
		p += 8;
		while (isspace((unsigned char)*p))
			p++;
		if (*p != '=')
			continue;
		p++;
		while (isspace((unsigned char)*p))
			p++;
		char *b = param_value(&p);
		if (!*b || strlen(b) > MAX_BOUNDARY) {
			free(b);
			return NULL;
		}
		return b;
	}
	return NULL;
}
