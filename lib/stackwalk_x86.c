/*
 * stackwalk_x86.c: finding the caller of an x86 frame, in Breakpad's
 * order: Windows STACK WIN records (FrameData programs, FPO data), then
 * DWARF CFI, then the ebp chain, with stack scanning where they fail.
 */
#include "stackwalk.h"
#include "postfix.h"

#include <stdio.h>
#include <string.h>

#define BIT(r) (1ull << (r))

static const char *const x86_names[X86_NREGS] = {
	"$eax", "$ecx", "$edx", "$ebx", "$esp", "$ebp", "$esi", "$edi", "$eip", "$eflags",
};
#define CALLEE_SAVES (BIT(X86_EBX) | BIT(X86_EBP) | BIT(X86_ESI) | BIT(X86_EDI))

enum { WIN_FPO = 0, WIN_FRAME_DATA = 4 };

/* What STACK WIN (or, failing that, FUNC/PUBLIC) says about a frame. */
struct win_info {
	const struct sym_win *rec;	/* NULL: only the parameter size is known */
	uint32_t param_size;
	bool known;
};

static struct win_info find_win_info(struct walker *w, const struct frame *f)
{
	struct win_info wi = { 0 };
	struct symfile *sf = f->module >= 0 ? resolver_symbols(w->r, f->module) : NULL;
	if (!sf)
		return wi;
	uint64_t a = f->instruction - w->r->md->modules[f->module].base;
	wi.rec = sym_find_win(sf, a, WIN_FRAME_DATA);
	if (!wi.rec)
		wi.rec = sym_find_win(sf, a, WIN_FPO);
	if (wi.rec) {
		wi.param_size = wi.rec->param_size;
		wi.known = true;
		return wi;
	}
	const struct sym_func *fn = sym_find_func(sf, a);
	if (fn) {
		wi.param_size = fn->param_size;
		wi.known = true;
		return wi;
	}
	const struct sym_public *p = sym_find_public(sf, a);
	const struct sym_func *below = sym_func_below(sf, a);
	if (p && (!below || p->addr > below->addr)) {
		wi.param_size = p->param_size;
		wi.known = true;
	}
	return wi;
}

static bool read32(void *ctx, uint64_t addr, uint64_t *v)
{
	return stackwalk_read(ctx, addr, 4, v);
}

static bool scan_words(struct walker *w, uint64_t start, int words, uint64_t *at, uint64_t *ip)
{
	return stackwalk_scan_words(w, start, words, 4, at, ip);
}

/* The synthetic program for FPO records, which carry none. */
static void fpo_program(const struct sym_win *rec, const struct frame *callee,
    char *out, size_t len, bool *recover_ebp)
{
	if (rec->allocates_base_pointer) {
		snprintf(out, len, "$eip .raSearchStart ^ = $ebp $esp .cbCalleeParams + "
		    ".cbSavedRegs + 8 - ^ = $esp .raSearchStart 4 + =");
		*recover_ebp = false;
	} else {
		snprintf(out, len, "$eip .raSearchStart ^ = $esp .raSearchStart 4 + =%s",
		    callee->ctx.valid & BIT(X86_EBX) ? " $ebx $ebx =" : "");
		*recover_ebp = true;
	}
}

/* When the program did not restore ebp: a saved-register slot that points into the stack. */
static void recover_ebp_value(struct walker *w, const struct frame *callee,
    const struct win_info *wi, uint32_t callee_params, uint64_t offset, uint64_t *ebp)
{
	uint64_t start = callee->ctx.reg[X86_ESP] + callee_params;
	uint64_t end = start + wi->rec->saved_regs_size + offset;
	uint64_t value;
	for (uint64_t loc = end; loc >= start; loc -= 4) {
		uint64_t candidate;
		if (!stackwalk_read(w, loc, 4, &candidate))
			break;
		if (stackwalk_read(w, candidate, 4, &value)) {
			*ebp = candidate;
			break;
		}
		if (loc < 4)
			break;
	}
}

static bool by_win_info(struct walker *w, const struct frame *frames, int n,
    const struct win_info *wi, struct frame *caller)
{
	const struct frame *callee = &frames[n - 1];
	const struct sym_win *rec = wi->rec;
	bool from_context = callee->trust == TRUST_CONTEXT;
	uint32_t callee_params = 0;
	if (n > 1) {
		struct win_info prev = find_win_info(w, &frames[n - 2]);
		if (prev.known)
			callee_params = prev.param_size;
	}
	uint64_t esp = callee->ctx.reg[X86_ESP], at, found = 0;
	uint64_t ra_start = (uint32_t)(esp + callee_params + rec->locals_size + rec->saved_regs_size);
	uint64_t ra_old = ra_start;
	/* The stack may have been aligned to a quadword: look three words on. */
	if (scan_words(w, ra_start, 3, &at, &found)) {
		ra_start = at;
		if (from_context && rec->type == WIN_FPO && ra_old == ra_start &&
		    found == callee->ctx.reg[X86_EIP]) {
			/* An FPO system call that returned: skip its stale address. */
			ra_start += 4;
			if (scan_words(w, ra_start, 3, &at, &found))
				ra_start = at;
		}
	}
	char program[1024];
	bool recover_ebp = false;
	if (rec->program)
		snprintf(program, sizeof program, "%s", sym_str(w->r->files[callee->module], rec->program));
	else
		fpo_program(rec, callee, program, sizeof program, &recover_ebp);
	if (strchr(program, '@') && (callee->ctx.valid & BIT(X86_EBP)))
		ra_start = (uint32_t)(callee->ctx.reg[X86_EBP] + 4);

	struct postfix_vars vars = { 0 };
	postfix_set(&vars, "$ebp", callee->ctx.reg[X86_EBP]);
	postfix_set(&vars, "$esp", esp);
	if (callee->ctx.valid & BIT(X86_EBX))
		postfix_set(&vars, "$ebx", callee->ctx.reg[X86_EBX]);
	postfix_set(&vars, ".cbCalleeParams", callee_params);
	postfix_set(&vars, ".cbSavedRegs", rec->saved_regs_size);
	postfix_set(&vars, ".cbLocals", rec->locals_size);
	postfix_set(&vars, ".cbParams", rec->param_size);
	postfix_set(&vars, ".raSearch", ra_start);
	postfix_set(&vars, ".raSearchStart", ra_start);
	struct postfix_vars assigned = vars;
	/* Which registers the program assigns: run it on a copy without them. */
	struct postfix_vars run = vars;
	run.n = 0;
	for (int i = 0; i < vars.n; i++)
		postfix_set(&run, vars.name[i], vars.value[i]);
	enum frame_trust trust = TRUST_CFI;
	bool ok = postfix_run_tracked(program, &run, 4, read32, w, &assigned);
	uint64_t eip, new_esp, ebp;
	if (!ok || !postfix_assigned(&assigned, "$eip") || !postfix_assigned(&assigned, "$esp")) {
		if (!stackwalk_scan(w, esp, from_context, 4, &at, &found))
			return false;
		postfix_set(&run, "$eip", found);
		postfix_set(&run, "$esp", at + 4);
		trust = TRUST_SCAN;
	}
	postfix_get(&run, "$eip", &eip);
	postfix_get(&run, "$esp", &new_esp);
	postfix_get(&run, "$ebp", &ebp);
	if (eip != 0 || ebp != 0) {
		uint64_t offset = 0;
		if (!minidump_module_at(w->r->md, eip)) {
			uint64_t search;
			postfix_get(&run, ".raSearchStart", &search);
			uint64_t start = search + 4;
			if (stackwalk_scan(w, start, from_context, 4, &at, &found)) {
				eip = found;
				new_esp = at + 4;
				offset = at - start;
				trust = TRUST_CFI_SCAN;
			}
		}
		if (recover_ebp) {
			uint64_t search, value;
			postfix_get(&run, ".raSearchStart", &search);
			bool skipped = trust != TRUST_CFI && ebp <= search + offset;
			if (skipped || !stackwalk_read(w, ebp, 4, &value))
				recover_ebp_value(w, callee, wi, callee_params, offset, &ebp);
		}
	}
	caller->ctx = callee->ctx;
	caller->ctx.reg[X86_EIP] = (uint32_t)eip;
	caller->ctx.reg[X86_ESP] = (uint32_t)new_esp;
	caller->ctx.reg[X86_EBP] = (uint32_t)ebp;
	caller->ctx.valid = BIT(X86_EIP) | BIT(X86_ESP) | BIT(X86_EBP);
	static const int saved[] = { X86_EBX, X86_ESI, X86_EDI };
	for (int i = 0; i < 3; i++) {
		uint64_t v;
		if (postfix_assigned(&assigned, x86_names[saved[i]]) &&
		    postfix_get(&run, x86_names[saved[i]], &v)) {
			caller->ctx.reg[saved[i]] = (uint32_t)v;
			caller->ctx.valid |= BIT(saved[i]);
		}
	}
	caller->trust = trust;
	return true;
}

static bool by_cfi(struct walker *w, const struct frame *callee, struct frame *caller)
{
	if (!stackwalk_cfi(w, callee, x86_names, X86_NREGS, CALLEE_SAVES, X86_ESP, X86_EIP, 4,
	    &caller->ctx))
		return false;
	if (!(caller->ctx.valid & BIT(X86_EBP)))
		return false;
	caller->trust = TRUST_CFI;
	return true;
}

static bool by_ebp(struct walker *w, const struct frame *callee, struct frame *caller)
{
	uint64_t ebp = callee->ctx.reg[X86_EBP], eip, caller_ebp;
	caller->ctx = callee->ctx;
	caller->ctx.valid = BIT(X86_EIP) | BIT(X86_ESP) | BIT(X86_EBP);
	if (stackwalk_read(w, ebp + 4, 4, &eip) && stackwalk_read(w, ebp, 4, &caller_ebp)) {
		caller->ctx.reg[X86_EIP] = eip;
		caller->ctx.reg[X86_ESP] = (uint32_t)(ebp + 8);
		caller->ctx.reg[X86_EBP] = caller_ebp;
		caller->trust = TRUST_FP;
		return true;
	}
	uint64_t at, found, saved;
	if (!stackwalk_scan(w, callee->ctx.reg[X86_ESP], callee->trust == TRUST_CONTEXT, 4, &at, &found))
		return false;
	uint64_t esp = at + 4;
	caller->ctx.reg[X86_EIP] = found;
	caller->ctx.reg[X86_ESP] = (uint32_t)esp;
	/* A saved ebp just below the return address, pointing a little way up. */
	if (stackwalk_read(w, esp - 8, 4, &saved) && saved > esp - 8 && saved - (esp - 8) <= 128 * 1024)
		caller->ctx.reg[X86_EBP] = saved;
	caller->trust = TRUST_SCAN;
	return true;
}

bool stackwalk_x86_caller(struct walker *w, const struct frame *frames, int n,
    struct frame *caller)
{
	const struct frame *callee = &frames[n - 1];
	memset(caller, 0, sizeof *caller);
	struct win_info wi = find_win_info(w, callee);
	bool found = wi.rec && by_win_info(w, frames, n, &wi, caller);
	if (!found)
		found = by_cfi(w, callee, caller);
	if (!found)
		found = by_ebp(w, callee, caller);
	if (!found)
		return false;
	uint64_t eip = caller->ctx.reg[X86_EIP], esp = caller->ctx.reg[X86_ESP];
	uint64_t callee_esp = callee->ctx.reg[X86_ESP];
	bool from_context = callee->trust == TRUST_CONTEXT;
	if (eip == 0 || eip < 4096 || (from_context ? esp < callee_esp : esp <= callee_esp))
		return false;
	caller->instruction = eip - 1;
	return true;
}
