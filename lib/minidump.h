/*
 * minidump.h: reading minidump files (Microsoft's format, with the
 * Breakpad and Crashpad extensions).
 *
 * The whole file is mapped and every stream is decoded up front into
 * plain structs. Every offset, size and count is checked against the
 * file; a truncated or hostile file yields what could be read plus a
 * status other than MD_OK, never a crash or an unbounded allocation.
 */
#ifndef CRASH_MINIDUMP_H
#define CRASH_MINIDUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum md_status {
	MD_OK,
	MD_ERR_OPEN,		/* the file could not be read */
	MD_ERR_HEADER,		/* not a minidump: bad signature or version */
	MD_ERR_TRUNCATED,	/* streams point past the end of the file */
	MD_ERR_INVALID,		/* counts or sizes that cannot be right */
};

enum md_cpu { MD_CPU_UNKNOWN, MD_CPU_X86, MD_CPU_AMD64, MD_CPU_ARM, MD_CPU_ARM64 };

/* Registers in DWARF numbering for each CPU (what CFI rules name). */
enum { AMD64_RAX, AMD64_RDX, AMD64_RCX, AMD64_RBX, AMD64_RSI, AMD64_RDI,
	AMD64_RBP, AMD64_RSP, AMD64_R8, AMD64_R9, AMD64_R10, AMD64_R11,
	AMD64_R12, AMD64_R13, AMD64_R14, AMD64_R15, AMD64_RIP, AMD64_NREGS };
enum { X86_EAX, X86_ECX, X86_EDX, X86_EBX, X86_ESP, X86_EBP, X86_ESI,
	X86_EDI, X86_EIP, X86_EFLAGS, X86_NREGS };
enum { ARM_R0, ARM_SP = 13, ARM_LR = 14, ARM_PC = 15, ARM_NREGS = 16 };
enum { ARM64_X0, ARM64_FP = 29, ARM64_LR = 30, ARM64_SP = 31, ARM64_PC = 32,
	ARM64_NREGS = 33 };
#define MD_MAX_REGS 33

struct md_context {
	enum md_cpu cpu;
	uint64_t reg[MD_MAX_REGS];
	uint64_t valid;		/* bit i: reg[i] is known */
	uint32_t flags;		/* the raw context flags */
	uint32_t eflags_or_cpsr;
};

struct md_memory {
	uint64_t base, size;
	const uint8_t *data;
};

struct md_thread {
	uint32_t id;
	uint64_t teb;
	struct md_memory stack;
	struct md_context context;
	bool has_context;
	char *name;		/* from the thread names stream, or NULL */
};

struct md_version { uint16_t part[4]; bool present; };

struct md_module {
	uint64_t base;
	uint64_t size;
	uint32_t checksum, timestamp;
	char *code_file;	/* full path as recorded */
	char *debug_file;	/* from the CodeView record (ELF: code_file), or "" */
	char debug_id[48];	/* "" when unknown */
	char code_id[80];
	struct md_version version;
};

struct md_exception {
	uint32_t thread_id;
	uint32_t code, flags;
	uint64_t address;
	uint32_t nparams;
	uint64_t params[15];
	struct md_context context;
	bool has_context;
};

struct md_system_info {
	uint16_t arch, level, revision;
	uint8_t ncpus, product_type;
	uint32_t major, minor, build, platform;
	char *csd_version;
	char vendor[13];	/* x86 CPUID vendor, "" if none */
	uint32_t cpu_version, cpu_features;
};

struct md_misc_info {
	uint32_t flags, pid, create_time, user_time, kernel_time;
	bool has_pid, has_times;
};

/* A name/value pair from Crashpad's module annotations. */
struct md_annotation { uint32_t module; char *key, *value; };

struct minidump {
	enum md_status status;
	char error[160];
	uint32_t timestamp;		/* when the dump was written (time_t) */
	const uint8_t *data;
	size_t size;

	bool has_system_info, has_exception, has_misc, has_breakpad_info;
	struct md_system_info sys;
	struct md_exception exc;
	struct md_misc_info misc;
	uint32_t dump_thread_id, requesting_thread_id;
	bool has_dump_thread, has_requesting_thread;

	struct md_thread *threads;
	uint32_t nthreads;
	struct md_module *modules;
	uint32_t nmodules;
	struct md_module *unloaded;
	uint32_t nunloaded;
	struct md_memory *memory;	/* sorted by base */
	uint32_t nmemory;
	struct md_annotation *annotations;
	uint32_t nannotations;

	/* Breakpad's Linux text streams, NUL-terminated copies, or NULL. */
	char *linux_cpuinfo, *linux_proc_status, *linux_lsb_release;
	char *linux_cmdline, *linux_environ, *linux_maps;
	const uint8_t *linux_auxv;
	size_t linux_auxv_size, linux_cmdline_size, linux_environ_size;
};

/* Reads a minidump from a file; never NULL. Check md->status. */
struct minidump *minidump_open(const char *path);
/* Reads a minidump from memory; the bytes must outlive the minidump. */
struct minidump *minidump_parse(const uint8_t *data, size_t size);
void minidump_free(struct minidump *md);

/* Copies size bytes of process memory at addr; false if not in the dump. */
bool minidump_read(const struct minidump *md, uint64_t addr, void *out, size_t size);
/* The module containing addr, or NULL. */
const struct md_module *minidump_module_at(const struct minidump *md, uint64_t addr);
/* The module the process was started from (Breakpad's rule), or NULL. */
const struct md_module *minidump_main_module(const struct minidump *md);
/* The thread with the given ID, or NULL. */
const struct md_thread *minidump_thread(const struct minidump *md, uint32_t id);

enum md_cpu minidump_cpu(const struct minidump *md);
/* A debug identifier from a GUID as stored in a file (16 bytes) and an age. */
void minidump_guid_id(char out[48], const uint8_t *guid, uint32_t age);
const char *minidump_status_name(enum md_status s);

#endif
