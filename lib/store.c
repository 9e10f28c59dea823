/*
 * store.c: opening a crash store by its spec and passing calls on to its
 * backend: "fs:PATH" or a bare path (store_fs.c), "s3://BUCKET[/PREFIX]"
 * (store_s3.c); "PRIMARY,SECONDARY" pairs two of them for a migration:
 * writes go to both (to the secondary alone, logged, while the primary
 * fails), reads and listings fall back to the secondary.
 */
#include "store_impl.h"
#include "crashid.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct store {
	const struct store_ops *ops;
	void *impl;
	char *spec;
};

/*
 * A primary and a secondary store. In a batch, a put that reached one side
 * only has its one copy there; the next sync must then succeed on that side.
 */
struct dual {
	struct store *primary, *secondary;
	bool batched;
	bool primary_only, secondary_only;	/* in this batch, since the last sync */
};

/* The outcome of a write to both stores: it fails only if both failed. */
static int dual_outcome(struct dual *d, const char *key, int p, int perr, int s, int serr)
{
	if (p < 0 && s == 0)
		log_warn("%s: primary %s failed: %s; written to the secondary only", key,
		    store_spec(d->primary), strerror(perr));
	if (s < 0)
		log_warn("%s: secondary %s failed: %s", key, store_spec(d->secondary), strerror(serr));
	errno = p < 0 ? perr : serr;
	if (p < 0 && s < 0)
		return -1;
	if (d->batched) {	/* outside a batch, every put is durable when it returns */
		d->primary_only |= s < 0;
		d->secondary_only |= p < 0;
	}
	return 0;
}

/*
 * The errno of a read that failed on both sides: ENOENT only when neither
 * has the object; any other error says more (a primary that cannot be
 * read must not pass for one without the object).
 */
static int dual_errno(int perr, int serr)
{
	return perr != ENOENT ? perr : serr;
}

static int dual_put(void *impl, const char *key, const void *data, size_t len)
{
	struct dual *d = impl;
	int p = store_put(d->primary, key, data, len), perr = errno;
	int s = store_put(d->secondary, key, data, len), serr = errno;
	return dual_outcome(d, key, p, perr, s, serr);
}

static int dual_put_file(void *impl, const char *key, const char *path)
{
	struct dual *d = impl;
	int p = store_put_file(d->primary, key, path), perr = errno;
	int s = store_put_file(d->secondary, key, path), serr = errno;
	return dual_outcome(d, key, p, perr, s, serr);
}

static char *dual_get(void *impl, const char *key, size_t max, size_t *len)
{
	struct dual *d = impl;
	char *data = store_get(d->primary, key, max, len);
	if (data)
		return data;
	int perr = errno;
	if ((data = store_get(d->secondary, key, max, len)))
		return data;
	errno = dual_errno(perr, errno);
	return NULL;
}

static long long dual_size(void *impl, const char *key)
{
	struct dual *d = impl;
	long long n = store_size(d->primary, key);
	if (n >= 0)
		return n;
	int perr = errno;
	if ((n = store_size(d->secondary, key)) >= 0)
		return n;
	errno = dual_errno(perr, errno);
	return -1;
}

/*
 * Deleted from both, or it fails: a copy left on either side would outlive
 * the crash (listings read the primary). Missing is fine, as in a backend.
 */
static int dual_delete(void *impl, const char *key)
{
	struct dual *d = impl;
	int p = store_delete(d->primary, key), perr = errno;
	int s = store_delete(d->secondary, key), serr = errno;
	bool pfail = p < 0 && perr != ENOENT, sfail = s < 0 && serr != ENOENT;
	if (pfail || sfail) {
		log_warn("%s: deleting from the %s %s failed: %s", key, pfail ? "primary" : "secondary",
		    store_spec(pfail ? d->primary : d->secondary), strerror(pfail ? perr : serr));
		errno = pfail ? perr : serr;
		return -1;
	}
	return 0;
}

static int dual_list(void *impl, const char *prefix,
    int (*fn)(void *ctx, const char *key, long long size), void *ctx)
{
	struct dual *d = impl;
	if (store_list(d->primary, prefix, fn, ctx) == 0)
		return 0;
	log_warn("listing %s failed: %s; listing the secondary", store_spec(d->primary), strerror(errno));
	return store_list(d->secondary, prefix, fn, ctx);
}

static void dual_close(void *impl)
{
	struct dual *d = impl;
	store_close(d->primary);
	store_close(d->secondary);
	free(d);
}

static void dual_batch(void *impl, bool on)
{
	struct dual *d = impl;
	store_batch(d->primary, on);
	store_batch(d->secondary, on);
	d->batched = on;
	d->primary_only = d->secondary_only = false;
}

/*
 * As with a put, it fails when both stores fail, and also when one fails
 * that holds the only copy of an object written since the last sync.
 */
static int dual_sync(void *impl)
{
	struct dual *d = impl;
	int p = store_sync(d->primary), perr = errno;
	int s = store_sync(d->secondary), serr = errno;
	bool lost = (p < 0 && d->primary_only) || (s < 0 && d->secondary_only);
	int rc = dual_outcome(d, "(sync)", p, perr, s, serr);
	d->primary_only = d->secondary_only = false;
	if (lost)
		errno = p < 0 ? perr : serr;
	return lost ? -1 : rc;
}

static const struct store_ops dual_ops = {
	dual_put, dual_put_file, dual_get, dual_size, dual_delete, dual_list, dual_close,
	dual_batch, dual_sync, NULL,	/* read through get, which falls back to the secondary */
};

struct store *store_open(const char *spec, char **err)
{
	const struct store_ops *ops;
	void *impl;
	char *why = NULL;
	const char *comma = strchr(spec, ',');
	if (comma) {
		char *first = xstrndup(spec, comma - spec);
		struct dual *d = xcalloc(1, sizeof *d);
		d->primary = store_open(first, err);
		free(first);
		d->secondary = d->primary ? store_open(comma + 1, err) : NULL;
		if (!d->secondary) {
			store_close(d->primary);
			free(d);
			return NULL;
		}
		ops = &dual_ops;
		impl = d;
	} else if (!strncmp(spec, "s3://", 5)) {
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

char *store_local_path(struct store *s, const char *key)
{
	CHECK_KEY(key, NULL);
	return s->ops->local_path ? s->ops->local_path(s->impl, key) : NULL;
}

void store_batch(struct store *s, bool on)
{
	if (s->ops->batch)
		s->ops->batch(s->impl, on);
}

int store_sync(struct store *s)
{
	return s->ops->sync ? s->ops->sync(s->impl) : 0;
}

char *store_raw_key(const char *crash_id)
{
	char date[9];
	crashid_date(crash_id, date);
	return xasprintf("v1/raw_crash/%s/%s", date, crash_id);
}

char *store_names_key(const char *crash_id)
{
	return xasprintf("v1/dump_names/%s", crash_id);
}

char *store_processed_key(const char *crash_id)
{
	return xasprintf("v1/processed_crash/%s", crash_id);
}

char *store_dump_key(const char *dump_name, const char *crash_id)
{
	if (!strcmp(dump_name, "upload_file_minidump"))
		return xasprintf("v1/dump/%s", crash_id);
	return xasprintf("v1/%s/%s", dump_name, crash_id);
}
