/*
 * text.c: Breakpad's human-readable report: system and crash summary,
 * every thread's frames with their registers and how each was found,
 * and the loaded modules.
 */
#include "output.h"
#include "util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WIDTH 80

static const char *found_by(enum frame_trust t)
{
	switch (t) {
	case TRUST_SCAN: return "stack scanning";
	case TRUST_CFI_SCAN: return "call frame info with scanning";
	case TRUST_FP: return "previous frame's frame pointer";
	case TRUST_CFI: return "call frame info";
	case TRUST_PREWALKED: return "recovered by external stack walker";
	case TRUST_CONTEXT: return "given as instruction pointer in context";
	case TRUST_INLINE: return "inline record";
	case TRUST_LEAF: return "simulating a return from leaf function";
	default: return "unknown";
	}
}

/* One register, wrapping lines at 80 columns as Breakpad does. */
static int print_register(FILE *out, const char *name, uint64_t v, bool wide, int col)
{
	char buf[64];
	int n = wide ? snprintf(buf, sizeof buf, " %5s = 0x%016" PRIx64, name, v) :
	    snprintf(buf, sizeof buf, " %5s = 0x%08" PRIx64, name, (uint64_t)(uint32_t)v);
	if (col + n > MAX_WIDTH) {
		fputs("\n ", out);
		col = 0;
	}
	fputs(buf, out);
	return col + n;
}

static void print_registers(FILE *out, const struct md_context *c)
{
	static const int amd64_order[] = {
		AMD64_RAX, AMD64_RDX, AMD64_RCX, AMD64_RBX, AMD64_RSI, AMD64_RDI, AMD64_RBP,
		AMD64_RSP, AMD64_R8, AMD64_R9, AMD64_R10, AMD64_R11, AMD64_R12, AMD64_R13,
		AMD64_R14, AMD64_R15, AMD64_RIP,
	};
	static const char *const amd64_names[AMD64_NREGS] = {
		"rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp", "r8", "r9",
		"r10", "r11", "r12", "r13", "r14", "r15", "rip",
	};
	static const int x86_order[] = {
		X86_EIP, X86_ESP, X86_EBP, X86_EBX, X86_ESI, X86_EDI, X86_EAX, X86_ECX,
		X86_EDX, X86_EFLAGS,
	};
	static const char *const x86_names[X86_NREGS] = {
		"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "eip", "efl",
	};
	int col = 0;
	fputc(' ', out);
	if (c->cpu == MD_CPU_AMD64) {
		for (size_t i = 0; i < sizeof amd64_order / sizeof *amd64_order; i++)
			if (c->valid & (1ull << amd64_order[i]))
				col = print_register(out, amd64_names[amd64_order[i]],
				    c->reg[amd64_order[i]], true, col);
	} else if (c->cpu == MD_CPU_X86) {
		for (size_t i = 0; i < sizeof x86_order / sizeof *x86_order; i++)
			if (c->valid & (1ull << x86_order[i]))
				col = print_register(out, x86_names[x86_order[i]],
				    c->reg[x86_order[i]], false, col);
	} else {
		int n = c->cpu == MD_CPU_ARM64 ? ARM64_NREGS : ARM_NREGS;
		for (int i = 0; i < n; i++) {
			char name[8];
			snprintf(name, sizeof name, c->cpu == MD_CPU_ARM64 ? "x%d" : "r%d", i);
			if (c->valid & (1ull << i))
				col = print_register(out, name, c->reg[i], c->cpu == MD_CPU_ARM64, col);
		}
	}
	fputc('\n', out);
}

static void print_frame(FILE *out, const struct procstate *ps, int index, const struct frame *f)
{
	uint64_t ra = frame_return_address(f);
	fprintf(out, "%2d  ", index);
	if (f->module < 0) {
		fprintf(out, "0x%" PRIx64 "\n", ra);
	} else {
		const struct md_module *m = &ps->md->modules[f->module];
		fputs(path_basename(m->code_file), out);
		if (!f->function)
			fprintf(out, " + 0x%" PRIx64 "\n", ra - m->base);
		else if (f->has_line_file)
			fprintf(out, "!%s [%s : %d + 0x%" PRIx64 "]\n", f->function,
			    path_basename(f->file), (int)f->line, ra - f->line_base);
		else
			fprintf(out, "!%s + 0x%" PRIx64 "\n", f->function, ra - f->function_base);
	}
	if (f->trust != TRUST_INLINE)
		print_registers(out, &f->ctx);
	fprintf(out, "    Found by: %s\n", found_by(f->trust));
}

static void print_thread(FILE *out, const struct procstate *ps, int i, int number)
{
	const struct thread_stack *st = &ps->threads[i];
	if (i == ps->requesting)
		fprintf(out, "\nThread %d (%s)\n", number,
		    ps->crashed ? "crashed" : "requested dump, did not crash");
	else
		fprintf(out, "\nThread %d\n", number);
	for (int k = 0; k < st->nframes; k++)
		print_frame(out, ps, k, &st->frames[k]);
}

static void print_summary(FILE *out, const struct procstate *ps)
{
	const struct minidump *md = ps->md;
	char buf[32], text[512];
	procstate_os_version(md, text, sizeof text);
	fprintf(out, "Operating system: %s\n                  %s\n", procstate_os(md, buf, sizeof buf), text);
	fprintf(out, "CPU: %s\n", procstate_cpu(md, buf, sizeof buf));
	procstate_cpu_info(md, text, sizeof text);
	if (text[0])
		fprintf(out, "     %s\n", text);
	fprintf(out, "     %d CPU%s\n\nGPU: UNKNOWN\n\n", md->sys.ncpus, md->sys.ncpus == 1 ? "" : "s");
	if (ps->crashed) {
		fprintf(out, "Crash reason:  %s\nCrash address: 0x%" PRIx64 "\n", ps->reason, ps->crash_address);
		if (md->exc.nparams) {
			fputs("Crash parameters:\n", out);
			for (uint32_t i = 0; i < md->exc.nparams; i++)
				fprintf(out, "    value: 0x%016" PRIx64 "  description: \n", md->exc.params[i]);
		}
	} else {
		fputs("No crash\n", out);
	}
	if (md->has_misc && md->misc.has_times && md->timestamp >= md->misc.create_time)
		fprintf(out, "Process uptime: %u seconds\n", md->timestamp - md->misc.create_time);
	else
		fputs("Process uptime: not available\n", out);
}

static void print_modules(FILE *out, const struct procstate *ps)
{
	const struct minidump *md = ps->md;
	const struct md_module *main_module = minidump_main_module(md);
	int *order = procstate_modules_by_base(md);
	fputs("\nLoaded modules:\n", out);
	for (uint32_t k = 0; k < md->nmodules; k++) {
		const struct md_module *m = &md->modules[order[k]];
		char version[48] = "???";
		if (m->version.present)
			snprintf(version, sizeof version, "%u.%u.%u.%u", m->version.part[0],
			    m->version.part[1], m->version.part[2], m->version.part[3]);
		fprintf(out, "0x%08" PRIx64 " - 0x%08" PRIx64 "  %s  %s%s", m->base,
		    m->base + m->size - 1, path_basename(m->code_file), version,
		    main_module && m->base == main_module->base ? "  (main)" : "");
		if (ps->res.state[order[k]] == 2)
			fprintf(out, "  (WARNING: No symbols, %s, %s)", path_basename(m->debug_file),
			    m->debug_id);
		fputc('\n', out);
	}
	free(order);
}

void output_text(FILE *out, const struct procstate *ps)
{
	print_summary(out, ps);
	int number = 0, requesting_number = -1;
	for (int i = 0; i < ps->nthreads; i++) {
		if (i == ps->requesting)
			requesting_number = number;
		number += !ps->threads[i].is_dump_thread;
	}
	if (ps->requesting >= 0)
		print_thread(out, ps, ps->requesting, requesting_number);
	number = 0;
	for (int i = 0; i < ps->nthreads; i++) {
		if (ps->threads[i].is_dump_thread)
			continue;
		if (i != ps->requesting)
			print_thread(out, ps, i, number);
		number++;
	}
	print_modules(out, ps);
}
