/*
 * The audit of this machine's listeners: for each one, its exposure, what it is
 * (registry name, lore use matched by its process), and findings with a severity, a
 * reason and a provenance. `portlore audit` prints it; `ls --format prometheus` and a
 * loopback server's /metrics export it as metrics.
 *
 * Ownership: pl_audit_build() fills a caller-owned struct pl_audit that lends pointers
 * into the socket list it was built from (keep the list until pl_audit_free()).
 */
#ifndef PORTLORE_AUDIT_H
#define PORTLORE_AUDIT_H

#include <stddef.h>

#include "portlore/error.h"
#include "portlore/sockets.h"

struct pl_store;

enum pl_sev { PL_SEV_INFO, PL_SEV_LOW, PL_SEV_MEDIUM, PL_SEV_HIGH, PL_SEV_CRITICAL };
#define PL_SEV_NONE (-1)

/* Returns "info" ... "critical", or "none" for PL_SEV_NONE. */
const char *pl_sev_name(int sev);
/* Returns the severity named by s, or -1. */
int pl_sev_parse(const char *s);

#define PL_AUDIT_MAX_FINDINGS 4

struct pl_finding {
	enum pl_sev sev;
	const char *prov;          /* "observed" or "inferred" */
	char reason[600];
};

struct pl_audit_listener {
	const struct pl_socket *s;  /* lent from the socket list */
	const struct pl_proc *p;    /* its first owner, or NULL when none was seen */
	/* What it is: the lore use identification named, with its confidence
	 * ("confirmed", "likely", "port-only"), else the registry's name for the port
	 * ("port-only", or "ambiguous" when uses tie), else "" ("unknown"). Lent. */
	const char *service, *confidence;
	struct pl_finding f[PL_AUDIT_MAX_FINDINGS];
	size_t nf;
	int worst;                  /* enum pl_sev, or PL_SEV_NONE without findings */
};

struct pl_audit {
	struct pl_audit_listener *v;
	size_t n;
	int worst;                  /* over every listener, or PL_SEV_NONE */
};

/*
 * Judges every listener of l (annotated with pl_sockets_identify) against the store's
 * lore. Returns 0, -PL_ESTORE or -PL_ENOMEM (err says what).
 */
int pl_audit_build(struct pl_store *st, const struct pl_socklist *l, struct pl_audit *out,
    struct pl_err *err);
void pl_audit_free(struct pl_audit *a);

#endif
