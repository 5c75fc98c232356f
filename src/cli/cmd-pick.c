/* cmd-pick.c: `portlore pick`, ports that suit a new service, and `pick --check PORT`,
 * why one port does or doesn't. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "portlore/pick.h"

#define PICK_SCHEMA "https://portlore.dev/schema/pick/1"

struct pick_opts {
	struct common c;
	struct pl_pick_opts p;
	bool check, counted, ranged, seeded;
	uint16_t check_port;
};

/* Parses a decimal number from 0 to max; returns 0 or -1. */
static int
number(const char *s, unsigned long long max, unsigned long long *v)
{
	char *end;

	errno = 0;
	if (*s < '0' || *s > '9')
		return -1;
	*v = strtoull(s, &end, 10);
	return *end != '\0' || errno != 0 || *v > max ? -1 : 0;
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
	}
	return 1;
}

static const char *
verdict_color(enum pl_verdict v)
{
	return v == PL_PASS ? "\033[32m" : v == PL_FAIL ? "\033[31m" : "\033[33m";
}

static int
text_result(struct pl_buf *b, const struct pl_pick_result *r, bool check,
    const struct pl_text_opts *to)
{
	int nfail = 0, rc;

	for (int i = 0; i < PL_PICK_NCRIT; i++)
		nfail += r->c[i].verdict == PL_FAIL;
	if (check)
		rc = pl_buf_printf(b, "%u/%s: %s", r->port, pl_proto_name(r->proto), nfail == 0 ?
		    "a good choice" : "not a good choice");
	else
		rc = pl_buf_printf(b, "%u/%s", r->port, pl_proto_name(r->proto));
	if (rc == 0 && check && nfail > 0)
		rc = pl_buf_printf(b, " (%d of %d criteria fail)", nfail, PL_PICK_NCRIT);
	rc = rc ? rc : pl_buf_addc(b, '\n');
	for (int i = 0; i < PL_PICK_NCRIT && rc == 0; i++) {
		const struct pl_pick_fact *f = &r->c[i];
		char tail[80];
		struct pl_buf line = PL_BUF_INIT;

		snprintf(tail, sizeof(tail), " [%s%s%s]", pl_prov_name(f->prov),
		    i == PL_PICK_UNASSIGNED && r->snapshot[0] ? " " : "",
		    i == PL_PICK_UNASSIGNED ? r->snapshot : "");
		rc = pl_buf_printf(b, "  %s%-7s%s %-13s ", to->color ? verdict_color(f->verdict) : "",
		    pl_verdict_name(f->verdict), to->color ? "\033[0m" : "", pl_pick_crit_key(i));
		if (rc == 0 && (rc = pl_buf_printf(&line, "%s%s", f->fact, tail)) == 0)
			rc = pl_wrap(b, pl_buf_str(&line), 24, 24, to->width);
		pl_buf_free(&line);
		rc = rc ? rc : pl_buf_addc(b, '\n');
	}
	return rc;
}

static json_t *
result_json(const struct pl_pick_result *r)
{
	json_t *crit = json_array();

	for (int i = 0; i < PL_PICK_NCRIT; i++) {
		const struct pl_pick_fact *f = &r->c[i];
		json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "key", pl_pick_crit_key(i),
		    "verdict", pl_verdict_name(f->verdict), "fact", f->fact,
		    "provenance", pl_prov_name(f->prov));

		/* Facts quote registry and lore text; json_pack refuses bad UTF-8 with NULL. */
		if (o && f->prov == PL_PROV_IANA)
			json_object_set_new(o, "snapshot", r->snapshot[0] ? json_string(r->snapshot) :
			    json_null());
		json_array_append_new(crit, o ? o : json_null());
	}
	return json_pack("{s:i, s:s, s:b, s:o}", "port", r->port, "protocol",
	    pl_proto_name(r->proto), "good", r->good, "criteria", crit);
}

static int
render(struct pl_buf *b, const struct pick_opts *o, const struct pl_pick_result *res, int n)
{
	struct pl_text_opts to;
	json_t *doc, *ports;
	char *s;
	int rc = 0;

	if (!o->c.json) {
		cli_text_opts(&o->c, &to);
		for (int i = 0; i < n && rc == 0; i++) {
			if (i > 0)
				rc = pl_buf_addc(b, '\n');
			rc = rc ? rc : text_result(b, &res[i], o->check, &to);
		}
		return rc;
	}
	ports = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(ports, result_json(&res[i]));
	doc = json_pack("{s:s, s:i, s:b, s:{s:i, s:s, s:o, s:[i,i], s:I}, s:o}", "schema",
	    PICK_SCHEMA, "version", 1, "check", o->check, "query", "count", o->p.count,
	    "protocol", pl_proto_name(o->p.proto), "near", o->p.have_near ?
	    json_integer(o->p.near) : json_null(), "range", o->p.lo, o->p.hi,
	    "seed", (json_int_t)o->p.seed, "ports", ports);
	s = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	rc = s ? pl_buf_printf(b, "%s\n", s) : -PL_ENOMEM;
	free(s);
	json_decref(doc);
	return rc;
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
		{ NULL, 0, NULL, 0 }
	};
	/* User Ports: below the dynamic range, above the privileged one. */
	struct pick_opts o = { .c = { .color = -1 }, .p = { .count = 5, .proto = PL_PROTO_TCP,
		.lo = 1024, .hi = 49151 } };
	struct pl_store *st = NULL;
	int ch, rc, status;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "d:jC:w:hn:p:", longopts, NULL)) != -1) {
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
