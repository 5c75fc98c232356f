/* search.c: the full-text index (SQLite FTS5), ranked search, and name resolution. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/utf8.h"
#include "portlore/buf.h"
#include "portlore/rank.h"
#include "registry/store-internal.h"

#define PORTS_SQL(lo, hi, proto)                                                      \
	"CASE WHEN " lo " = " hi " THEN " lo " ELSE " lo " || '-' || " hi " END"       \
	" || CASE WHEN " proto " <> '' THEN '/' || " proto " ELSE '' END"

/* tcp, udp, sctp, dccp: the order reports come in. */
#define PROTO_ORDER(col) "CASE " col " WHEN 'tcp' THEN 1 WHEN 'udp' THEN 2" \
	" WHEN 'sctp' THEN 3 WHEN 'dccp' THEN 4 ELSE 5 END"

static const char reindex_sql[] =
	"SAVEPOINT reindex; DELETE FROM fts;"
	/* Registry rows of the current snapshot; tcp and udp rows of one service share a hit.
	 * The IANA description is the summary; assignee and contact ("[Name]") only body. */
	"INSERT INTO fts(title, names, summary, body, source, ref, family, ports, freq)"
	" SELECT service, service, description,"
	"   assignee || ' ' || contact || ' ' || notes || ' ' || reference, 'iana', service, '',"
	"   coalesce(group_concat(" PORTS_SQL("lo", "hi", "proto") ", ', '), ''),"
	"   coalesce(max((SELECT n.freq FROM nmap n WHERE n.port = r.lo AND n.proto = r.proto"
	"     AND r.lo = r.hi)), 0)"
	" FROM (SELECT * FROM record WHERE snapshot = (SELECT id FROM snapshot ORDER BY label DESC"
	"   LIMIT 1) AND service <> '' ORDER BY lo, proto) r"
	" GROUP BY service, lo, hi, description;"
	/* Lore entries: the entry's own names (id, family, vendor) apart from passing
	 * mentions in notes, roles, CVEs and process names. */
	"INSERT INTO fts(title, names, summary, body, source, ref, family, ports, freq)"
	" SELECT e.name, e.id || ' ' || e.family || ' ' || e.family_name || ' ' || e.vendor,"
	"   e.summary, e.kind || ' ' || e.notes"
	"   || ' ' || coalesce((SELECT group_concat(role, ' ') FROM lore_port WHERE entry = e.id), '')"
	"   || ' ' || coalesce((SELECT group_concat(cve, ' ') FROM lore_cve WHERE entry = e.id), '')"
	"   || ' ' || coalesce((SELECT group_concat(pattern, ' ') FROM lore_hint"
	"      WHERE entry = e.id AND kind = 'process'), ''),"
	"   'lore', e.id, e.family,"
	"   coalesce((SELECT group_concat(" PORTS_SQL("lo", "hi", "proto") ", ', ')"
	"      FROM lore_port WHERE entry = e.id), ''),"
	"   coalesce((SELECT max(n.freq) FROM lore_port p JOIN nmap n ON n.port = p.lo"
	"      AND n.proto = p.proto WHERE p.entry = e.id AND p.lo = p.hi), 0)"
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

/* Words of a query: runs of letters and digits (and any non-ASCII byte). */
#define WORDS_MAX 16
struct words {
	const char *w[WORDS_MAX];
	int len[WORDS_MAX];
	int n;
};

static bool
word_byte(unsigned char c)
{
	return isalnum(c) || c >= 0x80;
}

static void
split_words(const char *in, struct words *ws)
{
	const unsigned char *p = (const unsigned char *)in;

	ws->n = 0;
	while (*p && ws->n < WORDS_MAX) {
		const unsigned char *w;

		while (*p && !word_byte(*p))
			p++;
		if (!*p)
			break;
		for (w = p; *p && word_byte(*p); p++)
			;
		ws->w[ws->n] = (const char *)w;
		ws->len[ws->n++] = (int)(p - w);
	}
}

/*
 * Turns the query's words into an FTS5 query: each word a quoted prefix term
 * ("caller"* "id"*), so FTS5's own syntax characters in the input mean nothing;
 * joined by spaces (every word must match) or by OR (any word).
 */
static int
fts_query(const struct words *ws, bool any, struct pl_buf *q)
{
	for (int i = 0; i < ws->n; i++)
		if (pl_buf_printf(q, "%s\"%.*s\"*", i == 0 ? "" : any ? " OR " : " ", ws->len[i],
		    ws->w[i]) != 0)
			return -PL_ENOMEM;
	return 0;
}

/* Whether word (n bytes) names text: it is, starts or is started by one of text's
 * words ("postgres" and "PostgreSQL", "memcache" and "memcached"). */
static bool
names_word(const char *text, const char *word, int n)
{
	const unsigned char *p = (const unsigned char *)text;

	while (*p) {
		const unsigned char *w;
		int len;

		while (*p && !word_byte(*p))
			p++;
		for (w = p; *p && word_byte(*p); p++)
			;
		len = (int)(p - w);
		if (len == 0)
			break;
		if (strncasecmp((const char *)w, word, (size_t)(len < n ? len : n)) == 0 &&
		    (len >= n || len >= 4))
			return true;
	}
	return false;
}

/* Whether the query's words, in order, are exactly the words of text ("x11" and
 * "x11", "caller id" and "caller-id"). */
static bool
same_words(const struct words *ws, const char *text)
{
	struct words t;

	split_words(text, &t);
	if (t.n != ws->n)
		return false;
	for (int i = 0; i < t.n; i++)
		if (t.len[i] != ws->len[i] || strncasecmp(t.w[i], ws->w[i], (size_t)t.len[i]) != 0)
			return false;
	return true;
}

/*
 * How much of the query names the hit itself rather than passing through its text:
 * 2 when the query is the hit's whole name (registry service name, lore id or family,
 * or title); otherwise the share of the query's words that name it (in its title,
 * registry name or lore id), each word weighted by its rarity in the index, so that
 * "docker" counts more than "daemon".
 */
static double
name_score(const struct words *ws, const double *rarity, const char *title, const char *ref,
    const char *family)
{
	double named = 0, all = 0;

	if (same_words(ws, ref) || same_words(ws, title) || (*family && same_words(ws, family)))
		return 2.0;
	for (int i = 0; i < ws->n; i++) {
		all += rarity[i];
		if (names_word(title, ws->w[i], ws->len[i]) || names_word(ref, ws->w[i], ws->len[i]))
			named += rarity[i];
	}
	return all > 0 ? named / all : 0;
}

/* The prior of a port nmap has seen open with frequency f: from 1 (never) rising
 * through the first percent to 1.6 for the most frequently open ports
 * (f / (f + 0.02): 0.5 at 2%, 0.9 at 18%). */
static double
popularity(double f)
{
	return f > 0 ? 1.0 + 0.6 * f / (f + 0.02) : 1.0;
}

/*
 * The prior of a lore entry: its most relevant port by the one ranking function
 * (include/portlore/rank.h), from 1.5 for a dominant server down to 1, times the
 * popularity of that port when the entry is what usually holds it (dominant): 8443
 * being popular says nothing for one of the dozen uses that share it.
 */
static double
lore_prior(sqlite3_stmt *s, const char *id)
{
	double best = 1.0;

	if (s == NULL)
		return 1.0;
	sqlite3_reset(s);
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW) {
		struct pl_rank_in in = { .id = id, .exact = true };
		int u = pl_use_parse((const char *)sqlite3_column_text(s, 0));
		int p = pl_prevalence_parse((const char *)sqlite3_column_text(s, 1));
		int score;
		double prior;

		in.use = u < 0 ? PL_USE_UNKNOWN : (enum pl_use)u;
		in.prevalence = p < 0 ? PL_PREV_UNKNOWN : (enum pl_prevalence)p;
		score = pl_rank_score(&in);
		prior = 1.0 + 0.5 * (score >= 60 ? 0 : 60 - score) / 60.0;
		if (in.prevalence == PL_PREV_DOMINANT)
			prior *= popularity(sqlite3_column_double(s, 2));
		if (prior > best)
			best = prior;
	}
	sqlite3_reset(s);
	return best;
}

/* How rare each word is in the index: 1 / (1 + the number of rows it matches). */
static void
word_rarity(struct pl_store *st, const struct words *ws, double *rarity)
{
	sqlite3_stmt *s = NULL;

	for (int i = 0; i < ws->n; i++)
		rarity[i] = 1.0;
	if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM fts WHERE fts MATCH ?1", -1, &s,
	    NULL) != SQLITE_OK)
		return;
	for (int i = 0; i < ws->n; i++) {
		char term[80];

		if (ws->len[i] > 70)
			continue;
		snprintf(term, sizeof(term), "\"%.*s\"*", ws->len[i], ws->w[i]);
		sqlite3_bind_text(s, 1, term, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(s) == SQLITE_ROW)
			rarity[i] = 1.0 / (1.0 + sqlite3_column_double(s, 0));
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
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

static int
hit_cmp(const void *a, const void *b)
{
	const struct pl_hit *x = a, *y = b;
	int c;

	if (x->named != y->named)
		return x->named > y->named ? -1 : 1;
	/* Among hits the query wholly names, the most relevant use of the most popular
	 * port first; text relevance only after. */
	if (x->named >= 1.0 && x->prior != y->prior)
		return x->prior > y->prior ? -1 : 1;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	/* Equal relevance: the registry's record first, then the title, for a stable order. */
	if ((c = strcmp(x->source, y->source)) != 0)
		return c;
	return strcmp(x->title, y->title);
}

#define CANDIDATES 300

/* Runs one FTS5 query; appends up to CANDIDATES scored hits to *hits. */
static int
run_query(struct pl_store *st, const struct words *ws, const double *rarity, bool any,
    struct pl_hit **hits, int *n, struct pl_err *err)
{
	static const char prior_sql[] = "SELECT p.use, p.prevalence, coalesce(n.freq, 0)"
	    " FROM lore_port p LEFT JOIN nmap n ON n.port = p.lo AND n.proto = p.proto"
	    " WHERE p.entry = ?1 AND p.lo = p.hi";
	struct pl_buf q = PL_BUF_INIT;
	sqlite3_stmt *s = NULL, *prior = NULL;
	int rc;

	/* Without it (an old store), lore hits simply get no prior. */
	if (sqlite3_prepare_v2(st->db, prior_sql, -1, &prior, NULL) != SQLITE_OK)
		prior = NULL;
	if (fts_query(ws, any, &q) != 0) {
		rc = pl_err_set(err, -PL_ENOMEM, "out of memory");
		goto out;
	}
	/* The snippet comes from the summary; matches between « and », which neither the
	 * registry nor lore uses, so IANA's own [Name] brackets stay plain text. */
	if (sqlite3_prepare_v2(st->db, "SELECT source, ref, title,"
	    " snippet(fts, 2, '\xc2\xab', '\xc2\xbb', '...', 16), ports,"
	    " bm25(fts, 10.0, 8.0, 3.0, 1.0) AS score, freq, family"
	    " FROM fts WHERE fts MATCH ?1 ORDER BY score LIMIT ?2", -1, &s, NULL) != SQLITE_OK) {
		rc = pl_err_set(err, -PL_ESTORE, "store %s: %s", st->path, sqlite3_errmsg(st->db));
		goto out;
	}
	sqlite3_bind_text(s, 1, pl_buf_str(&q), -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, CANDIDATES);
	if ((*hits = calloc(CANDIDATES, sizeof(**hits))) == NULL) {
		rc = pl_err_set(err, -PL_ENOMEM, "out of memory");
		goto out;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && *n < CANDIDATES) {
		struct pl_hit *h = &(*hits)[(*n)++];
		double freq = sqlite3_column_double(s, 6);

		h->source = pl__col(s, 0);
		h->ref = pl__col(s, 1);
		h->title = pl__col(s, 2);
		h->snippet = pl__col(s, 3);
		h->ports = pl__col(s, 4);
		if (!h->source || !h->ref || !h->title || !h->snippet || !h->ports) {
			rc = pl_err_set(err, -PL_ENOMEM, "out of memory");
			goto out;
		}
		/* Hits are ordered by how much the query names them, then by bm25 (negative,
		 * more negative for better matches: made a relevance here) times a prior: the
		 * port's popularity (nmap's open frequency) and, for lore, its best use. */
		h->named = name_score(ws, rarity, h->title, h->ref,
		    (const char *)sqlite3_column_text(s, 7));
		h->prior = strcmp(h->source, "lore") == 0 ? lore_prior(prior, h->ref) :
		    popularity(freq);
		h->score = -sqlite3_column_double(s, 5) * h->prior;
	}
	rc = rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 :
	    pl_err_set(err, -PL_ESTORE, "store %s: %s", st->path, sqlite3_errmsg(st->db));
out:
	sqlite3_finalize(s);
	sqlite3_finalize(prior);
	pl_buf_free(&q);
	return rc;
}

int
pl_store_search(struct pl_store *st, const char *query, int limit, struct pl_hit **out,
    struct pl_err *err)
{
	struct pl_hit *hits = NULL;
	double rarity[WORDS_MAX];
	struct words ws;
	int n = 0, rc;

	*out = NULL;
	if (strlen(query) > 1000)
		return pl_err_set(err, -PL_ETOOBIG, "search text of %zu bytes is too long (at most 1000)",
		    strlen(query));
	/* Bad input, not a failure: the text is shown (with escapes) so the user sees it. */
	if (!pl__utf8_valid(query, strlen(query)))
		return pl_err_set(err, -PL_EUSAGE, "search text '%s' is not valid UTF-8", query);
	split_words(query, &ws);
	if (ws.n == 0)
		return pl_err_set(err, -PL_EUSAGE, "search text '%s' has no words to look for", query);
	if (limit < 1)
		limit = 1;
	word_rarity(st, &ws, rarity);
	/* Every word first; when no entry has them all, any of them. */
	rc = run_query(st, &ws, rarity, false, &hits, &n, err);
	if (rc == 0 && n == 0 && ws.n > 1) {
		pl_hits_free(hits, n);
		hits = NULL;
		rc = run_query(st, &ws, rarity, true, &hits, &n, err);
	}
	if (rc != 0) {
		pl_hits_free(hits, n);
		return rc;
	}
	if (n > 1)
		qsort(hits, (size_t)n, sizeof(*hits), hit_cmp);
	for (int i = limit; i < n; i++) {
		free(hits[i].source);
		free(hits[i].ref);
		free(hits[i].title);
		free(hits[i].snippet);
		free(hits[i].ports);
	}
	*out = hits;
	return n < limit ? n : limit;
}

/*
 * Whether a query is a port rather than words: "22", "22/tcp", "3000-3010",
 * "3000-3010/udp" (spaces around it allowed). Fills *out and returns 1, or returns 0.
 */
int
pl_search_port(const char *query, struct pl_port_ref *out)
{
	const char *p = query;
	long lo, hi;
	char *end;
	enum pl_proto proto = PL_PROTO_ANY;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!isdigit((unsigned char)*p))
		return 0;
	lo = strtol(p, &end, 10);
	hi = lo;
	if (*end == '-' && isdigit((unsigned char)end[1]))
		hi = strtol(end + 1, &end, 10);
	if (lo < 0 || hi > 65535 || lo > hi || end - p > 11)
		return 0;
	if (*end == '/') {
		const char *w = ++end;

		while (isalpha((unsigned char)*end))
			end++;
		if (end == w || (proto = pl_proto_parse(w, (size_t)(end - w))) == PL_PROTO_ANY)
			return 0;
	}
	while (*end == ' ' || *end == '\t')
		end++;
	if (*end != '\0')
		return 0;
	*out = (struct pl_port_ref){ (uint16_t)lo, (uint16_t)hi, proto };
	return 1;
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
