/*
 * cmd-who.c: `portlore who PORT[/PROTO]`, who holds a port on this machine or why it
 * can't be bound. Its options and the collection are those of the socket commands
 * (cli-sockets.c).
 */
#include <string.h>

#include "cli.h"
#include "cli-sockets.h"
#include "portlore/json.h"
#include "portlore/render-sockets.h"
#include "portlore/sockets.h"

/* who takes exactly one port, with an optional protocol. */
static int
one_port(const char *cmd, struct sockets_opts *o, int argc, char **argv)
{
	int status;

	if ((status = sockets_parse_ports(o, argc, argv)) >= 0)
		return status;
	if (o->f.spec.n != 1 || o->f.spec.items[0].lo != o->f.spec.items[0].hi) {
		cli_warn("portlore: %s: give one port, such as 8080 or 8080/tcp\n", cmd);
		return EXIT_USAGE;
	}
	if (o->f.spec.items[0].proto == PL_PROTO_TCP)
		o->q.tcp = true, o->q.udp = false;
	else if (o->f.spec.items[0].proto == PL_PROTO_UDP)
		o->q.udp = true, o->q.tcp = false;
	return -1;
}

static bool
any_listener(const struct pl_socklist *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (pl_sock_is_listener(&l->v[i]))
			return true;
	return false;
}

/* Why a bind to the port fails; with lore about other systems when lore is set, from
 * the index while it is sound, else from the store; the host's settings from host (the
 * other protocol's answer) when it is not NULL. */
static int
bind_why(struct pl_bind_why *w, const struct sockets_opts *o, const struct pl_socklist *l,
    enum pl_proto proto, const struct pl_bind_why *host, struct sockets_db *d, bool lore,
    struct pl_err *err)
{
	if (lore && d->ix != NULL && !d->ix_bad) {
		int rc = pl_bind_why_build_index(w, l, o->q.lo, proto, o->q.root, host, d->ix, err);

		if (rc != -PL_EDATA)
			return rc;
		cli_warn("portlore: %s; using the store\n", err->msg);
		d->ix_bad = true;
		memset(err, 0, sizeof(*err));
	}
	return pl_bind_why_build(w, l, o->q.lo, proto, o->q.root, host,
	    lore ? sockets_db_store(d) : NULL, err);
}

/* Listeners in detail when there are any; otherwise why a bind fails, per protocol. */
static int
who_text(struct pl_buf *b, struct sockets_opts *o, struct pl_socklist *l, struct sockets_db *d,
    bool *listening)
{
	struct pl_bind_why w[2];
	struct pl_buf why[2] = { PL_BUF_INIT, PL_BUF_INIT };
	struct pl_text_opts to;
	struct pl_err err = { 0 };
	bool want[2] = { !(o->q.udp && !o->q.tcp), !(o->q.tcp && !o->q.udp) };
	int rc = 0;

	sockets_text_opts(&o->c, &to);
	memset(w, 0, sizeof(w));
	*listening = false;
	/* The text shows why a bind fails only when nothing listens: with a listener, the
	 * "elsewhere" lore would be looked up for nothing. */
	for (int k = 0; k < 2 && rc == 0; k++)
		if (want[k] && (rc = bind_why(&w[k], o, l, k ? PL_PROTO_UDP : PL_PROTO_TCP,
		    k && want[0] ? &w[0] : NULL, d, !any_listener(l), &err)) == 0)
			*listening |= w[k].nlisteners > 0;
	if (rc != 0) {
		pl_bind_why_free(&w[0]);
		return cli_fail(&err, rc), rc;
	}
	for (int k = 0; k < 2 && rc == 0; k++) {
		struct pl_socklist one = *l;

		if (!want[k])
			continue;
		one.notes[0] = '\0';
		for (size_t i = 0; i < w[k].nlisteners && rc == 0; i++) {
			one.v = &l->v[w[k].listeners[i]];
			one.n = 1;
			rc = pl_render_sockets_text(b, &one, true, &to);
		}
		for (size_t i = 0; o->q.all && *listening && i < w[k].noutgoing && rc == 0; i++) {
			one.v = &l->v[w[k].outgoing[i]];
			one.n = 1;
			rc = pl_render_sockets_text(b, &one, false, &to);
		}
		if (!*listening && rc == 0)
			rc = pl_render_bind_why_text(&why[k], &w[k], l, &to);
	}
	/* Nothing listens: the two protocols' reasons, once when they are the same. */
	if (rc == 0 && !*listening) {
		const char *t = pl_buf_str(&why[0]), *u = pl_buf_str(&why[1]);
		const char *tr = strchr(t, '\n'), *ur = strchr(u, '\n');

		if (want[0] && want[1] && tr && ur && strcmp(tr, ur) == 0)
			rc = pl_buf_printf(b, "nothing listens on %u/tcp or %u/udp here.%s",
			    (unsigned)o->q.lo, (unsigned)o->q.lo, tr);
		else
			rc = pl_buf_printf(b, "%s%s", t, u);
	}
	pl_buf_free(&why[0]);
	pl_buf_free(&why[1]);
	if (rc == 0 && *l->notes)
		rc = pl_buf_printf(b, "note: %s\n", l->notes);
	pl_bind_why_free(&w[0]);
	pl_bind_why_free(&w[1]);
	return rc;
}

static int
who_json(struct pl_buf *b, struct sockets_opts *o, struct pl_socklist *l, struct sockets_db *d,
    int argc, char **argv, bool *listening)
{
	struct pl_err err = { 0 };
	struct pl_json j;
	struct pl_bind_why w, host;
	bool have_host = false;
	int rc = 0;

	sockets_json_head(&j, b, "who", argc, argv);
	pl_sockets_json(&j, l);
	pl_json_karr(&j, "bind");
	*listening = false;

	for (int pi = PL_PROTO_TCP; pi <= PL_PROTO_UDP && rc == 0; pi++) {
		if ((pi == PL_PROTO_TCP && o->q.udp && !o->q.tcp) ||
		    (pi == PL_PROTO_UDP && o->q.tcp && !o->q.udp))
			continue;
		if ((rc = bind_why(&w, o, l, (enum pl_proto)pi, have_host ? &host : NULL, d, true,
		    &err)) != 0)
			break;
		*listening |= w.nlisteners > 0;
		/* One line per protocol, as the list has always been printed. */
		pl_json_style(&j, PL_JSON_LINE);
		pl_bind_why_json(&j, &w);
		/* The host's settings are all the next protocol needs of this one. */
		host.os = w.os;
		host.bindv6only = w.bindv6only;
		have_host = true;
		pl_bind_why_free(&w);
	}
	pl_json_end(&j);
	pl_json_end(&j);
	pl_buf_addc(b, '\n');
	return rc != 0 ? rc : pl_json_done(&j);
}


int
cmd_who_check(struct cli_ctx *x)
{
	int status = sockets_check("who", x);

	return status >= 0 ? status : one_port("who", x->opts, x->argc, x->argv);
}

int
cmd_who_run(struct cli_ctx *x)
{
	struct sockets_opts *o = x->opts;
	struct pl_socklist l = { 0 };
	struct pl_buf b = PL_BUF_INIT;
	struct sockets_db d;
	bool listening = false;
	int rc, status;
	bool all;

	/* Listeners first (the kernel's listening table is small); every state only when
	 * none listens, since connections and TIME-WAIT then explain a failing bind. */
	sockets_db_open(&o->c, &d);
	o->q.stop_early = true;
	if ((status = sockets_collect(o, &d, &l)) != 0)
		goto out;
	all = o->q.all;
	if (!all && !any_listener(&l)) {
		pl_socklist_free(&l);
		o->q.all = true;
		if ((status = sockets_collect(o, &d, &l)) != 0)
			goto out;
		o->q.all = all;
	}
	rc = o->c.json ? who_json(&b, o, &l, &d, x->wordc, x->wordv, &listening) :
	    who_text(&b, o, &l, &d, &listening);
	status = rc != 0 ? cli_fail(NULL, rc) : cli_flush(&b);
	if (status == EXIT_OK && !listening)
		status = EXIT_NOTFOUND;
out:
	pl_socklist_free(&l);
	sockets_db_close(&d);
	pl_buf_free(&b);
	return status;
}
