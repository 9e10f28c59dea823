/*
 * spool.c: writing crashes into a spool, with group commit.
 *
 * Group commit: the first request to arrive at spool_commit() while no
 * flush is running becomes the leader. It takes every queued crash, makes
 * the file system durable once (syncfs), renames each crash into new/,
 * syncs new/ once, and wakes the others. Requests arriving meanwhile queue
 * for the next batch. Under load the cost of a flush is shared by many
 * crashes; alone, a crash pays for one flush as it would anyway.
 */

#include "spool.h"
#include "crashid.h"
#include "fileio.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

struct commit {
	struct spool_crash *crash;
	int err;		/* 0 or an errno */
	bool done;
	struct commit *next;
};

struct spool {
	char *dir;
	int lockfd, tmpfd, newfd;
	enum spool_sync mode;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct commit *head, **tail;
	bool flushing;
	unsigned long commits, batches;
	unsigned long error_gen;	/* write-back errors seen so far */
};

struct spool_crash {
	struct spool *spool;
	char tmpname[64];	/* its name in tmp/ */
	char id[64];		/* its name in new/ */
	int dirfd;
	unsigned long error_gen;	/* the spool's, when the crash began */
};

static int open_subdir(const char *dir, const char *sub)
{
	char *path = xasprintf("%s/%s", dir, sub);
	int fd = -1;
	if (mkdir_p(path, 0755) == 0)
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(path);
	return fd;
}

/* Whether fd is on an ext4 file system without a journal. */
static bool ext4_without_journal(int fd)
{
	struct statfs fs;
	struct stat st;
	if (fstatfs(fd, &fs) < 0 || fs.f_type != EXT4_SUPER_MAGIC || fstat(fd, &st) < 0)
		return false;
	/* /sys/dev/block/MAJ:MIN links to the device; ext4 names it the same. */
	char link[64], dev[PATH_MAX];
	snprintf(link, sizeof link, "/sys/dev/block/%u:%u", major(st.st_dev), minor(st.st_dev));
	ssize_t n = readlink(link, dev, sizeof dev - 1);
	if (n <= 0)
		return false;
	dev[n] = 0;
	char *path = xasprintf("/sys/fs/ext4/%s/journal_task", path_basename(dev));
	char *task = read_file(path, 64, NULL);
	free(path);
	bool none = task && !strncmp(task, "<none>", 6);
	free(task);
	return none;
}

/*
 * ext4 puts a new directory in its parent's block group and a new file in
 * its directory's, each at the first free inode of the group. Without a
 * journal it first passes over every inode freed there in the last
 * dirty_expire_centisecs (30 s), one lookup each. crash-move frees crashes
 * as fast as they arrive, all in tmp/'s group, so each of a crash's three
 * inodes scans past thousands (here, 13% of the collector's CPU right after
 * a run's crashes were removed; 5% marked). Marked as the top of a
 * hierarchy (chattr +T), tmp/ has its crash directories, and so their
 * files, spread over all groups. With a journal ext4 does not look, and
 * spreading would only cost its search for a group; so tmp/ is marked only
 * on ext4 without one.
 */
static void spread_crash_dirs(int tmpfd)
{
	int flags;
	if (!ext4_without_journal(tmpfd) || ioctl(tmpfd, FS_IOC_GETFLAGS, &flags) < 0 ||
	    (flags & FS_TOPDIR_FL))
		return;
	flags |= FS_TOPDIR_FL;
	if (ioctl(tmpfd, FS_IOC_SETFLAGS, &flags) < 0)
		log_debug("spool tmp/: cannot mark it as a top directory: %s", strerror(errno));
}

struct spool *spool_open(const char *dir, enum spool_sync mode, char **err)
{
	struct spool *s = xcalloc(1, sizeof *s);
	s->dir = xstrdup(dir);
	s->mode = mode;
	s->lockfd = s->tmpfd = s->newfd = -1;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	s->tail = &s->head;
	if (mkdir_p(dir, 0755) < 0) {
		*err = xasprintf("%s: %s", dir, strerror(errno));
		goto fail;
	}
	char *lock = xasprintf("%s/.lock", dir);
	s->lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	free(lock);
	if (s->lockfd < 0 || flock(s->lockfd, LOCK_EX | LOCK_NB) < 0) {
		*err = xasprintf("%s: %s", dir, errno == EWOULDBLOCK ?
		    "in use by another collector" : strerror(errno));
		goto fail;
	}
	s->tmpfd = open_subdir(dir, "tmp");
	s->newfd = open_subdir(dir, "new");
	if (s->tmpfd < 0 || s->newfd < 0) {
		*err = xasprintf("%s: %s", dir, strerror(errno));
		goto fail;
	}
	spread_crash_dirs(s->tmpfd);
	return s;
fail:
	spool_close(s);
	return NULL;
}

void spool_close(struct spool *s)
{
	if (!s)
		return;
	if (s->tmpfd >= 0)
		close(s->tmpfd);
	if (s->newfd >= 0)
		close(s->newfd);
	if (s->lockfd >= 0)
		close(s->lockfd);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s->dir);
	free(s);
}

/*
 * Only entries named like a crash ID are ours to remove: a spool given by
 * mistake as /, or /var, has someone else's files in tmp/.
 */
int spool_recover(struct spool *s)
{
	int dfd = dup(s->tmpfd);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d)
		return 0;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (!crashid_valid(e->d_name))
			log_err("%s/tmp/%s: not an upload's; left alone", s->dir, e->d_name);
		else if (rm_rf_at(s->tmpfd, e->d_name) == 0)
			n++;
	}
	closedir(d);
	return n;
}

static bool valid_entry_name(const char *name)
{
	return *name && *name != '.' && !strchr(name, '/') &&
	    strlen(name) < sizeof ((struct spool_crash *)0)->id;
}

struct spool_crash *spool_begin(struct spool *s, const char *name)
{
	if (!valid_entry_name(name)) {
		errno = EINVAL;
		return NULL;
	}
	if (mkdirat(s->tmpfd, name, 0755) < 0)
		return NULL;
	int fd = openat(s->tmpfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		int saved = errno;
		unlinkat(s->tmpfd, name, AT_REMOVEDIR);
		errno = saved;
		return NULL;
	}
	struct spool_crash *c = xcalloc(1, sizeof *c);
	c->spool = s;
	c->dirfd = fd;
	strcpy(c->tmpname, name);
	pthread_mutex_lock(&s->mu);
	c->error_gen = s->error_gen;
	pthread_mutex_unlock(&s->mu);
	return c;
}

int spool_create(struct spool_crash *c, const char *name)
{
	return openat(c->dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
}

int spool_close_file(struct spool_crash *c, int fd)
{
	if (c->spool->mode == SPOOL_SYNC_EACH && fdatasync(fd) < 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return close(fd);
}

static void free_crash(struct spool_crash *c)
{
	close(c->dirfd);
	free(c);
}

void spool_abort(struct spool_crash *c)
{
	rm_rf_at(c->spool->tmpfd, c->tmpname);
	free_crash(c);
}

/* Renames one crash into new/; a crash of the same ID there wins. */
static int publish(struct spool *s, struct spool_crash *c)
{
	if (renameat2(s->tmpfd, c->tmpname, s->newfd, c->id, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno == EINVAL || errno == ENOSYS) {
		/* File systems without RENAME_NOREPLACE: a non-empty target fails anyway. */
		struct stat st;
		if (fstatat(s->newfd, c->id, &st, 0) == 0)
			return EEXIST;
		if (renameat(s->tmpfd, c->tmpname, s->newfd, c->id) == 0)
			return 0;
	}
	return errno == ENOTEMPTY ? EEXIST : errno;
}

/* The leader's work: one flush for the whole batch, then the renames. */
static void flush_batch(struct spool *s, struct commit *batch)
{
	/*
	 * syncfs(2) reports a write-back error once, to whichever flush comes
	 * next, which may belong to another batch than the crash whose pages
	 * were lost. So every error bumps a generation, and a crash that began
	 * before the latest error fails too: a spurious 503 is retried by
	 * the client, a lost page acknowledged would be a lost crash.
	 */
	int err = 0;
	if (s->mode == SPOOL_SYNC_BATCH) {
		if (syncfs(s->tmpfd) < 0)
			err = errno;
	} else if (s->mode == SPOOL_SYNC_EACH) {
		for (struct commit *c = batch; c && !err; c = c->next)
			if (fsync(c->crash->dirfd) < 0)
				err = errno;
	}
	pthread_mutex_lock(&s->mu);
	if (err)
		s->error_gen++;
	unsigned long gen = s->error_gen;
	pthread_mutex_unlock(&s->mu);
	for (struct commit *c = batch; c; c = c->next)
		c->err = err ? err : c->crash->error_gen != gen ? EIO : 0;
	bool any = false;
	for (struct commit *c = batch; c; c = c->next) {
		if (!c->err)
			c->err = publish(s, c->crash);
		any |= c->err == 0;
	}
	if (any && s->mode != SPOOL_SYNC_NONE && fsync(s->newfd) < 0) {
		/* The renames may not survive a power cut: report the failure. */
		err = errno;
		for (struct commit *c = batch; c; c = c->next)
			if (!c->err) {
				renameat(s->newfd, c->crash->id, s->tmpfd, c->crash->tmpname);
				c->err = err;
			}
	}
}

int spool_commit(struct spool_crash *crash, const char *id)
{
	struct spool *s = crash->spool;
	if (!valid_entry_name(id)) {
		spool_abort(crash);
		errno = EINVAL;
		return -1;
	}
	strcpy(crash->id, id);
	struct commit me = { .crash = crash };
	pthread_mutex_lock(&s->mu);
	*s->tail = &me;
	s->tail = &me.next;
	while (!me.done) {
		if (s->flushing) {
			pthread_cond_wait(&s->cv, &s->mu);
			continue;
		}
		struct commit *batch = s->head;
		s->head = NULL;
		s->tail = &s->head;
		s->flushing = true;
		pthread_mutex_unlock(&s->mu);
		flush_batch(s, batch);
		pthread_mutex_lock(&s->mu);
		s->batches++;
		for (struct commit *c = batch, *next; c; c = next) {
			next = c->next;
			s->commits++;
			c->done = true;
		}
		s->flushing = false;
		pthread_cond_broadcast(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
	if (me.err) {
		spool_abort(crash);
		errno = me.err;
		return -1;
	}
	free_crash(crash);
	return 0;
}

bool spool_healthy(struct spool *s, long long min_free, char *why, size_t whylen)
{
	struct statvfs vfs;
	if (fstatvfs(s->tmpfd, &vfs) < 0) {
		snprintf(why, whylen, "statvfs: %s", strerror(errno));
		return false;
	}
	long long avail = (long long)vfs.f_bavail * vfs.f_frsize;
	if (avail < min_free) {
		snprintf(why, whylen, "spool has %lld bytes free, needs %lld", avail, min_free);
		return false;
	}
	if (vfs.f_favail == 0 && vfs.f_files > 0) {
		snprintf(why, whylen, "spool has no free inodes");
		return false;
	}
	struct stat st;
	if (fstat(s->newfd, &st) < 0 || st.st_nlink == 0 ||
	    fstat(s->tmpfd, &st) < 0 || st.st_nlink == 0) {
		snprintf(why, whylen, "spool tmp/ or new/ was removed");
		return false;
	}
	if (faccessat(s->tmpfd, ".", W_OK, AT_EACCESS) < 0) {
		snprintf(why, whylen, "spool tmp/ not writable: %s", strerror(errno));
		return false;
	}
	return true;
}

void spool_stats(struct spool *s, unsigned long *commits, unsigned long *batches)
{
	pthread_mutex_lock(&s->mu);
	*commits = s->commits;
	*batches = s->batches;
	pthread_mutex_unlock(&s->mu);
}
