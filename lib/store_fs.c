/*
 * store_fs.c: the directory backend of the crash store ("fs:PATH"). A key is a path
 * below the root; objects are written to a temporary name, fsynced and
 * renamed, and their directory is fsynced, so a reader sees an object
 * whole or not at all. A file stored from the same file system (a dump
 * from the spool) is linked rather than copied.
 */
#include "store_impl.h"
#include "fileio.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct fs_store {
	char *root;
	bool batched;	/* no fsync per object: store_sync() flushes them all */
	int rootfd;	/* for syncfs; -1 until the first sync */
};

bool store_valid_key(const char *key)
{
	if (!*key || *key == '/' || strlen(key) > 1024)
		return false;
	for (const char *p = key; *p; ) {
		size_t n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += n;
		if (*p == '/')
			p++;
	}
	return true;
}

void *store_fs_open(const char *path, char **err)
{
	if (!*path) {
		*err = xstrdup("empty path");
		return NULL;
	}
	if (mkdir_p(path, 0755) < 0) {
		*err = xstrdup(strerror(errno));
		return NULL;
	}
	struct fs_store *s = xcalloc(1, sizeof *s);
	s->root = xstrdup(path);
	s->rootfd = -1;
	return s;
}

static void fs_close(void *impl)
{
	struct fs_store *s = impl;
	if (s->rootfd >= 0)
		close(s->rootfd);
	free(s->root);
	free(s);
}

/* The object's path, its parent directory created. */
static char *object_path(struct fs_store *s, const char *key, bool create_parent)
{
	if (!store_valid_key(key)) {
		errno = EINVAL;
		return NULL;
	}
	char *path = xasprintf("%s/%s", s->root, key);
	if (create_parent && mkdir_parent(path, 0755, !s->batched) < 0) {
		int saved = errno;
		free(path);
		errno = saved;
		return NULL;
	}
	return path;
}

static int fs_put(void *impl, const char *key, const void *data, size_t len)
{
	struct fs_store *s = impl;
	char *path = object_path(s, key, true);
	if (!path)
		return -1;
	int r = s->batched ? atomic_write_lazy(path, data, len) : atomic_write(path, data, len);
	int saved = errno;
	free(path);
	errno = saved;
	return r;
}

/* Copies src to a new file tmp (fsynced unless batched). */
static int copy_to(const char *src, const char *tmp, bool batched)
{
	int in = open(src, O_RDONLY | O_CLOEXEC);
	int out = in < 0 ? -1 : open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int r = in < 0 || out < 0 ? -1 : 0;
	char buf[1 << 16];
	ssize_t n;
	while (r == 0 && (n = read(in, buf, sizeof buf)) != 0)
		if (n < 0 ? errno != EINTR : write_all(out, buf, n) < 0)
			r = -1;
	if (r == 0 && !batched && fsync(out) < 0)
		r = -1;
	int saved = errno;
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) < 0 && r == 0) {
		r = -1;
		saved = errno;
	}
	errno = saved;
	return r;
}

/*
 * A second name for src, when it is on the store's file system and ours
 * to link: the spool's files are never written again once complete, so
 * the object need not be a copy, and its bytes are not written twice.
 */
static int link_to(const char *src, const char *tmp, bool batched)
{
	struct stat st;
	if (link(src, tmp) < 0)
		return -1;
	if (lstat(tmp, &st) < 0 || !S_ISREG(st.st_mode)) {	/* link(2) does not follow symlinks */
		unlink(tmp);
		errno = EINVAL;
		return -1;
	}
	int fd = batched ? -1 : open(tmp, O_RDONLY | O_CLOEXEC);
	if (!batched && (fd < 0 || fsync(fd) < 0)) {
		int saved = errno;
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	if (fd >= 0)
		close(fd);
	return 0;
}

static int fs_put_file(void *impl, const char *key, const char *src)
{
	struct fs_store *s = impl;
	char *path = object_path(s, key, true);
	if (!path)
		return -1;
	/* A dot name: listings skip it, and it never looks like a key. */
	char *slash = strrchr(path, '/');
	char *tmpname = temp_name(slash + 1);
	char *tmp = xasprintf("%.*s/%s", (int)(slash - path), path, tmpname);
	free(tmpname);
	int r = link_to(src, tmp, s->batched);
	if (r < 0 && errno != ENOENT)	/* another file system, or not ours: copy */
		r = copy_to(src, tmp, s->batched);
	int saved = errno;
	if (r == 0 && rename(tmp, path) < 0) {
		r = -1;
		saved = errno;
	}
	if (r == 0 && !s->batched) {
		*strrchr(tmp, '/') = 0;
		if (fsync_dir(tmp) < 0) {
			r = -1;
			saved = errno;
		}
	} else if (r != 0) {
		unlink(tmp);
	}
	free(tmp);
	free(path);
	errno = saved;
	return r;
}

static char *fs_get(void *impl, const char *key, size_t max, size_t *len)
{
	struct fs_store *s = impl;
	char *path = object_path(s, key, false);
	if (!path)
		return NULL;
	char *data = read_file(path, max, len);
	int saved = errno;
	free(path);
	errno = saved;
	return data;
}

static long long fs_size(void *impl, const char *key)
{
	struct fs_store *s = impl;
	char *path = object_path(s, key, false);
	struct stat st;
	if (!path)
		return -1;
	int r = stat(path, &st);
	free(path);
	if (r < 0)
		return -1;
	if (!S_ISREG(st.st_mode)) {
		errno = ENOENT;
		return -1;
	}
	return st.st_size;
}

static int fs_delete(void *impl, const char *key)
{
	struct fs_store *s = impl;
	char *path = object_path(s, key, false);
	if (!path)
		return -1;
	int r = unlink(path);
	if (r < 0 && errno == ENOENT)
		r = 0;
	free(path);
	return r;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Depth-first walk of dir (the key prefix so far) in name order. */
static int walk(struct fs_store *s, const char *key_dir, const char *prefix,
    int (*fn)(void *, const char *, long long), void *ctx)
{
	char *path = *key_dir ? xasprintf("%s/%s", s->root, key_dir) : xstrdup(s->root);
	struct dirent **ents;
	int n = scandir(path, &ents, NULL, by_name);
	free(path);
	if (n < 0)
		return errno == ENOENT ? 0 : -1;
	int stop = 0;
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		if (!stop && name[0] != '.') {
			char *key = *key_dir ? xasprintf("%s/%s", key_dir, name) : xstrdup(name);
			size_t kl = strlen(key), pl = strlen(prefix);
			/* Descend while the key could still lead under the prefix. */
			if (!strncmp(key, prefix, kl < pl ? kl : pl)) {
				char *full = xasprintf("%s/%s", s->root, key);
				struct stat st;
				if (stat(full, &st) == 0) {
					if (S_ISDIR(st.st_mode))
						stop = walk(s, key, prefix, fn, ctx);
					else if (S_ISREG(st.st_mode) && kl >= pl)
						stop = fn(ctx, key, st.st_size);
					else if (kl < pl && prefix[kl] == '/') {
						errno = ENOTDIR;	/* a file where the prefix needs a directory */
						stop = -1;
					}
				}
				free(full);
			}
			free(key);
		}
		free(ents[i]);
	}
	free(ents);
	return stop;
}

static int fs_list(void *impl, const char *prefix,
    int (*fn)(void *ctx, const char *key, long long size), void *ctx)
{
	return walk(impl, "", prefix, fn, ctx) < 0 ? -1 : 0;
}

static void fs_batch(void *impl, bool on)
{
	((struct fs_store *)impl)->batched = on;
}

/*
 * One flush of the whole file system makes every batched object durable,
 * files and directories alike; since Linux 5.8 syncfs(2) also reports a
 * write-back error that happened since the last call on this descriptor,
 * which is why the root stays open from one batch to the next.
 */
static int fs_sync(void *impl)
{
	struct fs_store *s = impl;
	if (s->rootfd < 0 && (s->rootfd = open(s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	return syncfs(s->rootfd);
}

static char *fs_local_path(void *impl, const char *key)
{
	char *path = object_path(impl, key, false);
	struct stat st;
	if (path && (stat(path, &st) != 0 || !S_ISREG(st.st_mode))) {
		free(path);
		path = NULL;
	}
	return path;
}

const struct store_ops store_fs_ops = {
	fs_put, fs_put_file, fs_get, fs_size, fs_delete, fs_list, fs_close, fs_batch, fs_sync,
	fs_local_path,
};
