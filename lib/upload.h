/*
 * upload.h: one crash upload, from request bytes to a spooled crash.
 *
 * The HTTP layer hands over the request headers, then the body as it
 * arrives; the upload inflates gzip, parses multipart, streams each dump
 * into the spool, collects annotations, applies the throttle rules and
 * commits the crash durably, then says what to answer. Nothing here knows
 * about sockets, so it is tested and fuzzed without a server.
 */
#ifndef CRASH_UPLOAD_H
#define CRASH_UPLOAD_H

#include <stdbool.h>
#include <stddef.h>

struct spool;
struct throttle_rules;

struct upload_limits {
	long long max_wire;		/* body bytes as sent (413 past it) */
	long long max_decompressed;	/* body bytes after gzip */
	int max_parts;
	long long max_annotation;	/* one annotation's value */
	long long max_annotations;	/* all annotations together */
};

enum reply_kind { REPLY_SOCORRO, REPLY_HEX16 };

struct upload_env {
	struct spool *spool;
	struct upload_limits limits;
	enum reply_kind reply;
};

struct upload_reply {
	int status;		/* HTTP status */
	char body[128];		/* "CrashID=bp-...", "Discarded=...", ... */
	char crash_id[40];	/* "" when no crash was kept */
	char rule[64];		/* throttle rule that matched, or "" */
};

struct upload;

/*
 * Starts an upload from the request headers (any may be NULL). Returns
 * NULL and fills *early when the request is refused before its body
 * (wrong content type, too large, spool unavailable).
 */
struct upload *upload_begin(const struct upload_env *env,
    const char *content_type, const char *content_encoding,
    long long content_length, const char *user_agent,
    struct upload_reply *early);
/*
 * Feeds body bytes as received. After an error the rest of the body is
 * read and dropped, so the client still gets its answer; returns -1 only
 * when the connection should be cut (a body far past every limit).
 */
int upload_feed(struct upload *u, const char *data, size_t len);
/* A query-string parameter: an annotation unless the body has one. */
void upload_query_param(struct upload *u, const char *key, const char *value);
/*
 * The body is complete: decide with rules (NULL: accept all), make the
 * crash durable, and fill *reply.
 */
void upload_finish(struct upload *u, const struct throttle_rules *rules,
    struct upload_reply *reply);
/* Frees the upload; an unfinished crash is removed from the spool. */
void upload_free(struct upload *u);

/* The default limits documented in crash-collect(1). */
struct upload_limits upload_default_limits(void);

#endif
