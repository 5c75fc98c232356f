/* cmd-port.c: `portlore PORTSPEC...`, the report of each port and protocol. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "portlore/history.h"
#include "portlore/json.h"
#include "portlore/report.h"

struct port_opts {
	struct common c;
	bool no_host;
	bool from_stdin;
	bool full;                 /* --full, -v: the whole report, not one screen */
};

/* The most port specs `portlore -` reads (docs/portlore.1): a list of every listener of
 * a large host fits; an endless stream is refused before it fills memory. */
#define STDIN_SPECS_MAX 10000

/* Reads port specs from stdin, one or more per line (blank-separated). */
static int
read_stdin_specs(struct pl_portspec *spec, struct pl_err *err)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long lineno = 0, count = 0;
	int rc = 0;

	while (rc == 0 && (n = getline(&line, &cap, stdin)) > 0) {
		char *save = NULL, *tok;

		lineno++;
		if ((size_t)n > PL_PORTSPEC_MAX + 1) {
			rc = pl_err_set(err, -PL_ETOOBIG, "stdin:%ld: line of %zd bytes is too long "
			    "(at most %d)", lineno, n, PL_PORTSPEC_MAX);
			break;
		}
		for (tok = strtok_r(line, " \t\r\n", &save); tok && rc == 0;
		    tok = strtok_r(NULL, " \t\r\n", &save)) {
			if (++count > STDIN_SPECS_MAX) {
				rc = pl_err_set(err, -PL_ETOOBIG, "stdin:%ld: more than %d port specs "
				    "(the most '-' reads); split the input", lineno, STDIN_SPECS_MAX);
				break;
			}
			if ((rc = pl_portspec_parse(spec, tok, err)) != 0) {
				char msg[PL_ERRMSG];

				snprintf(msg, sizeof(msg), "%s", err->msg);
				pl_err_set(err, rc, "stdin:%ld: %s", lineno, msg);
			}
		}
	}
	free(line);
	if (rc == 0 && spec->n == 0)
		rc = pl_err_set(err, -PL_EUSAGE, "stdin: no port specs");
	return rc;
}

/* Renders one report, with the port's registry history (the registry's own dates and
 * the changes between the store's snapshots) where there is any. */
static int
emit(struct pl_buf *b, struct pl_json *j, const struct pl_report *r,
    const struct port_opts *o, const struct pl_text_opts *to, long i)
{
	int rc;

	if (!o->c.json) {
		if (i > 0 && (rc = pl_buf_addc(b, '\n')) != 0)
			return rc;
		if ((rc = pl_render_text(b, r, to)) != 0)
			return rc;
		return pl_render_history_brief(b, &r->history, to);
	}
	pl_report_json(j, r);
	return pl_buf_error(b);
}

/* One screen per port number: the reports of its protocols together (brief.c). */
static int
run_brief(struct pl_store *st, const struct pl_target *t, long n,
    const struct pl_report_opts *ro, const struct pl_text_opts *to, struct pl_buf *b,
    struct pl_err *err, int *status)
{
	struct pl_report r[PL_PROTO_COUNT];
	const struct pl_report *rp[PL_PROTO_COUNT];
	int rc = 0;

	for (long i = 0; i < n && rc == 0;) {
		size_t k = 0;

		/* pl_targets_expand() keeps a port's protocols together, one of each. */
		for (; i < n && k < PL_PROTO_COUNT && (k == 0 || t[i].port == r[0].port); i++, k++) {
			if ((rc = pl_report_build(st, t[i].port, t[i].proto, ro, &r[k], err)) != 0)
				break;
			rp[k] = &r[k];
		}
		if (rc == 0 && b->len > 0)
			rc = pl_buf_addc(b, '\n');
		if (rc == 0)
			rc = pl_render_brief(b, rp, k, to);
		for (size_t j = 0; j < k; j++)
			pl_report_free(&r[j]);
		if (rc == 0 && b->len > 1 << 16 && (*status = cli_flush(b)) != 0)
			return 0;
	}
	return rc;
}

static int
run(struct pl_store *st, const struct pl_portspec *spec, const struct port_opts *o,
    int argc, char **argv)
{
	struct pl_report_opts ro = { .no_host = o->no_host, .history = true,
		.proc_root = getenv("PORTLORE_PROC_ROOT"), .dpkg_info = getenv("PORTLORE_DPKG_INFO") };
	struct pl_text_opts to;
	struct pl_target *t = NULL;
	struct pl_buf b = PL_BUF_INIT;
	struct pl_json j;
	struct pl_err err = { 0 };
	long n;
	int rc = 0, status = EXIT_OK;

	cli_text_opts(&o->c, &to);
	if ((n = pl_targets_expand(st, spec, &t, &err)) < 0)
		return cli_fail(&err, (int)n);
	/* "on this machine" (cmd-who.c's collector) for a few ports; a range stays fast. */
	ro.sockets = n <= 16;
	if (o->c.json)
		pl_report_doc_begin(&j, &b, argv, argc, pl_store_current_snapshot(st));
	if (!o->c.json && !o->full) {
		/* One screen does not show the registry history: --full does. */
		ro.history = false;
		rc = run_brief(st, t, n, &ro, &to, &b, &err, &status);
		goto out;
	}
	for (long i = 0; i < n && rc == 0; i++) {
		struct pl_report r;

		if ((rc = pl_report_build(st, t[i].port, t[i].proto, &ro, &r, &err)) != 0)
			break;
		rc = emit(&b, &j, &r, o, &to, i);
		pl_report_free(&r);
		/* Stream: a range of thousands of ports never piles up in memory. */
		if (rc == 0 && b.len > 1 << 16 && (status = cli_flush(&b)) != 0)
			goto out;
	}
	if (rc == 0 && o->c.json)
		rc = pl_report_doc_end(&j);
out:
	free(t);
	if (rc != 0) {
		pl_buf_free(&b);
		return cli_fail(&err, rc);
	}
	if (status == EXIT_OK)
		status = cli_flush(&b);
	pl_buf_free(&b);
	return status;
}

int
cmd_port(int argc, char **argv)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "no-host", no_argument, NULL, 'H' },
		{ "full", no_argument, NULL, 'v' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	struct port_opts o = { .c = { .color = -1 } };
	struct pl_portspec spec = { 0 };
	struct pl_store *st = NULL;
	struct pl_err err = { 0 };
	int ch, rc, status;

	/* "-1" is a negative port, not an option: say so before getopt sees it. */
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (argv[i][0] == '-' && argv[i][1] >= '0' && argv[i][1] <= '9') {
			cli_warn("portlore: port spec '%.40s': not a port (ports are 0-65535)\n",
			    argv[i]);
			return EXIT_USAGE;
		}
	optind = 1;
	while ((ch = getopt_long(argc, argv, "d:jC:w:hHv", longopts, NULL)) != -1) {
		if ((rc = cli_common_opt(&o.c, ch, optarg)) < 0)
			return EXIT_USAGE;
		if (rc > 0)
			continue;
		switch (ch) {
		case 'H':
			o.no_host = true;
			break;
		case 'v':
			o.full = true;
			break;
		case 'h':
			return cli_usage("port", EXIT_OK);
		default:
			return cli_usage("port", EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		return cli_usage("port", EXIT_USAGE);
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-") == 0)
			rc = read_stdin_specs(&spec, &err);
		else
			rc = pl_portspec_parse(&spec, argv[i], &err);
		if (rc != 0) {
			pl_portspec_free(&spec);
			return cli_fail(&err, rc);
		}
	}
	if ((status = cli_open_store(&o.c, &st, PL_STORE_READ)) == 0) {
		status = run(st, &spec, &o, argc, argv);
		pl_store_close(st);
	}
	pl_portspec_free(&spec);
	return status;
}
