/* store-internal.h: what the library's files share about the store. Not installed. */
#ifndef PORTLORE_STORE_INTERNAL_H
#define PORTLORE_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "portlore/history.h"
#include "portlore/store.h"

struct pl_store {
	sqlite3 *db;
	char *path;
	char current[32];         /* current snapshot label, "" when none */
	long current_id;          /* its row id, 0 when none */
	sqlite3_stmt *stmts[16];  /* prepared statements reused by reports */
};

/* Prepares (once) and returns statement slot i with sql; NULL on error (err set). */
sqlite3_stmt *pl__stmt(struct pl_store *st, int i, const char *sql, struct pl_err *err);

/* Runs sql (several statements allowed); returns 0 or -PL_ESTORE with err set. */
int pl__exec(struct pl_store *st, const char *sql, struct pl_err *err);

/* Reloads the current snapshot after an import. */
int pl__store_refresh(struct pl_store *st, struct pl_err *err);

/* Strdup of a column, "" for NULL; NULL only when out of memory. */
char *pl__col(sqlite3_stmt *s, int i);

/* One snapshot's rows of a port (exact and ranges, in file order), lent to the story. */
struct pl__hist_snaprows {
	const char *label, *source;
	struct pl_record *rows;
	size_t n;
};

/*
 * pl_history_build() from rows already in memory (the index's reader), snapshots
 * oldest first; at most 256 rows per snapshot. Copies what it keeps.
 */
int pl__history_from_rows(uint16_t port, enum pl_proto proto,
    const struct pl__hist_snaprows *in, size_t nin, struct pl_history *out,
    struct pl_err *err);

/* Appends one zeroed element to *arr (of *n elements of size sz) and returns it; NULL
 * when out of memory (*arr and *n unchanged). The report's loaders share it. */
static inline void *
pl__grow1(void *arr_ptr, size_t *n, size_t sz)
{
	void **arr = arr_ptr;
	char *p = realloc(*arr, (*n + 1) * sz);

	if (p == NULL)
		return NULL;
	*arr = p;
	memset(p + *n * sz, 0, sz);
	return p + (*n)++ * sz;
}

/* Statement slots. */
enum {
	PL_STMT_RECORDS, PL_STMT_RANGES, PL_STMT_LORE_USES, PL_STMT_LORE_SOURCES,
	PL_STMT_LORE_CVES, PL_STMT_LORE_HINTS, PL_STMT_SIBLINGS, PL_STMT_NMAP,
	PL_STMT_PROTOS, PL_STMT_HIST_ROWS, PL_STMT_HIST_SNAPS, PL_STMT_LAST
};

#endif
