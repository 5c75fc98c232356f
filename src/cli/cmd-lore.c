/* cmd-lore.c: `portlore lore stats`, how much lore there is and what it covers. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "portlore/json.h"
#include "portlore/lorestats.h"

/* The one subcommand there is. */
int
cmd_lore_check(struct cli_ctx *x)
{
	return strcmp(x->argv[0], "stats") != 0 ? cli_usage("lore", EXIT_USAGE) : -1;
}

int
cmd_lore_run(struct cli_ctx *x)
{
	const struct common c = x->c;
	struct pl_lore_stats s;
	struct pl_store *st = x->st;
	struct pl_err err = { 0 };
	struct pl_text_opts to;
	struct pl_buf out = PL_BUF_INIT;
	int rc, status;

	if ((rc = pl_lore_stats_build(st, &s, &err)) != 0)
		return cli_fail(&err, rc);
	if (c.json) {
		struct pl_json j;

		pl_json_init(&j, &out, 2);
		pl_lorestats_json(&j, &s);
		pl_buf_addc(&out, '\n');
		rc = pl_json_done(&j);
	} else {
		cli_text_opts(&c, &to);
		rc = pl_lorestats_text(&out, &s, to.width);
	}
	status = rc != 0 ? cli_fail(NULL, rc) : cli_flush(&out);
	pl_buf_free(&out);
	pl_lore_stats_free(&s);
	return status;
}
