/* cmd-pick.c: `portlore pick`, ports that suit a new service, and `pick --check PORT`,
 * why one port does or doesn't. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "portlore/json.h"
#include "portlore/num.h"
#include "portlore/pick.h"

struct pick_opts {
	struct common c;
	struct pl_pick_opts p;
	bool check, counted, ranged, seeded;
	bool full;                 /* --full, -v: every criterion of every candidate */
	uint16_t check_port;
};

/* Parses a decimal number from 0 to max; returns 0 or -1. */
static int
number(const char *s, long long max, unsigned long long *v)
{
	const char *errstr;

	*v = (unsigned long long)pl_strtonum(s, 0, max, &errstr);
	return errstr != NULL ? -1 : 0;
}

static int
port_arg(const char *opt, const char *arg, uint16_t *port)
{
	unsigned long long v;

	if (number(arg, 65535, &v) != 0) {
		cli_warn("portlore: %s '%.40s': give a port from 0 to 65535\n", opt, arg);
		return -1;
	}
	*port = (uint16_t)v;
	return 0;
}

static int
range_arg(const char *arg, struct pl_pick_opts *p)
{
	char lo[8], *dash = strchr(arg, '-');
	size_t n = dash ? (size_t)(dash - arg) : 0;

	if (dash == NULL || n == 0 || n >= sizeof(lo)) {
		cli_warn("portlore: --range '%.40s': give LOW-HIGH, e.g. 20000-29999\n", arg);
		return -1;
	}
	memcpy(lo, arg, n);
	lo[n] = '\0';
	if (port_arg("--range", lo, &p->lo) != 0 || port_arg("--range", dash + 1, &p->hi) != 0)
		return -1;
	if (p->lo > p->hi) {
		cli_warn("portlore: --range '%.40s': the low end is above the high end\n", arg);
		return -1;
	}
	return 0;
}

static int
parse_opt(struct pick_opts *o, int ch, const char *arg)
{
	unsigned long long v;

	switch (ch) {
	case 'n':
		if (number(arg, 1000, &v) != 0 || v < 1) {
			cli_warn("portlore: --count '%.40s': give a number from 1 to 1000\n", arg);
			return -1;
		}
		o->p.count = (int)v;
		o->counted = true;
		return 0;
	case 'p':
		o->p.proto = pl_proto_parse(arg, strlen(arg));
		if (o->p.proto != PL_PROTO_TCP && o->p.proto != PL_PROTO_UDP) {
			cli_warn("portlore: --proto '%.40s': give tcp or udp\n", arg);
			return -1;
		}
		return 0;
	case 'N':
		o->p.have_near = true;
		return port_arg("--near", arg, &o->p.near);
	case 'r':
		o->ranged = true;
		return range_arg(arg, &o->p);
	case 's':
		if (number(arg, INT64_MAX, &v) != 0) {
			cli_warn("portlore: --seed '%.40s': give an integer from 0 to %lld\n", arg,
			    (long long)INT64_MAX);
			return -1;
		}
		o->p.seed = v;
		o->seeded = true;
		return 0;
	case 'k':
		o->check = true;
		return port_arg("--check", arg, &o->check_port);
	case 'v':
		o->full = true;
		return 0;
	}
	return 1;
}

static int
render(struct pl_buf *b, const struct pick_opts *o, const struct pl_pick_result *res, int n)
{
	struct pl_text_opts to;
	struct pl_json j;

	if (!o->c.json) {
		cli_text_opts(&o->c, &to);
		if (!o->check && !o->full)
			return pl_pick_lines(b, res, n, &to);
		return pl_pick_text(b, res, n, o->check, &to);
	}
	pl_json_init(&j, b, 2);
	pl_pick_json(&j, &o->p, o->check, res, n);
	pl_buf_addc(b, '\n');
	return pl_json_done(&j);
}

static int
run(struct pl_store *st, struct pick_opts *o)
{
	struct pl_pick_result one, *res = NULL;
	struct pl_buf b = PL_BUF_INIT;
	struct pl_err err = { 0 };
	const char *root = getenv("PORTLORE_PROC_ROOT");
	int n, rc, status;

	o->p.proc_root = root;
	if (o->check) {
		if ((rc = pl_pick_check(st, o->check_port, o->p.proto, root, &one, &err)) != 0)
			return cli_fail(&err, rc);
		n = 1;
	} else if ((n = pl_pick(st, &o->p, &res, &err)) < 0) {
		return cli_fail(&err, n);
	}
	if ((rc = render(&b, o, o->check ? &one : res, n)) != 0)
		status = cli_fail(NULL, rc);
	else
		status = cli_flush(&b);
	if (status == EXIT_OK && !o->check && n < o->p.count)
		cli_warn("portlore: pick: %s %d of %d ports in %u-%u meet every criterion\n",
		    n == 0 ? "none of the" : "only", n, o->p.count, o->p.lo, o->p.hi);
	/* Like test(1): a port that is not a good choice, or no port found, is status 1. */
	if (status == EXIT_OK && ((o->check && !one.good) || (!o->check && n == 0)))
		status = EXIT_NOTFOUND;
	free(res);
	pl_buf_free(&b);
	return status;
}

int
cmd_pick(int argc, char **argv)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "count", required_argument, NULL, 'n' },
		{ "proto", required_argument, NULL, 'p' },
		{ "near", required_argument, NULL, 'N' },
		{ "range", required_argument, NULL, 'r' },
		{ "seed", required_argument, NULL, 's' },
		{ "check", required_argument, NULL, 'k' },
		{ "full", no_argument, NULL, 'v' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	/* User Ports: below the dynamic range, above the privileged one. */
	struct pick_opts o = { .c = { .color = -1 }, .p = { .count = 5, .proto = PL_PROTO_TCP,
		.lo = 1024, .hi = 49151 } };
	struct pl_store *st = NULL;
	int ch, rc, status;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "d:jC:w:hn:p:v", longopts, NULL)) != -1) {
		if ((rc = cli_common_opt(&o.c, ch, optarg)) < 0)
			return EXIT_USAGE;
		if (rc > 0)
			continue;
		if (ch == 'h')
			return cli_usage("pick", EXIT_OK);
		if ((rc = parse_opt(&o, ch, optarg)) != 0)
			return rc < 0 ? EXIT_USAGE : cli_usage("pick", EXIT_USAGE);
	}
	if (optind != argc)
		return cli_usage("pick", EXIT_USAGE);
	if (o.check && (o.counted || o.ranged || o.seeded || o.p.have_near)) {
		cli_warn("portlore: pick: --check judges one port; it takes no --count, "
		    "--near, --range or --seed\n");
		return EXIT_USAGE;
	}
	if ((status = cli_open_store(&o.c, &st, PL_STORE_READ)) != 0)
		return status;
	status = run(st, &o);
	pl_store_close(st);
	return status;
}
