/*
 * fileio.c: the durability primitives. A crash is only acknowledged once
 * its bytes and its name are on disk, so every write path goes through here.
 */

#include "fileio.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

int write_all(int fd, const void *data, size_t len)
{
	struct iovec iov = { (void *)data, len };
	return writev_all(fd, &iov, 1);
}

int writev_all(int fd, struct iovec *iov, int n)
{
	ssize_t w = 0;
	for (;;) {
		/* Skip what was written (and empty buffers); a short write resumes mid-vector. */
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= iov->iov_len;
			iov++;
			n--;
		}
		if (n == 0)
			return 0;
		iov->iov_base = (char *)iov->iov_base + w;
		iov->iov_len -= w;
		while ((w = writev(fd, iov, n)) < 0)
			if (errno != EINTR)
				return -1;
	}
}

char *temp_name(const char *name)
{
	static unsigned long counter;
	return xasprintf(".%s.tmp%ld.%lu", name, (long)getpid(),
	    __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED));
}

/* Writes name in dirfd through a temporary name; durable: fsynced too. */
static int replace_at(int dirfd, const char *name, const void *data, size_t len, bool durable)
{
	char *tmp = temp_name(name);
	int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		free(tmp);
		return -1;
	}
	int rc = 0;
	if (write_all(fd, data, len) < 0 || (durable && fsync(fd) < 0)) {
		rc = -1;
		close(fd);
	} else if (close(fd) < 0 || renameat(dirfd, tmp, dirfd, name) < 0) {
		rc = -1;
	}
	int saved = errno;
	if (rc < 0)
		unlinkat(dirfd, tmp, 0);
	free(tmp);
	errno = saved;
	return rc == 0 && durable ? fsync(dirfd) : rc;
}

int atomic_write_at(int dirfd, const char *name, const void *data, size_t len)
{
	return replace_at(dirfd, name, data, len, true);
}

static int replace(const char *path, const void *data, size_t len, bool durable)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	const char *name = path;
	if (slash) {
		*slash = 0;
		name = path + (slash - dir) + 1;
	}
	int dfd = open(slash ? (*dir ? dir : "/") : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (dfd < 0)
		return -1;
	int r = replace_at(dfd, name, data, len, durable);
	int saved = errno;
	close(dfd);
	errno = saved;
	return r;
}

int atomic_write(const char *path, const void *data, size_t len)
{
	return replace(path, data, len, true);
}

int atomic_write_lazy(const char *path, const void *data, size_t len)
{
	return replace(path, data, len, false);
}

int fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int r = fsync(fd);
	int saved = errno;
	close(fd);
	errno = saved;
	return r;
}

int mkdir_p(const char *path, mode_t mode)
{
	if (!*path) {
		errno = EINVAL;
		return -1;
	}
	char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			free(p);
			return -1;
		}
		*s = '/';
	}
	int r = mkdir(p, mode);
	free(p);
	if (r < 0 && errno == EEXIST) {
		struct stat st;
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			return 0;
		errno = ENOTDIR;
	}
	return r;
}

int mkdir_p_durable(const char *path, mode_t mode)
{
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	char *parent = xstrdup(path);
	char *slash = strrchr(parent, '/');
	int r = 0;
	if (slash && slash != parent) {
		*slash = 0;
		r = mkdir_p_durable(parent, mode);
	} else {
		strcpy(parent, slash ? "/" : ".");
	}
	if (r == 0 && mkdir(path, mode) == 0)
		r = fsync_dir(parent);	/* the new name must survive a power cut too */
	else if (r == 0 && errno != EEXIST)
		r = -1;
	int saved = errno;
	free(parent);
	errno = saved;
	return r;
}

int mkdir_parent(const char *path, mode_t mode, bool durable)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	int r = 0;
	if (slash && slash != dir) {
		*slash = 0;
		r = durable ? mkdir_p_durable(dir, mode) : mkdir_p(dir, mode);
	}
	int saved = errno;
	free(dir);
	errno = saved;
	return r;
}

int rm_rf_at(int dirfd, const char *name)
{
	if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -1;
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	struct dirent *e;
	int r = 0;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (rm_rf_at(fd, e->d_name) < 0)
			r = -1;
	}
	closedir(d);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		r = -1;
	return r;
}

bool file_has_magic(const char *path, const char *magic, size_t n)
{
	char head[16];
	FILE *f = n <= sizeof head ? fopen(path, "rb") : NULL;
	size_t got = f ? fread(head, 1, n, f) : 0;
	if (f)
		fclose(f);
	return got == n && memcmp(head, magic, n) == 0;
}
