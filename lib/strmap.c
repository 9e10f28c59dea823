/*
 * strmap.c: linear probing over a power-of-two table, grown at 70% load.
 */
#include "strmap.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;	/* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

void strmap_init(struct strmap *m)
{
	memset(m, 0, sizeof *m);
}

static size_t slot(const struct strmap *m, const char *key)
{
	size_t i = (size_t)hash(key) & (m->cap - 1);
	while (m->keys[i] && strcmp(m->keys[i], key) != 0)
		i = (i + 1) & (m->cap - 1);
	return i;
}

void *strmap_get(const struct strmap *m, const char *key)
{
	if (!m->cap)
		return NULL;
	size_t i = slot(m, key);
	return m->keys[i] ? m->values[i] : NULL;
}

static void grow(struct strmap *m)
{
	struct strmap bigger = { xcalloc(m->cap ? 2 * m->cap : 64, sizeof(char *)),
		xcalloc(m->cap ? 2 * m->cap : 64, sizeof(void *)), m->cap ? 2 * m->cap : 64, m->n };
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i]) {
			size_t j = slot(&bigger, m->keys[i]);
			bigger.keys[j] = m->keys[i];
			bigger.values[j] = m->values[i];
		}
	free(m->keys);
	free(m->values);
	*m = bigger;
}

const char *strmap_put(struct strmap *m, const char *key, void *value)
{
	if ((m->n + 1) * 10 > m->cap * 7)
		grow(m);
	size_t i = slot(m, key);
	if (!m->keys[i]) {
		m->keys[i] = xstrdup(key);
		m->n++;
	}
	m->values[i] = value;
	return m->keys[i];
}

void strmap_free(struct strmap *m, void (*free_value)(void *))
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i]) {
			free(m->keys[i]);
			if (free_value)
				free_value(m->values[i]);
		}
	free(m->keys);
	free(m->values);
	strmap_init(m);
}
