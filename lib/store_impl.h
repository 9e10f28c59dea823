/*
 * store_impl.h: what a crash store backend provides (store_fs.c,
 * store_s3.c); store.c dispatches to it. Not for the stores' users.
 */
#ifndef CRASH_STORE_IMPL_H
#define CRASH_STORE_IMPL_H

#include "store.h"

struct store_ops {
	int (*put)(void *impl, const char *key, const void *data, size_t len);
	int (*put_file)(void *impl, const char *key, const char *path);
	char *(*get)(void *impl, const char *key, size_t max, size_t *len);
	long long (*size)(void *impl, const char *key);
	int (*del)(void *impl, const char *key);
	int (*list)(void *impl, const char *prefix,
	    int (*fn)(void *ctx, const char *key, long long size), void *ctx);
	void (*close)(void *impl);
	/* Optional (NULL: every put is durable when it returns). */
	void (*batch)(void *impl, bool on);
	int (*sync)(void *impl);
	char *(*local_path)(void *impl, const char *key);
};

/* Each returns the backend's state, or NULL with a message in *err. */
void *store_fs_open(const char *path, char **err);
void *store_s3_open(const char *bucket_and_prefix, char **err);
extern const struct store_ops store_fs_ops, store_s3_ops;

/* Keys are relative paths of safe components: no "..", no empty parts. */
bool store_valid_key(const char *key);

#endif
