/* rows-internal.h: the one reader of registry rows (struct pl_record) from the store,
 * in history.c; history, diff and export read rows through it. Not installed. */
#ifndef PORTLORE_ROWS_INTERNAL_H
#define PORTLORE_ROWS_INTERNAL_H

#include "portlore/history.h"
#include "registry/store-internal.h"

/* The columns a row query selects, in the order the reader takes them. */
#define PL__ROW_COLS "service, description, assignee, contact, registered, modified," \
	" reference, service_code, unauthorized, notes, lo, hi, proto, line"

/* Runs a prepared "SELECT " PL__ROW_COLS query to the end, appending to *rows (of *n).
 * Returns 0, -PL_ENOMEM or -PL_ESTORE with err set; what was read stays in *rows. */
int pl__rows_load(struct pl_store *st, sqlite3_stmt *s, struct pl_record **rows, size_t *n,
    struct pl_err *err);
void pl__rows_free(struct pl_record *rows, size_t n);

#endif
