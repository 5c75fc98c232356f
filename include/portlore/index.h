/*
 * The lookup index: a file beside the store (portlore.db, portlore.idx) that holds,
 * for every port, what the store knows about it, laid out so that a lookup is one
 * mmap and a few dozen bounds-checked reads instead of opening SQLite and compiling a
 * dozen statements. The store stays the source of truth; the index is a cache that
 * `portlore import` and `portlore update` rebuild, stamped with the identity of the
 * store it was made from (docs/performance.md has the layout and why).
 *
 * Ownership: pl_index_open() and pl_index_open_mem() return a handle freed with
 * pl_index_close() (NULL is fine); strings it lends live as long as the handle.
 */
#ifndef PORTLORE_INDEX_H
#define PORTLORE_INDEX_H

#include <stddef.h>

#include "portlore/error.h"
#include "portlore/store.h"

struct pl_index;

/* The index path of a store: "x.db" gives "x.idx", any other name gets ".idx" added.
 * Returns 0, or -PL_EUSAGE when it does not fit in len. */
int pl_index_path(const char *store_path, char *buf, size_t len, struct pl_err *err);

/*
 * Writes the index of st (open for writing, no transaction running) beside target,
 * the path the store will be used under (NULL: st's own path). The file is written
 * under a temporary name and renamed into place, so a reader sees the old index or
 * the new one, never half of one. Returns 0, -PL_ESTORE, -PL_EIO or -PL_ENOMEM with
 * err set.
 */
int pl_index_write(struct pl_store *st, const char *target, struct pl_err *err);

/*
 * Opens the index beside the store at store_path when it is of this build and was
 * made from the store as it is now. Returns 0 and sets *out; -PL_ENOTFOUND when there
 * is none or it is stale (the caller uses the store, silently); -PL_EDATA when the
 * file is malformed (err names it and says why).
 */
int pl_index_open(struct pl_index **out, const char *store_path, struct pl_err *err);

/* Opens an index held in memory (lent for the handle's life), without the staleness
 * check: for fuzzers and tests. Returns 0 or -PL_EDATA / -PL_ENOMEM. */
int pl_index_open_mem(struct pl_index **out, const void *data, size_t len,
    struct pl_err *err);

void pl_index_close(struct pl_index *ix);

/* The store the index was made from, opened read-only on first use and closed with
 * the index: for what the index does not hold. NULL with err set when it can't be
 * opened (or for an index opened from memory). */
struct pl_store *pl_index_store(struct pl_index *ix, struct pl_err *err);

/* -PL_EDATA (err names the file) when another program changed the index file in
 * place while ix had it mapped (cut short: its pages past the new end then read as
 * zeros, never as a crash; or written over): every report built or rendered from ix
 * since it was opened is then suspect, the caller's to discard. Else 0. */
int pl_index_check(const struct pl_index *ix, struct pl_err *err);

/* Lent: the current snapshot's label, or NULL when the store had none. */
const char *pl_index_snapshot(const struct pl_index *ix);

#endif
