/*
 * hints.c: name what holds a socket. The registry gives the port's service name; lore's
 * hints (POSIX extended regular expressions over the process name and the command
 * line, docs/lore-format.md) say which known use a process is: ncidd on 3333 is NCID,
 * a miner binary there is Claymore's API.
 */
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "portlore/sockets.h"
#include "registry/store-internal.h"

/* Beyond this many distinct ports, one pass over the registry beats one query each. */
#define BULK_PORTS 256
#define HANDFUL 12          /* below this many ports, ranges are asked for per port */
#define BROAD 64                 /* as in report.c: wider lore ranges are "broad" */

/* Rows hold numbers only; the pattern is read when a socket's port first needs it, the
 * entry's id and name when a process matches (thousands of rows, few used). */
struct hint {
	sqlite3_int64 hint_row, entry_row;
	bool cmdline;                /* matches the command line, else the process name */
	uint16_t lo, hi;
	enum pl_proto proto;
	int compiled;                /* 0 not yet, 1 ok, -1 does not compile */
	const regex_t *re;           /* lent from the cache */
	size_t cache_at;             /* its index in the cache */
};

/* Compiled patterns, once each: regcomp() costs far more than a match, and one pattern
 * ("^svchost\.exe$") serves many ports. */
struct recache {
	char *pattern;
	regex_t re;
	int ok;
};

struct hints {
	struct hint *v; size_t n;
	size_t nspecific;            /* v[0..nspecific) sorted by lo; the rest are broad */
	struct recache *cache; size_t ncache;
	/* memo[proc * (n + 1) + cache index]: 0 not tried, 1 matches, 2 does not. A process
	 * holding thousands of sockets is matched against each pattern once. */
	uint8_t *memo;
	sqlite3_stmt *pattern_of;    /* lore_hint rowid -> pattern */
};

static int
store_fail(struct pl_store *st, struct pl_err *err)
{
	return pl_err_set(err, -PL_ESTORE, "store %s: %s", st->path, sqlite3_errmsg(st->db));
}

/* Keeps s alive as long as the list; returns the kept copy or NULL. */
static const char *
keep(struct pl_socklist *l, const char *s)
{
	char **p, *d;

	if (s == NULL || (d = strdup(s)) == NULL)
		return NULL;
	/* Capacity doubles at each power of two: thousands of names stay linear. */
	if (l->nstrings >= 16 && (l->nstrings & (l->nstrings - 1)) == 0) {
		if ((p = realloc(l->strings, l->nstrings * 2 * sizeof(*p))) == NULL) {
			free(d);
			return NULL;
		}
		l->strings = p;
	} else if (l->strings == NULL && (l->strings = malloc(16 * sizeof(*p))) == NULL) {
		free(d);
		return NULL;
	}
	l->strings[l->nstrings++] = d;
	return d;
}

static int
cmp_hint(const void *a, const void *b)
{
	const struct hint *x = a, *y = b;
	bool bx = x->hi - x->lo > BROAD, by = y->hi - y->lo > BROAD;

	if (bx != by)
		return bx - by;
	return (x->lo > y->lo) - (x->lo < y->lo);
}

/* Appends the rows of s (already bound) to h. Returns the last sqlite3_step() code. */
static int
add_rows(sqlite3_stmt *s, struct hints *h, size_t *cap)
{
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct hint *x;
		const char *proto = (const char *)sqlite3_column_text(s, 6);

		if (h->n == *cap) {
			struct hint *p = realloc(h->v, (*cap = *cap ? *cap * 2 : 64) * sizeof(*p));

			if (p == NULL)
				break;
			h->v = p;
		}
		x = &h->v[h->n];
		memset(x, 0, sizeof(*x));
		x->entry_row = sqlite3_column_int64(s, 0);
		x->hint_row = sqlite3_column_int64(s, 1);
		x->cmdline = strcmp((const char *)sqlite3_column_text(s, 2), "cmdline") == 0;
		x->lo = (uint16_t)sqlite3_column_int(s, 4);
		x->hi = (uint16_t)sqlite3_column_int(s, 5);
		x->proto = pl_proto_parse(proto, strlen(proto));
		h->n++;
	}
	return rc;
}

/*
 * The hints of the ports the list's owned sockets use: one query per port for a few
 * ports, one pass over every hint for many.
 */
static int
load_hints(struct pl_store *st, struct hints *h, const struct pl_socklist *l,
    struct pl_err *err)
{
	static const char all[] = "SELECT e.rowid, h.rowid, h.kind, NULL, p.lo, p.hi, p.proto"
	    " FROM lore_hint h JOIN lore_entry e ON e.id = h.entry"
	    " JOIN lore_port p ON p.entry = h.entry"
	    " WHERE h.kind IN ('process', 'cmdline') AND p.proto IN ('tcp', 'udp')";
	/* A handful of ports: one query per port, its own hints and the ranges that hold it.
	 * Up to a thousand: each port's own hints by equality (an index seek), and the hints
	 * of every range once (about 200 rows, 1.2 M instructions; match() checks each range
	 * against the port), since asking "which ranges hold this port" walks the range
	 * index every time (about 100 k instructions a port). */
	static const char one[] = "SELECT e.rowid, h.rowid, h.kind, NULL, p.lo, p.hi, p.proto"
	    " FROM lore_port p JOIN lore_hint h ON h.entry = p.entry"
	    " JOIN lore_entry e ON e.id = p.entry WHERE p.proto = ?2"
	    " AND ((p.lo = ?1 AND p.hi = ?1) OR (p.lo <> p.hi AND p.lo <= ?1 AND p.hi >= ?1))"
	    " AND h.kind IN ('process', 'cmdline')";
	static const char own[] = "SELECT e.rowid, h.rowid, h.kind, NULL, p.lo, p.hi, p.proto"
	    " FROM lore_port p JOIN lore_hint h ON h.entry = p.entry"
	    " JOIN lore_entry e ON e.id = p.entry WHERE p.proto = ?2"
	    " AND p.lo = ?1 AND p.hi = ?1 AND h.kind IN ('process', 'cmdline')";
	static const char ranges[] = "SELECT e.rowid, h.rowid, h.kind, NULL, p.lo, p.hi, p.proto"
	    " FROM lore_port p JOIN lore_hint h ON h.entry = p.entry"
	    " JOIN lore_entry e ON e.id = p.entry WHERE p.lo <> p.hi"
	    " AND h.kind IN ('process', 'cmdline') AND p.proto IN ('tcp', 'udp')";
	/* Measured with callgrind: the pass over every hint costs about 30 M instructions
	 * (4,600 hint and port pairs through two joins), one port's own query about 10 k;
	 * so per-port queries win up to two thousand ports or so. */
	enum { FEW = 2048 };
	uint32_t *seen = malloc(FEW * sizeof(*seen));   /* port << 8 | proto, looked up */
	uint8_t *mark = calloc(65536 * 8 / 8, 1);        /* bit (port << 3 | proto): seen */
	size_t nseen = 0, cap = 0;
	bool few = true;
	sqlite3_stmt *s = NULL;
	int rc = SQLITE_DONE;

	if (seen == NULL || mark == NULL) {
		free(seen);
		free(mark);
		return pl_err_set(err, -PL_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < l->n && few; i++) {
		uint32_t key = (uint32_t)l->v[i].lport << 8 | l->v[i].proto;
		uint32_t bit = (uint32_t)l->v[i].lport << 3 | (l->v[i].proto & 7);

		if (l->v[i].nowners == 0 || (mark[bit >> 3] & (1u << (bit & 7))))
			continue;
		mark[bit >> 3] |= (uint8_t)(1u << (bit & 7));
		if (nseen < FEW)
			seen[nseen++] = key;
		else
			few = false;
	}
	free(mark);
	if (few && nseen > HANDFUL) {
		if (sqlite3_prepare_v2(st->db, ranges, -1, &s, NULL) != SQLITE_OK)
			goto out;
		rc = add_rows(s, h, &cap);
		sqlite3_finalize(s);
		s = NULL;
	}
	if (rc != SQLITE_DONE)
		goto out;
	if (sqlite3_prepare_v2(st->db, !few ? all : nseen > HANDFUL ? own : one, -1, &s, NULL) !=
	    SQLITE_OK) {
		rc = SQLITE_ERROR;
		goto out;
	}
	if (!few)
		rc = add_rows(s, h, &cap);
	for (size_t k = 0; few && k < nseen && rc == SQLITE_DONE; k++) {
		sqlite3_bind_int(s, 1, (int)(seen[k] >> 8));
		sqlite3_bind_text(s, 2, pl_proto_name((enum pl_proto)(seen[k] & 0xff)), -1,
		    SQLITE_STATIC);
		rc = add_rows(s, h, &cap);
		sqlite3_reset(s);
	}
out:
	sqlite3_finalize(s);
	free(seen);
	if (rc == SQLITE_ROW)
		return pl_err_set(err, -PL_ENOMEM, "out of memory");
	if (rc != SQLITE_DONE)
		return store_fail(st, err);
	if (h->n > 1)
		qsort(h->v, h->n, sizeof(*h->v), cmp_hint);
	for (h->nspecific = 0; h->nspecific < h->n &&
	    h->v[h->nspecific].hi - h->v[h->nspecific].lo <= BROAD; h->nspecific++)
		;
	return 0;
}

static void
hints_free(struct hints *h)
{
	free(h->v);
	sqlite3_finalize(h->pattern_of);
	for (size_t i = 0; i < h->ncache; i++) {
		if (h->cache[i].ok)
			regfree(&h->cache[i].re);
		free(h->cache[i].pattern);
	}
	free(h->cache);
	free(h->memo);
}

/* Compiles x's pattern, or finds it compiled. */
static void
compile(struct hints *h, struct hint *x)
{
	struct recache *c;
	const char *pattern;

	x->compiled = -1;
	sqlite3_reset(h->pattern_of);
	sqlite3_bind_int64(h->pattern_of, 1, x->hint_row);
	if (sqlite3_step(h->pattern_of) != SQLITE_ROW ||
	    (pattern = (const char *)sqlite3_column_text(h->pattern_of, 0)) == NULL)
		return;
	for (size_t i = 0; i < h->ncache; i++)
		if (strcmp(h->cache[i].pattern, pattern) == 0) {
			x->re = &h->cache[i].re;
			x->cache_at = i;
			x->compiled = h->cache[i].ok ? 1 : -1;
			return;
		}
	/* Hints borrow pointers into the cache, so it never moves: allocated once, with
	 * room for one pattern per hint row. */
	if (h->cache == NULL && (h->cache = calloc(h->n + 1, sizeof(*h->cache))) == NULL)
		return;
	c = &h->cache[h->ncache];
	if ((c->pattern = strdup(pattern)) == NULL)
		return;
	c->ok = regcomp(&c->re, pattern, REG_EXTENDED | REG_NOSUB) == 0;
	x->cache_at = h->ncache++;
	x->re = &c->re;
	x->compiled = c->ok ? 1 : -1;
}

static bool
hint_matches(struct hints *h, struct hint *x, const struct pl_socket *s, const struct pl_proc *p,
    size_t pidx)
{
	uint8_t *m;

	if (x->proto != s->proto || s->lport < x->lo || s->lport > x->hi)
		return false;
	if (x->compiled == 0)
		compile(h, x);
	if (x->compiled != 1)
		return false;
	m = h->memo ? &h->memo[pidx * (h->n + 1) + x->cache_at] : NULL;
	if (m && *m)
		return *m == 1;
	bool yes = regexec(x->re, x->cmdline ? (p->cmdline ? p->cmdline : "") : p->comm, 0,
	    NULL, 0) == 0;
	if (m)
		*m = yes ? 1 : 2;
	return yes;
}

/* The first hint (specific ports before broad ranges) that an owner of s matches. */
static struct hint *
match(struct hints *h, const struct pl_socklist *l, const struct pl_socket *s)
{
	size_t lo = 0, hi = h->nspecific;
	unsigned from = s->lport > BROAD ? s->lport - BROAD : 0;

	/* Binary search: the first specific hint whose range starts at or after from. */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (h->v[mid].lo < from)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t o = 0; o < s->nowners; o++) {
		const struct pl_proc *p = &l->procs[s->owners[o]];
		size_t pi = s->owners[o];

		for (size_t i = lo; i < h->nspecific && h->v[i].lo <= s->lport; i++)
			if (hint_matches(h, &h->v[i], s, p, pi))
				return &h->v[i];
		for (size_t i = h->nspecific; i < h->n; i++)
			if (hint_matches(h, &h->v[i], s, p, pi))
				return &h->v[i];
	}
	return NULL;
}

/* The id and name of a lore entry, kept by the list. */
static int
entry_names(struct pl_store *st, struct pl_socklist *l, sqlite3_int64 row, const char **id,
    const char **name, struct pl_err *err)
{
	sqlite3_stmt *s;
	int rc = 0;

	if (sqlite3_prepare_v2(st->db, "SELECT id, name FROM lore_entry WHERE rowid = ?1", -1, &s,
	    NULL) != SQLITE_OK)
		return store_fail(st, err);
	sqlite3_bind_int64(s, 1, row);
	if (sqlite3_step(s) == SQLITE_ROW &&
	    ((*id = keep(l, (const char *)sqlite3_column_text(s, 0))) == NULL ||
	    (*name = keep(l, (const char *)sqlite3_column_text(s, 1))) == NULL))
		rc = pl_err_set(err, -PL_ENOMEM, "out of memory");
	sqlite3_finalize(s);
	return rc;
}

static int
annotate_lore(struct pl_store *st, struct pl_socklist *l, struct pl_err *err)
{
	struct hints h = { 0 };
	int rc = 0;

	if (l->nprocs == 0)
		return 0;
	if (sqlite3_prepare_v2(st->db, "SELECT pattern FROM lore_hint WHERE rowid = ?1", -1,
	    &h.pattern_of, NULL) != SQLITE_OK)
		return store_fail(st, err);
	if ((rc = load_hints(st, &h, l, err)) != 0) {
		hints_free(&h);
		return rc;
	}
	/* Without memory for the memo, matching still works, only slower. */
	if (l->nprocs < ((size_t)1 << 32) / (h.n + 1))
		h.memo = calloc(l->nprocs * (h.n + 1), 1);
	for (size_t i = 0; i < l->n && rc == 0; i++) {
		struct pl_socket *s = &l->v[i];
		struct hint *x = s->nowners ? match(&h, l, s) : NULL;

		if (x == NULL)
			continue;
		if ((rc = entry_names(st, l, x->entry_row, &s->lore_id, &s->lore_name, err)) != 0)
			break;
		for (size_t o = 0; o < s->nowners && rc == 0; o++)
			if (l->procs[s->owners[o]].lore_id == NULL) {
				l->procs[s->owners[o]].lore_id = s->lore_id;
				l->procs[s->owners[o]].lore_name = s->lore_name;
			}
	}
	hints_free(&h);
	return rc;
}

/* Registry names, one query per port (few ports) or one pass (many). */
static int
annotate_registry(struct pl_store *st, struct pl_socklist *l, struct pl_err *err)
{
	static const char one[] = "SELECT service FROM record WHERE snapshot = ?1 AND lo = ?2"
	    " AND hi = ?2 AND (proto = ?3 OR proto = '') AND service <> '' ORDER BY line LIMIT 1";
	/* Only the span of ports in use (the index on snapshot, lo reads no more), and no
	 * ORDER BY: sorting the snapshot's 11,000 single-port rows cost more than reading
	 * them; the row with the lowest line is picked here instead. */
	static const char all[] = "SELECT lo, proto, service, line FROM record WHERE snapshot = ?1"
	    " AND lo BETWEEN ?2 AND ?3 AND lo = hi AND service <> ''"
	    " AND proto IN ('tcp', 'udp', '')";
	int lo = 65535, hi = 0;
	const char **names = NULL;          /* [proto == udp][port] */
	uint32_t *line = NULL;              /* the line names[] came from, 0 for none */
	sqlite3_stmt *s = NULL;
	int rc = SQLITE_DONE;

	if (st->current_id == 0 || l->n == 0)
		return 0;
	if (l->n > BULK_PORTS) {
		if ((names = calloc(2 * 65536, sizeof(*names))) == NULL ||
		    (line = calloc(2 * 65536, sizeof(*line))) == NULL) {
			free(names);
			return pl_err_set(err, -PL_ENOMEM, "out of memory");
		}
		/* Mark the ports in use; only their names are kept. */
		for (size_t i = 0; i < l->n; i++) {
			names[(l->v[i].proto == PL_PROTO_UDP) * 65536 + l->v[i].lport] = "";
			lo = l->v[i].lport < lo ? l->v[i].lport : lo;
			hi = l->v[i].lport > hi ? l->v[i].lport : hi;
		}
		if (sqlite3_prepare_v2(st->db, all, -1, &s, NULL) != SQLITE_OK)
			goto fail;
		sqlite3_bind_int64(s, 1, st->current_id);
		sqlite3_bind_int(s, 2, lo);
		sqlite3_bind_int(s, 3, hi);
		/* The registry's first row for a port (lowest line) wins. */
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			int port = sqlite3_column_int(s, 0);
			const char *proto = (const char *)sqlite3_column_text(s, 1);
			uint32_t ln = (uint32_t)sqlite3_column_int64(s, 3);
			const char *kept;
			bool t, u;

			if (port < 0 || port > 65535)
				continue;
			t = strcmp(proto, "udp") != 0 && names[port] != NULL &&
			    (line[port] == 0 || ln < line[port]);
			u = strcmp(proto, "tcp") != 0 && names[65536 + port] != NULL &&
			    (line[65536 + port] == 0 || ln < line[65536 + port]);
			if ((!t && !u) || (kept = keep(l, (const char *)sqlite3_column_text(s, 2))) == NULL)
				continue;
			if (t)
				names[port] = kept, line[port] = ln;
			if (u)
				names[65536 + port] = kept, line[65536 + port] = ln;
		}
		for (size_t i = 0; i < l->n; i++) {
			const char *n = names[(l->v[i].proto == PL_PROTO_UDP) * 65536 + l->v[i].lport];

			l->v[i].registry = n && *n ? n : NULL;
		}
		free(names);
		free(line);
	} else {
		if (sqlite3_prepare_v2(st->db, one, -1, &s, NULL) != SQLITE_OK)
			goto fail;
		for (size_t i = 0; i < l->n; i++) {
			sqlite3_bind_int64(s, 1, st->current_id);
			sqlite3_bind_int(s, 2, l->v[i].lport);
			sqlite3_bind_text(s, 3, pl_proto_name(l->v[i].proto), -1, SQLITE_STATIC);
			if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
				l->v[i].registry = keep(l, (const char *)sqlite3_column_text(s, 0));
				rc = SQLITE_DONE;
			}
			sqlite3_reset(s);
			if (rc != SQLITE_DONE)
				break;
		}
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : store_fail(st, err);
fail:
	free(names);
	free(line);
	rc = store_fail(st, err);
	sqlite3_finalize(s);
	return rc;
}

int
pl_sockets_annotate(struct pl_store *st, struct pl_socklist *l, struct pl_err *err)
{
	int rc;

	if (st == NULL)
		return 0;
	if ((rc = annotate_registry(st, l, err)) != 0)
		return rc;
	return annotate_lore(st, l, err);
}
