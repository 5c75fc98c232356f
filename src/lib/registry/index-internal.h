/* index-internal.h: what report.c reads from the lookup index (index.c). Not installed. */
#ifndef PORTLORE_INDEX_INTERNAL_H
#define PORTLORE_INDEX_INTERNAL_H

#include <stdbool.h>

#include "portlore/index.h"
#include "portlore/report.h"

/*
 * Fills r's store facts (snapshot, records, ranges, lore uses with their details, nmap)
 * for r->port and r->proto, exactly as the store's queries in report.c would. Returns
 * 0, -PL_ENOMEM, or -PL_EDATA for a malformed index (err says where).
 */
int pl__index_facts(struct pl_index *ix, struct pl_report *r, struct pl_err *err);

/* pl_history_build() from the index. Same returns as pl__index_facts(). */
int pl__index_history(struct pl_index *ix, uint16_t port, enum pl_proto proto,
    struct pl_history *out, struct pl_err *err);

/* The protocols the current snapshot's rows or the lore name for port (as report.c's
 * PL_STMT_PROTOS). Same returns. */
int pl__index_protos(struct pl_index *ix, uint16_t port, bool extra[PL_PROTO_COUNT],
    struct pl_err *err);

/* The store the index was made from, opened (read only) on first use, for what the
 * index does not hold (naming the processes found on a port). NULL with err set when
 * it can't be opened, or for an index opened from memory. */
struct pl_store *pl__index_store(struct pl_index *ix, struct pl_err *err);

/* The current snapshot's registry name for an exact port and protocol, as the store's
 * identification query finds it (lent, NULL when none). Same returns. */
int pl__index_service(struct pl_index *ix, uint16_t port, enum pl_proto proto,
    const char **name, struct pl_err *err);

/* pl_id_candidates_load() from the index: the same candidates in the same order, their
 * strings lent by the index (out->lent). Same returns. */
struct pl_id_candidates;
int pl__index_candidates(struct pl_index *ix, struct pl_id_candidates *out,
    struct pl_err *err);

/* bindwhy.c's lore about other systems (families "macos-", "windows-") on w->port and
 * w->proto, as its store query orders it (family, narrowest first, id; at most 16),
 * into w->elsewhere with copies in w->store_strings. Same returns. */
struct pl_bind_why;
int pl__index_elsewhere(struct pl_index *ix, struct pl_bind_why *w, struct pl_err *err);

#endif
