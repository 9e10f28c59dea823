/*
 * libFuzzer target, differential: jsonfast must read every input as
 * jansson does (both refuse it, or both give equal values) and print
 * every value as jansson prints it, byte for byte, including strings
 * that are not UTF-8 and any real or integer.
 *
 * One known difference: jansson drops a NUL byte that follows a number
 * or a literal ("[60\0]" reads as [60]: its stream takes the NUL it
 * pushed back for an empty buffer); jsonfast refuses every NUL byte
 * outside a \u escape, as the grammar does. On input with a NUL byte,
 * what jsonfast reads jansson must read alike, not the other way round.
 */
#include "jsonfast.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SORTED (JSON_COMPACT | JSON_SORT_KEYS)

static void same_text(const json_t *v, const char *what)
{
	char *ours = jsonfast_dumps(v, NULL), *theirs = json_dumps(v, SORTED);
	if (!ours != !theirs || (ours && strcmp(ours, theirs))) {
		fprintf(stderr, "%s printed differently:\n jsonfast: %s\n jansson:  %s\n", what,
		    ours ? ours : "(refused)", theirs ? theirs : "(refused)");
		abort();
	}
	free(ours);
	free(theirs);
}

static void same_reading(const uint8_t *data, size_t len)
{
	json_error_t e1, e2;
	json_t *ours = jsonfast_load((const char *)data, len, &e1);
	json_t *theirs = json_loadb((const char *)data, len, 0, &e2);
	bool has_nul = memchr(data, 0, len) != NULL;
	if (has_nul && !ours) {
		json_decref(theirs);
		return;
	}
	if (!ours != !theirs) {
		fprintf(stderr, "jsonfast %s (%s), jansson %s (%s)\n", ours ? "read it" : "refused it",
		    ours ? "" : e1.text, theirs ? "read it" : "refused it", theirs ? "" : e2.text);
		abort();
	}
	if (ours) {
		/* json_equal takes -0.0 for 0.0; jansson's own text tells them apart. */
		char *a = json_dumps(ours, SORTED), *b = json_dumps(theirs, SORTED);
		if (!json_equal(ours, theirs) || strcmp(a, b)) {
			fprintf(stderr, "read differently:\n jsonfast: %s\n jansson:  %s\n", a, b);
			abort();
		}
		free(a);
		free(b);
		same_text(ours, "a value read");
	}
	json_decref(ours);
	json_decref(theirs);
}

/* The bytes as one string (any bytes), an integer and a real. */
static void same_printing(const uint8_t *data, size_t len)
{
	json_t *a = json_array();
	json_array_append_new(a, json_stringn_nocheck((const char *)data, len));
	int64_t i = 0;
	double d = 0;
	memcpy(&i, data, len < sizeof i ? len : sizeof i);
	memcpy(&d, data, len < sizeof d ? len : sizeof d);
	json_array_append_new(a, json_integer(i));
	json_t *real = json_real(d);	/* NULL for NaN and infinities */
	if (real)
		json_array_append_new(a, real);
	json_t *o = json_object();
	json_object_setn_new_nocheck(o, (const char *)data, len, json_incref(a));
	json_object_set_new(o, "k", a);
	same_text(o, "a value built");
	json_decref(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	same_reading(data, len);
	same_printing(data, len);
	return 0;
}
