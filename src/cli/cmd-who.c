/*
 * cmd-who.c: `portlore who PORT[/PROTO]`, who holds a port on this machine or why it
 * can't be bound; the option parsing and collection the socket commands share
 * (cmd-sockets.h; `ls` is cmd-ls.c, `kill` cmd-kill.c).
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cmd-sockets.h"
#include "portlore/json.h"
#include "portlore/render-sockets.h"
#include "portlore/sockets.h"

const struct option cmd_sockets_longopts[] = {
	COMMON_LONGOPTS,
	{ "all", no_argument, NULL, O_ALL },
	{ "tcp", no_argument, NULL, O_TCP },
	{ "udp", no_argument, NULL, O_UDP },
	{ "user", required_argument, NULL, O_USER },
	{ "unit", required_argument, NULL, O_UNIT },
	{ "container", required_argument, NULL, O_CONTAINER },
	{ "procfs", no_argument, NULL, O_PROCFS },
	{ "format", required_argument, NULL, O_FORMAT },
	{ NULL, 0, NULL, 0 }
};

_Static_assert(sizeof(struct who_opts) <= CLI_OPTS_MAX, "who's and ls's options fit");

/* The options both commands take (their table entries' option hook). */
int
cmd_sockets_option(struct cli_ctx *x, int ch, const char *arg)
{
	struct who_opts *o = x->opts;

	switch (ch) {
	case O_ALL: o->q.all = true; break;
	case O_TCP: o->q.tcp = true; break;
	case O_UDP: o->q.udp = true; break;
	case '4': o->q.family = o->q.family == AF_INET6 ? 0 : AF_INET; break;
	case '6': o->q.family = o->q.family == AF_INET ? 0 : AF_INET6; break;
	case O_USER: o->user = arg; break;
	case O_UNIT: o->unit = arg; break;
	case O_CONTAINER: o->container = arg; break;
	case O_PROCFS: o->q.no_netlink = true; break;
	case O_FORMAT: o->format = arg; break;
	default: return 1;
	}
	return 0;
}

void
cmd_sockets_done(struct cli_ctx *x)
{
	struct who_opts *o = x->opts;

	pl_portspec_free(&o->spec);
}

/* Checks the options of cmd (who or ls) together; returns -1 to go on, or an exit
 * status. */
int
sockets_check(const char *cmd, struct cli_ctx *x)
{
	struct who_opts *o = x->opts;

	o->c = x->c;
	/* Options of the other command: say so rather than ignore them. */
	if (strcmp(cmd, "ls") != 0 && (o->user || o->unit || o->container || o->format)) {
		cli_warn("portlore: %s: an option of another command was given\n", cmd);
		return cli_usage(cmd, EXIT_USAGE);
	}
	/* A user that does not exist would match nothing, silently: a typo looks like
	 * "no listeners". A number is a UID, which need not have a name. */
	if (o->user != NULL && *o->user == '\0') {
		cli_warn("portlore: %s: --user needs a user name or UID\n", cmd);
		return EXIT_USAGE;
	}
	if (o->user != NULL && getpwnam(o->user) == NULL &&
	    strspn(o->user, "0123456789") != strlen(o->user)) {
		cli_warn("portlore: %s: --user '%.64s': no such user\n", cmd, o->user);
		return EXIT_USAGE;
	}
	return -1;
}

/* Port specs of who, kill and ls: numbers and ranges, with an optional protocol. */
int
sockets_parse_ports(struct who_opts *o, int argc, char **argv)
{
	struct pl_err err = { 0 };

	for (int i = 0; i < argc; i++) {
		int rc = pl_portspec_parse(&o->spec, argv[i], &err);

		if (rc != 0)
			return cli_fail(&err, rc);
	}
	for (size_t i = 0; i < o->spec.n; i++) {
		const struct pl_portspec_item *it = &o->spec.items[i];

		if (it->name[0] != '\0' || (it->proto != PL_PROTO_ANY && it->proto != PL_PROTO_TCP &&
		    it->proto != PL_PROTO_UDP)) {
			cli_warn("portlore: port spec '%s': give a port number or range, with "
			    "/tcp or /udp if you like\n", it->name[0] ? it->name : pl_proto_name(it->proto));
			return EXIT_USAGE;
		}
		if (i == 0 || it->lo < o->q.lo)
			o->q.lo = it->lo;
		if (i == 0 || it->hi > o->q.hi)
			o->q.hi = it->hi;
	}
	/* Port 0 can't be listened on; "0-0" would read as "every port". */
	if (o->spec.n > 0 && o->q.hi == 0) {
		o->q.lo = 1;
		o->q.hi = 0;
	}
	return -1;
}

static bool
in_spec(const struct who_opts *o, const struct pl_socket *s)
{
	if (o->spec.n == 0)
		return true;
	for (size_t i = 0; i < o->spec.n; i++) {
		const struct pl_portspec_item *it = &o->spec.items[i];

		if (s->lport >= it->lo && s->lport <= it->hi &&
		    (it->proto == PL_PROTO_ANY || it->proto == s->proto))
			return true;
	}
	return false;
}

static bool
proc_matches(const struct who_opts *o, const struct pl_proc *p)
{
	char *end;

	if (o->user && !(p->user && strcmp(p->user, o->user) == 0) &&
	    !(strtol(o->user, &end, 10) == (long)p->uid && *o->user && *end == '\0'))
		return false;
	if (o->unit && !(p->unit && (strcmp(p->unit, o->unit) == 0 ||
	    (strncmp(p->unit, o->unit, strlen(o->unit)) == 0 &&
	    strcmp(p->unit + strlen(o->unit), ".service") == 0))))
		return false;
	if (o->container && !(p->container_kind && (strcmp(p->container_kind, o->container) == 0 ||
	    (p->container_id && strncmp(p->container_id, o->container, strlen(o->container)) == 0) ||
	    (p->pod && strncmp(p->pod, o->container, strlen(o->container)) == 0))))
		return false;
	return true;
}

/* Keeps the sockets the port specs and the owner filters select, in order. */
static void
filter(const struct who_opts *o, struct pl_socklist *l)
{
	bool by_owner = o->user || o->unit || o->container;
	size_t k = 0;

	for (size_t i = 0; i < l->n; i++) {
		struct pl_socket *s = &l->v[i];
		bool keep = in_spec(o, s);

		if (keep && by_owner) {
			keep = false;
			for (size_t j = 0; j < s->nowners && !keep; j++)
				keep = proc_matches(o, &l->procs[s->owners[j]]);
		}
		if (keep)
			l->v[k++] = *s;
		else
			free(s->owners);
	}
	l->n = k;
}

/* The store annotates; without one the sockets are still worth showing. */
struct pl_store *
sockets_open_store(const struct common *c)
{
	char buf[4096];
	struct pl_store *st = NULL;
	struct pl_err err = { 0 };
	const char *path = c->db ? c->db : pl_store_default_path(buf, sizeof(buf));

	if (pl_store_open(&st, path, PL_STORE_READ, &err) != 0) {
		cli_warn("portlore: note: %s; sockets are shown without registry names "
		    "and lore\n", err.msg);
		return NULL;
	}
	return st;
}

int
sockets_collect(struct who_opts *o, struct pl_store *st, struct pl_socklist *l)
{
	struct pl_err err = { 0 };
	int rc;

	o->q.root = getenv("PORTLORE_PROC_ROOT");
	o->q.owners = true;
	o->q.other_netns = true;
	if ((rc = pl_sockets_collect(&o->q, l, &err)) != 0)
		return cli_fail(&err, rc);
	filter(o, l);
	if ((rc = pl_sockets_identify(st, l, getenv("PORTLORE_DPKG_INFO"), &err)) != 0) {
		pl_socklist_free(l);
		return cli_fail(&err, rc);
	}
	return 0;
}

void
sockets_text_opts(const struct common *c, struct pl_text_opts *to)
{
	cli_text_opts(c, to);
	if (c->width == 0 && isatty(STDOUT_FILENO) != 1 && getenv("COLUMNS") == NULL)
		to->width = 1000;
}

/* who takes exactly one port, with an optional protocol. */
static int
one_port(const char *cmd, struct who_opts *o, int argc, char **argv)
{
	int status;

	if ((status = sockets_parse_ports(o, argc, argv)) >= 0)
		return status;
	if (o->spec.n != 1 || o->spec.items[0].lo != o->spec.items[0].hi) {
		cli_warn("portlore: %s: give one port, such as 8080 or 8080/tcp\n", cmd);
		return EXIT_USAGE;
	}
	if (o->spec.items[0].proto == PL_PROTO_TCP)
		o->q.tcp = true, o->q.udp = false;
	else if (o->spec.items[0].proto == PL_PROTO_UDP)
		o->q.udp = true, o->q.tcp = false;
	return -1;
}

/* Listeners in detail when there are any; otherwise why a bind fails, per protocol. */
static int
who_text(struct pl_buf *b, struct who_opts *o, struct pl_socklist *l, struct pl_store *st,
    bool *listening)
{
	struct pl_bind_why w[2];
	struct pl_text_opts to;
	struct pl_err err = { 0 };
	bool want[2] = { !(o->q.udp && !o->q.tcp), !(o->q.tcp && !o->q.udp) };
	int rc = 0;

	sockets_text_opts(&o->c, &to);
	memset(w, 0, sizeof(w));
	*listening = false;
	/* The text shows why a bind fails only when nothing listens: with a listener, the
	 * store's "elsewhere" lore would be looked up for nothing. */
	for (size_t i = 0; i < l->n && st != NULL; i++)
		if (pl_sock_is_listener(&l->v[i]))
			st = NULL;
	for (int k = 0; k < 2 && rc == 0; k++)
		if (want[k] && (rc = pl_bind_why_build(&w[k], l, o->q.lo,
		    k ? PL_PROTO_UDP : PL_PROTO_TCP, o->q.root, st, &err)) == 0)
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
			rc = pl_render_bind_why_text(b, &w[k], l, &to);
	}
	if (rc == 0 && *l->notes)
		rc = pl_buf_printf(b, "note: %s\n", l->notes);
	pl_bind_why_free(&w[0]);
	pl_bind_why_free(&w[1]);
	return rc;
}

static int
who_json(struct pl_buf *b, struct who_opts *o, struct pl_socklist *l, struct pl_store *st,
    int argc, char **argv, bool *listening)
{
	struct pl_err err = { 0 };
	struct pl_json j;
	int rc = 0;

	sockets_json_head(&j, b, "who", argc, argv);
	pl_sockets_json(&j, l);
	pl_json_karr(&j, "bind");
	*listening = false;
	for (int pi = PL_PROTO_TCP; pi <= PL_PROTO_UDP && rc == 0; pi++) {
		struct pl_bind_why w;

		if ((pi == PL_PROTO_TCP && o->q.udp && !o->q.tcp) ||
		    (pi == PL_PROTO_UDP && o->q.tcp && !o->q.udp))
			continue;
		if ((rc = pl_bind_why_build(&w, l, o->q.lo, (enum pl_proto)pi, o->q.root, st,
		    &err)) != 0)
			break;
		*listening |= w.nlisteners > 0;
		/* One line per protocol, as the list has always been printed. */
		pl_json_style(&j, PL_JSON_LINE);
		pl_bind_why_json(&j, &w);
		pl_bind_why_free(&w);
	}
	pl_json_end(&j);
	pl_json_end(&j);
	pl_buf_addc(b, '\n');
	return rc != 0 ? rc : pl_json_done(&j);
}

/* The head of the who and ls documents, up to the "observed" key. */
void
sockets_json_head(struct pl_json *j, struct pl_buf *b, const char *cmd, int argc, char **argv)
{
	pl_json_init(j, b, 2);
	pl_json_envelope(j, "sockets", 1);
	pl_json_kstr(j, "command", cmd);
	pl_json_style(j, PL_JSON_COMPACT);
	pl_json_karr(j, "query");
	for (int i = 0; i < argc; i++)
		pl_json_str(j, argv[i]);
	pl_json_end(j);
	pl_json_key(j, "observed");
}

static bool
any_listener(const struct pl_socklist *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (pl_sock_is_listener(&l->v[i]))
			return true;
	return false;
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
	struct who_opts *o = x->opts;
	struct pl_socklist l = { 0 };
	struct pl_buf b = PL_BUF_INIT;
	struct pl_store *st = sockets_open_store(&o->c);
	bool listening = false;
	int rc, status;
	bool all;

	/* Listeners first (the kernel's listening table is small); every state only when
	 * none listens, since connections and TIME-WAIT then explain a failing bind. */
	o->q.stop_early = true;
	if ((status = sockets_collect(o, st, &l)) != 0)
		goto out;
	all = o->q.all;
	if (!all && !any_listener(&l)) {
		pl_socklist_free(&l);
		o->q.all = true;
		if ((status = sockets_collect(o, st, &l)) != 0)
			goto out;
		o->q.all = all;
	}
	rc = o->c.json ? who_json(&b, o, &l, st, x->wordc, x->wordv, &listening) :
	    who_text(&b, o, &l, st, &listening);
	status = rc != 0 ? cli_fail(NULL, rc) : cli_flush(&b);
	if (status == EXIT_OK && !listening)
		status = EXIT_NOTFOUND;
out:
	pl_socklist_free(&l);
	pl_store_close(st);
	pl_buf_free(&b);
	return status;
}
