/* cmd-ls.c: `portlore ls [PORTSPEC...]`, the sockets of this machine with their
 * processes, users, units, containers, registry names and lore. */
#include <string.h>
#include <unistd.h>

#include "cli-sockets.h"
#include "portlore/json.h"
#include "portlore/render-sockets.h"

int
cmd_ls_check(struct cli_ctx *x)
{
	struct sockets_opts *o = x->opts;
	int status;

	if ((status = sockets_check("ls", x)) >= 0 ||
	    (status = sockets_parse_ports(o, x->argc, x->argv)) >= 0)
		return status;
	return cli_ls_format(o->format, &o->c.json);
}

int
cmd_ls_run(struct cli_ctx *x)
{
	struct sockets_opts *o = x->opts;
	struct pl_socklist l = { 0 };
	struct pl_buf b = PL_BUF_INIT;
	struct sockets_db d;
	struct pl_text_opts to;
	int rc, status;

	sockets_db_open(&o->c, &d);
	if ((status = sockets_collect(o, &d, &l)) != 0)
		goto out;
	sockets_text_opts(&o->c, &to);
	if (o->format != NULL && strcmp(o->format, "prometheus") == 0) {
		status = cli_ls_prometheus(sockets_db_store(&d), &l);
		goto out;
	} else if (o->c.json) {
		struct pl_json j;

		sockets_json_head(&j, &b, "ls", x->wordc, x->wordv);
		pl_sockets_json(&j, &l);
		pl_json_end(&j);
		pl_buf_addc(&b, '\n');
		rc = pl_json_done(&j);
	} else {
		rc = pl_render_sockets_text(&b, &l, false, &to);
	}
	/* The notes are in the text, or in the JSON's "unavailable". */
	status = rc != 0 ? cli_fail(NULL, rc) : cli_flush(&b);
out:
	pl_socklist_free(&l);
	sockets_db_close(&d);
	pl_buf_free(&b);
	return status;
}
