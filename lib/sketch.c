/*
 * sketch.c: an exact set turning into a HyperLogLog (Flajolet et al.,
 * with the linear-counting correction for small cardinalities).
 */
#include "sketch.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* 64-bit FNV-1a, then a finalizer (splitmix64's) to spread the bits. */
static uint64_t hash64(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	return h ^ (h >> 31);
}

void sketch_init(struct sketch *s)
{
	memset(s, 0, sizeof *s);
}

static void add_register(struct sketch *s, uint64_t h)
{
	uint32_t idx = (uint32_t)(h >> (64 - SKETCH_P));
	uint64_t rest = h << SKETCH_P;
	uint8_t rank = rest ? (uint8_t)(__builtin_clzll(rest) + 1) : (uint8_t)(64 - SKETCH_P + 1);
	if (rank > s->registers[idx])
		s->registers[idx] = rank;
}

static void densify(struct sketch *s)
{
	s->dense = true;
	for (size_t i = 0; i < s->n; i++)
		add_register(s, s->values[i]);
	s->n = 0;
}

static void add_hash(struct sketch *s, uint64_t h)
{
	if (s->dense) {
		add_register(s, h);
		return;
	}
	size_t lo = 0, hi = s->n;	/* sorted: binary search the slot */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (s->values[mid] < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->n && s->values[lo] == h)
		return;
	if (s->n == SKETCH_EXACT) {
		densify(s);
		add_register(s, h);
		return;
	}
	memmove(s->values + lo + 1, s->values + lo, (s->n - lo) * sizeof *s->values);
	s->values[lo] = h;
	s->n++;
}

void sketch_add(struct sketch *s, const char *value)
{
	add_hash(s, hash64(value));
}

void sketch_merge(struct sketch *into, const struct sketch *from)
{
	if (!from->dense) {
		for (size_t i = 0; i < from->n; i++)
			add_hash(into, from->values[i]);
		return;
	}
	if (!into->dense)
		densify(into);
	for (size_t i = 0; i < SKETCH_REGISTERS; i++)
		if (from->registers[i] > into->registers[i])
			into->registers[i] = from->registers[i];
}

double sketch_count(const struct sketch *s)
{
	if (!s->dense)
		return (double)s->n;
	const double m = SKETCH_REGISTERS, alpha = 0.7213 / (1 + 1.079 / m);
	static double inverse_powers[66];	/* 2^-r, for every rank a register holds */
	if (inverse_powers[0] == 0)
		for (int r = 0; r < 66; r++)
			inverse_powers[r] = ldexp(1.0, -r);
	double sum = 0;
	int zeros = 0;
	for (size_t i = 0; i < SKETCH_REGISTERS; i++) {
		sum += inverse_powers[s->registers[i]];
		zeros += s->registers[i] == 0;
	}
	double estimate = alpha * m * m / sum;
	if (estimate <= 2.5 * m && zeros)
		estimate = m * log(m / zeros);
	return round(estimate);
}

char *sketch_dump(const struct sketch *s)
{
	struct buf b;
	buf_init(&b);
	if (!s->dense) {
		buf_puts(&b, "x:");
		for (size_t i = 0; i < s->n; i++)
			buf_printf(&b, "%016llx", (unsigned long long)s->values[i]);
	} else {
		/* One character per register ('0' + its value, at most 'p'). */
		buf_puts(&b, "h:");
		char regs[SKETCH_REGISTERS];
		for (size_t i = 0; i < SKETCH_REGISTERS; i++)
			regs[i] = (char)('0' + s->registers[i]);
		buf_append(&b, regs, SKETCH_REGISTERS);
	}
	return buf_steal(&b);
}

static signed char hex_digit[256];

static bool hex_value(const char *p, int digits, uint64_t *out)
{
	if (!hex_digit['1']) {
		memset(hex_digit, -1, sizeof hex_digit);
		for (int d = 0; d < 10; d++)
			hex_digit['0' + d] = (signed char)d;
		for (int d = 0; d < 6; d++)
			hex_digit['a' + d] = (signed char)(10 + d);
	}
	uint64_t v = 0;
	for (int i = 0; i < digits; i++) {
		int d = hex_digit[(unsigned char)p[i]];
		if (d < 0)
			return false;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return true;
}

bool sketch_load(struct sketch *s, const char *text)
{
	sketch_init(s);
	size_t len = text ? strlen(text) : 0;
	uint64_t v;
	if (len >= 2 && !strncmp(text, "x:", 2) && (len - 2) % 16 == 0 &&
	    (len - 2) / 16 <= SKETCH_EXACT) {
		for (size_t i = 2; i < len; i += 16) {
			if (!hex_value(text + i, 16, &v))
				return sketch_init(s), false;
			/* Dumps are sorted: append, unless this one is out of order. */
			if (s->n == 0 || v > s->values[s->n - 1])
				s->values[s->n++] = v;
			else
				add_hash(s, v);
		}
		return true;
	}
	if (len == 2 + SKETCH_REGISTERS && !strncmp(text, "h:", 2)) {
		s->dense = true;
		for (size_t i = 0; i < SKETCH_REGISTERS; i++) {
			unsigned char c = (unsigned char)text[2 + i];
			if (c < '0' || c > '0' + 64)
				return sketch_init(s), false;
			s->registers[i] = (uint8_t)(c - '0');
		}
		return true;
	}
	return false;
}
