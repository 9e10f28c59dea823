/*
 * libFuzzer target: the postfix evaluator alone, on CFI rule expressions
 * (32- and 64-bit) and STACK WIN programs with assignments.
 */
#include "postfix.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bool read_mem(void *ctx, uint64_t addr, uint64_t *v)
{
	(void)ctx;
	*v = addr ^ 0x5a5a;
	return addr % 5 != 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	char *text = xstrndup((const char *)buf, len);
	struct postfix_vars v = { 0 }, assigned;
	postfix_set(&v, "$rsp", 0x7ffe0000);
	postfix_set(&v, "$esp", 0x1000);
	postfix_set(&v, "$ebp", 0x2000);
	postfix_set(&v, ".cfa", 0x3000);
	postfix_set(&v, "sp", 0x4000);
	uint64_t r;
	postfix_eval(text, len, &v, 8, read_mem, NULL, &r);
	postfix_eval(text, len, &v, 4, read_mem, NULL, &r);
	postfix_run_tracked(text, &v, 4, read_mem, NULL, &assigned);
	postfix_assigned(&assigned, "$eip");
	free(text);
	return 0;
}
