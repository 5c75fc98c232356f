/* cmd-search.c: `portlore search TEXT...`, ranked full-text search. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "portlore/json.h"

int
cmd_search(int argc, char **argv)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "limit", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	struct common c = { .color = -1 };
	struct pl_buf q = PL_BUF_INIT, out = PL_BUF_INIT;
	struct pl_store *st = NULL;
	struct pl_hit *hits = NULL;
	struct pl_err err = { 0 };
	struct pl_text_opts to;
	long long limit = 20;
	int ch, rc, n = 0, status = EXIT_OK;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "d:jC:w:hn:", longopts, NULL)) != -1) {
		if ((rc = cli_common_opt(&c, ch, optarg)) < 0)
			return EXIT_USAGE;
		if (rc > 0)
			continue;
		switch (ch) {
		case 'n':
			if (cli_number("--limit", optarg, 1, 1000, &limit) != 0)
				return EXIT_USAGE;
			break;
		case 'h':
			return cli_usage("search", EXIT_OK);
		default:
			return cli_usage("search", EXIT_USAGE);
		}
	}
	if (optind >= argc)
		return cli_usage("search", EXIT_USAGE);
	for (int i = optind; i < argc; i++)
		if (pl_buf_printf(&q, "%s%s", i > optind ? " " : "", argv[i]) != 0) {
			cli_warn("portlore: search text is too long\n");
			pl_buf_free(&q);
			return EXIT_USAGE;
		}
	if ((status = cli_open_store(&c, &st, PL_STORE_READ)) != 0)
		goto out;
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
	pl_store_close(st);
	pl_buf_free(&q);
	pl_buf_free(&out);
	return status;
}
