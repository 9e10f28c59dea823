/*
 * crash-synth: synthetic crashes with known answers. Reads crash specs
 * (NDJSON) and writes complete crashes into a spool (raw_crash.json and
 * a minidump each) plus the Breakpad .sym files under which the
 * minidumps' crashing threads walk to exactly the given frames.
 */
#include "conf.h"
#include "crashid.h"
#include "fileio.h"
#include "progress.h"
#include "sha256.h"
#include "spool.h"
#include "symbols.h"
#include "synth.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const struct conf_option options[] = {
	{ "out", CONF_STR, "spool", "SPOOL", "spool to write the crashes into" },
	{ "symbols", CONF_STR, "symbols", "DIR", "symbol store for the generated .sym files" },
	{ "seed", CONF_INT, "1", "N", "seed: the same seed and specs give the same crashes" },
	{ "date", CONF_STR, NULL, "YYYY-MM-DD", "day the crashes are submitted on (default today)" },
	{ NULL, 0, NULL, NULL, NULL },
};

static const char usage[] = "[--out SPOOL] [--symbols DIR] [--seed N] [--date YYYY-MM-DD] < SPEC.ndjson";

struct spec {
	json_t *json;
	int count;
	enum synth_os os;
	enum synth_cpu cpu;
	const char *product;
	int group;			/* which product module (and .sym) */
	int *frames;			/* function indexes in the group */
	int nframes;
	const char *reason;
	long size;			/* pad the minidump to this many bytes */
};

/* A product module with its functions: one .sym file. */
struct group {
	enum synth_os os;
	enum synth_cpu cpu;
	char *product;
	char **names;
	uint32_t nnames;
	uint64_t key;
};

static struct group *groups;
static int ngroups;

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static int find_group(enum synth_os os, enum synth_cpu cpu, const char *product)
{
	for (int i = 0; i < ngroups; i++)
		if (groups[i].os == os && groups[i].cpu == cpu && !strcmp(groups[i].product, product))
			return i;
	groups = xrealloc(groups, (ngroups + 1) * sizeof *groups);
	groups[ngroups] = (struct group){ .os = os, .cpu = cpu, .product = xstrdup(product) };
	return ngroups++;
}

static int function_index(struct group *g, const char *name)
{
	for (uint32_t i = 0; i < g->nnames; i++)
		if (!strcmp(g->names[i], name))
			return i;
	g->names = xrealloc(g->names, (g->nnames + 1) * sizeof *g->names);
	g->names[g->nnames] = xstrdup(name);
	return g->nnames++;
}

static const char *default_product(enum synth_os os)
{
	return os == OS_WINDOWS ? "xul.dll" : os == OS_MAC ? "XUL" : "libxul.so";
}

/* Reads one spec line; a message in *err when it is not usable. */
static bool parse_spec(json_t *j, struct spec *s, const char **err)
{
	memset(s, 0, sizeof *s);
	s->json = j;
	json_t *count = json_object_get(j, "count"), *frames = json_object_get(j, "frames");
	const char *os = json_string_value(json_object_get(j, "os"));
	const char *cpu = json_string_value(json_object_get(j, "cpu"));
	s->count = count ? (int)json_integer_value(count) : 1;
	json_t *size = json_object_get(j, "size");
	s->size = size ? (long)json_integer_value(size) : 0;
	if (size && (!json_is_integer(size) || s->size < 0 || s->size > (1L << 30))) {
		*err = "\"size\" must be a number of bytes up to 1 GiB";
		return false;
	}
	if (!json_is_array(frames) || !json_array_size(frames) || json_array_size(frames) > 512) {
		*err = "\"frames\" must be a list of 1 to 512 function names";
		return false;
	}
	if (s->count < 0 || (count && !json_is_integer(count))) {
		*err = "\"count\" must be a whole number";
		return false;
	}
	if (!os || !strcmp(os, "Windows NT") || !strcmp(os, "Windows"))
		s->os = OS_WINDOWS;
	else if (!strcmp(os, "Mac OS X") || !strcmp(os, "macOS"))
		s->os = OS_MAC;
	else if (!strcmp(os, "Linux"))
		s->os = OS_LINUX;
	else {
		*err = "\"os\" must be \"Windows NT\", \"Mac OS X\" or \"Linux\"";
		return false;
	}
	static const char *const cpus[] = { [CPU_X86] = "x86", [CPU_AMD64] = "amd64",
		[CPU_ARM] = "arm", [CPU_ARM64] = "arm64" };
	s->cpu = CPU_AMD64;
	if (cpu) {
		int k = 0;
		while (k < 4 && strcmp(cpu, cpus[k]))
			k++;
		if (k == 4) {
			*err = "\"cpu\" must be \"x86\", \"amd64\", \"arm\" or \"arm64\"";
			return false;
		}
		s->cpu = k;
	}
	const char *module = json_string_value(json_object_get(j, "module"));
	if (module && (!*module || strpbrk(module, "/\\\n") || strlen(module) > 100)) {
		*err = "\"module\" must be a file name, not a path";
		return false;
	}
	s->product = module ? module : default_product(s->os);
	s->reason = json_string_value(json_object_get(j, "reason"));
	struct synth_process probe = { .os = s->os, .cpu = s->cpu };
	if (!synth_exception(&probe, s->reason)) {
		*err = "\"reason\" is not one crash-synth knows for this OS (see crash-synth(1))";
		return false;
	}
	s->group = find_group(s->os, s->cpu, s->product);
	s->nframes = json_array_size(frames);
	s->frames = xcalloc(s->nframes, sizeof *s->frames);
	for (int i = 0; i < s->nframes; i++) {
		const char *name = json_string_value(json_array_get(frames, i));
		if (!name || !*name || strchr(name, '\n')) {
			*err = "every frame must be a non-empty one-line string";
			return false;
		}
		s->frames[i] = function_index(&groups[s->group], name);
	}
	return true;
}

static void write_symbols(const char *root)
{
	struct buf b;
	buf_init(&b);
	for (int i = 0; i < ngroups; i++) {
		struct group *g = &groups[i];
		/* The module's identity follows from its functions: same specs, same .sym. */
		struct sha256 h;
		char hex[65];
		sha256_init(&h);
		sha256_update(&h, &g->os, sizeof g->os);
		sha256_update(&h, &g->cpu, sizeof g->cpu);
		sha256_update(&h, g->product, strlen(g->product) + 1);
		for (uint32_t k = 0; k < g->nnames; k++)
			sha256_update(&h, g->names[k], strlen(g->names[k]) + 1);
		sha256_hex(&h, hex);
		g->key = strtoull(hex + 48, NULL, 16);
		struct synth_process p = { .os = g->os, .cpu = g->cpu };
		synth_modules(&p, g->product, g->nnames, g->key);
		synth_symbols(&p, (const char *const *)g->names, g->nnames, &b);
		const struct synth_module *m = &p.mods[p.product];
		char *path = sym_path(root, m->debug_file, m->debug_id);
		if (mkdir_parent(path, 0755, false) < 0 || atomic_write(path, b.data, b.len) < 0)
			die(1, "%s: %s", path, strerror(errno));
		free(path);
		for (int k = 0; k < p.nmods; k++) {
			free(p.mods[k].code_file);
			free(p.mods[k].debug_file);
		}
	}
	buf_free(&b);
}

static time_t parse_date(const char *s)
{
	struct tm tm = { 0 };
	if (!s) {
		time_t now = time(NULL);
		gmtime_r(&now, &tm);
		tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	} else {
		const char *end = strptime(s, "%Y-%m-%d", &tm);
		if (!end || *end)
			die(2, "--date %s: expected YYYY-MM-DD", s);
	}
	return timegm(&tm);
}

static json_t *raw_crash(const struct spec *s, const char *id, time_t when, uint64_t *rng,
    uint32_t uptime, const struct buf *dump)
{
	json_t *raw = json_object();
	json_t *ann = json_object_get(s->json, "annotations");
	if (json_is_object(ann))
		json_object_update(raw, ann);
	static const char *const defaults[][2] = {
		{ "ProductName", "Firefox" }, { "Version", "120.0" },
		{ "BuildID", "20261101000000" }, { "ReleaseChannel", "release" },
	};
	for (size_t i = 0; i < 4; i++)
		if (!json_object_get(raw, defaults[i][0]))
			json_object_set_new(raw, defaults[i][0], json_string(defaults[i][1]));
	char num[32];
	snprintf(num, sizeof num, "%lld", (long long)when);
	json_object_set_new(raw, "CrashTime", json_string(num));
	snprintf(num, sizeof num, "%lld", (long long)(when - uptime));
	json_object_set_new(raw, "StartupTime", json_string(num));
	snprintf(num, sizeof num, "%lld", (long long)(when - 3600 - (long long)(splitmix(rng) % (180 * 86400))));
	if (!json_object_get(raw, "InstallTime"))
		json_object_set_new(raw, "InstallTime", json_string(num));
	struct timespec ts = { .tv_sec = when, .tv_nsec = (long)(splitmix(rng) % 1000000) * 1000 };
	char iso[33], hex[65];
	iso8601(&ts, iso);
	struct sha256 h;
	sha256_init(&h);
	sha256_update(&h, dump->data, dump->len);
	sha256_hex(&h, hex);
	json_object_set_new(raw, "uuid", json_string(id));
	json_object_set_new(raw, "submitted_timestamp", json_string(iso));
	json_object_set_new(raw, "metadata", json_pack("{s:[s], s:{s:s}, s:{s:I}, s:s, s:s, s:s, s:s}",
	    "collector_notes", "synthesized by crash-synth",
	    "dump_checksums", "upload_file_minidump", hex,
	    "dump_sizes", "upload_file_minidump", (json_int_t)dump->len,
	    "payload", "multipart", "payload_compressed", "0",
	    "throttle_rule", "synth", "throttle_result", "accept"));
	return raw;
}

static void write_file(struct spool_crash *c, const char *name, const void *data, size_t len)
{
	int fd = spool_create(c, name);
	if (fd < 0 || write_all(fd, data, len) < 0 || spool_close_file(c, fd) < 0)
		die(1, "%s: %s", name, strerror(errno));
}

/* One crash: the process, its minidump, its raw crash, into the spool. */
static void synthesize(struct spool *sp, const struct spec *s, time_t day, uint64_t *rng)
{
	struct group *g = &groups[s->group];
	struct synth_process p = { .os = s->os, .cpu = s->cpu, .frames = s->frames,
	    .nframes = s->nframes, .seed = splitmix(rng), .ncpus = 2 << (splitmix(rng) % 4) };
	synth_modules(&p, g->product, g->nnames, g->key);
	p.exc_address = (splitmix(rng) % 4) * 8;
	synth_exception(&p, s->reason);	/* checked when the spec was read */
	time_t when = day + splitmix(rng) % 86400;
	uint32_t uptime = 5 + splitmix(rng) % 7200;
	p.dump_time = when;
	p.process_create_time = when - uptime;
	p.pid = 1000 + splitmix(rng) % 60000;
	struct buf dump;
	buf_init(&dump);
	synth_minidump(&p, &dump);
	/*
	 * Padding, for realistic upload sizes: random bytes after the last
	 * stream, which readers never reach (streams are found by offset).
	 */
	while ((long)dump.len < s->size) {
		uint64_t v = splitmix(rng);
		size_t n = s->size - (long)dump.len < 8 ? (size_t)(s->size - (long)dump.len) : 8;
		buf_append(&dump, &v, n);
	}
	unsigned char r[16];
	for (int i = 0; i < 2; i++) {
		uint64_t v = splitmix(rng);
		memcpy(r + 8 * i, &v, 8);
	}
	char id[CRASHID_LEN + 1];
	crashid_from_bytes(id, r, THROTTLE_DIGIT_ACCEPT, when);
	json_t *raw = raw_crash(s, id, when, rng, uptime, &dump);
	char *text = json_dumps(raw, JSON_COMPACT | JSON_SORT_KEYS);
	struct spool_crash *c = spool_begin(sp, id);
	if (!c)
		die(1, "%s: cannot start in the spool: %s", id, strerror(errno));
	write_file(c, "upload_file_minidump", dump.data, dump.len);
	write_file(c, "raw_crash.json", text, strlen(text));
	if (spool_commit(c, id) < 0)
		die(1, "%s: commit: %s", id, strerror(errno));
	json_t *line = json_pack("{s:s, s:O}", "crash_id", id, "frames", json_object_get(s->json, "frames"));
	char *out = json_dumps(line, JSON_COMPACT);
	puts(out);
	free(out);
	json_decref(line);
	free(text);
	json_decref(raw);
	buf_free(&dump);
	for (int k = 0; k < p.nmods; k++) {
		free(p.mods[k].code_file);
		free(p.mods[k].debug_file);
	}
}

int main(int argc, char **argv)
{
	progname = "crash-synth";
	char **rest;
	int nrest;
	struct conf *c = conf_load(options, usage, argc, argv, &rest, &nrest);
	if (nrest)
		die(2, "unexpected argument '%s' (specs come on stdin)", rest[0]);
	free(rest);
	time_t day = parse_date(conf_str(c, "date"));

	struct spec *specs = NULL;
	int nspecs = 0, lineno = 0;
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, stdin) > 0) {
		lineno++;
		if (strspn(line, " \t\r\n") == strlen(line))
			continue;
		json_error_t jerr;
		json_t *j = json_loads(line, 0, &jerr);
		const char *err = "not a JSON object";
		specs = xrealloc(specs, (nspecs + 1) * sizeof *specs);
		if (!json_is_object(j) || !parse_spec(j, &specs[nspecs], &err))
			die(1, "stdin:%d: %s", lineno, j ? err : jerr.text);
		nspecs++;
	}
	free(line);
	write_symbols(conf_str(c, "symbols"));
	char *err;
	struct spool *sp = spool_open(conf_str(c, "out"), SPOOL_SYNC_NONE, &err);
	if (!sp)
		die(1, "%s", err);
	uint64_t rng = conf_int(c, "seed");
	long total = 0, planned = 0;
	for (int i = 0; i < nspecs; i++)
		planned += specs[i].count;
	struct progress p;
	progress_start(&p, "crashes made", planned);
	for (int i = 0; i < nspecs; i++)
		for (int k = 0; k < specs[i].count; k++, total++) {
			synthesize(sp, &specs[i], day, &rng);
			progress_add(&p, 1, 0, 0);
		}
	progress_end(&p);
	log_info("%ld crash%s in %s/new, symbols in %s", total, total == 1 ? "" : "es",
	    conf_str(c, "out"), conf_str(c, "symbols"));
	spool_close(sp);
	for (int i = 0; i < nspecs; i++) {
		json_decref(specs[i].json);
		free(specs[i].frames);
	}
	free(specs);
	conf_free(c);
	return 0;
}
