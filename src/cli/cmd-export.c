/* cmd-export.c: `portlore export --format services|csv|json`, the store for other tools. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "portlore/export.h"

int
cmd_export(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const names[] = { "services", "csv", "json" };
	struct common c = { .color = -1 };
	struct pl_buf out = PL_BUF_INIT;
	struct pl_store *st = NULL;
	struct pl_err err = { 0 };
	int ch, rc, status, fmt = -1;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "d:f:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			c.db = optarg;
			break;
		case 'f':
			for (int i = 0; i < 3; i++)
				if (strcmp(optarg, names[i]) == 0)
					fmt = i;
			if (fmt < 0) {
				cli_warn("portlore: --format '%.40s': give services, csv or json\n",
				    optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			return cli_usage("export", EXIT_OK);
		default:
			return cli_usage("export", EXIT_USAGE);
		}
	}
	if (optind != argc || fmt < 0)
		return cli_usage("export", EXIT_USAGE);
	/* A file for other programs, written exactly (services and CSV too). */
	cli_output_exact();
	if ((status = cli_open_store(&c, &st, PL_STORE_READ)) != 0)
		return status;
	if ((rc = pl_export(st, (enum pl_export_format)fmt, &out, &err)) != 0)
		status = cli_fail(&err, rc);
	else
		status = cli_flush(&out);
	pl_store_close(st);
	pl_buf_free(&out);
	return status;
}
