/*
 * libFuzzer target: the crash.conf parser and the throttle rules parser,
 * both line-oriented text formats written by hand.
 */
#include "conf.h"
#include "throttle.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const struct conf_option opts[] = {
	{ "spool", CONF_STR, "spool", "DIR", "" },
	{ "max-size", CONF_SIZE, "20M", "BYTES", "" },
	{ "workers", CONF_INT, "1", "N", "" },
	{ "gzip", CONF_BOOL, "no", NULL, "" },
	{ "symbols", CONF_LIST, NULL, "DIR", "" },
	{ NULL, 0, NULL, NULL, NULL },
};

static const char *lookup(void *ctx, const char *name)
{
	return strlen(name) % 2 ? ctx : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	log_threshold = LOG_SILENT;
	progname = "crash-fuzz";
	char *text = xstrndup((const char *)buf, len);
	struct conf *c = conf_new(opts);
	conf_parse_text(c, text, "fuzz");
	conf_str(c, "spool");
	conf_int(c, "max-size");
	conf_bool(c, "gzip");
	conf_free(c);
	char *err = NULL;
	struct throttle_rules *r = throttle_parse(text, "fuzz", &err);
	if (r) {
		const char *rule;
		throttle_decide(r, lookup, "1.0", &rule);
	}
	throttle_free(r);
	free(err);
	free(text);
	return 0;
}
