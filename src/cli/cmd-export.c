/* cmd-export.c: `portlore export --format services|csv|json`, the store for other tools. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "portlore/export.h"
#include "portlore/render-export.h"

const struct option cmd_export_longopts[] = {
	{ "db", required_argument, NULL, 'd' },
	{ "format", required_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static const char *const names[] = { "services", "csv", "json" };

/* The format is kept in the context's option space (an int): its index + 1, 0 when
 * not given. */
int
cmd_export_option(struct cli_ctx *x, int ch, const char *arg)
{
	if (ch != 'f')
		return 1;
	for (int i = 0; i < 3; i++)
		if (strcmp(arg, names[i]) == 0)
			*(int *)x->opts = i + 1;
	if (*(int *)x->opts == 0) {
		cli_warn("portlore: --format '%.40s': give services, csv or json\n", arg);
		return -1;
	}
	return 0;
}

/* --format is not optional; the output is exact. */
int
cmd_export_check(struct cli_ctx *x)
{
	if (*(int *)x->opts == 0)
		return cli_usage("export", EXIT_USAGE);
	/* A file for other programs, written exactly (services and CSV too). */
	cli_output_exact();
	return -1;
}

int
cmd_export_run(struct cli_ctx *x)
{
	static int (*const render[])(struct pl_buf *, const struct pl_export *) = {
		[PL_EXPORT_SERVICES] = pl_export_services, [PL_EXPORT_CSV] = pl_export_csv,
		[PL_EXPORT_JSON] = pl_export_json };
	enum pl_export_format f = (enum pl_export_format)(*(int *)x->opts - 1);
	struct pl_export model;
	struct pl_buf out = PL_BUF_INIT;
	struct pl_err err = { 0 };
	int rc, status;

	if ((rc = pl_export_build(x->st, f, &model, &err)) == 0 &&
	    (rc = render[f](&out, &model)) != 0)
		pl_err_set(&err, rc, rc == -PL_ETOOBIG ? "export larger than the output buffer "
		    "allows" : "out of memory");
	status = rc ? cli_fail(&err, rc) : cli_flush(&out);
	pl_export_free(&model);
	pl_buf_free(&out);
	return status;
}
