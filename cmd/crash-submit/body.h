/*
 * body.h: a crash as a multipart/form-data request body, produced on the
 * fly from raw_crash.json and the dump files (optionally gzip'ed), so
 * uploads of any size are sent without loading them into memory.
 */
#ifndef CRASH_SUBMIT_BODY_H
#define CRASH_SUBMIT_BODY_H

#include <stdbool.h>
#include <stddef.h>

struct body_options {
	bool gzip;		/* compress, and send chunked like Crashpad */
	bool json;		/* annotations as one JSON "extra" part */
	bool keep_id;		/* send the crash's uuid to be kept */
};

struct body;

/* Reads a crash directory; NULL with a message in *err. */
struct body *body_open(const char *dir, const struct body_options *opt, char **err);
void body_free(struct body *b);
/* Starts over from the first byte (for a retry). */
void body_rewind(struct body *b);
/* The Content-Type header value, with its boundary. */
const char *body_content_type(const struct body *b);
/* Bytes on the wire, or -1 when gzip'ed (the size is not known up front). */
long long body_length(const struct body *b);
/* Fills up to len bytes; 0 at the end; -1 on a read error. */
long body_read(struct body *b, char *out, size_t len);

#endif
