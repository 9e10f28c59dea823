/*
 * symbols.h: Breakpad symbol files (.sym) and their compiled index.
 *
 * A .sym file is parsed once into sorted arrays of fixed-size records and
 * a string pool; that same layout is written to an index file, so later
 * uses mmap the index and look addresses up by binary search without
 * reading the text again. The index records the size and mtime of the
 * .sym it came from and is rebuilt when they change.
 */
#ifndef CRASH_SYMBOLS_H
#define CRASH_SYMBOLS_H

#include <stdbool.h>
#include <stdint.h>

/* Records. Offsets into the string pool are uint32; 0 is "". */
struct sym_func {
	uint64_t addr;
	uint32_t size, name, param_size;
	uint32_t line_first, line_count;	/* into lines[] */
	uint32_t inline_first, inline_count;	/* into inlines[] */
	uint32_t multiple;			/* the "m" flag */
};
struct sym_line { uint64_t addr; uint32_t size, line, file, pad; };
struct sym_public { uint64_t addr; uint32_t name, param_size, multiple, pad; };
struct sym_cfi { uint64_t addr; uint32_t size, rules, delta_first, delta_count; };
struct sym_cfi_delta { uint64_t addr; uint32_t rules, pad; };
struct sym_win {
	uint64_t rva;
	uint32_t type, code_size, prologue_size, epilogue_size, param_size;
	uint32_t saved_regs_size, locals_size, max_stack_size;
	uint32_t program;		/* program string, or 0 */
	uint32_t allocates_base_pointer;
};
/* One address range of an inlined call; depth 0 is outermost. */
struct sym_inline {
	uint64_t addr;
	uint32_t size, depth, call_line, call_file, origin, pad;
};
struct sym_idname { uint32_t id, name; };	/* FILE and INLINE_ORIGIN */

struct symfile {
	char *os, *arch, *id, *name;	/* from the MODULE line */
	const struct sym_func *funcs;
	const struct sym_line *lines;
	const struct sym_public *publics;
	const struct sym_cfi *cfi;
	const struct sym_cfi_delta *cfi_deltas;
	const struct sym_win *win;
	const struct sym_inline *inlines;
	const struct sym_idname *files, *origins;
	uint32_t nfuncs, nlines, npublics, ncfi, ncfi_deltas, nwin, ninlines, nfiles, norigins;
	const char *strings;
	uint32_t strings_size;
	unsigned long bad_lines;	/* malformed lines skipped */
	void *owned;			/* malloc'd or mapped storage */
	unsigned long owned_size;
	bool mapped;
};

/* Parses .sym text (len bytes); never NULL. */
struct symfile *symfile_parse(const char *text, unsigned long len);
/*
 * Loads a .sym through its index: mmaps a current index from cache_dir (or
 * next to the .sym when cache_dir is NULL), else parses the .sym and
 * writes the index. NULL if the .sym cannot be read.
 */
struct symfile *symfile_load(const char *sym_path, const char *cache_dir);
void symfile_free(struct symfile *sf);

const char *sym_str(const struct symfile *sf, uint32_t off);
const struct sym_func *sym_find_func(const struct symfile *sf, uint64_t addr);
/* The last FUNC starting at or below addr, containing it or not. */
const struct sym_func *sym_func_below(const struct symfile *sf, uint64_t addr);
const struct sym_line *sym_find_line(const struct symfile *sf, const struct sym_func *f, uint64_t addr);
/* The nearest PUBLIC at or below addr, or NULL. */
const struct sym_public *sym_find_public(const struct symfile *sf, uint64_t addr);
const char *sym_file_name(const struct symfile *sf, uint32_t id);
const char *sym_origin_name(const struct symfile *sf, uint32_t id);
/*
 * The CFI rules in effect at addr: the INIT rules then every delta up to
 * addr, appended into out as one string. False if no CFI covers addr.
 */
bool sym_find_cfi(const struct symfile *sf, uint64_t addr, char *out, unsigned long outlen);
/* The STACK WIN record of a type covering addr, or NULL. */
const struct sym_win *sym_find_win(const struct symfile *sf, uint64_t addr, uint32_t type);

/* The path of a module's .sym under root: root/debug_file/debug_id/name.sym. */
char *sym_path(const char *root, const char *debug_file, const char *debug_id);

#endif
