/*
 * stackwalk.h: minidump + symbols -> threads of symbolized frames.
 *
 * For each thread the walker starts from its context (the exception's
 * context for the crashing thread) and finds each caller in the order and
 * with the trust of Breakpad's processor: CFI, then (x86) STACK WIN, then
 * the frame pointer, then scanning the stack for a return address.
 */
#ifndef CRASH_STACKWALK_H
#define CRASH_STACKWALK_H

#include "minidump.h"
#include "symbols.h"

enum frame_trust {
	TRUST_NONE, TRUST_SCAN, TRUST_CFI_SCAN, TRUST_FP, TRUST_CFI,
	TRUST_PREWALKED, TRUST_CONTEXT, TRUST_INLINE, TRUST_LEAF,
};

struct frame {
	uint64_t instruction;	/* the address symbolized (return address - 1 for callers) */
	struct md_context ctx;	/* registers recovered for this frame */
	enum frame_trust trust;
	int module;		/* index into the minidump's modules, or -1 */
	const char *function;	/* NULL without symbols */
	uint64_t function_base;
	const char *file;
	uint32_t line;
	uint64_t line_base;
	bool has_line_file;	/* a line record with a known file */
};

struct thread_stack {
	uint32_t thread_index;	/* in the minidump's thread list */
	bool is_dump_thread;	/* the thread that wrote the dump: not walked */
	struct frame *frames;
	int nframes;
};

/* Symbol files for the modules of one minidump, loaded on first use. */
struct resolver {
	const struct minidump *md;
	bool no_symbols;		/* no symbol path at all: every module "valid" */
	const char *const *roots;
	int nroots;
	const char *cache_dir;		/* for compiled indexes, or NULL */
	struct symfile **files;		/* per module */
	unsigned char *state;		/* per module: 0 unknown, 1 loaded, 2 missing */
};

void resolver_init(struct resolver *r, const struct minidump *md,
    const char *const *roots, int nroots, const char *cache_dir);
void resolver_free(struct resolver *r);
/* The symbols of module i, or NULL when there are none. */
struct symfile *resolver_symbols(struct resolver *r, int module);
/* Fills in a frame's module, function, file and line from its instruction. */
void resolver_fill(struct resolver *r, struct frame *f);

/* What one thread's walk may use: its stack memory, and the platform. */
struct walker {
	struct resolver *r;
	struct md_memory stack;	/* the only memory a walk may read */
	bool windows;		/* no frame pointer unwinding on Windows */
	int scanned;		/* frames found by scanning so far */
};

/*
 * Walks a thread from ctx (the exception's context for the crashing
 * thread); fills st with the frames, innermost first.
 */
void stackwalk_thread(struct resolver *r, const struct md_thread *t,
    const struct md_context *ctx, struct thread_stack *st);
void thread_stack_free(struct thread_stack *st);

/* "context", "cfi", "frame_pointer", "scan", ... as Socorro names them. */
const char *frame_trust_name(enum frame_trust t);
/* The return address of a frame: where its printed offsets count from. */
uint64_t frame_return_address(const struct frame *f);

/* Internal: the per-CPU unwinders and what they share (stackwalk.c). */
bool stackwalk_amd64_caller(struct walker *w, const struct frame *frames, int n,
    struct frame *caller);
bool stackwalk_x86_caller(struct walker *w, const struct frame *frames, int n,
    struct frame *caller);
bool stackwalk_arm64_caller(struct walker *w, const struct frame *frames, int n,
    struct frame *caller);
bool stackwalk_arm_caller(struct walker *w, const struct frame *frames, int n,
    struct frame *caller);
/* The program counter register of a context. */
uint64_t context_pc(const struct md_context *ctx);
bool stackwalk_scan(struct walker *w, uint64_t start, bool context_frame,
    int word_size, uint64_t *found_at, uint64_t *found_ip);
/* The same over words + 1 slots from start. */
bool stackwalk_scan_words(struct walker *w, uint64_t start, int words, int word_size,
    uint64_t *found_at, uint64_t *found_ip);
bool stackwalk_cfi(struct walker *w, const struct frame *callee,
    const char *const *names, int nregs, uint64_t callee_saves,
    int sp_reg, int pc_reg, int word_size, struct md_context *caller);
bool stackwalk_read(const struct walker *w, uint64_t addr, int word_size, uint64_t *v);

#endif
