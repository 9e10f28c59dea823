/*
 * util.h: the small things every tool needs: logging in err(3) style,
 * allocation that never returns NULL, growable byte buffers, time stamps.
 */
#ifndef CRASH_UTIL_H
#define CRASH_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define CRASH_VERSION "0.1.0"

/* Program name used as the prefix of every log line; set once by main(). */
extern const char *progname;

/* Log levels: errors always print; info unless quiet; debug when verbose. */
enum log_level { LOG_SILENT = -1, LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };
extern enum log_level log_threshold;

/* "progname: message" on stderr, one line, written with a single write(2). */
void logmsg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
#define log_err(...)   logmsg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)  logmsg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  logmsg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) logmsg(LOG_DEBUG, __VA_ARGS__)

/* Log and exit with status; used for usage errors (2) and fatal ones (1). */
void die(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable byte buffer, always NUL-terminated for convenience. */
struct buf {
	char *data;
	size_t len;
	size_t cap;
};
void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
/* Makes room for extra more bytes and the NUL after them. */
void buf_reserve(struct buf *b, size_t extra);
void buf_append(struct buf *b, const void *data, size_t len);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Moves the bytes out; the buffer is left empty. Caller frees. */
char *buf_steal(struct buf *b);

/* Case-insensitive prefix test; returns the rest of s or NULL. */
const char *strip_prefix_ci(const char *s, const char *prefix);
/* Trims ASCII white space at both ends, in place. */
char *strtrim(char *s);
/* Parses a size such as 20M, 512k, 1G or 1000 into bytes; -1 on error. */
long long parse_size(const char *s);

/* Monotonic milliseconds, for latencies. */
double now_ms(void);
/* UTC time as "YYYY-MM-DDTHH:MM:SS.uuuuuu+00:00" into out[33]. */
struct timespec;
void iso8601(const struct timespec *ts, char out[33]);
void iso8601_now(char out[33]);

/* The directory of the running executable ("." if unknown), static storage. */
const char *exe_dir(void);

/* The last component of a path, after either kind of slash. */
const char *path_basename(const char *path);

/* Reads a whole file (at most max bytes); NULL with errno set on failure. */
char *read_file(const char *path, size_t max, size_t *len);

/*
 * Maps a whole file read-only (at most max bytes, else EFBIG): its pages
 * come from the page cache, not the heap. NULL with errno on failure.
 */
void *map_file(const char *path, size_t max, size_t *len);
void unmap_file(void *map, size_t len);

/*
 * Length of the valid UTF-8 sequence at s (1 for ASCII, NUL included), or
 * 0 when it is not valid: overlong, a surrogate, past U+10FFFF, or cut
 * short by avail.
 */
size_t utf8_seq_len(const unsigned char *s, size_t avail);
/* Appends code point cp (at most U+10FFFF) in UTF-8. */
void buf_put_utf8(struct buf *b, uint32_t cp);
/* Replaces invalid UTF-8 sequences by U+FFFD; returns a new string. */
char *utf8_sanitize(const char *s, size_t len, size_t *outlen);
/*
 * A JSON string of text that need not be UTF-8 (file names, fields of an
 * upload): never NULL, where json_string() refuses such bytes.
 */
struct json_t;
struct json_t *json_text(const char *text);

#endif
