/*
 * store.c: opening a crash store by its spec and passing calls on to its
 * backend: "fs:PATH" or a bare path (store_fs.c), "s3://BUCKET[/PREFIX]"
 * (store_s3.c).
 */
#include "store_impl.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct store {
	const struct store_ops *ops;
	void *impl;
	char *spec;
};

struct store *store_open(const char *spec, char **err)
{
	const struct store_ops *ops;
	void *impl;
	char *why = NULL;
	if (!strncmp(spec, "s3://", 5)) {
		ops = &store_s3_ops;
		impl = store_s3_open(spec + 5, &why);
	} else if (strstr(spec, "://") || (strncmp(spec, "fs:", 3) && strchr(spec, ':') &&
	    strcspn(spec, ":") < strcspn(spec, "/"))) {
		*err = xasprintf("%s: unknown store (fs:PATH, a path, or s3://BUCKET[/PREFIX])", spec);
		return NULL;
	} else {
		ops = &store_fs_ops;
		impl = store_fs_open(!strncmp(spec, "fs:", 3) ? spec + 3 : spec, &why);
	}
	if (!impl) {
		*err = xasprintf("%s: %s", spec, why);
		free(why);
		return NULL;
	}
	struct store *s = xcalloc(1, sizeof *s);
	s->ops = ops;
	s->impl = impl;
	s->spec = xstrdup(spec);
	return s;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	s->ops->close(s->impl);
	free(s->spec);
	free(s);
}

const char *store_spec(const struct store *s)
{
	return s->spec;
}

#define CHECK_KEY(key, fail) do { \
	if (!store_valid_key(key)) { errno = EINVAL; return fail; } } while (0)

int store_put(struct store *s, const char *key, const void *data, size_t len)
{
	CHECK_KEY(key, -1);
	return s->ops->put(s->impl, key, data, len);
}

int store_put_file(struct store *s, const char *key, const char *path)
{
	CHECK_KEY(key, -1);
	return s->ops->put_file(s->impl, key, path);
}

char *store_get(struct store *s, const char *key, size_t max, size_t *len)
{
	CHECK_KEY(key, NULL);
	return s->ops->get(s->impl, key, max, len);
}

long long store_size(struct store *s, const char *key)
{
	CHECK_KEY(key, -1);
	return s->ops->size(s->impl, key);
}

int store_delete(struct store *s, const char *key)
{
	CHECK_KEY(key, -1);
	return s->ops->del(s->impl, key);
}

int store_list(struct store *s, const char *prefix,
    int (*fn)(void *ctx, const char *key, long long size), void *ctx)
{
	return s->ops->list(s->impl, prefix, fn, ctx);
}

char *store_dump_key(const char *dump_name, const char *crash_id)
{
	if (!strcmp(dump_name, "upload_file_minidump"))
		return xasprintf("v1/dump/%s", crash_id);
	return xasprintf("v1/%s/%s", dump_name, crash_id);
}
