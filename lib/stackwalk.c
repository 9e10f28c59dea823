/*
 * stackwalk.c: the CPU-independent half of stack walking: symbol files
 * per module, symbolizing a frame, CFI evaluation, stack scanning, and
 * the loop that asks the CPU's unwinder for caller after caller.
 */
#include "stackwalk.h"
#include "postfix.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define MAX_FRAMES 1024
#define SCAN_WORDS 40		/* words scanned for a return address */
#define SCAN_WORDS_CONTEXT 160	/* from the context frame: Breakpad looks further */

void resolver_init(struct resolver *r, const struct minidump *md,
    const char *const *roots, int nroots, const char *cache_dir)
{
	memset(r, 0, sizeof *r);
	r->md = md;
	r->roots = roots;
	r->nroots = nroots;
	r->cache_dir = cache_dir;
	r->files = xcalloc(md->nmodules + 1, sizeof *r->files);
	r->state = xcalloc(md->nmodules + 1, 1);
}

void resolver_free(struct resolver *r)
{
	for (uint32_t i = 0; i < r->md->nmodules; i++)
		symfile_free(r->files[i]);
	free(r->files);
	free(r->state);
}

struct symfile *resolver_symbols(struct resolver *r, int module)
{
	if (module < 0 || (uint32_t)module >= r->md->nmodules || r->nroots == 0)
		return NULL;
	if (r->state[module])
		return r->files[module];
	r->state[module] = 2;
	const struct md_module *m = &r->md->modules[module];
	const char *debug_file = m->debug_file;
	if (!*debug_file || !m->debug_id[0])
		return NULL;
	for (int i = 0; i < r->nroots; i++) {
		char *path = sym_path(r->roots[i], debug_file, m->debug_id);
		struct symfile *sf = symfile_load(path, r->cache_dir);
		free(path);
		if (sf) {
			r->files[module] = sf;
			r->state[module] = 1;
			return sf;
		}
	}
	return NULL;
}

static int module_index(const struct minidump *md, uint64_t addr)
{
	const struct md_module *m = minidump_module_at(md, addr);
	return m ? (int)(m - md->modules) : -1;
}

void resolver_fill(struct resolver *r, struct frame *f)
{
	f->module = module_index(r->md, f->instruction);
	f->function = f->file = NULL;
	f->line = 0;
	f->has_line_file = false;
	struct symfile *sf = resolver_symbols(r, f->module);
	if (!sf)
		return;
	uint64_t base = r->md->modules[f->module].base, rel = f->instruction - base;
	const struct sym_func *fn = sym_find_func(sf, rel);
	if (fn) {
		f->function = sym_str(sf, fn->name);
		f->function_base = base + fn->addr;
		const struct sym_line *l = sym_find_line(sf, fn, rel);
		if (l) {
			f->line = l->line;
			f->line_base = base + l->addr;
			f->file = sym_file_name(sf, l->file);
			f->has_line_file = f->file != NULL;
		}
		return;
	}
	/* A PUBLIC counts only above the start of the nearest FUNC below. */
	const struct sym_public *p = sym_find_public(sf, rel);
	const struct sym_func *below = sym_func_below(sf, rel);
	if (p && (!below || p->addr > below->addr)) {
		f->function = sym_str(sf, p->name);
		f->function_base = base + p->addr;
	}
}

uint64_t frame_return_address(const struct frame *f)
{
	if (f->trust == TRUST_CONTEXT || f->trust == TRUST_INLINE)
		return f->instruction;
	return context_pc(&f->ctx);
}

bool stackwalk_read(const struct walker *w, uint64_t addr, int word_size, uint64_t *v)
{
	const struct md_memory *m = &w->stack;
	uint64_t off = addr - m->base;
	if (addr < m->base || off >= m->size || (uint64_t)word_size > m->size - off)
		return false;
	if (word_size == 4) {
		uint32_t x;
		memcpy(&x, m->data + off, 4);
		*v = x;
	} else {
		memcpy(v, m->data + off, 8);
	}
	return true;
}

/*
 * Whether a (a return address - 1) seems to be inside code: in a module,
 * and, when the module's symbols are loaded, inside a function they name.
 */
static bool plausible_instruction(struct resolver *r, uint64_t a)
{
	struct frame f = { .instruction = a };
	f.module = module_index(r->md, a);
	if (f.module < 0)
		return false;
	if (r->no_symbols || !resolver_symbols(r, f.module))
		return true;
	resolver_fill(r, &f);
	return f.function != NULL;
}

bool stackwalk_scan(struct walker *w, uint64_t start, bool context_frame,
    int word_size, uint64_t *found_at, uint64_t *found_ip)
{
	return stackwalk_scan_words(w, start, context_frame ? SCAN_WORDS_CONTEXT : SCAN_WORDS,
	    word_size, found_at, found_ip);
}

bool stackwalk_scan_words(struct walker *w, uint64_t start, int words, int word_size,
    uint64_t *found_at, uint64_t *found_ip)
{
	for (int i = 0; i <= words; i++) {
		uint64_t at = start + (uint64_t)i * word_size, ip;
		if (!stackwalk_read(w, at, word_size, &ip))
			return false;
		if (plausible_instruction(w->r, ip - 1)) {
			*found_at = at;
			*found_ip = ip;
			return true;
		}
	}
	return false;
}

static bool read_word(void *ctx, uint64_t addr, uint64_t *v)
{
	return stackwalk_read(ctx, addr, 8, v);
}

static bool read_word32(void *ctx, uint64_t addr, uint64_t *v)
{
	return stackwalk_read(ctx, addr, 4, v);
}

/* One "name: expr" of a CFI rule set, pointing into the rules text. */
struct cfi_rule {
	const char *name, *expr;
	size_t name_len, expr_len;
};

#define MAX_CFI_RULES 64

/*
 * Splits CFI rules ("name: expr name: expr ...") in one pass: a token
 * ending in ':' starts a rule, the tokens up to the next such token are
 * its expression.
 */
static int split_rules(const char *text, struct cfi_rule *rules)
{
	int n = 0;
	const char *p = text;
	while (*p) {
		while (*p == ' ')
			p++;
		const char *tok = p;
		while (*p && *p != ' ')
			p++;
		if (p == tok)
			break;
		if (p[-1] == ':') {
			if (n == MAX_CFI_RULES)
				break;
			rules[n++] = (struct cfi_rule){ tok, p, (size_t)(p - tok - 1), 0 };
		} else if (n) {
			rules[n - 1].expr_len = p - rules[n - 1].expr;
		}
	}
	return n;
}

/* The expression for name; with several rules for one name, the last wins. */
static bool find_rule(const struct cfi_rule *rules, int n, const char *name,
    const char **expr, unsigned long *len)
{
	size_t nl = strlen(name);
	for (int i = n - 1; i >= 0; i--)
		if (rules[i].name_len == nl && !memcmp(rules[i].name, name, nl)) {
			*expr = rules[i].expr;
			*len = rules[i].expr_len;
			return *len > 0;
		}
	return false;
}

bool stackwalk_cfi(struct walker *w, const struct frame *callee,
    const char *const *names, int nregs, uint64_t callee_saves,
    int sp_reg, int pc_reg, int word_size, struct md_context *caller)
{
	struct resolver *r = w->r;
	if (callee->module < 0)
		return false;
	struct symfile *sf = resolver_symbols(r, callee->module);
	char text[4096];
	struct cfi_rule rules[MAX_CFI_RULES];
	if (!sf || !sym_find_cfi(sf, callee->instruction - r->md->modules[callee->module].base,
	    text, sizeof text))
		return false;
	int nrules = split_rules(text, rules);
	struct postfix_vars vars = { 0 };
	for (int i = 0; i < nregs; i++)
		if (callee->ctx.valid & (1ull << i))
			postfix_set(&vars, names[i], callee->ctx.reg[i]);
	postfix_read rd = word_size == 4 ? read_word32 : read_word;
	const char *expr;
	unsigned long len;
	uint64_t cfa, ra;
	if (!find_rule(rules, nrules, ".cfa", &expr, &len) ||
	    !postfix_eval(expr, len, &vars, word_size, rd, w, &cfa))
		return false;
	postfix_set(&vars, ".cfa", cfa);
	if (!find_rule(rules, nrules, ".ra", &expr, &len) ||
	    !postfix_eval(expr, len, &vars, word_size, rd, w, &ra))
		return false;
	memset(caller, 0, sizeof *caller);
	caller->cpu = callee->ctx.cpu;
	for (int i = 0; i < nregs; i++) {
		uint64_t v;
		if (find_rule(rules, nrules, names[i], &expr, &len) &&
		    postfix_eval(expr, len, &vars, word_size, rd, w, &v)) {
			caller->reg[i] = v;
			caller->valid |= 1ull << i;
		} else if (i == sp_reg) {
			caller->reg[i] = cfa;
			caller->valid |= 1ull << i;
		} else if (i == pc_reg) {
			caller->reg[i] = ra;
			caller->valid |= 1ull << i;
		} else if ((callee_saves & (1ull << i)) && (callee->ctx.valid & (1ull << i))) {
			caller->reg[i] = callee->ctx.reg[i];
			caller->valid |= 1ull << i;
		}
	}
	return caller->reg[sp_reg] != 0 && caller->reg[pc_reg] != 0;
}

typedef bool (*unwinder_fn)(struct walker *, const struct frame *, int, struct frame *);

static unwinder_fn unwinder(enum md_cpu cpu)
{
	switch (cpu) {
	case MD_CPU_AMD64: return stackwalk_amd64_caller;
	case MD_CPU_X86: return stackwalk_x86_caller;
	case MD_CPU_ARM64: return stackwalk_arm64_caller;
	case MD_CPU_ARM: return stackwalk_arm_caller;
	default: return NULL;
	}
}

/* The thread's stack memory: its descriptor, or the region holding its start. */
static struct md_memory thread_stack_memory(const struct minidump *md, const struct md_thread *t)
{
	if (t->stack.data && t->stack.size)
		return t->stack;
	for (uint32_t i = 0; i < md->nmemory; i++) {
		const struct md_memory *m = &md->memory[i];
		if (t->stack.base >= m->base && t->stack.base - m->base < m->size)
			return *m;
	}
	return (struct md_memory){ 0 };
}

uint64_t context_pc(const struct md_context *ctx)
{
	switch (ctx->cpu) {
	case MD_CPU_AMD64: return ctx->reg[AMD64_RIP];
	case MD_CPU_X86: return ctx->reg[X86_EIP];
	case MD_CPU_ARM: return ctx->reg[ARM_PC];
	case MD_CPU_ARM64: return ctx->reg[ARM64_PC];
	default: return 0;
	}
}

static void expand_inlines(struct resolver *r, struct thread_stack *st);

void stackwalk_thread(struct resolver *r, const struct md_thread *t,
    const struct md_context *ctx, struct thread_stack *st)
{
	struct walker w = { .r = r, .stack = thread_stack_memory(r->md, t) };
	w.windows = r->md->has_system_info && (r->md->sys.platform == 1 || r->md->sys.platform == 2);
	int cap = 32;
	st->frames = xcalloc(cap, sizeof *st->frames);
	st->nframes = 0;
	if (ctx->cpu == MD_CPU_UNKNOWN)
		return;
	struct frame *f = &st->frames[0];
	f->ctx = *ctx;
	f->trust = TRUST_CONTEXT;
	f->instruction = context_pc(ctx);
	resolver_fill(r, f);
	st->nframes = 1;
	unwinder_fn caller = unwinder(ctx->cpu);
	while (caller && st->nframes < MAX_FRAMES) {
		if (st->nframes == cap) {
			cap *= 2;
			st->frames = xrealloc(st->frames, cap * sizeof *st->frames);
		}
		struct frame *next = &st->frames[st->nframes];
		if (!caller(&w, st->frames, st->nframes, next))
			break;
		resolver_fill(r, next);
		st->nframes++;
	}
	expand_inlines(r, st);
}

/*
 * The inlined calls at a frame's address, innermost first, as frames
 * placed before it. The file and line move outward by one: the innermost
 * inlined function gets the frame's own location, each outer one the call
 * site of the next inner one, and the real function the outermost call site.
 */
static int inline_frames(struct resolver *r, struct frame *f, struct frame *out, int room)
{
	struct symfile *sf = f->function ? resolver_symbols(r, f->module) : NULL;
	if (!sf)
		return 0;
	uint64_t base = r->md->modules[f->module].base, rel = f->instruction - base;
	const struct sym_func *fn = sym_find_func(sf, rel);
	if (!fn || !fn->inline_count || fn->inline_first > sf->ninlines ||
	    fn->inline_count > sf->ninlines - fn->inline_first)
		return 0;
	const struct sym_inline *hits[64];
	int n = 0;
	for (uint32_t i = 0; i < fn->inline_count; i++) {
		const struct sym_inline *in = &sf->inlines[fn->inline_first + i];
		if (rel - in->addr >= in->size || n == 64)
			continue;
		bool seen = false;
		for (int k = 0; k < n; k++)
			seen |= hits[k]->depth == in->depth;
		if (!seen)
			hits[n++] = in;
	}
	/* Innermost (deepest) first. */
	for (int i = 1; i < n; i++)
		for (int k = i; k > 0 && hits[k]->depth > hits[k - 1]->depth; k--) {
			const struct sym_inline *t = hits[k];
			hits[k] = hits[k - 1];
			hits[k - 1] = t;
		}
	if (n > room)
		n = room;
	const char *file = f->file;
	uint32_t line = f->line;
	bool has_file = f->has_line_file;
	for (int i = 0; i < n; i++) {
		struct frame *g = &out[i];
		*g = *f;
		g->trust = TRUST_INLINE;
		const char *name = sym_origin_name(sf, hits[i]->origin);
		g->function = name ? name : "<name omitted>";
		g->function_base = base + hits[i]->addr;
		g->file = file;
		g->line = line;
		g->has_line_file = has_file;
		const char *call_file = sym_file_name(sf, hits[i]->call_file);
		if (call_file) {
			file = call_file;
			has_file = true;
		}
		line = hits[i]->call_line;
	}
	if (n) {
		f->file = file;
		f->line = line;
		f->has_line_file = has_file;
	}
	return n;
}

/* Rebuilds the frame list with each frame's inlined calls before it. */
static void expand_inlines(struct resolver *r, struct thread_stack *st)
{
	int cap = st->nframes + 8, n = 0;
	struct frame *all = xcalloc(cap, sizeof *all);
	for (int i = 0; i < st->nframes && n < MAX_FRAMES; i++) {
		struct frame f = st->frames[i];
		if (cap - n < 65) {
			cap = 2 * cap + 65;
			all = xrealloc(all, cap * sizeof *all);
		}
		n += inline_frames(r, &f, all + n, 64);
		all[n++] = f;
	}
	free(st->frames);
	st->frames = all;
	st->nframes = n;
}

void thread_stack_free(struct thread_stack *st)
{
	free(st->frames);
	st->frames = NULL;
	st->nframes = 0;
}

const char *frame_trust_name(enum frame_trust t)
{
	static const char *const names[] = {
		"none", "scan", "cfi_scan", "frame_pointer", "cfi", "prewalked", "context",
		"inline", "leaf",
	};
	return names[t];
}
