/*
 * cmd-audit.c: `portlore audit`, every listener of this machine with its exposure, what
 * it is (registry, lore, process), and findings with a severity and the reason.
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
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cli.h"
#include "portlore/report.h"
#include "portlore/sockets.h"

enum sev { SEV_INFO, SEV_LOW, SEV_MEDIUM, SEV_HIGH, SEV_CRITICAL };
static const char *const sev_names[] = { "info", "low", "medium", "high", "critical" };

static int
sev_parse(const char *s)
{
	for (int i = 0; i <= SEV_CRITICAL; i++)
		if (strcmp(s, sev_names[i]) == 0)
			return i;
	return -1;
}

struct finding {
	enum sev sev;
	const char *prov;
	char reason[600];
};

/* Lore's word on a listener's port: the most severe specific use, and whether the
 * owner's hints matched it. */
static void
judge(const struct pl_socket *s, const struct pl_proc *p, const struct pl_report *r,
    struct finding *f, size_t *nf)
{
	char addr[80];
	bool exposed = s->scope != PL_SCOPE_LOOPBACK;
	size_t specific = 0;

	pl_sock_addr(addr, sizeof(addr), s->family, s->laddr, s->lport);
	for (size_t i = 0; i < r->nuses && *nf < 4; i++) {
		const struct pl_lore_use *u = &r->uses[i];
		int risk = sev_parse(u->risk);
		bool matched = s->lore_id != NULL && strcmp(s->lore_id, u->id) == 0;

		specific += !u->broad;
		if (u->broad || (s->lore_id != NULL && !matched))
			continue;
		if (strcmp(u->kind, "malware") == 0) {
			f[*nf].sev = matched ? SEV_CRITICAL : SEV_MEDIUM;
			f[*nf].prov = matched ? "observed" : "inferred";
			snprintf(f[*nf].reason, sizeof(f->reason), "port %u is known from %s (malware)%s",
			    (unsigned)s->lport, u->name, matched ? " and the process matches it" :
			    "; check the process");
			(*nf)++;
		} else if (exposed && risk >= SEV_HIGH) {
			f[*nf].sev = matched ? (enum sev)risk : (enum sev)(risk - 1);
			f[*nf].prov = matched ? "observed" : "inferred";
			snprintf(f[*nf].reason, sizeof(f->reason), "%s %s on %s, reachable beyond "
			    "loopback: %s", matched ? "" : "port of", u->name, addr, u->risk_why);
			(*nf)++;
		}
	}
	if (exposed && p != NULL && p->uid == 0 && s->lport >= 1024 && *nf < 4) {
		f[*nf].sev = SEV_LOW;
		f[*nf].prov = "observed";
		snprintf(f[*nf].reason, sizeof(f->reason), "%s (pid %d) runs as root on "
		    "unprivileged port %u reachable beyond loopback", p->comm, (int)p->pid,
		    (unsigned)s->lport);
		(*nf)++;
	}
	if (s->scope == PL_SCOPE_ALL && s->registry == NULL && specific == 0 && *nf < 4) {
		f[*nf].sev = SEV_LOW;
		f[*nf].prov = "observed";
		snprintf(f[*nf].reason, sizeof(f->reason), "unknown service on all interfaces "
		    "(%s): neither the registry nor lore knows port %u", addr, (unsigned)s->lport);
		(*nf)++;
	}
}

static json_t *
listener_json(const struct pl_socket *s, const struct pl_proc *p, const struct finding *f,
    size_t nf)
{
	char addr[80];
	json_t *fa = json_array();

	pl_sock_addr(addr, sizeof(addr), s->family, s->laddr, s->lport);
	for (size_t i = 0; i < nf; i++)
		json_array_append_new(fa, json_pack("{s:s, s:s, s:s}", "severity", sev_names[f[i].sev],
		    "reason", f[i].reason, "provenance", f[i].prov));
	return json_pack("{s:s, s:i, s:s, s:s, s:o, s:o, s:o, s:o, s:s}",
	    "protocol", pl_proto_name(s->proto), "port", s->lport, "address", addr,
	    "exposure", pl_sock_scope_name(s->scope),
	    "process", p ? json_pack("{s:i, s:s, s:s}", "pid", (int)p->pid, "name", p->comm,
	        "user", p->user ? p->user : "") : json_null(),
	    "registry", s->registry ? json_string(s->registry) : json_null(),
	    "lore", s->lore_id ? json_string(s->lore_id) : json_null(),
	    "findings", fa, "provenance", "observed");
}

static void
listener_text(struct pl_buf *b, const struct pl_socket *s, const struct pl_proc *p,
    const struct finding *f, size_t nf, const struct pl_text_opts *to)
{
	char addr[80];

	pl_sock_addr(addr, sizeof(addr), s->family, s->laddr, s->lport);
	pl_buf_printf(b, "%-4s %-28s %-8s %-16s %s%s%s\n", pl_proto_name(s->proto), addr,
	    pl_sock_scope_name(s->scope), p ? p->comm : "?", s->registry ? s->registry : "-",
	    s->lore_name ? "  lore: " : "", s->lore_name ? s->lore_name : "");
	for (size_t i = 0; i < nf; i++) {
		pl_buf_printf(b, "     %-8s ", sev_names[f[i].sev]);
		pl_wrap(b, f[i].reason, 14, 14, to->width);
		pl_buf_printf(b, " [%s]\n", f[i].prov);
	}
}

int
cmd_audit(int argc, char **argv)
{
	static const struct option longopts[] = { COMMON_LONGOPTS,
		{ "fail-on", required_argument, NULL, 'F' }, { NULL, 0, NULL, 0 } };
	struct common c = { .color = -1 };
	struct pl_sock_query q = { .owners = true, .root = getenv("PORTLORE_PROC_ROOT") };
	struct pl_socklist l = { 0 };
	struct pl_store *st = NULL;
	struct pl_err err = { 0 };
	struct pl_buf out = PL_BUF_INIT;
	struct pl_text_opts to;
	json_t *all = json_array();
	int ch, rc, status, fail_on = -1, worst = -1;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "d:jC:w:hF:", longopts, NULL)) != -1) {
		if ((rc = cli_common_opt(&c, ch, optarg)) < 0)
			return EXIT_USAGE;
		if (rc > 0)
			continue;
		if (ch == 'F' && (fail_on = sev_parse(optarg)) >= 0)
			continue;
		if (ch == 'F')
			fprintf(stderr, "portlore: audit: --fail-on '%.40s': use info, low, medium, "
			    "high or critical\n", optarg);
		json_decref(all);
		return ch == 'h' ? cli_usage("audit", EXIT_OK) : cli_usage("audit", EXIT_USAGE);
	}
	if (optind != argc) {
		json_decref(all);
		return cli_usage("audit", EXIT_USAGE);
	}
	cli_text_opts(&c, &to);
	if ((status = cli_open_store(&c, &st, PL_STORE_READ)) != 0) {
		json_decref(all);
		return status;
	}
	if ((rc = pl_sockets_collect(&q, &l, &err)) != 0 ||
	    (rc = pl_sockets_identify(st, &l, getenv("PORTLORE_DPKG_INFO"), &err)) != 0) {
		status = cli_fail(&err, rc);
		goto out;
	}
	if (!c.json)
		pl_buf_printf(&out, "%-4s %-28s %-8s %-16s %s\n", "", "address", "exposure",
		    "process", "registry / lore");
	for (size_t i = 0; i < l.n; i++) {
		const struct pl_socket *s = &l.v[i];
		const struct pl_proc *p = s->nowners ? &l.procs[s->owners[0]] : NULL;
		struct pl_report r;
		struct finding f[4];
		size_t nf = 0;

		if (!pl_sock_is_listener(s))
			continue;
		if ((rc = pl_report_build(st, s->lport, s->proto,
		    &(struct pl_report_opts){ .no_host = true }, &r, &err)) != 0) {
			status = cli_fail(&err, rc);
			goto out;
		}
		judge(s, p, &r, f, &nf);
		pl_report_free(&r);
		for (size_t k = 0; k < nf; k++)
			worst = (int)f[k].sev > worst ? (int)f[k].sev : worst;
		if (c.json)
			json_array_append_new(all, listener_json(s, p, f, nf));
		else
			listener_text(&out, s, p, f, nf, &to);
	}
	if (c.json) {
		json_t *doc = json_pack("{s:s, s:i, s:o, s:s, s:s?}", "schema",
		    "https://portlore.dev/schema/audit/1", "version", 1, "listeners", all,
		    "worst", worst >= 0 ? sev_names[worst] : "none", "notes", l.notes[0] ? l.notes : NULL);
		char *txt = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;

		all = NULL;
		if (txt)
			pl_buf_printf(&out, "%s\n", txt);
		free(txt);
		json_decref(doc);
	} else if (l.notes[0]) {
		pl_buf_printf(&out, "note: %s\n", l.notes);
	}
	status = cli_flush(&out);
	/* For CI pipelines: findings at or above --fail-on make the status 1. */
	if (status == EXIT_OK && fail_on >= 0 && worst >= fail_on)
		status = EXIT_NOTFOUND;
out:
	json_decref(all);
	pl_buf_free(&out);
	pl_socklist_free(&l);
	pl_store_close(st);
	return status;
}
