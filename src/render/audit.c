/* audit.c: the audit of this machine's listeners as text and as JSON. */
#include <stdio.h>
#include <stdlib.h>

#include "portlore/json.h"
#include "portlore/render-audit.h"

/* "2 critical, 1 high, 0 medium, 3 low, 0 info" */
static int
summary(struct pl_buf *out, const struct pl_audit *a)
{
	int rc = pl_buf_printf(out, "%zu finding%s: ", a->findings, a->findings == 1 ? "" : "s");

	for (int s = PL_SEV_CRITICAL; s >= PL_SEV_INFO && rc == 0; s--)
		rc = pl_buf_printf(out, "%zu %s%s", a->counts[s], pl_sev_name((enum pl_sev)s),
		    s > PL_SEV_INFO ? ", " : "");
	if (rc == 0)
		rc = pl_buf_printf(out, "; %zu listener%s in %zu network namespace%s\n\n", a->n,
		    a->n == 1 ? "" : "s", a->namespaces, a->namespaces == 1 ? "" : "s");
	return rc;
}

int
pl_render_audit_text(struct pl_buf *out, const struct pl_audit *a, const char *notes,
    const struct pl_text_opts *o)
{
	int rc = summary(out, a);

	if (rc == 0)
		rc = pl_buf_printf(out, "%-4s %-28s %-8s %-12s %-16s %s\n", "", "address", "exposure",
		    "netns", "process", "registry / lore");
	for (size_t i = 0; i < a->n && rc == 0; i++) {
		const struct pl_audit_listener *al = &a->v[i];
		const struct pl_socket *s = al->s;
		char addr[80];

		pl_sock_addr(addr, sizeof(addr), s->family, s->laddr, s->lport);
		rc = pl_buf_printf(out, "%-4s %-28s %-8s %-12s %-16s %s%s%s\n",
		    pl_proto_name(s->proto), addr, pl_sock_scope_name(s->scope), al->netns,
		    al->p ? al->p->comm : "?", s->registry ? s->registry : "-",
		    s->lore_name ? "  lore: " : "", s->lore_name ? s->lore_name : "");
		for (size_t k = 0; k < al->nf && rc == 0; k++) {
			const struct pl_finding *f = &al->f[k];

			pl_buf_printf(out, "     %-8s ", pl_sev_name(f->sev));
			pl_wrap(out, f->reason, 14, 14, o->width);
			pl_buf_printf(out, " [%s]\n              remedy: ", f->prov);
			pl_wrap(out, f->remedy, 14, 22, o->width);
			rc = pl_buf_addc(out, '\n');
		}
	}
	if (rc == 0 && notes != NULL && *notes)
		rc = pl_buf_printf(out, "note: %s\n", notes);
	return rc;
}

static void
listener_json(struct pl_json *j, const struct pl_audit_listener *al)
{
	const struct pl_socket *s = al->s;
	const struct pl_proc *p = al->p;
	char addr[80];

	pl_sock_addr(addr, sizeof(addr), s->family, s->laddr, s->lport);
	pl_json_obj(j);
	pl_json_kstr(j, "protocol", pl_proto_name(s->proto));
	pl_json_kint(j, "port", s->lport);
	pl_json_kstr(j, "address", addr);
	pl_json_kstr(j, "exposure", pl_sock_scope_name(s->scope));
	pl_json_kstr(j, "netns", al->netns);
	pl_json_kbool(j, "own_netns", al->own_netns);
	if (p != NULL) {
		pl_json_style(j, PL_JSON_LINE);
		pl_json_kobj(j, "process");
		pl_json_kint(j, "pid", p->pid);
		pl_json_kstr(j, "name", p->comm);
		pl_json_kstr(j, "user", p->user ? p->user : "");
		pl_json_end(j);
	} else {
		pl_json_knull(j, "process");
	}
	pl_json_kstr(j, "registry", s->registry);
	pl_json_kstr(j, "lore", s->lore_id);
	pl_json_kstr(j, "worst", al->worst >= 0 ? pl_sev_name((enum pl_sev)al->worst) : NULL);
	pl_json_karr(j, "findings");
	for (size_t i = 0; i < al->nf; i++) {
		const struct pl_finding *f = &al->f[i];

		pl_json_obj(j);
		pl_json_kstr(j, "severity", pl_sev_name(f->sev));
		pl_json_kstr(j, "rule", f->rule);
		pl_json_kstr(j, "reason", f->reason);
		pl_json_kstr(j, "remedy", f->remedy);
		pl_json_kstr(j, "lore", *f->lore_id ? f->lore_id : NULL);
		pl_json_kstr(j, "lore_risk", *f->lore_risk ? f->lore_risk : NULL);
		pl_json_kstr(j, "provenance", f->prov);
		pl_json_end(j);
	}
	pl_json_end(j);
	pl_json_kstr(j, "provenance", "observed");
	pl_json_end(j);
}

int
pl_render_audit_json(struct pl_buf *out, const struct pl_audit *a, const char *notes)
{
	struct pl_json j;

	pl_json_init(&j, out, 2);
	pl_json_envelope(&j, "audit", 1);
	pl_json_kobj(&j, "summary");
	pl_json_kint(&j, "findings", (long long)a->findings);
	pl_json_style(&j, PL_JSON_LINE);
	pl_json_kobj(&j, "by_severity");
	for (int s = PL_SEV_CRITICAL; s >= PL_SEV_INFO; s--)
		pl_json_kint(&j, pl_sev_name((enum pl_sev)s), (long long)a->counts[s]);
	pl_json_end(&j);
	pl_json_kint(&j, "listeners", (long long)a->n);
	pl_json_kint(&j, "namespaces", (long long)a->namespaces);
	pl_json_end(&j);
	pl_json_kstr(&j, "worst", a->worst >= 0 ? pl_sev_name((enum pl_sev)a->worst) : "none");
	pl_json_karr(&j, "listeners");
	for (size_t i = 0; i < a->n; i++)
		listener_json(&j, &a->v[i]);
	pl_json_end(&j);
	if (notes != NULL && *notes)
		pl_json_kstr(&j, "notes", notes);
	pl_json_end(&j);
	pl_buf_addc(out, '\n');
	return pl_json_done(&j);
}
