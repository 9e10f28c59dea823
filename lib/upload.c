/*
 * upload.c: one crash upload, streamed from the wire into the spool.
 *
 * Flow: wire bytes -> (inflate) -> multipart parser -> parts. A part with
 * a filename is a dump, written straight to its file in the spool while
 * its SHA-256 is computed; a text part without a filename is an
 * annotation; an application/json part holds many annotations at once.
 * The first error is kept and decides the answer; the rest of the body is
 * then read and dropped so that the client hears it.
 */

#include "upload.h"
#include "crashid.h"
#include "fileio.h"
#include "multipart.h"
#include "sha256.h"
#include "spool.h"
#include "throttle.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define MAX_NAME 100
#define MAX_JSON_DEPTH 32
/* Past this multiple of the wire limit a body is cut off, not drained. */
#define DRAIN_FACTOR 4
#define DUMP_PAGE 4096	/* dumps are written in multiples of this */
#define WRITEBACK_STEP (256 << 10)	/* a dump's bytes go to the disk in steps of this */

enum part_kind { PART_NONE, PART_ANNOTATION, PART_JSON, PART_DUMP, PART_SKIP };

struct upload {
	const struct upload_env *env;
	struct spool_crash *crash;
	char tmpname[CRASHID_LEN + 1];
	struct timespec received;

	bool gzip, z_done;
	z_stream z;
	unsigned char zout[32768];

	struct multipart *mp;
	long long wire, decompressed, annotation_bytes;
	int nparts;

	int err_status;		/* 0 until the first error */
	char err_reason[64];

	json_t *annotations, *query, *checksums, *sizes, *notes;
	char *user_agent;

	enum part_kind kind;
	char *part_name;
	struct buf value;
	int fd;
	struct sha256 sha;
	long long part_size;
	char held[DUMP_PAGE];	/* a dump's bytes past its last whole page */
	size_t nheld;
	long long sent;		/* a dump's bytes handed to the disk */
};

struct upload_limits upload_default_limits(void)
{
	return (struct upload_limits){
		.max_wire = 20LL << 20,
		.max_decompressed = 100LL << 20,
		.max_parts = 64,
		.max_annotation = 512LL << 10,
		.max_annotations = 2LL << 20,
	};
}

static void set_error(struct upload *u, int status, const char *reason)
{
	if (u->err_status)
		return;
	u->err_status = status;
	snprintf(u->err_reason, sizeof u->err_reason, "%s", reason);
	if (u->fd >= 0) {
		close(u->fd);
		u->fd = -1;
	}
}

static void note(struct upload *u, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void note(struct upload *u, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	json_array_append_new(u->notes, json_string(msg));
}

/* Whether a Content-Type value is the media type mt, parameters aside. */
static bool is_media_type(const char *ct, const char *mt)
{
	const char *rest = strip_prefix_ci(ct, mt);
	return rest && (!*rest || *rest == ';' || *rest == ' ' || *rest == '\t');
}

/* Dump names become file names: [A-Za-z0-9_-] only, never a path. */
static char *dump_file_name(struct upload *u, const char *field)
{
	static const char *const reserved[] = {
		"raw_crash", "dump_names", "processed_crash", "dump", NULL
	};
	char name[MAX_NAME + 16];
	size_t n = 0;
	for (const char *p = field; *p && n < MAX_NAME; p++)
		name[n++] = isalnum((unsigned char)*p) || *p == '_' || *p == '-' ? *p : '_';
	name[n] = 0;
	if (!n)
		strcpy(name, "unnamed");
	for (int i = 0; reserved[i]; i++)
		if (!strcmp(name, reserved[i])) {
			memmove(name + 6, name, strlen(name) + 1);
			memcpy(name, "field_", 6);
		}
	if (strcmp(name, field))
		note(u, "dump field name '%.100s' stored as '%s'", field, name);
	/* A repeated field gets a numbered name instead of overwriting. */
	char *base = xstrdup(name);
	for (int i = 2; json_object_get(u->sizes, name); i++)
		snprintf(name, sizeof name, "%s_%d", base, i);
	free(base);
	return xstrdup(name);
}

static int on_part_begin(void *ctx, const struct multipart_part *part)
{
	struct upload *u = ctx;
	if (++u->nparts > u->env->limits.max_parts) {
		set_error(u, 400, "malformed_too_many_parts");
		return -1;
	}
	buf_reset(&u->value);
	u->part_size = 0;
	if (is_media_type(part->content_type, "application/json")) {
		u->kind = PART_JSON;
		u->part_name = xstrdup(part->name);
	} else if (!part->filename) {
		u->kind = *part->name ? PART_ANNOTATION : PART_SKIP;
		u->part_name = utf8_sanitize(part->name, strnlen(part->name, MAX_NAME), NULL);
		if (!*part->name)
			note(u, "annotation without a name dropped");
	} else {
		u->kind = PART_DUMP;
		u->part_name = dump_file_name(u, part->name);
		sha256_discard(&u->sha);
		sha256_init(&u->sha);
		u->fd = spool_create(u->crash, u->part_name);
		u->nheld = 0;
		u->sent = 0;
		if (u->fd < 0) {
			log_err("%s: cannot create dump %s: %s", u->tmpname,
			    u->part_name, strerror(errno));
			set_error(u, 503, "spool_write_failed");
			return -1;
		}
	}
	return 0;
}

/*
 * Starts the disk write of a dump's bytes not yet handed to it, without
 * waiting. Left to the group commit, they would all be written by its
 * syncfs: a crash would wait for every byte that came in since the last
 * flush began, while the connections waiting left the CPUs idle (10-12%
 * here). Sent as they come, in steps, the bytes are mostly on the disk by
 * the time the crash commits. A hint: errors are the commit's to find.
 */
static void send_to_disk(struct upload *u, bool all)
{
	long long written = u->part_size - (long long)u->nheld;
	if (written - u->sent < (all ? 1 : WRITEBACK_STEP))
		return;
	sync_file_range(u->fd, u->sent, written - u->sent, SYNC_FILE_RANGE_WRITE);
	u->sent = written;
}

/*
 * Dumps are written in whole pages: the bytes past the last page
 * boundary wait in held for the next piece, so that the kernel neither
 * zeroes nor revisits a partly written page, and the few hundred bytes the
 * parser hands on before the bulk of each read go out with it.
 */
static int write_dump(struct upload *u, const char *data, size_t len)
{
	size_t total = u->nheld + len;
	if (total < DUMP_PAGE) {
		memcpy(u->held + u->nheld, data, len);
		u->nheld = total;
		return 0;
	}
	size_t rest = total % DUMP_PAGE;
	struct iovec iov[2] = {
		{ u->held, u->nheld },
		{ (void *)data, len - rest },
	};
	if (writev_all(u->fd, iov, 2) < 0)
		return -1;
	memcpy(u->held, data + len - rest, rest);
	u->nheld = rest;
	send_to_disk(u, false);
	return 0;
}

static int on_part_data(void *ctx, const char *data, size_t len)
{
	struct upload *u = ctx;
	const struct upload_limits *lim = &u->env->limits;
	u->part_size += len;
	switch (u->kind) {
	case PART_DUMP:
		sha256_update(&u->sha, data, len);
		if (write_dump(u, data, len) < 0) {
			log_err("%s: writing %s: %s", u->tmpname, u->part_name, strerror(errno));
			set_error(u, 503, "spool_write_failed");
			return -1;
		}
		return 0;
	case PART_ANNOTATION:
	case PART_JSON:
		u->annotation_bytes += len;
		if (u->part_size > (u->kind == PART_JSON ? lim->max_annotations : lim->max_annotation) ||
		    u->annotation_bytes > lim->max_annotations) {
			set_error(u, 413, "too_large_annotation");
			return -1;
		}
		buf_append(&u->value, data, len);
		return 0;
	default:
		return 0;
	}
}

/* Nesting depth of a JSON value, without recursion (hostile input). */
static int json_depth(json_t *root)
{
	struct level { json_t *v; int depth; } stack[64];
	int sp = 0, max = 0;
	stack[sp++] = (struct level){ root, 1 };
	while (sp) {
		json_t *v = stack[--sp].v;
		int d = stack[sp].depth;
		if (d > max)
			max = d;
		if (d > MAX_JSON_DEPTH)
			return d;
		size_t i;
		const char *key;
		json_t *child;
		if (json_is_object(v)) {
			json_object_foreach(v, key, child)
				if (json_is_object(child) || json_is_array(child)) {
					if (sp == 64)
						return MAX_JSON_DEPTH + 1;
					stack[sp++] = (struct level){ child, d + 1 };
				}
		} else if (json_is_array(v)) {
			json_array_foreach(v, i, child)
				if (json_is_object(child) || json_is_array(child)) {
					if (sp == 64)
						return MAX_JSON_DEPTH + 1;
					stack[sp++] = (struct level){ child, d + 1 };
				}
		}
	}
	return max;
}

static int end_json_part(struct upload *u)
{
	json_error_t jerr;
	json_t *obj = json_loadb(u->value.data ? u->value.data : "", u->value.len,
	    JSON_REJECT_DUPLICATES, &jerr);
	/* Deep nesting would exhaust the stack of jansson's recursive dump. */
	if (!json_is_object(obj) || json_depth(obj) > MAX_JSON_DEPTH) {
		json_decref(obj);
		set_error(u, 400, "malformed_bad_json");
		return -1;
	}
	json_object_update(u->annotations, obj);
	json_decref(obj);
	return 0;
}

static int on_part_end(void *ctx)
{
	struct upload *u = ctx;
	int r = 0;
	char hex[65];
	switch (u->kind) {
	case PART_DUMP:
		r = write_all(u->fd, u->held, u->nheld);
		u->nheld = 0;
		if (r == 0)
			send_to_disk(u, true);
		if (spool_close_file(u->crash, u->fd) < 0 || r < 0) {
			u->fd = -1;
			log_err("%s: closing %s: %s", u->tmpname, u->part_name, strerror(errno));
			set_error(u, 503, "spool_write_failed");
			r = -1;
			break;
		}
		u->fd = -1;
		sha256_hex(&u->sha, hex);
		json_object_set_new(u->checksums, u->part_name, json_string(hex));
		json_object_set_new(u->sizes, u->part_name, json_integer(u->part_size));
		break;
	case PART_ANNOTATION: {
		size_t n;
		char *v = utf8_sanitize(u->value.data ? u->value.data : "", u->value.len, &n);
		json_object_set_new(u->annotations, u->part_name, json_stringn(v, n));
		free(v);
		break;
	}
	case PART_JSON:
		r = end_json_part(u);
		break;
	default:
		break;
	}
	free(u->part_name);
	u->part_name = NULL;
	u->kind = PART_NONE;
	return r;
}

static const struct multipart_callbacks part_callbacks = {
	on_part_begin, on_part_data, on_part_end,
};

static void early_reply(struct upload_reply *r, int status, const char *body)
{
	memset(r, 0, sizeof *r);
	r->status = status;
	snprintf(r->body, sizeof r->body, "%s", body);
}

static bool is_multipart(const char *ct)
{
	return is_media_type(ct, "multipart/form-data") || is_media_type(ct, "multipart/mixed");
}

static bool accept_encoding(struct upload *u, const char *enc, struct upload_reply *early)
{
	if (!enc || !*enc || !strcasecmp(enc, "identity"))
		return true;
	if (strcasecmp(enc, "gzip") && strcasecmp(enc, "x-gzip")) {
		early_reply(early, 400, "Discarded=malformed_unsupported_encoding\n");
		return false;
	}
	u->gzip = true;
	/* 15 + 16: gzip wrapper only, largest window. */
	if (inflateInit2(&u->z, 15 + 16) != Z_OK) {
		early_reply(early, 503, "Unavailable: out_of_memory\n");
		return false;
	}
	return true;
}

struct upload *upload_begin(const struct upload_env *env,
    const char *content_type, const char *content_encoding,
    long long content_length, const char *user_agent,
    struct upload_reply *early)
{
	if (content_length > env->limits.max_wire) {
		early_reply(early, 413, "Discarded=too_large\n");
		return NULL;
	}
	if (!content_type || !is_multipart(content_type)) {
		early_reply(early, 400, content_type ? "Discarded=malformed_wrong_content_type\n" :
		    "Discarded=malformed_no_content_type\n");
		return NULL;
	}
	char *boundary = multipart_boundary(content_type);
	if (!boundary) {
		early_reply(early, 400, "Discarded=malformed_no_boundary\n");
		return NULL;
	}
	struct upload *u = xcalloc(1, sizeof *u);
	u->env = env;
	u->fd = -1;
	buf_init(&u->value);
	clock_gettime(CLOCK_REALTIME, &u->received);
	u->mp = multipart_new(boundary, &part_callbacks, u);
	free(boundary);
	if (!u->mp) {
		early_reply(early, 400, "Discarded=malformed_bad_boundary\n");
		upload_free(u);
		return NULL;
	}
	if (!accept_encoding(u, content_encoding, early)) {
		upload_free(u);
		return NULL;
	}
	crashid_new(u->tmpname, THROTTLE_DIGIT_ACCEPT, u->received.tv_sec);
	u->crash = spool_begin(env->spool, u->tmpname);
	if (!u->crash) {
		log_err("%s: cannot create spool entry: %s", u->tmpname, strerror(errno));
		early_reply(early, 503, "Unavailable: spool_not_writable\n");
		upload_free(u);
		return NULL;
	}
	u->annotations = json_object();
	u->query = json_object();
	u->checksums = json_object();
	u->sizes = json_object();
	u->notes = json_array();
	u->user_agent = user_agent ? utf8_sanitize(user_agent, strnlen(user_agent, 512), NULL) : NULL;
	return u;
}

/* Decompressed body bytes into the multipart parser. */
static void feed_parser(struct upload *u, const char *data, size_t len)
{
	u->decompressed += len;
	if (u->decompressed > u->env->limits.max_decompressed) {
		set_error(u, 413, "too_large_decompressed");
		return;
	}
	if (multipart_feed(u->mp, data, len) < 0 && !u->err_status) {
		char reason[64];
		snprintf(reason, sizeof reason, "malformed_%s", multipart_error(u->mp));
		set_error(u, 400, reason);
	}
}

static void feed_gzip(struct upload *u, const char *data, size_t len)
{
	u->z.next_in = (unsigned char *)data;
	u->z.avail_in = len;
	while (u->z.avail_in && !u->err_status) {
		if (u->z_done) {
			/* RFC 1952 allows several members back to back. */
			inflateReset(&u->z);
			u->z_done = false;
		}
		u->z.next_out = u->zout;
		u->z.avail_out = sizeof u->zout;
		int r = inflate(&u->z, Z_NO_FLUSH);
		size_t produced = sizeof u->zout - u->z.avail_out;
		if (r == Z_STREAM_END)
			u->z_done = true;
		else if (r != Z_OK && r != Z_BUF_ERROR) {
			set_error(u, 400, "malformed_bad_gzip");
			return;
		}
		if (produced)
			feed_parser(u, (const char *)u->zout, produced);
		else if (r == Z_BUF_ERROR)
			break;
	}
}

int upload_feed(struct upload *u, const char *data, size_t len)
{
	u->wire += len;
	if (u->wire > u->env->limits.max_wire) {
		set_error(u, 413, "too_large");
		if (u->wire > u->env->limits.max_wire * DRAIN_FACTOR)
			return -1;
	}
	if (u->err_status)
		return 0;
	if (u->gzip)
		feed_gzip(u, data, len);
	else
		feed_parser(u, data, len);
	return 0;
}

void upload_query_param(struct upload *u, const char *key, const char *value)
{
	if (!*key || strlen(key) > MAX_NAME || strlen(value) > (size_t)u->env->limits.max_annotation)
		return;
	char *k = utf8_sanitize(key, strlen(key), NULL);
	size_t n;
	char *v = utf8_sanitize(value, strlen(value), &n);
	json_object_set_new(u->query, k, json_stringn(v, n));
	free(k);
	free(v);
}

static const char *lookup_annotation(void *ctx, const char *name)
{
	json_t *v = json_object_get(ctx, name);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Checks what the body must have had once it has all arrived. */
static void check_complete(struct upload *u)
{
	if (u->err_status)
		return;
	if (u->gzip && !u->z_done) {
		set_error(u, 400, "malformed_bad_gzip");
		return;
	}
	if (multipart_finish(u->mp) < 0) {
		char reason[64];
		snprintf(reason, sizeof reason, "malformed_%s", multipart_error(u->mp));
		set_error(u, 400, reason);
		return;
	}
	const char *key;
	json_t *val;
	json_object_foreach(u->query, key, val)
		if (!json_object_get(u->annotations, key))
			json_object_set(u->annotations, key, val);
	if (json_object_size(u->annotations) == 0 && json_object_size(u->sizes) == 0)
		set_error(u, 400, "malformed_no_annotations");
}

static json_t *metadata(struct upload *u, const char *rule, enum throttle_result res)
{
	json_t *m = json_object();
	json_object_set_new(m, "collector_notes", json_incref(u->notes));
	json_object_set_new(m, "dump_checksums", json_incref(u->checksums));
	json_object_set_new(m, "dump_sizes", json_incref(u->sizes));
	json_object_set_new(m, "payload", json_string("multipart"));
	json_object_set_new(m, "payload_compressed", json_string(u->gzip ? "1" : "0"));
	json_object_set_new(m, "payload_size", json_integer(u->wire));
	json_object_set_new(m, "decompressed_size", json_integer(u->decompressed));
	if (u->user_agent)
		json_object_set_new(m, "user_agent", json_string(u->user_agent));
	json_object_set_new(m, "throttle_rule", json_string(rule));
	json_object_set_new(m, "throttle_result", json_string(throttle_result_name(res)));
	json_object_set_new(m, "collector_version", json_string("crash-collect " CRASH_VERSION));
	return m;
}

/* The crash's final ID: a valid resubmitted "uuid" is kept as it was. */
static void final_id(struct upload *u, enum throttle_result res, char id[CRASHID_LEN + 1])
{
	const char *given = lookup_annotation(u->annotations, "uuid");
	if (given && crashid_valid(given)) {
		note(u, "kept the crash ID of a resubmitted crash");
		strcpy(id, given);
		return;
	}
	strcpy(id, u->tmpname);
	if (res == THROTTLE_DEFER)
		id[29] = '0' + THROTTLE_DIGIT_DEFER;
}

static int write_raw_crash(struct upload *u, const char *id, const char *rule,
    enum throttle_result res)
{
	static const char *const ours[] = { "uuid", "submitted_timestamp", "metadata", NULL };
	for (int i = 0; ours[i]; i++)
		if (json_object_get(u->annotations, ours[i]) && strcmp(ours[i], "uuid"))
			note(u, "client annotation '%s' replaced", ours[i]);
	char ts[33];
	iso8601(&u->received, ts);
	json_t *raw = json_deep_copy(u->annotations);
	json_object_set_new(raw, "uuid", json_string(id));
	json_object_set_new(raw, "submitted_timestamp", json_string(ts));
	json_object_set_new(raw, "metadata", metadata(u, rule, res));
	char *text = json_dumps(raw, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(raw);
	int fd = text ? spool_create(u->crash, "raw_crash.json") : -1;
	int r = -1;
	if (fd >= 0) {
		r = write_all(fd, text, strlen(text));	/* no newline: the store's form */
		if (spool_close_file(u->crash, fd) < 0)
			r = -1;
	}
	if (r < 0)
		log_err("%s: writing raw_crash.json: %s", id, strerror(errno));
	free(text);
	return r;
}

static void accepted_reply(struct upload *u, struct upload_reply *r, const char *id)
{
	r->status = 200;
	snprintf(r->crash_id, sizeof r->crash_id, "%s", id);
	if (u->env->reply == REPLY_HEX16)
		crashid_hex16(id, r->body);
	else
		snprintf(r->body, sizeof r->body, "CrashID=bp-%s\n", id);
}

/* Writes the raw crash and commits it; fills the reply either way. */
static void keep_crash(struct upload *u, struct upload_reply *r, const char *rule,
    enum throttle_result res)
{
	char id[CRASHID_LEN + 1];
	final_id(u, res, id);
	if (write_raw_crash(u, id, rule, res) < 0) {
		early_reply(r, 503, "Unavailable: spool_write_failed\n");
		return;
	}
	struct spool_crash *c = u->crash;
	u->crash = NULL;
	errno = 0;
	if (spool_commit(c, id) < 0 && errno != EEXIST) {
		log_err("%s: commit failed: %s", id, strerror(errno));
		early_reply(r, 503, "Unavailable: spool_commit_failed\n");
		return;
	}
	if (errno == EEXIST)
		log_info("%s: resubmitted crash is already spooled; kept the first copy", id);
	accepted_reply(u, r, id);
}

void upload_finish(struct upload *u, const struct throttle_rules *rules,
    struct upload_reply *r)
{
	memset(r, 0, sizeof *r);
	check_complete(u);
	if (u->err_status) {
		r->status = u->err_status;
		if (u->err_status == 503)
			snprintf(r->body, sizeof r->body, "Unavailable: %s\n", u->err_reason);
		else
			snprintf(r->body, sizeof r->body, "Discarded=%s\n", u->err_reason);
		return;
	}
	const char *rule;
	enum throttle_result res = throttle_decide(rules, lookup_annotation,
	    u->annotations, &rule);
	snprintf(r->rule, sizeof r->rule, "%s", rule);
	switch (res) {
	case THROTTLE_REJECT:
		r->status = 200;
		snprintf(r->body, sizeof r->body, "Discarded=rule_%s\n", rule);
		return;
	case THROTTLE_FAKEACCEPT:
		accepted_reply(u, r, u->tmpname);
		r->crash_id[0] = 0;
		return;
	default:
		keep_crash(u, r, rule, res);
	}
}

void upload_free(struct upload *u)
{
	if (!u)
		return;
	if (u->fd >= 0)
		close(u->fd);
	sha256_discard(&u->sha);
	if (u->crash)
		spool_abort(u->crash);
	if (u->gzip)
		inflateEnd(&u->z);
	multipart_free(u->mp);
	json_decref(u->annotations);
	json_decref(u->query);
	json_decref(u->checksums);
	json_decref(u->sizes);
	json_decref(u->notes);
	free(u->user_agent);
	free(u->part_name);
	buf_free(&u->value);
	free(u);
}
