/*
 * The audit of this machine's listeners: each listener of every network namespace
 * portlore can read, with findings (a severity, the reason, a provenance and a
 * concrete remedy), listeners and findings in order of severity.
 *
 * Ownership: pl_audit_build() fills a caller-owned struct pl_audit, released with
 * pl_audit_free() (safe on a zeroed one). It points into the socket list it was built
 * from, which must outlive it.
 */
#ifndef PORTLORE_AUDIT_H
#define PORTLORE_AUDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "portlore/error.h"
#include "portlore/sockets.h"

struct pl_store;

enum pl_sev { PL_SEV_INFO, PL_SEV_LOW, PL_SEV_MEDIUM, PL_SEV_HIGH, PL_SEV_CRITICAL,
	PL_SEV_COUNT };

/* "info" ... "critical"; pl_sev_parse returns -1 for another word. */
const char *pl_sev_name(enum pl_sev s);
int pl_sev_parse(const char *s);

struct pl_finding {
	enum pl_sev sev;
	const char *rule;        /* "exposed-risk", "malware-port", "root-unprivileged",
	                          * "unknown-exposed" */
	const char *prov;        /* "observed" or "inferred" */
	char lore_id[64];        /* the lore entry the finding is about, or "" */
	char lore_risk[16];      /* that entry's own risk level, or "" */
	char reason[600];
	char remedy[400];        /* what to do: bind to loopback, a firewall rule, ... */
};

struct pl_audit_listener {
	const struct pl_socket *s;     /* lent from the socket list */
	const struct pl_proc *p;       /* its first owner, or NULL */
	char netns[96];                /* "host" (the caller's), an ip netns name, net:[INODE] */
	bool own_netns;
	struct pl_finding *f; size_t nf;   /* most severe first */
	int worst;                     /* enum pl_sev of the first finding, or -1 */
};

struct pl_audit {
	struct pl_audit_listener *v; size_t n;   /* most severe first, then by port */
	size_t counts[PL_SEV_COUNT];   /* findings per severity */
	size_t findings;
	int worst;                     /* -1 when there is no finding */
	size_t namespaces;             /* network namespaces covered, the caller's included */
};

/*
 * Judges every listener of l (sockets from pl_sockets_collect with owners, annotated
 * with pl_sockets_annotate) against the registry and lore in st. Every finding is
 * kept. Returns 0, -PL_ENOMEM, or the store's error.
 */
int pl_audit_build(struct pl_store *st, const struct pl_socklist *l, struct pl_audit *a,
    struct pl_err *err);
void pl_audit_free(struct pl_audit *a);

#endif
