/*
 * mdwriter.c: writing a small but complete minidump: system and misc
 * info, a module list with CodeView records, a few threads with stacks,
 * and the exception. The crashing thread's stack holds one frame per
 * requested function (four words each), each ending in the return
 * address into the next; the .sym file's CFI says exactly that.
 */
#include "synth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STACK_SLACK 1024	/* zeroed room above the last frame */
#define ARM_SP_REG 13
#define ARM_LR_REG 14
#define ARM_PC_REG 15
#define NTHREADS 4

static uint32_t align4(struct buf *b)
{
	static const char zero[4];
	if (b->len % 4)
		buf_append(b, zero, 4 - b->len % 4);
	return b->len;
}

static void put16(struct buf *b, uint16_t v) { buf_append(b, &v, 2); }
static void put32(struct buf *b, uint32_t v) { buf_append(b, &v, 4); }
static void put64(struct buf *b, uint64_t v) { buf_append(b, &v, 8); }
static void patch32(struct buf *b, uint32_t at, uint32_t v) { memcpy(b->data + at, &v, 4); }

/* Appends bytes at a 4-byte boundary and returns their offset (RVA). */
static uint32_t blob(struct buf *b, const void *p, size_t n)
{
	uint32_t rva = align4(b);
	buf_append(b, p, n);
	return rva;
}

/* A MINIDUMP_STRING: byte length, then UTF-16LE (ASCII names only). */
static uint32_t string(struct buf *b, const char *s)
{
	uint32_t rva = align4(b);
	put32(b, 2 * strlen(s));
	for (; *s; s++)
		put16(b, (unsigned char)*s);
	put16(b, 0);
	return rva;
}

/* splitmix64: reproducible values from the process's seed. */
static uint64_t next(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

struct context { uint64_t pc, sp, fp, lr; uint64_t *seed; };

static uint32_t context_x86(struct buf *b, const struct context *c)
{
	uint8_t ctx[716] = { 0 };
	uint32_t v;
	v = 0x1003f; memcpy(ctx, &v, 4);
	const struct { int off; uint32_t val; } regs[] = {
		{ 0xb0, (uint32_t)next(c->seed) }, { 0xac, (uint32_t)next(c->seed) },
		{ 0xa8, (uint32_t)next(c->seed) }, { 0xa4, (uint32_t)next(c->seed) },
		{ 0xa0, (uint32_t)next(c->seed) }, { 0x9c, (uint32_t)next(c->seed) },
		{ 0xb4, (uint32_t)c->fp }, { 0xb8, (uint32_t)c->pc }, { 0xc4, (uint32_t)c->sp },
		{ 0xc0, 0x10246 },
	};
	for (size_t i = 0; i < sizeof regs / sizeof *regs; i++)
		memcpy(ctx + regs[i].off, &regs[i].val, 4);
	return blob(b, ctx, sizeof ctx);
}

static uint32_t context_amd64(struct buf *b, const struct context *c)
{
	uint8_t ctx[1232] = { 0 };
	uint32_t flags = 0x10001f, eflags = 0x10246;
	memcpy(ctx + 0x30, &flags, 4);
	memcpy(ctx + 0x44, &eflags, 4);
	for (int off = 0x78; off <= 0xf0; off += 8) {
		uint64_t v = next(c->seed);
		memcpy(ctx + off, &v, 8);
	}
	memcpy(ctx + 0x98, &c->sp, 8);
	memcpy(ctx + 0xa0, &c->fp, 8);
	memcpy(ctx + 0xf8, &c->pc, 8);
	return blob(b, ctx, sizeof ctx);
}

/* ARM: flags, r0-r15, cpsr, then floating point state. */
static uint32_t context_arm(struct buf *b, const struct context *c)
{
	uint8_t ctx[368] = { 0 };
	uint32_t v = 0x40000002;	/* ARM, integer registers */
	memcpy(ctx, &v, 4);
	for (int i = 0; i < 16; i++) {
		v = i == ARM_SP_REG ? (uint32_t)c->sp : i == ARM_PC_REG ? (uint32_t)c->pc :
		    i == ARM_LR_REG ? (uint32_t)c->lr : i == 7 ? (uint32_t)c->fp : (uint32_t)next(c->seed);
		memcpy(ctx + 4 + 4 * i, &v, 4);
	}
	v = 0x60000010;
	memcpy(ctx + 68, &v, 4);
	return blob(b, ctx, sizeof ctx);
}

/* ARM64: flags, cpsr, x0-x30, sp, pc, then floating point state. */
static uint32_t context_arm64(struct buf *b, const struct context *c)
{
	uint8_t ctx[912] = { 0 };
	uint32_t flags = 0x00400003, cpsr = 0x60000000;
	memcpy(ctx, &flags, 4);
	memcpy(ctx + 4, &cpsr, 4);
	for (int i = 0; i < 33; i++) {
		uint64_t v = i == 31 ? c->sp : i == 32 ? c->pc : i == 29 ? c->fp :
		    i == 30 ? c->lr : next(c->seed);
		memcpy(ctx + 8 + 8 * i, &v, 8);
	}
	return blob(b, ctx, sizeof ctx);
}

static uint32_t context_size(enum synth_cpu cpu)
{
	static const uint32_t size[] = { [CPU_X86] = 716, [CPU_AMD64] = 1232, [CPU_ARM] = 368, [CPU_ARM64] = 912 };
	return size[cpu];
}

static uint32_t context(const struct synth_process *p, struct buf *b, const struct context *c)
{
	switch (p->cpu) {
	case CPU_X86: return context_x86(b, c);
	case CPU_ARM: return context_arm(b, c);
	case CPU_ARM64: return context_arm64(b, c);
	default: return context_amd64(b, c);
	}
}

static uint64_t stack_top(const struct synth_process *p, int thread)
{
	return (synth_word(p->cpu) == 4 ? 0x00200000ull : 0x00007ffe5e000000ull) + 0x100000ull * thread;
}

/* The crashing thread's stack: one frame per function, return addresses chained. */
static void crash_stack(const struct synth_process *p, struct buf *mem, uint64_t *pc, uint64_t *sp,
    uint64_t *lr)
{
	int word = synth_word(p->cpu), frame = 4 * word;
	size_t size = (size_t)p->nframes * frame + STACK_SLACK;
	uint8_t *stack = xcalloc(1, size);
	uint64_t base = p->mods[p->product].base;
	for (int i = 0; i < p->nframes; i++) {
		uint64_t ra = i + 1 < p->nframes ?
		    base + FUNC_BASE + (uint64_t)p->frames[i + 1] * FUNC_SIZE + 0x20 : 0;
		memcpy(stack + (size_t)i * frame + frame - word, &ra, word);
	}
	buf_append(mem, stack, size);
	free(stack);
	*pc = base + FUNC_BASE + (uint64_t)p->frames[0] * FUNC_SIZE + 0x10;
	*sp = stack_top(p, 0);
	/* A link register holds the first return address, as on a real ARM. */
	*lr = p->nframes > 1 ? base + FUNC_BASE + (uint64_t)p->frames[1] * FUNC_SIZE + 0x20 : 0;
}

struct thread_rec { uint32_t id; uint64_t stack_start; uint32_t stack_size, stack_rva, ctx_rva, ctx_size; };

static void write_threads(const struct synth_process *p, struct buf *b, struct thread_rec *t,
    uint32_t *exc_ctx_rva)
{
	uint64_t seed = p->seed;
	for (int i = 0; i < NTHREADS; i++) {
		struct buf mem;
		buf_init(&mem);
		struct context c = { .seed = &seed };
		if (i == 0) {
			crash_stack(p, &mem, &c.pc, &c.sp, &c.lr);
		} else {
			/* Idle threads: waiting in a system module, called from it (lr). */
			uint8_t zeros[512] = { 0 };
			buf_append(&mem, zeros, sizeof zeros);
			c.pc = p->mods[2].base + 0x2000 + 0x40 * i;
			c.sp = stack_top(p, i);
			c.lr = p->mods[2].base + 0x3000 + 0x40 * i;
		}
		t[i].id = p->pid + (i ? 3 * i + (uint32_t)(next(&seed) % 3) : 0);
		t[i].stack_start = c.sp;
		t[i].stack_size = mem.len;
		t[i].stack_rva = blob(b, mem.data, mem.len);
		t[i].ctx_rva = context(p, b, &c);
		t[i].ctx_size = context_size(p->cpu);
		if (i == 0) {
			uint64_t copy_seed = p->seed;
			c.seed = &copy_seed;
			*exc_ctx_rva = context(p, b, &c);
		}
		buf_free(&mem);
	}
}

static uint32_t cv_record(const struct synth_process *p, const struct synth_module *m, struct buf *b,
    uint32_t *size)
{
	uint32_t rva = align4(b);
	if (p->os == OS_LINUX) {
		buf_append(b, "LEpB", 4);	/* "BpEL" read as a little-endian word */
		buf_append(b, m->id, 20);
	} else {
		buf_append(b, "RSDS", 4);
		buf_append(b, m->id, 16);
		put32(b, 1);
		buf_append(b, m->debug_file, strlen(m->debug_file) + 1);
	}
	*size = b->len - rva;
	return rva;
}

static uint32_t write_modules(const struct synth_process *p, struct buf *b, uint32_t *size)
{
	uint32_t name[4], cv[4], cvsize[4];
	for (int i = 0; i < p->nmods; i++) {
		name[i] = string(b, p->mods[i].code_file);
		cv[i] = cv_record(p, &p->mods[i], b, &cvsize[i]);
	}
	uint32_t rva = align4(b);
	put32(b, p->nmods);
	for (int i = 0; i < p->nmods; i++) {
		const struct synth_module *m = &p->mods[i];
		put64(b, m->base);
		put32(b, m->size);
		put32(b, 0);			/* checksum */
		put32(b, p->dump_time - 86400 * 30);
		put32(b, name[i]);
		uint32_t vs[13] = { 0 };
		if (p->os == OS_WINDOWS) {
			vs[0] = 0xfeef04bd;
			vs[1] = 0x10000;
			vs[2] = 10 << 16;	/* 10.0.19041.1 */
			vs[3] = 19041 << 16 | 1;
		}
		buf_append(b, vs, sizeof vs);
		put32(b, cvsize[i]);
		put32(b, cv[i]);
		put64(b, 0);			/* misc record */
		put64(b, 0);
		put64(b, 0);
	}
	*size = b->len - rva;
	return rva;
}

static uint32_t write_system_info(const struct synth_process *p, struct buf *b)
{
	static const struct { uint32_t major, minor, build, platform; const char *csd; } os[] = {
		[OS_WINDOWS] = { 10, 0, 19045, 2, "" },
		[OS_MAC] = { 14, 5, 0, 0x8101, "23F79" },
		[OS_LINUX] = { 0, 0, 0, 0x8201, NULL },
	};
	static const char *const machine[] = { [CPU_X86] = "i686", [CPU_AMD64] = "x86_64",
		[CPU_ARM] = "armv7l", [CPU_ARM64] = "aarch64" };
	char uname[160];
	snprintf(uname, sizeof uname, "Linux 6.1.0-21 #1 SMP PREEMPT_DYNAMIC Debian 6.1.90-1 %s", machine[p->cpu]);
	uint32_t csd = string(b, p->os == OS_LINUX ? uname : os[p->os].csd);
	uint32_t rva = align4(b);
	static const uint16_t arch[] = { [CPU_X86] = 0, [CPU_AMD64] = 9, [CPU_ARM] = 5, [CPU_ARM64] = 12 };
	put16(b, arch[p->cpu]);
	put16(b, 6);			/* family */
	put16(b, 0x3a09);		/* model 58, stepping 9 */
	buf_append(b, (uint8_t[]){ (uint8_t)p->ncpus, 1 }, 2);
	put32(b, os[p->os].major);
	put32(b, os[p->os].minor);
	put32(b, os[p->os].build);
	put32(b, os[p->os].platform);
	put32(b, csd);
	put16(b, 0);
	put16(b, 0);
	buf_append(b, "GenuineIntel", 12);
	put32(b, 0x000306a9);
	put32(b, 0xbfebfbff);
	put32(b, 0);
	return rva;
}

static uint32_t write_exception(const struct synth_process *p, struct buf *b, uint32_t thread_id,
    uint32_t ctx_rva)
{
	uint32_t rva = align4(b);
	put32(b, thread_id);
	put32(b, 0);
	put32(b, p->exc_code);
	put32(b, p->exc_flags);
	put64(b, 0);
	put64(b, p->exc_address);
	put32(b, p->nexc_params);
	put32(b, 0);
	for (int i = 0; i < 15; i++)
		put64(b, i < (int)p->nexc_params ? p->exc_params[i] : 0);
	put32(b, context_size(p->cpu));
	put32(b, ctx_rva);
	return rva;
}

void synth_minidump(const struct synth_process *p, struct buf *b)
{
	enum { NSTREAMS = 6 };
	buf_reset(b);
	put32(b, 0x504d444d);		/* "MDMP" */
	put32(b, 0xa793);
	put32(b, NSTREAMS);
	put32(b, 32);			/* directory right after the header */
	put32(b, 0);
	put32(b, p->dump_time);
	put64(b, 0);
	uint32_t dir = b->len;
	uint8_t zeros[NSTREAMS * 12] = { 0 };
	buf_append(b, zeros, sizeof zeros);

	struct thread_rec t[NTHREADS];
	uint32_t exc_ctx = 0;
	write_threads(p, b, t, &exc_ctx);
	uint32_t threads = align4(b);
	put32(b, NTHREADS);
	for (int i = 0; i < NTHREADS; i++) {
		put32(b, t[i].id);
		put32(b, 0);
		put32(b, 0);
		put32(b, 0);
		put64(b, 0);			/* TEB */
		put64(b, t[i].stack_start);
		put32(b, t[i].stack_size);
		put32(b, t[i].stack_rva);
		put32(b, t[i].ctx_size);
		put32(b, t[i].ctx_rva);
	}
	uint32_t threads_size = b->len - threads;
	uint32_t memory = align4(b);
	put32(b, NTHREADS);
	for (int i = 0; i < NTHREADS; i++) {
		put64(b, t[i].stack_start);
		put32(b, t[i].stack_size);
		put32(b, t[i].stack_rva);
	}
	uint32_t memory_size = b->len - memory;
	uint32_t modules_size, modules = write_modules(p, b, &modules_size);
	uint32_t sys = write_system_info(p, b);
	uint32_t exc = write_exception(p, b, t[0].id, exc_ctx);
	uint32_t misc = align4(b);
	put32(b, 24);
	put32(b, 3);			/* process ID and times present */
	put32(b, p->pid);
	put32(b, p->process_create_time);
	put32(b, 7);
	put32(b, 2);
	const uint32_t entries[NSTREAMS][3] = {
		{ 3, threads_size, threads }, { 4, modules_size, modules }, { 5, memory_size, memory },
		{ 6, 168, exc }, { 7, 56, sys }, { 15, 24, misc },
	};
	for (int i = 0; i < NSTREAMS; i++)
		for (int k = 0; k < 3; k++)
			patch32(b, dir + 12 * i + 4 * k, entries[i][k]);
}
