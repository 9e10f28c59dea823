/*
 * extract.h: crash-extract's parts: the fields one can ask for, the
 * conditions on them, and the output writers.
 */
#ifndef CRASH_EXTRACT_H
#define CRASH_EXTRACT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

struct db;

/* A field: a column of crashes, or a dotted path into the processed crash. */
struct field {
	char *name;
	bool column;		/* in the database (else read from the store) */
	int kind;		/* DB_COL_* for columns */
	bool protected_;	/* personal data: --protected only */
};

bool field_parse(const char *name, struct field *f);
void field_free(struct field *f);
/* The value at a dotted path of the processed crash (borrowed; NULL if none). */
json_t *field_json(json_t *processed, const char *path);
/* A value as text: strings as they are, the rest as JSON (NULL for none). */
char *field_text(json_t *v);

enum op { OP_EQ, OP_NE, OP_CONTAINS, OP_PREFIX, OP_SUFFIX, OP_REGEX, OP_GT, OP_GE, OP_LT, OP_LE };

struct condition {
	struct field field;
	enum op op;
	char *value;		/* NULL: the null test (=__null__, !=__null__) */
	void *regex;		/* compiled, for OP_REGEX */
};

/* "FIELD OP VALUE" -> condition; false with a message on stderr. */
bool condition_parse(const char *text, struct condition *c);
void condition_free(struct condition *c);
/* SQL for one condition on a column, its value as parameter $n. */
char *condition_sql(const struct condition *c, struct db *db, int n);
/* Evaluates a condition on a value in C (NULL: no value). */
bool condition_test(const struct condition *c, const char *value);
/* Whether the database can evaluate it (a column, and not a regex). */
bool condition_in_sql(const struct condition *c);

enum out_format { OUT_CSV, OUT_TSV, OUT_NDJSON };
void out_header(FILE *out, enum out_format f, struct field *fields, int n);
/* values: text of each field; json: the store fields' JSON (else NULL). */
void out_row(FILE *out, enum out_format f, struct field *fields, int n, char *const *values,
    json_t *const *json);

#endif
