/*
 * strmap.h: a string-keyed hash map (open addressing), for grouping
 * report rows by signature and the like. Keys are copied; values are the
 * caller's.
 */
#ifndef CRASH_STRMAP_H
#define CRASH_STRMAP_H

#include <stddef.h>

struct strmap {
	char **keys;
	void **values;
	size_t cap, n;
};

void strmap_init(struct strmap *m);
/* The value of key, or NULL. */
void *strmap_get(const struct strmap *m, const char *key);
/* Sets key's value; returns the stored copy of the key. */
const char *strmap_put(struct strmap *m, const char *key, void *value);
/* Frees the keys and the table; free_value (may be NULL) on each value. */
void strmap_free(struct strmap *m, void (*free_value)(void *));

/* Iteration: for (size_t i = 0; i < m.cap; i++) if (m.keys[i]) ... */

#endif
