/*
 * sketch.h: distinct counting that can be merged across days: the
 * distinct installs behind a signature over any window, from per-day
 * aggregates.
 *
 * A sketch is exact (a sorted set of 64-bit hashes) while it holds at most
 * SKETCH_EXACT values, then becomes a HyperLogLog of 2^10 registers
 * (standard error about 3.2%). Serialized as text so that it travels
 * through either database like any other value.
 */
#ifndef CRASH_SKETCH_H
#define CRASH_SKETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SKETCH_EXACT 64
#define SKETCH_P 10
#define SKETCH_REGISTERS (1 << SKETCH_P)

struct sketch {
	bool dense;
	size_t n;				/* values held while exact */
	uint64_t values[SKETCH_EXACT];
	uint8_t registers[SKETCH_REGISTERS];
};

void sketch_init(struct sketch *s);
void sketch_add(struct sketch *s, const char *value);
void sketch_merge(struct sketch *into, const struct sketch *from);
/* The number of distinct values: exact while exact, else estimated. */
double sketch_count(const struct sketch *s);

/* Text form ("x:" hex hashes, or "h:" one character '0' + value per register); caller frees. */
char *sketch_dump(const struct sketch *s);
/* Parses sketch_dump's text; false (and an empty sketch) when malformed. */
bool sketch_load(struct sketch *s, const char *text);

#endif
