/*
 * fileio.h: durable file operations: atomic replace with fsync, directory
 * fsync, mkdir -p and rm -r.
 */
#ifndef CRASH_FILEIO_H
#define CRASH_FILEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

/* Writes data to path atomically (temp file, fsync, rename, fsync dir). */
int atomic_write(const char *path, const void *data, size_t len);
/* Same, relative to an open directory. */
/*
 * A temporary name for writing name in its directory: a dot name (listings
 * skip it), unique across processes and threads (caller frees).
 */
char *temp_name(const char *name);
/* The same without fsync: whole when read, durable only after a syncfs(2). */
int atomic_write_lazy(const char *path, const void *data, size_t len);
int atomic_write_at(int dirfd, const char *name, const void *data, size_t len);
/* Writes all of len bytes, retrying short writes and EINTR. */
int write_all(int fd, const void *data, size_t len);
/* The same for a vector of n buffers (the vector is consumed). */
int writev_all(int fd, struct iovec *iov, int n);
/* fsync(2) of a directory, so the names in it are durable. */
int fsync_dir(const char *path);
/* mkdir -p; 0 on success or when it exists. */
int mkdir_p(const char *path, mode_t mode);
/* The same, fsyncing the parent of every directory it creates. */
int mkdir_p_durable(const char *path, mode_t mode);
/* mkdir -p of the directory a file path is in (durably or not); 0 if none. */
int mkdir_parent(const char *path, mode_t mode, bool durable);
/* Removes a file or a directory tree below dirfd (rm -rf name). */
int rm_rf_at(int dirfd, const char *name);
/* Whether the file begins with the n bytes of magic (false if unreadable). */
bool file_has_magic(const char *path, const char *magic, size_t n);

#endif
