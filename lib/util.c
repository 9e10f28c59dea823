/*
 * util.c: logging, allocation, buffers and time helpers shared by all tools.
 */

#include "util.h"

#include <ctype.h>
#include <jansson.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char *progname = "crash";
enum log_level log_threshold = LOG_INFO;

static void vlogmsg(const char *fmt, va_list ap)
{
	char line[4096];
	int n = snprintf(line, sizeof line, "%s: ", progname);
	int m = vsnprintf(line + n, sizeof line - n - 1, fmt, ap);
	if (m < 0)
		m = 0;
	n += m;
	if (n > (int)sizeof line - 2)
		n = sizeof line - 2;
	line[n++] = '\n';
	/* One write per line keeps lines whole when threads log at once. */
	ssize_t w = write(STDERR_FILENO, line, n);
	(void)w;
}

void logmsg(enum log_level level, const char *fmt, ...)
{
	if (level > log_threshold)
		return;
	va_list ap;
	va_start(ap, fmt);
	vlogmsg(fmt, ap);
	va_end(ap);
}

void die(int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlogmsg(fmt, ap);
	va_end(ap);
	exit(status);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die(1, "out of memory (%zu bytes)", n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		die(1, "out of memory (%zu x %zu bytes)", n, size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die(1, "out of memory (%zu bytes)", n);
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		die(1, "out of memory");
	va_end(ap);
	return s;
}

void buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
}

void buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = 0;
}

void buf_reserve(struct buf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + extra + 1)
		cap *= 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
}

void buf_append(struct buf *b, const void *data, size_t len)
{
	buf_reserve(b, len);
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = 0;
}

void buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	buf_reserve(b, n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, n + 1, fmt, ap);
	va_end(ap);
	b->len += n;
}

char *buf_steal(struct buf *b)
{
	char *p = b->data ? b->data : xstrdup("");
	buf_init(b);
	return p;
}

const char *strip_prefix_ci(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);
	return strncasecmp(s, prefix, n) == 0 ? s + n : NULL;
}

char *strtrim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = 0;
	return s;
}

long long parse_size(const char *s)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || v < 0)
		return -1;
	long long mul = 1;
	switch (toupper((unsigned char)*end)) {
	case 0: break;
	case 'K': mul = 1LL << 10; end++; break;
	case 'M': mul = 1LL << 20; end++; break;
	case 'G': mul = 1LL << 30; end++; break;
	default: return -1;
	}
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || v > (1LL << 62) / mul)
		return -1;
	return v * mul;
}

double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

void iso8601(const struct timespec *ts, char out[33])
{
	struct tm tm;
	gmtime_r(&ts->tv_sec, &tm);
	snprintf(out, 33, "%04u-%02u-%02uT%02u:%02u:%02u.%06u+00:00",
	    (unsigned)(tm.tm_year + 1900) % 10000, (unsigned)(tm.tm_mon + 1) % 100,
	    (unsigned)tm.tm_mday % 100, (unsigned)tm.tm_hour % 100,
	    (unsigned)tm.tm_min % 100, (unsigned)tm.tm_sec % 100,
	    (unsigned)(ts->tv_nsec / 1000) % 1000000);
}

void iso8601_now(char out[33])
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	iso8601(&ts, out);
}

char *read_file(const char *path, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct buf b;
	buf_init(&b);
	char chunk[65536];
	ssize_t n;
	while ((n = read(fd, chunk, sizeof chunk)) > 0) {
		if (b.len + n > max) {
			close(fd);
			buf_free(&b);
			errno = EFBIG;
			return NULL;
		}
		buf_append(&b, chunk, n);
	}
	int saved = errno;
	close(fd);
	if (n < 0) {
		buf_free(&b);
		errno = saved;
		return NULL;
	}
	if (len)
		*len = b.len;
	return buf_steal(&b);
}

void *map_file(const char *path, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return NULL;
	void *map = MAP_FAILED;
	if (fstat(fd, &st) == 0) {
		if ((unsigned long long)st.st_size > max)
			errno = EFBIG;
		else if ((map = mmap(NULL, st.st_size ? st.st_size : 1, PROT_READ, MAP_PRIVATE,
		    fd, 0)) != MAP_FAILED)
			*len = (size_t)st.st_size;
	}
	int saved = errno;
	close(fd);
	errno = saved;
	return map == MAP_FAILED ? NULL : map;
}

void unmap_file(void *map, size_t len)
{
	if (map)
		munmap(map, len ? len : 1);
}

size_t utf8_seq_len(const unsigned char *s, size_t avail)
{
	unsigned c = s[0];
	size_t n;
	unsigned min;
	if (c < 0x80)
		return 1;
	if ((c & 0xE0) == 0xC0) { n = 2; min = 0x80; c &= 0x1F; }
	else if ((c & 0xF0) == 0xE0) { n = 3; min = 0x800; c &= 0x0F; }
	else if ((c & 0xF8) == 0xF0) { n = 4; min = 0x10000; c &= 0x07; }
	else return 0;
	if (n > avail)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	return n;
}

void buf_put_utf8(struct buf *b, uint32_t cp)
{
	unsigned char s[4];
	size_t n;
	if (cp < 0x80) {
		s[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		s[0] = (unsigned char)(0xC0 | cp >> 6);
		s[1] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		s[0] = (unsigned char)(0xE0 | cp >> 12);
		s[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		s[2] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		s[0] = (unsigned char)(0xF0 | cp >> 18);
		s[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
		s[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		s[3] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	buf_append(b, s, n);
}

char *utf8_sanitize(const char *s, size_t len, size_t *outlen)
{
	struct buf b;
	buf_init(&b);
	buf_append(&b, "", 0);
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		size_t n = p[i] ? utf8_seq_len(p + i, len - i) : 0;
		if (n) {
			buf_append(&b, p + i, n);
			i += n;
		} else {
			/* NUL and broken bytes become U+FFFD. */
			buf_append(&b, "\xEF\xBF\xBD", 3);
			i++;
		}
	}
	if (outlen)
		*outlen = b.len;
	return buf_steal(&b);
}

const char *exe_dir(void)
{
	static char dir[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
	if (n <= 0)
		return ".";
	dir[n] = 0;
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	return dir;
}

const char *path_basename(const char *path)
{
	const char *slash = strrchr(path, '/'), *bslash = strrchr(path, '\\');
	if (bslash && (!slash || bslash > slash))
		slash = bslash;
	return slash ? slash + 1 : path;
}

json_t *json_text(const char *text)
{
	char *valid = utf8_sanitize(text, strlen(text), NULL);
	json_t *s = json_string(valid);
	free(valid);
	return s;
}
