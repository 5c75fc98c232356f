/*
 * cmd-audit.c: `portlore audit`, every listener of this machine, in every network
 * namespace it can read, with its exposure, what it is (registry, lore, process), and
 * findings by severity with a remedy each. The rules are src/lib/decide/audit.c; the
 * rendering src/render/audit.c.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "portlore/audit.h"
#include "portlore/render-audit.h"
#include "portlore/sockets.h"

struct audit_opts {
	int fail_on;               /* --fail-on, a severity; -1 without it */
	bool fail_on_set;
};

_Static_assert(sizeof(struct audit_opts) <= CLI_OPTS_MAX, "audit's options fit");

const struct option cmd_audit_longopts[] = { COMMON_LONGOPTS,
	{ "fail-on", required_argument, NULL, 'F' }, { NULL, 0, NULL, 0 } };

int
cmd_audit_option(struct cli_ctx *x, int ch, const char *arg)
{
	struct audit_opts *o = x->opts;

	if (ch != 'F')
		return 1;
	if ((o->fail_on = pl_sev_parse(arg)) >= 0) {
		o->fail_on_set = true;
		return 0;
	}
	cli_warn("portlore: audit: --fail-on '%.40s': use info, low, medium, high or "
	    "critical\n", arg);
	return 1;
}

int
cmd_audit_run(struct cli_ctx *x)
{
	const struct audit_opts *o = x->opts;
	/* Every namespace a process is in: a listener in a container or a netns is as
	 * exposed as one here, and `ls` shows it too. */
	struct pl_sock_query q = { .owners = true, .other_netns = true,
		.root = getenv("PORTLORE_PROC_ROOT") };
	struct pl_socklist l = { 0 };
	struct pl_audit a = { 0 };
	struct pl_err err = { 0 };
	struct pl_buf out = PL_BUF_INIT;
	struct pl_text_opts to;
	int rc, status;

	cli_text_opts(&x->c, &to);
	if ((rc = pl_sockets_collect(&q, &l, &err)) != 0 ||
	    (rc = pl_sockets_identify(x->st, &l, getenv("PORTLORE_DPKG_INFO"), &err)) != 0 ||
	    (rc = pl_audit_build(x->st, &l, &a, &err)) != 0) {
		status = cli_fail(&err, rc);
		goto out;
	}
	rc = x->c.json ? pl_render_audit_json(&out, &a, l.notes) :
	    pl_render_audit_text(&out, &a, l.notes, &to);
	status = rc != 0 ? cli_fail(NULL, rc) : cli_flush(&out);
	/* For CI pipelines: findings at or above --fail-on make the status 1. */
	if (status == EXIT_OK && o->fail_on_set && a.worst >= o->fail_on)
		status = EXIT_NOTFOUND;
out:
	pl_audit_free(&a);
	pl_buf_free(&out);
	pl_socklist_free(&l);
	return status;
}
