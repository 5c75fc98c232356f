/*
 * sockfilter.c: the sockets a user asked for, by port spec and by owner (user, unit,
 * container). The rules `ls`, `who` and `kill` share.
 */
#include <stdlib.h>
#include <string.h>

#include "portlore/sockfilter.h"

int
pl_sock_filter_query(const struct pl_sock_filter *f, struct pl_sock_query *q,
    struct pl_err *err)
{
	for (size_t i = 0; i < f->spec.n; i++) {
		const struct pl_portspec_item *it = &f->spec.items[i];

		/* Sockets have numbers and are tcp or udp here: a name would need the store. */
		if (it->name[0] != '\0' || (it->proto != PL_PROTO_ANY && it->proto != PL_PROTO_TCP &&
		    it->proto != PL_PROTO_UDP))
			return pl_err_set(err, -PL_EUSAGE, "port spec '%s': give a port number or "
			    "range, with /tcp or /udp if you like", it->name[0] ? it->name :
			    pl_proto_name(it->proto));
		if (i == 0 || it->lo < q->lo)
			q->lo = it->lo;
		if (i == 0 || it->hi > q->hi)
			q->hi = it->hi;
	}
	/* Port 0 can't be listened on; "0-0" would read as "every port". */
	if (f->spec.n > 0 && q->hi == 0) {
		q->lo = 1;
		q->hi = 0;
	}
	return 0;
}

static bool
in_spec(const struct pl_sock_filter *f, const struct pl_socket *s)
{
	if (f->spec.n == 0)
		return true;
	for (size_t i = 0; i < f->spec.n; i++) {
		const struct pl_portspec_item *it = &f->spec.items[i];

		if (s->lport >= it->lo && s->lport <= it->hi &&
		    (it->proto == PL_PROTO_ANY || it->proto == s->proto))
			return true;
	}
	return false;
}

/* s starts with prefix. */
static bool
starts(const char *s, const char *prefix)
{
	return s != NULL && strncmp(s, prefix, strlen(prefix)) == 0;
}

bool
pl_sock_filter_owner(const struct pl_sock_filter *f, const struct pl_proc *p)
{
	const char *u = f->user;
	char *end;

	/* A user by name, or by a UID (which need not have a name). */
	if (u && !(p->user && strcmp(p->user, u) == 0) &&
	    !(strtol(u, &end, 10) == (long)p->uid && *u && *end == '\0'))
		return false;
	/* A unit by its name, or without its ".service". */
	if (f->unit && !(p->unit && (strcmp(p->unit, f->unit) == 0 ||
	    (starts(p->unit, f->unit) && strcmp(p->unit + strlen(f->unit), ".service") == 0))))
		return false;
	/* A container by its engine, or by the start of its id or pod. */
	if (f->container && !(p->container_kind && (strcmp(p->container_kind, f->container) == 0 ||
	    starts(p->container_id, f->container) || starts(p->pod, f->container))))
		return false;
	return true;
}

void
pl_sock_filter_apply(const struct pl_sock_filter *f, struct pl_socklist *l)
{
	bool by_owner = f->user || f->unit || f->container;
	size_t k = 0;

	for (size_t i = 0; i < l->n; i++) {
		struct pl_socket *s = &l->v[i];
		bool keep = in_spec(f, s);

		if (keep && by_owner) {
			keep = false;
			for (size_t j = 0; j < s->nowners && !keep; j++)
				keep = pl_sock_filter_owner(f, &l->procs[s->owners[j]]);
		}
		if (keep)
			l->v[k++] = *s;
		else
			free(s->owners);
	}
	l->n = k;
}

void
pl_sock_filter_free(struct pl_sock_filter *f)
{
	pl_portspec_free(&f->spec);
}
