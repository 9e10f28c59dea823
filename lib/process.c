/*
 * process.c: the processor rules. Each reads the raw crash (annotations
 * as Breakpad, Crashpad or Socorro clients send them) or what earlier
 * rules produced, and sets fields of the processed crash, named as in
 * Socorro's processed crash.
 */
#include "crashid.h"
#include "fileio.h"
#include "process.h"
#include "signature.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_FRAMES_PER_THREAD 500
#define STARTUP_SECONDS 60
#define TOPMOST_FILES 10

struct pctx {
	const struct processor *p;
	const struct raw_input *in;
	json_t *raw, *out, *notes;
	bool interrupted;	/* a walker was stopped from outside */
};

struct rule {
	const char *name;
	int (*apply)(struct pctx *c);
};

static void note(struct pctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct pctx *c, const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	json_array_append_new(c->notes, json_string(s ? s : "out of memory"));
	free(s);
}

/* The first of several annotation names the raw crash has, as text. */
static const char *annotation(json_t *raw, const char *const *names)
{
	for (; *names; names++) {
		json_t *v = json_object_get(raw, *names);
		if (json_is_string(v) && json_string_length(v))
			return json_string_value(v);
	}
	return NULL;
}
#define ANNOTATION(raw, ...) annotation(raw, (const char *const[]){ __VA_ARGS__, NULL })

static void set_str(json_t *obj, const char *key, const char *value)
{
	if (value) {
		char *t = xstrdup(value);
		json_object_set_new(obj, key, json_string(strtrim(t)));
		free(t);
	}
}

/* An annotation that should be a whole number; false when it is not one. */
static bool number(const char *s, long long *n)
{
	if (!s)
		return false;
	char *end;
	double d = strtod(s, &end);
	while (*end == ' ')
		end++;
	if (end == s || *end || !isfinite(d))
		return false;
	*n = (long long)d;
	return true;
}

static bool now_iso(char out[33])
{
	iso8601_now(out);
	return true;
}

static int rule_identity(struct pctx *c)
{
	char ts[33];
	json_object_set_new(c->out, "uuid", json_string(c->in->crash_id));
	json_object_set_new(c->out, "crash_id", json_string(c->in->crash_id));
	now_iso(ts);
	json_object_set_new(c->out, "started_datetime", json_string(ts));
	/* Reports group by the day the collector received the crash. */
	const char *submitted = ANNOTATION(c->raw, "submitted_timestamp");
	if (submitted) {
		json_object_set_new(c->out, "date_processed", json_string(submitted));
		json_object_set_new(c->out, "submitted_timestamp", json_string(submitted));
		return 0;
	}
	char day[9];
	crashid_date(c->in->crash_id, day);
	snprintf(ts, sizeof ts, "%.4s-%.2s-%.2sT00:00:00+00:00", day, day + 4, day + 6);
	json_object_set_new(c->out, "date_processed", json_string(ts));
	note(c, "no submitted_timestamp: the crash ID's date is used");
	return 0;
}

static int rule_product(struct pctx *c)
{
	set_str(c->out, "product", ANNOTATION(c->raw, "ProductName", "prod", "product"));
	set_str(c->out, "version", ANNOTATION(c->raw, "Version", "ver", "version"));
	set_str(c->out, "release_channel", ANNOTATION(c->raw, "ReleaseChannel", "channel", "release_channel"));
	set_str(c->out, "build", ANNOTATION(c->raw, "BuildID", "buildid", "build_id"));
	set_str(c->out, "product_id", ANNOTATION(c->raw, "ProductID"));
	const char *ptype = ANNOTATION(c->raw, "ProcessType", "ptype", "process_type");
	set_str(c->out, "process_type", ptype ? ptype : "parent");
	if (!json_object_get(c->out, "product")) {
		note(c, "no product name");
		return -1;
	}
	return 0;
}

static void set_int(json_t *obj, const char *key, long long n)
{
	json_object_set_new(obj, key, json_integer(n));
}

static int rule_times(struct pctx *c)
{
	long long crash_time, start, install, uptime, n;
	bool have_crash = number(ANNOTATION(c->raw, "CrashTime", "crash_time"), &crash_time);
	if (have_crash)
		set_int(c->out, "crash_time", crash_time);
	if (number(ANNOTATION(c->raw, "UptimeTS"), &uptime) ||
	    (have_crash && number(ANNOTATION(c->raw, "StartupTime"), &start) &&
	    (uptime = crash_time - start, true)))
		set_int(c->out, "uptime", uptime < 0 ? 0 : uptime);
	if (number(ANNOTATION(c->raw, "InstallTime"), &install)) {
		set_int(c->out, "install_time", install);
		if (have_crash)
			set_int(c->out, "install_age", crash_time - install);
	}
	if (number(ANNOTATION(c->raw, "SecondsSinceLastCrash"), &n))
		set_int(c->out, "last_crash", n);
	const char *startup = ANNOTATION(c->raw, "StartupCrash");
	json_t *up = json_object_get(c->out, "uptime");
	if (startup)
		json_object_set_new(c->out, "startup_crash", json_boolean(strcmp(startup, "1") == 0));
	else if (up)
		json_object_set_new(c->out, "startup_crash",
		    json_boolean(json_integer_value(up) < STARTUP_SECONDS));
	return 0;
}

static int rule_hang(struct pctx *c)
{
	const char *hang = ANNOTATION(c->raw, "Hang");
	int type = hang && (strcmp(hang, "1") == 0 || strcmp(hang, "true") == 0) ? 1
	    : ANNOTATION(c->raw, "HangID") ? -1 : 0;
	set_int(c->out, "hang_type", type);
	return 0;
}

/* "id:version,id:version" -> ["id:version", ...] */
static json_t *addon_list(const char *s)
{
	json_t *list = json_array();
	char *copy = xstrdup(s), *save;
	for (char *a = strtok_r(copy, ",", &save); a; a = strtok_r(NULL, ",", &save))
		if (*strtrim(a))
			json_array_append_new(list, json_string(a));
	free(copy);
	return list;
}

static int rule_annotations(struct pctx *c)
{
	static const char *const copied[][2] = {
		{ "url", "URL" }, { "email", "Email" }, { "user_comments", "Comments" },
		{ "app_notes", "Notes" }, { "adapter_vendor_id", "AdapterVendorID" },
		{ "adapter_device_id", "AdapterDeviceID" }, { "moz_crash_reason", "MozCrashReason" },
		{ "abort_message", "AbortMessage" }, { "async_shutdown_timeout", "AsyncShutdownTimeout" },
		{ "ipc_channel_error", "ipc_channel_error" }, { "ipc_message_name", "IPCMessageName" },
		{ "js_large_allocation_failure", "JSLargeAllocationFailure" },
		{ "java_stack_trace", "JavaStackTrace" }, { "distribution_id", "DistributionID" },
	};
	for (size_t i = 0; i < sizeof copied / sizeof copied[0]; i++)
		set_str(c->out, copied[i][0], ANNOTATION(c->raw, copied[i][1]));
	long long n;
	if (number(ANNOTATION(c->raw, "OOMAllocationSize"), &n))
		set_int(c->out, "oom_allocation_size", n);
	const char *addons = ANNOTATION(c->raw, "Add-ons");
	if (addons)
		json_object_set_new(c->out, "addons", addon_list(addons));
	const char *java = ANNOTATION(c->raw, "JavaException");
	json_t *exception = java ? json_loads(java, 0, NULL) : NULL;
	if (exception)
		json_object_set_new(c->out, "java_exception", exception);
	else if (java)
		note(c, "JavaException is not JSON");
	json_t *meta = json_object_get(c->raw, "metadata");
	json_t *sum = json_object_get(json_object_get(meta, "dump_checksums"), "upload_file_minidump");
	if (json_is_string(sum))
		json_object_set(c->out, "minidump_sha256_hash", sum);
	json_t *rate = json_object_get(meta, "throttle_rate");
	set_int(c->out, "throttle_rate", json_is_integer(rate) ? json_integer_value(rate) : 100);
	return 0;
}

static bool is_main_dump(const char *name)
{
	return strcmp(name, "upload_file_minidump") == 0;
}

/* The stackwalker's output for one dump, or a stub that says why not. */
static json_t *walk_one(struct pctx *c, const char *name, const char *path, const char **status)
{
	struct walk_request req = {
		c->p->stackwalk, path, c->p->symbols, c->p->symbol_cache, c->p->limits,
		c->p->walker_args,
	};
	struct walk_result r;
	walker_walk(c->p->walker, &req, &r);
	c->interrupted |= r.interrupted;
	json_t *dump = r.json ? json_incref(r.json) : json_object();
	if (strcmp(r.status, "OK") != 0) {
		note(c, "stackwalker: %s: %s%s%s", name, r.status, r.message ? ": " : "",
		    r.message ? r.message : "");
		json_object_set_new(dump, "status", json_string(r.status));
	}
	json_t *st = json_object_get(dump, "status");
	*status = json_is_string(st) ? json_string_value(st) : "OK";
	json_object_set_new(c->out, "stackwalk_ms", json_real(round(r.ms * 10) / 10));
	walk_result_free(&r);
	return dump;
}

/*
 * Where another dump's walk goes: under its own name for Firefox's
 * upload_file_minidump_<process> dumps, else under "dump_<name>", so that
 * no dump name can replace a field of the processed crash.
 */
static char *other_dump_key(const char *name)
{
	return strncmp(name, "upload_file_minidump_", 21) == 0 ? xstrdup(name)
	    : xasprintf("dump_%s", name);
}

static int rule_stackwalk(struct pctx *c)
{
	const char *const *names = c->in->dump_names;
	json_t *others = json_array();
	bool have_main = false;
	for (size_t i = 0; names && names[i]; i++) {
		/* The main dump, or a lone dump of another name. */
		bool main_dump = is_main_dump(names[i]) || (!names[1] && !have_main);
		if (!main_dump && !file_has_magic(c->in->dump_paths[i], "MDMP", 4)) {
			note(c, "%s is not a minidump: not walked", names[i]);
			continue;
		}
		const char *status;
		json_t *dump = walk_one(c, names[i], c->in->dump_paths[i], &status);
		if (main_dump) {
			have_main = true;
			json_object_set_new(c->out, "json_dump", dump);
			json_object_set_new(c->out, "mdsw_status_string", json_string(status));
		} else {
			char *key = other_dump_key(names[i]);
			json_object_set_new(c->out, key, json_pack("{s:o,s:s}", "json_dump", dump,
			    "mdsw_status_string", status));
			free(key);
			json_array_append_new(others, json_string(names[i]));
		}
	}
	json_object_set_new(c->out, "additional_minidumps", others);
	if (!have_main) {
		json_object_set_new(c->out, "mdsw_status_string", json_string("ERROR_NO_MINIDUMP"));
		note(c, "no minidump in the crash");
		return -1;
	}
	return 0;
}

static json_t *json_dump(struct pctx *c)
{
	return json_object_get(c->out, "json_dump");
}

static void copy_member(json_t *to, const char *key, json_t *from, const char *from_key)
{
	json_t *v = json_object_get(from, from_key);
	if (v && !json_is_null(v))
		json_object_set(to, key, v);
}

static int rule_crash_info(struct pctx *c)
{
	json_t *info = json_object_get(json_dump(c), "crash_info");
	json_t *sys = json_object_get(json_dump(c), "system_info");
	if (!info && !sys)
		return 0;	/* the stackwalk rule said why */
	copy_member(c->out, "crashing_thread", info, "crashing_thread");
	copy_member(c->out, "reason", info, "type");
	copy_member(c->out, "address", info, "address");
	copy_member(c->out, "os_name", sys, "os");
	copy_member(c->out, "os_version", sys, "os_ver");
	copy_member(c->out, "cpu_arch", sys, "cpu_arch");
	copy_member(c->out, "cpu_info", sys, "cpu_info");
	copy_member(c->out, "cpu_count", sys, "cpu_count");
	return 0;
}

static void truncate_frames(struct pctx *c, json_t *thread, size_t index)
{
	json_t *frames = json_object_get(thread, "frames");
	size_t n = json_array_size(frames);
	if (n <= MAX_FRAMES_PER_THREAD)
		return;
	json_t *kept = json_array();
	for (size_t i = 0; i < MAX_FRAMES_PER_THREAD; i++)
		json_array_append(kept, json_array_get(frames, i));
	json_object_set_new(thread, "frames", kept);
	json_object_set_new(thread, "frames_truncated", json_true());
	json_object_set_new(thread, "total_frames", json_integer((json_int_t)n));
	note(c, "thread %zu: %zu frames truncated to %d", index, n, MAX_FRAMES_PER_THREAD);
}

static int rule_truncate(struct pctx *c)
{
	json_t *threads = json_object_get(json_dump(c), "threads"), *t;
	size_t i;
	json_array_foreach(threads, i, t)
		truncate_frames(c, t, i);
	json_t *crashing = json_object_get(json_dump(c), "crashing_thread");
	if (crashing)
		truncate_frames(c, crashing, (size_t)json_integer_value(json_object_get(c->out, "crashing_thread")));
	return 0;
}

static bool list_has(json_t *list, const char *s)
{
	json_t *v;
	size_t i;
	json_array_foreach(list, i, v)
		if (strcmp(json_string_value(v), s) == 0)
			return true;
	return false;
}

static json_t *module_by_name(json_t *modules, const char *filename)
{
	json_t *m;
	size_t i;
	json_array_foreach(modules, i, m) {
		const char *f = json_string_value(json_object_get(m, "filename"));
		if (f && strcmp(f, filename) == 0)
			return m;
	}
	return NULL;
}

static char *module_key(json_t *m)
{
	const char *file = json_string_value(json_object_get(m, "debug_file"));
	const char *id = json_string_value(json_object_get(m, "debug_id"));
	return xasprintf("%s/%s", file ? file : "", id ? id : "");
}

static int rule_modules(struct pctx *c)
{
	json_t *modules = json_object_get(json_dump(c), "modules"), *m, *f;
	json_t *in_stack = json_array(), *missing = json_array(), *files = json_array();
	size_t i;
	json_array_foreach(modules, i, m) {
		if (json_is_true(json_object_get(m, "missing_symbols"))) {
			char *key = module_key(m);
			json_array_append_new(missing, json_string(key));
			free(key);
		}
	}
	json_t *thread = json_object_get(json_dump(c), "crashing_thread");
	json_array_foreach(json_object_get(thread, "frames"), i, f) {
		const char *name = json_string_value(json_object_get(f, "module"));
		json_t *mod = name ? module_by_name(modules, name) : NULL;
		char *key = mod ? module_key(mod) : NULL;
		if (key && !list_has(in_stack, key))
			json_array_append_new(in_stack, json_string(key));
		free(key);
		const char *file = json_string_value(json_object_get(f, "file"));
		if (file && i < TOPMOST_FILES && !list_has(files, file))
			json_array_append_new(files, json_string(file));
	}
	json_object_set_new(c->out, "modules_in_stack", in_stack);
	json_object_set_new(c->out, "missing_symbols", missing);
	set_int(c->out, "modules_missing_symbols", (long long)json_array_size(missing));
	json_object_set_new(c->out, "topmost_filenames", files);
	return 0;
}

static int rule_signature(struct pctx *c)
{
	json_t *input = signature_input_from_processed(c->out), *n;
	struct signature sig;
	size_t i;
	signature_generate(c->p->sl, input, &sig);
	json_object_set_new(c->out, "signature", json_string(sig.signature));
	if (sig.proto_signature)
		json_object_set_new(c->out, "proto_signature", json_string(sig.proto_signature));
	json_array_foreach(sig.notes, i, n)
		note(c, "signature: %s", json_string_value(n));
	signature_free(&sig);
	json_decref(input);
	return 0;
}

static const struct rule rules[] = {
	{ "identity", rule_identity },
	{ "product", rule_product },
	{ "times", rule_times },
	{ "hang", rule_hang },
	{ "annotations", rule_annotations },
	{ "stackwalk", rule_stackwalk },
	{ "crash_info", rule_crash_info },
	{ "truncate", rule_truncate },
	{ "modules", rule_modules },
	{ "signature", rule_signature },
};

const char *const process_rule_names[] = {
	"identity", "product", "times", "hang", "annotations", "stackwalk", "crash_info",
	"truncate", "modules", "signature", NULL,
};

json_t *process_crash(const struct processor *p, const struct raw_input *in, bool *interrupted)
{
	struct pctx c = { p, in, in->raw, json_object(), json_array(), false };
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
		if (rules[i].apply(&c) != 0)
			note(&c, "rule %s incomplete", rules[i].name);
	const char *status = json_string_value(json_object_get(c.out, "mdsw_status_string"));
	json_object_set_new(c.out, "success", json_boolean(status && strcmp(status, "OK") == 0));
	char ts[33];
	now_iso(ts);
	json_object_set_new(c.out, "completed_datetime", json_string(ts));
	/* Socorro keeps the notes as one string. */
	struct buf notes;
	json_t *n;
	size_t i;
	buf_init(&notes);
	json_array_foreach(c.notes, i, n)
		buf_printf(&notes, "%s%s", i ? "; " : "", json_string_value(n));
	json_object_set_new(c.out, "processor_notes", json_string(notes.data ? notes.data : ""));
	buf_free(&notes);
	json_decref(c.notes);
	*interrupted = c.interrupted;
	return c.out;
}
