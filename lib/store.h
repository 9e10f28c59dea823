/*
 * store.h: crash storage behind one interface.
 *
 * Keys follow the layout of Mozilla's Antenna and Socorro buckets:
 *   v1/raw_crash/<yyyymmdd>/<id>   the raw crash (JSON)
 *   v1/dump_names/<id>             the names of the crash's dumps (JSON list)
 *   v1/dump/<id>                   the main minidump (upload_file_minidump)
 *   v1/<dumpname>/<id>             every other dump
 *   v1/processed_crash/<id>        the processed crash (JSON)
 * A spec names the backend: "fs:PATH" or a bare path (a directory tree),
 * or "s3://BUCKET[/PREFIX]" (S3-compatible object storage, see store_s3.c).
 */
#ifndef CRASH_STORE_H
#define CRASH_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

/* Opens a store from its spec; NULL with a malloc'd message in *err. */
struct store *store_open(const char *spec, char **err);
void store_close(struct store *s);
const char *store_spec(const struct store *s);

/* Writes an object durably and atomically; 0, or -1 with errno. */
int store_put(struct store *s, const char *key, const void *data, size_t len);
/* The same from a file, streamed. */
int store_put_file(struct store *s, const char *key, const char *path);
/* Reads an object (at most max bytes); NULL with errno (ENOENT: no such key). */
char *store_get(struct store *s, const char *key, size_t max, size_t *len);
/* Size of an object; -1 with errno ENOENT when it does not exist. */
long long store_size(struct store *s, const char *key);
int store_delete(struct store *s, const char *key);
/* Calls fn for every key under prefix, in key order; stops when fn returns nonzero. */
int store_list(struct store *s, const char *prefix,
    int (*fn)(void *ctx, const char *key, long long size), void *ctx);

/*
 * The file that holds an object, for a store that is a directory (caller
 * frees), to be read in place; NULL for other stores, or when there is no
 * such object. Never write to it.
 */
char *store_local_path(struct store *s, const char *key);

/*
 * Group commit: after store_batch(s, true), a put may return before its
 * object is durable (it is whole when read, but a power cut may lose it);
 * store_sync() then makes every such object durable at once, 0 or -1
 * with errno. A directory store flushes its file system once (syncfs)
 * instead of fsyncing every file and directory; S3 objects are durable
 * when acknowledged, so there both do nothing.
 */
void store_batch(struct store *s, bool on);
int store_sync(struct store *s);

/*
 * The keys of a crash's objects (Socorro's layout, malloc'd): its raw
 * crash under the day of its ID, its dump names, its processed crash, and
 * each dump: "dump" for the main minidump, else the dump's name.
 */
char *store_raw_key(const char *crash_id);
char *store_names_key(const char *crash_id);
char *store_processed_key(const char *crash_id);
char *store_dump_key(const char *dump_name, const char *crash_id);

#endif
