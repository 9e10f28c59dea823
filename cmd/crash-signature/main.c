/*
 * crash-signature: crash signatures from NDJSON, one crash per line, in
 * Socorro's signature input form or as whole processed crashes.
 *
 *   {"crashing_thread": 0, "threads": [{"frames": [...]}], "os": ...}
 *   -> {"signature": "...", "proto_signature": "...", "notes": [...]}
 */
#include "conf.h"
#include "siglists.h"
#include "signature.h"
#include "util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct conf_option options[] = {
	{ "siglists", CONF_STR, NULL, "DIR", "signature lists (default: the installed ones)" },
	{ NULL, 0, NULL, NULL, NULL },
};

static const char usage[] = "[--siglists DIR] < CRASHES.ndjson";

/*
 * The signature input in a line: a processed crash (it has json_dump), a
 * test case ({"crash_data": {...}}), or the input form itself.
 */
static json_t *signature_input(json_t *line)
{
	if (json_object_get(line, "json_dump"))
		return signature_input_from_processed(line);
	json_t *data = json_object_get(line, "crash_data");
	return json_incref(json_is_object(data) ? data : line);
}

/* The crash's own id, echoed so that output lines can be matched up. */
static void copy_id(json_t *out, json_t *line)
{
	static const char *const keys[] = { "crash_id", "uuid", "id" };
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		json_t *v = json_object_get(line, keys[i]);
		if (json_is_string(v)) {
			json_object_set(out, keys[i], v);
			return;
		}
	}
}

static json_t *process_line(const struct siglists *sl, const char *text, long lineno)
{
	json_error_t error;
	json_t *line = json_loads(text, JSON_ALLOW_NUL, &error);
	if (!json_is_object(line)) {
		log_err("line %ld: %s", lineno, line ? "not a JSON object" : error.text);
		json_decref(line);
		return json_pack("{s:s}", "error", line ? "not a JSON object" : error.text);
	}
	json_t *input = signature_input(line);
	struct signature sig;
	signature_generate(sl, input, &sig);
	json_t *out = json_object();
	copy_id(out, line);
	json_object_set_new(out, "signature", json_string(sig.signature));
	if (sig.proto_signature)
		json_object_set_new(out, "proto_signature", json_string(sig.proto_signature));
	json_object_set(out, "notes", sig.notes);
	signature_free(&sig);
	json_decref(input);
	json_decref(line);
	return out;
}

int main(int argc, char **argv)
{
	progname = "crash-signature";
	char **rest;
	int nrest;
	struct conf *conf = conf_load(options, usage, argc, argv, &rest, &nrest);
	if (nrest)
		die(2, "usage: crash-signature %s", usage);
	free(rest);
	const char *dir = conf_str(conf, "siglists");
	char *err;
	struct siglists *sl = siglists_load(dir ? dir : siglists_default_dir(), &err);
	if (!sl)
		die(1, "%s", err);

	char *text = NULL;
	size_t cap = 0;
	ssize_t len;
	long lineno = 0, errors = 0;
	while ((len = getline(&text, &cap, stdin)) > 0) {
		lineno++;
		if (strspn(text, " \t\r\n") == (size_t)len)
			continue;
		json_t *out = process_line(sl, text, lineno);
		errors += json_object_get(out, "error") != NULL;
		char *s = json_dumps(out, JSON_COMPACT);
		puts(s);
		free(s);
		json_decref(out);
	}
	free(text);
	siglists_free(sl);
	conf_free(conf);
	if (fflush(stdout) != 0 || ferror(stdout))
		die(1, "writing output failed");
	return errors ? 1 : 0;
}
