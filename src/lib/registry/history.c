/*
 * history.c: a port's registry story across the store's snapshots, and the diff of two
 * snapshots. The store keeps every imported registry side by side (store.c), so both
 * are comparisons of rows; nothing here guesses beyond what the rows say.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "portlore/history.h"
#include "registry/rows-internal.h"
#include "registry/store-internal.h"

#define ROW_COLS PL__ROW_COLS

static const char *const kind_names[] = {
	"registered", "added", "assigned", "de-assigned", "removed", "changed", "modified"
};
static const char *const date_from_names[] = {
	"registration_date", "modification_date", "snapshots"
};

const char *
pl_hist_kind_name(enum pl_hist_kind k)
{
	return (unsigned)k < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[k] : "";
}

const char *
pl_hist_date_from_name(enum pl_hist_date_from d)
{
	return (unsigned)d < 3 ? date_from_names[d] : "";
}

/* The columns compared between two rows: JSON name and where the value lives. */
struct field {
	const char *name;
	size_t off;
};
#define F(n, m) { n, offsetof(struct pl_record, m) }
static const struct field fields[] = {
	F("service", service), F("description", description), F("assignee", assignee),
	F("contact", contact), F("registration_date", registered),
	F("modification_date", modified), F("reference", reference),
	F("service_code", service_code), F("unauthorized_use", unauthorized),
	F("assignment_notes", notes),
};
#undef F
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static const char *
field_of(const struct pl_record *r, size_t i)
{
	return *(char *const *)(const void *)((const char *)r + fields[i].off);
}

/* Grows *arr (of elements of size sz) so that one more fits; returns 0 or -1. */
static int
grow(void *arr_ptr, size_t n, size_t *cap, size_t sz)
{
	void **arr = arr_ptr, *p;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	if ((p = realloc(*arr, ncap * sz)) == NULL)
		return -1;
	*arr = p;
	*cap = ncap;
	return 0;
}

static int
nomem(struct pl_err *err)
{
	return pl_err_set(err, -PL_ENOMEM, "out of memory");
}

static int
store_err(struct pl_store *st, struct pl_err *err)
{
	return pl_err_set(err, -PL_ESTORE, "store %s: %s", st->path, sqlite3_errmsg(st->db));
}

static void
row_free(struct pl_record *r)
{
	for (size_t i = 0; i < NFIELDS; i++)
		free(*(char **)(void *)((char *)r + fields[i].off));
	memset(r, 0, sizeof(*r));
}

void
pl__rows_free(struct pl_record *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		row_free(&rows[i]);
	free(rows);
}

/* Fills r from the current result row of a ROW_COLS query. Returns 0 or -1 (memory). */
static int
row_read(sqlite3_stmt *s, struct pl_record *r)
{
	const char *proto = (const char *)sqlite3_column_text(s, 12);
	int fail = 0;

	memset(r, 0, sizeof(*r));
	/* ROW_COLS lists the text columns in the order of fields[]. */
	for (size_t i = 0; i < NFIELDS; i++) {
		char *v = pl__col(s, (int)i);

		*(char **)(void *)((char *)r + fields[i].off) = v;
		fail |= v == NULL;
	}
	r->has_port = sqlite3_column_type(s, 10) != SQLITE_NULL;
	r->lo = (uint16_t)sqlite3_column_int(s, 10);
	r->hi = (uint16_t)sqlite3_column_int(s, 11);
	r->proto = proto ? pl_proto_parse(proto, strlen(proto)) : PL_PROTO_ANY;
	r->line = (long)sqlite3_column_int64(s, 13);
	if (fail)
		row_free(r);
	return fail ? -1 : 0;
}

/* Runs a prepared ROW_COLS query to the end, appending to *rows. */
int
pl__rows_load(struct pl_store *st, sqlite3_stmt *s, struct pl_record **rows, size_t *n,
    struct pl_err *err)
{
	size_t cap = *n;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (grow(rows, *n, &cap, sizeof(**rows)) != 0 || row_read(s, &(*rows)[*n]) != 0)
			return nomem(err);
		(*n)++;
	}
	return rc == SQLITE_DONE ? 0 : store_err(st, err);
}

/* ------------------------------------------------------------------ the story */

/* Rows of one snapshot that name the port, exactly or through a range. */
struct snaprows {
	struct pl_record *rows;
	size_t n;
};

struct story {
	struct pl_history *h;
	struct snaprows *sr;
	size_t ev_cap;
	struct pl_err *err;
};

static bool
same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool
same_event(const struct pl_hist_event *a, const struct pl_hist_event *b)
{
	return a->kind == b->kind && a->date_from == b->date_from &&
	    a->field == b->field && same_str(a->service, b->service) &&
	    same_str(a->old_value, b->old_value) && same_str(a->new_value, b->new_value) &&
	    same_str(a->detail, b->detail) && same_str(a->date, b->date) &&
	    same_str(a->after, b->after) && same_str(a->before, b->before);
}

static void
event_free(struct pl_hist_event *e)
{
	free(e->service);
	free(e->old_value);
	free(e->new_value);
	free(e->detail);
	free(e->date);
	free(e->after);
	free(e->before);
}

static char *
dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/*
 * Adds an event (strings are copied), or merges it into an equal one of another
 * protocol: tcp and udp rows usually change together and are told once.
 */
static int
add_event(struct story *s, const struct pl_hist_event *tmpl, enum pl_proto p)
{
	struct pl_history *h = s->h;
	struct pl_hist_event *e;

	for (size_t i = 0; i < h->nevents; i++)
		if (same_event(&h->events[i], tmpl)) {
			h->events[i].protos |= PL_PROTO_BIT(p);
			return 0;
		}
	if (grow(&h->events, h->nevents, &s->ev_cap, sizeof(*h->events)) != 0)
		return nomem(s->err);
	e = &h->events[h->nevents];
	*e = *tmpl;
	e->protos = PL_PROTO_BIT(p);
	e->service = strdup(tmpl->service ? tmpl->service : "");
	e->old_value = dup_or_null(tmpl->old_value);
	e->new_value = dup_or_null(tmpl->new_value);
	e->detail = dup_or_null(tmpl->detail);
	e->date = dup_or_null(tmpl->date);
	e->after = dup_or_null(tmpl->after);
	e->before = dup_or_null(tmpl->before);
	if (e->service == NULL || (tmpl->old_value && !e->old_value) ||
	    (tmpl->new_value && !e->new_value) || (tmpl->detail && !e->detail) ||
	    (tmpl->date && !e->date) || (tmpl->after && !e->after) || (tmpl->before && !e->before)) {
		event_free(e);
		return nomem(s->err);
	}
	h->nevents++;
	return 0;
}

/* Dates a change seen in row b: its Modification Date when that moved, else the
 * snapshots around it. */
static void
date_change(struct pl_hist_event *e, const struct pl_record *a, const struct pl_record *b)
{
	if (*b->modified && (a == NULL || strcmp(a->modified, b->modified) != 0)) {
		e->date = b->modified;
		e->date_from = PL_HIST_DATE_MODIFICATION;
	} else {
		e->date = NULL;
		e->date_from = PL_HIST_DATE_SNAPSHOTS;
	}
}

/* Dates a row that appeared: its Registration Date first, as the registry records
 * when the assignment was made. */
static void
date_new(struct pl_hist_event *e, const struct pl_record *b)
{
	if (*b->registered) {
		e->date = b->registered;
		e->date_from = PL_HIST_DATE_REGISTRATION;
	} else
		date_change(e, NULL, b);
}

/* Events of a row present in the oldest snapshot: only what its own columns date. */
static int
first_seen(struct story *s, const struct pl_record *r, const char *label, enum pl_proto p)
{
	struct pl_hist_event e = { .service = r->service, .before = (char *)label };
	int rc = 0;

	if (*r->registered) {
		e.kind = PL_HIST_REGISTERED;
		e.date = r->registered;
		e.date_from = PL_HIST_DATE_REGISTRATION;
		rc = add_event(s, &e, p);
	}
	if (rc == 0 && *r->modified) {
		e.kind = PL_HIST_MODIFIED;
		e.date = r->modified;
		e.date_from = PL_HIST_DATE_MODIFICATION;
		rc = add_event(s, &e, p);
	}
	return rc;
}

/* A pair of rows where a service lost or got its port. */
static int
pair_assignment(struct story *s, const struct pl_record *a, const struct pl_record *b,
    struct pl_hist_event *e, enum pl_proto p)
{
	e->detail = b->notes;
	if (*a->service) {
		e->kind = PL_HIST_DEASSIGNED;
		e->service = a->service;
		e->old_value = a->service;
		e->new_value = b->description;
		date_change(e, a, b);
	} else {
		e->kind = PL_HIST_ASSIGNED;
		e->service = b->service;
		e->old_value = a->description;
		e->new_value = b->service;
		date_new(e, b);
	}
	return add_event(s, e, p);
}

/* Compares a row of the older snapshot with its match in the newer one. */
static int
pair_compare(struct story *s, const struct pl_record *a, const struct pl_record *b,
    const char *after, const char *before, enum pl_proto p)
{
	struct pl_hist_event e = { .after = (char *)after, .before = (char *)before };
	bool changed = false;
	int rc = 0;

	if ((*a->service == '\0') != (*b->service == '\0'))
		return pair_assignment(s, a, b, &e, p);
	e.kind = PL_HIST_CHANGED;
	e.service = b->service;
	date_change(&e, a, b);
	for (size_t i = 0; i < NFIELDS && rc == 0; i++) {
		/* The dates are what events are dated by, not events of their own. */
		if (fields[i].off == offsetof(struct pl_record, modified))
			continue;
		if (strcmp(field_of(a, i), field_of(b, i)) == 0)
			continue;
		e.field = fields[i].name;
		e.old_value = (char *)field_of(a, i);
		e.new_value = (char *)field_of(b, i);
		changed = true;
		rc = add_event(s, &e, p);
	}
	if (rc == 0 && !changed && strcmp(a->modified, b->modified) != 0 && *b->modified) {
		struct pl_hist_event m = { .kind = PL_HIST_MODIFIED, .service = b->service,
			.date = b->modified, .date_from = PL_HIST_DATE_MODIFICATION,
			.after = (char *)after, .before = (char *)before };

		rc = add_event(s, &m, p);
	}
	return rc;
}

static bool
in_track(const struct pl_record *r, enum pl_proto p)
{
	return r->proto == p || r->proto == PL_PROTO_ANY;
}

/* Rows with the same service name pair first; the rest pair in file order. */
static void
match_rows(const struct snaprows *a, const struct snaprows *b, enum pl_proto p, long *mate)
{
	bool used[256] = { false };

	for (size_t i = 0; i < a->n; i++) {
		mate[i] = -1;
		for (size_t j = 0; j < b->n && j < 256 && in_track(&a->rows[i], p); j++)
			if (!used[j] && in_track(&b->rows[j], p) &&
			    strcasecmp(a->rows[i].service, b->rows[j].service) == 0) {
				mate[i] = (long)j;
				used[j] = true;
				break;
			}
	}
	for (size_t i = 0; i < a->n; i++) {
		if (mate[i] >= 0 || !in_track(&a->rows[i], p))
			continue;
		for (size_t j = 0; j < b->n && j < 256; j++)
			if (!used[j] && in_track(&b->rows[j], p)) {
				mate[i] = (long)j;
				used[j] = true;
				break;
			}
	}
}

/* Events of protocol p between two consecutive snapshots. */
static int
compare_snaps(struct story *s, size_t ia, size_t ib, enum pl_proto p)
{
	const struct snaprows *a = &s->sr[ia], *b = &s->sr[ib];
	const char *after = s->h->snaps[ia].label, *before = s->h->snaps[ib].label;
	long mate[256];
	bool seen[256] = { false };
	int rc = 0;

	match_rows(a, b, p, mate);
	for (size_t i = 0; i < a->n && rc == 0; i++) {
		struct pl_hist_event e = { .kind = PL_HIST_REMOVED, .service = a->rows[i].service,
			.old_value = a->rows[i].description, .date_from = PL_HIST_DATE_SNAPSHOTS,
			.after = (char *)after, .before = (char *)before };

		if (!in_track(&a->rows[i], p))
			continue;
		if (mate[i] < 0) {
			rc = add_event(s, &e, p);
			continue;
		}
		seen[mate[i]] = true;
		rc = pair_compare(s, &a->rows[i], &b->rows[mate[i]], after, before, p);
	}
	for (size_t j = 0; j < b->n && j < 256 && rc == 0; j++) {
		struct pl_hist_event e = { .kind = PL_HIST_ADDED, .service = b->rows[j].service,
			.new_value = b->rows[j].description, .after = (char *)after,
			.before = (char *)before };

		if (seen[j] || !in_track(&b->rows[j], p))
			continue;
		date_new(&e, &b->rows[j]);
		rc = add_event(s, &e, p);
	}
	return rc;
}

static int
load_snap_rows(struct pl_store *st, long id, uint16_t port, struct snaprows *out,
    struct pl_err *err)
{
	/* Prepared once per store (a slot), not once per snapshot and protocol. */
	sqlite3_stmt *s = pl__stmt(st, PL_STMT_HIST_ROWS, "SELECT " ROW_COLS " FROM record"
	    " WHERE snapshot = ?1 AND lo = ?2 AND hi = ?2 UNION ALL SELECT " ROW_COLS
	    " FROM record WHERE snapshot = ?1 AND lo <> hi AND lo <= ?2 AND hi >= ?2"
	    " ORDER BY line", err);
	int rc;

	if (s == NULL)
		return -PL_ESTORE;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, port);
	rc = pl__rows_load(st, s, &out->rows, &out->n, err);
	sqlite3_reset(s);
	/* A port has a handful of rows per snapshot; the matching tables are sized so. */
	if (rc == 0 && out->n > 256)
		return pl_err_set(err, -PL_ESTORE, "store %s: port %u has %zu rows in one snapshot",
		    st->path, (unsigned)port, out->n);
	return rc;
}

/* Loads every snapshot's label, source and rows for the port, oldest first. */
static int
load_snaps(struct pl_store *st, struct story *s, uint16_t port, struct pl_err *err)
{
	struct pl_history *h = s->h;
	sqlite3_stmt *q = pl__stmt(st, PL_STMT_HIST_SNAPS,
	    "SELECT id, label, source FROM snapshot ORDER BY label", err);
	size_t cap = 0;
	int rc = 0, step = SQLITE_DONE;

	if (q == NULL)
		return -PL_ESTORE;
	while (rc == 0 && (step = sqlite3_step(q)) == SQLITE_ROW) {
		size_t ocap = cap;
		struct snaprows *nsr;

		if (grow(&h->snaps, h->nsnaps, &cap, sizeof(*h->snaps)) != 0 ||
		    (nsr = realloc(s->sr, cap * sizeof(*s->sr))) == NULL) {
			rc = nomem(err);
			break;
		}
		s->sr = nsr;
		memset(&s->sr[ocap], 0, (cap - ocap) * sizeof(*s->sr));
		memset(&h->snaps[h->nsnaps], 0, sizeof(*h->snaps));
		h->snaps[h->nsnaps].label = pl__col(q, 1);
		h->snaps[h->nsnaps].source = pl__col(q, 2);
		h->nsnaps++;
		if (!h->snaps[h->nsnaps - 1].label || !h->snaps[h->nsnaps - 1].source)
			rc = nomem(err);
		else
			rc = load_snap_rows(st, sqlite3_column_int64(q, 0), port,
			    &s->sr[h->nsnaps - 1], err);
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = store_err(st, err);
	sqlite3_reset(q);
	return rc;
}

/* What each snapshot says, rows grouped over the protocols of the story. */
static int
summarise(struct story *s, struct pl_err *err)
{
	struct pl_history *h = s->h;

	for (size_t i = 0; i < h->nsnaps; i++) {
		struct pl_hist_snap *sn = &h->snaps[i];
		size_t cap = 0;

		for (size_t k = 0; k < s->sr[i].n; k++) {
			const struct pl_record *r = &s->sr[i].rows[k];
			unsigned bits = r->proto == PL_PROTO_ANY ? h->protos :
			    PL_PROTO_BIT(r->proto) & h->protos;
			size_t j;

			if (bits == 0)
				continue;
			for (j = 0; j < sn->nentries; j++) {
				struct pl_hist_entry *e = &sn->entries[j];

				if (e->lo == r->lo && e->hi == r->hi && strcmp(e->service, r->service) == 0 &&
				    strcmp(e->description, r->description) == 0 &&
				    strcmp(e->assignee, r->assignee) == 0)
					break;
			}
			if (j == sn->nentries) {
				struct pl_hist_entry *e;

				if (grow(&sn->entries, sn->nentries, &cap, sizeof(*sn->entries)) != 0)
					return nomem(err);
				e = &sn->entries[sn->nentries++];
				memset(e, 0, sizeof(*e));
				e->lo = r->lo;
				e->hi = r->hi;
				e->service = strdup(r->service);
				e->description = strdup(r->description);
				e->assignee = strdup(r->assignee);
				if (!e->service || !e->description || !e->assignee)
					return nomem(err);
			}
			sn->entries[j].protos |= bits;
		}
	}
	return 0;
}

static const char *
event_key(const struct pl_hist_event *e)
{
	return e->date ? e->date : e->before ? e->before : "";
}

static int
event_cmp(const struct pl_hist_event *a, const struct pl_hist_event *b)
{
	int c = strcmp(event_key(a), event_key(b));

	if (c != 0)
		return c;
	return (a->kind > b->kind) - (a->kind < b->kind);
}

/* Sorts events by date; equal dates keep the order they were found in. */
static void
sort_events(struct pl_history *h)
{
	/* An insertion sort: stable, and a story has tens of events, not thousands. */
	for (size_t i = 1; i < h->nevents; i++) {
		struct pl_hist_event t = h->events[i];
		size_t j = i;

		while (j > 0 && event_cmp(&h->events[j - 1], &t) > 0) {
			h->events[j] = h->events[j - 1];
			j--;
		}
		h->events[j] = t;
	}
}

/* The protocols of the story: the one asked for, or tcp, udp and any row names. */
static unsigned
story_protos(const struct story *s, enum pl_proto proto)
{
	unsigned bits = PL_PROTO_BIT(PL_PROTO_TCP) | PL_PROTO_BIT(PL_PROTO_UDP);

	if (proto != PL_PROTO_ANY)
		return PL_PROTO_BIT(proto);
	for (size_t i = 0; i < s->h->nsnaps; i++)
		for (size_t k = 0; k < s->sr[i].n; k++)
			if (s->sr[i].rows[k].proto != PL_PROTO_ANY)
				bits |= PL_PROTO_BIT(s->sr[i].rows[k].proto);
	return bits;
}

static int
tell_story(struct story *s)
{
	struct pl_history *h = s->h;
	int rc = 0;

	for (int p = PL_PROTO_TCP; p < PL_PROTO_COUNT && rc == 0; p++) {
		if (!(h->protos & PL_PROTO_BIT(p)) || h->nsnaps == 0)
			continue;
		for (size_t k = 0; k < s->sr[0].n && rc == 0; k++)
			if (in_track(&s->sr[0].rows[k], (enum pl_proto)p))
				rc = first_seen(s, &s->sr[0].rows[k], h->snaps[0].label, (enum pl_proto)p);
		for (size_t i = 1; i < h->nsnaps && rc == 0; i++)
			rc = compare_snaps(s, i - 1, i, (enum pl_proto)p);
	}
	return rc;
}

/* The story from the snapshots and rows s holds (loaded from the store or the index). */
static int
story_finish(struct story *s, enum pl_proto proto)
{
	int rc;

	s->h->protos = story_protos(s, proto);
	if ((rc = tell_story(s)) == 0)
		rc = summarise(s, s->err);
	if (rc == 0)
		sort_events(s->h);
	return rc;
}

int
pl__history_from_rows(uint16_t port, enum pl_proto proto, const struct pl__hist_snaprows *in,
    size_t nin, struct pl_history *out, struct pl_err *err)
{
	struct story s = { .h = out, .err = err };
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->port = port;
	out->proto = proto;
	for (size_t i = 0; i < nin; i++)
		if (in[i].n > 256)     /* the matching tables' size, as load_snap_rows() checks */
			return pl_err_set(err, -PL_ESTORE, "port %u has %zu rows in one snapshot",
			    (unsigned)port, in[i].n);
	if (nin > 0 && ((out->snaps = calloc(nin, sizeof(*out->snaps))) == NULL ||
	    (s.sr = calloc(nin, sizeof(*s.sr))) == NULL))
		rc = nomem(err);
	for (size_t i = 0; i < nin && rc == 0; i++) {
		out->nsnaps++;
		out->snaps[i].label = strdup(in[i].label);
		out->snaps[i].source = strdup(in[i].source);
		if (out->snaps[i].label == NULL || out->snaps[i].source == NULL)
			rc = nomem(err);
		/* Lent: the story copies what it keeps. */
		s.sr[i].rows = in[i].rows;
		s.sr[i].n = in[i].n;
	}
	if (rc == 0)
		rc = story_finish(&s, proto);
	free(s.sr);
	if (rc != 0)
		pl_history_free(out);
	return rc;
}

int
pl_history_build(struct pl_store *st, uint16_t port, enum pl_proto proto,
    struct pl_history *out, struct pl_err *err)
{
	struct story s = { .h = out, .err = err };
	int rc;

	memset(out, 0, sizeof(*out));
	out->port = port;
	out->proto = proto;
	if ((rc = load_snaps(st, &s, port, err)) == 0)
		rc = story_finish(&s, proto);
	for (size_t i = 0; i < out->nsnaps && s.sr; i++)
		pl__rows_free(s.sr[i].rows, s.sr[i].n);
	free(s.sr);
	if (rc != 0)
		pl_history_free(out);
	return rc;
}

void
pl_history_free(struct pl_history *h)
{
	for (size_t i = 0; i < h->nsnaps; i++) {
		struct pl_hist_snap *sn = &h->snaps[i];

		for (size_t j = 0; j < sn->nentries; j++) {
			free(sn->entries[j].service);
			free(sn->entries[j].description);
			free(sn->entries[j].assignee);
		}
		free(sn->entries);
		free(sn->label);
		free(sn->source);
	}
	free(h->snaps);
	for (size_t i = 0; i < h->nevents; i++)
		event_free(&h->events[i]);
	free(h->events);
	memset(h, 0, sizeof(*h));
}

/* ------------------------------------------------------------------ snapshots, diff */

/* Appends every label (or those starting with prefix) to b, comma-separated. */
static void
list_labels(struct pl_store *st, const char *prefix, struct pl_buf *b)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(st->db, "SELECT label FROM snapshot WHERE ?1 IS NULL OR"
	    " substr(label, 1, length(?1)) = ?1 ORDER BY label", -1, &s, NULL) != SQLITE_OK)
		return;
	if (prefix)
		sqlite3_bind_text(s, 1, prefix, -1, SQLITE_STATIC);
	for (int i = 0; sqlite3_step(s) == SQLITE_ROW && i < 100; i++)
		pl_buf_printf(b, "%s%s", i ? ", " : "", sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
}

int
pl_snapshot_resolve(struct pl_store *st, const char *name, char *label, size_t len,
    struct pl_err *err)
{
	struct pl_buf b = PL_BUF_INIT;
	sqlite3_stmt *s = NULL;
	const char *sql = "SELECT label, (SELECT count(*) FROM snapshot WHERE"
	    " substr(label, 1, length(?1)) = ?1) FROM snapshot WHERE label = ?1 OR"
	    " substr(label, 1, length(?1)) = ?1 ORDER BY label = ?1 DESC LIMIT 1";
	int rc, n = 0;

	if (strcmp(name, "current") == 0 || strcmp(name, "oldest") == 0)
		sql = strcmp(name, "current") == 0 ?
		    "SELECT label, 1 FROM snapshot WHERE ?1 = ?1 ORDER BY label DESC LIMIT 1" :
		    "SELECT label, 1 FROM snapshot WHERE ?1 = ?1 ORDER BY label LIMIT 1";
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return store_err(st, err);
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const char *l = (const char *)sqlite3_column_text(s, 0);

		n = strcmp(l, name) == 0 ? 1 : sqlite3_column_int(s, 1);
		snprintf(label, len, "%s", l);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_err(st, err);
	if (n == 1)
		return 0;
	list_labels(st, n > 1 ? name : NULL, &b);
	rc = pl_err_set(err, n > 1 ? -PL_EUSAGE : -PL_ENOTFOUND,
	    n > 1 ? "snapshot '%.40s' is ambiguous: %s" : "no snapshot '%.40s' in the store"
	    " (it has: %s)", name, b.len ? pl_buf_str(&b) : "none");
	pl_buf_free(&b);
	return rc;
}

/* ASCII case folding: RFC 6335 section 5.1 makes service names case-insensitive, and
 * they are ASCII, so the locale must not take part. */
static int
name_cmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		int ca = (*a >= 'A' && *a <= 'Z') ? *a + 32 : (unsigned char)*a;
		int cb = (*b >= 'A' && *b <= 'Z') ? *b + 32 : (unsigned char)*b;

		if (ca != cb || ca == 0)
			return ca - cb;
	}
}

/* The diff key: service name, port (rows without one first), protocol. */
static int
key_cmp(const struct pl_record *a, const struct pl_record *b)
{
	long alo = a->has_port ? a->lo : -1, blo = b->has_port ? b->lo : -1;
	int c = name_cmp(a->service, b->service);

	if (c != 0)
		return c;
	if (alo != blo)
		return alo < blo ? -1 : 1;
	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	return (a->proto > b->proto) - (a->proto < b->proto);
}

static int
row_sort_cmp(const void *pa, const void *pb)
{
	const struct pl_record *a = pa, *b = pb;
	int c = key_cmp(a, b);

	/* Rows with equal keys pair in file order. */
	return c != 0 ? c : (a->line > b->line) - (a->line < b->line);
}

/* Loads one snapshot's rows, sorted by key; fills its source and row count. */
static int
load_all(struct pl_store *st, const char *label, char **source, long *nrows,
    struct pl_record **rows, size_t *n, struct pl_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(st->db, "SELECT source, rows FROM snapshot WHERE label = ?1",
	    -1, &s, NULL) != SQLITE_OK)
		return store_err(st, err);
	sqlite3_bind_text(s, 1, label, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*source = pl__col(s, 0);
		*nrows = (long)sqlite3_column_int64(s, 1);
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE)
		return pl_err_set(err, -PL_ENOTFOUND, "no snapshot '%.40s' in the store", label);
	if (rc != SQLITE_ROW)
		return store_err(st, err);
	if (*source == NULL)
		return nomem(err);
	if (sqlite3_prepare_v2(st->db, "SELECT " ROW_COLS " FROM record WHERE snapshot ="
	    " (SELECT id FROM snapshot WHERE label = ?1)", -1, &s, NULL) != SQLITE_OK)
		return store_err(st, err);
	sqlite3_bind_text(s, 1, label, -1, SQLITE_STATIC);
	rc = pl__rows_load(st, s, rows, n, err);
	sqlite3_finalize(s);
	if (rc == 0 && *n > 1)
		qsort(*rows, *n, sizeof(**rows), row_sort_cmp);
	return rc;
}

static struct pl_diff_entry *
diff_add(struct pl_diff *d, size_t *cap, enum pl_diff_kind kind, struct pl_record *row)
{
	struct pl_diff_entry *e;

	if (grow(&d->entries, d->nentries, cap, sizeof(*d->entries)) != 0)
		return NULL;
	e = &d->entries[d->nentries++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->row = *row;                       /* the entry takes the row's strings */
	memset(row, 0, sizeof(*row));
	return e;
}

/* Records the columns that differ between a and b (b is then taken by e). */
static int
diff_changes(struct pl_diff_entry *e, const struct pl_record *a)
{
	size_t n = 0;

	for (size_t i = 0; i < NFIELDS; i++)
		n += strcmp(field_of(a, i), field_of(&e->row, i)) != 0;
	if (n == 0)
		return 0;
	if ((e->changes = calloc(n, sizeof(*e->changes))) == NULL)
		return -1;
	for (size_t i = 0; i < NFIELDS; i++) {
		struct pl_diff_change *c = &e->changes[e->nchanges];

		if (strcmp(field_of(a, i), field_of(&e->row, i)) == 0)
			continue;
		c->field = fields[i].name;
		c->old_value = strdup(field_of(a, i));
		c->new_value = strdup(field_of(&e->row, i));
		e->nchanges++;
		if (!c->old_value || !c->new_value)
			return -1;
	}
	return 0;
}

/* Walks both sorted row lists together, like comm(1). */
static int
merge(struct pl_diff *d, struct pl_record *a, size_t na, struct pl_record *b, size_t nb,
    struct pl_err *err)
{
	size_t i = 0, j = 0, cap = 0;

	while (i < na || j < nb) {
		int c = i == na ? 1 : j == nb ? -1 : key_cmp(&a[i], &b[j]);
		struct pl_diff_entry *e;

		if (c < 0) {
			if (diff_add(d, &cap, PL_DIFF_REMOVED, &a[i++]) == NULL)
				return nomem(err);
			d->nremoved++;
		} else if (c > 0) {
			if (diff_add(d, &cap, PL_DIFF_ADDED, &b[j++]) == NULL)
				return nomem(err);
			d->nadded++;
		} else {
			struct pl_record old = a[i];

			if ((e = diff_add(d, &cap, PL_DIFF_CHANGED, &b[j])) == NULL ||
			    diff_changes(e, &old) != 0)
				return nomem(err);
			if (e->nchanges == 0) {
				/* Unchanged: not part of the diff. */
				row_free(&e->row);
				d->nentries--;
			} else
				d->nchanged++;
			i++, j++;
		}
	}
	return 0;
}

int
pl_diff_build(struct pl_store *st, const char *old_label, const char *new_label,
    struct pl_diff *out, struct pl_err *err)
{
	struct pl_record *a = NULL, *b = NULL;
	size_t na = 0, nb = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((out->old_label = strdup(old_label)) == NULL ||
	    (out->new_label = strdup(new_label)) == NULL)
		rc = nomem(err);
	else if ((rc = load_all(st, old_label, &out->old_source, &out->old_rows, &a, &na, err)) == 0 &&
	    (rc = load_all(st, new_label, &out->new_source, &out->new_rows, &b, &nb, err)) == 0)
		rc = merge(out, a, na, b, nb, err);
	pl__rows_free(a, na);
	pl__rows_free(b, nb);
	if (rc != 0)
		pl_diff_free(out);
	return rc;
}

void
pl_diff_free(struct pl_diff *d)
{
	for (size_t i = 0; i < d->nentries; i++) {
		struct pl_diff_entry *e = &d->entries[i];

		row_free(&e->row);
		for (size_t k = 0; k < e->nchanges; k++) {
			free(e->changes[k].old_value);
			free(e->changes[k].new_value);
		}
		free(e->changes);
	}
	free(d->entries);
	free(d->old_label);
	free(d->old_source);
	free(d->new_label);
	free(d->new_source);
	memset(d, 0, sizeof(*d));
}
