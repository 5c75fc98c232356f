/* lorestats.c: counts over the lore tables, and coverage of nmap's frequent ports. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portlore/lorestats.h"
#include "registry/store-internal.h"

static int
serr(struct pl_store *st, struct pl_err *err)
{
	return pl_err_set(err, -PL_ESTORE, "store %s: %s", st->path, sqlite3_errmsg(st->db));
}

static long
scalar(struct pl_store *st, const char *sql, struct pl_err *err, int *rc)
{
	sqlite3_stmt *s = NULL;
	long v = 0;

	if (*rc != 0)
		return 0;
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_step(s) != SQLITE_ROW)
		*rc = serr(st, err);
	else
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* Runs "SELECT key, count" and fills a count list. */
static int
counts(struct pl_store *st, const char *sql, struct pl_count **out, size_t *n,
    struct pl_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return serr(st, err);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct pl_count *c = realloc(*out, (*n + 1) * sizeof(*c));

		if (c == NULL) {
			sqlite3_finalize(s);
			return pl_err_set(err, -PL_ENOMEM, "out of memory");
		}
		*out = c;
		c[*n].key = pl__col(s, 0);
		c[*n].n = sqlite3_column_int64(s, 1);
		if (c[(*n)++].key == NULL) {
			sqlite3_finalize(s);
			return pl_err_set(err, -PL_ENOMEM, "out of memory");
		}
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : serr(st, err);
}

/* The host part of a URL, without "www.": "https://www.rfc-editor.org/x" -> "rfc-editor.org". */
static void
url_domain(const char *url, char *out, size_t len)
{
	const char *p = strstr(url, "://"), *end;
	size_t n;

	p = p ? p + 3 : url;
	if (strncmp(p, "www.", 4) == 0)
		p += 4;
	end = p + strcspn(p, "/:?#");
	n = (size_t)(end - p) < len - 1 ? (size_t)(end - p) : len - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}

static int
cmp_count(const void *a, const void *b)
{
	const struct pl_count *x = a, *y = b;

	return x->n != y->n ? (y->n > x->n ? 1 : -1) : strcmp(x->key, y->key);
}

static int
domains(struct pl_store *st, struct pl_lore_stats *out, struct pl_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(st->db, "SELECT url FROM lore_source", -1, &s, NULL) != SQLITE_OK)
		return serr(st, err);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		char d[256];
		size_t i;

		url_domain((const char *)sqlite3_column_text(s, 0), d, sizeof(d));
		for (i = 0; i < out->ndomains && strcmp(out->domains[i].key, d) != 0; i++)
			;
		if (i == out->ndomains) {
			struct pl_count *c = realloc(out->domains, (i + 1) * sizeof(*c));

			if (c == NULL || (c[i].key = strdup(d)) == NULL) {
				if (c != NULL)
					out->domains = c;
				sqlite3_finalize(s);
				return pl_err_set(err, -PL_ENOMEM, "out of memory");
			}
			out->domains = c;
			c[i].n = 0;
			out->ndomains++;
		}
		out->domains[i].n++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return serr(st, err);
	qsort(out->domains, out->ndomains, sizeof(*out->domains), cmp_count);
	return 0;
}

static int
coverage(struct pl_store *st, struct pl_coverage *c, struct pl_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(st->db,
	    "SELECT n.port,"
	    " EXISTS (SELECT 1 FROM record r WHERE r.snapshot = ?3 AND r.service <> ''"
	    "   AND r.lo <= n.port AND r.hi >= n.port AND (r.proto = n.proto OR r.proto = '')),"
	    " EXISTS (SELECT 1 FROM lore_port p WHERE p.proto = n.proto AND p.lo <= n.port"
	    "   AND p.hi >= n.port AND p.hi - p.lo < ?4)"
	    " FROM nmap n WHERE n.proto = ?1 AND n.rank BETWEEN 1 AND ?2 ORDER BY n.rank",
	    -1, &s, NULL) != SQLITE_OK)
		return serr(st, err);
	sqlite3_bind_text(s, 1, c->proto, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, c->top);
	sqlite3_bind_int64(s, 3, st->current_id);
	sqlite3_bind_int(s, 4, PL_COVER_MAX_SPAN);
	if ((c->missing = calloc(50, sizeof(int))) == NULL) {
		sqlite3_finalize(s);
		return pl_err_set(err, -PL_ENOMEM, "out of memory");
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		c->ports++;
		c->assigned += sqlite3_column_int(s, 1);
		if (sqlite3_column_int(s, 2))
			c->with_lore++;
		else if (c->nmissing < 50)
			c->missing[c->nmissing++] = sqlite3_column_int(s, 0);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : serr(st, err);
}

int
pl_lore_stats_build(struct pl_store *st, struct pl_lore_stats *out, struct pl_err *err)
{
	static const struct { const char *proto; int top; } tops[4] = {
		{ "tcp", 200 }, { "tcp", 1000 }, { "udp", 200 }, { "udp", 1000 } };
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->entries = scalar(st, "SELECT count(*) FROM lore_entry", err, &rc);
	out->families = scalar(st, "SELECT count(DISTINCT family) FROM lore_entry", err, &rc);
	out->facts = scalar(st, "SELECT count(*) FROM lore_port", err, &rc);
	out->sources = scalar(st, "SELECT count(*) FROM lore_source", err, &rc);
	out->cves = scalar(st, "SELECT count(DISTINCT cve) FROM lore_cve", err, &rc);
	out->have_nmap = (int)scalar(st, "SELECT count(*) > 0 FROM nmap", err, &rc);
	if (rc == 0)
		rc = counts(st, "SELECT kind, count(*) AS n FROM lore_entry GROUP BY kind"
		    " ORDER BY n DESC, kind", &out->kinds, &out->nkinds, err);
	if (rc == 0)
		rc = counts(st, "SELECT risk, count(*) FROM lore_entry GROUP BY risk ORDER BY"
		    " CASE risk WHEN 'critical' THEN 1 WHEN 'high' THEN 2 WHEN 'medium' THEN 3"
		    " WHEN 'low' THEN 4 ELSE 5 END", &out->risks, &out->nrisks, err);
	if (rc == 0)
		rc = counts(st, "SELECT tier, count(*) FROM lore_source GROUP BY tier ORDER BY"
		    " CASE tier WHEN 'primary' THEN 1 WHEN 'secondary' THEN 2 ELSE 3 END",
		    &out->tiers, &out->ntiers, err);
	if (rc == 0)
		rc = counts(st, "SELECT confidence, count(*) FROM lore_entry GROUP BY confidence ORDER BY"
		    " CASE confidence WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END",
		    &out->confidence, &out->nconfidence, err);
	out->undated = scalar(st, "SELECT count(*) FROM lore_source WHERE published = ''", err, &rc);
	if (rc == 0)
		rc = domains(st, out, err);
	snprintf(out->snapshot, sizeof(out->snapshot), "%s", st->current);
	for (int i = 0; i < 4 && rc == 0; i++) {
		out->cover[i].proto = tops[i].proto;
		out->cover[i].top = tops[i].top;
		rc = coverage(st, &out->cover[i], err);
	}
	if (rc != 0)
		pl_lore_stats_free(out);
	return rc;
}

static void
counts_free(struct pl_count *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(c[i].key);
	free(c);
}

void
pl_lore_stats_free(struct pl_lore_stats *s)
{
	counts_free(s->kinds, s->nkinds);
	counts_free(s->risks, s->nrisks);
	counts_free(s->tiers, s->ntiers);
	counts_free(s->confidence, s->nconfidence);
	counts_free(s->domains, s->ndomains);
	for (int i = 0; i < 4; i++)
		free(s->cover[i].missing);
	memset(s, 0, sizeof(*s));
}
