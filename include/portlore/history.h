/*
 * Registry history: what the store's snapshots say about a port over time (its story),
 * and what changed between two snapshots (a diff). Both are collected into plain
 * structs here and formatted by the renderers (pl_render_history_text() and friends).
 *
 * Dates come from two places, and every event says which: the registry's own columns
 * (Registration Date, Modification Date), or, when those say nothing, the labels of the
 * two snapshots the change fell between.
 *
 * Ownership: pl_history_build() and pl_diff_build() fill caller-owned structs; every
 * pointer inside belongs to them and is released by pl_history_free() / pl_diff_free()
 * (safe on a zeroed or already freed struct). Field names ("assignee", ...) are static.
 */
#ifndef PORTLORE_HISTORY_H
#define PORTLORE_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portlore/buf.h"
#include "portlore/error.h"
#include "portlore/portspec.h"
#include "portlore/store.h"

/* A bit per protocol, (1u << PL_PROTO_TCP) and so on. */
#define PL_PROTO_BIT(p) (1u << (unsigned)(p))

/* One registry row with all twelve columns, as a snapshot has it: the one struct the
 * report, history, diff and export read rows into (one reader, pl__rows_load(), and
 * one JSON encoding, pl_record_json()). */
struct pl_record {
	char *service, *description, *assignee, *contact, *registered, *modified;
	char *reference, *service_code, *unauthorized, *notes;
	bool has_port;             /* false: a service name without a port */
	uint16_t lo, hi;
	enum pl_proto proto;       /* PL_PROTO_ANY: the row names no protocol */
	long line;                 /* line in the imported file */
};

enum pl_hist_kind {
	PL_HIST_REGISTERED,        /* the Registration Date of a row first seen */
	PL_HIST_ADDED,             /* a row appeared between two snapshots */
	PL_HIST_ASSIGNED,          /* an unassigned or reserved port got a service */
	PL_HIST_DEASSIGNED,        /* a service's port went back to reserved/unassigned */
	PL_HIST_REMOVED,           /* a row disappeared between two snapshots */
	PL_HIST_CHANGED,           /* one column changed: field, old, new */
	PL_HIST_MODIFIED           /* a Modification Date with no other change seen */
};
const char *pl_hist_kind_name(enum pl_hist_kind k);

enum pl_hist_date_from {
	PL_HIST_DATE_REGISTRATION,  /* the row's Registration Date */
	PL_HIST_DATE_MODIFICATION,  /* the row's Modification Date */
	PL_HIST_DATE_SNAPSHOTS      /* no column dates it: between snapshots after, before */
};
const char *pl_hist_date_from_name(enum pl_hist_date_from d);

struct pl_hist_event {
	enum pl_hist_kind kind;
	unsigned protos;           /* PL_PROTO_BIT()s; bit PL_PROTO_ANY: rows with none */
	char *service;             /* the service the event is about ("" when none) */
	const char *field;         /* CHANGED: "assignee", "description", ...; else NULL */
	char *old_value, *new_value;   /* CHANGED and (de)assignments; ADDED: the new
	                               * row's description, REMOVED: the old one's */
	char *detail;              /* the new row's Assignment Notes, for (de)assignments */
	char *date;                /* YYYY-MM or YYYY-MM-DD; NULL for DATE_SNAPSHOTS */
	enum pl_hist_date_from date_from;
	char *after;               /* label of the last snapshot before; NULL when none */
	char *before;              /* label of the first snapshot showing the change */
};

/* What one snapshot says about the port: rows grouped over protocols. */
struct pl_hist_entry {
	char *service, *description, *assignee;
	uint16_t lo, hi;           /* the row's port or range */
	unsigned protos;
};

struct pl_hist_snap {
	char *label, *source;
	struct pl_hist_entry *entries; size_t nentries;
};

struct pl_history {
	uint16_t port;
	enum pl_proto proto;       /* PL_PROTO_ANY: every protocol the registry names */
	unsigned protos;           /* the protocols the story covers */
	struct pl_hist_snap *snaps; size_t nsnaps;      /* oldest first */
	struct pl_hist_event *events; size_t nevents;   /* oldest first */
};

/*
 * Builds the story of port (one protocol, or PL_PROTO_ANY for all it has) across every
 * snapshot in the store. Returns 0 (a store without snapshots gives an empty story),
 * -PL_ENOMEM or -PL_ESTORE with err set.
 */
int pl_history_build(struct pl_store *st, uint16_t port, enum pl_proto proto,
    struct pl_history *out, struct pl_err *err);
void pl_history_free(struct pl_history *h);

/* One column that differs between two rows. */
struct pl_diff_change {
	const char *field;
	char *old_value, *new_value;
};

enum pl_diff_kind { PL_DIFF_ADDED, PL_DIFF_REMOVED, PL_DIFF_CHANGED };

struct pl_diff_entry {
	enum pl_diff_kind kind;
	struct pl_record row;    /* the new row (the old one for REMOVED) */
	struct pl_diff_change *changes; size_t nchanges;   /* CHANGED only */
};

struct pl_diff {
	char *old_label, *old_source, *new_label, *new_source;
	long old_rows, new_rows;
	size_t nadded, nremoved, nchanged;
	struct pl_diff_entry *entries; size_t nentries;   /* in key order */
};

/*
 * Resolves a snapshot name as the user writes it: a label ("2025-03-28"), a unique
 * prefix of one ("2025-03", "2014"), or "current" / "oldest". Copies the label into
 * label (len >= 32). Returns 0, -PL_ENOTFOUND (err lists the labels), -PL_EUSAGE when
 * the prefix matches several, or -PL_ESTORE.
 */
int pl_snapshot_resolve(struct pl_store *st, const char *name, char *label, size_t len,
    struct pl_err *err);

/*
 * Compares two snapshots (labels as pl_snapshot_resolve() gives them). Rows are keyed
 * by service name (case-insensitive, as RFC 6335 section 5.1 compares them), port and
 * protocol; a key that occurs twice is paired in file order. Returns 0, -PL_ENOTFOUND,
 * -PL_ENOMEM or -PL_ESTORE.
 */
int pl_diff_build(struct pl_store *st, const char *old_label, const char *new_label,
    struct pl_diff *out, struct pl_err *err);
void pl_diff_free(struct pl_diff *d);

/* Renderers (src/render/history.c): text and JSON of a story and of a diff. */
struct pl_text_opts;
struct pl_json;
int pl_render_history_text(struct pl_buf *out, const struct pl_history *h,
    const struct pl_text_opts *o);
/* The events only, laid out like the port report's facts (for pl_render_text's caller
 * to append under the registry facts); nothing when there are none. */
int pl_render_history_brief(struct pl_buf *out, const struct pl_history *h,
    const struct pl_text_opts *o);
/* The events as an HTML fragment (<section id="history">, title escaped; NULL means
 * "Registry history") for a port page; nothing when there are none. */
int pl_history_html(struct pl_buf *out, const struct pl_history *h, const char *title);
int pl_render_diff_text(struct pl_buf *out, const struct pl_diff *d,
    const struct pl_text_opts *o);
/* The story as a JSON object, written where the writer stands (json.h); the diff as
 * its document, {schema, version, old, new, ...}. */
void pl_history_json(struct pl_json *j, const struct pl_history *h);
void pl_diff_json(struct pl_json *j, const struct pl_diff *d);
/* A registry row as a JSON object with its twelve columns and "line", left open for
 * the caller to add members and close (history, diff and export write rows so). */
void pl_record_json(struct pl_json *j, const struct pl_record *r);

#endif
