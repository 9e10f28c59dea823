/*
 * multipart.h: a streaming parser for multipart/form-data and
 * multipart/mixed bodies (RFC 7578, RFC 2046).
 *
 * Bytes go in as they arrive, in chunks of any size; parts come out through
 * callbacks, their bodies in pieces, so an upload of any size is parsed in
 * a fixed amount of memory.
 */
#ifndef CRASH_MULTIPART_H
#define CRASH_MULTIPART_H

#include <stdbool.h>
#include <stddef.h>

struct multipart_part {
	const char *name;		/* Content-Disposition name, "" if none */
	const char *filename;		/* NULL when the part has no filename */
	const char *content_type;	/* "" if none */
};

struct multipart_callbacks {
	/* Each returns 0 to go on, or -1 to stop the parse with an error. */
	int (*part_begin)(void *ctx, const struct multipart_part *part);
	int (*part_data)(void *ctx, const char *data, size_t len);
	int (*part_end)(void *ctx);
};

struct multipart;

/* A parser for the given boundary; NULL if the boundary is unusable. */
struct multipart *multipart_new(const char *boundary,
    const struct multipart_callbacks *cb, void *ctx);
void multipart_free(struct multipart *mp);
/* Feeds the next bytes of the body; -1 on error (see multipart_error). */
int multipart_feed(struct multipart *mp, const char *data, size_t len);
/* The body has ended: -1 unless the closing delimiter was seen. */
int multipart_finish(struct multipart *mp);
/* A short reason such as "truncated" or "bad_boundary", for replies. */
const char *multipart_error(const struct multipart *mp);

/* The boundary parameter of a Content-Type value, malloc'd; NULL if none. */
char *multipart_boundary(const char *content_type);

#endif
