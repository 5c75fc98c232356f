/*
 * The store: one SQLite file holding registry snapshots side by side, lore, nmap's
 * open frequencies and a full-text index over all of them.
 *
 * Ownership: pl_store_open() returns a handle the caller frees with pl_store_close()
 * (NULL is fine). Strings the store hands out are copies the caller owns unless a
 * comment says "lent".
 */
#ifndef PORTLORE_STORE_H
#define PORTLORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portlore/error.h"
#include "portlore/portspec.h"

#define PL_SCHEMA_VERSION 3
#define PL_STRINGIFY_(x) #x
#define PL_STRINGIFY(x) PL_STRINGIFY_(x)

struct pl_store;

enum pl_store_mode {
	PL_STORE_READ,     /* read only; works on read-only files and folders */
	PL_STORE_WRITE,    /* read and write an existing store */
	PL_STORE_CREATE    /* create the file and schema when missing */
};

/*
 * Opens the store at path. Returns 0 and sets *out, or -PL_ESTORE (missing, not a
 * database, not a portlore store, newer schema, read-only when writing) with err
 * naming the path.
 */
int pl_store_open(struct pl_store **out, const char *path, enum pl_store_mode mode,
    struct pl_err *err);
void pl_store_close(struct pl_store *st);

/*
 * An outer transaction around several imports (each import is also atomic on its
 * own). Return 0 or -PL_ESTORE with err set.
 */
int pl_store_begin(struct pl_store *st, struct pl_err *err);
int pl_store_commit(struct pl_store *st, struct pl_err *err);
void pl_store_rollback(struct pl_store *st);

/* Lent: the path the store was opened from. */
const char *pl_store_path(const struct pl_store *st);

/* The store's search path: --db, $PORTLORE_DB, the user's store, the installed one. */
const char *pl_store_default_path(char *buf, size_t len);

/* Import statistics, filled by the importers. */
struct pl_import_stats {
	long rows;          /* records read */
	long ports;         /* records with a port */
	long names_only;    /* records with a service name and no port */
	char label[32];     /* snapshot label: the newest date inside the file */
};

/*
 * Imports an IANA "service-names-port-numbers" CSV as a snapshot, in one transaction.
 * A snapshot with the same label is replaced. The newest snapshot becomes current.
 * Returns 0, or -PL_EDATA with err "file:line: reason" (the store is left as it was),
 * -PL_EIO, -PL_ESTORE.
 */
int pl_store_import_iana(struct pl_store *st, const char *csv_path,
    struct pl_import_stats *stats, struct pl_err *err);

/*
 * Validates and imports every data/lore/ *.json file in dir, replacing all lore, in
 * one transaction. Returns 0 or -PL_EDATA with err "file:line: reason". With st NULL
 * it only validates. *entries and *facts (may be NULL) receive the counts.
 */
int pl_lore_import_dir(struct pl_store *st, const char *dir, long *entries, long *facts,
    struct pl_err *err);

/* Validates one lore file (as text, named name for messages); used by tests and fuzzers. */
int pl_lore_check_text(const char *name, const char *text, size_t len, struct pl_err *err);

/*
 * Imports nmap's nmap-services (open frequencies), replacing earlier ones. Returns 0,
 * -PL_EIO when the file can't be read, -PL_EDATA with "file:line: reason".
 */
int pl_store_import_nmap(struct pl_store *st, const char *path, long *rows, struct pl_err *err);

/* Rebuilds the full-text index from the current snapshot and lore. */
int pl_store_reindex(struct pl_store *st, struct pl_err *err);

/* A port a service name resolves to. */
struct pl_port_ref {
	uint16_t lo, hi;
	enum pl_proto proto;
};

/*
 * Resolves a service name (registry service names of the current snapshot, then
 * lore ids, families and names) to ports. proto filters when not PL_PROTO_ANY.
 * Returns the number of refs (> 0, *out owned by the caller, free()) or -PL_ENOTFOUND.
 */
int pl_store_resolve_name(struct pl_store *st, const char *name, enum pl_proto proto,
    struct pl_port_ref **out, struct pl_err *err);

/*
 * Names a port spec may use that start with prefix (case-insensitive): the current
 * snapshot's service names, lore ids and lore families, sorted, at most max. For shell
 * completion. Returns how many (*out and each string owned by the caller, free()),
 * or a negative code.
 */
long pl_store_names(struct pl_store *st, const char *prefix, long max, char ***out,
    struct pl_err *err);

/* Lent: the current snapshot's label ("2026-02-13"), or NULL when there is none. */
const char *pl_store_current_snapshot(struct pl_store *st);

/* One search hit. */
struct pl_hit {
	char *source;        /* "iana" or "lore" */
	char *ref;           /* service name or lore entry id */
	char *title;
	char *snippet;       /* summary text, matches between U+00AB and U+00BB («..») */
	char *ports;         /* "3333/tcp, 3333/udp" */
	double named;        /* how much the query names the hit: 2 whole name, 0..1 share */
	double prior;        /* port popularity and, for lore, its best use's relevance */
	double score;        /* text relevance (bm25) times prior: higher is better */
};

/*
 * Full-text search over registry and lore, most relevant first: FTS5's bm25 over the
 * hit's names, summary and text (names weigh most; words are stemmed and matched as
 * prefixes), times a factor for a hit whose own name the query is, the popularity of
 * its port (nmap's open frequency) and, for lore, its best use by the ranking of
 * rank.h. Every word must match; when no hit has them all, any word may. Returns the
 * number of hits (0 or more; *out owned by the caller, free with pl_hits_free), or
 * -PL_EUSAGE for an empty query.
 */
int pl_store_search(struct pl_store *st, const char *query, int limit, struct pl_hit **out,
    struct pl_err *err);
void pl_hits_free(struct pl_hit *hits, int n);

/*
 * Whether a search text is a port rather than words ("22", "22/tcp", "3000-3010",
 * "3000-3010/udp"), so that a caller can go straight to that port's report. Fills
 * *out (proto PL_PROTO_ANY when not given) and returns 1, or returns 0.
 */
int pl_search_port(const char *query, struct pl_port_ref *out);

#endif
