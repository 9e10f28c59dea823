/*
 * libFuzzer target: what the reports read from outside or from the
 * database as text: CSV feeds (ADU, builds) and install sketches.
 */
#include "csv.h"
#include "sketch.h"
#include "util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	log_threshold = LOG_SILENT;
	FILE *f = fmemopen((void *)buf, len, "r");
	char **v;
	size_t n;
	int r;
	while (f && (r = csv_read(f, &v, &n)) != 0)
		if (r > 0)
			csv_free(v, n);
	if (f)
		fclose(f);
	char *text = xstrndup((const char *)buf, len);
	struct sketch s, t;
	if (sketch_load(&s, text)) {
		sketch_init(&t);
		sketch_add(&t, "x");
		sketch_merge(&t, &s);
		(void)sketch_count(&t);
		free(sketch_dump(&t));
	}
	free(text);
	return 0;
}
