/* cmd-search.c: `portlore search TEXT...`, ranked full-text search. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "portlore/json.h"

const struct option cmd_search_longopts[] = {
	COMMON_LONGOPTS,
	{ "limit", required_argument, NULL, 'n' },
	{ NULL, 0, NULL, 0 }
};

_Static_assert(sizeof(long long) <= CLI_OPTS_MAX, "search's option fits");

/* --limit, kept in the context's option space (a long long). */
int
cmd_search_option(struct cli_ctx *x, int ch, const char *arg)
{
	if (ch != 'n')
		return 1;
	return cli_number("--limit", arg, 1, 1000, (long long *)x->opts);
}

int
cmd_search_run(struct cli_ctx *x)
{
	const struct common c = x->c;
	struct pl_buf q = PL_BUF_INIT, out = PL_BUF_INIT;
	struct pl_store *st = x->st;
	struct pl_hit *hits = NULL;
	struct pl_err err = { 0 };
	struct pl_text_opts to;
	long long limit = *(long long *)x->opts ? *(long long *)x->opts : 20;
	int argc = x->argc, rc, n = 0, status = EXIT_OK;
	char **argv = x->argv;

	for (int i = 0; i < argc; i++)
		if (pl_buf_printf(&q, "%s%s", i > 0 ? " " : "", argv[i]) != 0) {
			cli_warn("portlore: search text is too long\n");
			pl_buf_free(&q);
			return EXIT_USAGE;
		}
	if ((n = pl_store_search(st, pl_buf_str(&q), (int)limit, &hits, &err)) < 0) {
		status = cli_fail(&err, n);
		n = 0;
		goto out;
	}
	if (c.json) {
		struct pl_json j;

		pl_json_init(&j, &out, 2);
		pl_hits_json(&j, hits, n, pl_buf_str(&q));
		pl_buf_addc(&out, '\n');
		rc = pl_json_done(&j);
	} else {
		cli_text_opts(&c, &to);
		rc = pl_render_hits_text(&out, hits, n, pl_buf_str(&q), &to);
	}
	if (rc != 0) {
		status = cli_fail(NULL, rc);
		goto out;
	}
	status = cli_flush(&out);
	if (status == EXIT_OK && n == 0) {
		/* Like grep: nothing found is status 1, with a word on stderr for people. */
		cli_warn("portlore: no match for '%s'\n", pl_buf_str(&q));
		status = EXIT_NOTFOUND;
	}
out:
	pl_hits_free(hits, n);
	pl_buf_free(&q);
	pl_buf_free(&out);
	return status;
}
