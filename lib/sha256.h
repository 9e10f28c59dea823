/*
 * sha256.h: streaming SHA-256 for dump checksums, through OpenSSL's
 * libcrypto (it uses the CPU's SHA instructions: about ten times the
 * speed of portable C, and hashing is on the collector's hot path).
 */
#ifndef CRASH_SHA256_H
#define CRASH_SHA256_H

#include <stddef.h>

struct sha256 {
	void *ctx;	/* an EVP_MD_CTX */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
/* Finishes (and frees) and writes 64 lowercase hex digits and a NUL. */
void sha256_hex(struct sha256 *s, char hex[65]);
/* Frees an unfinished hash. */
void sha256_discard(struct sha256 *s);

#endif
