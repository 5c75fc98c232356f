/*
 * Port specifications as users write them: "3333", "3333/tcp", "3000-3010", "ssh",
 * "22,80,443", "http/udp". Parsing is pure: names are kept as names and resolved
 * later against the store (see pl_store_resolve_name()).
 *
 * Ownership: pl_portspec_parse() fills a caller-owned struct; release its items with
 * pl_portspec_free(). Strings inside point into the items' own storage.
 */
#ifndef PORTLORE_PORTSPEC_H
#define PORTLORE_PORTSPEC_H

#include <stddef.h>
#include <stdint.h>

#include "portlore/error.h"

enum pl_proto {
	PL_PROTO_ANY = 0,
	PL_PROTO_TCP,
	PL_PROTO_UDP,
	PL_PROTO_SCTP,
	PL_PROTO_DCCP,
	PL_PROTO_COUNT
};

#define PL_PORTSPEC_MAX 4096   /* longest spec accepted, in bytes */
#define PL_NAME_MAX 64         /* longest service name (RFC 6335 allows 15) */

struct pl_portspec_item {
	uint16_t lo, hi;          /* a port or an inclusive range; unused for names */
	enum pl_proto proto;      /* PL_PROTO_ANY when not given */
	char name[PL_NAME_MAX + 1]; /* non-empty for a service name */
};

struct pl_portspec {
	struct pl_portspec_item *items;
	size_t n;
};

/* Returns "tcp", "udp", "sctp", "dccp" or "" for PL_PROTO_ANY. */
const char *pl_proto_name(enum pl_proto p);

/* Parses a protocol name (case-insensitive); returns PL_PROTO_ANY when unknown. */
enum pl_proto pl_proto_parse(const char *s, size_t len);

/*
 * Parses one spec, appending its comma-separated items to spec. Returns 0, or
 * -PL_EUSAGE / -PL_ETOOBIG with err naming the spec and what is wrong.
 */
int pl_portspec_parse(struct pl_portspec *spec, const char *text, struct pl_err *err);

void pl_portspec_free(struct pl_portspec *spec);

#endif
