/*
 * Choosing a port for a new service: one that the registry leaves unassigned, no lore
 * names, scanners rarely find open, the kernel won't hand out as an ephemeral port,
 * needs no privilege, browsers don't refuse, and nothing on this host holds now.
 * Each criterion comes back with its verdict, the fact behind it and its provenance.
 *
 * Ownership: results are plain values; pl_pick() returns an array the caller frees
 * with free().
 */
#ifndef PORTLORE_PICK_H
#define PORTLORE_PICK_H

#include <stdbool.h>
#include <stdint.h>

#include "portlore/error.h"
#include "portlore/portspec.h"
#include "portlore/report.h"
#include "portlore/store.h"

enum pl_pick_crit {
	PL_PICK_UNASSIGNED,       /* the current snapshot says Unassigned */
	PL_PICK_NO_LORE,          /* no lore entry names the port */
	PL_PICK_RARE,             /* outside nmap's 1000 most frequently open ports */
	PL_PICK_NOT_DYNAMIC,      /* below IANA's dynamic range 49152-65535 */
	PL_PICK_NOT_EPHEMERAL,    /* outside this host's ip_local_port_range (or reserved) */
	PL_PICK_UNPRIVILEGED,     /* at or above ip_unprivileged_port_start */
	PL_PICK_BROWSERS,         /* not on the browsers' blocked-port lists */
	PL_PICK_NOT_BOUND,        /* no local socket on it now (/proc/net) */
	PL_PICK_NCRIT
};

enum pl_verdict { PL_PASS, PL_FAIL, PL_UNKNOWN };

/* Returns "unassigned", "no-lore", ... and "pass", "fail", "unknown". */
const char *pl_pick_crit_key(enum pl_pick_crit c);
const char *pl_verdict_name(enum pl_verdict v);

/* nmap's default scan probes its 1000 most frequently open ports: those are "often
 * seen open". */
#define PL_PICK_NMAP_TOP 1000

struct pl_pick_fact {
	enum pl_verdict verdict;
	enum pl_prov prov;
	char fact[320];
};

struct pl_pick_result {
	uint16_t port;
	enum pl_proto proto;
	bool good;                /* no criterion failed */
	char snapshot[32];        /* the registry snapshot consulted, "" when none */
	struct pl_pick_fact c[PL_PICK_NCRIT];
};

struct pl_pick_opts {
	int count;                /* how many ports, 1-1000 */
	enum pl_proto proto;      /* PL_PROTO_TCP or PL_PROTO_UDP */
	bool have_near;           /* closest to near first, instead of a seeded order */
	uint16_t near;
	uint16_t lo, hi;          /* candidates, inclusive */
	uint64_t seed;
	const char *proc_root;    /* NULL or "" for "/" (PORTLORE_PROC_ROOT) */
};

/*
 * Finds up to o->count good ports. Same store, host and options, same answer.
 * Returns the number found (0 or more; *out owned by the caller, free()), or
 * -PL_EUSAGE, -PL_ESTORE, -PL_EDATA (a malformed /proc file), -PL_ENOMEM with err set.
 */
int pl_pick(struct pl_store *st, const struct pl_pick_opts *o, struct pl_pick_result **out,
    struct pl_err *err);

/* Judges one port against every criterion. Returns 0 or a negative code as above. */
int pl_pick_check(struct pl_store *st, uint16_t port, enum pl_proto proto,
    const char *proc_root, struct pl_pick_result *out, struct pl_err *err);

#endif
