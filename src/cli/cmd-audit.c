/*
 * cmd-audit.c: `portlore audit`, every listener of this machine with its exposure, what
 * it is (registry, lore, process), and findings by severity (the rules are in
 * src/lib/decide/audit.c).
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cli.h"
#include "portlore/audit.h"
#include "portlore/sockets.h"

static json_t *
listener_json(const struct pl_audit_listener *al)
{
	const struct pl_socket *s = al->s;
	const struct pl_proc *p = al->p;
	const struct pl_finding *f = al->f;
	size_t nf = al->nf;
	char addr[80];
	json_t *fa = json_array();

	pl_sock_addr(addr, sizeof(addr), s->family, s->laddr, s->lport);
	for (size_t i = 0; i < nf; i++)
		json_array_append_new(fa, json_pack("{s:s, s:s, s:s}", "severity", pl_sev_name(f[i].sev),
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
listener_text(struct pl_buf *b, const struct pl_audit_listener *al,
    const struct pl_text_opts *to)
{
	const struct pl_socket *s = al->s;
	const struct pl_proc *p = al->p;
	const struct pl_finding *f = al->f;
	size_t nf = al->nf;
	char addr[80];

	pl_sock_addr(addr, sizeof(addr), s->family, s->laddr, s->lport);
	pl_buf_printf(b, "%-4s %-28s %-8s %-16s %s%s%s\n", pl_proto_name(s->proto), addr,
	    pl_sock_scope_name(s->scope), p ? p->comm : "?", s->registry ? s->registry : "-",
	    s->lore_name ? "  lore: " : "", s->lore_name ? s->lore_name : "");
	for (size_t i = 0; i < nf; i++) {
		pl_buf_printf(b, "     %-8s ", pl_sev_name(f[i].sev));
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
	struct pl_audit a = { 0 };
	struct pl_store *st = NULL;
	struct pl_err err = { 0 };
	struct pl_buf out = PL_BUF_INIT;
	struct pl_text_opts to;
	json_t *all = json_array();
	int ch, rc, status, fail_on = -1;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "d:jC:w:hF:", longopts, NULL)) != -1) {
		if ((rc = cli_common_opt(&c, ch, optarg)) < 0)
			return EXIT_USAGE;
		if (rc > 0)
			continue;
		if (ch == 'F' && (fail_on = pl_sev_parse(optarg)) >= 0)
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
	    (rc = pl_sockets_identify(st, &l, getenv("PORTLORE_DPKG_INFO"), &err)) != 0 ||
	    (rc = pl_audit_build(st, &l, &a, &err)) != 0) {
		status = cli_fail(&err, rc);
		goto out;
	}
	if (!c.json)
		pl_buf_printf(&out, "%-4s %-28s %-8s %-16s %s\n", "", "address", "exposure",
		    "process", "registry / lore");
	for (size_t i = 0; i < a.n; i++) {
		if (c.json)
			json_array_append_new(all, listener_json(&a.v[i]));
		else
			listener_text(&out, &a.v[i], &to);
	}
	if (c.json) {
		json_t *doc = json_pack("{s:s, s:i, s:o, s:s, s:s?}", "schema",
		    "https://portlore.dev/schema/audit/1", "version", 1, "listeners", all,
		    "worst", pl_sev_name(a.worst), "notes", l.notes[0] ? l.notes : NULL);
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
	if (status == EXIT_OK && fail_on >= 0 && a.worst >= fail_on)
		status = EXIT_NOTFOUND;
out:
	json_decref(all);
	pl_buf_free(&out);
	pl_audit_free(&a);
	pl_socklist_free(&l);
	pl_store_close(st);
	return status;
}
