/* cmd-probe.c: `portlore probe TARGET [PORTSPEC]`, which ports answer and what is there. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cli.h"
#include "portlore/json.h"
#include "portlore/probe.h"

struct probe_args {
	struct common c;
	bool udp, banner, all, yes;
	double rate;
	long long concurrency, retries, timeout_ms, banner_ms, top;
};

static volatile sig_atomic_t stop;

/* First Ctrl-C: finish politely and print what was found. A second one: the default. */
static void
on_signal(int sig)
{
	stop = 1;
	signal(sig, SIG_DFL);
}

static int
parse_opt(struct probe_args *a, int ch, const char *arg)
{
	long long v;

	switch (ch) {
	case 'u': a->udp = true; return 0;
	case 'b': a->banner = true; return 0;
	case 'a': a->all = true; return 0;
	case 'y': a->yes = true; return 0;
	case 'r':
		if (cli_number("--max-rate", arg, 1, (long long)PL_PROBE_RATE_MAX, &v) != 0)
			return -1;
		a->rate = (double)v;
		return 0;
	case 'c': return cli_number("--concurrency", arg, 1, 65536, &a->concurrency);
	case 'R': return cli_number("--retries", arg, 0, 10, &a->retries);
	case 't': return cli_number("--timeout", arg, 1, 60000, &a->timeout_ms);
	case 'W': return cli_number("--banner-wait", arg, 1, 60000, &a->banner_ms);
	case 'T': return cli_number("--top", arg, 1, 65535, &a->top);
	}
	return -2;
}

/*
 * One status line on stderr, only when stderr is a terminal (the caller checks), once
 * a scan has run for half a second: probes decided, open ports, the rate over the
 * scan so far and the time left at that rate. Rewritten in place with a carriage
 * return and cleared at the end, so it never mixes with the results on stdout.
 */
static void
progress(void *arg, const struct pl_probe_scan *s)
{
	int *drawn = arg;
	int pct = s->planned ? (int)(s->done * 100 / s->planned) : 100;
	double rate = s->elapsed > 0 ? (double)s->done / s->elapsed : 0;
	double eta = rate > 0 ? (double)(s->planned - s->done) / rate : 0;
	uint64_t open = 0;

	if (s->elapsed < 0.5)
		return;
	for (uint32_t h = 0; h < s->target.nhosts; h++)
		open += s->hosts[h].counts[PL_PORT_OPEN];
	fprintf(stderr, "\r%3d%% %llu/%llu ports, %llu open, %.0f/s, ETA %.0f s   ", pct,
	    (unsigned long long)s->done, (unsigned long long)s->planned,
	    (unsigned long long)open, rate, eta);
	*drawn = 1;
}

/* Raises the open-files limit to the hard limit: the probe window's ceiling is sized
 * from it (one descriptor per probe in flight). */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
}

/* Builds the port list: the spec's, or the default set. */
static long
probe_ports(struct pl_store *st, const struct probe_args *a, int argc, char **argv,
    struct pl_probe_port **ports, struct pl_err *err)
{
	struct pl_portspec spec = { 0 };
	const char *from;
	long n = 0;
	int rc = 0;

	if (argc == 0)
		return pl_probe_ports_default(st, a->udp ? PL_PROTO_UDP : PL_PROTO_TCP, (int)a->top,
		    ports, &from, err);
	for (int i = 0; i < argc && rc == 0; i++)
		rc = pl_portspec_parse(&spec, argv[i], err);
	if (rc == 0)
		n = pl_probe_ports_from_spec(st, &spec, a->udp ? PL_PROTO_UDP : PL_PROTO_TCP, ports, err);
	pl_portspec_free(&spec);
	return rc ? rc : n;
}

static int
render(const struct probe_args *a, const struct pl_probe_scan *s, char **query, int nq)
{
	struct pl_buf out = PL_BUF_INIT;
	struct pl_text_opts to;
	int rc;

	if (a->c.json) {
		struct pl_json j;

		pl_json_init(&j, &out, 2);
		pl_probe_json(&j, s, (const char *const *)query, nq);
		pl_buf_addc(&out, '\n');
		rc = pl_json_done(&j);
	} else {
		cli_text_opts(&a->c, &to);
		rc = pl_render_probe_text(&out, s, &to);
	}
	rc = rc ? cli_fail(NULL, rc) : cli_flush(&out);
	pl_buf_free(&out);
	return rc;
}

/* Runs the scan, banners and annotation; returns an exit status. */
static int
scan_and_report(const struct probe_args *a, struct pl_store *st,
    const struct pl_probe_target *t, const struct pl_probe_port *ports, long n,
    char **query, int nq)
{
	int drawn = 0;
	struct pl_probe_opts po = { .rate = a->rate, .concurrency = (int)a->concurrency,
		.retries = (int)a->retries, .max_timeout_ms = (int)a->timeout_ms,
		.keep_all = a->all || (uint64_t)t->nhosts * (uint64_t)n <= 64, .stop = &stop,
		.progress = isatty(STDERR_FILENO) ? progress : NULL, .progress_arg = &drawn };
	struct pl_banner_opts bo = { .wait_ms = (int)a->banner_ms, .stop = &stop };
	struct pl_probe_scan s = { 0 };
	struct pl_err err = { 0 };
	int rc, status;

	raise_nofile();
	rc = pl_probe_run(t, ports, (size_t)n, &po, &s, &err);
	if (drawn)
		fprintf(stderr, "\r%*s\r", 79, "");
	if (rc == 0 && a->banner && !s.interrupted && (rc = pl_banner_read_all(&s, &bo, &err)) ==
	    -PL_EINTR)
		s.interrupted = true, rc = 0;
	if (rc == 0)
		rc = pl_probe_annotate(st, &s, &err);
	if (rc != 0) {
		status = cli_fail(&err, rc);
		pl_probe_scan_free(&s);
		return status;
	}
	status = render(a, &s, query, nq);
	if (status == EXIT_OK && s.interrupted) {
		cli_warn("portlore: probe interrupted; the results above are partial\n");
		status = pl_exit_status(-PL_EINTR);
	}
	pl_probe_scan_free(&s);
	return status;
}

const struct option cmd_probe_longopts[] = {
	COMMON_LONGOPTS,
	{ "udp", no_argument, NULL, 'u' },
	{ "banner", no_argument, NULL, 'b' },
	{ "all", no_argument, NULL, 'a' },
	{ "yes", no_argument, NULL, 'y' },
	{ "max-rate", required_argument, NULL, 'r' },
	{ "rate", required_argument, NULL, 'r' },   /* the older name */
	{ "concurrency", required_argument, NULL, 'c' },
	{ "retries", required_argument, NULL, 'R' },
	{ "timeout", required_argument, NULL, 't' },
	{ "banner-wait", required_argument, NULL, 'W' },
	{ "top", required_argument, NULL, 'T' },
	{ NULL, 0, NULL, 0 }
};

/* The command's options, and the target parsed from them before the store opens. */
struct probe_cmd {
	struct probe_args a;
	bool retries_set, top_set;
	struct pl_probe_target t;
};
_Static_assert(sizeof(struct probe_cmd) <= CLI_OPTS_MAX, "probe's options fit");

int
cmd_probe_option(struct cli_ctx *x, int ch, const char *arg)
{
	struct probe_cmd *p = x->opts;
	int rc = parse_opt(&p->a, ch, arg);

	p->retries_set |= ch == 'R';
	p->top_set |= ch == 'T';
	return rc == -2 ? 1 : rc;
}

/* The defaults of what was not given, and the target (a bad one is refused before
 * the store is opened). */
int
cmd_probe_check(struct cli_ctx *x)
{
	struct probe_cmd *p = x->opts;
	struct pl_err err = { 0 };
	int rc;

	p->a.c = x->c;
	if (!p->retries_set)
		p->a.retries = -1;
	if (!p->top_set)
		p->a.top = 1000;
	if ((rc = pl_probe_target_parse(&p->t, x->argv[0], p->a.yes, &err)) != 0)
		return cli_fail(&err, rc);
	return -1;
}

int
cmd_probe_run(struct cli_ctx *x)
{
	struct probe_cmd *p = x->opts;
	struct sigaction sa = { .sa_handler = on_signal };
	struct pl_probe_port *ports = NULL;
	struct pl_err err = { 0 };
	long n;
	int status;

	if ((n = probe_ports(x->st, &p->a, x->argc - 1, x->argv + 1, &ports, &err)) < 0)
		return cli_fail(&err, (int)n);
	/* No SA_RESTART: the scan's epoll_wait must return so that it sees the flag. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	status = scan_and_report(&p->a, x->st, &p->t, ports, n, x->argv, x->argc);
	free(ports);
	return status;
}
