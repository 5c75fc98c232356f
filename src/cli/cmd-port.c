/* cmd-port.c: `portlore PORTSPEC...`, the report of each port and protocol. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "portlore/history.h"
#include "portlore/index.h"
#include "portlore/json.h"
#include "portlore/report.h"

struct port_opts {
	struct common c;
	bool no_host;
	bool from_stdin;
	bool full;                 /* --full, -v: the whole report, not one screen */
};

/* Where the facts come from: the lookup index when it is there and fresh, else the
 * store. flushed: output already went out (a failing index can no longer be retried). */
struct source {
	struct pl_store *st;
	struct pl_index *ix;
	bool flushed;
};

/* run()'s answer when the index turned out malformed before anything was written. */
#define RETRY_WITH_STORE (-1000)

static int
build(struct source *s, const struct pl_target *t, const struct pl_report_opts *ro,
    struct pl_report *r, struct pl_err *err)
{
	if (s->ix != NULL)
		return pl_report_build_index(s->ix, t->port, t->proto, ro, r, err);
	return pl_report_build(s->st, t->port, t->proto, ro, r, err);
}

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

/* Reports built from an index that another program changed meanwhile may hold
 * strings turned to zeros or to other bytes (pl_index_check()): not shown; the store
 * answers instead when nothing was printed yet. */
static int
index_intact(const struct source *s, struct pl_err *err)
{
	return s->ix != NULL ? pl_index_check(s->ix, err) : 0;
}

/* One screen per port number: the reports of its protocols together (brief.c). */
static int
run_brief(struct source *s, const struct pl_target *t, long n,
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
			if ((rc = build(s, &t[i], ro, &r[k], err)) != 0)
				break;
			rp[k] = &r[k];
		}
		if (rc == 0 && b->len > 0)
			rc = pl_buf_addc(b, '\n');
		if (rc == 0)
			rc = pl_render_brief(b, rp, k, to);
		if (rc == 0)
			rc = index_intact(s, err);
		for (size_t j = 0; j < k; j++)
			pl_report_free(&r[j]);
		if (rc == 0 && b->len > 1 << 16) {
			s->flushed = true;
			if ((*status = cli_flush(b)) != 0)
				return 0;
		}
	}
	return rc;
}

static int
run(struct source *s, const struct pl_portspec *spec, const struct port_opts *o,
    int argc, char **argv)
{
	struct pl_netns_memo memo = { 0 };
	struct pl_os_ranges os;
	struct pl_report_opts ro = { .no_host = o->no_host, .history = true,
		.proc_root = getenv("PORTLORE_PROC_ROOT"), .dpkg_info = getenv("PORTLORE_DPKG_INFO"),
		.netns_memo = &memo };
	struct pl_text_opts to;
	struct pl_target *t = NULL;
	struct pl_buf b = PL_BUF_INIT;
	struct pl_json j;
	struct pl_err err = { 0 };
	long n;
	int rc = 0, status = EXIT_OK;

	cli_text_opts(&o->c, &to);
	n = s->ix ? pl_targets_expand_index(s->ix, spec, &t, &err) :
	    pl_targets_expand(s->st, spec, &t, &err);
	if (n == -PL_EDATA && s->ix != NULL) {
		cli_warn("portlore: %s; using the store\n", err.msg);
		return RETRY_WITH_STORE;
	}
	if (n < 0)
		return cli_fail(&err, (int)n);
	/* "on this machine" (cmd-who.c's collector) for a few ports; a range stays fast. */
	ro.sockets = n <= 16;
	/* The host's port settings are the same for every report: read once. */
	if (!o->no_host) {
		if ((rc = pl_os_ranges_read(&os, ro.proc_root, &err)) != 0) {
			free(t);
			pl_netns_memo_free(&memo);
			return cli_fail(&err, rc);
		}
		ro.os = &os;
	}
	if (o->c.json)
		pl_report_doc_begin(&j, &b, argv, argc, s->ix ? pl_index_snapshot(s->ix) :
		    pl_store_current_snapshot(s->st));
	if (!o->c.json && !o->full) {
		/* One screen does not show the registry history: --full does. */
		ro.history = false;
		rc = run_brief(s, t, n, &ro, &to, &b, &err, &status);
		goto out;
	}
	for (long i = 0; i < n && rc == 0; i++) {
		struct pl_report r;

		if ((rc = build(s, &t[i], &ro, &r, &err)) != 0)
			break;
		rc = emit(&b, &j, &r, o, &to, i);
		if (rc == 0)
			rc = index_intact(s, &err);
		pl_report_free(&r);
		/* Stream: a range of thousands of ports never piles up in memory. */
		if (rc == 0 && b.len > 1 << 16) {
			s->flushed = true;
			if ((status = cli_flush(&b)) != 0)
				goto out;
		}
	}
	if (rc == 0 && o->c.json)
		rc = pl_report_doc_end(&j);
out:
	free(t);
	pl_netns_memo_free(&memo);
	if (rc != 0) {
		pl_buf_free(&b);
		if (rc == -PL_EDATA && s->ix != NULL && !s->flushed) {
			cli_warn("portlore: %s; using the store\n", err.msg);
			return RETRY_WITH_STORE;
		}
		return cli_fail(&err, rc);
	}
	if (status == EXIT_OK)
		status = cli_flush(&b);
	pl_buf_free(&b);
	return status;
}

const struct option cmd_port_longopts[] = {
	COMMON_LONGOPTS,
	{ "no-host", no_argument, NULL, 'H' },
	{ "full", no_argument, NULL, 'v' },
	{ "verbose", no_argument, NULL, 'v' },
	{ NULL, 0, NULL, 0 }
};

/* The options, and the specs parsed from the arguments before the store opens. */
struct port_cmd {
	struct port_opts o;
	struct pl_portspec spec;
};
_Static_assert(sizeof(struct port_cmd) <= CLI_OPTS_MAX, "port's options fit");

int
cmd_port_option(struct cli_ctx *x, int ch, const char *arg)
{
	struct port_cmd *p = x->opts;

	(void)arg;
	if (ch == 'H')
		p->o.no_host = true;
	else if (ch == 'v')
		p->o.full = true;
	else
		return 1;
	return 0;
}

/* Every spec parses ("-": more from stdin), or the first bad one is the error. */
int
cmd_port_check(struct cli_ctx *x)
{
	struct port_cmd *p = x->opts;
	struct pl_err err = { 0 };
	int rc = 0;

	p->o.c = x->c;
	for (int i = 0; i < x->argc && rc == 0; i++) {
		if (strcmp(x->argv[i], "-") == 0)
			rc = read_stdin_specs(&p->spec, &err);
		else
			rc = pl_portspec_parse(&p->spec, x->argv[i], &err);
	}
	return rc != 0 ? cli_fail(&err, rc) : -1;
}

int
cmd_port_run(struct cli_ctx *x)
{
	struct port_cmd *p = x->opts;
	struct source s = { 0 };
	struct pl_err err = { 0 };
	char buf[PATH_MAX];
	const char *path = x->c.db ? x->c.db : pl_store_default_path(buf, sizeof(buf));
	int rc, status;

	/* A missing or stale index is no error: the store answers, only slower. */
	if ((rc = pl_index_open(&s.ix, path, &err)) == -PL_EDATA)
		cli_warn("portlore: %s; using the store\n", err.msg);
	if (s.ix != NULL) {
		status = run(&s, &p->spec, &p->o, x->argc, x->argv);
		pl_index_close(s.ix);
		s.ix = NULL;
		if (status != RETRY_WITH_STORE)
			return status;
	}
	if ((rc = cli_open_store(&x->c, &x->st, PL_STORE_READ)) != 0)
		return rc;
	s.st = x->st;
	return run(&s, &p->spec, &p->o, x->argc, x->argv);
}

void
cmd_port_done(struct cli_ctx *x)
{
	pl_portspec_free(&((struct port_cmd *)x->opts)->spec);
}

/* "-1" is a negative port, not an option: say so before getopt sees it. Then the
 * table's parsing (cli_run). */
int
cmd_port(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (argv[i][0] == '-' && argv[i][1] >= '0' && argv[i][1] <= '9') {
			cli_warn("portlore: port spec '%.40s': not a port (ports are 0-65535)\n",
			    argv[i]);
			return EXIT_USAGE;
		}
	for (const struct cmd *c = cli_cmds; c->name; c++)
		if (strcmp(c->name, "port") == 0)
			return cli_run(c, argc, argv);
	return EXIT_USAGE;
}
