/*
 * cmd-audit.c: `portlore audit`, every listener of this machine, in every network
 * namespace it can read, with its exposure, what it is (registry, lore, process), and
 * findings by severity with a remedy each. The rules are src/lib/decide/audit.c; the
 * rendering src/render/audit.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "portlore/audit.h"
#include "portlore/render-audit.h"
#include "portlore/sockets.h"

int
cmd_audit(int argc, char **argv)
{
	static const struct option longopts[] = { COMMON_LONGOPTS,
		{ "fail-on", required_argument, NULL, 'F' }, { NULL, 0, NULL, 0 } };
	struct common c = { .color = -1 };
	/* Every namespace a process is in: a listener in a container or a netns is as
	 * exposed as one here, and `ls` shows it too. */
	struct pl_sock_query q = { .owners = true, .other_netns = true,
		.root = getenv("PORTLORE_PROC_ROOT") };
	struct pl_socklist l = { 0 };
	struct pl_audit a = { 0 };
	struct pl_store *st = NULL;
	struct pl_err err = { 0 };
	struct pl_buf out = PL_BUF_INIT;
	struct pl_text_opts to;
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
			cli_warn("portlore: audit: --fail-on '%.40s': use info, low, medium, "
			    "high or critical\n", optarg);
		return ch == 'h' ? cli_usage("audit", EXIT_OK) : cli_usage("audit", EXIT_USAGE);
	}
	if (optind != argc)
		return cli_usage("audit", EXIT_USAGE);
	cli_text_opts(&c, &to);
	if ((status = cli_open_store(&c, &st, PL_STORE_READ)) != 0)
		return status;
	if ((rc = pl_sockets_collect(&q, &l, &err)) != 0 ||
	    (rc = pl_sockets_identify(st, &l, getenv("PORTLORE_DPKG_INFO"), &err)) != 0 ||
	    (rc = pl_audit_build(st, &l, &a, &err)) != 0) {
		status = cli_fail(&err, rc);
		goto out;
	}
	rc = c.json ? pl_render_audit_json(&out, &a, l.notes) :
	    pl_render_audit_text(&out, &a, l.notes, &to);
	status = rc != 0 ? cli_fail(NULL, rc) : cli_flush(&out);
	/* For CI pipelines: findings at or above --fail-on make the status 1. */
	if (status == EXIT_OK && fail_on >= 0 && a.worst >= fail_on)
		status = EXIT_NOTFOUND;
out:
	pl_audit_free(&a);
	pl_buf_free(&out);
	pl_socklist_free(&l);
	pl_store_close(st);
	return status;
}
