/*
 * audit.c: the audit's severity rules (see portlore/audit.h).
 *
 * Findings, from most to least severe:
 * - a listener reachable beyond loopback on a port where lore knows a high or critical
 *   risk (unauthenticated management APIs: Docker 2375, kubelet 10250, Redis, telnet,
 *   ...): the entry's own risk when the owner matches its hints ("observed"), else one
 *   level lower, said to be inferred from the port number;
 * - a port lore knows from malware ("inferred": the number alone proves nothing);
 * - a process running as root on an unprivileged port reachable beyond loopback;
 * - a service nothing knows about, listening on all interfaces.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "portlore/audit.h"
#include "portlore/netns.h"
#include "portlore/report.h"

static const char *const sev_names[] = { "info", "low", "medium", "high", "critical" };

const char *
pl_sev_name(enum pl_sev s)
{
	return s >= PL_SEV_INFO && s < PL_SEV_COUNT ? sev_names[s] : "?";
}

int
pl_sev_parse(const char *s)
{
	for (int i = 0; i < PL_SEV_COUNT; i++)
		if (strcmp(s, sev_names[i]) == 0)
			return i;
	return -1;
}

/* A finding slot, growing the array; NULL when out of memory. */
static struct pl_finding *
add(struct pl_audit_listener *al, enum pl_sev sev, const char *rule, const char *prov)
{
	struct pl_finding *f = realloc(al->f, (al->nf + 1) * sizeof(*f));

	if (f == NULL)
		return NULL;
	al->f = f;
	f = &al->f[al->nf++];
	memset(f, 0, sizeof(*f));
	f->sev = sev;
	f->rule = rule;
	f->prov = prov;
	return f;
}

/* "tcp dport 23": the nftables match for the listener's port. */
static void
nft_match(char *buf, size_t len, const struct pl_socket *s)
{
	snprintf(buf, len, "%s dport %u", pl_proto_name(s->proto), (unsigned)s->lport);
}

/* The remedy for a service reachable beyond loopback that should not be. */
static void
exposure_remedy(char *buf, size_t len, const struct pl_socket *s, const struct pl_proc *p)
{
	char m[32];

	nft_match(m, sizeof(m), s);
	bool v6 = s->family == AF_INET6;

	/* The documentation prefixes (RFC 5737, RFC 3849) stand for the user's network. */
	snprintf(buf, len, "bind it to %s if only this machine uses it; else allow only "
	    "trusted sources (nft add rule inet filter input %s %s saddr != %s drop, with your "
	    "network); or disable the service%s%s%s", v6 ? "::1" : "127.0.0.1", m,
	    v6 ? "ip6" : "ip", v6 ? "2001:db8::/32" : "192.0.2.0/24",
	    p && p->unit ? " (systemctl disable --now " : "", p && p->unit ? p->unit : "",
	    p && p->unit ? ")" : "");
}

static int
judge_lore(struct pl_audit_listener *al, const struct pl_report *r, const char *addr,
    size_t *specific)
{
	const struct pl_socket *s = al->s;
	bool exposed = s->scope != PL_SCOPE_LOOPBACK;
	struct pl_finding *f;

	for (size_t i = 0; i < r->nuses; i++) {
		const struct pl_lore_use *u = &r->uses[i];
		/* A risk lore scopes to the entry's other ports is not this port's. */
		int risk = pl_sev_parse(pl_use_risk(u));
		bool matched = s->lore_id != NULL && strcmp(s->lore_id, u->id) == 0;

		*specific += !u->broad;
		if (u->broad || (s->lore_id != NULL && !matched))
			continue;
		if (strcmp(u->kind, "malware") == 0) {
			if ((f = add(al, matched ? PL_SEV_CRITICAL : PL_SEV_MEDIUM, "malware-port",
			    matched ? "observed" : "inferred")) == NULL)
				return -PL_ENOMEM;
			snprintf(f->reason, sizeof(f->reason), "port %u is known from %s (malware)%s",
			    (unsigned)s->lport, u->name, matched ? " and the process matches it" :
			    "; check the process");
			if (al->p != NULL)
				snprintf(f->remedy, sizeof(f->remedy), "check what runs: ls -l /proc/%d/exe "
				    "and dpkg -S on that path; if nobody installed it, isolate the "
				    "machine before stopping it", (int)al->p->pid);
			else
				snprintf(f->remedy, sizeof(f->remedy), "find the process (as root: "
				    "portlore who %u) and check that it was installed on purpose",
				    (unsigned)s->lport);
		} else if (exposed && risk >= PL_SEV_HIGH) {
			if ((f = add(al, matched ? (enum pl_sev)risk : (enum pl_sev)(risk - 1),
			    "exposed-risk", matched ? "observed" : "inferred")) == NULL)
				return -PL_ENOMEM;
			snprintf(f->reason, sizeof(f->reason), "%s%s on %s, reachable beyond "
			    "loopback: %s", matched ? "" : "port of ", u->name, addr, u->risk_why);
			exposure_remedy(f->remedy, sizeof(f->remedy), s, al->p);
		} else
			continue;
		snprintf(f->lore_id, sizeof(f->lore_id), "%s", u->id);
		snprintf(f->lore_risk, sizeof(f->lore_risk), "%s", pl_use_risk(u));
	}
	return 0;
}

static int
judge(struct pl_audit_listener *al, const struct pl_report *r)
{
	const struct pl_socket *s = al->s;
	const struct pl_proc *p = al->p;
	bool exposed = s->scope != PL_SCOPE_LOOPBACK;
	struct pl_finding *f;
	size_t specific = 0;
	char addr[80], m[32];
	int rc;

	pl_sock_addr(addr, sizeof(addr), s->family, s->laddr, s->lport);
	if ((rc = judge_lore(al, r, addr, &specific)) != 0)
		return rc;
	if (exposed && p != NULL && p->uid == 0 && s->lport >= 1024) {
		if ((f = add(al, PL_SEV_LOW, "root-unprivileged", "observed")) == NULL)
			return -PL_ENOMEM;
		snprintf(f->reason, sizeof(f->reason), "%s (pid %d) runs as root on unprivileged "
		    "port %u reachable beyond loopback", p->comm, (int)p->pid, (unsigned)s->lport);
		snprintf(f->remedy, sizeof(f->remedy), "run it as an unprivileged user%s%s%s",
		    p->unit ? " (User= in " : "", p->unit ? p->unit : "", p->unit ? ")" : "");
	}
	if (s->scope == PL_SCOPE_ALL && s->registry == NULL && specific == 0) {
		if ((f = add(al, PL_SEV_LOW, "unknown-exposed", "observed")) == NULL)
			return -PL_ENOMEM;
		nft_match(m, sizeof(m), s);
		snprintf(f->reason, sizeof(f->reason), "unknown service on all interfaces (%s): "
		    "neither the registry nor lore knows port %u", addr, (unsigned)s->lport);
		snprintf(f->remedy, sizeof(f->remedy), "bind it to %s if only local clients use it, "
		    "or block it (nft add rule inet filter input %s drop)",
		    s->family == AF_INET6 ? "::1" : "127.0.0.1", m);
	}
	return 0;
}

/* Most severe first; an insertion sort, stable: equal severities keep lore's order
 * (its ranking). A listener has a handful of findings. */
static void
sort_findings(struct pl_finding *f, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct pl_finding t = f[i];
		size_t j = i;

		for (; j > 0 && f[j - 1].sev < t.sev; j--)
			f[j] = f[j - 1];
		f[j] = t;
	}
}

static int
cmp_listener(const void *a, const void *b)
{
	const struct pl_audit_listener *x = a, *y = b;

	if (x->worst != y->worst)
		return y->worst - x->worst;
	if (x->own_netns != y->own_netns)
		return x->own_netns ? -1 : 1;
	if (x->s->lport != y->s->lport)
		return (int)x->s->lport - (int)y->s->lport;
	return (int)x->s->proto - (int)y->s->proto;
}

/* Counts the distinct network namespaces of the listeners (the caller's always). */
static size_t
count_namespaces(const struct pl_socklist *l)
{
	size_t n = 1;

	for (size_t i = 0; i < l->n; i++) {
		uint64_t ns = l->v[i].netns_ino;
		bool seen = ns == 0 || ns == l->own_netns;

		for (size_t k = 0; k < i && !seen; k++)
			seen = l->v[k].netns_ino == ns;
		n += !seen;
	}
	return n;
}

int
pl_audit_build(struct pl_store *st, const struct pl_socklist *l, struct pl_audit *a,
    struct pl_err *err)
{
	int rc = 0;

	memset(a, 0, sizeof(*a));
	a->worst = -1;
	if (l->n > 0 && (a->v = calloc(l->n, sizeof(*a->v))) == NULL)
		return pl_err_set(err, -PL_ENOMEM, "out of memory");
	for (size_t i = 0; i < l->n && rc == 0; i++) {
		const struct pl_socket *s = &l->v[i];
		struct pl_audit_listener *al;
		struct pl_report r;

		if (!pl_sock_is_listener(s))
			continue;
		al = &a->v[a->n++];
		al->s = s;
		al->p = s->nowners ? &l->procs[s->owners[0]] : NULL;
		al->own_netns = s->netns_ino == 0 || s->netns_ino == l->own_netns;
		if (al->own_netns)
			snprintf(al->netns, sizeof(al->netns), "host");
		else
			pl_netns_name(s->netns_ino, al->netns, sizeof(al->netns));
		if ((rc = pl_report_build(st, s->lport, s->proto,
		    &(struct pl_report_opts){ .no_host = true }, &r, err)) != 0)
			break;
		rc = judge(al, &r);
		pl_report_free(&r);
		if (rc == -PL_ENOMEM)
			pl_err_set(err, rc, "out of memory");
		sort_findings(al->f, al->nf);
		al->worst = al->nf > 0 ? (int)al->f[0].sev : -1;
		for (size_t k = 0; k < al->nf; k++)
			a->counts[al->f[k].sev]++;
		a->findings += al->nf;
		if (al->worst > a->worst)
			a->worst = al->worst;
	}
	if (rc != 0) {
		pl_audit_free(a);
		return rc;
	}
	if (a->n > 1)
		qsort(a->v, a->n, sizeof(*a->v), cmp_listener);
	a->namespaces = count_namespaces(l);
	return 0;
}

void
pl_audit_free(struct pl_audit *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i].f);
	free(a->v);
	memset(a, 0, sizeof(*a));
}
