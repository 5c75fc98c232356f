/*
 * Which of this machine's sockets a user asked for (`ls`, `who`, `kill`): port specs
 * (numbers and ranges, with an optional tcp or udp) and owner filters (user, systemd
 * unit, container). The collector (sockets.h) takes the specs' span as its query; the
 * filter then keeps the sockets that match a spec and, with an owner filter, whose
 * owner matches too.
 *
 * Ownership: the filter owns its spec (pl_sock_filter_free()); the owner strings are
 * the caller's and must outlive it.
 */
#ifndef PORTLORE_SOCKFILTER_H
#define PORTLORE_SOCKFILTER_H

#include <stdbool.h>

#include "portlore/error.h"
#include "portlore/portspec.h"
#include "portlore/sockets.h"

struct pl_sock_filter {
	struct pl_portspec spec;      /* no items: every port */
	const char *user;             /* a user name or a UID; NULL: any */
	const char *unit;             /* a systemd unit, ".service" may be left out */
	const char *container;        /* "docker", "podman", ..., or a prefix of an id or pod */
};

/*
 * Checks f's specs (parsed into f->spec by pl_portspec_parse()) and sets q's port
 * range to their span: every port when there are none, none for port 0 (which
 * nothing listens on). Returns 0, or -PL_EUSAGE for a service name or a protocol
 * other than tcp and udp (err says which).
 */
int pl_sock_filter_query(const struct pl_sock_filter *f, struct pl_sock_query *q,
    struct pl_err *err);

/* Whether process p passes the owner filters. */
bool pl_sock_filter_owner(const struct pl_sock_filter *f, const struct pl_proc *p);

/* Keeps the sockets of l that a spec selects and, with an owner filter, one of whose
 * owners passes it, in order. */
void pl_sock_filter_apply(const struct pl_sock_filter *f, struct pl_socklist *l);

void pl_sock_filter_free(struct pl_sock_filter *f);

#endif
