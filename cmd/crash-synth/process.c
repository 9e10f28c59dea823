/*
 * process.c: the synthetic process around the frames: modules with
 * plausible names, paths, addresses and debug identifiers for each OS
 * and CPU, the symbol file of the product module, and the exception.
 */
#include "synth.h"
#include "minidump.h"
#include "sha256.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>

struct os_layout {
	const char *dir, *exe, *sys1, *sys2, *sys1_32, *sys2_32;
	uint64_t base[4], base_x86[4];
};

static const struct os_layout layouts[] = {
	[OS_WINDOWS] = { "C:\\Program Files\\Mozilla Firefox\\", "firefox.exe",
	    "C:\\Windows\\System32\\ntdll.dll", "C:\\Windows\\System32\\kernel32.dll", NULL, NULL,
	    { 0x00007ff6a0a00000ull, 0x00007ffb20000000ull, 0x00007ffc4f000000ull, 0x00007ffc4e000000ull },
	    { 0x00400000, 0x10000000, 0x77000000, 0x76000000 } },
	[OS_MAC] = { "/Applications/Firefox.app/Contents/MacOS/", "firefox",
	    "/usr/lib/system/libsystem_kernel.dylib", "/usr/lib/dyld", NULL, NULL,
	    { 0x0000000100000000ull, 0x0000000110000000ull, 0x00007ff812000000ull, 0x00007ff810000000ull },
	    { 0x00001000, 0x10000000, 0x90000000, 0x8fe00000 } },
	[OS_LINUX] = { "/usr/lib/firefox/", "firefox",
	    "/usr/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
	    "/usr/lib/i386-linux-gnu/libc.so.6", "/usr/lib/i386-linux-gnu/ld-linux.so.2",
	    { 0x000055d4c0a00000ull, 0x00007f3a10000000ull, 0x00007f3a2c000000ull, 0x00007f3a2c400000ull },
	    { 0x56555000, 0xf0000000, 0xf7c00000, 0xf7f00000 } },
};

/* Bytes for a module's identifier, from a key and its name. */
static void module_id(uint8_t out[20], uint64_t key, const char *name)
{
	struct sha256 h;
	char hex[65];
	sha256_init(&h);
	sha256_update(&h, &key, sizeof key);
	sha256_update(&h, name, strlen(name));
	sha256_hex(&h, hex);
	for (int i = 0; i < 20; i++)
		sscanf(hex + 2 * i, "%2hhx", &out[i]);
}

static char *strip_suffix(const char *name, const char *suffix)
{
	size_t n = strlen(name), k = strlen(suffix);
	if (n > k && !strcasecmp(name + n - k, suffix))
		n -= k;
	return xstrndup(name, n);
}

static void set_module(struct synth_process *p, int i, const char *path, uint64_t base,
    uint64_t size, uint64_t key)
{
	struct synth_module *m = &p->mods[i];
	m->code_file = xstrdup(path);
	const char *name = path_basename(path);
	if (p->os == OS_WINDOWS) {
		char *stem = strip_suffix(name, tolower((unsigned char)name[strlen(name) - 1]) == 'e' ?
		    ".exe" : ".dll");
		m->debug_file = xasprintf("%s.pdb", stem);
		free(stem);
	} else if (p->os == OS_MAC) {
		m->debug_file = xstrdup(name);
	} else {
		m->debug_file = xstrdup(path);	/* ELF: the file is its own debug file */
	}
	module_id(m->id, key, path);
	minidump_guid_id(m->debug_id, m->id, p->os == OS_LINUX ? 0 : 1);
	m->base = base;
	m->size = size;
}

void synth_modules(struct synth_process *p, const char *product, uint32_t nfuncs, uint64_t key)
{
	const struct os_layout *l = &layouts[p->os];
	const uint64_t *base = synth_word(p->cpu) == 4 ? l->base_x86 : l->base;
	uint64_t product_size = (FUNC_BASE + (uint64_t)nfuncs * FUNC_SIZE + 0x1fff) & ~0xfffull;
	char *exe = xasprintf("%s%s", l->dir, l->exe), *lib = xasprintf("%s%s", l->dir, product);
	set_module(p, 0, exe, base[0], 0x80000, key);
	set_module(p, 1, lib, base[1], product_size, key);
	bool narrow = synth_word(p->cpu) == 4 && l->sys1_32;
	set_module(p, 2, narrow ? l->sys1_32 : l->sys1, base[2], 0x200000, key);
	set_module(p, 3, narrow ? l->sys2_32 : l->sys2, base[3], 0x40000, key);
	p->nmods = 4;
	p->product = 1;
	p->mods[1].has_symbols = true;
	free(exe);
	free(lib);
}

void synth_symbols(const struct synth_process *p, const char *const *names, uint32_t nfuncs,
    struct buf *b)
{
	static const char *const os_name[] = { [OS_WINDOWS] = "windows", [OS_MAC] = "mac", [OS_LINUX] = "Linux" };
	const struct synth_module *m = &p->mods[p->product];
	buf_reset(b);
	static const char *const arch[] = { [CPU_X86] = "x86", [CPU_AMD64] = "x86_64",
		[CPU_ARM] = "arm", [CPU_ARM64] = "arm64" };
	static const char *const cfi[] = {
		[CPU_X86] = ".cfa: $esp 16 + .ra: .cfa -4 + ^",
		[CPU_AMD64] = ".cfa: $rsp 32 + .ra: .cfa -8 + ^",
		[CPU_ARM] = ".cfa: sp 16 + .ra: .cfa -4 + ^",
		[CPU_ARM64] = ".cfa: sp 32 + .ra: .cfa -8 + ^",
	};
	buf_printf(b, "MODULE %s %s %s %s\n", os_name[p->os], arch[p->cpu],
	    m->debug_id, path_basename(m->debug_file));
	buf_printf(b, "FILE 0 %s\n", p->os == OS_WINDOWS ? "c:\\builds\\gecko\\synth\\synthetic.cpp" :
	    "/builds/worker/checkouts/gecko/synth/synthetic.cpp");
	for (uint32_t i = 0; i < nfuncs; i++) {
		uint64_t addr = FUNC_BASE + (uint64_t)i * FUNC_SIZE;
		buf_printf(b, "FUNC %llx %x 0 %s\n", (unsigned long long)addr, FUNC_SIZE, names[i]);
		buf_printf(b, "%llx %x %u 0\n", (unsigned long long)addr, FUNC_SIZE, 100 + 7 * i);
	}
	/* Every function's frame: return address in its last word, caller's stack right above. */
	for (uint32_t i = 0; i < nfuncs; i++)
		buf_printf(b, "STACK CFI INIT %llx %x %s\n",
		    (unsigned long long)(FUNC_BASE + (uint64_t)i * FUNC_SIZE), FUNC_SIZE, cfi[p->cpu]);
}

struct reason {
	enum synth_os os;
	const char *name;
	uint32_t code, flags, param0;
	int nparams;
};

static const struct reason reasons[] = {
	{ OS_WINDOWS, "EXCEPTION_ACCESS_VIOLATION_READ", 0xc0000005, 0, 0, 2 },
	{ OS_WINDOWS, "EXCEPTION_ACCESS_VIOLATION_WRITE", 0xc0000005, 0, 1, 2 },
	{ OS_WINDOWS, "EXCEPTION_ACCESS_VIOLATION_EXEC", 0xc0000005, 0, 8, 2 },
	{ OS_WINDOWS, "EXCEPTION_STACK_OVERFLOW", 0xc00000fd, 0, 0, 0 },
	{ OS_WINDOWS, "EXCEPTION_BREAKPOINT", 0x80000003, 0, 0, 0 },
	{ OS_WINDOWS, "EXCEPTION_ILLEGAL_INSTRUCTION", 0xc000001d, 0, 0, 0 },
	{ OS_WINDOWS, "EXCEPTION_INT_DIVIDE_BY_ZERO", 0xc0000094, 0, 0, 0 },
	{ OS_WINDOWS, "EXCEPTION_HEAP_CORRUPTION", 0xc0000374, 0, 0, 0 },
	{ OS_WINDOWS, "FAST_FAIL_FATAL_APP_EXIT", 0xc0000409, 0, 7, 1 },
	{ OS_LINUX, "SIGSEGV", 11, 1, 0, 0 },
	{ OS_LINUX, "SIGABRT", 6, 0, 0, 0 },
	{ OS_LINUX, "SIGBUS", 7, 2, 0, 0 },
	{ OS_LINUX, "SIGFPE", 8, 1, 0, 0 },
	{ OS_LINUX, "SIGILL", 4, 2, 0, 0 },
	{ OS_LINUX, "SIGTRAP", 5, 0, 0, 0 },
	{ OS_MAC, "EXC_BAD_ACCESS", 1, 1, 0, 0 },
	{ OS_MAC, "EXC_BAD_INSTRUCTION", 2, 1, 0, 0 },
	{ OS_MAC, "EXC_ARITHMETIC", 3, 1, 0, 0 },
	{ OS_MAC, "EXC_BREAKPOINT", 6, 1, 0, 0 },
	{ OS_MAC, "EXC_CRASH", 10, 0, 0, 0 },
};

bool synth_exception(struct synth_process *p, const char *reason)
{
	size_t n = reason ? strcspn(reason, " /") : 0;
	for (size_t i = 0; i < sizeof reasons / sizeof *reasons; i++) {
		const struct reason *r = &reasons[i];
		if (r->os != p->os || (reason ? strlen(r->name) != n || strncmp(r->name, reason, n) :
		    i != 0 && reasons[i - 1].os == p->os))
			continue;
		p->exc_code = r->code;
		p->exc_flags = r->flags;
		p->nexc_params = r->nparams;
		p->exc_params[0] = r->param0;
		p->exc_params[1] = p->exc_address;
		return true;
	}
	return false;
}
