/*
 * symupload.h: one symbol upload over HTTP, from request bytes to files
 * in the symbol store, socket-free like upload.h.
 *
 * Breakpad's symupload protocol: multipart/form-data with the fields os,
 * cpu, debug_file, code_file, debug_identifier and version, and the file
 * part symbol_file; or any multipart body whose file part is a .sym or a
 * zip archive of a symbol store tree (as Mozilla's and Electron's builds
 * upload); or the .sym or zip as the whole body. Uploads need a bearer
 * token ("Authorization: Bearer TOKEN") from the configuration. The file
 * streams to disk under the store's .incoming/, is fsynced, checked and
 * added (symstore.h) before the answer: 200 when it is durable in the
 * store.
 */
#ifndef CRASH_SYMUPLOAD_H
#define CRASH_SYMUPLOAD_H

#include <stdbool.h>
#include <stddef.h>

struct symupload_env {
	const char *store;		/* the symbol store; NULL: uploads are off */
	const char *const *tokens;	/* accepted bearer tokens */
	int ntokens;
	long long max_size;		/* body bytes (413 past it), and each .sym */
};

struct symupload_reply {
	int status;
	char *body;			/* JSON: what was added and what was not (malloc'd) */
	bool auth_challenge;		/* add WWW-Authenticate: Bearer */
};

struct symupload;

/*
 * Starts an upload from its headers (any may be NULL); NULL with *early
 * filled when it is refused before the body (no token, too large, ...).
 */
struct symupload *symupload_begin(const struct symupload_env *env, const char *content_type,
    const char *authorization, long long content_length, struct symupload_reply *early);
/* Body bytes as they arrive; -1 when the connection should be cut. */
int symupload_feed(struct symupload *u, const char *data, size_t len);
/* The body is complete: check, add, answer. */
void symupload_finish(struct symupload *u, struct symupload_reply *reply);
/* Frees the upload and its temporary file. */
void symupload_free(struct symupload *u);
void symupload_reply_free(struct symupload_reply *r);

#endif
