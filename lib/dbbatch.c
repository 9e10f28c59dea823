/*
 * dbbatch.c: multi-row INSERTs and the like (dbbatch.h). A full batch
 * always has the same statement text, so it is prepared once per
 * connection.
 */
#include "dbbatch.h"
#include "util.h"

#include <stdlib.h>

void db_batch_init_around(struct db_batch *b, struct db *db, const char *head, const char *tail,
    int ncols)
{
	*b = (struct db_batch){ db, head, tail, ncols, 0, NULL };
}

void db_batch_init(struct db_batch *b, struct db *db, const char *insert, int ncols)
{
	db_batch_init_around(b, db, insert, "", ncols);
}

static void drop_rows(struct db_batch *b)
{
	for (int i = 0; i < b->n * b->ncols; i++)
		free(b->values[i]);
	b->n = 0;
}

int db_batch_flush(struct db_batch *b, char **err)
{
	if (b->n == 0)
		return 0;
	struct buf sql;
	buf_init(&sql);
	buf_printf(&sql, "%s VALUES ", b->head);
	for (int r = 0, k = 1; r < b->n; r++) {
		buf_puts(&sql, r ? ", (" : "(");
		for (int c = 0; c < b->ncols; c++)
			buf_printf(&sql, c ? ", $%d" : "$%d", k++);
		buf_puts(&sql, ")");
	}
	buf_puts(&sql, b->tail);
	int rc = db_query(b->db, sql.data, b->n * b->ncols, (const char *const *)b->values,
	    NULL, NULL, err);
	buf_free(&sql);
	drop_rows(b);
	return rc;
}

int db_batch_add(struct db_batch *b, const char *const *row, char **err)
{
	if (!b->values)
		b->values = xcalloc((size_t)DB_BATCH_ROWS * b->ncols, sizeof *b->values);
	for (int c = 0; c < b->ncols; c++)
		b->values[b->n * b->ncols + c] = row[c] ? xstrdup(row[c]) : NULL;
	return ++b->n == DB_BATCH_ROWS ? db_batch_flush(b, err) : 0;
}

void db_batch_free(struct db_batch *b)
{
	if (b->values)
		drop_rows(b);
	free(b->values);
	b->values = NULL;
}
