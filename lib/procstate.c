/*
 * procstate.c: from a parsed minidump to walked threads and the crash
 * summary, following Breakpad's processor: the dump thread is left out,
 * and the crashing thread starts from the exception's context.
 */
#include "procstate.h"
#include "crashreason.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void procstate_build(struct procstate *ps, struct minidump *md,
    const char *const *roots, int nroots, const char *cache_dir)
{
	memset(ps, 0, sizeof *ps);
	ps->md = md;
	ps->requesting = -1;
	resolver_init(&ps->res, md, roots, nroots, cache_dir);
	ps->res.no_symbols = nroots == 0;
	uint32_t requesting_id = 0;
	bool have_requesting = false;
	if (md->has_exception) {
		ps->crashed = true;
		requesting_id = md->exc.thread_id;
		have_requesting = true;
		ps->crash_address = crash_reason(md, ps->reason, sizeof ps->reason);
		snprintf(ps->reason_short, sizeof ps->reason_short, "%s", ps->reason);
		char *unknown = strstr(ps->reason_short, " /0x");
		if (!unknown)
			unknown = strstr(ps->reason_short, " / 0x");
		if (unknown && strncmp(ps->reason_short, "0x", 2))
			*unknown = 0;
		enum md_cpu cpu = minidump_cpu(md);
		if (md->has_system_info && (cpu == MD_CPU_X86 || cpu == MD_CPU_ARM))
			ps->crash_address = (uint32_t)ps->crash_address;
	} else if (md->has_requesting_thread) {
		requesting_id = md->requesting_thread_id;
		have_requesting = true;
	}
	ps->threads = xcalloc(md->nthreads + 1, sizeof *ps->threads);
	for (uint32_t i = 0; i < md->nthreads; i++) {
		const struct md_thread *t = &md->threads[i];
		struct thread_stack *st = &ps->threads[ps->nthreads];
		st->thread_index = i;
		/* Breakpad leaves out the thread that wrote the dump. */
		if (md->has_dump_thread && t->id == md->dump_thread_id) {
			st->is_dump_thread = true;
			ps->nthreads++;
			continue;
		}
		const struct md_context *ctx = t->has_context ? &t->context : NULL;
		if (have_requesting && t->id == requesting_id) {
			ps->requesting = ps->nthreads;
			if (ps->crashed && md->exc.has_context)
				ctx = &md->exc.context;
		}
		if (ctx)
			stackwalk_thread(&ps->res, t, ctx, st);
		ps->nthreads++;
	}
}

void procstate_free(struct procstate *ps)
{
	for (int i = 0; i < ps->nthreads; i++)
		thread_stack_free(&ps->threads[i]);
	free(ps->threads);
	resolver_free(&ps->res);
}

const char *procstate_os(const struct minidump *md, char *buf, unsigned long len)
{
	switch (md->sys.platform) {
	case 1: return "Windows";
	case 2: return "Windows NT";
	case 0x8101: return "Mac OS X";
	case 0x8102: return "iOS";
	case 0x8201: return "Linux";
	case 0x8202: return "Solaris";
	case 0x8203: return "Android";
	case 0x8204: return "PS3";
	case 0x8205: return "NaCl";
	case 0x8206: return "Fuchsia";
	}
	snprintf(buf, len, "0x%08x", md->sys.platform);
	return buf;
}

void procstate_os_version(const struct minidump *md, char *out, unsigned long len)
{
	const struct md_system_info *s = &md->sys;
	int n = snprintf(out, len, "%u.%u.%u", s->major, s->minor, s->build);
	if (s->csd_version && n >= 0 && (unsigned long)n < len)
		snprintf(out + n, len - n, " %s", s->csd_version);
}

const char *procstate_cpu(const struct minidump *md, char *buf, unsigned long len)
{
	switch (md->sys.arch) {
	case 0: return "x86";
	case 1: return "mips";
	case 3: return "ppc";
	case 5: return "arm";
	case 9: return "amd64";
	case 12: case 0x8003: return "arm64";
	case 0x8001: return "sparc";
	case 0x8002: return "ppc64";
	case 0x8004: return "mips64";
	case 0x8005: return "riscv";
	case 0x8006: return "riscv64";
	}
	snprintf(buf, len, "0x%04x", md->sys.arch);
	return buf;
}

void procstate_cpu_info(const struct minidump *md, char *out, unsigned long len)
{
	const struct md_system_info *s = &md->sys;
	out[0] = 0;
	if (s->arch != 0 && s->arch != 9)
		return;
	/* The CPUID vendor is only shown for 32-bit x86, as Breakpad does. */
	bool vendor = s->arch == 0 && s->vendor[0];
	snprintf(out, len, "%s%sfamily %u model %u stepping %u", vendor ? s->vendor : "",
	    vendor ? " " : "", s->level, s->revision >> 8, s->revision & 0xff);
}

static const struct minidump *sort_md;

static int by_module_base(const void *a, const void *b)
{
	uint64_t x = sort_md->modules[*(const int *)a].base, y = sort_md->modules[*(const int *)b].base;
	return x < y ? -1 : x > y;
}

int *procstate_modules_by_base(const struct minidump *md)
{
	int *order = xcalloc(md->nmodules + 1, sizeof *order);
	for (uint32_t i = 0; i < md->nmodules; i++)
		order[i] = i;
	sort_md = md;
	qsort(order, md->nmodules, sizeof *order, by_module_base);
	return order;
}
