/*
 * export.c: the model of `portlore export`, read from the store. For services(5), the
 * named rows of the current snapshot with a port and a protocol, aliases folded onto
 * the row they name (as iana-etc builds /etc/services); for CSV and JSON every row of
 * the snapshot in the file's order; for JSON the lore entries too. The formats are
 * written by src/render/export.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "portlore/export.h"
#include "registry/rows-internal.h"
#include "registry/store-internal.h"

static int
store_err(struct pl_store *st, struct pl_err *err)
{
	return pl_err_set(err, -PL_ESTORE, "store %s: %s", st->path, sqlite3_errmsg(st->db));
}

static int
nomem(struct pl_err *err)
{
	return pl_err_set(err, -PL_ENOMEM, "out of memory");
}

static int
prepare(struct pl_store *st, const char *sql, sqlite3_stmt **s, struct pl_err *err)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, s, NULL) != SQLITE_OK)
		return store_err(st, err);
	return 0;
}

static const char *
col(sqlite3_stmt *s, int i)
{
	const char *v = (const char *)sqlite3_column_text(s, i);

	return v ? v : "";
}

/* Appends one zeroed element to *arr (of *n elements of size sz); with cap, *cap
 * elements are allocated and the array doubles, without, it grows by one (for the few
 * ports, sources and hints of a lore entry). NULL when out of memory. */
static void *
grow(void *arr_ptr, size_t *n, size_t *cap, size_t sz)
{
	char **arr = arr_ptr;
	size_t have = cap ? *cap : *n;

	if (*n == have) {
		size_t c = cap ? (have ? have * 2 : 1024) : have + 1;
		char *p = realloc(*arr, c * sz);

		if (p == NULL)
			return NULL;
		*arr = p;
		if (cap)
			*cap = c;
	}
	memset(*arr + *n * sz, 0, sz);
	return *arr + (*n)++ * sz;
}

/* Steps s to its end, handing each row to add; returns 0, or add's error, or the
 * store's. */
static int
each_row(struct pl_store *st, sqlite3_stmt *s, int (*add)(sqlite3_stmt *s, void *arg),
    void *arg, struct pl_err *err)
{
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (add(s, arg) != 0)
			return nomem(err);
	return rc == SQLITE_DONE ? 0 : store_err(st, err);
}

/* Runs sql bound to the current snapshot through each_row. */
static int
snapshot_rows(struct pl_store *st, const char *sql, int (*add)(sqlite3_stmt *s, void *arg),
    void *arg, struct pl_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = prepare(st, sql, &s, err)) != 0)
		return rc;
	sqlite3_bind_int64(s, 1, st->current_id);
	rc = each_row(st, s, add, arg, err);
	sqlite3_finalize(s);
	return rc;
}

/* ---- services(5) ---- */

/* What folding needs to know of a row beside the model's fields. */
struct svc_fold {
	char target[64];       /* the name this row is an alias of, "" for none */
	bool skip;             /* folded into the row it aliases */
};

struct svc_list {
	struct pl_export_service *v;
	size_t n, cap;
	struct svc_fold *fold;  /* one per row of v */
	size_t fcap;
};

/* IANA writes 'This entry is an alias to "whoispp".' in the notes. */
static void
alias_target(const char *notes, char *out, size_t len)
{
	const char *a = strcasestr(notes, "alias"), *q, *q2;

	out[0] = '\0';
	if (a == NULL || (q = strchr(a, '"')) == NULL || (q2 = strchr(q + 1, '"')) == NULL ||
	    (size_t)(q2 - q - 1) >= len || q2 == q + 1)
		return;
	memcpy(out, q + 1, (size_t)(q2 - q - 1));
	out[q2 - q - 1] = '\0';
}

static int
add_service(sqlite3_stmt *s, void *arg)
{
	struct svc_list *l = arg;
	struct pl_export_service *r;

	size_t nfold = l->n;
	struct svc_fold *f = grow(&l->fold, &nfold, &l->fcap, sizeof(*f));

	if (f == NULL || (r = grow(&l->v, &l->n, &l->cap, sizeof(*r))) == NULL)
		return -1;
	r->lo = (uint16_t)sqlite3_column_int(s, 1);
	r->hi = (uint16_t)sqlite3_column_int(s, 2);
	snprintf(r->proto, sizeof(r->proto), "%s", col(s, 3));
	alias_target(col(s, 5), f->target, sizeof(f->target));
	r->name = strdup(col(s, 0));
	r->desc = strdup(col(s, 4));
	return r->name && r->desc ? 0 : -1;
}

/* Moves each alias row onto the row it names (same ports and protocol). */
static void
fold_aliases(struct svc_list *l)
{
	struct pl_export_service *v = l->v;

	for (size_t i = 0; i < l->n; i++) {
		if (l->fold[i].target[0] == '\0')
			continue;
		for (size_t k = 0; k < l->n; k++) {
			struct pl_export_service *t = &v[k];
			size_t used = strlen(t->aliases);

			if (k == i || t->lo != v[i].lo || t->hi != v[i].hi ||
			    strcmp(t->proto, v[i].proto) != 0 ||
			    strcasecmp(t->name, l->fold[i].target) != 0)
				continue;
			if (used + strlen(v[i].name) + 2 < sizeof(t->aliases)) {
				snprintf(t->aliases + used, sizeof(t->aliases) - used, "%s%s",
				    used ? " " : "", v[i].name);
				l->fold[i].skip = true;
			}
			break;
		}
	}
}

/* services(5) fields are blank-separated and '#' starts a comment; a description
 * keeps its first line (later lines are notes the registry folded into it). */
static void
clean(char *s, bool name)
{
	if (!name)
		s[strcspn(s, "\r\n")] = '\0';
	for (; *s; s++)
		if ((unsigned char)*s < ' ' || (name && (*s == ' ' || *s == '#')))
			*s = name ? '-' : ' ';
}

static int
count_left(sqlite3_stmt *s, void *arg)
{
	*(long *)arg = sqlite3_column_int64(s, 0);
	return 0;
}

static int
build_services(struct pl_store *st, struct pl_export *x, struct pl_err *err)
{
	struct svc_list l = { 0 };
	size_t kept = 0;
	int rc;

	rc = snapshot_rows(st, "SELECT service, lo, hi, proto, description, notes FROM record"
	    " WHERE snapshot = ?1 AND service <> '' AND lo IS NOT NULL AND proto <> ''"
	    " ORDER BY line", add_service, &l, err);
	if (rc == 0) {
		fold_aliases(&l);
		/* Keep the rows that were not folded into another, in order. */
		for (size_t i = 0; i < l.n; i++) {
			if (l.fold[i].skip) {
				free(l.v[i].name);
				free(l.v[i].desc);
				continue;
			}
			clean(l.v[i].name, true);
			clean(l.v[i].desc, false);
			l.v[kept++] = l.v[i];
		}
		l.n = kept;
		rc = snapshot_rows(st, "SELECT count(*) FROM record WHERE snapshot = ?1 AND"
		    " service <> '' AND (lo IS NULL OR proto = '')", count_left, &x->left, err);
	}
	free(l.fold);
	x->services = l.v;
	x->nservices = l.n;
	return rc;
}

/* ---- the snapshot's rows (CSV and JSON) ---- */

static int
build_rows(struct pl_store *st, struct pl_export *x, struct pl_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = prepare(st, "SELECT " PL__ROW_COLS " FROM record WHERE snapshot = ?1"
	    " ORDER BY line", &s, err)) != 0)
		return rc;
	sqlite3_bind_int64(s, 1, st->current_id);
	rc = pl__rows_load(st, s, &x->rows, &x->nrows, err);
	sqlite3_finalize(s);
	return rc;
}

/* IANA has renamed the eleventh column over the years ("Known Unauthorized Uses",
 * "Unauthorized Use Reported"); the snapshot keeps the name its file used. */
static int
add_col11(sqlite3_stmt *s, void *arg)
{
	char **out = arg;

	if (*col(s, 0) == '\0')
		return 0;
	free(*out);
	return (*out = strdup(col(s, 0))) ? 0 : -1;
}

static int
build_col11(struct pl_store *st, struct pl_export *x, struct pl_err *err)
{
	int rc = snapshot_rows(st, "SELECT col11 FROM snapshot WHERE id = ?1", add_col11,
	    &x->col11, err);

	if (rc == 0 && x->col11 == NULL && (x->col11 = strdup("Unauthorized Use Reported")) == NULL)
		rc = nomem(err);
	return rc;
}

/* ---- lore ---- */

static const char *const lore_sql[] = {
	("SELECT id, family, family_name, name, vendor, kind, summary, risk, risk_why, notes,"
	" confidence, confidence_why, year_from, year_to FROM lore_entry ORDER BY family, id"),
	"SELECT lo, hi, proto, role, use, prevalence, evidence FROM lore_port WHERE entry = ?1"
	" ORDER BY lo, proto",
	"SELECT title, url, published, accessed, tier FROM lore_source WHERE entry = ?1 ORDER BY n",
	"SELECT cve FROM lore_cve WHERE entry = ?1 ORDER BY cve",
	/* Each kind's hints together, the kinds in the order they first appear; the third
	 * column says where a kind starts. */
	("SELECT kind, pattern, rowid = (SELECT min(rowid) FROM lore_hint f WHERE"
	" f.entry = h.entry AND f.kind = h.kind) FROM lore_hint h WHERE entry = ?1 ORDER BY"
	" (SELECT min(rowid) FROM lore_hint f WHERE f.entry = h.entry AND f.kind = h.kind),"
	" rowid"),
};

/* Fills n string fields from columns first.. of s. */
static int
strings(sqlite3_stmt *s, int first, char **const *fields, int n)
{
	for (int i = 0; i < n; i++)
		if ((*fields[i] = pl__col(s, first + i)) == NULL)
			return -1;
	return 0;
}

static int
add_lore_port(sqlite3_stmt *s, void *arg)
{
	struct pl_export_lore *e = arg;
	struct pl_export_lore_port *p = grow(&e->ports, &e->nports, NULL, sizeof(*p));

	if (p == NULL)
		return -1;
	p->lo = (uint16_t)sqlite3_column_int(s, 0);
	p->hi = (uint16_t)sqlite3_column_int(s, 1);
	return strings(s, 2, (char **const[]){ &p->proto, &p->role, &p->use, &p->prevalence,
	    &p->evidence }, 5);
}

static int
add_lore_source(sqlite3_stmt *s, void *arg)
{
	struct pl_export_lore *e = arg;
	struct pl_source *src = grow(&e->sources, &e->nsources, NULL, sizeof(*src));

	if (src == NULL)
		return -1;
	return strings(s, 0, (char **const[]){ &src->title, &src->url, &src->published,
	    &src->accessed, &src->tier }, 5);
}

static int
add_cve(sqlite3_stmt *s, void *arg)
{
	struct pl_export_lore *e = arg;
	char **c = grow(&e->cves, &e->ncves, NULL, sizeof(*c));

	return c && (*c = pl__col(s, 0)) ? 0 : -1;
}

/* Hints come grouped by kind (the query orders them so): a group per kind. */
static int
add_hint(sqlite3_stmt *s, void *arg)
{
	struct pl_export_lore *e = arg;
	struct pl_export_hints *h;
	char **p;

	if (e->nhints == 0 || sqlite3_column_int(s, 2)) {
		if ((h = grow(&e->hints, &e->nhints, NULL, sizeof(*h))) == NULL ||
		    (h->kind = pl__col(s, 0)) == NULL)
			return -1;
	}
	h = &e->hints[e->nhints - 1];
	return (p = grow(&h->patterns, &h->n, NULL, sizeof(*p))) && (*p = pl__col(s, 1)) ? 0 : -1;
}

static int
add_lore(sqlite3_stmt *s, void *arg)
{
	struct pl_export *x = arg;
	struct pl_export_lore *e = grow(&x->lore, &x->nlore, NULL, sizeof(*e));

	if (e == NULL)
		return -1;
	e->year_from = sqlite3_column_int(s, 12);
	e->year_to = sqlite3_column_int(s, 13);
	return strings(s, 0, (char **const[]){ &e->id, &e->family, &e->family_name, &e->name,
	    &e->vendor, &e->kind, &e->summary, &e->risk, &e->risk_why, &e->notes,
	    &e->confidence, &e->confidence_why }, 12);
}

static int
build_lore(struct pl_store *st, struct pl_export *x, struct pl_err *err)
{
	static int (*const add[])(sqlite3_stmt *, void *) = { NULL, add_lore_port,
		add_lore_source, add_cve, add_hint };
	sqlite3_stmt *s[5] = { NULL };
	int rc = 0;

	for (int i = 0; i < 5 && rc == 0; i++)
		rc = prepare(st, lore_sql[i], &s[i], err);
	if (rc == 0)
		rc = each_row(st, s[0], add_lore, x, err);
	for (size_t e = 0; e < x->nlore && rc == 0; e++)
		for (int i = 1; i < 5 && rc == 0; i++) {
			sqlite3_reset(s[i]);
			sqlite3_bind_text(s[i], 1, x->lore[e].id, -1, SQLITE_STATIC);
			rc = each_row(st, s[i], add[i], &x->lore[e], err);
		}
	for (int i = 0; i < 5; i++)
		sqlite3_finalize(s[i]);
	return rc;
}

int
pl_export_build(struct pl_store *st, enum pl_export_format f, struct pl_export *x,
    struct pl_err *err)
{
	int rc;

	memset(x, 0, sizeof(*x));
	x->format = f;
	snprintf(x->snapshot, sizeof(x->snapshot), "%s", st->current);
	if (f != PL_EXPORT_JSON && st->current_id == 0)
		return pl_err_set(err, -PL_ENOTFOUND, "store %s has no registry snapshot to export "
		    "(portlore import --iana CSV)", st->path);
	switch (f) {
	case PL_EXPORT_SERVICES:
		return build_services(st, x, err);
	case PL_EXPORT_CSV:
		if ((rc = build_col11(st, x, err)) != 0)
			return rc;
		return build_rows(st, x, err);
	case PL_EXPORT_JSON:
		if ((rc = build_rows(st, x, err)) != 0)
			return rc;
		return build_lore(st, x, err);
	}
	return pl_err_set(err, -PL_EUSAGE, "unknown export format %d", (int)f);
}

static void
free_strings(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
free_lore(struct pl_export_lore *e)
{
	char *fields[] = { e->id, e->family, e->family_name, e->name, e->vendor, e->kind,
		e->summary, e->risk, e->risk_why, e->notes, e->confidence, e->confidence_why };

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		free(fields[i]);
	for (size_t i = 0; i < e->nports; i++) {
		struct pl_export_lore_port *p = &e->ports[i];

		free(p->proto), free(p->role), free(p->use), free(p->prevalence), free(p->evidence);
	}
	free(e->ports);
	for (size_t i = 0; i < e->nsources; i++) {
		struct pl_source *s = &e->sources[i];

		free(s->title), free(s->url), free(s->published), free(s->accessed), free(s->tier);
	}
	free(e->sources);
	free_strings(e->cves, e->ncves);
	for (size_t i = 0; i < e->nhints; i++) {
		free(e->hints[i].kind);
		free_strings(e->hints[i].patterns, e->hints[i].n);
	}
	free(e->hints);
}

void
pl_export_free(struct pl_export *x)
{
	if (x == NULL)
		return;
	for (size_t i = 0; i < x->nservices; i++) {
		free(x->services[i].name);
		free(x->services[i].desc);
	}
	free(x->services);
	pl__rows_free(x->rows, x->nrows);
	free(x->col11);
	for (size_t i = 0; i < x->nlore; i++)
		free_lore(&x->lore[i]);
	free(x->lore);
	memset(x, 0, sizeof(*x));
}
