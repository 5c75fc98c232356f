/* cmd-feedback.c: `portlore feedback`, the readers' votes per page. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "portlore/feedback.h"
#include "portlore/json.h"

static int
print_totals(const struct pl_feedback_total *t, long n, bool json)
{
	struct pl_buf b = PL_BUF_INIT;
	int rc;

	if (json) {
		struct pl_json j;

		pl_json_init(&j, &b, 2);
		pl_feedback_json(&j, t, n);
		pl_buf_addc(&b, '\n');
		rc = pl_json_done(&j);
	} else {
		rc = pl_feedback_text(&b, t, n);
	}
	rc = rc != 0 ? cli_fail(NULL, rc) : cli_flush(&b);
	pl_buf_free(&b);
	return rc;
}

const struct option cmd_feedback_longopts[] = {
	{ "feedback-db", required_argument, NULL, 'F' },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/* The command's one option of its own, the votes' file, in the context's option
 * space (a const char *). */
int
cmd_feedback_option(struct cli_ctx *x, int ch, const char *arg)
{
	if (ch != 'F')
		return 1;
	*(const char **)x->opts = arg;
	return 0;
}

int
cmd_feedback_run(struct cli_ctx *x)
{
	const char *path = *(const char **)x->opts;
	char buf[PATH_MAX];
	struct pl_feedback *fb = NULL;
	struct pl_feedback_total *t = NULL;
	struct pl_err err = { 0 };
	long n;
	int status;

	if (path == NULL)
		path = pl_feedback_default_path(buf, sizeof(buf));
	if ((n = pl_feedback_open(&fb, path, false, &err)) != 0)
		return cli_fail(&err, (int)n);
	if ((n = pl_feedback_totals(fb, &t, &err)) < 0) {
		pl_feedback_close(fb);
		return cli_fail(&err, (int)n);
	}
	status = print_totals(t, n, x->c.json);
	pl_feedback_totals_free(t, n);
	pl_feedback_close(fb);
	return status;
}
