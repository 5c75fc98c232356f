/*
 * candidates.c: lore entries as identification candidates (identify.h): id, name,
 * family, the ports lore gives them and their hints. Three queries, whatever the number
 * of sockets; the identifier compiles the patterns it needs.
 */
#include <stdlib.h>
#include <string.h>

#include "portlore/identify.h"
#include "portlore/rank.h"
#include "registry/store-internal.h"

static int
fail(struct pl_store *st, struct pl_err *err)
{
	return pl_err_set(err, -PL_ESTORE, "store %s: %s", st->path, sqlite3_errmsg(st->db));
}

/* The candidate of an entry id (c->v is in id order while loading, SQLite's BINARY
 * collation being strcmp's). */
static struct pl_id_candidate *
find(struct pl_id_candidates *c, const char *id)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int d = strcmp(c->v[mid].id, id);

		if (d < 0)
			lo = mid + 1;
		else if (d > 0)
			hi = mid;
		else
			return &c->v[mid];
	}
	return NULL;
}

static int
push_str(const char *const **arr, size_t *n, const char *s)
{
	char *d = s ? strdup(s) : NULL;
	const char **p;

	if (d == NULL)
		return -PL_ENOMEM;
	if ((p = realloc((void *)*arr, (*n + 1) * sizeof(*p))) == NULL) {
		free(d);
		return -PL_ENOMEM;
	}
	p[(*n)++] = d;
	*arr = p;
	return 0;
}

/*
 * The use's place on its port by the one ranking (rank.h): its score from role,
 * prevalence and range, then more sources first. The registry's agreement and the
 * port's open frequency are left out: the first needs the port's registry row, the
 * second is the same for every use of one port.
 */
int
pl_id_port_rank(int lo, int hi, const char *use, const char *prevalence, int nsources)
{
	int u = pl_use_parse(use), p = pl_prevalence_parse(prevalence);
	struct pl_rank_in in = {
		.use = u < 0 ? PL_USE_UNKNOWN : (enum pl_use)u,
		.prevalence = p < 0 ? PL_PREV_UNKNOWN : (enum pl_prevalence)p,
		.exact = lo == hi, .broad = hi - lo > 64,
	};

	return pl_rank_score(&in) * 1000 - (nsources < 999 ? nsources : 999);
}

static int
push_port(struct pl_id_candidate *c, int lo, int hi, const char *proto, int rank)
{
	struct pl_id_port *p = realloc((void *)c->ports, (c->nports + 1) * sizeof(*p));

	if (p == NULL)
		return -PL_ENOMEM;
	p[c->nports++] = (struct pl_id_port){ (uint16_t)lo, (uint16_t)hi,
		pl_proto_parse(proto, strlen(proto)), rank };
	c->ports = p;
	return 0;
}

static int
cmp_id(const void *a, const void *b)
{
	return strcmp(((const struct pl_id_candidate *)a)->id,
	    ((const struct pl_id_candidate *)b)->id);
}

/* Entries sorted by id, the order find() searches. Their display order is lore's
 * (family, id), restored at the end. */
static int
load_entries(struct pl_store *st, struct pl_id_candidates *c, struct pl_err *err)
{
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc = 0, step;

	if (sqlite3_prepare_v2(st->db, "SELECT id, name, family FROM lore_entry", -1, &s,
	    NULL) != SQLITE_OK)
		return fail(st, err);
	while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW) {
		if (c->n == cap) {
			size_t nc = cap ? cap * 2 : 256;
			struct pl_id_candidate *v = realloc(c->v, nc * sizeof(*v));
			if (v == NULL) {
				rc = -PL_ENOMEM;
				break;
			}
			c->v = v;
			cap = nc;
		}
		memset(&c->v[c->n], 0, sizeof(c->v[0]));
		if ((c->v[c->n].id = pl__col(s, 0)) == NULL || (c->v[c->n].name = pl__col(s, 1)) == NULL ||
		    (c->v[c->n].family = pl__col(s, 2)) == NULL)
			rc = -PL_ENOMEM;
		c->n++;
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = fail(st, err);
	sqlite3_finalize(s);
	if (rc == 0 && c->n > 1)
		qsort(c->v, c->n, sizeof(*c->v), cmp_id);
	return rc;
}

/* The number of sources of each entry, by position in c->v. */
static int
load_counts(struct pl_store *st, struct pl_id_candidates *c, int *nsrc,
    struct pl_err *err)
{
	sqlite3_stmt *s;
	int rc = 0, step;

	if (sqlite3_prepare_v2(st->db, "SELECT entry, count(*) FROM lore_source GROUP BY entry",
	    -1, &s, NULL) != SQLITE_OK)
		return fail(st, err);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(s, 0);
		const struct pl_id_candidate *x = id ? find(c, id) : NULL;

		if (x != NULL)
			nsrc[x - c->v] = sqlite3_column_int(s, 1);
	}
	if (step != SQLITE_DONE)
		rc = fail(st, err);
	sqlite3_finalize(s);
	return rc;
}

static int
load_ports_hints(struct pl_store *st, struct pl_id_candidates *c, const int *nsrc,
    struct pl_err *err)
{
	static const char *const sql[2] = {
		"SELECT entry, lo, hi, proto, use, prevalence FROM lore_port ORDER BY rowid",
		"SELECT entry, kind, pattern FROM lore_hint ORDER BY rowid",
	};
	int rc = 0;

	for (int q = 0; q < 2 && rc == 0; q++) {
		sqlite3_stmt *s;
		int step;

		if (sqlite3_prepare_v2(st->db, sql[q], -1, &s, NULL) != SQLITE_OK)
			return fail(st, err);
		while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW) {
			const char *id = (const char *)sqlite3_column_text(s, 0);
			struct pl_id_candidate *x = id ? find(c, id) : NULL;
			const char *a = (const char *)sqlite3_column_text(s, q == 0 ? 3 : 1);
			const char *b = (const char *)sqlite3_column_text(s, 2);

			if (x == NULL || a == NULL)
				continue;
			if (q == 0)
				rc = push_port(x, sqlite3_column_int(s, 1), sqlite3_column_int(s, 2), a,
				    pl_id_port_rank(sqlite3_column_int(s, 1), sqlite3_column_int(s, 2),
				    (const char *)sqlite3_column_text(s, 4),
				    (const char *)sqlite3_column_text(s, 5), nsrc[x - c->v]));
			else if (strcmp(a, "process") == 0)
				rc = push_str(&x->process, &x->nprocess, b);
			else if (strcmp(a, "cmdline") == 0)
				rc = push_str(&x->cmdline, &x->ncmdline, b);
			else if (strcmp(a, "banner") == 0)
				rc = push_str(&x->banner, &x->nbanner, b);
		}
		if (rc == 0 && step != SQLITE_DONE)
			rc = fail(st, err);
		sqlite3_finalize(s);
	}
	return rc;
}

static int
cmp_lore_order(const void *a, const void *b)
{
	const struct pl_id_candidate *x = a, *y = b;
	int c = strcmp(x->family, y->family);

	return c ? c : strcmp(x->id, y->id);
}

int
pl_id_candidates_load(struct pl_store *st, struct pl_id_candidates *out, struct pl_err *err)
{
	int *nsrc = NULL, rc;

	memset(out, 0, sizeof(*out));
	if ((rc = load_entries(st, out, err)) == 0 && out->n > 0 &&
	    (nsrc = calloc(out->n, sizeof(*nsrc))) == NULL)
		rc = -PL_ENOMEM;
	if (rc == 0 && out->n > 0 && (rc = load_counts(st, out, nsrc, err)) == 0)
		rc = load_ports_hints(st, out, nsrc, err);
	free(nsrc);
	if (rc == 0 && out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), cmp_lore_order);
	if (rc != 0) {
		if (rc == -PL_ENOMEM)
			pl_err_set(err, rc, "lore candidates: out of memory");
		pl_id_candidates_free(out);
	}
	return rc;
}

static void
strv_free(const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free((void *)v[i]);
	free((void *)v);
}

void
pl_id_candidates_free(struct pl_id_candidates *c)
{
	if (c->lent) {
		free(c->mem[0]);
		free(c->mem[1]);
		free(c->mem[2]);
		free(c->v);
		memset(c, 0, sizeof(*c));
		return;
	}
	for (size_t i = 0; i < c->n; i++) {
		struct pl_id_candidate *x = &c->v[i];

		free((void *)x->id);
		free((void *)x->name);
		free((void *)x->family);
		free((void *)x->ports);
		strv_free(x->process, x->nprocess);
		strv_free(x->cmdline, x->ncmdline);
		strv_free(x->banner, x->nbanner);
	}
	free(c->v);
	memset(c, 0, sizeof(*c));
}
