/* audit.c: the audit of this machine's listeners as text and as JSON. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

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

static json_t *
listener_json(const struct pl_audit_listener *al)
{
	const struct pl_socket *s = al->s;
	const struct pl_proc *p = al->p;
	json_t *fa = json_array();
	char addr[80];

	pl_sock_addr(addr, sizeof(addr), s->family, s->laddr, s->lport);
	for (size_t i = 0; i < al->nf; i++) {
		const struct pl_finding *f = &al->f[i];

		json_array_append_new(fa, json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s?, s:s}",
		    "severity", pl_sev_name(f->sev), "rule", f->rule, "reason", f->reason,
		    "remedy", f->remedy, "lore", *f->lore_id ? f->lore_id : NULL,
		    "lore_risk", *f->lore_risk ? f->lore_risk : NULL, "provenance", f->prov));
	}
	return json_pack("{s:s, s:i, s:s, s:s, s:s, s:b, s:o, s:o, s:o, s:s?, s:o, s:s}",
	    "protocol", pl_proto_name(s->proto), "port", s->lport, "address", addr,
	    "exposure", pl_sock_scope_name(s->scope), "netns", al->netns,
	    "own_netns", al->own_netns,
	    "process", p ? json_pack("{s:i, s:s, s:s}", "pid", (int)p->pid, "name", p->comm,
	        "user", p->user ? p->user : "") : json_null(),
	    "registry", s->registry ? json_string(s->registry) : json_null(),
	    "lore", s->lore_id ? json_string(s->lore_id) : json_null(),
	    "worst", al->worst >= 0 ? pl_sev_name((enum pl_sev)al->worst) : NULL,
	    "findings", fa, "provenance", "observed");
}

int
pl_render_audit_json(struct pl_buf *out, const struct pl_audit *a, const char *notes)
{
	json_t *all = json_array(), *counts = json_object(), *doc;
	char *txt;
	int rc;

	for (int s = PL_SEV_CRITICAL; s >= PL_SEV_INFO; s--)
		json_object_set_new(counts, pl_sev_name((enum pl_sev)s),
		    json_integer((json_int_t)a->counts[s]));
	for (size_t i = 0; i < a->n; i++)
		json_array_append_new(all, listener_json(&a->v[i]));
	doc = json_pack("{s:s, s:i, s:{s:I, s:o, s:I, s:I}, s:s, s:o, s:s?}",
	    "schema", PL_AUDIT_SCHEMA, "version", 1,
	    "summary", "findings", (json_int_t)a->findings, "by_severity", counts,
	    "listeners", (json_int_t)a->n, "namespaces", (json_int_t)a->namespaces,
	    "worst", a->worst >= 0 ? pl_sev_name((enum pl_sev)a->worst) : "none",
	    "listeners", all, "notes", notes && *notes ? notes : NULL);
	txt = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	rc = txt ? pl_buf_printf(out, "%s\n", txt) : -PL_ENOMEM;
	free(txt);
	json_decref(doc);
	return rc;
}
