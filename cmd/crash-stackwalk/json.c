/*
 * json.c: the JSON that Socorro's processor consumes, in the schema of
 * rust-minidump's minidump-stackwalk (see json-schema.md in the test
 * data): status, system_info, crash_info, crashing_thread, threads,
 * modules, unloaded_modules and the Linux extras.
 */
#include "jsonfast.h"
#include "output.h"
#include "util.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Pointers are hex strings padded to the crashing CPU's width. Written by
 * hand: a dump has thousands, and snprintf was a fifth of the walker.
 */
static json_t *hex(const struct procstate *ps, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	enum md_cpu cpu = minidump_cpu(ps->md);
	int width = cpu == MD_CPU_X86 || cpu == MD_CPU_ARM ? 8 : 16;
	char s[2 + 16];
	s[0] = '0';
	s[1] = 'x';
	for (int i = width + 1; i >= 2; i--, v >>= 4)
		s[i] = digits[v & 15];
	return json_stringn_nocheck(s, (size_t)width + 2);
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *registers(const struct procstate *ps, const struct md_context *c)
{
	static const char *const amd64[AMD64_NREGS] = {
		"rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp", "r8", "r9",
		"r10", "r11", "r12", "r13", "r14", "r15", "rip",
	};
	static const char *const x86[X86_NREGS] = {
		"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "eip", "eflags",
	};
	json_t *o = json_object();
	const char *const *names = c->cpu == MD_CPU_AMD64 ? amd64 : c->cpu == MD_CPU_X86 ? x86 : NULL;
	int n = c->cpu == MD_CPU_AMD64 ? AMD64_NREGS : X86_NREGS;
	for (int i = 0; names && i < n; i++)
		if (c->valid & (1ull << i))
			json_object_set_new_nocheck(o, names[i], hex(ps, c->reg[i]));
	if (c->cpu == MD_CPU_ARM64 || c->cpu == MD_CPU_ARM) {
		int count = c->cpu == MD_CPU_ARM64 ? ARM64_NREGS : ARM_NREGS;
		for (int i = 0; i < count; i++) {
			char name[8];
			if (c->cpu == MD_CPU_ARM64)
				snprintf(name, sizeof name, i == ARM64_SP ? "sp" : i == ARM64_PC ? "pc" :
				    i == ARM64_FP ? "fp" : i == ARM64_LR ? "lr" : "x%d", i);
			else
				snprintf(name, sizeof name, i == ARM_SP ? "sp" : i == ARM_LR ? "lr" :
				    i == ARM_PC ? "pc" : "r%d", i);
			json_object_set_new_nocheck(o, name, hex(ps, c->reg[i]));
		}
	}
	return o;
}

/* Inlined calls ride on their real frame, innermost first, as rust-minidump has them. */
static json_t *inlines_json(const struct frame *first, int n)
{
	if (!n)
		return json_null();
	json_t *a = json_array();
	for (int i = 0; i < n; i++) {
		json_t *o = json_object();
		json_object_set_new_nocheck(o, "function", json_string(first[i].function));
		json_object_set_new_nocheck(o, "file", first[i].has_line_file ? json_string(first[i].file) : json_null());
		json_object_set_new_nocheck(o, "line", first[i].has_line_file ? json_integer(first[i].line) : json_null());
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *frame_json(const struct procstate *ps, int index, const struct frame *f,
    json_t *inlines)
{
	json_t *o = json_object();
	const struct md_module *m = f->module >= 0 ? &ps->md->modules[f->module] : NULL;
	bool missing = m && ps->res.state[f->module] != 1;
	json_object_set_new_nocheck(o, "frame", json_integer(index));
	json_object_set_new_nocheck(o, "trust", json_string(frame_trust_name(f->trust)));
	json_object_set_new_nocheck(o, "offset", hex(ps, f->instruction));
	json_object_set_new_nocheck(o, "module", m ? json_string(path_basename(m->code_file)) : json_null());
	json_object_set_new_nocheck(o, "module_offset", m ? hex(ps, f->instruction - m->base) : json_null());
	json_object_set_new_nocheck(o, "function", str_or_null(f->function));
	json_object_set_new_nocheck(o, "function_offset",
	    f->function ? hex(ps, f->instruction - f->function_base) : json_null());
	json_object_set_new_nocheck(o, "file", f->has_line_file ? json_string(f->file) : json_null());
	json_object_set_new_nocheck(o, "line", f->has_line_file ? json_integer(f->line) : json_null());
	json_object_set_new_nocheck(o, "missing_symbols", json_boolean(missing));
	json_object_set_new_nocheck(o, "inlines", inlines);
	json_object_set_new_nocheck(o, "unloaded_modules", json_null());
	if (f->trust == TRUST_CONTEXT)
		json_object_set_new_nocheck(o, "registers", registers(ps, &f->ctx));
	return o;
}

static json_t *thread_json(const struct procstate *ps, int i)
{
	const struct thread_stack *st = &ps->threads[i];
	const struct md_thread *t = &ps->md->threads[st->thread_index];
	json_t *frames = json_array();
	int inline_start = 0, n = 0;
	for (int k = 0; k < st->nframes; k++) {
		if (st->frames[k].trust == TRUST_INLINE)
			continue;
		json_t *inl = inlines_json(&st->frames[inline_start], k - inline_start);
		json_array_append_new(frames, frame_json(ps, n++, &st->frames[k], inl));
		inline_start = k + 1;
	}
	json_t *o = json_object();
	json_object_set_new_nocheck(o, "frame_count", json_integer(n));
	json_object_set_new_nocheck(o, "frames", frames);
	json_object_set_new_nocheck(o, "thread_id", json_integer(t->id));
	json_object_set_new_nocheck(o, "thread_name", str_or_null(t->name));
	json_object_set_new_nocheck(o, "last_error_value", json_null());
	return o;
}

static json_t *system_info(const struct procstate *ps)
{
	const struct minidump *md = ps->md;
	char buf[32], text[512];
	json_t *o = json_object();
	json_object_set_new_nocheck(o, "os", json_string(procstate_os(md, buf, sizeof buf)));
	const struct md_system_info *s = &md->sys;
	/*
	 * Linux writers leave the version 0.0.0 and put uname's "sysname
	 * release version machine" in the CSD string: keep release and version.
	 */
	const char *first = s->csd_version ? strchr(s->csd_version, ' ') : NULL;
	const char *last = s->csd_version ? strrchr(s->csd_version, ' ') : NULL;
	if (!s->major && !s->minor && !s->build && first && last > first)
		snprintf(text, sizeof text, "%.*s", (int)(last - first - 1), first + 1);
	else if (!s->major && !s->minor && !s->build && s->csd_version)
		snprintf(text, sizeof text, "%s", s->csd_version);
	else
		procstate_os_version(md, text, sizeof text);
	json_object_set_new_nocheck(o, "os_ver", json_string(text));
	json_object_set_new_nocheck(o, "cpu_arch", json_string(procstate_cpu(md, buf, sizeof buf)));
	procstate_cpu_info(md, text, sizeof text);
	json_object_set_new_nocheck(o, "cpu_info", text[0] ? json_string(text) : json_null());
	json_object_set_new_nocheck(o, "cpu_count", json_integer(s->ncpus));
	json_object_set_new_nocheck(o, "cpu_microcode_version", json_null());
	return o;
}

static json_t *crash_info(const struct procstate *ps)
{
	json_t *o = json_object();
	json_object_set_new_nocheck(o, "type", ps->crashed ? json_string(ps->reason_short) : json_null());
	json_object_set_new_nocheck(o, "address", ps->crashed ? hex(ps, ps->crash_address) : json_null());
	json_object_set_new_nocheck(o, "crashing_thread",
	    ps->requesting >= 0 ? json_integer(ps->requesting) : json_null());
	json_object_set_new_nocheck(o, "assertion", json_null());
	json_object_set_new_nocheck(o, "crash_inconsistencies", json_array());
	return o;
}

static json_t *modules_json(const struct procstate *ps, const bool *used)
{
	const struct minidump *md = ps->md;
	json_t *a = json_array();
	for (uint32_t i = 0; i < md->nmodules; i++) {
		const struct md_module *m = &md->modules[i];
		json_t *o = json_object();
		json_object_set_new_nocheck(o, "base_addr", hex(ps, m->base));
		json_object_set_new_nocheck(o, "end_addr", hex(ps, m->base + m->size));
		json_object_set_new_nocheck(o, "filename", json_string(path_basename(m->code_file)));
		json_object_set_new_nocheck(o, "code_id", json_string(m->code_id));
		json_object_set_new_nocheck(o, "debug_file", json_string(path_basename(m->debug_file)));
		json_object_set_new_nocheck(o, "debug_id", json_string(m->debug_id));
		json_object_set_new_nocheck(o, "loaded_symbols", json_boolean(ps->res.state[i] == 1));
		json_object_set_new_nocheck(o, "missing_symbols", json_boolean(used[i] && ps->res.state[i] == 2));
		json_object_set_new_nocheck(o, "corrupt_symbols", json_boolean(false));
		json_object_set_new_nocheck(o, "symbol_url", json_null());
		json_object_set_new_nocheck(o, "cert_subject", json_null());
		if (m->version.present) {
			char v[48];
			snprintf(v, sizeof v, "%u.%u.%u.%u", m->version.part[0], m->version.part[1],
			    m->version.part[2], m->version.part[3]);
			json_object_set_new_nocheck(o, "version", json_string(v));
		} else {
			json_object_set_new_nocheck(o, "version", json_null());
		}
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *unloaded_json(const struct procstate *ps)
{
	json_t *a = json_array();
	for (uint32_t i = 0; i < ps->md->nunloaded; i++) {
		const struct md_module *m = &ps->md->unloaded[i];
		json_t *o = json_object();
		json_object_set_new_nocheck(o, "base_addr", hex(ps, m->base));
		json_object_set_new_nocheck(o, "end_addr", hex(ps, m->base + m->size));
		json_object_set_new_nocheck(o, "filename", json_string(path_basename(m->code_file)));
		json_object_set_new_nocheck(o, "code_id", json_string(m->code_id));
		json_array_append_new(a, o);
	}
	return a;
}

/* DISTRIB_ID=Ubuntu etc. from /etc/lsb-release, as Breakpad's Linux client stores it. */
static json_t *lsb_release(const char *text)
{
	static const char *const keys[][2] = {
		{ "DISTRIB_ID", "id" }, { "DISTRIB_RELEASE", "release" },
		{ "DISTRIB_CODENAME", "codename" }, { "DISTRIB_DESCRIPTION", "description" },
	};
	if (!text)
		return json_null();
	json_t *o = json_object();
	char *copy = xstrdup(text), *save = NULL;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = 0;
		char *v = eq + 1;
		size_t n = strlen(v);
		if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
			v[n - 1] = 0;
			v++;
		}
		for (size_t k = 0; k < 4; k++)
			if (!strcmp(line, keys[k][0]))
				json_object_set_new_nocheck(o, keys[k][1], json_string(v));
	}
	free(copy);
	return o;
}

/* From the misc info stream, or the "Pid:" line of Linux's /proc/PID/status. */
static json_t *process_id(const struct minidump *md)
{
	if (md->has_misc && md->misc.has_pid)
		return json_integer(md->misc.pid);
	const char *p = md->linux_proc_status ? strstr(md->linux_proc_status, "\nPid:") : NULL;
	if (!p && md->linux_proc_status && !strncmp(md->linux_proc_status, "Pid:", 4))
		p = md->linux_proc_status - 1;
	if (!p)
		return json_null();
	return json_integer(strtol(p + 5, NULL, 10));
}

static int count_lines(const char *s)
{
	int n = 0;
	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

json_t *procstate_json(const struct procstate *ps)
{
	const struct minidump *md = ps->md;
	bool *used = xcalloc(md->nmodules + 1, sizeof *used);
	for (int i = 0; i < ps->nthreads; i++)
		for (int k = 0; k < ps->threads[i].nframes; k++)
			if (ps->threads[i].frames[k].module >= 0)
				used[ps->threads[i].frames[k].module] = true;
	json_t *o = json_object();
	json_object_set_new_nocheck(o, "status", json_string(minidump_status_name(md->status)));
	json_object_set_new_nocheck(o, "system_info", system_info(ps));
	json_object_set_new_nocheck(o, "crash_info", crash_info(ps));
	json_t *threads = json_array();
	for (int i = 0; i < ps->nthreads; i++)
		json_array_append_new(threads, thread_json(ps, i));
	json_object_set_new_nocheck(o, "thread_count", json_integer(ps->nthreads));
	if (ps->requesting >= 0) {
		json_t *ct = thread_json(ps, ps->requesting);
		json_object_set_new_nocheck(ct, "threads_index", json_integer(ps->requesting));
		json_object_set_new_nocheck(o, "crashing_thread", ct);
	} else {
		json_object_set_new_nocheck(o, "crashing_thread", json_null());
	}
	json_object_set_new_nocheck(o, "threads", threads);
	json_object_set_new_nocheck(o, "modules", modules_json(ps, used));
	json_object_set_new_nocheck(o, "unloaded_modules", unloaded_json(ps));
	json_object_set_new_nocheck(o, "main_module", md->nmodules ? json_integer(0) : json_null());
	json_object_set_new_nocheck(o, "pid", process_id(md));
	json_object_set_new_nocheck(o, "process_uptime", md->has_misc && md->misc.has_times &&
	    md->timestamp >= md->misc.create_time ?
	    json_integer(md->timestamp - md->misc.create_time) : json_null());
	json_object_set_new_nocheck(o, "lsb_release", lsb_release(md->linux_lsb_release));
	json_object_set_new_nocheck(o, "linux_memory_map_count", md->linux_maps ?
	    json_integer(count_lines(md->linux_maps)) : json_null());
	json_object_set_new_nocheck(o, "modules_contains_cert_info", json_boolean(false));
	free(used);
	return o;
}

void output_json(FILE *out, const struct procstate *ps, bool pretty)
{
	json_t *o = procstate_json(ps);
	size_t len;
	char *text = pretty ? NULL : jsonfast_dumps(o, &len);	/* compact: crash-process's */
	if (text)
		fwrite(text, 1, len, out);
	else
		json_dumpf(o, out, JSON_SORT_KEYS | (pretty ? JSON_INDENT(2) : JSON_COMPACT));
	free(text);
	fputc('\n', out);
	json_decref(o);
}
