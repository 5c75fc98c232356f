/* cmd-feedback.c: `portlore feedback`, the readers' votes per page. */
#include <getopt.h>
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

int
cmd_feedback(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "feedback-db", required_argument, NULL, 'F' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *path = NULL;
	char buf[PATH_MAX];
	bool json = false;
	struct pl_feedback *fb = NULL;
	struct pl_feedback_total *t = NULL;
	struct pl_err err = { 0 };
	long n;
	int ch, status;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "F:jh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'F': path = optarg; break;
		case 'j': json = true; cli_output_exact(); break;
		case 'h': return cli_usage("feedback", EXIT_OK);
		default: return cli_usage("feedback", EXIT_USAGE);
		}
	}
	if (optind != argc)
		return cli_usage("feedback", EXIT_USAGE);
	if (path == NULL)
		path = pl_feedback_default_path(buf, sizeof(buf));
	if ((n = pl_feedback_open(&fb, path, false, &err)) != 0)
		return cli_fail(&err, (int)n);
	if ((n = pl_feedback_totals(fb, &t, &err)) < 0) {
		pl_feedback_close(fb);
		return cli_fail(&err, (int)n);
	}
	status = print_totals(t, n, json);
	pl_feedback_totals_free(t, n);
	pl_feedback_close(fb);
	return status;
}
