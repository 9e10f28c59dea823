/*
 * symbols.c: parsing Breakpad .sym files into a compact, mmap-able index.
 *
 * Parsing fills growable arrays; packing lays them out in one block (a
 * header, the record arrays, the string pool) which is both what lookups
 * use and, byte for byte, the index file written to disk.
 */
#include "symbols.h"
#include "fileio.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define INDEX_MAGIC "CRSYMIX2"

enum { S_FUNCS, S_LINES, S_PUBLICS, S_CFI, S_DELTAS, S_WIN, S_INLINES,
	S_FILES, S_ORIGINS, S_STRINGS, NSECTIONS };

struct index_header {
	char magic[8];
	uint64_t sym_size, sym_mtime_ns;
	uint64_t bad_lines;
	uint64_t offset[NSECTIONS], count[NSECTIONS];
	uint32_t os, arch, id, name;
};

/* A growable array of fixed-size records. */
struct vec { void *data; size_t n, cap, esize; };

static void *vec_push(struct vec *v)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 256;
		v->data = xrealloc(v->data, v->cap * v->esize);
	}
	void *p = (char *)v->data + v->n++ * v->esize;
	memset(p, 0, v->esize);
	return p;
}

struct builder {
	struct vec sec[NSECTIONS - 1];
	struct buf strings;
	uint32_t os, arch, id, name;
	unsigned long bad;
	struct sym_func *func;		/* the FUNC lines and INLINEs attach to */
	struct sym_cfi *cfi;		/* the INIT deltas attach to */
};

static uint32_t add_string(struct builder *b, const char *s, size_t len)
{
	if (!len)
		return 0;
	uint32_t off = b->strings.len;
	buf_append(&b->strings, s, len);
	buf_append(&b->strings, "", 1);
	return off;
}

/* Splits off the next space-separated word; *rest is what follows. */
static char *word(char **rest)
{
	char *s = *rest;
	while (*s == ' ')
		s++;
	if (!*s)
		return NULL;
	char *e = strchr(s, ' ');
	if (e) {
		*e = 0;
		*rest = e + 1;
	} else {
		*rest = s + strlen(s);
	}
	return s;
}

static bool hex(const char *s, uint64_t *v)
{
	char *end;
	if (!s || !*s)
		return false;
	errno = 0;
	*v = strtoull(s, &end, 16);
	return !*end && !errno;
}

static bool dec(const char *s, uint32_t *v)
{
	char *end;
	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 10);
	*v = x;
	return !*end && !errno && x <= UINT32_MAX;
}

static bool parse_module(struct builder *b, char *rest)
{
	char *os = word(&rest), *arch = word(&rest), *id = word(&rest);
	if (!os || !arch || !id)
		return false;
	b->os = add_string(b, os, strlen(os));
	b->arch = add_string(b, arch, strlen(arch));
	b->id = add_string(b, id, strlen(id));
	b->name = add_string(b, rest, strlen(rest));
	return true;
}

static bool parse_func(struct builder *b, char *rest)
{
	struct sym_func f = { 0 };
	char *w = word(&rest);
	if (w && !strcmp(w, "m")) {
		f.multiple = 1;
		w = word(&rest);
	}
	uint64_t addr, size;
	if (!hex(w, &addr) || !hex(word(&rest), &size) || !dec(word(&rest), &f.param_size))
		return false;
	f.addr = addr;
	f.size = size > UINT32_MAX ? UINT32_MAX : size;
	f.name = add_string(b, rest, strlen(rest));
	f.line_first = b->sec[S_LINES].n;
	f.inline_first = b->sec[S_INLINES].n;
	b->func = vec_push(&b->sec[S_FUNCS]);
	*b->func = f;
	return true;
}

static bool parse_line_record(struct builder *b, char *line)
{
	uint64_t addr, size;
	uint32_t lineno, file;
	char *rest = line;
	if (!b->func || !hex(word(&rest), &addr) || !hex(word(&rest), &size) ||
	    !dec(word(&rest), &lineno) || !dec(word(&rest), &file) || *rest)
		return false;
	struct sym_line *l = vec_push(&b->sec[S_LINES]);
	*l = (struct sym_line){ .addr = addr, .size = size > UINT32_MAX ? UINT32_MAX : size,
	    .line = lineno, .file = file };
	b->func->line_count++;
	return true;
}

static bool parse_public(struct builder *b, char *rest)
{
	struct sym_public p = { 0 };
	char *w = word(&rest);
	if (w && !strcmp(w, "m")) {
		p.multiple = 1;
		w = word(&rest);
	}
	if (!hex(w, &p.addr) || !dec(word(&rest), &p.param_size))
		return false;
	p.name = add_string(b, rest, strlen(rest));
	*(struct sym_public *)vec_push(&b->sec[S_PUBLICS]) = p;
	b->func = NULL;
	return true;
}

static bool parse_idname(struct builder *b, int sec, char *rest)
{
	struct sym_idname n;
	if (!dec(word(&rest), &n.id))
		return false;
	if (sec == S_ORIGINS) {
		/* Old syntax: INLINE_ORIGIN id file name; new: INLINE_ORIGIN id name. */
		char *sp = strchr(rest, ' ');
		uint32_t file;
		if (sp) {
			*sp = 0;
			bool numeric = dec(rest, &file);
			*sp = ' ';
			if (numeric)
				rest = sp + 1;
		}
	}
	n.name = add_string(b, rest, strlen(rest));
	*(struct sym_idname *)vec_push(&b->sec[sec]) = n;
	return true;
}

static bool parse_inline(struct builder *b, char *rest)
{
	if (!b->func)
		return false;
	char *tok[256];
	int n = 0;
	char *w;
	while (n < 256 && (w = word(&rest)))
		tok[n++] = w;
	/* New syntax has a call-site file: 4 fixed words, then pairs. */
	int fixed = n % 2 == 0 ? 4 : 3;
	if (n < fixed + 2)
		return false;
	uint32_t depth, call_line, call_file = 0, origin;
	if (!dec(tok[0], &depth) || !dec(tok[1], &call_line) ||
	    (fixed == 4 && !dec(tok[2], &call_file)) || !dec(tok[fixed - 1], &origin))
		return false;
	for (int i = fixed; i + 1 < n; i += 2) {
		uint64_t addr, size;
		if (!hex(tok[i], &addr) || !hex(tok[i + 1], &size))
			return false;
		struct sym_inline *in = vec_push(&b->sec[S_INLINES]);
		*in = (struct sym_inline){ .addr = addr, .size = size, .depth = depth,
		    .call_line = call_line, .call_file = call_file, .origin = origin };
		b->func->inline_count++;
	}
	return true;
}

static bool parse_stack(struct builder *b, char *rest)
{
	char *kind = word(&rest);
	if (kind && !strcmp(kind, "CFI")) {
		char *w = word(&rest);
		uint64_t addr, size;
		if (w && !strcmp(w, "INIT")) {
			if (!hex(word(&rest), &addr) || !hex(word(&rest), &size))
				return false;
			b->cfi = vec_push(&b->sec[S_CFI]);
			*b->cfi = (struct sym_cfi){ .addr = addr, .size = size,
			    .rules = add_string(b, rest, strlen(rest)),
			    .delta_first = b->sec[S_DELTAS].n };
			return true;
		}
		if (!b->cfi || !hex(w, &addr))
			return false;
		struct sym_cfi_delta *d = vec_push(&b->sec[S_DELTAS]);
		*d = (struct sym_cfi_delta){ .addr = addr, .rules = add_string(b, rest, strlen(rest)) };
		b->cfi->delta_count++;
		return true;
	}
	return false;
}

/* STACK WIN type rva code prologue epilogue params saved locals max has_program rest */
static bool parse_stack_win(struct builder *b, char *rest)
{
	uint64_t v[10];
	for (int i = 0; i < 9; i++)
		if (!hex(word(&rest), &v[i]))
			return false;
	uint32_t has_program;
	if (!dec(word(&rest), &has_program))
		return false;
	struct sym_win *w = vec_push(&b->sec[S_WIN]);
	w->type = v[0];
	w->rva = v[1];
	w->code_size = v[2];
	w->prologue_size = v[3];
	w->epilogue_size = v[4];
	w->param_size = v[5];
	w->saved_regs_size = v[6];
	w->locals_size = v[7];
	w->max_stack_size = v[8];
	if (has_program) {
		w->program = add_string(b, rest, strlen(rest));
	} else {
		uint32_t abp;
		if (!dec(word(&rest), &abp))
			return false;
		w->allocates_base_pointer = abp;
	}
	return true;
}

static bool parse_record(struct builder *b, char *line)
{
	if (!strncmp(line, "FUNC ", 5))
		return parse_func(b, line + 5);
	if (!strncmp(line, "STACK WIN ", 10))
		return parse_stack_win(b, line + 10);
	if (!strncmp(line, "STACK ", 6))
		return parse_stack(b, line + 6);
	if (!strncmp(line, "PUBLIC ", 7))
		return parse_public(b, line + 7);
	if (!strncmp(line, "FILE ", 5))
		return parse_idname(b, S_FILES, line + 5);
	if (!strncmp(line, "INLINE_ORIGIN ", 14))
		return parse_idname(b, S_ORIGINS, line + 14);
	if (!strncmp(line, "INLINE ", 7))
		return parse_inline(b, line + 7);
	if (!strncmp(line, "MODULE ", 7))
		return parse_module(b, line + 7);
	if (!strncmp(line, "INFO ", 5))
		return true;
	return parse_line_record(b, line);
}

static int cmp_addr(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_id(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_win(const void *a, const void *b)
{
	const struct sym_win *x = a, *y = b;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	return x->rva < y->rva ? -1 : x->rva > y->rva;
}

static void sort_vec(struct vec *v, int (*cmp)(const void *, const void *))
{
	if (v->n > 1)	/* qsort must not see the NULL of an empty array */
		qsort(v->data, v->n, v->esize, cmp);
}

/* Sorts every array into the order lookups expect. */
static void sort_all(struct builder *b)
{
	struct vec *v = b->sec;
	struct sym_func *f = v[S_FUNCS].data;
	for (size_t i = 0; i < v[S_FUNCS].n; i++)
		if (f[i].line_count > 1)
			qsort((struct sym_line *)v[S_LINES].data + f[i].line_first, f[i].line_count,
			    sizeof(struct sym_line), cmp_addr);
	sort_vec(&v[S_FUNCS], cmp_addr);
	sort_vec(&v[S_PUBLICS], cmp_addr);
	sort_vec(&v[S_CFI], cmp_addr);
	sort_vec(&v[S_WIN], cmp_win);
	sort_vec(&v[S_FILES], cmp_id);
	sort_vec(&v[S_ORIGINS], cmp_id);
}

static void point_into(struct symfile *sf, const char *block)
{
	const struct index_header *h = (const void *)block;
	sf->funcs = (const void *)(block + h->offset[S_FUNCS]);
	sf->lines = (const void *)(block + h->offset[S_LINES]);
	sf->publics = (const void *)(block + h->offset[S_PUBLICS]);
	sf->cfi = (const void *)(block + h->offset[S_CFI]);
	sf->cfi_deltas = (const void *)(block + h->offset[S_DELTAS]);
	sf->win = (const void *)(block + h->offset[S_WIN]);
	sf->inlines = (const void *)(block + h->offset[S_INLINES]);
	sf->files = (const void *)(block + h->offset[S_FILES]);
	sf->origins = (const void *)(block + h->offset[S_ORIGINS]);
	sf->strings = block + h->offset[S_STRINGS];
	sf->nfuncs = h->count[S_FUNCS];
	sf->nlines = h->count[S_LINES];
	sf->npublics = h->count[S_PUBLICS];
	sf->ncfi = h->count[S_CFI];
	sf->ncfi_deltas = h->count[S_DELTAS];
	sf->nwin = h->count[S_WIN];
	sf->ninlines = h->count[S_INLINES];
	sf->nfiles = h->count[S_FILES];
	sf->norigins = h->count[S_ORIGINS];
	sf->strings_size = h->count[S_STRINGS];
	sf->bad_lines = h->bad_lines;
	sf->os = xstrdup(sym_str(sf, h->os));
	sf->arch = xstrdup(sym_str(sf, h->arch));
	sf->id = xstrdup(sym_str(sf, h->id));
	sf->name = xstrdup(sym_str(sf, h->name));
}

/* Lays the builder out as one block: header, arrays, strings. */
static struct symfile *pack(struct builder *b)
{
	struct index_header h = { .os = b->os, .arch = b->arch, .id = b->id,
	    .name = b->name, .bad_lines = b->bad };
	memcpy(h.magic, INDEX_MAGIC, 8);
	size_t off = sizeof h;
	for (int s = 0; s < NSECTIONS; s++) {
		off = (off + 7) & ~(size_t)7;
		h.offset[s] = off;
		size_t bytes = s == S_STRINGS ? b->strings.len : b->sec[s].n * b->sec[s].esize;
		h.count[s] = s == S_STRINGS ? b->strings.len : b->sec[s].n;
		off += bytes;
	}
	char *block = xcalloc(1, off);
	memcpy(block, &h, sizeof h);
	for (int s = 0; s < NSECTIONS - 1; s++) {
		if (b->sec[s].n)
			memcpy(block + h.offset[s], b->sec[s].data, b->sec[s].n * b->sec[s].esize);
		free(b->sec[s].data);
	}
	memcpy(block + h.offset[S_STRINGS], b->strings.data, b->strings.len);
	buf_free(&b->strings);
	struct symfile *sf = xcalloc(1, sizeof *sf);
	sf->owned = block;
	sf->owned_size = off;
	point_into(sf, block);
	return sf;
}

struct symfile *symfile_parse(const char *text, unsigned long len)
{
	static const size_t esize[NSECTIONS - 1] = {
		sizeof(struct sym_func), sizeof(struct sym_line), sizeof(struct sym_public),
		sizeof(struct sym_cfi), sizeof(struct sym_cfi_delta), sizeof(struct sym_win),
		sizeof(struct sym_inline), sizeof(struct sym_idname), sizeof(struct sym_idname),
	};
	struct builder b;
	memset(&b, 0, sizeof b);
	for (int s = 0; s < NSECTIONS - 1; s++)
		b.sec[s].esize = esize[s];
	buf_init(&b.strings);
	buf_append(&b.strings, "", 1);	/* offset 0 is the empty string */
	char *copy = xstrndup(text, len);
	char *line = copy;
	while (line && *line) {
		char *next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		size_t n = strlen(line);
		if (n && line[n - 1] == '\r')
			line[--n] = 0;
		if (n && !parse_record(&b, line))
			b.bad++;
		line = next;
	}
	free(copy);
	sort_all(&b);
	return pack(&b);
}

void symfile_free(struct symfile *sf)
{
	if (!sf)
		return;
	free(sf->os);
	free(sf->arch);
	free(sf->id);
	free(sf->name);
	if (sf->mapped)
		munmap(sf->owned, sf->owned_size);
	else
		free(sf->owned);
	free(sf);
}

/* Checks that a mapped index is whole and made from this .sym. */
static bool index_valid(const char *block, size_t size, const struct stat *st)
{
	static const size_t esize[NSECTIONS] = {
		sizeof(struct sym_func), sizeof(struct sym_line), sizeof(struct sym_public),
		sizeof(struct sym_cfi), sizeof(struct sym_cfi_delta), sizeof(struct sym_win),
		sizeof(struct sym_inline), sizeof(struct sym_idname), sizeof(struct sym_idname), 1,
	};
	const struct index_header *h = (const void *)block;
	if (size < sizeof *h || memcmp(h->magic, INDEX_MAGIC, 8) ||
	    h->sym_size != (uint64_t)st->st_size ||
	    h->sym_mtime_ns != (uint64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec)
		return false;
	for (int s = 0; s < NSECTIONS; s++)
		if (h->offset[s] > size || h->count[s] > (size - h->offset[s]) / esize[s])
			return false;
	uint64_t ssize = h->count[S_STRINGS];
	const char *strings = block + h->offset[S_STRINGS];
	return ssize > 0 && strings[ssize - 1] == 0 && h->os < ssize && h->arch < ssize &&
	    h->id < ssize && h->name < ssize;
}

static char *index_path(const char *sym, const char *cache_dir)
{
	if (!cache_dir)
		return xasprintf("%s.idx", sym);
	/* Flatten the store path into one file name under the cache. */
	char *flat = xstrdup(sym);
	for (char *p = flat; *p; p++)
		if (*p == '/')
			*p = '%';
	char *path = xasprintf("%s/%s.idx", cache_dir, flat);
	free(flat);
	return path;
}

static struct symfile *map_index(const char *path, const struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat ist;
	if (fd < 0)
		return NULL;
	if (fstat(fd, &ist) < 0 || ist.st_size < (off_t)sizeof(struct index_header)) {
		close(fd);
		return NULL;
	}
	void *map = mmap(NULL, ist.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return NULL;
	if (!index_valid(map, ist.st_size, st)) {
		munmap(map, ist.st_size);
		return NULL;
	}
	struct symfile *sf = xcalloc(1, sizeof *sf);
	sf->owned = map;
	sf->owned_size = ist.st_size;
	sf->mapped = true;
	point_into(sf, map);
	return sf;
}

struct symfile *symfile_load(const char *sym_path, const char *cache_dir)
{
	struct stat st;
	if (stat(sym_path, &st) < 0)
		return NULL;
	char *ipath = index_path(sym_path, cache_dir);
	struct symfile *sf = map_index(ipath, &st);
	if (sf) {
		free(ipath);
		return sf;
	}
	size_t len;
	char *text = read_file(sym_path, 1UL << 32, &len);
	if (!text) {
		free(ipath);
		return NULL;
	}
	sf = symfile_parse(text, len);
	free(text);
	struct index_header *h = sf->owned;
	h->sym_size = st.st_size;
	h->sym_mtime_ns = (uint64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	/* An index that cannot be written (read-only store) only costs speed. */
	if (cache_dir)
		mkdir_p(cache_dir, 0755);
	if (atomic_write(ipath, sf->owned, sf->owned_size) < 0)
		log_debug("%s: cannot write index: %s", ipath, strerror(errno));
	free(ipath);
	return sf;
}

const char *sym_str(const struct symfile *sf, uint32_t off)
{
	return off < sf->strings_size ? sf->strings + off : "";
}

/* Index of the last record whose first field (an address) is <= addr, or -1. */
static long last_at_or_below(const void *base, size_t n, size_t esize, uint64_t addr)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (*(const uint64_t *)((const char *)base + mid * esize) <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (long)lo - 1;
}

const struct sym_func *sym_find_func(const struct symfile *sf, uint64_t addr)
{
	long i = last_at_or_below(sf->funcs, sf->nfuncs, sizeof *sf->funcs, addr);
	if (i < 0)
		return NULL;
	const struct sym_func *f = &sf->funcs[i];
	return addr - f->addr < f->size ? f : NULL;
}

const struct sym_func *sym_func_below(const struct symfile *sf, uint64_t addr)
{
	long i = last_at_or_below(sf->funcs, sf->nfuncs, sizeof *sf->funcs, addr);
	return i < 0 ? NULL : &sf->funcs[i];
}

const struct sym_line *sym_find_line(const struct symfile *sf, const struct sym_func *f, uint64_t addr)
{
	if (f->line_first > sf->nlines || f->line_count > sf->nlines - f->line_first)
		return NULL;
	const struct sym_line *lines = sf->lines + f->line_first;
	long i = last_at_or_below(lines, f->line_count, sizeof *lines, addr);
	if (i < 0)
		return NULL;
	return addr - lines[i].addr < lines[i].size ? &lines[i] : NULL;
}

const struct sym_public *sym_find_public(const struct symfile *sf, uint64_t addr)
{
	long i = last_at_or_below(sf->publics, sf->npublics, sizeof *sf->publics, addr);
	return i < 0 ? NULL : &sf->publics[i];
}

static const char *idname(const struct sym_idname *v, uint32_t n, const struct symfile *sf, uint32_t id)
{
	uint32_t lo = 0, hi = n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo].id == id ? sym_str(sf, v[lo].name) : NULL;
}

const char *sym_file_name(const struct symfile *sf, uint32_t id)
{
	return idname(sf->files, sf->nfiles, sf, id);
}

const char *sym_origin_name(const struct symfile *sf, uint32_t id)
{
	return idname(sf->origins, sf->norigins, sf, id);
}

bool sym_find_cfi(const struct symfile *sf, uint64_t addr, char *out, unsigned long outlen)
{
	long i = last_at_or_below(sf->cfi, sf->ncfi, sizeof *sf->cfi, addr);
	if (i < 0 || addr - sf->cfi[i].addr >= sf->cfi[i].size || !outlen)
		return false;
	const struct sym_cfi *c = &sf->cfi[i];
	size_t n = snprintf(out, outlen, "%s", sym_str(sf, c->rules));
	for (uint32_t k = 0; k < c->delta_count && c->delta_first + k < sf->ncfi_deltas; k++) {
		const struct sym_cfi_delta *d = &sf->cfi_deltas[c->delta_first + k];
		if (d->addr > addr)
			break;
		if (n < outlen)
			n += snprintf(out + n, outlen - n, " %s", sym_str(sf, d->rules));
	}
	return n < outlen;
}

const struct sym_win *sym_find_win(const struct symfile *sf, uint64_t addr, uint32_t type)
{
	/* Records are sorted by type, then address: find the type's run. */
	uint32_t lo = 0, hi = sf->nwin;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (sf->win[mid].type < type || (sf->win[mid].type == type && sf->win[mid].rva <= addr))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	const struct sym_win *w = &sf->win[lo - 1];
	return w->type == type && addr - w->rva < w->code_size ? w : NULL;
}

char *sym_path(const char *root, const char *debug_file, const char *debug_id)
{
	const char *base = path_basename(debug_file);
	size_t n = strlen(base);
	if (n > 4 && !strcasecmp(base + n - 4, ".pdb"))
		n -= 4;
	return xasprintf("%s/%s/%s/%.*s.sym", root, base, debug_id, (int)n, base);
}
