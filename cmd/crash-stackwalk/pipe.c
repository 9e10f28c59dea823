/*
 * pipe.c: Breakpad's machine-readable report (minidump_stackwalk -m):
 * OS, CPU, GPU and Crash lines, a Module line per module, a blank line,
 * then "thread|frame|module|function|file|line|offset" per frame.
 */
#include "output.h"
#include "util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Prints s without the '|' and newline characters that would break fields. */
static void field(FILE *out, const char *s)
{
	for (; s && *s; s++)
		if (*s != '|' && *s != '\n')
			fputc(*s, out);
}

/* Thread numbers in this format skip the dump thread, as Breakpad's do. */
static int pipe_index(const struct procstate *ps, int i)
{
	int n = 0;
	for (int k = 0; k < i; k++)
		n += !ps->threads[k].is_dump_thread;
	return n;
}

static void print_header(FILE *out, const struct procstate *ps)
{
	const struct minidump *md = ps->md;
	char buf[32], text[512];
	fputs("OS|", out);
	field(out, procstate_os(md, buf, sizeof buf));
	fputc('|', out);
	procstate_os_version(md, text, sizeof text);
	field(out, text);
	fputs("\nCPU|", out);
	field(out, procstate_cpu(md, buf, sizeof buf));
	fputc('|', out);
	procstate_cpu_info(md, text, sizeof text);
	field(out, text);
	fprintf(out, "|%d\nGPU|||\n", md->sys.ncpus);
	if (ps->crashed) {
		fputs("Crash|", out);
		field(out, ps->reason);
		fprintf(out, "|0x%" PRIx64 "|", ps->crash_address);
	} else {
		fputs("Crash|No crash||", out);
	}
	if (ps->requesting >= 0)
		fprintf(out, "%d", pipe_index(ps, ps->requesting));
	fputc('\n', out);
}

static void print_modules(FILE *out, const struct minidump *md)
{
	int *order = procstate_modules_by_base(md);
	const struct md_module *main_module = minidump_main_module(md);
	for (uint32_t k = 0; k < md->nmodules; k++) {
		const struct md_module *m = &md->modules[order[k]];
		fputs("Module|", out);
		field(out, path_basename(m->code_file));
		fputc('|', out);
		if (m->version.present)
			fprintf(out, "%u.%u.%u.%u", m->version.part[0], m->version.part[1],
			    m->version.part[2], m->version.part[3]);
		fputc('|', out);
		field(out, path_basename(m->debug_file));
		fputc('|', out);
		field(out, m->debug_id);
		fprintf(out, "|0x%08" PRIx64 "|0x%08" PRIx64 "|%d\n", m->base, m->base + m->size - 1,
		    main_module && m->base == main_module->base);
	}
	free(order);
}

static void print_frame(FILE *out, const struct procstate *ps, int thread, int index,
    const struct frame *f)
{
	uint64_t ra = frame_return_address(f);
	fprintf(out, "%d|%d|", thread, index);
	if (f->module < 0) {
		fprintf(out, "||||0x%" PRIx64 "\n", ra);
		return;
	}
	const struct md_module *m = &ps->md->modules[f->module];
	field(out, path_basename(m->code_file));
	fputc('|', out);
	if (!f->function) {
		fprintf(out, "|||0x%" PRIx64 "\n", ra - m->base);
		return;
	}
	field(out, f->function);
	fputc('|', out);
	if (f->has_line_file) {
		field(out, f->file);
		fprintf(out, "|%d|0x%" PRIx64 "\n", (int)f->line, ra - f->line_base);
	} else {
		fprintf(out, "||0x%" PRIx64 "\n", ra - f->function_base);
	}
}

static void print_thread(FILE *out, const struct procstate *ps, int i)
{
	const struct thread_stack *st = &ps->threads[i];
	for (int k = 0; k < st->nframes; k++)
		print_frame(out, ps, pipe_index(ps, i), k, &st->frames[k]);
}

void output_pipe(FILE *out, const struct procstate *ps)
{
	print_header(out, ps);
	print_modules(out, ps->md);
	fputc('\n', out);
	if (ps->requesting >= 0)
		print_thread(out, ps, ps->requesting);
	for (int i = 0; i < ps->nthreads; i++)
		if (i != ps->requesting)
			print_thread(out, ps, i);
}
