/*
 * body.c: building an upload body the way Breakpad and Crashpad clients do.
 *
 * The body is a list of segments: literal text (part headers, annotation
 * values, the closing delimiter) and dump files read as they are sent.
 */
#include "body.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

struct segment {
	char *text;		/* literal bytes, or NULL for a file */
	char *path;
	long long size;
};

struct body {
	struct segment *segs;
	int nsegs, cur;
	long long off;		/* within the current segment */
	int fd;
	char content_type[128];
	long long length;
	bool gzip;
	z_stream z;
	bool raw_eof, z_end;
	char zin[65536];
};

static void add_text(struct body *b, char *text)
{
	b->segs = xrealloc(b->segs, (b->nsegs + 1) * sizeof *b->segs);
	b->segs[b->nsegs++] = (struct segment){ .text = text, .size = strlen(text) };
	b->length += strlen(text);
}

static void add_file(struct body *b, const char *path, long long size)
{
	b->segs = xrealloc(b->segs, (b->nsegs + 1) * sizeof *b->segs);
	b->segs[b->nsegs++] = (struct segment){ .path = xstrdup(path), .size = size };
	b->length += size;
}

/* A form field name in quotes: '"', CR and LF percent-encoded, as browsers do. */
static char *quoted_name(const char *name)
{
	struct buf b;
	buf_init(&b);
	buf_append(&b, "", 0);
	for (const char *p = name; *p; p++) {
		if (*p == '"' || *p == '\r' || *p == '\n')
			buf_printf(&b, "%%%02X", (unsigned char)*p);
		else
			buf_append(&b, p, 1);
	}
	return buf_steal(&b);
}

static const char *boundary_of(const struct body *b)
{
	return strstr(b->content_type, "boundary=") + 9;
}

/* Annotations: form fields for strings, or one JSON part for the lot. */
static void add_annotations(struct body *b, json_t *raw, const struct body_options *opt)
{
	json_t *annotations = json_object();
	const char *key;
	json_t *val;
	bool all_strings = true;
	json_object_foreach(raw, key, val) {
		if (!strcmp(key, "metadata") || !strcmp(key, "submitted_timestamp"))
			continue;
		if (!strcmp(key, "uuid") && !opt->keep_id)
			continue;
		all_strings &= json_is_string(val);
		json_object_set(annotations, key, val);
	}
	const char *bnd = boundary_of(b);
	if (opt->json || !all_strings) {
		char *text = json_dumps(annotations, JSON_COMPACT);
		add_text(b, xasprintf("--%s\r\nContent-Disposition: form-data; name=\"extra\"; "
		    "filename=\"extra.json\"\r\nContent-Type: application/json\r\n\r\n%s\r\n",
		    bnd, text));
		free(text);
	} else {
		json_object_foreach(annotations, key, val) {
			char *name = quoted_name(key);
			add_text(b, xasprintf("--%s\r\nContent-Disposition: form-data; name=\"%s\""
			    "\r\n\r\n%s\r\n", bnd, name, json_string_value(val)));
			free(name);
		}
	}
	json_decref(annotations);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file but raw_crash.json is a dump, sent under its name. */
static int add_dumps(struct body *b, const char *dir, char **err)
{
	DIR *d = opendir(dir);
	if (!d) {
		*err = xasprintf("%s: %s", dir, strerror(errno));
		return -1;
	}
	char **names = NULL;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || !strcmp(e->d_name, "raw_crash.json"))
			continue;
		names = xrealloc(names, (n + 1) * sizeof *names);
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof *names, by_name);
	for (int i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s", dir, names[i]);
		struct stat st;
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			char *name = quoted_name(names[i]);
			add_text(b, xasprintf("--%s\r\nContent-Disposition: form-data; name=\"%s\"; "
			    "filename=\"%s.dmp\"\r\nContent-Type: application/octet-stream\r\n\r\n",
			    boundary_of(b), name, name));
			free(name);
			add_file(b, path, st.st_size);
			add_text(b, xstrdup("\r\n"));
		}
		free(path);
		free(names[i]);
	}
	free(names);
	return 0;
}

struct body *body_open(const char *dir, const struct body_options *opt, char **err)
{
	char *path = xasprintf("%s/raw_crash.json", dir);
	json_error_t jerr;
	json_t *raw = json_load_file(path, 0, &jerr);
	free(path);
	if (!json_is_object(raw)) {
		*err = xasprintf("%s/raw_crash.json: %s", dir, raw ? "not an object" : jerr.text);
		json_decref(raw);
		return NULL;
	}
	struct body *b = xcalloc(1, sizeof *b);
	b->fd = -1;
	unsigned char r[8];
	if (getrandom(r, sizeof r, 0) != sizeof r)
		memset(r, 0x5a, sizeof r);
	snprintf(b->content_type, sizeof b->content_type,
	    "multipart/form-data; boundary=------------------------%02x%02x%02x%02x%02x%02x%02x%02x",
	    r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
	add_annotations(b, raw, opt);
	json_decref(raw);
	if (add_dumps(b, dir, err) < 0) {
		body_free(b);
		return NULL;
	}
	add_text(b, xasprintf("--%s--\r\n", boundary_of(b)));
	b->gzip = opt->gzip;
	body_rewind(b);
	return b;
}

void body_free(struct body *b)
{
	if (!b)
		return;
	for (int i = 0; i < b->nsegs; i++) {
		free(b->segs[i].text);
		free(b->segs[i].path);
	}
	free(b->segs);
	if (b->fd >= 0)
		close(b->fd);
	if (b->gzip)
		deflateEnd(&b->z);
	free(b);
}

void body_rewind(struct body *b)
{
	b->cur = 0;
	b->off = 0;
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
	if (b->gzip) {
		deflateEnd(&b->z);
		memset(&b->z, 0, sizeof b->z);
		/* 15 + 16: a gzip wrapper, as Content-Encoding: gzip means. */
		if (deflateInit2(&b->z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
			die(1, "deflateInit2 failed");
		b->raw_eof = b->z_end = false;
	}
}

const char *body_content_type(const struct body *b)
{
	return b->content_type;
}

long long body_length(const struct body *b)
{
	return b->gzip ? -1 : b->length;
}

/* The uncompressed body, segment after segment. */
static long read_raw(struct body *b, char *out, size_t len)
{
	while (b->cur < b->nsegs) {
		struct segment *s = &b->segs[b->cur];
		long long left = s->size - b->off;
		if (left <= 0) {
			if (b->fd >= 0)
				close(b->fd);
			b->fd = -1;
			b->cur++;
			b->off = 0;
			continue;
		}
		size_t n = (size_t)left < len ? (size_t)left : len;
		if (s->text) {
			memcpy(out, s->text + b->off, n);
		} else {
			if (b->fd < 0 && (b->fd = open(s->path, O_RDONLY | O_CLOEXEC)) < 0)
				return -1;
			ssize_t r = read(b->fd, out, n);
			if (r <= 0)
				return -1;	/* the file shrank or failed under us */
			n = r;
		}
		b->off += n;
		return n;
	}
	return 0;
}

static long read_gzip(struct body *b, char *out, size_t len)
{
	b->z.next_out = (unsigned char *)out;
	b->z.avail_out = len;
	while (b->z.avail_out && !b->z_end) {
		if (!b->z.avail_in && !b->raw_eof) {
			long n = read_raw(b, b->zin, sizeof b->zin);
			if (n < 0)
				return -1;
			b->raw_eof = n == 0;
			b->z.next_in = (unsigned char *)b->zin;
			b->z.avail_in = n;
		}
		int r = deflate(&b->z, b->raw_eof ? Z_FINISH : Z_NO_FLUSH);
		if (r == Z_STREAM_END)
			b->z_end = true;
		else if (r != Z_OK && r != Z_BUF_ERROR)
			return -1;
	}
	return len - b->z.avail_out;
}

long body_read(struct body *b, char *out, size_t len)
{
	return b->gzip ? read_gzip(b, out, len) : read_raw(b, out, len);
}
