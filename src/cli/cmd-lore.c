/* cmd-lore.c: `portlore lore stats`, how much lore there is and what it covers. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "portlore/json.h"
#include "portlore/lorestats.h"

int
cmd_lore(int argc, char **argv)
{
	struct common c = { .color = -1 };
	struct pl_lore_stats s;
	struct pl_store *st = NULL;
	struct pl_err err = { 0 };
	struct pl_text_opts to;
	struct pl_buf out = PL_BUF_INIT;
	int rc, status;

	if ((status = cli_parse_common("lore", argc, argv, &c, 1, 1)) >= 0)
		return status;
	if (optind != argc - 1 || strcmp(argv[optind], "stats") != 0)
		return cli_usage("lore", EXIT_USAGE);
	if ((status = cli_open_store(&c, &st, PL_STORE_READ)) != 0)
		return status;
	if ((rc = pl_lore_stats_build(st, &s, &err)) != 0) {
		pl_store_close(st);
		return cli_fail(&err, rc);
	}
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
	pl_store_close(st);
	return status;
}
