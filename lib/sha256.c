/*
 * sha256.c: SHA-256 through libcrypto's EVP interface.
 */
#include "sha256.h"
#include "util.h"

#include <openssl/evp.h>
#include <stdio.h>

void sha256_init(struct sha256 *s)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
		die(1, "libcrypto: cannot start a SHA-256");
	s->ctx = ctx;
}

void sha256_update(struct sha256 *s, const void *data, size_t len)
{
	if (s->ctx)
		EVP_DigestUpdate(s->ctx, data, len);
}

void sha256_hex(struct sha256 *s, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	hex[0] = 0;
	if (!s->ctx)
		return;
	EVP_DigestFinal_ex(s->ctx, md, &n);
	for (unsigned i = 0; i < n && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	sha256_discard(s);
}

void sha256_discard(struct sha256 *s)
{
	EVP_MD_CTX_free(s->ctx);
	s->ctx = NULL;
}
