/*
 * symfetch.c: symbols from remote servers into a local cache (symfetch.h).
 *
 * Transfers run in one curl multi handle, at most `parallel` at a time,
 * each into a temporary file under the cache's .tmp/, renamed into place
 * once it is a whole symbol file, so a reader (another worker walking at
 * the same time) never sees half of one. A miss is a marker file under
 * .misses/, in force while younger than the miss time.
 */
#include "symfetch.h"
#include "fileio.h"
#include "symbols.h"
#include "symstore.h"
#include "util.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

/* Seconds a module is left alone after its server failed or was too slow. */
#define FAILURE_REST 60

struct job {
	char *rel;		/* <debug_file>/<debug_id>/<name>.sym */
	char *tmp;		/* the download, in .tmp/ */
	FILE *out;
	int server;		/* index of the URL being asked */
	long long bytes;
	CURL *h;
	bool failed;		/* a server failed (not a 404) */
};

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static char *miss_path(const struct symfetch *f, const char *rel)
{
	return xasprintf("%s/.misses/%s", f->cache, rel);
}

/* A miss marker still in force: younger than miss_seconds. */
static bool missing(const struct symfetch *f, const char *rel)
{
	char *path = miss_path(f, rel);
	struct stat st;
	bool in_force = stat(path, &st) == 0 && time(NULL) - st.st_mtime < f->miss_seconds;
	free(path);
	return in_force;
}


/* After a failure: the miss time, but at most FAILURE_REST. */
static int rest_seconds(const struct symfetch *f)
{
	return f->miss_seconds < FAILURE_REST ? f->miss_seconds : FAILURE_REST;
}

/* A path below the cache: no empty, "." or ".." component (a hostile dump's names). */
static bool safe_rel(const char *rel)
{
	for (const char *p = rel; *p;) {
		size_t n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += n + (p[n] == '/');
	}
	return *rel != 0;
}

/*
 * Remembers a miss for `seconds` (at most miss_seconds): the marker is
 * dated back so that it is that far from being miss_seconds old.
 */
static void remember_miss(const struct symfetch *f, const char *rel, int seconds)
{
	char *path = miss_path(f, rel);
	mkdir_parent(path, 0755, false);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		time_t when = time(NULL) - (f->miss_seconds - seconds);
		struct timespec t[2] = { { when, 0 }, { when, 0 } };
		futimens(fd, t);
		close(fd);
	}
	free(path);
}

/* Whether rel must be fetched; a cached copy is touched (least recently used goes first). */
static bool needed(const struct symfetch *f, const char *const *roots, int nroots, const char *rel)
{
	for (int i = 0; i < nroots; i++) {
		char *path = xasprintf("%s/%s", roots[i], rel);
		bool here = exists(path);
		free(path);
		if (here)
			return false;
	}
	char *cached = xasprintf("%s/%s", f->cache, rel);
	bool here = exists(cached);
	if (here) {
		/* The access time only: the compiled index checks the modification time. */
		struct timespec t[2] = { { 0, UTIME_NOW }, { 0, UTIME_OMIT } };
		utimensat(AT_FDCWD, cached, t, 0);
	}
	free(cached);
	return !here && !missing(f, rel);
}

static size_t on_data(char *data, size_t size, size_t n, void *ctx)
{
	struct job *j = ctx;
	if (j->bytes + (long long)n > SYMFETCH_MAX_FILE || fwrite(data, size, n, j->out) != n)
		return 0;	/* aborts the transfer */
	j->bytes += n;
	return n;
}

static bool start(CURLM *m, const struct symfetch *f, struct job *j, long remaining_ms)
{
	const char *base = f->urls[j->server];
	size_t len = strlen(base);
	while (len && base[len - 1] == '/')
		len--;
	char *url = xasprintf("%.*s/%s", (int)len, base, j->rel);
	j->out = fopen(j->tmp, "w");
	j->bytes = 0;
	j->h = curl_easy_init();
	if (!j->out || !j->h) {
		log_warn("%s: %s", j->tmp, j->out ? "curl_easy_init failed" : strerror(errno));
		free(url);
		return false;
	}
	curl_easy_setopt(j->h, CURLOPT_URL, url);
	curl_easy_setopt(j->h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(j->h, CURLOPT_WRITEDATA, j);
	curl_easy_setopt(j->h, CURLOPT_PRIVATE, j);
	curl_easy_setopt(j->h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(j->h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(j->h, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(j->h, CURLOPT_NOSIGNAL, 1L);
	/*
	 * A backstop only: the fetch loop ends at the budget's deadline and
	 * reports what it cut; a transfer timing out at that same moment
	 * would instead pass for a failing server.
	 */
	curl_easy_setopt(j->h, CURLOPT_TIMEOUT_MS, remaining_ms + 1000);
	curl_easy_setopt(j->h, CURLOPT_CONNECTTIMEOUT_MS, remaining_ms < 5000 ? remaining_ms : 5000L);
	curl_easy_setopt(j->h, CURLOPT_USERAGENT, "crash-stackwalk/" CRASH_VERSION);
	curl_multi_add_handle(m, j->h);
	free(url);
	return true;
}

static void stop(CURLM *m, struct job *j)
{
	if (j->h) {
		curl_multi_remove_handle(m, j->h);
		curl_easy_cleanup(j->h);
		j->h = NULL;
	}
	if (j->out) {
		fclose(j->out);
		j->out = NULL;
	}
}

/* Inflates a .gz body in place (through a second temporary file). */
static int gunzip_file(const char *path)
{
	char *plain = xasprintf("%s.plain", path);
	gzFile in = gzopen(path, "rb");
	FILE *out = fopen(plain, "w");
	int rc = in && out ? 0 : -1;
	char buf[1 << 16];
	long long total = 0;
	int n;
	while (rc == 0 && (n = gzread(in, buf, sizeof buf)) > 0) {
		total += n;
		if (total > SYMFETCH_MAX_FILE || fwrite(buf, 1, n, out) != (size_t)n)
			rc = -1;
	}
	if (rc == 0 && n < 0)
		rc = -1;
	if (in)
		gzclose(in);
	if (out && fclose(out) != 0)
		rc = -1;
	if (rc == 0 && rename(plain, path) < 0)
		rc = -1;
	unlink(plain);
	free(plain);
	return rc;
}

/* Puts a downloaded file in place when it is a symbol file; false if not. */
static bool install(const struct symfetch *f, struct job *j)
{
	if (file_has_magic(j->tmp, "\x1f\x8b", 2) && gunzip_file(j->tmp) < 0) {
		log_warn("%s: a broken gzip file", j->rel);
		return false;
	}
	if (!file_has_magic(j->tmp, "MODULE ", 7)) {
		log_warn("%s: not a symbol file", j->rel);
		return false;
	}
	char *final = xasprintf("%s/%s", f->cache, j->rel);
	mkdir_parent(final, 0755, false);
	bool ok = rename(j->tmp, final) == 0;
	if (!ok)
		log_warn("%s: %s", final, strerror(errno));
	free(final);
	return ok;
}

/*
 * One transfer ended: installed, or on to the next server after a 404 or
 * a failure; after the last server a miss (all 404) or a rest (a failure).
 * Returns 1 when a file was installed.
 */
static int finished(CURLM *m, const struct symfetch *f, struct job *j, CURLcode code,
    long remaining_ms)
{
	long status = 0;
	curl_easy_getinfo(j->h, CURLINFO_RESPONSE_CODE, &status);
	stop(m, j);
	if (code == CURLE_OK && status == 200) {
		if (install(f, j))
			return 1;
		j->failed = true;
	} else if (code != CURLE_OK) {
		log_warn("%s/%s: %s", f->urls[j->server], j->rel, curl_easy_strerror(code));
		j->failed = true;
	} else if (status != 404) {
		log_warn("%s/%s: HTTP %ld", f->urls[j->server], j->rel, status);
		j->failed = true;
	}
	if (++j->server < f->nurls && remaining_ms > 0) {
		if (start(m, f, j, remaining_ms))
			return 0;
		stop(m, j);
	}
	/* A miss only when every server said no; else (failures, no time left) a rest. */
	bool all_asked = j->server >= f->nurls;
	remember_miss(f, j->rel, j->failed || !all_asked ? rest_seconds(f) : f->miss_seconds);
	return 0;
}

/* The modules to fetch, each once. */
static struct job *plan(const struct symfetch *f, const struct minidump *md,
    const char *const *roots, int nroots, int *n)
{
	struct job *jobs = xcalloc(md->nmodules + 1, sizeof *jobs);
	*n = 0;
	for (uint32_t i = 0; i < md->nmodules; i++) {
		const struct md_module *mod = &md->modules[i];
		if (!mod->debug_file || !*mod->debug_file || !mod->debug_id[0])
			continue;
		char *rel = sym_path("", mod->debug_file, mod->debug_id);
		memmove(rel, rel + 1, strlen(rel));	/* without the root's "/" */
		bool dup = false;
		for (int k = 0; k < *n && !dup; k++)
			dup = !strcmp(jobs[k].rel, rel);
		if (dup || !safe_rel(rel) || !needed(f, roots, nroots, rel)) {
			free(rel);
			continue;
		}
		jobs[*n].rel = rel;
		jobs[*n].tmp = xasprintf("%s/.tmp/%ld-%d", f->cache, (long)getpid(), *n);
		(*n)++;
	}
	return jobs;
}

int symfetch_modules(const struct symfetch *f, const struct minidump *md,
    const char *const *roots, int nroots)
{
	if (f->nurls == 0)
		return 0;
	int n;
	struct job *jobs = plan(f, md, roots, nroots, &n);
	if (n == 0) {
		free(jobs);
		return 0;
	}
	char *tmpdir = xasprintf("%s/.tmp", f->cache);
	mkdir_p(tmpdir, 0755);
	free(tmpdir);
	CURLM *m = curl_multi_init();
	double deadline = now_ms() + f->budget_ms;
	int next = 0, active = 0, fetched = 0;
	int parallel = f->parallel > 0 ? f->parallel : 1;
	while (next < n || active > 0) {
		long remaining = (long)(deadline - now_ms());
		if (remaining <= 0)
			break;
		for (; next < n && active < parallel; next++)
			if (start(m, f, &jobs[next], remaining))
				active++;
			else
				stop(m, &jobs[next]);
		int running;
		curl_multi_perform(m, &running);
		CURLMsg *msg;
		int left;
		while ((msg = curl_multi_info_read(m, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			struct job *j;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&j);
			fetched += finished(m, f, j, msg->data.result, (long)(deadline - now_ms()));
			if (!j->h)
				active--;
		}
		if (active > 0)
			curl_multi_poll(m, NULL, 0, remaining < 100 ? (int)remaining : 100, NULL);
	}
	int cut = 0;
	for (int i = 0; i < n; i++) {
		if (jobs[i].h || i >= next) {
			cut++;
			remember_miss(f, jobs[i].rel, rest_seconds(f));
		}
		stop(m, &jobs[i]);
		unlink(jobs[i].tmp);
		free(jobs[i].rel);
		free(jobs[i].tmp);
	}
	if (cut)
		log_warn("symbol servers: time budget of %d ms spent; %d module%s not fetched",
		    f->budget_ms, cut, cut == 1 ? "" : "s");
	curl_multi_cleanup(m);
	free(jobs);
	if (fetched && f->max_bytes > 0)
		symfetch_evict(f->cache, f->max_bytes);
	return fetched;
}

static void log_evicted(void *ctx, const char *path, long long bytes, const char *why)
{
	log_info("symbol cache: evicted %s (%lld bytes)", path, bytes);
}

void symfetch_evict(const char *cache, long long max_bytes)
{
	symstore_gc(cache, max_bytes, 0, log_evicted, NULL, NULL, NULL);
}
