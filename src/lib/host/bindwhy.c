/*
 * bindwhy.c: why bind() to a port fails, or would, when nothing listens there: a
 * connection already uses it as its local port, TIME-WAIT sockets, the host's port
 * settings, the IPv4/IPv6 wildcard overlap; and what lore knows occupies the port on
 * other systems (macOS AirPlay, Windows excluded ranges).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portlore/sockets.h"
#include "host/platform.h"
#include "host/sockets-internal.h"
#include "registry/index-internal.h"
#include "registry/store-internal.h"

static int
push(size_t **v, size_t *n, size_t x)
{
	size_t *p = realloc(*v, (*n + 1) * sizeof(*p));

	if (p == NULL)
		return -PL_ENOMEM;
	*v = p;
	(*v)[(*n)++] = x;
	return 0;
}

static char *
keep(struct pl_bind_why *w, sqlite3_stmt *s, int col)
{
	char **p = realloc(w->store_strings, (w->nstore_strings + 1) * sizeof(*p));
	char *d;

	if (p == NULL)
		return NULL;
	w->store_strings = p;
	if ((d = pl__col(s, col)) != NULL)
		w->store_strings[w->nstore_strings++] = d;
	return d;
}

/* Lore entries of families named after another system ("macos-", "windows-"). */
static int
load_elsewhere(struct pl_bind_why *w, struct pl_store *st, struct pl_err *err)
{
	static const char sql[] = "SELECT e.family, e.name, p.role, e.summary"
	    " FROM lore_port p JOIN lore_entry e ON e.id = p.entry"
	    /* Equality on lo for single ports, the partial range index for ranges: a plain
	     * "lo <= ?1 AND hi >= ?1" walks half the table (5 M instructions a query). */
	    " WHERE ((p.lo = ?1 AND p.hi = ?1) OR (p.lo <> p.hi AND p.lo <= ?1 AND p.hi >= ?1))"
	    " AND p.proto = ?2"
	    " AND (e.family LIKE 'macos-%' OR e.family LIKE 'windows-%')"
	    " ORDER BY e.family, p.hi - p.lo, e.id LIMIT 16";
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return pl_err_set(err, -PL_ESTORE, "store %s: %s", st->path, sqlite3_errmsg(st->db));
	sqlite3_bind_int(s, 1, w->port);
	sqlite3_bind_text(s, 2, pl_proto_name(w->proto), -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct pl_elsewhere *p = realloc(w->elsewhere, (w->nelsewhere + 1) * sizeof(*p));
		const char *fam = (const char *)sqlite3_column_text(s, 0);

		if (p == NULL)
			break;
		w->elsewhere = p;
		p = &p[w->nelsewhere];
		p->system = strncmp(fam, "macos-", 6) == 0 ? "macOS" : "Windows";
		if ((p->name = keep(w, s, 1)) == NULL || (p->role = keep(w, s, 2)) == NULL ||
		    (p->summary = keep(w, s, 3)) == NULL)
			break;
		w->nelsewhere++;
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW)
		return pl_err_set(err, -PL_ENOMEM, "out of memory");
	return rc == SQLITE_DONE ? 0 :
	    pl_err_set(err, -PL_ESTORE, "store %s: %s", st->path, sqlite3_errmsg(st->db));
}

/* What the sockets and the host's settings say, before any lore. */
static int
from_host(struct pl_bind_why *w, const struct pl_socklist *l, uint16_t port,
    enum pl_proto proto, const char *root, const struct pl_bind_why *host, struct pl_err *err)
{
	int rc = 0;

	memset(w, 0, sizeof(*w));
	w->port = port;
	w->proto = proto;
	if (host != NULL) {
		w->os = host->os;
		w->bindv6only = host->bindv6only;
	} else {
		if ((rc = pl_os_ranges_read(&w->os, root, err)) != 0)
			return rc;
		w->bindv6only = pl_plat_bindv6only(root);
	}
	for (size_t i = 0; i < l->n && rc == 0; i++) {
		const struct pl_socket *s = &l->v[i];

		if (s->lport != port || s->proto != proto)
			continue;
		if (pl_sock_is_listener(s))
			rc = push(&w->listeners, &w->nlisteners, i);
		else if (s->state == PL_TCP_TIME_WAIT)
			w->timewait++;
		else if (s->state != PL_TCP_NEW_SYN_RECV && s->state != PL_TCP_SYN_RECV)
			rc = push(&w->outgoing, &w->noutgoing, i);
	}
	if (rc != 0) {
		pl_bind_why_free(w);
		return pl_err_set(err, rc, "out of memory");
	}
	return 0;
}

int
pl_bind_why_build(struct pl_bind_why *w, const struct pl_socklist *l, uint16_t port,
    enum pl_proto proto, const char *root, const struct pl_bind_why *host,
    struct pl_store *st, struct pl_err *err)
{
	int rc;

	if ((rc = from_host(w, l, port, proto, root, host, err)) != 0)
		return rc;
	if (st != NULL && (rc = load_elsewhere(w, st, err)) != 0)
		pl_bind_why_free(w);
	return rc;
}

int
pl_bind_why_build_index(struct pl_bind_why *w, const struct pl_socklist *l,
    uint16_t port, enum pl_proto proto, const char *root, const struct pl_bind_why *host,
    struct pl_index *ix, struct pl_err *err)
{
	int rc;

	if ((rc = from_host(w, l, port, proto, root, host, err)) != 0)
		return rc;
	if ((rc = pl__index_elsewhere(ix, w, err)) != 0)
		pl_bind_why_free(w);
	return rc;
}

void
pl_bind_why_free(struct pl_bind_why *w)
{
	free(w->outgoing);
	free(w->listeners);
	free(w->elsewhere);
	for (size_t i = 0; i < w->nstore_strings; i++)
		free(w->store_strings[i]);
	free(w->store_strings);
	memset(w, 0, sizeof(*w));
}
