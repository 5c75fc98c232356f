/*
 * cmd-history.c: `portlore history PORTSPEC`, the registry story of each port across
 * the store's snapshots, and `portlore diff OLD NEW`, what changed between two.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "portlore/history.h"

#define HISTORY_MAX_PORTS 64    /* a story per port: keep the output readable */

struct target {
	uint16_t port;
	enum pl_proto proto;
};

struct history_opts {
	struct common c;
	char **specs;
	int nspecs;
};

/* Parses the common options and the positional arguments: nargs of them, or at least
 * one when nargs is 0. Returns 0, an exit status, or -1 when help was given. */
static int
parse(const char *name, int argc, char **argv, struct common *c, int nargs)
{
	static const struct option longopts[] = { COMMON_LONGOPTS, { NULL, 0, NULL, 0 } };
	int ch, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "d:jC:w:h", longopts, NULL)) != -1) {
		if ((rc = cli_common_opt(c, ch, optarg)) < 0)
			return EXIT_USAGE;
		if (rc > 0)
			continue;
		if (ch != 'h')
			return cli_usage(name, EXIT_USAGE);
		cli_usage(name, EXIT_OK);
		return -1;        /* help asked for and given */
	}
	if (nargs > 0 ? argc - optind != nargs : argc - optind < 1)
		return cli_usage(name, EXIT_USAGE);
	return 0;
}

/* Appends a port to targets unless it is there already. */
static int
add_port(struct target *t, size_t *n, uint16_t port, enum pl_proto proto,
    const char *spec, struct pl_err *err)
{
	for (size_t i = 0; i < *n; i++)
		if (t[i].port == port && t[i].proto == proto)
			return 0;
	if (*n == HISTORY_MAX_PORTS)
		return pl_err_set(err, -PL_ETOOBIG, "history '%.100s': more than %d ports", spec,
		    HISTORY_MAX_PORTS);
	t[*n].port = port;
	t[(*n)++].proto = proto;
	return 0;
}

/* Turns the spec into ports: numbers and ranges as given, names through the store. */
static int
spec_ports(struct pl_store *st, const char *text, struct target *t, size_t *n,
    struct pl_err *err)
{
	struct pl_portspec spec = { 0 };
	int rc = pl_portspec_parse(&spec, text, err);

	for (size_t i = 0; rc == 0 && i < spec.n; i++) {
		const struct pl_portspec_item *it = &spec.items[i];
		struct pl_port_ref *refs = NULL;
		int nr;

		if (it->name[0] == '\0') {
			for (long p = it->lo; p <= it->hi && rc == 0; p++)
				rc = add_port(t, n, (uint16_t)p, it->proto, text, err);
			continue;
		}
		if ((nr = pl_store_resolve_name(st, it->name, it->proto, &refs, err)) < 0) {
			rc = nr;
			break;
		}
		for (int k = 0; k < nr && rc == 0; k++)
			rc = add_port(t, n, refs[k].lo, it->proto, text, err);
		free(refs);
	}
	pl_portspec_free(&spec);
	return rc;
}

/* Prints a JSON document and frees it. */
static int
print_json(json_t *j)
{
	char *s = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	int status = EXIT_OK;

	status = s != NULL ? cli_printf("%s\n", s) : cli_fail(NULL, -PL_ENOMEM);
	free(s);
	json_decref(j);
	return status;
}

static int
histories(struct pl_store *st, const struct history_opts *o, const struct target *t,
    size_t n)
{
	struct pl_text_opts to;
	struct pl_buf out = PL_BUF_INIT;
	struct pl_err err = { 0 };
	json_t *list = json_array();
	int rc = 0, status = EXIT_OK;

	cli_text_opts(&o->c, &to);
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct pl_history h;

		if ((rc = pl_history_build(st, t[i].port, t[i].proto, &h, &err)) != 0)
			break;
		if (o->c.json)
			rc = json_array_append_new(list, pl_history_json(&h)) == 0 ? 0 : -PL_ENOMEM;
		else if ((rc = pl_buf_adds(&out, i ? "\n" : "")) == 0)
			rc = pl_render_history_text(&out, &h, &to);
		pl_history_free(&h);
	}
	if (rc != 0)
		status = cli_fail(&err, rc);
	else if (o->c.json)
		status = print_json(json_pack("{s:o}", "histories", json_incref(list)));
	else
		status = cli_flush(&out);
	json_decref(list);
	pl_buf_free(&out);
	return status;
}

int
cmd_history(int argc, char **argv)
{
	struct history_opts o = { .c = { .color = -1 } };
	struct target t[HISTORY_MAX_PORTS];
	struct pl_store *st = NULL;
	struct pl_err err = { 0 };
	size_t n = 0;
	int status, rc = 0;

	if ((status = parse("history", argc, argv, &o.c, 0)) != 0)
		return status < 0 ? EXIT_OK : status;
	o.specs = argv + optind;
	o.nspecs = argc - optind;
	if ((status = cli_open_store(&o.c, &st, PL_STORE_READ)) != 0)
		return status;
	for (int i = 0; i < o.nspecs && rc == 0; i++)
		rc = spec_ports(st, o.specs[i], t, &n, &err);
	if (rc != 0)
		status = cli_fail(&err, rc);
	else
		status = histories(st, &o, t, n);
	pl_store_close(st);
	return status;
}

int
cmd_diff(int argc, char **argv)
{
	struct common c = { .color = -1 };
	char old_label[32], new_label[32];
	struct pl_store *st = NULL;
	struct pl_err err = { 0 };
	struct pl_diff d = { 0 };
	struct pl_buf out = PL_BUF_INIT;
	struct pl_text_opts to;
	int status, rc;

	if ((status = parse("diff", argc, argv, &c, 2)) != 0)
		return status < 0 ? EXIT_OK : status;
	if ((status = cli_open_store(&c, &st, PL_STORE_READ)) != 0)
		return status;
	if ((rc = pl_snapshot_resolve(st, argv[optind], old_label, sizeof(old_label), &err)) != 0 ||
	    (rc = pl_snapshot_resolve(st, argv[optind + 1], new_label, sizeof(new_label), &err)) != 0 ||
	    (rc = pl_diff_build(st, old_label, new_label, &d, &err)) != 0) {
		status = cli_fail(&err, rc);
		goto out;
	}
	if (c.json) {
		status = print_json(pl_diff_json(&d));
		goto out;
	}
	cli_text_opts(&c, &to);
	if ((rc = pl_render_diff_text(&out, &d, &to)) != 0)
		status = cli_fail(NULL, rc);
	else
		status = cli_flush(&out);
out:
	pl_diff_free(&d);
	pl_buf_free(&out);
	pl_store_close(st);
	return status;
}
