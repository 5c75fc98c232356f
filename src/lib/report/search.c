/* search.c: the full-text index (SQLite FTS5), ranked search, and name resolution. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "portlore/buf.h"
#include "registry/store-internal.h"

#define PORTS_SQL(lo, hi, proto)                                                      \
	"CASE WHEN " lo " = " hi " THEN " lo " ELSE " lo " || '-' || " hi " END"       \
	" || CASE WHEN " proto " <> '' THEN '/' || " proto " ELSE '' END"

/* tcp, udp, sctp, dccp: the order reports come in. */
#define PROTO_ORDER(col) "CASE " col " WHEN 'tcp' THEN 1 WHEN 'udp' THEN 2" \
	" WHEN 'sctp' THEN 3 WHEN 'dccp' THEN 4 ELSE 5 END"

static const char reindex_sql[] =
	"SAVEPOINT reindex; DELETE FROM fts;"
	/* Registry rows of the current snapshot; tcp and udp rows of one service share a hit. */
	"INSERT INTO fts(title, body, source, ref, ports)"
	" SELECT service, description || ' ' || assignee || ' ' || contact || ' ' || notes"
	"   || ' ' || reference, 'iana', service,"
	"   coalesce(group_concat(" PORTS_SQL("lo", "hi", "proto") ", ', '), '')"
	" FROM (SELECT * FROM record WHERE snapshot = (SELECT id FROM snapshot ORDER BY label DESC"
	"   LIMIT 1) AND service <> '' ORDER BY lo, proto)"
	" GROUP BY service, lo, hi, description;"
	"INSERT INTO fts(title, body, source, ref, ports)"
	" SELECT e.name, e.vendor || ' ' || e.family || ' ' || e.family_name || ' ' || e.kind"
	"   || ' ' || e.summary || ' ' || e.notes"
	"   || ' ' || coalesce((SELECT group_concat(role, ' ') FROM lore_port WHERE entry = e.id), '')"
	"   || ' ' || coalesce((SELECT group_concat(cve, ' ') FROM lore_cve WHERE entry = e.id), '')"
	"   || ' ' || coalesce((SELECT group_concat(pattern, ' ') FROM lore_hint"
	"      WHERE entry = e.id AND kind = 'process'), ''),"
	"   'lore', e.id,"
	"   coalesce((SELECT group_concat(" PORTS_SQL("lo", "hi", "proto") ", ', ')"
	"      FROM lore_port WHERE entry = e.id), '')"
	" FROM lore_entry e;"
	"INSERT INTO fts(fts) VALUES('optimize');"
	"RELEASE reindex;";

int
pl_store_reindex(struct pl_store *st, struct pl_err *err)
{
	int rc = pl__exec(st, reindex_sql, err);

	if (rc != 0)
		sqlite3_exec(st->db, "ROLLBACK TO reindex; RELEASE reindex", NULL, NULL, NULL);
	return rc;
}

/*
 * Turns what a user typed into an FTS5 query: each word becomes a quoted prefix
 * term ("caller"* "id"*), so FTS5's own syntax characters in the input mean nothing.
 */
static int
fts_query(const char *in, struct pl_buf *q)
{
	const unsigned char *p = (const unsigned char *)in;
	int words = 0;

	while (*p) {
		const unsigned char *w;

		while (*p && !(isalnum(*p) || *p >= 0x80))
			p++;
		if (!*p)
			break;
		for (w = p; *p && (isalnum(*p) || *p >= 0x80); p++)
			;
		if (pl_buf_printf(q, "%s\"%.*s\"*", words ? " " : "", (int)(p - w), w) != 0)
			return -PL_ENOMEM;
		words++;
	}
	return words;
}

void
pl_hits_free(struct pl_hit *hits, int n)
{
	for (int i = 0; hits != NULL && i < n; i++) {
		free(hits[i].source);
		free(hits[i].ref);
		free(hits[i].title);
		free(hits[i].snippet);
		free(hits[i].ports);
	}
	free(hits);
}

int
pl_store_search(struct pl_store *st, const char *query, int limit, struct pl_hit **out,
    struct pl_err *err)
{
	struct pl_buf q = PL_BUF_INIT;
	struct pl_hit *hits = NULL;
	sqlite3_stmt *s = NULL;
	int n = 0, rc, words;

	*out = NULL;
	if (strlen(query) > 1000)
		return pl_err_set(err, -PL_ETOOBIG, "search text of %zu bytes is too long (at most 1000)",
		    strlen(query));
	/* Bad input, not a failure: the text is shown (with escapes) so the user sees it. */
	if (!pl__utf8_valid(query, strlen(query)))
		return pl_err_set(err, -PL_EUSAGE, "search text '%s' is not valid UTF-8", query);
	if ((words = fts_query(query, &q)) < 0) {
		rc = pl_err_set(err, -PL_ENOMEM, "out of memory");
		goto out;
	}
	if (words == 0) {
		rc = pl_err_set(err, -PL_EUSAGE, "search text '%s' has no words to look for", query);
		goto out;
	}
	if (sqlite3_prepare_v2(st->db, "SELECT source, ref, title,"
	    " snippet(fts, 1, '[', ']', '...', 10), ports, bm25(fts, 10.0, 1.0) AS score"
	    " FROM fts WHERE fts MATCH ?1 ORDER BY score, source DESC, title LIMIT ?2",
	    -1, &s, NULL) != SQLITE_OK) {
		rc = pl_err_set(err, -PL_ESTORE, "store %s: %s", st->path, sqlite3_errmsg(st->db));
		goto out;
	}
	sqlite3_bind_text(s, 1, pl_buf_str(&q), -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, limit);
	if ((hits = calloc((size_t)limit, sizeof(*hits))) == NULL) {
		rc = pl_err_set(err, -PL_ENOMEM, "out of memory");
		goto out;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && n < limit) {
		struct pl_hit *h = &hits[n++];

		h->source = pl__col(s, 0);
		h->ref = pl__col(s, 1);
		h->title = pl__col(s, 2);
		h->snippet = pl__col(s, 3);
		h->ports = pl__col(s, 4);
		h->score = sqlite3_column_double(s, 5);
		if (!h->source || !h->ref || !h->title || !h->snippet || !h->ports) {
			rc = pl_err_set(err, -PL_ENOMEM, "out of memory");
			goto out;
		}
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		rc = pl_err_set(err, -PL_ESTORE, "store %s: %s", st->path, sqlite3_errmsg(st->db));
		goto out;
	}
	*out = hits;
	hits = NULL;
	rc = n;
out:
	pl_hits_free(hits, n);
	sqlite3_finalize(s);
	pl_buf_free(&q);
	return rc;
}

static int
add_ref(struct pl_port_ref **refs, int *n, long lo, long hi, enum pl_proto proto)
{
	struct pl_port_ref *r;

	for (int i = 0; i < *n; i++)
		if ((*refs)[i].lo == lo && (*refs)[i].hi == hi && (*refs)[i].proto == proto)
			return 0;
	if ((r = realloc(*refs, (size_t)(*n + 1) * sizeof(*r))) == NULL)
		return -PL_ENOMEM;
	*refs = r;
	r[*n] = (struct pl_port_ref){ (uint16_t)lo, (uint16_t)hi, proto };
	(*n)++;
	return 0;
}

int
pl_store_resolve_name(struct pl_store *st, const char *name, enum pl_proto proto,
    struct pl_port_ref **out, struct pl_err *err)
{
	/* Registry names first; lore ids, families and names only when the registry has none. */
	static const char *const sql[] = {
		"SELECT lo, hi, proto FROM record WHERE snapshot = ?1 AND service = ?2 COLLATE NOCASE"
		" AND lo IS NOT NULL ORDER BY lo, " PROTO_ORDER("proto"),
		"SELECT p.lo, p.hi, p.proto FROM lore_port p JOIN lore_entry e ON e.id = p.entry"
		" WHERE e.id = ?2 COLLATE NOCASE OR e.family = ?2 COLLATE NOCASE"
		" OR e.name = ?2 COLLATE NOCASE ORDER BY p.lo, " PROTO_ORDER("p.proto"),
	};
	struct pl_port_ref *refs = NULL;
	int n = 0, rc = 0, names_only = 0;

	*out = NULL;
	for (size_t q = 0; q < 2 && n == 0; q++) {
		sqlite3_stmt *s = NULL;

		if (sqlite3_prepare_v2(st->db, sql[q], -1, &s, NULL) != SQLITE_OK) {
			rc = pl_err_set(err, -PL_ESTORE, "store %s: %s", st->path, sqlite3_errmsg(st->db));
			break;
		}
		sqlite3_bind_int64(s, 1, st->current_id);
		sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			const char *ps = (const char *)sqlite3_column_text(s, 2);
			enum pl_proto p = ps ? pl_proto_parse(ps, strlen(ps)) : PL_PROTO_ANY;

			if (proto != PL_PROTO_ANY && p != proto && p != PL_PROTO_ANY)
				continue;
			if (add_ref(&refs, &n, sqlite3_column_int(s, 0), sqlite3_column_int(s, 1),
			    proto != PL_PROTO_ANY ? proto : p) != 0) {
				rc = SQLITE_NOMEM;
				break;
			}
		}
		sqlite3_finalize(s);
		if (rc != SQLITE_DONE) {
			rc = pl_err_set(err, rc == SQLITE_NOMEM ? -PL_ENOMEM : -PL_ESTORE, "store %s: %s",
			    st->path, sqlite3_errmsg(st->db));
			break;
		}
		rc = 0;
	}
	if (rc == 0 && n == 0) {
		sqlite3_stmt *s = NULL;

		/* Say so when the registry knows the name but gives it no port. */
		if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM record WHERE snapshot = ?1"
		    " AND service = ?2 COLLATE NOCASE", -1, &s, NULL) == SQLITE_OK) {
			sqlite3_bind_int64(s, 1, st->current_id);
			sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
			if (sqlite3_step(s) == SQLITE_ROW)
				names_only = sqlite3_column_int(s, 0);
		}
		sqlite3_finalize(s);
		if (names_only > 0)
			rc = pl_err_set(err, -PL_ENOTFOUND, "'%s%s%s' is registered as a service name "
			    "without a port number (registry %s)", name, proto ? "/" : "",
			    pl_proto_name(proto), st->current);
		else
			rc = pl_err_set(err, -PL_ENOTFOUND, "'%s%s%s': no such port or service name "
			    "in the registry (%s) or lore; try 'portlore search %s'", name,
			    proto ? "/" : "", pl_proto_name(proto),
			    st->current[0] ? st->current : "no snapshot", name);
	}
	if (rc != 0) {
		free(refs);
		return rc;
	}
	*out = refs;
	return n;
}
