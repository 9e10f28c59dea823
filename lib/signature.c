/*
 * signature.c: the signature rules, run in Socorro's order, each seeing
 * the signature the ones before it left.
 *
 *   1  stack        the crashing thread's frames (or the Java exception)
 *   2  stackwalker  EMPTY signatures say why: "; <stackwalker status>"
 *   3  hardware     "bad hardware | " for STATUS_DEVICE_DATA_ERROR
 *   4  oom          "OOM | small", "OOM | large | ...", "OOM | unknown | ..."
 *   5  abort        "Abort | <message> | ..."
 *   6  shutdown     "AsyncShutdownTimeout | <phase> | <conditions>"
 *   7  watchdog     "shutdownhang | " and thread 0's stack
 *   8  ipc error    "IPCError-browser | ..." or "IPCError-content | ..."
 *   9  ipc message  "... | IPC_Message_Name=<name>"
 *  10  overflow     "stackoverflow | "
 *  11  hang         "hang: <value> | "
 *  12  whitespace   one space wherever there was white space
 *  13  truncate     255 code points at most
 */
#include "pystr.h"
#include "sigframe.h"
#include "siglists.h"
#include "signature.h"
#include "util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FRAMES 40
#define MAX_SIGNATURE 255
#define SMALL_OOM 262144
#define EMPTY_STACK "EMPTY: no frame data available"

struct sigctx {
	const struct siglists *sl;
	const char *rule;	/* the rule running, for notes */
	json_t *crash;
	char *sig;
	char *proto;
	json_t *notes;
};

struct rule {
	const char *name;
	void (*apply)(struct sigctx *ctx);
};

static void note(struct sigctx *ctx, const char *msg)
{
	char *s = xasprintf("%s: %s", ctx->rule, msg);
	json_array_append_new(ctx->notes, json_string(s));
	free(s);
}

static void set_sig(struct sigctx *ctx, char *sig)
{
	free(ctx->sig);
	ctx->sig = sig;
}

static const char *str_field(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A non-empty string field, or NULL: the rules' "is it set" test. */
static const char *set_field(json_t *obj, const char *key)
{
	const char *s = str_field(obj, key);
	return s && *s ? s : NULL;
}

/* crashing_thread as Socorro reads it: missing or not a number is 0. */
static long long crashing_thread_index(json_t *crash)
{
	json_t *v = json_object_get(crash, "crashing_thread");
	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v))
		return (long long)json_real_value(v);
	if (json_is_true(v))
		return 1;
	if (json_is_string(v)) {
		char *end;
		long long n = strtoll(json_string_value(v), &end, 10);
		while (*end == ' ' || *end == '\t' || *end == '\n')
			end++;
		if (end != json_string_value(v) && !*end)
			return n;
	}
	return 0;
}

/* threads[index] with Python's negative indexes; NULL past either end. */
static json_t *thread_at(json_t *crash, long long index)
{
	json_t *threads = json_object_get(crash, "threads");
	long long n = (long long)json_array_size(threads);
	if (index < 0)
		index += n;
	if (index < 0 || index >= n)
		return NULL;
	return json_array_get(threads, (size_t)index);
}

static char *lower_ascii(const char *s)
{
	char *l = xstrdup(s);
	for (char *p = l; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return l;
}

struct frame_list {
	char *v[MAX_FRAMES];
	size_t n;
};

static void frame_list_free(struct frame_list *fl)
{
	for (size_t i = 0; i < fl->n; i++)
		free(fl->v[i]);
	fl->n = 0;
}

/* The first 40 normalized frames of a thread, inlined frames first. */
static void normalize_thread(struct sigctx *ctx, json_t *thread, struct frame_list *fl)
{
	bool windows = strcmp(str_field(ctx->crash, "os") ? str_field(ctx->crash, "os") : "",
	    "Windows NT") == 0;
	json_t *frames = json_object_get(thread, "frames"), *frame;
	size_t i;
	fl->n = 0;
	json_array_foreach(frames, i, frame) {
		if (fl->n == MAX_FRAMES)
			break;
		const char *m = str_field(frame, "module");
		char *module = m ? (windows ? lower_ascii(m) : xstrdup(m)) : NULL;
		json_t *inl;
		size_t j;
		json_array_foreach(json_object_get(frame, "inlines"), j, inl) {
			if (fl->n < MAX_FRAMES)
				fl->v[fl->n++] = sigframe_normalize(ctx->sl, inl, module ? module : "");
		}
		if (fl->n < MAX_FRAMES)
			fl->v[fl->n++] = sigframe_normalize(ctx->sl, frame, module ? module : "");
		free(module);
	}
}

/* Frames that repeat when a module without symbols fills the stack. */
static bool is_module_frame(const char *f)
{
	size_t len = strlen(f);
	return (len >= 4 && (strcasecmp(f + len - 4, ".dll") == 0)) ||
	    (len >= 3 && strcasecmp(f + len - 3, ".so") == 0) ||
	    strcmp(f, "XUL") == 0 || strcmp(f, "<name omitted>") == 0 ||
	    strncmp(f, "<unknown in ", 12) == 0;
}

/* The C/C++/Rust signature of a list of normalized frames. */
static char *stack_signature(struct sigctx *ctx, struct frame_list *fl)
{
	size_t start = 0;
	for (size_t i = 0; i < fl->n; i++)
		if (siglists_sentinel(ctx->sl, fl->v[i])) {
			start = i;
			note(ctx, "starting at a sentinel frame");
			break;
		}
	struct buf sig;
	const char *last = NULL;
	buf_init(&sig);
	for (size_t i = start; i < fl->n; i++) {
		const char *f = fl->v[i];
		if (!*f || siglists_irrelevant(ctx->sl, f))
			continue;
		if (last && strcmp(f, last) == 0 && is_module_frame(f))
			continue;
		if (last)
			buf_puts(&sig, " | ");
		buf_puts(&sig, f);
		last = f;
		if (!siglists_prefix(ctx->sl, f))
			break;
	}
	if (last)
		return buf_steal(&sig);
	if (start < fl->n)
		return xstrdup(fl->v[start]);
	note(ctx, "no frame data available");
	return xstrdup(EMPTY_STACK);
}

static char *join_frames(struct frame_list *fl)
{
	struct buf b;
	buf_init(&b);
	for (size_t i = 0; i < fl->n; i++) {
		if (i)
			buf_puts(&b, " | ");
		buf_puts(&b, fl->v[i]);
	}
	return buf_steal(&b);
}

/* Rule 1 for a given thread (rule 7 uses thread 0 whatever crashed). */
static void signature_of_thread(struct sigctx *ctx, json_t *thread)
{
	json_t *java = json_object_get(ctx->crash, "java_stack_trace");
	if (py_truthy(java)) {
		set_sig(ctx, json_is_string(java) ? signature_java_stack_trace(json_string_value(java))
		    : xstrdup("EMPTY: Java stack trace not in expected format"));
		return;
	}
	json_t *exception = json_object_get(ctx->crash, "java_exception");
	if (py_truthy(exception)) {
		set_sig(ctx, signature_java_exception(exception));
		return;
	}
	struct frame_list fl;
	normalize_thread(ctx, thread, &fl);
	set_sig(ctx, stack_signature(ctx, &fl));
	if (fl.n) {
		free(ctx->proto);
		ctx->proto = join_frames(&fl);
	}
	frame_list_free(&fl);
}

static void rule_stack(struct sigctx *ctx)
{
	signature_of_thread(ctx, thread_at(ctx->crash, crashing_thread_index(ctx->crash)));
}

static void rule_stackwalker_error(struct sigctx *ctx)
{
	const char *status = set_field(ctx->crash, "mdsw_status_string");
	if (status && strncmp(ctx->sig, "EMPTY", 5) == 0)
		set_sig(ctx, xasprintf("%s; %s", ctx->sig, status));
}

static void rule_bad_hardware(struct sigctx *ctx)
{
	const char *reason = str_field(ctx->crash, "reason");
	if (reason && strstr(reason, "STATUS_DEVICE_DATA_ERROR"))
		set_sig(ctx, xasprintf("bad hardware | %s", ctx->sig));
}

static bool looks_like_oom(struct sigctx *ctx)
{
	static const char *const fragments[] = {
		"NS_ABORT_OOM", "mozalloc_handle_oom", "CrashAtUnhandlableOOM",
		"AutoEnterOOMUnsafeRegion", "alloc::oom::oom",
	};
	if (py_truthy(json_object_get(ctx->crash, "oom_allocation_size")))
		return true;
	if (!*ctx->sig)
		return false;
	for (size_t i = 0; i < sizeof fragments / sizeof fragments[0]; i++)
		if (strstr(ctx->sig, fragments[i]))
			return true;
	json_t *thread = thread_at(ctx->crash, crashing_thread_index(ctx->crash));
	const char *error = str_field(thread, "last_error_value");
	if (error && (strcmp(error, "ERROR_COMMITMENT_LIMIT") == 0 ||
	    strcmp(error, "ERROR_NOT_ENOUGH_MEMORY") == 0))
		return true;
	const char *reason = str_field(ctx->crash, "reason");
	if (reason && (strcmp(reason, "STATUS_FATAL_MEMORY_EXHAUSTION") == 0 ||
	    strcmp(reason, "STATUS_NO_MEMORY") == 0))
		return true;
	const char *large = str_field(ctx->crash, "js_large_allocation_failure");
	return large && strcmp(large, "Reporting") == 0;
}

/* int(oom_allocation_size); false when it has no number. */
static bool oom_size(json_t *v, long long *size)
{
	if (json_is_integer(v))
		*size = json_integer_value(v);
	else if (json_is_real(v))
		*size = (long long)json_real_value(v);
	else if (json_is_boolean(v))
		*size = json_is_true(v);
	else if (json_is_string(v)) {
		char *end;
		*size = strtoll(json_string_value(v), &end, 10);
		return end != json_string_value(v);
	} else
		return false;
	return true;
}

static void rule_oom(struct sigctx *ctx)
{
	if (!looks_like_oom(ctx))
		return;
	const char *large = str_field(ctx->crash, "js_large_allocation_failure");
	long long size;
	if (large && strcmp(large, "Reporting") == 0)
		set_sig(ctx, xasprintf("OOM | large | %s", ctx->sig));
	else if (!oom_size(json_object_get(ctx->crash, "oom_allocation_size"), &size))
		set_sig(ctx, xasprintf("OOM | unknown | %s", ctx->sig));
	else if (size <= SMALL_OOM)
		set_sig(ctx, xstrdup("OOM | small"));
	else
		set_sig(ctx, xasprintf("OOM | large | %s", ctx->sig));
}

char *signature_printable(const char *s, size_t len)
{
	char *out = xmalloc(len + 1), *o = out;
	for (size_t i = 0; i < len; i++)
		if (s[i] >= 0x20 && s[i] <= 0x7e)
			*o++ = s[i];
	*o = 0;
	return out;
}

char *signature_abort(const char *message, const char *signature)
{
	if (strstr(message, "###!!! ABORT: file "))
		return xasprintf("Abort | %s", signature);
	const char *start = strstr(message, "###!!! ABORT:");
	start = start ? start + strlen("###!!! ABORT:") : message;
	const char *end = strstr(start, ": file ");
	char *msg = end ? xstrndup(start, (size_t)(end - start)) : xstrdup(start);
	/* These carry a localized font name in parentheses. */
	char *open = strstr(msg, "unable to find a usable font") ? strchr(msg, '(') : NULL;
	char *close = open ? strrchr(msg, ')') : NULL;
	if (open && close) {
		/* msg[:open] + msg[close + 1:], even when ')' comes first. */
		char *cut = xasprintf("%.*s%s", (int)(open - msg), msg, close + 1);
		free(msg);
		msg = cut;
	}
	char *clean = signature_printable(msg, strlen(msg));
	char *stripped = py_strip(clean);
	char *cut = py_truncate(stripped, 80, 77, "...");
	char *out = xasprintf("Abort | %s | %s", cut, signature);
	free(msg);
	free(clean);
	free(stripped);
	free(cut);
	return out;
}

static void rule_abort(struct sigctx *ctx)
{
	json_t *v = json_object_get(ctx->crash, "abort_message");
	if (!json_is_string(v) || !json_string_length(v))
		return;
	/* A NUL would end the C string early; it is dropped anyway, like 0x01. */
	size_t len = json_string_length(v);
	char *message = xstrndup(json_string_value(v), len);
	for (size_t i = 0; i < len; i++)
		if (!message[i])
			message[i] = 1;
	set_sig(ctx, signature_abort(message, ctx->sig));
	free(message);
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Condition names, sorted and comma-joined; false if one has none. */
static bool shutdown_conditions(json_t *conditions, struct buf *out)
{
	size_t n = json_array_size(conditions), i;
	const char **names = xcalloc(n + 1, sizeof *names);
	json_t *c;
	bool ok = true;
	json_array_foreach(conditions, i, c) {
		names[i] = json_is_string(c) ? json_string_value(c) : str_field(c, "name");
		if (!names[i])
			ok = false;
	}
	if (ok) {
		/* strcmp on UTF-8 orders by code point, as Python's sort does. */
		qsort(names, n, sizeof *names, compare_strings);
		for (i = 0; i < n; i++)
			buf_printf(out, "%s%s", i ? "," : "", names[i]);
		if (!n)
			buf_puts(out, "(none)");
	}
	free(names);
	return ok;
}

static void rule_shutdown_timeout(struct sigctx *ctx)
{
	const char *text = set_field(ctx->crash, "async_shutdown_timeout");
	if (!text)
		return;
	struct buf sig;
	buf_init(&sig);
	buf_puts(&sig, "AsyncShutdownTimeout");
	json_t *data = json_loads(text, JSON_DECODE_ANY, NULL);
	if (!json_is_object(data)) {
		note(ctx, "AsyncShutdownTimeout is not a JSON object");
		buf_puts(&sig, " | UNKNOWN");
	} else {
		const char *phase = set_field(data, "phase");
		buf_printf(&sig, " | %s | ", phase ? phase : "(unknown)");
		if (!shutdown_conditions(json_object_get(data, "conditions"), &sig)) {
			note(ctx, "a condition has no name");
			buf_puts(&sig, "UNKNOWN");
		}
	}
	json_decref(data);
	set_sig(ctx, buf_steal(&sig));
}

static void rule_shutdown_hang(struct sigctx *ctx)
{
	if (!strstr(ctx->sig, "RunWatchdog"))
		return;
	/* The watchdog killed the process because thread 0 hung: use it. */
	signature_of_thread(ctx, thread_at(ctx->crash, 0));
	set_sig(ctx, xasprintf("shutdownhang | %s", ctx->sig));
}

static bool has_browser_dump(json_t *crash)
{
	json_t *dumps = json_object_get(crash, "additional_minidumps"), *d;
	size_t i;
	if (json_is_string(dumps))
		return strstr(json_string_value(dumps), "upload_file_minidump_browser") != NULL;
	json_array_foreach(dumps, i, d)
		if (json_is_string(d) && strcmp(json_string_value(d), "upload_file_minidump_browser") == 0)
			return true;
	return false;
}

static void rule_ipc_error(struct sigctx *ctx)
{
	const char *error = set_field(ctx->crash, "ipc_channel_error");
	if (!error)
		return;
	size_t cut = utf8_offset(error, 100);
	set_sig(ctx, xasprintf("IPCError-%s | %.*s", has_browser_dump(ctx->crash) ? "browser" : "content",
	    (int)cut, error));
}

static void rule_ipc_message(struct sigctx *ctx)
{
	const char *name = set_field(ctx->crash, "ipc_message_name");
	if (name)
		set_sig(ctx, xasprintf("%s | IPC_Message_Name=%s", ctx->sig, name));
}

static void rule_stack_overflow(struct sigctx *ctx)
{
	const char *reason = str_field(ctx->crash, "reason");
	if (reason && strcmp(reason, "EXCEPTION_STACK_OVERFLOW") == 0)
		set_sig(ctx, xasprintf("stackoverflow | %s", ctx->sig));
}

static void rule_hang(struct sigctx *ctx)
{
	json_t *hang = json_object_get(ctx->crash, "hang");
	if (!hang || json_is_null(hang))
		return;
	char *value = py_str(hang);
	set_sig(ctx, xasprintf("hang: %s | %s", value, ctx->sig));
	free(value);
}

static void rule_whitespace(struct sigctx *ctx)
{
	set_sig(ctx, py_collapse_space(ctx->sig));
}

static void rule_truncate(struct sigctx *ctx)
{
	if (utf8_count(ctx->sig) > MAX_SIGNATURE) {
		note(ctx, "signature truncated to 255 characters");
		set_sig(ctx, py_truncate(ctx->sig, MAX_SIGNATURE, MAX_SIGNATURE - 3, "..."));
	}
}

static const struct rule rules[] = {
	{ "stack", rule_stack },
	{ "stackwalker_error", rule_stackwalker_error },
	{ "bad_hardware", rule_bad_hardware },
	{ "oom", rule_oom },
	{ "abort", rule_abort },
	{ "shutdown_timeout", rule_shutdown_timeout },
	{ "shutdown_hang", rule_shutdown_hang },
	{ "ipc_error", rule_ipc_error },
	{ "ipc_message", rule_ipc_message },
	{ "stack_overflow", rule_stack_overflow },
	{ "hang", rule_hang },
	{ "whitespace", rule_whitespace },
	{ "truncate", rule_truncate },
};

void signature_generate(const struct siglists *sl, json_t *crash_data, struct signature *out)
{
	struct sigctx ctx = { .sl = sl, .crash = crash_data, .sig = xstrdup(""),
		.notes = json_array() };
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
		ctx.rule = rules[i].name;
		rules[i].apply(&ctx);
	}
	out->signature = ctx.sig;
	out->proto_signature = ctx.proto;
	out->notes = ctx.notes;
}

void signature_free(struct signature *sig)
{
	free(sig->signature);
	free(sig->proto_signature);
	json_decref(sig->notes);
	memset(sig, 0, sizeof *sig);
}

/* Copies processed[from] to input[to] when present. */
static void copy_field(json_t *input, const char *to, json_t *processed, const char *from)
{
	json_t *v = json_object_get(processed, from);
	if (v && !json_is_null(v))
		json_object_set(input, to, v);
}

json_t *signature_input_from_processed(json_t *processed)
{
	static const char *const same[] = {
		"reason", "abort_message", "oom_allocation_size", "async_shutdown_timeout",
		"ipc_channel_error", "ipc_message_name", "additional_minidumps",
		"js_large_allocation_failure", "mdsw_status_string", "java_stack_trace",
		"java_exception", "hang", "hang_type",
	};
	json_t *input = json_object();
	json_t *dump = json_object_get(processed, "json_dump");
	copy_field(input, "os", processed, "os_name");
	copy_field(input, "crashing_thread", json_object_get(dump, "crash_info"), "crashing_thread");
	copy_field(input, "threads", dump, "threads");
	for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
		copy_field(input, same[i], processed, same[i]);
	return input;
}
