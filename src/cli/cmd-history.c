/*
 * cmd-history.c: `portlore history PORTSPEC`, the registry story of each port across
 * the store's snapshots (`portlore diff` is cmd-diff.c).
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "portlore/json.h"
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

static int
histories(struct pl_store *st, const struct history_opts *o, const struct target *t,
    size_t n)
{
	struct pl_text_opts to;
	struct pl_buf out = PL_BUF_INIT;
	struct pl_err err = { 0 };
	struct pl_json j;
	int rc = 0, status = EXIT_OK;

	cli_text_opts(&o->c, &to);
	if (o->c.json) {
		pl_json_init(&j, &out, 2);
		pl_json_envelope(&j, "history", 1);
		pl_json_karr(&j, "histories");
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct pl_history h;

		if ((rc = pl_history_build(st, t[i].port, t[i].proto, &h, &err)) != 0)
			break;
		if (o->c.json)
			pl_history_json(&j, &h);
		else if ((rc = pl_buf_adds(&out, i ? "\n" : "")) == 0)
			rc = pl_render_history_text(&out, &h, &to);
		pl_history_free(&h);
	}
	if (rc == 0 && o->c.json) {
		pl_json_end(&j);
		pl_json_end(&j);
		pl_buf_addc(&out, '\n');
		rc = pl_json_done(&j);
	}
	if (rc != 0)
		status = cli_fail(&err, rc);
	else
		status = cli_flush(&out);
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

	if ((status = cli_parse_common("history", argc, argv, &o.c, 1, INT_MAX)) >= 0)
		return status;
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
