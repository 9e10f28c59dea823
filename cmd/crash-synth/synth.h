/*
 * synth.h: what crash-synth's parts share: the description of one
 * synthetic process (its modules, functions and crashing stack), the
 * minidump writer and the symbol file writer.
 */
#ifndef CRASH_SYNTH_H
#define CRASH_SYNTH_H

#include <stdbool.h>
#include <stdint.h>

#include "util.h"

enum synth_os { OS_WINDOWS, OS_MAC, OS_LINUX };
enum synth_cpu { CPU_X86, CPU_AMD64, CPU_ARM, CPU_ARM64 };

/* Pointer size of a CPU: 4 or 8. */
static inline int synth_word(enum synth_cpu c) { return c == CPU_X86 || c == CPU_ARM ? 4 : 8; }

/* A module of the synthetic process. */
struct synth_module {
	char *code_file;	/* full path */
	char *debug_file;	/* what the .sym is filed under */
	char debug_id[48];
	uint8_t id[20];		/* GUID (16 bytes used) or ELF build ID (20) */
	uint64_t base, size;
	bool has_symbols;	/* the module crash frames are in */
};

/* The product module's functions, one slot of FUNC_SIZE bytes each. */
#define FUNC_BASE 0x1000
#define FUNC_SIZE 0x100

struct synth_process {
	enum synth_os os;
	enum synth_cpu cpu;
	struct synth_module mods[4];	/* main executable, product module, two system modules */
	int nmods;
	int product;			/* index of the module with symbols */
	const int *frames;		/* function indexes, top first */
	int nframes;
	uint32_t exc_code, exc_flags;
	uint64_t exc_address;
	uint32_t nexc_params;
	uint64_t exc_params[2];
	uint32_t pid, process_create_time, dump_time;
	uint64_t seed;			/* varies registers and thread IDs */
	int ncpus;
};

/* Writes a complete minidump of the process into b. */
void synth_minidump(const struct synth_process *p, struct buf *b);
/* Fills in module layout and debug identifiers for an OS, CPU and product module name. */
void synth_modules(struct synth_process *p, const char *product, uint32_t nfuncs, uint64_t key);
/* The .sym text for the product module: every function with a line and CFI. */
void synth_symbols(const struct synth_process *p, const char *const *names, uint32_t nfuncs,
    struct buf *b);
/* The exception for a reason name, or the OS's usual crash when reason is NULL. */
bool synth_exception(struct synth_process *p, const char *reason);

#endif
