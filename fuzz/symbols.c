/*
 * libFuzzer target: the .sym parser, its lookups, and the postfix
 * evaluator on the CFI rules and STACK WIN programs it finds.
 */
#include "postfix.h"
#include "symbols.h"

#include <stdint.h>
#include <string.h>

static bool read_mem(void *ctx, uint64_t addr, uint64_t *v)
{
	(void)ctx;
	*v = addr * 7;
	return addr % 3 != 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	struct symfile *sf = symfile_parse((const char *)buf, len);
	uint64_t probes[] = { 0, 1, 0x10, 0x1000, 0x2ef0, UINT64_MAX, len };
	char rules[512];
	for (size_t i = 0; i < sizeof probes / sizeof *probes; i++) {
		const struct sym_func *f = sym_find_func(sf, probes[i]);
		if (f)
			sym_find_line(sf, f, probes[i]);
		sym_find_public(sf, probes[i]);
		sym_find_win(sf, probes[i], 4);
		if (sym_find_cfi(sf, probes[i], rules, sizeof rules)) {
			struct postfix_vars v = { 0 };
			uint64_t r;
			postfix_set(&v, "$rsp", 0x1000);
			postfix_eval(rules, strlen(rules), &v, 8, read_mem, NULL, &r);
		}
	}
	for (uint32_t i = 0; i < sf->nwin && i < 8; i++)
		if (sf->win[i].program) {
			struct postfix_vars v = { 0 };
			postfix_set(&v, "$esp", 0x1000);
			postfix_set(&v, "$ebp", 0x2000);
			postfix_run(sym_str(sf, sf->win[i].program), &v, 4, read_mem, NULL);
		}
	symfile_free(sf);
	return 0;
}
