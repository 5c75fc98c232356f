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

int
cmd_probe(int argc, char **argv)
{
	static const struct option longopts[] = {
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
	struct probe_args a = { .c = { .color = -1 }, .retries = -1, .top = 1000 };
	struct sigaction sa = { .sa_handler = on_signal };
	struct pl_probe_target t;
	struct pl_probe_port *ports = NULL;
	struct pl_store *st = NULL;
	struct pl_err err = { 0 };
	long n;
	int ch, rc, status;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "d:jC:w:hubayr:c:R:t:W:T:", longopts, NULL)) != -1) {
		if ((rc = cli_common_opt(&a.c, ch, optarg)) < 0)
			return EXIT_USAGE;
		if (rc > 0)
			continue;
		if (ch == 'h')
			return cli_usage("probe", EXIT_OK);
		if ((rc = parse_opt(&a, ch, optarg)) == -2)
			return cli_usage("probe", EXIT_USAGE);
		if (rc != 0)
			return EXIT_USAGE;
	}
	if (optind >= argc)
		return cli_usage("probe", EXIT_USAGE);
	if ((rc = pl_probe_target_parse(&t, argv[optind], a.yes, &err)) != 0)
		return cli_fail(&err, rc);
	if ((status = cli_open_store(&a.c, &st, PL_STORE_READ)) != 0)
		return status;
	if ((n = probe_ports(st, &a, argc - optind - 1, argv + optind + 1, &ports, &err)) < 0) {
		status = cli_fail(&err, (int)n);
		goto out;
	}
	/* No SA_RESTART: the scan's epoll_wait must return so that it sees the flag. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	status = scan_and_report(&a, st, &t, ports, n, argv + optind, argc - optind);
out:
	free(ports);
	pl_store_close(st);
	return status;
}
