/*
 * csv.h: reading one CSV record (RFC 4180: quoted fields, "" for a quote,
 * CRLF or LF line ends) at a time.
 */
#ifndef CRASH_CSV_H
#define CRASH_CSV_H

#include <stdio.h>
#include <stddef.h>

/*
 * Reads the next record from f into fields (*nfields of them, each
 * malloc'd, the array too). Returns 1 for a record, 0 at end of file, -1
 * for a malformed record (an unterminated quote).
 */
int csv_read(FILE *f, char ***fields, size_t *nfields);
void csv_free(char **fields, size_t nfields);

/* Writes one field, quoted when it holds a comma, a quote or a line break. */
void csv_write_field(FILE *out, const char *s);

#endif
