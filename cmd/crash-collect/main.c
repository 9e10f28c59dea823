/*
 * crash-collect: the HTTP collector. Takes crash uploads from Breakpad,
 * Crashpad and Electron clients, writes each durably into a spool, and
 * answers with a crash ID. Depends on nothing but local disk.
 *
 * libmicrohttpd runs one thread per connection, so a request may block
 * while its crash joins a group commit; main() only waits for signals.
 */

#include "conf.h"
#include "fileio.h"
#include "spool.h"
#include "symupload.h"
#include "throttle.h"
#include "upload.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct conf_option options[] = {
	{ "listen", CONF_STR, "127.0.0.1:8000", "ADDR:PORT", "address to listen on (port 0: any free port)" },
	{ "spool", CONF_STR, "spool", "DIR", "spool directory" },
	{ "max-size", CONF_SIZE, "20M", "BYTES", "largest request body on the wire" },
	{ "max-decompressed", CONF_SIZE, "100M", "BYTES", "largest body after gzip" },
	{ "max-parts", CONF_INT, "64", "N", "most parts in one upload" },
	{ "max-annotation", CONF_SIZE, "512K", "BYTES", "largest annotation value" },
	{ "max-annotations", CONF_SIZE, "2M", "BYTES", "all annotations of one crash" },
	{ "min-free", CONF_SIZE, "64M", "BYTES", "free space below which the heartbeat fails" },
	{ "throttle", CONF_STR, NULL, "FILE", "throttle rules (default: accept all)" },
	{ "reply", CONF_STR, "socorro", "socorro|hex16", "form of the crash ID reply" },
	{ "sync", CONF_STR, "batch", "batch|each", "group commit with syncfs, or fsync each file" },
	{ "max-connections", CONF_INT, "1024", "N", "concurrent connections" },
	{ "timeout", CONF_INT, "30", "SECONDS", "idle time before a connection is dropped" },
	{ "drain-timeout", CONF_INT, "30", "SECONDS", "wait for uploads in flight on SIGTERM" },
	{ "port-file", CONF_STR, NULL, "FILE", "write the bound port here once listening" },
	{ "symbol-store", CONF_STR, NULL, "DIR", "take symbol uploads into this store (POST /symbols/upload)" },
	{ "symbol-token", CONF_LIST, NULL, "TOKEN", "a bearer token that may upload symbols (repeatable)" },
	{ "max-symbol-size", CONF_SIZE, "2G", "BYTES", "largest symbol upload" },
	{ NULL, 0, NULL, NULL, NULL },
};

static const char usage[] = "[--listen ADDR:PORT] [--spool DIR] [--max-size BYTES] "
    "[--throttle FILE] [--reply socorro|hex16] [--symbol-store DIR --symbol-token TOKEN...]";

static struct upload_env env;
static struct symupload_env sym_env;

/*
 * The throttle rules in use, reference-counted: a request holds the rules
 * it started deciding with, and SIGHUP swaps in new ones without waiting
 * for requests that are blocked in a group commit.
 */
struct rules_ref {
	struct throttle_rules *rules;
	int refs;
};
static pthread_mutex_t rules_mu = PTHREAD_MUTEX_INITIALIZER;
static struct rules_ref *current_rules;

static struct rules_ref *rules_acquire(void)
{
	pthread_mutex_lock(&rules_mu);
	struct rules_ref *r = current_rules;
	r->refs++;
	pthread_mutex_unlock(&rules_mu);
	return r;
}

static void rules_release(struct rules_ref *r)
{
	pthread_mutex_lock(&rules_mu);
	bool last = --r->refs == 0;
	pthread_mutex_unlock(&rules_mu);
	if (last) {
		throttle_free(r->rules);
		free(r);
	}
}
static long long min_free;

/* Per-request state, kept in libmicrohttpd's per-request pointer. */
struct request {
	double start;
	struct upload *upload;
	struct symupload *sym;
	bool is_submit;
	int status;
	long long size;
	char crash_id[40];
	char rule[64];
};

static enum MHD_Result respond(struct MHD_Connection *conn, struct request *req,
    int status, const char *body, const char *type)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(body),
	    (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", type);
	MHD_add_response_header(resp, "Server", "crash-collect/" CRASH_VERSION);
	enum MHD_Result r = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	req->status = status;
	return r;
}

static enum MHD_Result heartbeat(struct MHD_Connection *conn, struct request *req)
{
	char why[256], body[512];
	if (spool_healthy(env.spool, min_free, why, sizeof why))
		return respond(conn, req, 200, "{\"status\":\"ok\"}\n", "application/json");
	snprintf(body, sizeof body, "{\"status\":\"error\",\"reason\":\"%s\"}\n", why);
	return respond(conn, req, 503, body, "application/json");
}

static enum MHD_Result add_query_param(void *cls, enum MHD_ValueKind kind,
    const char *key, const char *value)
{
	(void)kind;
	if (key && value)
		upload_query_param(cls, key, value);
	return MHD_YES;
}

static long long content_length(struct MHD_Connection *conn)
{
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	return cl ? strtoll(cl, NULL, 10) : -1;
}

static enum MHD_Result begin_submit(struct MHD_Connection *conn, struct request *req)
{
	struct upload_reply early;
	const char *h;
	req->is_submit = true;
#define HDR(name) MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name)
	req->upload = upload_begin(&env, HDR(MHD_HTTP_HEADER_CONTENT_TYPE),
	    HDR(MHD_HTTP_HEADER_CONTENT_ENCODING), content_length(conn),
	    (h = HDR(MHD_HTTP_HEADER_USER_AGENT)) ? h : NULL, &early);
#undef HDR
	if (!req->upload)
		return respond(conn, req, early.status, early.body, "text/plain");
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, add_query_param, req->upload);
	return MHD_YES;
}

static enum MHD_Result finish_submit(struct MHD_Connection *conn, struct request *req)
{
	struct upload_reply reply;
	struct rules_ref *rules = rules_acquire();
	upload_finish(req->upload, rules->rules, &reply);
	rules_release(rules);
	snprintf(req->crash_id, sizeof req->crash_id, "%s", reply.crash_id);
	snprintf(req->rule, sizeof req->rule, "%s", reply.rule);
	return respond(conn, req, reply.status, reply.body, "text/plain");
}

/* Symbol uploads: Breakpad's symupload, Mozilla's upload (Auth-Token), a zip or a .sym. */
static enum MHD_Result symbols_reply(struct MHD_Connection *conn, struct request *req,
    struct symupload_reply *r)
{
	const char *body = r->body ? r->body : "{}";	/* only out of memory */
	struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(body),
	    (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result result = MHD_NO;
	if (resp) {
		MHD_add_response_header(resp, "Content-Type", "application/json");
		MHD_add_response_header(resp, "Server", "crash-collect/" CRASH_VERSION);
		if (r->auth_challenge)
			MHD_add_response_header(resp, "WWW-Authenticate", "Bearer");
		result = MHD_queue_response(conn, r->status, resp);
		MHD_destroy_response(resp);
	}
	req->status = r->status;
	symupload_reply_free(r);
	return result;
}

static enum MHD_Result begin_symbols(struct MHD_Connection *conn, struct request *req)
{
	const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
	const char *token = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Auth-Token");
	char *bearer = !auth && token ? xasprintf("Bearer %s", token) : NULL;
	struct symupload_reply early;
	req->sym = symupload_begin(&sym_env, MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_TYPE), bearer ? bearer : auth, content_length(conn), &early);
	free(bearer);
	return req->sym ? MHD_YES : symbols_reply(conn, req, &early);
}

static enum MHD_Result finish_symbols(struct MHD_Connection *conn, struct request *req)
{
	struct symupload_reply reply;
	symupload_finish(req->sym, &reply);
	return symbols_reply(conn, req, &reply);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn,
    const char *url, const char *method, const char *version,
    const char *upload_data, size_t *upload_data_size, void **req_cls)
{
	(void)cls;
	(void)version;
	struct request *req = *req_cls;
	if (!req) {
		req = xcalloc(1, sizeof *req);
		req->start = now_ms();
		*req_cls = req;
		if (!strcmp(url, "/submit")) {
			if (strcmp(method, "POST"))
				return respond(conn, req, 405, "Method Not Allowed\n", "text/plain");
			return begin_submit(conn, req);
		}
		if (!strcmp(url, "/symbols/upload") || !strcmp(url, "/upload/")) {
			if (strcmp(method, "POST") && strcmp(method, "PUT"))
				return respond(conn, req, 405, "Method Not Allowed\n", "text/plain");
			return begin_symbols(conn, req);
		}
		if (!strcmp(url, "/__heartbeat__"))
			return heartbeat(conn, req);
		if (!strcmp(url, "/__lbheartbeat__"))
			return respond(conn, req, 200, "{}\n", "application/json");
		if (!strcmp(url, "/__version__"))
			return respond(conn, req, 200,
			    "{\"name\":\"crash-collect\",\"version\":\"" CRASH_VERSION "\"}\n",
			    "application/json");
		return respond(conn, req, 404, "Not Found\n", "text/plain");
	}
	if (req->sym) {
		if (*upload_data_size) {
			req->size += *upload_data_size;
			int r = symupload_feed(req->sym, upload_data, *upload_data_size);
			*upload_data_size = 0;
			return r < 0 ? MHD_NO : MHD_YES;
		}
		return finish_symbols(conn, req);
	}
	if (!req->upload)	/* answered already; drop any body */
		return (*upload_data_size = 0, MHD_YES);
	if (*upload_data_size) {
		req->size += *upload_data_size;
		int r = upload_feed(req->upload, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return r < 0 ? MHD_NO : MHD_YES;
	}
	return finish_submit(conn, req);
}

/* Called when a request ends, answered or not: log it, free it. */
static void completed(void *cls, struct MHD_Connection *conn, void **req_cls,
    enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	struct request *req = *req_cls;
	if (!req)
		return;
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	char addr[INET6_ADDRSTRLEN] = "-";
	if (ci && ci->client_addr)
		getnameinfo(ci->client_addr, ci->client_addr->sa_family == AF_INET6 ?
		    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in),
		    addr, sizeof addr, NULL, 0, NI_NUMERICHOST);
	if (req->is_submit || req->sym || req->status >= 400 || toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
		log_info("%s %d %lldB %.0fms %s%s%s%s", addr,
		    toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? req->status : 0,
		    req->size, now_ms() - req->start,
		    req->crash_id[0] ? req->crash_id : "-",
		    req->rule[0] ? " rule=" : "", req->rule,
		    toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted");
	upload_free(req->upload);
	symupload_free(req->sym);
	free(req);
	*req_cls = NULL;
}

static void load_rules(const char *path, bool fatal)
{
	struct throttle_rules *rules = NULL;
	if (path) {
		char *err = NULL;
		rules = throttle_load(path, &err);
		if (!rules) {
			if (fatal)
				die(2, "%s", err);
			log_err("%s; keeping the rules in use", err);
			free(err);
			return;
		}
	}
	struct rules_ref *fresh = xcalloc(1, sizeof *fresh);
	fresh->rules = rules;
	fresh->refs = 1;	/* the reference current_rules holds */
	pthread_mutex_lock(&rules_mu);
	struct rules_ref *old = current_rules;
	current_rules = fresh;
	pthread_mutex_unlock(&rules_mu);
	if (old)
		rules_release(old);
	if (path)
		log_info("%d throttle rules from %s", throttle_count(rules), path);
}

/* Resolves "ADDR:PORT", "[v6]:PORT" or ":PORT" into a socket address. */
static struct addrinfo *resolve_listen(const char *spec)
{
	char *s = xstrdup(spec), *host = s, *port = strrchr(s, ':');
	if (!port)
		die(2, "--listen %s: expected ADDR:PORT", spec);
	*port++ = 0;
	if (*host == '[') {
		host++;
		char *end = strchr(host, ']');
		if (end)
			*end = 0;
	}
	struct addrinfo hints = { .ai_flags = AI_PASSIVE | AI_NUMERICSERV,
	    .ai_socktype = SOCK_STREAM }, *ai;
	int r = getaddrinfo(*host ? host : NULL, port, &hints, &ai);
	if (r)
		die(2, "--listen %s: %s", spec, gai_strerror(r));
	free(s);
	return ai;
}

static void write_port_file(struct MHD_Daemon *d, const char *path)
{
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	unsigned port = di ? di->port : 0;
	log_info("listening on port %u", port);
	if (!path)
		return;
	char text[16];
	snprintf(text, sizeof text, "%u\n", port);
	if (atomic_write(path, text, strlen(text)) < 0)
		die(1, "%s: %s", path, strerror(errno));
}

static struct MHD_Daemon *start_daemon(const struct conf *c, struct addrinfo *ai)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
	    MHD_USE_ITC | (ai->ai_family == AF_INET6 ? MHD_USE_IPv6 : 0);
	if (log_threshold >= LOG_DEBUG)
		flags |= MHD_USE_ERROR_LOG;
	return MHD_start_daemon(flags, 0, NULL, NULL, handle, NULL,
	    MHD_OPTION_SOCK_ADDR, ai->ai_addr,
	    MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)conf_int(c, "max-connections"),
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)conf_int(c, "timeout"),
	    /* Reads of ~60 KB: half the system calls per crash of 64 KB, +9 MB RSS at 256 uploads. */
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(128 * 1024),
	    MHD_OPTION_THREAD_STACK_SIZE, (size_t)(256 * 1024),
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	    MHD_OPTION_END);
}

/* SIGTERM: stop accepting, let uploads in flight finish, then stop. */
static void drain(struct MHD_Daemon *d, long long seconds)
{
	MHD_quiesce_daemon(d);
	double deadline = now_ms() + seconds * 1000.0;
	while (now_ms() < deadline) {
		const union MHD_DaemonInfo *di = MHD_get_daemon_info(d,
		    MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
		if (!di || di->num_connections == 0)
			break;
		usleep(20000);
	}
	MHD_stop_daemon(d);
}

static void check_range(const struct conf *c, const char *key, long long lo, long long hi)
{
	long long v = conf_int(c, key);
	if (v < lo || v > hi)
		die(2, "--%s %s: out of range (%lld to %lld)", key, conf_str(c, key), lo, hi);
}

static void configure(const struct conf *c)
{
	env.limits = upload_default_limits();
	env.limits.max_wire = conf_int(c, "max-size");
	env.limits.max_decompressed = conf_int(c, "max-decompressed");
	env.limits.max_parts = conf_int(c, "max-parts");
	env.limits.max_annotation = conf_int(c, "max-annotation");
	env.limits.max_annotations = conf_int(c, "max-annotations");
	min_free = conf_int(c, "min-free");
	check_range(c, "max-size", 1, 1LL << 40);
	check_range(c, "max-decompressed", 1, 1LL << 40);
	check_range(c, "max-parts", 1, 100000);
	check_range(c, "max-connections", 1, 65536);
	check_range(c, "timeout", 1, 86400);
	check_range(c, "drain-timeout", 0, 86400);
	const char *reply = conf_str(c, "reply");
	if (!strcmp(reply, "hex16"))
		env.reply = REPLY_HEX16;
	else if (strcmp(reply, "socorro"))
		die(2, "--reply %s: expected socorro or hex16", reply);
	const char *sync = conf_str(c, "sync");
	if (strcmp(sync, "batch") && strcmp(sync, "each"))
		die(2, "--sync %s: expected batch or each", sync);
	char *err;
	env.spool = spool_open(conf_str(c, "spool"),
	    !strcmp(sync, "each") ? SPOOL_SYNC_EACH : SPOOL_SYNC_BATCH, &err);
	if (!env.spool)
		die(1, "%s", err);
	sym_env.store = conf_str(c, "symbol-store");
	const char **tokens;
	sym_env.ntokens = conf_list(c, "symbol-token", &tokens);
	sym_env.tokens = tokens;
	sym_env.max_size = conf_int(c, "max-symbol-size");
	if (sym_env.store && sym_env.ntokens == 0)
		die(2, "--symbol-store needs at least one --symbol-token");
	int stale = spool_recover(env.spool);
	if (stale)
		log_info("removed %d unfinished uploads from %s/tmp", stale, conf_str(c, "spool"));
}

int main(int argc, char **argv)
{
	progname = "crash-collect";
	int nrest;
	char **rest;
	struct conf *c = conf_load(options, usage, argc, argv, &rest, &nrest);
	if (nrest)
		die(2, "unexpected argument '%s'", rest[0]);
	free(rest);
	configure(c);
	load_rules(conf_str(c, "throttle"), true);

	/* Signals go to this thread only, through sigwait below. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct addrinfo *ai = resolve_listen(conf_str(c, "listen"));
	struct MHD_Daemon *d = start_daemon(c, ai);
	freeaddrinfo(ai);
	if (!d)
		die(1, "cannot listen on %s", conf_str(c, "listen"));
	write_port_file(d, conf_str(c, "port-file"));

	for (;;) {
		int sig;
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			load_rules(conf_str(c, "throttle"), false);
			continue;
		}
		log_info("signal %d: finishing uploads in flight", sig);
		break;
	}
	drain(d, conf_int(c, "drain-timeout"));
	unsigned long commits, batches;
	spool_stats(env.spool, &commits, &batches);
	log_info("stopped: %lu crashes committed in %lu flushes", commits, batches);
	rules_release(current_rules);
	spool_close(env.spool);
	conf_free(c);
	return 0;
}
