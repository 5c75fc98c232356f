/*
 * audit.c: the rules that judge a listener.
 *
 * Findings, from most to least severe:
 * - a listener reachable beyond loopback on a port where lore knows a high or critical
 *   risk (unauthenticated management APIs: Docker 2375, kubelet 10250, Redis, ...):
 *   the entry's own risk when the owner matches its hints ("observed"), else one level
 *   lower, said to be inferred from the port number;
 * - a port lore knows from malware ("inferred": the number alone proves nothing);
 * - a process running as root on an unprivileged port reachable beyond loopback;
 * - a service nothing knows about, listening on all interfaces.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portlore/audit.h"
#include "portlore/report.h"

static const char *const sev_names[] = { "info", "low", "medium", "high", "critical" };

const char *
pl_sev_name(int sev)
{
	return sev >= PL_SEV_INFO && sev <= PL_SEV_CRITICAL ? sev_names[sev] : "none";
}

int
pl_sev_parse(const char *s)
{
	for (int i = 0; s != NULL && i <= PL_SEV_CRITICAL; i++)
		if (strcmp(s, sev_names[i]) == 0)
			return i;
	return -1;
}

/* Lore's word on a listener's port: the most severe specific uses, and whether the
 * owner's hints matched them. */
static void
judge(const struct pl_socket *s, const struct pl_proc *p, const struct pl_report *r,
    struct pl_audit_listener *al)
{
	struct pl_finding *f = al->f;
	char addr[80];
	bool exposed = s->scope != PL_SCOPE_LOOPBACK;
	size_t specific = 0, *nf = &al->nf;

	/* The use the holder's own evidence names; a use named by the port number alone
	 * ("port only") proves nothing about the process. */
	const char *named = s->ident == NULL ? s->lore_id :
	    s->ident->confidence >= PL_ID_LIKELY ? s->ident->id : NULL;

	pl_sock_addr(addr, sizeof(addr), s->family, s->laddr, s->lport);
	for (size_t i = 0; i < r->nuses && *nf < PL_AUDIT_MAX_FINDINGS; i++) {
		const struct pl_lore_use *u = &r->uses[i];
		int risk = pl_sev_parse(u->risk);
		bool matched = named != NULL && strcmp(named, u->id) == 0;

		specific += !u->broad;
		if (u->broad || (named != NULL && !matched))
			continue;
		if (strcmp(u->kind, "malware") == 0) {
			f[*nf].sev = matched ? PL_SEV_CRITICAL : PL_SEV_MEDIUM;
			f[*nf].prov = matched ? "observed" : "inferred";
			snprintf(f[*nf].reason, sizeof(f->reason), "port %u is known from %s (malware)%s",
			    (unsigned)s->lport, u->name, matched ? " and the process matches it" :
			    "; check the process");
			(*nf)++;
		} else if (exposed && risk >= PL_SEV_HIGH) {
			f[*nf].sev = matched ? (enum pl_sev)risk : (enum pl_sev)(risk - 1);
			f[*nf].prov = matched ? "observed" : "inferred";
			snprintf(f[*nf].reason, sizeof(f->reason), "%s %s on %s, reachable beyond "
			    "loopback: %s", matched ? "" : "port of", u->name, addr, u->risk_why);
			(*nf)++;
		}
	}
	if (exposed && p != NULL && p->uid == 0 && s->lport >= 1024 &&
	    *nf < PL_AUDIT_MAX_FINDINGS) {
		f[*nf].sev = PL_SEV_LOW;
		f[*nf].prov = "observed";
		snprintf(f[*nf].reason, sizeof(f->reason), "%s (pid %d) runs as root on "
		    "unprivileged port %u reachable beyond loopback", p->comm, (int)p->pid,
		    (unsigned)s->lport);
		(*nf)++;
	}
	if (s->scope == PL_SCOPE_ALL && s->registry == NULL && specific == 0 &&
	    *nf < PL_AUDIT_MAX_FINDINGS) {
		f[*nf].sev = PL_SEV_LOW;
		f[*nf].prov = "observed";
		snprintf(f[*nf].reason, sizeof(f->reason), "unknown service on all interfaces "
		    "(%s): neither the registry nor lore knows port %u", addr, (unsigned)s->lport);
		(*nf)++;
	}
}

/*
 * What a listener is, and how sure: the identification's use and confidence when it
 * named one (identify.h), else the registry's name for the port ("port-only"), else
 * nothing ("unknown"). Confidence words are one token each, for labels and queries.
 */
static void
identity(const struct pl_socket *s, struct pl_audit_listener *al)
{
	static const char *const conf[] = { "unknown", "port-only", "ambiguous", "likely",
		"confirmed" };
	const struct pl_identified *id = s->ident;

	if (id != NULL && id->id != NULL) {
		al->service = id->id;
		al->confidence = (unsigned)id->confidence < 5 ? conf[id->confidence] : "unknown";
	} else if (s->lore_id != NULL) {
		al->service = s->lore_id;
		al->confidence = "likely";
	} else {
		al->service = s->registry ? s->registry : "";
		al->confidence = id != NULL && id->confidence == PL_ID_AMBIGUOUS ? "ambiguous" :
		    s->registry ? "port-only" : "unknown";
	}
}

/* Listeners in port and protocol order, so that one report serves every listener of
 * the same port (containers and namespaces repeat ports many times over). */
static int
cmp_port(const void *a, const void *b, void *list)
{
	const struct pl_socklist *l = list;
	const struct pl_socket *x = &l->v[*(const size_t *)a];
	const struct pl_socket *y = &l->v[*(const size_t *)b];

	if (x->lport != y->lport)
		return x->lport < y->lport ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

int
pl_audit_build(struct pl_store *st, const struct pl_socklist *l, struct pl_audit *out,
    struct pl_err *err)
{
	const struct pl_report_opts ro = { .no_host = true };
	struct pl_report r;
	size_t *idx = NULL, n = 0;
	bool have = false;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->worst = PL_SEV_NONE;
	if (l->n == 0)
		return 0;
	if ((out->v = calloc(l->n, sizeof(*out->v))) == NULL ||
	    (idx = calloc(l->n, sizeof(*idx))) == NULL) {
		free(out->v);
		out->v = NULL;
		return pl_err_set(err, -PL_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < l->n; i++)
		if (pl_sock_is_listener(&l->v[i]))
			idx[n++] = i;
	qsort_r(idx, n, sizeof(*idx), cmp_port, (void *)(uintptr_t)l);
	for (size_t k = 0; k < n; k++) {
		const struct pl_socket *s = &l->v[idx[k]];
		struct pl_audit_listener *al = &out->v[idx[k]];

		if (!have || r.port != s->lport || r.proto != s->proto) {
			if (have)
				pl_report_free(&r);
			if ((rc = pl_report_build(st, s->lport, s->proto, &ro, &r, err)) != 0) {
				have = false;
				break;
			}
			have = true;
		}
		al->s = s;
		al->p = s->nowners ? &l->procs[s->owners[0]] : NULL;
		identity(s, al);
		al->worst = PL_SEV_NONE;
		judge(s, al->p, &r, al);
		for (size_t f = 0; f < al->nf; f++)
			if ((int)al->f[f].sev > al->worst)
				al->worst = (int)al->f[f].sev;
		if (al->worst > out->worst)
			out->worst = al->worst;
	}
	if (have)
		pl_report_free(&r);
	free(idx);
	if (rc != 0) {
		pl_audit_free(out);
		return rc;
	}
	/* Back to the list's order, without the sockets that don't listen. */
	for (size_t i = 0; i < l->n; i++)
		if (out->v[i].s != NULL)
			out->v[out->n++] = out->v[i];
	return 0;
}

void
pl_audit_free(struct pl_audit *a)
{
	free(a->v);
	memset(a, 0, sizeof(*a));
	a->worst = PL_SEV_NONE;
}
