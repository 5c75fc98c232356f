/*
 * hints.c: name what holds a socket. The registry gives the port's service name; the
 * identifier (host/identify.c) weighs each listener's process, command line,
 * executable, package and unit against lore's candidates: ncidd on 3333 is NCID, a
 * miner binary there is Claymore's API, nc there is neither.
 */
#include <stdlib.h>
#include <string.h>

#include "portlore/identify.h"
#include "portlore/sockets.h"
#include "registry/index-internal.h"
#include "registry/store-internal.h"

/* Beyond this many distinct ports, one pass over the registry beats one query each. */
#define BULK_PORTS 256

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

/* Moves the result's lent strings into the list, which outlives the candidates. */
static int
keep_ident(struct pl_socklist *l, struct pl_identified *id)
{
	if (id->id && ((id->id = keep(l, id->id)) == NULL || (id->name = keep(l, id->name)) == NULL))
		return -PL_ENOMEM;
	for (size_t i = 0; i < id->ncand; i++)
		if ((id->cand[i].id = keep(l, id->cand[i].id)) == NULL ||
		    (id->cand[i].name = keep(l, id->cand[i].name)) == NULL)
			return -PL_ENOMEM;
	return 0;
}

/* The Debian package of each owner's executable, one walk over dpkg's lists. */
static int
packages(struct pl_socklist *l, const char *dpkg_info)
{
	const char **exes = calloc(l->nprocs, sizeof(*exes));
	char **pkgs = calloc(l->nprocs, sizeof(*pkgs));
	int rc = -PL_ENOMEM;

	if (exes != NULL && pkgs != NULL) {
		for (size_t i = 0; i < l->nprocs; i++)
			exes[i] = l->procs[i].exe;
		if ((rc = pl_dpkg_owners(dpkg_info, exes, l->nprocs, pkgs)) == 0)
			for (size_t i = 0; i < l->nprocs; i++)
				l->procs[i].package = pkgs[i];
	}
	free(exes);
	free(pkgs);
	return rc;
}

static bool
wants_ident(const struct pl_socket *s)
{
	return s->nowners > 0 && pl_sock_is_listener(s);
}

/* Listeners in the order they are identified in: by first owner, then port and protocol,
 * so that the identifier weighs each process's facts once (it remembers the last) and
 * the IPv4 and IPv6 listeners of one port follow each other. */
struct slot {
	size_t owner, sock;
	uint16_t port;
	int proto;
};

static int
cmp_slot(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;

	if (x->owner != y->owner)
		return x->owner < y->owner ? -1 : 1;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto - y->proto;
	return (x->sock > y->sock) - (x->sock < y->sock);
}

/* Identifies the holder of each listener from its first owner (identify.h), with the
 * candidates of the lookup index when there is one (ix), else of the store. */
static int
annotate_lore(struct pl_store *st, struct pl_index *ix, struct pl_socklist *l,
    const char *dpkg_info, struct pl_err *err)
{
	struct pl_id_candidates c = { 0 };
	struct pl_idmatch *m = NULL;
	const struct pl_socket *prev = NULL;
	struct slot *order = NULL;
	size_t n = 0;
	int rc;

	for (size_t i = 0; i < l->n; i++)
		n += wants_ident(&l->v[i]);
	if (n == 0)
		return 0;
	if ((order = malloc(n * sizeof(*order))) == NULL)
		return pl_err_set(err, -PL_ENOMEM, "identification: out of memory");
	for (size_t i = 0, k = 0; i < l->n; i++)
		if (wants_ident(&l->v[i]))
			order[k++] = (struct slot){ l->v[i].owners[0], i, l->v[i].lport,
				(int)l->v[i].proto };
	qsort(order, n, sizeof(*order), cmp_slot);
	if ((rc = ix ? pl__index_candidates(ix, &c, err) : pl_id_candidates_load(st, &c, err)) != 0) {
		free(order);
		return rc;
	}
	if ((rc = pl_idmatch_new_forms(&m, c.v, c.n, c.forms)) == 0)
		rc = packages(l, dpkg_info);
	for (size_t k = 0; k < n && rc == 0; k++) {
		struct pl_socket *s = &l->v[order[k].sock];
		struct pl_proc *p = &l->procs[s->owners[0]];

		if ((s->ident = malloc(sizeof(*s->ident))) == NULL) {
			rc = -PL_ENOMEM;
			break;
		}
		/* The IPv4 and IPv6 listeners of one process and port weigh the same. */
		if (prev && prev->owners[0] == s->owners[0] && prev->lport == s->lport &&
		    prev->proto == s->proto) {
			*s->ident = *prev->ident;
		} else {
			struct pl_id_evidence e = { .port = s->lport, .proto = s->proto,
				.comm = p->comm, .cmdline = p->cmdline, .exe = p->exe,
				.package = p->package, .unit = p->unit,
				.image = p->container_image };

			if ((rc = pl_identify(m, &e, s->ident)) == 0)
				rc = keep_ident(l, s->ident);
		}
		prev = s;
		s->lore_id = s->ident->id;
		s->lore_name = s->ident->name;
		for (size_t o = 0; o < s->nowners && s->lore_id; o++)
			if (l->procs[s->owners[o]].lore_id == NULL) {
				l->procs[s->owners[o]].lore_id = s->lore_id;
				l->procs[s->owners[o]].lore_name = s->lore_name;
			}
	}
	free(order);
	pl_idmatch_free(m);
	pl_id_candidates_free(&c);
	if (rc == -PL_ENOMEM)
		pl_err_set(err, rc, "identification: out of memory");
	return rc;
}

/* Registry names, one query per port (few ports) or one pass (many). */
static int
annotate_registry(struct pl_store *st, struct pl_socklist *l, struct pl_err *err)
{
	static const char one[] = "SELECT service FROM record WHERE snapshot = ?1 AND lo = ?2"
	    " AND hi = ?2 AND (proto = ?3 OR proto = '') AND service <> '' ORDER BY line LIMIT 1";
	static const char all[] = "SELECT lo, proto, service FROM record WHERE snapshot = ?1"
	    " AND lo = hi AND service <> '' AND proto IN ('tcp', 'udp', '') ORDER BY line DESC";
	const char **names = NULL;          /* [proto == udp][port] */
	sqlite3_stmt *s = NULL;
	int rc = SQLITE_DONE;

	if (st->current_id == 0 || l->n == 0)
		return 0;
	if (l->n > BULK_PORTS) {
		if ((names = calloc(2 * 65536, sizeof(*names))) == NULL)
			return pl_err_set(err, -PL_ENOMEM, "out of memory");
		/* Mark the ports in use; only their names are kept. */
		for (size_t i = 0; i < l->n; i++)
			names[(l->v[i].proto == PL_PROTO_UDP) * 65536 + l->v[i].lport] = "";
		if (sqlite3_prepare_v2(st->db, all, -1, &s, NULL) != SQLITE_OK)
			goto fail;
		sqlite3_bind_int64(s, 1, st->current_id);
		/* Rows come last-line first, so the registry's first row for a port wins. */
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			int port = sqlite3_column_int(s, 0);
			const char *proto = (const char *)sqlite3_column_text(s, 1);
			const char *kept;
			bool t, u;

			if (port < 0 || port > 65535)
				continue;
			t = strcmp(proto, "udp") != 0 && names[port] != NULL;
			u = strcmp(proto, "tcp") != 0 && names[65536 + port] != NULL;
			if ((!t && !u) || (kept = keep(l, (const char *)sqlite3_column_text(s, 2))) == NULL)
				continue;
			if (t)
				names[port] = kept;
			if (u)
				names[65536 + port] = kept;
		}
		for (size_t i = 0; i < l->n; i++) {
			const char *n = names[(l->v[i].proto == PL_PROTO_UDP) * 65536 + l->v[i].lport];

			l->v[i].registry = n && *n ? n : NULL;
		}
		free(names);
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
	rc = store_fail(st, err);
	sqlite3_finalize(s);
	return rc;
}

/* Registry names from the lookup index: one port entry each, no query. */
static int
annotate_registry_index(struct pl_index *ix, struct pl_socklist *l, struct pl_err *err)
{
	for (size_t i = 0; i < l->n; i++) {
		const char *name;
		int rc;

		if ((rc = pl__index_service(ix, l->v[i].lport, l->v[i].proto, &name, err)) != 0)
			return rc;
		if (name != NULL && (l->v[i].registry = keep(l, name)) == NULL)
			return pl_err_set(err, -PL_ENOMEM, "out of memory");
	}
	return 0;
}

/* The one identification pass: from the index when there is one (ix), else from the
 * store (st); with neither, only the host's own facts (container images). */
static int
identify(struct pl_store *st, struct pl_index *ix, struct pl_socklist *l,
    const char *dpkg_info, struct pl_err *err)
{
	int rc;

	/* Container images are host facts the identifier weighs; the root seam lets tests
	 * replay a runtime's records. */
	if ((rc = pl_container_images(l, getenv("PORTLORE_CONTAINER_ROOT"))) != 0)
		return pl_err_set(err, rc, "container images: out of memory");
	if (st == NULL && ix == NULL)
		return 0;
	if ((rc = ix ? annotate_registry_index(ix, l, err) : annotate_registry(st, l, err)) != 0)
		return rc;
	return annotate_lore(st, ix, l, dpkg_info, err);
}

int
pl_sockets_identify_index(struct pl_index *ix, struct pl_socklist *l, const char *dpkg_info,
    struct pl_err *err)
{
	return identify(NULL, ix, l, dpkg_info, err);
}

int
pl_sockets_identify(struct pl_store *st, struct pl_socklist *l, const char *dpkg_info,
    struct pl_err *err)
{
	return identify(st, NULL, l, dpkg_info, err);
}

int
pl_sockets_annotate(struct pl_store *st, struct pl_socklist *l, struct pl_err *err)
{
	return pl_sockets_identify(st, l, NULL, err);
}
