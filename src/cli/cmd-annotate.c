/* cmd-annotate.c: `portlore annotate [FILE]`, a scanner's or socket lister's output
 * printed back with the registry's and lore's word under each line that has a port. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "portlore/annotate.h"
#include "portlore/json.h"
#include "portlore/render-annotate.h"
#include "portlore/report.h"

/* The run: the notes, and the document as it streams out. */
struct ann {
	const char *name;             /* the input's name */
	enum pl_ann_format fmt;
	bool json;
	struct pl_store *st;
	struct pl_ann_notes *notes;
	struct pl_err *err;
	struct pl_buf *out;
	struct pl_json j;             /* the JSON document being written */
};

static int
start(void *arg, enum pl_ann_format fmt)
{
	struct ann *a = arg;

	a->fmt = fmt;
	if (a->json)
		pl_annotate_json_begin(&a->j, a->out, a->name, fmt,
		    pl_store_current_snapshot(a->st));
	return 0;
}

/* Writes the buffer out once it holds 64 KiB: a long input never piles up in memory. */
static int
stream_out(struct pl_buf *b)
{
	int rc = pl_buf_error(b);

	if (rc == 0 && b->len > 1 << 16 && cli_flush(b) != 0)
		rc = -PL_EIO;
	return rc;
}

/* An input line (echoed in text) and the items it completed. */
static int
line(void *arg, const char *s, size_t n, const struct pl_ann_item *items, long nitems)
{
	struct ann *a = arg;
	struct pl_ann_annotated an;
	int rc = 0;

	if (s != NULL && !a->json)
		pl_annotate_input_text(a->out, s, n);
	for (long i = 0; i < nitems && rc == 0; i++) {
		if ((rc = pl_ann_annotate(a->notes, &items[i], &an, a->err)) != 0)
			break;
		if (a->json)
			pl_annotate_json(&a->j, a->fmt, &an);
		else
			pl_annotate_text(a->out, a->fmt, &an);
	}
	return rc ? rc : stream_out(a->out);
}

/* The reports of every port the items named, in port order, one at a time. */
static int
json_reports(struct ann *a)
{
	struct pl_report_opts ro = { .no_host = true };
	enum pl_proto proto;
	uint16_t port;
	size_t pos = 0;
	int rc = 0;

	pl_annotate_json_reports(&a->j);
	while (rc == 0 && pl_ann_notes_next(a->notes, &pos, &port, &proto)) {
		struct pl_report r;

		if ((rc = pl_report_build(a->st, port, proto, &ro, &r, a->err)) != 0)
			break;
		pl_report_json(&a->j, &r);
		pl_report_free(&r);
		rc = stream_out(a->out);
	}
	return rc ? rc : pl_annotate_json_end(&a->j);
}

/* annotate's own options, and the input, opened by the check before the store. */
struct annotate_opts {
	enum pl_ann_format fmt;    /* --format, or PL_ANN_UNKNOWN: detect */
	const char *name;          /* the input's name in messages: the path or "stdin" */
	FILE *f;                   /* stdin, or the file, closed by the done hook */
};

_Static_assert(sizeof(struct annotate_opts) <= CLI_OPTS_MAX, "annotate's options fit");

const struct option cmd_annotate_longopts[] = {
	COMMON_LONGOPTS,
	{ "format", required_argument, NULL, 'f' },
	{ NULL, 0, NULL, 0 }
};

int
cmd_annotate_option(struct cli_ctx *x, int ch, const char *arg)
{
	struct annotate_opts *o = x->opts;

	if (ch != 'f')
		return 1;
	if ((o->fmt = pl_ann_format_parse(arg)) == PL_ANN_UNKNOWN) {
		cli_warn("portlore: --format '%.40s': give one of", arg);
		for (int f = 1; f < PL_ANN_FORMAT_COUNT; f++)
			cli_warn(" %s", pl_ann_format_name((enum pl_ann_format)f));
		fputc('\n', stderr);
		return -1;
	}
	return 0;
}

/* Opens the input (FILE, or - or nothing for standard input) before the store: a
 * file that is not there is the user's mistake, said first. */
int
cmd_annotate_check(struct cli_ctx *x)
{
	struct annotate_opts *o = x->opts;
	const char *path = x->argc > 0 ? x->argv[0] : NULL;
	struct pl_err err = { 0 };

	if (path == NULL || strcmp(path, "-") == 0) {
		o->name = "stdin";
		o->f = stdin;
		return -1;
	}
	o->name = path;
	if ((o->f = fopen(path, "re")) == NULL) {
		pl_err_set(&err, -PL_EIO, "%s: %s", path, strerror(errno));
		return cli_fail(&err, errno == ENOENT ? -PL_EUSAGE : -PL_EIO);
	}
	return -1;
}

void
cmd_annotate_done(struct cli_ctx *x)
{
	struct annotate_opts *o = x->opts;

	if (o->f != NULL && o->f != stdin)
		fclose(o->f);
	o->f = NULL;
}

int
cmd_annotate_run(struct cli_ctx *x)
{
	static const struct pl_ann_sink sink = { start, line };
	const struct annotate_opts *o = x->opts;
	struct pl_err err = { 0 };
	struct pl_buf out = PL_BUF_INIT;
	struct ann a = { .name = o->name, .json = x->c.json, .err = &err, .st = x->st,
		.out = &out };
	int rc, status;

	if ((rc = pl_ann_notes_new(&a.notes, x->st, &err)) == 0 &&
	    (rc = pl_ann_read(o->f, o->name, o->fmt, &sink, &a, &err)) == 0 && a.json)
		rc = json_reports(&a);
	status = rc == -PL_EIO && err.code == 0 ? EXIT_SYSTEM : rc ? cli_fail(&err, rc) :
	    cli_flush(&out);
	pl_ann_notes_free(a.notes);
	pl_buf_free(&out);
	return status;
}
