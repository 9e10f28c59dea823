/*
 * minidump.c: decoding minidump streams, bounds-checked.
 *
 * All multi-byte fields are little-endian. Structures are read field by
 * field at their documented offsets rather than overlaid with C structs,
 * so packing and alignment in the file never matter.
 */
#include "minidump.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MD_SIGNATURE		0x504d444du	/* "MDMP" */
#define MD_VERSION		0xa793u
#define MAX_STRING_BYTES	65536
#define MAX_LIST		100000		/* entries of any list */
#define MAX_ANNOTATIONS		4096		/* Crashpad annotations in all */

enum stream_type {
	THREAD_LIST = 3, MODULE_LIST = 4, MEMORY_LIST = 5, EXCEPTION = 6,
	SYSTEM_INFO = 7, MEMORY64_LIST = 9, UNLOADED_MODULE_LIST = 14,
	MISC_INFO = 15, THREAD_NAME_LIST = 24,
	BREAKPAD_INFO = 0x47670001, LINUX_CPU_INFO = 0x47670003,
	LINUX_PROC_STATUS = 0x47670004, LINUX_LSB_RELEASE = 0x47670005,
	LINUX_CMD_LINE = 0x47670006, LINUX_ENVIRON = 0x47670007,
	LINUX_AUXV = 0x47670008, LINUX_MAPS = 0x47670009,
	CRASHPAD_INFO = 0x43500001,
};

/* Processor architectures of the system info stream. */
enum { ARCH_X86 = 0, ARCH_ARM = 5, ARCH_AMD64 = 9, ARCH_ARM64 = 12,
	ARCH_ARM64_OLD = 0x8003 };

/* Owned memory behind a minidump read from a file. */
struct mapping { struct minidump md; void *map; size_t maplen; };

static uint16_t le16(const uint8_t *p) { return p[0] | p[1] << 8; }
static uint32_t le32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t le64(const uint8_t *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }

static void set_status(struct minidump *md, enum md_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_status(struct minidump *md, enum md_status s, const char *fmt, ...)
{
	if (md->status != MD_OK)
		return;
	md->status = s;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(md->error, sizeof md->error, fmt, ap);
	va_end(ap);
}

/* The bytes [off, off+len) of the file, or NULL when they are not all there. */
static const uint8_t *at(const struct minidump *md, uint64_t off, uint64_t len)
{
	if (off > md->size || len > md->size - off)
		return NULL;
	return md->data + off;
}

/* A MINIDUMP_STRING (UTF-16LE with a byte length) as UTF-8; NULL if bad. */
static char *read_string(struct minidump *md, uint32_t rva)
{
	const uint8_t *p = at(md, rva, 4);
	if (!p)
		return NULL;
	uint32_t bytes = le32(p);
	if (bytes > MAX_STRING_BYTES || !(p = at(md, (uint64_t)rva + 4, bytes)))
		return NULL;
	struct buf b;
	buf_init(&b);
	buf_append(&b, "", 0);
	for (uint32_t i = 0; i + 1 < bytes; i += 2) {
		uint32_t c = le16(p + i);
		if (c >= 0xd800 && c < 0xdc00 && i + 3 < bytes) {
			uint32_t lo = le16(p + i + 2);
			if (lo >= 0xdc00 && lo < 0xe000) {
				c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
				i += 2;
			}
		}
		if (c == 0)
			break;
		buf_put_utf8(&b, c);
	}
	return buf_steal(&b);
}

/* A length-prefixed UTF-8 string (Crashpad's MinidumpUTF8String). */
static char *read_utf8(struct minidump *md, uint32_t rva)
{
	const uint8_t *p = at(md, rva, 4);
	uint32_t len = p ? le32(p) : 0;
	if (!p || len > MAX_STRING_BYTES || !(p = at(md, (uint64_t)rva + 4, len)))
		return NULL;
	return utf8_sanitize((const char *)p, strnlen((const char *)p, len), NULL);
}

/*
 * The entries of a list stream: a 32-bit count, then count entries of
 * esize bytes. Breakpad may put 4 bytes of padding after the count.
 * Returns the first entry and the number that lie inside the file.
 */
static const uint8_t *list_entries(struct minidump *md, const uint8_t *loc,
    uint32_t esize, const char *what, uint32_t *count)
{
	uint32_t size = le32(loc), rva = le32(loc + 4);
	const uint8_t *p = at(md, rva, 4);
	*count = 0;
	if (!p || size < 4) {
		set_status(md, MD_ERR_TRUNCATED, "%s: stream outside the file", what);
		return NULL;
	}
	uint32_t n = le32(p);
	uint64_t start = (uint64_t)rva + 4;
	if (size == 8 + (uint64_t)n * esize)
		start += 4;	/* Breakpad's padding */
	else if (size < 4 + (uint64_t)n * esize)
		set_status(md, MD_ERR_INVALID, "%s: %u entries do not fit in %u bytes", what, n, size);
	if (n > MAX_LIST) {
		set_status(md, MD_ERR_INVALID, "%s: %u entries", what, n);
		n = MAX_LIST;
	}
	uint64_t fit = start <= md->size ? (md->size - start) / esize : 0;
	if (n > fit) {
		set_status(md, MD_ERR_TRUNCATED, "%s: %u of %u entries past the end", what,
		    (uint32_t)(n - fit), n);
		n = fit;
	}
	*count = n;
	return md->data + start;
}

/* The memory a MINIDUMP_MEMORY_DESCRIPTOR points to. */
static void read_memory_descriptor(struct minidump *md, const uint8_t *p, struct md_memory *m)
{
	m->base = le64(p);
	uint32_t size = le32(p + 8), rva = le32(p + 12);
	m->data = at(md, rva, size);
	m->size = m->data ? size : 0;
}

static enum md_cpu cpu_of_arch(uint16_t arch)
{
	switch (arch) {
	case ARCH_X86: return MD_CPU_X86;
	case ARCH_AMD64: return MD_CPU_AMD64;
	case ARCH_ARM: return MD_CPU_ARM;
	case ARCH_ARM64: case ARCH_ARM64_OLD: return MD_CPU_ARM64;
	default: return MD_CPU_UNKNOWN;
	}
}

enum md_cpu minidump_cpu(const struct minidump *md)
{
	if (md->has_system_info)
		return cpu_of_arch(md->sys.arch);
	for (uint32_t i = 0; i < md->nthreads; i++)
		if (md->threads[i].has_context)
			return md->threads[i].context.cpu;
	return MD_CPU_UNKNOWN;
}

static void context_amd64(const uint8_t *p, struct md_context *c)
{
	/* DWARF order of the CONTEXT's integer registers at 0x78..0xf0. */
	static const uint8_t off[AMD64_NREGS] = {
		[AMD64_RAX] = 0x78, [AMD64_RCX] = 0x80, [AMD64_RDX] = 0x88,
		[AMD64_RBX] = 0x90, [AMD64_RSP] = 0x98, [AMD64_RBP] = 0xa0,
		[AMD64_RSI] = 0xa8, [AMD64_RDI] = 0xb0, [AMD64_R8] = 0xb8,
		[AMD64_R9] = 0xc0, [AMD64_R10] = 0xc8, [AMD64_R11] = 0xd0,
		[AMD64_R12] = 0xd8, [AMD64_R13] = 0xe0, [AMD64_R14] = 0xe8,
		[AMD64_R15] = 0xf0, [AMD64_RIP] = 0xf8,
	};
	c->cpu = MD_CPU_AMD64;
	c->flags = le32(p + 0x30);
	c->eflags_or_cpsr = le32(p + 0x44);
	for (int i = 0; i < AMD64_NREGS; i++)
		c->reg[i] = le64(p + off[i]);
	c->valid = (1ull << AMD64_NREGS) - 1;
}

static void context_x86(const uint8_t *p, struct md_context *c)
{
	static const uint8_t off[X86_NREGS] = {
		[X86_EAX] = 0xb0, [X86_ECX] = 0xac, [X86_EDX] = 0xa8,
		[X86_EBX] = 0xa4, [X86_ESP] = 0xc4, [X86_EBP] = 0xb4,
		[X86_ESI] = 0xa0, [X86_EDI] = 0x9c, [X86_EIP] = 0xb8,
		[X86_EFLAGS] = 0xc0,
	};
	c->cpu = MD_CPU_X86;
	c->flags = le32(p);
	c->eflags_or_cpsr = le32(p + 0xc0);
	for (int i = 0; i < X86_NREGS; i++)
		c->reg[i] = le32(p + off[i]);
	c->valid = (1ull << X86_NREGS) - 1;
}

static void context_arm(const uint8_t *p, struct md_context *c)
{
	c->cpu = MD_CPU_ARM;
	c->flags = le32(p);
	for (int i = 0; i < ARM_NREGS; i++)
		c->reg[i] = le32(p + 4 + 4 * i);
	c->eflags_or_cpsr = le32(p + 68);
	c->valid = (1ull << ARM_NREGS) - 1;
}

/* ARM64, current layout: flags, cpsr, x0..x30, sp, pc. */
static void context_arm64(const uint8_t *p, struct md_context *c)
{
	c->cpu = MD_CPU_ARM64;
	c->flags = le32(p);
	c->eflags_or_cpsr = le32(p + 4);
	for (int i = 0; i < ARM64_NREGS; i++)
		c->reg[i] = le64(p + 8 + 8 * i);
	c->valid = (1ull << ARM64_NREGS) - 1;
}

/* ARM64, Breakpad's old layout: 64-bit flags, x0..x31 (x31 = sp), pc, cpsr. */
static void context_arm64_old(const uint8_t *p, struct md_context *c)
{
	c->cpu = MD_CPU_ARM64;
	c->flags = (uint32_t)le64(p);
	for (int i = 0; i < 32; i++)
		c->reg[i] = le64(p + 8 + 8 * i);
	c->reg[ARM64_PC] = le64(p + 8 + 8 * 32);
	c->eflags_or_cpsr = le32(p + 8 + 8 * 33);
	c->valid = (1ull << ARM64_NREGS) - 1;
}

#define CTX_X86_SIZE		716
#define CTX_AMD64_SIZE		1232
#define CTX_ARM_SIZE		368
#define CTX_ARM64_SIZE		912
#define CTX_ARM64_OLD_SIZE	800
#define CTX_ARM64_OLD_FLAG	0x80000000u

/* Decodes a thread context; the CPU comes from the system info if known. */
static bool read_context(struct minidump *md, const uint8_t *loc, struct md_context *c)
{
	uint32_t size = le32(loc), rva = le32(loc + 4);
	const uint8_t *p = at(md, rva, size);
	memset(c, 0, sizeof *c);
	if (!p || size < 4)
		return false;
	enum md_cpu cpu = md->has_system_info ? cpu_of_arch(md->sys.arch) : MD_CPU_UNKNOWN;
	if (cpu == MD_CPU_UNKNOWN) {
		/* Guess from the size, as a dump without system info still has threads. */
		cpu = size == CTX_X86_SIZE ? MD_CPU_X86 : size >= CTX_AMD64_SIZE ? MD_CPU_AMD64 :
		    size == CTX_ARM_SIZE ? MD_CPU_ARM : size == CTX_ARM64_SIZE ||
		    size == CTX_ARM64_OLD_SIZE ? MD_CPU_ARM64 : MD_CPU_UNKNOWN;
	}
	switch (cpu) {
	case MD_CPU_X86:
		if (size < CTX_X86_SIZE)
			return false;
		context_x86(p, c);
		return true;
	case MD_CPU_AMD64:
		/* XSAVE and CET contexts are larger; the classic part comes first. */
		if (size < CTX_AMD64_SIZE)
			return false;
		context_amd64(p, c);
		return true;
	case MD_CPU_ARM:
		if (size < CTX_ARM_SIZE)
			return false;
		context_arm(p, c);
		return true;
	case MD_CPU_ARM64:
		if (size >= CTX_ARM64_OLD_SIZE && (le32(p) & CTX_ARM64_OLD_FLAG) &&
		    size != CTX_ARM64_SIZE) {
			context_arm64_old(p, c);
			return true;
		}
		if (size < CTX_ARM64_SIZE)
			return false;
		context_arm64(p, c);
		return true;
	default:
		return false;
	}
}

static void parse_threads(struct minidump *md, const uint8_t *loc)
{
	uint32_t n;
	const uint8_t *p = list_entries(md, loc, 48, "thread list", &n);
	if (!p || md->threads)
		return;
	md->threads = xcalloc(n, sizeof *md->threads);
	md->nthreads = n;
	for (uint32_t i = 0; i < n; i++, p += 48) {
		struct md_thread *t = &md->threads[i];
		t->id = le32(p);
		t->teb = le64(p + 16);
		read_memory_descriptor(md, p + 24, &t->stack);
		t->has_context = read_context(md, p + 40, &t->context);
	}
}

void minidump_guid_id(char out[48], const uint8_t *g, uint32_t age)
{
	snprintf(out, 48, "%08X%04X%04X%02X%02X%02X%02X%02X%02X%02X%02X%x",
	    le32(g), le16(g + 4), le16(g + 6), g[8], g[9], g[10], g[11], g[12],
	    g[13], g[14], g[15], age);
}

/* Debug file and identifier from the CodeView record: PDB 7.0, 2.0, ELF. */
static void read_codeview(struct minidump *md, struct md_module *m, const uint8_t *loc)
{
	uint32_t size = le32(loc), rva = le32(loc + 4);
	const uint8_t *p = at(md, rva, size);
	if (!p || size < 4)
		return;
	uint32_t sig = le32(p);
	if (sig == 0x53445352 && size >= 24) {		/* "RSDS" */
		minidump_guid_id(m->debug_id, p + 4, le32(p + 20));
		m->debug_file = utf8_sanitize((const char *)p + 24, strnlen((const char *)p + 24, size - 24), NULL);
	} else if (sig == 0x3031424e && size >= 16) {	/* "NB10" */
		snprintf(m->debug_id, sizeof m->debug_id, "%08X%x", le32(p + 8), le32(p + 12));
		m->debug_file = utf8_sanitize((const char *)p + 16, strnlen((const char *)p + 16, size - 16), NULL);
	} else if (sig == 0x4270454c) {			/* "BpEL": ELF build ID */
		uint8_t guid[16] = { 0 };
		size_t idlen = size - 4;
		memcpy(guid, p + 4, idlen < 16 ? idlen : 16);
		minidump_guid_id(m->debug_id, guid, 0);
		m->debug_file = xstrdup(m->code_file);	/* ELF: the file is its own debug file */
		size_t k = 0;
		for (size_t i = 0; i < idlen && k + 3 < sizeof m->code_id; i++, k += 2)
			snprintf(m->code_id + k, 3, "%02x", p[4 + i]);
	}
}

static void parse_modules(struct minidump *md, const uint8_t *loc)
{
	uint32_t n;
	const uint8_t *p = list_entries(md, loc, 108, "module list", &n);
	if (!p || md->modules)
		return;
	md->modules = xcalloc(n, sizeof *md->modules);
	md->nmodules = n;
	for (uint32_t i = 0; i < n; i++, p += 108) {
		struct md_module *m = &md->modules[i];
		m->base = le64(p);
		m->size = le32(p + 8);
		m->checksum = le32(p + 12);
		m->timestamp = le32(p + 16);
		m->code_file = read_string(md, le32(p + 20));
		if (!m->code_file)
			m->code_file = xstrdup("");
		const uint8_t *vs = p + 24;
		if (le32(vs) == 0xfeef04bd) {
			m->version.present = true;
			m->version.part[0] = le32(vs + 8) >> 16;
			m->version.part[1] = le32(vs + 8) & 0xffff;
			m->version.part[2] = le32(vs + 12) >> 16;
			m->version.part[3] = le32(vs + 12) & 0xffff;
		}
		read_codeview(md, m, p + 76);
		if (!m->debug_file)
			m->debug_file = xstrdup("");
		if (!m->code_id[0])
			snprintf(m->code_id, sizeof m->code_id, "%08x%x", m->timestamp, (unsigned)m->size);
	}
}

static void parse_unloaded(struct minidump *md, const uint8_t *loc)
{
	uint32_t size = le32(loc), rva = le32(loc + 4);
	const uint8_t *p = at(md, rva, 12);
	if (!p || md->unloaded || size < 12)
		return;
	uint32_t hsize = le32(p), esize = le32(p + 4), n = le32(p + 8);
	if (esize < 24 || hsize < 12 || n > MAX_LIST) {
		set_status(md, MD_ERR_INVALID, "unloaded module list: bad sizes");
		return;
	}
	uint64_t fit = ((uint64_t)size - hsize) / esize;
	if (n > fit)
		n = fit;
	md->unloaded = xcalloc(n, sizeof *md->unloaded);
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e = at(md, (uint64_t)rva + hsize + (uint64_t)i * esize, 24);
		if (!e)
			break;
		struct md_module *m = &md->unloaded[md->nunloaded++];
		m->base = le64(e);
		m->size = le32(e + 8);
		m->checksum = le32(e + 12);
		m->timestamp = le32(e + 16);
		m->code_file = read_string(md, le32(e + 20));
		if (!m->code_file)
			m->code_file = xstrdup("");
	}
}

static void add_memory(struct minidump *md, struct md_memory m)
{
	if (!m.data || !m.size)
		return;
	if ((md->nmemory & (md->nmemory - 1)) == 0)	/* grow at powers of two */
		md->memory = xrealloc(md->memory, (md->nmemory ? 2 * md->nmemory : 1) * sizeof *md->memory);
	md->memory[md->nmemory++] = m;
}

static void parse_memory(struct minidump *md, const uint8_t *loc)
{
	uint32_t n;
	const uint8_t *p = list_entries(md, loc, 16, "memory list", &n);
	for (uint32_t i = 0; p && i < n; i++, p += 16) {
		struct md_memory m;
		read_memory_descriptor(md, p, &m);
		add_memory(md, m);
	}
}

static void parse_memory64(struct minidump *md, const uint8_t *loc)
{
	uint32_t size = le32(loc), rva = le32(loc + 4);
	const uint8_t *p = at(md, rva, 16);
	if (!p || size < 16)
		return;
	uint64_t n = le64(p), data = le64(p + 8);
	if (n > (size - 16) / 16 || n > MAX_LIST) {
		set_status(md, MD_ERR_INVALID, "memory64 list: %llu ranges", (unsigned long long)n);
		n = (size - 16) / 16 < MAX_LIST ? (size - 16) / 16 : MAX_LIST;
	}
	for (uint64_t i = 0; i < n; i++) {
		const uint8_t *d = p + 16 + 16 * i;
		uint64_t base = le64(d), len = le64(d + 8);
		struct md_memory m = { .base = base, .size = len, .data = at(md, data, len) };
		if (!m.data) {
			set_status(md, MD_ERR_TRUNCATED, "memory64 list: range past the end");
			break;
		}
		add_memory(md, m);
		data += len;
	}
}

static void parse_exception(struct minidump *md, const uint8_t *loc)
{
	const uint8_t *p = at(md, le32(loc + 4), 168);
	if (!p || le32(loc) < 168) {
		set_status(md, MD_ERR_TRUNCATED, "exception stream outside the file");
		return;
	}
	struct md_exception *e = &md->exc;
	md->has_exception = true;
	e->thread_id = le32(p);
	e->code = le32(p + 8);
	e->flags = le32(p + 12);
	e->address = le64(p + 24);
	e->nparams = le32(p + 32);
	if (e->nparams > 15)
		e->nparams = 15;
	for (uint32_t i = 0; i < e->nparams; i++)
		e->params[i] = le64(p + 40 + 8 * i);
	e->has_context = read_context(md, p + 160, &e->context);
}

static void parse_system_info(struct minidump *md, const uint8_t *loc)
{
	const uint8_t *p = at(md, le32(loc + 4), 56);
	if (!p || le32(loc) < 32) {
		set_status(md, MD_ERR_TRUNCATED, "system info outside the file");
		return;
	}
	struct md_system_info *s = &md->sys;
	md->has_system_info = true;
	s->arch = le16(p);
	s->level = le16(p + 2);
	s->revision = le16(p + 4);
	s->ncpus = p[6];
	s->product_type = p[7];
	s->major = le32(p + 8);
	s->minor = le32(p + 12);
	s->build = le32(p + 16);
	s->platform = le32(p + 20);
	s->csd_version = read_string(md, le32(p + 24));
	if (s->arch == ARCH_X86 || s->arch == ARCH_AMD64) {
		memcpy(s->vendor, p + 32, 12);
		s->vendor[12] = 0;
		for (int i = 0; i < 12; i++)
			if ((unsigned char)s->vendor[i] < 0x20 || (unsigned char)s->vendor[i] > 0x7e)
				s->vendor[i] = 0;
		s->cpu_version = le32(p + 44);
		s->cpu_features = le32(p + 48);
	}
}

static void parse_misc(struct minidump *md, const uint8_t *loc)
{
	uint32_t size = le32(loc);
	const uint8_t *p = at(md, le32(loc + 4), 24);
	if (!p || size < 24)
		return;
	md->has_misc = true;
	md->misc.flags = le32(p + 4);
	md->misc.pid = le32(p + 8);
	md->misc.create_time = le32(p + 12);
	md->misc.user_time = le32(p + 16);
	md->misc.kernel_time = le32(p + 20);
	md->misc.has_pid = md->misc.flags & 1;
	md->misc.has_times = md->misc.flags & 2;
}

static void parse_breakpad_info(struct minidump *md, const uint8_t *loc)
{
	const uint8_t *p = at(md, le32(loc + 4), 12);
	if (!p || le32(loc) < 12)
		return;
	uint32_t validity = le32(p);
	md->has_breakpad_info = true;
	md->has_dump_thread = validity & 1;
	md->has_requesting_thread = validity & 2;
	md->dump_thread_id = le32(p + 4);
	md->requesting_thread_id = le32(p + 8);
}

struct id_index { uint32_t id, index; };

static int by_id(const void *a, const void *b)
{
	const struct id_index *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

static void parse_thread_names(struct minidump *md, const uint8_t *loc)
{
	uint32_t n;
	const uint8_t *p = list_entries(md, loc, 12, "thread names", &n);
	if (!p || !md->nthreads)
		return;
	/* Thread IDs sorted, so that many names cost n log n, not n squared. */
	struct id_index *ids = xcalloc(md->nthreads, sizeof *ids);
	for (uint32_t k = 0; k < md->nthreads; k++)
		ids[k] = (struct id_index){ md->threads[k].id, k };
	qsort(ids, md->nthreads, sizeof *ids, by_id);
	for (uint32_t i = 0; i < n; i++, p += 12) {
		struct id_index key = { le32(p), 0 };
		const struct id_index *hit = bsearch(&key, ids, md->nthreads, sizeof *ids, by_id);
		uint64_t rva = le64(p + 4);
		struct md_thread *t = hit ? &md->threads[hit->index] : NULL;
		if (t && !t->name && rva < UINT32_MAX)
			t->name = read_string(md, (uint32_t)rva);
	}
	free(ids);
}

/* A text stream as a NUL-terminated copy into *out; the first of a kind wins. */
static void text_stream(struct minidump *md, const uint8_t *loc, char **out, size_t *len)
{
	uint32_t size = le32(loc);
	const uint8_t *p = at(md, le32(loc + 4), size);
	if (!p || *out)
		return;
	if (len)
		*len = size;
	*out = xstrndup((const char *)p, size);
}

static void add_annotations(struct minidump *md, uint32_t module, const uint8_t *loc)
{
	uint32_t n;
	if (!le32(loc))
		return;
	const uint8_t *p = list_entries(md, loc, 8, "crashpad annotations", &n);
	/* Module links may all point at one huge list: bound the total. */
	for (uint32_t i = 0; p && i < n && md->nannotations < MAX_ANNOTATIONS; i++, p += 8) {
		char *key = read_utf8(md, le32(p)), *value = read_utf8(md, le32(p + 4));
		if (!key || !value) {
			free(key);
			free(value);
			continue;
		}
		if ((md->nannotations & (md->nannotations - 1)) == 0)	/* grow at powers of two */
			md->annotations = xrealloc(md->annotations,
			    (md->nannotations ? 2 * md->nannotations : 1) * sizeof *md->annotations);
		md->annotations[md->nannotations++] = (struct md_annotation){ module, key, value };
	}
}

static void parse_crashpad_info(struct minidump *md, const uint8_t *loc)
{
	const uint8_t *p = at(md, le32(loc + 4), 52);
	if (!p || le32(loc) < 52)
		return;
	add_annotations(md, UINT32_MAX, p + 36);
	uint32_t n;
	const uint8_t *link = le32(p + 44) ? list_entries(md, p + 44, 12, "crashpad modules", &n) : NULL;
	for (uint32_t i = 0; link && i < n; i++, link += 12) {
		const uint8_t *info = at(md, le32(link + 8), 28);
		if (info && le32(link + 4) >= 28)
			add_annotations(md, le32(link), info + 12);
	}
}

static void parse_stream(struct minidump *md, uint32_t type, const uint8_t *loc)
{
	switch (type) {
	case THREAD_LIST: parse_threads(md, loc); break;
	case MODULE_LIST: parse_modules(md, loc); break;
	case MEMORY_LIST: parse_memory(md, loc); break;
	case MEMORY64_LIST: parse_memory64(md, loc); break;
	case EXCEPTION: parse_exception(md, loc); break;
	case UNLOADED_MODULE_LIST: parse_unloaded(md, loc); break;
	case MISC_INFO: parse_misc(md, loc); break;
	case BREAKPAD_INFO: parse_breakpad_info(md, loc); break;
	case CRASHPAD_INFO: parse_crashpad_info(md, loc); break;
	case LINUX_CPU_INFO: text_stream(md, loc, &md->linux_cpuinfo, NULL); break;
	case LINUX_PROC_STATUS: text_stream(md, loc, &md->linux_proc_status, NULL); break;
	case LINUX_LSB_RELEASE: text_stream(md, loc, &md->linux_lsb_release, NULL); break;
	case LINUX_CMD_LINE: text_stream(md, loc, &md->linux_cmdline, &md->linux_cmdline_size); break;
	case LINUX_ENVIRON: text_stream(md, loc, &md->linux_environ, &md->linux_environ_size); break;
	case LINUX_MAPS: text_stream(md, loc, &md->linux_maps, NULL); break;
	case LINUX_AUXV:
		md->linux_auxv = at(md, le32(loc + 4), le32(loc));
		md->linux_auxv_size = md->linux_auxv ? le32(loc) : 0;
		break;
	}
}

static int by_base(const void *a, const void *b)
{
	const struct md_memory *x = a, *y = b;
	return x->base < y->base ? -1 : x->base > y->base;
}

/* Reads the directory; system info first, since contexts depend on it. */
static void parse_all(struct minidump *md)
{
	const uint8_t *h = at(md, 0, 32);
	if (!h || le32(h) != MD_SIGNATURE || (le32(h + 4) & 0xffff) != MD_VERSION) {
		set_status(md, MD_ERR_HEADER, "not a minidump (bad signature or version)");
		return;
	}
	uint32_t n = le32(h + 8), rva = le32(h + 12);
	md->timestamp = le32(h + 20);
	if (n > 4096) {
		set_status(md, MD_ERR_INVALID, "%u streams", n);
		return;
	}
	const uint8_t *dir = at(md, rva, (uint64_t)n * 12);
	if (!dir) {
		set_status(md, MD_ERR_TRUNCATED, "stream directory past the end of the file");
		return;
	}
	for (uint32_t i = 0; i < n; i++)
		if (le32(dir + 12 * i) == SYSTEM_INFO && !md->has_system_info)
			parse_system_info(md, dir + 12 * i + 4);
	for (uint32_t i = 0; i < n; i++)
		if (le32(dir + 12 * i) != THREAD_NAME_LIST && le32(dir + 12 * i) != SYSTEM_INFO)
			parse_stream(md, le32(dir + 12 * i), dir + 12 * i + 4);
	for (uint32_t i = 0; i < n; i++)
		if (le32(dir + 12 * i) == THREAD_NAME_LIST)
			parse_thread_names(md, dir + 12 * i + 4);
	if (md->nmemory > 1)
		qsort(md->memory, md->nmemory, sizeof *md->memory, by_base);
	if (!md->nthreads && !md->nmodules && !md->has_exception)
		set_status(md, MD_ERR_INVALID, "no threads, modules or exception");
}

struct minidump *minidump_parse(const uint8_t *data, size_t size)
{
	struct mapping *m = xcalloc(1, sizeof *m);
	m->md.data = data;
	m->md.size = size;
	parse_all(&m->md);
	return &m->md;
}

struct minidump *minidump_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		struct mapping *m = xcalloc(1, sizeof *m);
		m->md.status = MD_ERR_OPEN;
		snprintf(m->md.error, sizeof m->md.error, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return &m->md;
	}
	void *map = st.st_size ? mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
	close(fd);
	if (map == MAP_FAILED)
		map = NULL;
	struct minidump *md = minidump_parse(map, map ? st.st_size : 0);
	struct mapping *m = (struct mapping *)md;
	m->map = map;
	m->maplen = st.st_size;
	return md;
}

static void free_module(struct md_module *m)
{
	free(m->code_file);
	free(m->debug_file);
}

void minidump_free(struct minidump *md)
{
	if (!md)
		return;
	struct mapping *m = (struct mapping *)md;
	for (uint32_t i = 0; i < md->nthreads; i++)
		free(md->threads[i].name);
	free(md->threads);
	for (uint32_t i = 0; i < md->nmodules; i++)
		free_module(&md->modules[i]);
	free(md->modules);
	for (uint32_t i = 0; i < md->nunloaded; i++)
		free_module(&md->unloaded[i]);
	free(md->unloaded);
	for (uint32_t i = 0; i < md->nannotations; i++) {
		free(md->annotations[i].key);
		free(md->annotations[i].value);
	}
	free(md->annotations);
	free(md->memory);
	free(md->sys.csd_version);
	free(md->linux_cpuinfo);
	free(md->linux_proc_status);
	free(md->linux_lsb_release);
	free(md->linux_cmdline);
	free(md->linux_environ);
	free(md->linux_maps);
	if (m->map)
		munmap(m->map, m->maplen);
	free(m);
}

bool minidump_read(const struct minidump *md, uint64_t addr, void *out, size_t size)
{
	/* The last region starting at or below addr. */
	uint32_t lo = 0, hi = md->nmemory;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (md->memory[mid].base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return false;
	const struct md_memory *m = &md->memory[lo - 1];
	uint64_t off = addr - m->base;
	if (off >= m->size || size > m->size - off)
		return false;
	memcpy(out, m->data + off, size);
	return true;
}

const struct md_module *minidump_module_at(const struct minidump *md, uint64_t addr)
{
	for (uint32_t i = 0; i < md->nmodules; i++) {
		const struct md_module *m = &md->modules[i];
		if (addr >= m->base && addr - m->base < m->size)
			return m;
	}
	return NULL;
}

const struct md_module *minidump_main_module(const struct minidump *md)
{
	return md->nmodules ? &md->modules[0] : NULL;
}

const struct md_thread *minidump_thread(const struct minidump *md, uint32_t id)
{
	for (uint32_t i = 0; i < md->nthreads; i++)
		if (md->threads[i].id == id)
			return &md->threads[i];
	return NULL;
}

const char *minidump_status_name(enum md_status s)
{
	static const char *const names[] = {
		"OK", "ERROR_MINIDUMP_NOT_READABLE", "ERROR_MINIDUMP_HEADER_MISMATCH",
		"ERROR_MINIDUMP_TRUNCATED", "ERROR_MINIDUMP_INVALID",
	};
	return names[s];
}
