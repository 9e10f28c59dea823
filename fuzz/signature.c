/*
 * libFuzzer target: signature generation from arbitrary JSON, with
 * Socorro's lists when the shared test data is beside the project, else
 * a small list of each kind.
 */
#include "siglists.h"
#include "signature.h"
#include "util.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

static struct siglists *lists(void)
{
	static struct siglists *sl;
	char *err = NULL;
	if (sl)
		return sl;
	sl = siglists_load("../shared/testdata/signatures/siglists-socorro", &err);
	if (!sl) {
		free(err);
		const char *irrelevant[] = { "@0x0", "libc\\.so.*", NULL };
		const char *prefix[] = { ".*abort", "raise", NULL };
		const char *lines[] = { "js_Interpret", NULL };
		const char *sentinels[] = { "_purecall", NULL };
		sl = siglists_from(irrelevant, prefix, lines, sentinels, &err);
	}
	return sl;
}

int LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	log_threshold = LOG_SILENT;
	json_t *crash = json_loadb((const char *)buf, len, JSON_ALLOW_NUL | JSON_DECODE_ANY, NULL);
	if (!crash)
		return 0;
	struct signature sig;
	signature_generate(lists(), crash, &sig);
	signature_free(&sig);
	json_t *input = signature_input_from_processed(crash);
	signature_generate(lists(), input, &sig);
	signature_free(&sig);
	json_decref(input);
	json_decref(crash);
	return 0;
}
