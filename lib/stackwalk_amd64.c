/*
 * stackwalk_amd64.c: finding the caller of an amd64 frame, in Breakpad's
 * order: CFI; on Windows, a return from a leaf function; elsewhere, the
 * frame pointer chain; then scanning the stack for a return address.
 */
#include "stackwalk.h"

#include <string.h>

static const char *const amd64_names[AMD64_NREGS] = {
	"$rax", "$rdx", "$rcx", "$rbx", "$rsi", "$rdi", "$rbp", "$rsp",
	"$r8", "$r9", "$r10", "$r11", "$r12", "$r13", "$r14", "$r15", "$rip",
};

#define BIT(r) (1ull << (r))
/* Registers a callee must preserve (System V and Windows agree on these). */
#define CALLEE_SAVES (BIT(AMD64_RBX) | BIT(AMD64_RBP) | BIT(AMD64_R12) | \
	BIT(AMD64_R13) | BIT(AMD64_R14) | BIT(AMD64_R15))

static bool by_cfi(struct walker *w, const struct frame *callee, struct frame *caller)
{
	if (!stackwalk_cfi(w, callee, amd64_names, AMD64_NREGS, CALLEE_SAVES,
	    AMD64_RSP, AMD64_RIP, 8, &caller->ctx))
		return false;
	caller->trust = TRUST_CFI;
	return true;
}

static bool canonical(uint64_t a)
{
	return a <= 0x00007fffffffffffull || a >= 0xffff800000000000ull;
}

static bool by_frame_pointer(struct walker *w, const struct frame *callee, struct frame *caller)
{
	/* rbp is used even where it is not known to be valid, as Breakpad does. */
	uint64_t rbp = callee->ctx.reg[AMD64_RBP], caller_rip, caller_rbp, unused;
	if (rbp % 8 || !stackwalk_read(w, rbp + 8, 8, &caller_rip) ||
	    !stackwalk_read(w, rbp, 8, &caller_rbp) || !canonical(caller_rip))
		return false;
	uint64_t caller_rsp = rbp + 16;
	if (caller_rsp <= rbp || caller_rbp < caller_rsp ||
	    !stackwalk_read(w, caller_rbp, 8, &unused))
		return false;
	caller->ctx = callee->ctx;
	caller->ctx.valid = BIT(AMD64_RIP) | BIT(AMD64_RSP) | BIT(AMD64_RBP);
	caller->ctx.reg[AMD64_RIP] = caller_rip;
	caller->ctx.reg[AMD64_RSP] = caller_rsp;
	caller->ctx.reg[AMD64_RBP] = caller_rbp;
	caller->trust = TRUST_FP;
	return true;
}

/* Windows: the context frame may be a leaf that pushed nothing. */
static bool by_leaf_return(struct walker *w, const struct frame *callee, struct frame *caller)
{
	uint64_t at, ip;
	if (!stackwalk_scan_words(w, callee->ctx.reg[AMD64_RSP], 1, 8, &at, &ip))
		return false;
	caller->ctx = callee->ctx;
	caller->ctx.reg[AMD64_RIP] = ip;
	caller->ctx.reg[AMD64_RSP] = at + 8;
	caller->trust = TRUST_LEAF;
	return true;
}

static bool by_scan(struct walker *w, const struct frame *callee, bool context_frame,
    struct frame *caller)
{
	const struct md_context *c = &callee->ctx;
	uint64_t at, ip;
	if (!stackwalk_scan(w, c->reg[AMD64_RSP], context_frame, 8, &at, &ip))
		return false;
	caller->ctx = *c;
	caller->ctx.valid = BIT(AMD64_RIP) | BIT(AMD64_RSP);
	caller->ctx.reg[AMD64_RIP] = ip;
	caller->ctx.reg[AMD64_RSP] = at + 8;
	if (c->valid & BIT(AMD64_RBP)) {
		uint64_t rbp = c->reg[AMD64_RBP], saved;
		if (at - 8 == rbp) {
			/* The callee pushed the caller's rbp just below the return address. */
			if (stackwalk_read(w, rbp, 8, &saved) && saved > at) {
				caller->ctx.reg[AMD64_RBP] = saved;
				caller->ctx.valid |= BIT(AMD64_RBP);
			}
		} else if (rbp >= at + 8) {
			caller->ctx.valid |= BIT(AMD64_RBP);
		}
	}
	caller->trust = TRUST_SCAN;
	return true;
}

bool stackwalk_amd64_caller(struct walker *w, const struct frame *frames, int n,
    struct frame *caller)
{
	const struct frame *callee = &frames[n - 1];
	bool from_context = callee->trust == TRUST_CONTEXT;
	memset(caller, 0, sizeof *caller);
	bool found = by_cfi(w, callee, caller);
	if (!found && from_context && w->windows)
		found = by_leaf_return(w, callee, caller);
	if (!found && !w->windows)
		found = by_frame_pointer(w, callee, caller);
	if (!found)
		found = by_scan(w, callee, from_context, caller);
	if (!found)
		return false;
	uint64_t rip = caller->ctx.reg[AMD64_RIP], rsp = caller->ctx.reg[AMD64_RSP];
	uint64_t callee_rsp = callee->ctx.reg[AMD64_RSP];
	/* End of stack: no return address, or no progress up the stack. */
	if (rip < 4096 || (from_context ? rsp < callee_rsp : rsp <= callee_rsp))
		return false;
	caller->instruction = rip - 1;
	return true;
}
