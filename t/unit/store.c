/*
 * Unit tests: the crash store interface, against the directory backend by
 * default, or against the store named in $STORE_SPEC (t/0310-store.t runs
 * it against a real S3-compatible server).
 */
#include "store.h"
#include "util.h"
#include "tap.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

struct seen { struct buf keys; long long total; };

static int collect(void *ctx, const char *key, long long size)
{
	struct seen *s = ctx;
	buf_printf(&s->keys, "%s ", key);
	s->total += size;
	return 0;
}

static int stop_after_one(void *ctx, const char *key, long long size)
{
	(void)key;
	(void)size;
	++*(int *)ctx;
	return 1;
}

int main(void)
{
	char tmpl[] = "/tmp/crash-store-test.XXXXXX";
	const char *spec = getenv("STORE_SPEC");
	char *dir = NULL;
	if (!spec || !*spec) {
		dir = mkdtemp(tmpl);
		spec = dir;
	}
	char *err = NULL;
	struct store *s = store_open(spec, &err);
	if (!ok(s != NULL, "open %s", spec)) {
		printf("# %s\n", err);
		return done_testing();
	}
	ok(store_put(s, "v1/raw_crash/20261126/a", "{\"x\":1}", 7) == 0, "put");
	ok(store_put(s, "v1/dump/a", "MDMP....", 8) == 0, "put a dump");
	ok(store_put(s, "v1/dump/b c&d", "", 0) == 0, "put an empty object with an odd key");
	size_t len = 0;
	char *data = store_get(s, "v1/raw_crash/20261126/a", 1 << 20, &len);
	is_str(data, "{\"x\":1}", "get what was put");
	is_int(len, 7, "length of what was read");
	free(data);
	is_int(store_size(s, "v1/dump/a"), 8, "size");
	is_int(store_size(s, "v1/dump/b c&d"), 0, "size of an empty object");
	/* A pair whose primary cannot be read cannot tell a missing object. */
	bool broken = getenv("STORE_PRIMARY_BROKEN") != NULL;
	int missing = broken ? ENOTDIR : ENOENT;
	errno = 0;
	ok(store_get(s, "v1/dump/nope", 100, &len) == NULL && errno == missing, "missing object: %s",
	    strerror(missing));
	errno = 0;
	ok(store_size(s, "v1/dump/nope") < 0 && errno == missing, "size of a missing object: %s",
	    strerror(missing));
	char *local = store_local_path(s, "v1/dump/a");
	if (strncmp(spec, "s3://", 5) == 0 || strchr(spec, ',')) {
		ok(local == NULL, "no local file in S3 or a pair of stores");
	} else {
		size_t flen = 0;
		char *bytes = local ? read_file(local, 100, &flen) : NULL;
		ok(bytes && flen == 8 && !memcmp(bytes, "MDMP....", 8), "a directory store's own file, to read in place");
		free(bytes);
	}
	free(local);
	ok(store_local_path(s, "v1/dump/nope") == NULL, "no local file for a missing object");
	errno = 0;
	ok(store_put(s, "../escape", "x", 1) < 0 && errno == EINVAL, "a key with .. is refused");
	ok(store_put(s, "/abs", "x", 1) < 0 && errno == EINVAL, "an absolute key is refused");

	char path[] = "/tmp/crash-store-file.XXXXXX";
	int fd = mkstemp(path);
	char big[100000];
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (char)(i * 7);
	ok(fd >= 0 && write(fd, big, sizeof big) == (ssize_t)sizeof big, "a file to upload");
	close(fd);
	ok(store_put_file(s, "v1/upload_file_minidump_browser/a", path) == 0, "put a file");
	data = store_get(s, "v1/upload_file_minidump_browser/a", 1 << 20, &len);
	ok(data && len == sizeof big && !memcmp(data, big, len), "the file's bytes come back");
	free(data);
	unlink(path);

	struct seen seen;
	buf_init(&seen.keys);
	seen.total = 0;
	ok(store_list(s, "v1/dump/", collect, &seen) == 0, "list a prefix");
	is_str(seen.keys.data, "v1/dump/a v1/dump/b c&d ", "keys in order, odd characters intact");
	is_int(seen.total, 8, "sizes listed");
	buf_reset(&seen.keys);
	store_list(s, "v1/", collect, &seen);
	ok(strstr(seen.keys.data, "v1/raw_crash/20261126/a") != NULL, "list descends");
	int calls = 0;
	store_list(s, "v1/", stop_after_one, &calls);
	is_int(calls, 1, "a listing stops when asked");
	buf_free(&seen.keys);

	if (broken) {
		ok(store_delete(s, "v1/dump/a") < 0 && errno == ENOTDIR,
		    "delete fails while the primary may still hold a copy");
	} else {
		ok(store_delete(s, "v1/dump/a") == 0, "delete");
		ok(store_size(s, "v1/dump/a") < 0, "gone after delete");
		ok(store_delete(s, "v1/dump/a") == 0, "deleting twice is fine");
	}
	store_close(s);
	if (dir) {
		char *cmd = xasprintf("rm -rf %s", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
		free(cmd);
	}
	return done_testing();
}
