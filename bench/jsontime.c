/*
 * jsontime: times jsonfast against jansson on the JSON files named, for
 * bench/json. First it checks that both read every file to the same
 * value and print it to the same bytes (the figures mean nothing
 * otherwise); then the two take turns, RUNS rounds over all files, and
 * the best round of each counts (the least disturbed by the machine).
 */
#include "jsonfast.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RUNS 7
#define SORTED (JSON_COMPACT | JSON_SORT_KEYS)

struct input {
	char *text;
	size_t len;
	json_t *value;
};

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static json_t *read_jansson(const char *text, size_t len)
{
	return json_loadb(text, len, 0, NULL);
}

static json_t *read_ours(const char *text, size_t len)
{
	return jsonfast_load(text, len, NULL);
}

static char *print_jansson(const json_t *v)
{
	return json_dumps(v, SORTED);
}

static char *print_ours(const json_t *v)
{
	return jsonfast_dumps(v, NULL);
}

/* Seconds for reps reads of every input. */
static double time_reads(json_t *(*reader)(const char *, size_t), struct input *in, int n, int reps)
{
	double start = now();
	for (int r = 0; r < reps; r++)
		for (int i = 0; i < n; i++)
			json_decref(reader(in[i].text, in[i].len));
	return now() - start;
}

static double time_prints(char *(*printer)(const json_t *), struct input *in, int n, int reps)
{
	double start = now();
	for (int r = 0; r < reps; r++)
		for (int i = 0; i < n; i++)
			free(printer(in[i].value));
	return now() - start;
}

static bool same(struct input *in)
{
	json_t *ours = jsonfast_load(in->text, in->len, NULL);
	char *a = ours ? jsonfast_dumps(ours, NULL) : NULL, *b = json_dumps(in->value, SORTED);
	bool good = a && b && json_equal(ours, in->value) && !strcmp(a, b);
	free(a);
	free(b);
	json_decref(ours);
	return good;
}

int main(int argc, char **argv)
{
	int n = 0;
	size_t bytes = 0;
	struct input *in = xcalloc((size_t)argc, sizeof *in);
	for (int i = 1; i < argc; i++) {
		struct input *x = &in[n];
		if (!(x->text = read_file(argv[i], 1 << 26, &x->len)) ||
		    !(x->value = json_loadb(x->text, x->len, 0, NULL))) {
			fprintf(stderr, "jsontime: %s: not readable JSON\n", argv[i]);
			return 1;
		}
		if (!same(x)) {
			fprintf(stderr, "jsontime: %s: jsonfast and jansson differ\n", argv[i]);
			return 1;
		}
		bytes += x->len;
		n++;
	}
	if (!n) {
		fprintf(stderr, "usage: jsontime FILE.json...\n");
		return 2;
	}
	/* About 20 MB of text a round, whatever the files. */
	int reps = (int)(20e6 / (double)bytes) + 1;
	double best[4] = { 1e9, 1e9, 1e9, 1e9 };
	for (int r = 0; r < RUNS; r++) {
		double t[4] = {
			time_reads(read_jansson, in, n, reps), time_reads(read_ours, in, n, reps),
			time_prints(print_jansson, in, n, reps), time_prints(print_ours, in, n, reps),
		};
		for (int k = 0; k < 4; k++)
			if (t[k] < best[k])
				best[k] = t[k];
	}
	double mb = (double)bytes * reps / 1e6;
	printf("%d files, %zu bytes, all read and printed alike by both\n", n, bytes);
	printf("read   jansson %6.1f MB/s  jsonfast %6.1f MB/s  ratio %.2f\n",
	    mb / best[0], mb / best[1], best[0] / best[1]);
	printf("print  jansson %6.1f MB/s  jsonfast %6.1f MB/s  ratio %.2f\n",
	    mb / best[2], mb / best[3], best[2] / best[3]);
	printf("bench json: read %.2fx jansson, print %.2fx jansson (%zu bytes in %d files)\n",
	    best[0] / best[1], best[2] / best[3], bytes, n);
	for (int i = 0; i < n; i++) {
		free(in[i].text);
		json_decref(in[i].value);
	}
	free(in);
	return 0;
}
