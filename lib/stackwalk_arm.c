/*
 * stackwalk_arm.c: finding the caller of an ARM64 or 32-bit ARM frame:
 * CFI, then the frame record (fp, lr) chain, then stack scanning, in the
 * order Breakpad's walkers use.
 */
#include "stackwalk.h"

#include <stdio.h>
#include <string.h>

#define BIT(r) (1ull << (r))

static const char *const arm64_names[ARM64_NREGS] = {
	"x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11",
	"x12", "x13", "x14", "x15", "x16", "x17", "x18", "x19", "x20", "x21", "x22",
	"x23", "x24", "x25", "x26", "x27", "x28", "x29", "x30", "sp", "pc",
};
/* x19-x29 survive calls (AAPCS64). */
#define ARM64_SAVES (((1ull << 30) - 1) & ~((1ull << 19) - 1))

static const char *const arm_names[ARM_NREGS] = {
	"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11",
	"r12", "sp", "lr", "pc",
};
/* r4-r11 survive calls (AAPCS). */
#define ARM_SAVES (BIT(4) | BIT(5) | BIT(6) | BIT(7) | BIT(8) | BIT(9) | BIT(10) | BIT(11))

/* Pointer authentication codes in the top bits: strip them when that lands in a module. */
static uint64_t strip_pac(const struct walker *w, uint64_t a)
{
	uint64_t stripped = a & 0x00007fffffffffffull;
	if (stripped != a && minidump_module_at(w->r->md, stripped))
		return stripped;
	return a;
}

struct arm_cpu {
	const char *const *names;
	int nregs, sp, pc, lr, fp, word;
	uint64_t saves;
	int instruction_adjust;	/* from the return address back into the call */
};

static const struct arm_cpu arm64 = { arm64_names, ARM64_NREGS, ARM64_SP, ARM64_PC, ARM64_LR,
	ARM64_FP, 8, ARM64_SAVES, 4 };
static const struct arm_cpu arm32 = { arm_names, ARM_NREGS, ARM_SP, ARM_PC, ARM_LR, 7, 4,
	ARM_SAVES, 2 };

static bool by_cfi(struct walker *w, const struct arm_cpu *cpu, const struct frame *callee,
    struct frame *caller)
{
	if (!stackwalk_cfi(w, callee, cpu->names, cpu->nregs, cpu->saves, cpu->sp, cpu->pc,
	    cpu->word, &caller->ctx))
		return false;
	caller->trust = TRUST_CFI;
	return true;
}

/*
 * The frame record: fp points at the caller's fp with the return address
 * above it; the callee's own return address is in lr.
 */
static bool by_frame_pointer(struct walker *w, const struct arm_cpu *cpu,
    const struct frame *callee, struct frame *caller)
{
	const struct md_context *c = &callee->ctx;
	if (!(c->valid & BIT(cpu->fp)) || !(c->valid & BIT(cpu->lr)))
		return false;
	uint64_t fp = c->reg[cpu->fp], caller_fp = 0, caller_lr = 0;
	if (fp && (!stackwalk_read(w, fp, cpu->word, &caller_fp) ||
	    !stackwalk_read(w, fp + cpu->word, cpu->word, &caller_lr)))
		return false;
	caller->ctx = *c;
	caller->ctx.reg[cpu->fp] = caller_fp;
	caller->ctx.reg[cpu->sp] = fp ? fp + 2 * cpu->word : c->reg[cpu->sp];
	caller->ctx.reg[cpu->pc] = strip_pac(w, c->reg[cpu->lr]);
	caller->ctx.reg[cpu->lr] = strip_pac(w, caller_lr);
	caller->ctx.valid = BIT(cpu->pc) | BIT(cpu->lr) | BIT(cpu->fp) | BIT(cpu->sp);
	caller->trust = TRUST_FP;
	return true;
}

static bool by_scan(struct walker *w, const struct arm_cpu *cpu, const struct frame *callee,
    struct frame *caller)
{
	uint64_t at, ip;
	if (!stackwalk_scan(w, callee->ctx.reg[cpu->sp], callee->trust == TRUST_CONTEXT,
	    cpu->word, &at, &ip))
		return false;
	caller->ctx = callee->ctx;
	caller->ctx.reg[cpu->pc] = ip;
	caller->ctx.reg[cpu->sp] = at + cpu->word;
	caller->ctx.valid = BIT(cpu->pc) | BIT(cpu->sp);
	caller->trust = TRUST_SCAN;
	return true;
}

static bool caller_of(struct walker *w, const struct arm_cpu *cpu, const struct frame *frames,
    int n, struct frame *caller, bool use_fp)
{
	const struct frame *callee = &frames[n - 1];
	memset(caller, 0, sizeof *caller);
	bool found = by_cfi(w, cpu, callee, caller);
	if (!found && use_fp)
		found = by_frame_pointer(w, cpu, callee, caller);
	if (!found)
		found = by_scan(w, cpu, callee, caller);
	if (!found)
		return false;
	uint64_t pc = caller->ctx.reg[cpu->pc], sp = caller->ctx.reg[cpu->sp];
	uint64_t callee_sp = callee->ctx.reg[cpu->sp];
	bool from_context = callee->trust == TRUST_CONTEXT;
	if (pc < 4096 || (from_context ? sp < callee_sp : sp <= callee_sp))
		return false;
	caller->instruction = pc - cpu->instruction_adjust;
	return true;
}

bool stackwalk_arm64_caller(struct walker *w, const struct frame *frames, int n,
    struct frame *caller)
{
	return caller_of(w, &arm64, frames, n, caller, true);
}

bool stackwalk_arm_caller(struct walker *w, const struct frame *frames, int n,
    struct frame *caller)
{
	/* Only iOS keeps a frame pointer (r7) that can be trusted on 32-bit ARM. */
	bool ios = w->r->md->has_system_info && w->r->md->sys.platform == 0x8102;
	return caller_of(w, &arm32, frames, n, caller, ios);
}
