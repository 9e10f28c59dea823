/*
 * symupload.c: symbol uploads over HTTP (symupload.h).
 */
#include "symupload.h"
#include "fileio.h"
#include "multipart.h"
#include "symstore.h"
#include "util.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define MAX_FIELD 1024		/* os, cpu, debug_file, ...: short strings */

struct symupload {
	const struct symupload_env *env;
	struct multipart *mp;		/* NULL: the body is the file */
	int fd;				/* the file being received */
	char path[4096];
	long long received, file_bytes;
	bool in_file, have_file, too_large, failed;
	const char *error;		/* why the body is refused */
	/* symupload's fields; the field being read */
	char debug_file[MAX_FIELD], debug_id[MAX_FIELD], *field;
	size_t field_len;
};

/* A refusal: the status and {"error": why}. */
static void set_reply(struct symupload_reply *r, int status, const char *why)
{
	json_t *o = json_pack("{s:o}", "error", json_text(why));
	r->status = status;
	r->body = json_dumps(o, JSON_COMPACT);
	r->auth_challenge = status == 401;
	json_decref(o);
}

static void too_large(struct symupload_reply *r, long long max)
{
	char why[64];
	snprintf(why, sizeof why, "larger than %lld bytes", max);
	set_reply(r, 413, why);
}

/* Compares without stopping at the first difference (no timing hint). */
static bool same_secret(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char diff = la != lb;
	for (size_t i = 0; i < la; i++)
		diff |= (unsigned char)a[i] ^ (unsigned char)b[i % (lb ? lb : 1)];
	return diff == 0;
}

static bool authorized(const struct symupload_env *env, const char *authorization)
{
	if (!authorization || strncasecmp(authorization, "Bearer ", 7) != 0)
		return false;
	const char *token = authorization + 7;
	while (*token == ' ')
		token++;
	bool ok = false;
	for (int i = 0; i < env->ntokens; i++)
		ok |= env->tokens[i][0] && same_secret(token, env->tokens[i]);
	return ok;
}

static int write_file_bytes(struct symupload *u, const char *data, size_t len)
{
	u->file_bytes += len;
	if (u->file_bytes > u->env->max_size) {
		u->too_large = true;
		return -1;
	}
	if (write_all(u->fd, data, len) < 0) {
		u->failed = true;
		return -1;
	}
	return 0;
}

static int part_begin(void *ctx, const struct multipart_part *p)
{
	struct symupload *u = ctx;
	u->field = NULL;
	if (p->filename || !strcmp(p->name, "symbol_file")) {
		if (u->have_file) {
			u->error = "more than one file in the upload";
			return -1;
		}
		u->in_file = u->have_file = true;
		return 0;
	}
	if (!strcmp(p->name, "debug_file"))
		u->field = u->debug_file;
	else if (!strcmp(p->name, "debug_identifier"))
		u->field = u->debug_id;
	u->field_len = 0;
	return 0;
}

static int part_data(void *ctx, const char *data, size_t len)
{
	struct symupload *u = ctx;
	if (u->in_file)
		return write_file_bytes(u, data, len);
	if (!u->field)
		return 0;	/* os, cpu, code_file, version: not needed to file it */
	if (u->field_len + len >= MAX_FIELD) {
		u->error = "a field is too long";
		return -1;
	}
	memcpy(u->field + u->field_len, data, len);
	u->field_len += len;
	u->field[u->field_len] = 0;
	return 0;
}

static int part_end(void *ctx)
{
	struct symupload *u = ctx;
	u->in_file = false;
	u->field = NULL;
	return 0;
}

static const struct multipart_callbacks callbacks = { part_begin, part_data, part_end };

struct symupload *symupload_begin(const struct symupload_env *env, const char *content_type,
    const char *authorization, long long content_length, struct symupload_reply *early)
{
	*early = (struct symupload_reply){ 0 };
	if (!env->store) {
		set_reply(early, 404, "symbol uploads are not enabled here");
		return NULL;
	}
	if (!authorized(env, authorization)) {
		set_reply(early, 401, "a valid bearer token is required");
		return NULL;
	}
	if (content_length > env->max_size) {
		too_large(early, env->max_size);
		return NULL;
	}
	struct symupload *u = xcalloc(1, sizeof *u);
	u->env = env;
	u->fd = -1;
	if (content_type && !strncasecmp(content_type, "multipart/", 10)) {
		char *boundary = multipart_boundary(content_type);
		u->mp = boundary ? multipart_new(boundary, &callbacks, u) : NULL;
		free(boundary);
		if (!u->mp) {
			set_reply(early, 400, "multipart body without a usable boundary");
			free(u);
			return NULL;
		}
	} else {
		u->have_file = u->in_file = true;	/* the body is the .sym or the zip */
	}
	char *incoming = xasprintf("%s/.incoming", env->store);
	snprintf(u->path, sizeof u->path, "%s/upload.XXXXXX", incoming);
	if (mkdir_p(incoming, 0755) < 0 || (u->fd = mkstemp(u->path)) < 0) {
		char why[512];
		snprintf(why, sizeof why, "%.400s: %s", incoming, strerror(errno));
		set_reply(early, 503, why);
		free(incoming);
		u->path[0] = 0;
		symupload_free(u);
		return NULL;
	}
	free(incoming);
	return u;
}

int symupload_feed(struct symupload *u, const char *data, size_t len)
{
	u->received += len;
	if (u->received > u->env->max_size) {
		u->too_large = true;
		/* Far past the limit: stop reading; just past it: read on to answer. */
		return u->received > 2 * u->env->max_size + (1 << 20) ? -1 : 0;
	}
	if (u->error || u->too_large || u->failed)
		return 0;
	if (u->mp) {
		if (multipart_feed(u->mp, data, len) < 0 && !u->error && !u->too_large && !u->failed)
			u->error = multipart_error(u->mp);
		return 0;
	}
	write_file_bytes(u, data, len);
	return 0;
}

/* The MODULE line's debug id and file, to compare with symupload's fields. */
static bool module_matches(const struct symupload *u, char *why, size_t size)
{
	if (!u->debug_file[0] && !u->debug_id[0])
		return true;
	char line[2048] = "";
	FILE *f = fopen(u->path, "r");
	if (f && !fgets(line, sizeof line, f))
		line[0] = 0;
	if (f)
		fclose(f);
	char os[64], cpu[64], id[256], name[1024];
	if (sscanf(line, "MODULE %63s %63s %255s %1023[^\r\n]", os, cpu, id, name) != 4)
		return true;	/* not a .sym (a zip): symstore checks it */
	if (u->debug_id[0] && strcasecmp(id, u->debug_id) != 0) {
		snprintf(why, size, "debug_identifier %.100s is not the file's %.100s", u->debug_id, id);
		return false;
	}
	if (u->debug_file[0] && strcmp(name, u->debug_file) != 0) {
		snprintf(why, size, "debug_file %.100s is not the file's %.100s", u->debug_file, name);
		return false;
	}
	return true;
}

struct outcome {
	json_t *added, *rejected;
	bool io_error;
};

static void on_added(void *ctx, const char *entry, const char *dest, const char *why, bool io_error)
{
	struct outcome *o = ctx;
	o->io_error |= io_error;
	if (dest) {
		json_array_append_new(o->added, json_text(dest));
	} else {
		json_t *r = json_pack("{s:o}", "reason", json_text(why));
		if (entry)
			json_object_set_new(r, "entry", json_text(entry));
		json_array_append_new(o->rejected, r);
	}
}

void symupload_finish(struct symupload *u, struct symupload_reply *reply)
{
	*reply = (struct symupload_reply){ 0 };
	char why[512];
	if (u->too_large) {
		too_large(reply, u->env->max_size);
		return;
	}
	if (u->mp && !u->error && multipart_finish(u->mp) < 0)
		u->error = multipart_error(u->mp);
	if (u->error) {
		snprintf(why, sizeof why, "malformed upload: %s", u->error);
		set_reply(reply, 400, why);
		return;
	}
	if (u->failed || fsync(u->fd) < 0) {
		snprintf(why, sizeof why, "cannot write the upload: %s", strerror(errno));
		set_reply(reply, 503, why);
		return;
	}
	if (!u->have_file || u->file_bytes == 0) {
		set_reply(reply, 400, "no symbol file in the upload");
		return;
	}
	if (!module_matches(u, why, sizeof why)) {
		set_reply(reply, 400, why);
		return;
	}
	/*
	 * Checking a .sym file parses it whole, which takes a few times its
	 * size in memory: one at a time, so that concurrent uploads of large
	 * files cannot add up (the bodies themselves are on disk already).
	 */
	static pthread_mutex_t one_at_a_time = PTHREAD_MUTEX_INITIALIZER;
	struct outcome o = { json_array(), json_array(), false };
	pthread_mutex_lock(&one_at_a_time);
	symstore_add_file(u->env->store, u->path, u->env->max_size, on_added, &o);
	pthread_mutex_unlock(&one_at_a_time);
	size_t added = json_array_size(o.added), rejected = json_array_size(o.rejected);
	/* An archive with some good files: they are in; the answer lists the rest. */
	reply->status = added && (!rejected || file_has_magic(u->path, "PK\x03\x04", 4)) ? 200 : 400;
	if (o.io_error)
		reply->status = 503;	/* not the file's fault: the client tries again later */
	if (!added && !rejected)
		json_array_append_new(o.rejected, json_pack("{s:s}", "reason", "no .sym in the archive"));
	json_t *body = json_pack("{s:o, s:o}", "added", o.added, "rejected", o.rejected);
	reply->body = json_dumps(body, JSON_COMPACT);
	json_decref(body);
}

void symupload_free(struct symupload *u)
{
	if (!u)
		return;
	if (u->fd >= 0)
		close(u->fd);
	if (u->path[0])
		unlink(u->path);
	multipart_free(u->mp);
	free(u);
}

void symupload_reply_free(struct symupload_reply *r)
{
	free(r->body);
	r->body = NULL;
}
