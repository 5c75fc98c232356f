/* cmd-diff.c: `portlore diff OLD NEW`, what changed in the registry between two of the
 * store's snapshots. */
#include <getopt.h>

#include "cli.h"
#include "portlore/history.h"
#include "portlore/json.h"

int
cmd_diff(int argc, char **argv)
{
	struct common c = { .color = -1 };
	char old_label[32], new_label[32];
	struct pl_store *st = NULL;
	struct pl_err err = { 0 };
	struct pl_diff d = { 0 };
	struct pl_buf out = PL_BUF_INIT;
	struct pl_text_opts to;
	int status, rc;

	if ((status = cli_parse_common("diff", argc, argv, &c, 2, 2)) >= 0)
		return status;
	if ((status = cli_open_store(&c, &st, PL_STORE_READ)) != 0)
		return status;
	if ((rc = pl_snapshot_resolve(st, argv[optind], old_label, sizeof(old_label), &err)) != 0 ||
	    (rc = pl_snapshot_resolve(st, argv[optind + 1], new_label, sizeof(new_label), &err)) != 0 ||
	    (rc = pl_diff_build(st, old_label, new_label, &d, &err)) != 0) {
		status = cli_fail(&err, rc);
		goto out;
	}
	if (c.json) {
		struct pl_json j;

		pl_json_init(&j, &out, 2);
		pl_diff_json(&j, &d);
		pl_buf_addc(&out, '\n');
		rc = pl_json_done(&j);
	} else {
		cli_text_opts(&c, &to);
		rc = pl_render_diff_text(&out, &d, &to);
	}
	if (rc != 0)
		status = cli_fail(NULL, rc);
	else
		status = cli_flush(&out);
out:
	pl_diff_free(&d);
	pl_buf_free(&out);
	pl_store_close(st);
	return status;
}
