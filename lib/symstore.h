/*
 * symstore.h: a symbol store, the directory tree Breakpad's tools and
 * symbol servers use: <debug_file>/<debug_id>/<name>.sym, name being the
 * debug file without a .pdb extension.
 */
#ifndef CRASH_SYMSTORE_H
#define CRASH_SYMSTORE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Checks one .sym (its text, len bytes) and adds it to the store under
 * the place its MODULE line names, atomically, with its compiled index.
 * 0 and the stored path in *dest (caller frees), or -1 (a bad file) or -2
 * (it could not be written) and why in *err.
 */
int symstore_add(const char *store, const char *text, size_t len, char **dest, char **err);

/*
 * Called for each file added (dest) or not (why); entry is its name in an
 * archive, or NULL; io_error: it could not be written (worth a retry), as
 * opposed to a file that is wrong.
 */
typedef void (*symstore_report_fn)(void *ctx, const char *entry, const char *dest, const char *why,
    bool io_error);

/*
 * Adds a .sym file, or every .sym in a zip archive of a symbol store tree
 * (entries that would leave the archive are refused), none larger than
 * max bytes; report hears about each.
 */
void symstore_add_file(const char *store, const char *file, long long max,
    symstore_report_fn report, void *ctx);

/* Called for each file gc removes: its path, bytes (with its index) and why ("age", "size"). */
typedef void (*symstore_gc_fn)(void *ctx, const char *path, long long bytes, const char *why);

/*
 * Removes the .sym files (with their indexes; in an index cache, lone
 * indexes) not used for max_age_days (0: any age), then the least
 * recently used until the store holds max_size bytes (0: any size). Use
 * is the later of access and modification time. The number of files that
 * could not be removed, or -1 with errno when the store cannot be read.
 */
int symstore_gc(const char *store, long long max_size, long long max_age_days,
    symstore_gc_fn report, void *ctx, long long *freed, long long *total);

/* The path of a module's .sym in the store (caller frees). */
char *symstore_path(const char *store, const char *debug_file, const char *debug_id);

#endif
