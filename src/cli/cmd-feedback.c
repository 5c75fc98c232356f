/* cmd-feedback.c: `portlore feedback`, the readers' votes per page. */
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "portlore/feedback.h"

static int
print_totals(const struct pl_feedback_total *t, long n, bool json)
{
	struct pl_buf b = PL_BUF_INIT;
	int rc = 0;

	if (json) {
		json_t *a = json_array();
		char *s;

		for (long i = 0; i < n; i++)
			json_array_append_new(a, json_pack("{s:s, s:I, s:I, s:I}", "page", t[i].page,
			    "yes", (json_int_t)t[i].n[0], "partly", (json_int_t)t[i].n[1],
			    "no", (json_int_t)t[i].n[2]));
		s = json_dumps(a, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		json_decref(a);
		rc = s ? pl_buf_printf(&b, "%s\n", s) : -PL_ENOMEM;
		free(s);
	} else {
		rc = pl_buf_printf(&b, "%-20s %7s %7s %7s\n", "page", "yes", "partly", "no");
		for (long i = 0; i < n && rc == 0; i++)
			rc = pl_buf_printf(&b, "%-20s %7ld %7ld %7ld\n", t[i].page, t[i].n[0], t[i].n[1],
			    t[i].n[2]);
	}
	if (rc != 0) {
		pl_buf_free(&b);
		return cli_fail(NULL, rc);
	}
	rc = cli_flush(&b);
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
