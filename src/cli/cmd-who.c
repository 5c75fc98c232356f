/*
 * cmd-who.c: `portlore who PORT[/PROTO]`, who holds a port on this machine or why it
 * can't be bound, and `portlore kill PORT`, stopping its listener; the option parsing
 * and collection the socket commands share (cmd-sockets.h; `ls` is cmd-ls.c).
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

static const struct option longopts[] = {
	COMMON_LONGOPTS,
	{ "all", no_argument, NULL, O_ALL },
	{ "tcp", no_argument, NULL, O_TCP },
	{ "udp", no_argument, NULL, O_UDP },
	{ "user", required_argument, NULL, O_USER },
	{ "unit", required_argument, NULL, O_UNIT },
	{ "container", required_argument, NULL, O_CONTAINER },
	{ "procfs", no_argument, NULL, O_PROCFS },
	{ "signal", required_argument, NULL, O_SIGNAL },
	{ "dry-run", no_argument, NULL, O_DRYRUN },
	{ "yes", no_argument, NULL, O_YES },
	{ "timeout", required_argument, NULL, O_TIMEOUT },
	{ "format", required_argument, NULL, O_FORMAT },
	{ NULL, 0, NULL, 0 }
};

static int
parse_signal(const char *s)
{
	static const struct { const char *name; int sig; } sigs[] = {
		{ "TERM", SIGTERM }, { "INT", SIGINT }, { "HUP", SIGHUP }, { "KILL", SIGKILL },
		{ "QUIT", SIGQUIT }, { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 },
	};
	char *end;
	long n;

	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (strcasecmp(s, sigs[i].name) == 0)
			return sigs[i].sig;
	n = strtol(s, &end, 10);
	return *s && *end == '\0' && n > 0 && n < 65 ? (int)n : -1;
}

/* Parses the options every one of the three commands takes; returns -1 to go on, or
 * an exit status. */
int
sockets_parse(const char *cmd, int argc, char **argv, struct who_opts *o)
{
	char *end;
	int ch, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "d:jC:w:hatu46", longopts, NULL)) != -1) {
		if ((rc = cli_common_opt(&o->c, ch, optarg)) < 0)
			return EXIT_USAGE;
		if (rc > 0)
			continue;
		switch (ch) {
		case O_ALL: o->q.all = true; break;
		case O_TCP: o->q.tcp = true; break;
		case O_UDP: o->q.udp = true; break;
		case '4': o->q.family = o->q.family == AF_INET6 ? 0 : AF_INET; break;
		case '6': o->q.family = o->q.family == AF_INET ? 0 : AF_INET6; break;
		case O_USER: o->user = optarg; break;
		case O_UNIT: o->unit = optarg; break;
		case O_CONTAINER: o->container = optarg; break;
		case O_PROCFS: o->q.no_netlink = true; break;
		case O_FORMAT: o->format = optarg; break;
		case O_DRYRUN: o->dry_run = true; o->kill_opts = true; break;
		case O_YES: o->yes = true; o->kill_opts = true; break;
		case O_SIGNAL:
			o->kill_opts = true;
			if ((o->sig = parse_signal(optarg)) < 0) {
				fprintf(stderr, "portlore: --signal '%.40s': give a name (TERM, INT, HUP, "
				    "KILL, QUIT, USR1, USR2) or a number from 1 to 64\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case O_TIMEOUT:
			o->kill_opts = true;
			errno = 0;
			o->timeout = strtod(optarg, &end);
			if (*optarg == '\0' || *end != '\0' || errno || !(o->timeout >= 0.1 &&
			    o->timeout <= 600)) {
				fprintf(stderr, "portlore: --timeout '%.40s': give seconds from 0.1 to 600\n",
				    optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			return cli_usage(cmd, EXIT_OK);
		default:
			return cli_usage(cmd, EXIT_USAGE);
		}
	}
	/* Options of another of the three commands: say so rather than ignore them. */
	if ((strcmp(cmd, "kill") != 0 && o->kill_opts) ||
	    (strcmp(cmd, "ls") != 0 && (o->user || o->unit || o->container || o->format)) ||
	    (strcmp(cmd, "kill") == 0 && (o->q.all || o->q.tcp || o->q.udp || o->q.family))) {
		fprintf(stderr, "portlore: %s: an option of another command was given\n", cmd);
		return cli_usage(cmd, EXIT_USAGE);
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
			fprintf(stderr, "portlore: port spec '%s': give a port number or range, with "
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
		fprintf(stderr, "portlore: note: %s; sockets are shown without registry names "
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

static int
json_open(struct pl_buf *b, const char *cmd, int argc, char **argv)
{
	json_t *q = json_array();
	char *qs;
	int rc;

	for (int i = 0; i < argc; i++)
		json_array_append_new(q, json_string(argv[i]));
	qs = json_dumps(q, JSON_COMPACT);
	json_decref(q);
	if (qs == NULL)
		return -PL_ENOMEM;
	rc = pl_buf_printf(b, "{\n  \"schema\": \"%s\",\n  \"version\": 1,\n  \"command\": \"%s\",\n"
	    "  \"query\": %s,\n  \"observed\": ", PL_SOCKETS_SCHEMA, cmd, qs);
	free(qs);
	return rc;
}

/* who and kill take exactly one port, with an optional protocol. */
static int
one_port(const char *cmd, struct who_opts *o, int argc, char **argv)
{
	int status;

	if (argc != 1)
		return cli_usage(cmd, EXIT_USAGE);
	if ((status = sockets_parse_ports(o, argc, argv)) >= 0)
		return status;
	if (o->spec.n != 1 || o->spec.items[0].lo != o->spec.items[0].hi) {
		fprintf(stderr, "portlore: %s: give one port, such as 8080 or 8080/tcp\n", cmd);
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
cmd_who(int argc, char **argv)
{
	struct who_opts o = { .c = { .color = -1 } };
	struct pl_socklist l = { 0 };
	struct pl_buf b = PL_BUF_INIT;
	struct pl_store *st = NULL;
	bool listening = false;
	int rc, status;
	bool all;

	if ((status = sockets_parse("who", argc, argv, &o)) >= 0)
		return status;
	if ((status = one_port("who", &o, argc - optind, argv + optind)) >= 0)
		goto out;
	st = sockets_open_store(&o.c);
	/* Listeners first (the kernel's listening table is small); every state only when
	 * none listens, since connections and TIME-WAIT then explain a failing bind. */
	o.q.stop_early = true;
	if ((status = sockets_collect(&o, st, &l)) != 0)
		goto out;
	all = o.q.all;
	if (!all && !any_listener(&l)) {
		pl_socklist_free(&l);
		o.q.all = true;
		if ((status = sockets_collect(&o, st, &l)) != 0)
			goto out;
		o.q.all = all;
	}
	rc = o.c.json ? who_json(&b, &o, &l, st, argc - 1, argv + 1, &listening) :
	    who_text(&b, &o, &l, st, &listening);
	status = rc != 0 ? cli_fail(NULL, rc) : cli_flush(&b);
	if (status == EXIT_OK && !listening)
		status = EXIT_NOTFOUND;
out:
	pl_socklist_free(&l);
	pl_store_close(st);
	pl_portspec_free(&o.spec);
	pl_buf_free(&b);
	return status;
}

/* ---- kill ---- */

enum verdict { V_SIGNAL, V_PID1, V_SELF, V_CONTAINER, V_PROXY };

static enum verdict
judge(const struct pl_proc *p)
{
	if (p->pid == 1)
		return V_PID1;
	if (p->pid == getpid())
		return V_SELF;
	if (p->proxy_target != NULL || strcmp(p->comm, "docker-proxy") == 0)
		return V_PROXY;
	if (p->container_kind != NULL)
		return V_CONTAINER;
	return V_SIGNAL;
}

/* The command that stops a container properly (its runtime would restart a killed
 * process, or the port stays published). */
static void
stop_command(char *buf, size_t len, const struct pl_proc *p, uint16_t port)
{
	const char *k = p->container_kind ? p->container_kind : "docker";

	if (p->proxy_target != NULL || strcmp(p->comm, "docker-proxy") == 0)
		snprintf(buf, len, "docker stop $(docker ps -q --filter publish=%u)", (unsigned)port);
	else if (strcmp(k, "kubernetes") == 0)
		snprintf(buf, len, "kubectl get pods -A -o wide | grep %s   # then kubectl delete pod",
		    p->pod ? p->pod : "?");
	else if (strcmp(k, "podman") == 0)
		snprintf(buf, len, "podman stop %.12s", p->container_id ? p->container_id : "?");
	else if (strcmp(k, "containerd") == 0 || strcmp(k, "crio") == 0)
		snprintf(buf, len, "crictl stop %.12s", p->container_id ? p->container_id : "?");
	else
		snprintf(buf, len, "docker stop %.12s", p->container_id ? p->container_id : "?");
}

static bool
confirm(const struct who_opts *o, size_t n)
{
	char line[16];

	if (o->yes || o->dry_run)
		return true;
	if (!isatty(STDIN_FILENO)) {
		fprintf(stderr, "portlore: kill: not a terminal; add --yes to stop %zu process%s\n",
		    n, n == 1 ? "" : "es");
		return false;
	}
	fprintf(stderr, "Send %s to %zu process%s? [y/N] ", strsignal(o->sig), n,
	    n == 1 ? "" : "es");
	return fgets(line, sizeof(line), stdin) != NULL && (line[0] == 'y' || line[0] == 'Y');
}

static size_t
count_listeners(struct who_opts *o)
{
	struct pl_sock_query q = o->q;
	struct pl_socklist l = { 0 };
	struct pl_err err = { 0 };
	size_t n = 0;

	q.owners = false;
	q.all = false;
	if (pl_sockets_collect(&q, &l, &err) == 0)
		for (size_t i = 0; i < l.n; i++)
			n += in_spec(o, &l.v[i]);
	pl_socklist_free(&l);
	return n;
}

/* Waits, bounded by --timeout, until nothing listens on the port. */
static bool
wait_free(struct who_opts *o)
{
	struct timespec t0, now, tick = { 0, 50 * 1000 * 1000 };

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 12000; i++) {
		if (count_listeners(o) == 0)
			return true;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9 > o->timeout)
			break;
		nanosleep(&tick, NULL);
	}
	return false;
}

static int
kill_run(struct who_opts *o, struct pl_socklist *l, struct pl_buf *b, json_t *acts,
    size_t *signalled)
{
	size_t todo = 0;
	int status = EXIT_OK;

	for (size_t i = 0; i < l->nprocs; i++)
		todo += judge(&l->procs[i]) == V_SIGNAL;
	if (todo > 0 && !confirm(o, todo))
		return EXIT_USAGE;
	for (size_t i = 0; i < l->nprocs; i++) {
		const struct pl_proc *p = &l->procs[i];
		const char *action = NULL;
		char cmd[200] = "";

		switch (judge(p)) {
		case V_PID1:
			action = "skipped: PID 1";
			pl_buf_printf(b, "skip %d/%s: PID 1 is never signalled (for a socket-activated "
			    "service, stop its .socket unit)\n", (int)p->pid, p->comm);
			break;
		case V_SELF:
			action = "skipped: portlore itself";
			break;
		case V_PROXY:
		case V_CONTAINER:
			stop_command(cmd, sizeof(cmd), p, o->q.lo);
			action = "skipped: container";
			pl_buf_printf(b, "skip %d/%s: %s; stop it with: %s\n", (int)p->pid, p->comm,
			    p->proxy_target ? "docker-proxy publishes a container's port" :
			    "it runs in a container", cmd);
			break;
		case V_SIGNAL:
			if (o->dry_run) {
				action = "would signal";
				pl_buf_printf(b, "would send %s to %d/%s (%s)\n", strsignal(o->sig),
				    (int)p->pid, p->comm, p->cmdline);
			} else if (kill(p->pid, o->sig) != 0) {
				action = "failed";
				fprintf(stderr, "portlore: kill %d (%s): %s\n", (int)p->pid, p->comm,
				    strerror(errno));
				status = EXIT_SYSTEM;
			} else {
				action = "signalled";
				pl_buf_printf(b, "sent %s to %d/%s\n", strsignal(o->sig), (int)p->pid,
				    p->comm);
				(*signalled)++;
			}
			break;
		}
		json_array_append_new(acts, json_pack("{s:i, s:s, s:s, s:i, s:s*}", "pid", (int)p->pid,
		    "name", p->comm, "action", action, "signal", o->sig, "stop_command",
		    *cmd ? cmd : NULL));
	}
	return status;
}

int
cmd_kill(int argc, char **argv)
{
	struct who_opts o = { .c = { .color = -1 }, .sig = SIGTERM, .timeout = 5 };
	struct pl_socklist l = { 0 };
	struct pl_buf b = PL_BUF_INIT, junk = PL_BUF_INIT;
	size_t signalled = 0;
	json_t *acts = NULL;
	bool freed = false;
	int status;

	if ((status = sockets_parse("kill", argc, argv, &o)) >= 0)
		return status;
	if ((status = one_port("kill", &o, argc - optind, argv + optind)) >= 0)
		goto out;
	/* Listeners only, every holder: no early stop, for a shared socket dies with its
	 * last holder. */
	o.q.all = false;
	if ((status = sockets_collect(&o, NULL, &l)) != 0)
		goto out;
	if (l.n == 0) {
		fprintf(stderr, "portlore: kill: nothing listens on %s\n", argv[argc - 1]);
		status = EXIT_NOTFOUND;
		goto out;
	}
	acts = json_array();
	status = kill_run(&o, &l, o.c.json ? &junk : &b, acts, &signalled);
	if (status == EXIT_OK && signalled > 0) {
		freed = wait_free(&o);
		pl_buf_printf(&b, freed ? "port %s is free\n" :
		    "port %s is still held after %.1f s (try --signal KILL)\n", argv[argc - 1],
		    o.timeout);
		if (!freed)
			status = EXIT_SYSTEM;
	} else if (status == EXIT_OK && !o.dry_run) {
		/* Nothing that may be signalled holds the port (PID 1, a container). */
		status = EXIT_NOTFOUND;
	}
	if (o.c.json && status != EXIT_USAGE) {
		pl_buf_reset(&b);
		if (json_open(&b, "kill", argc - 1, argv + 1) == 0 && pl_render_sockets_json(&b, &l) == 0) {
			char *a = json_dumps(acts, JSON_COMPACT);

			pl_buf_printf(&b, ",\n  \"actions\": %s,\n  \"dry_run\": %s,\n  \"freed\": %s\n}\n",
			    a ? a : "[]", o.dry_run ? "true" : "false", freed ? "true" : "false");
			free(a);
		}
	}
	json_decref(acts);
	if (b.len > 0 && cli_flush(&b) != 0)
		status = EXIT_SYSTEM;
	if (*l.notes)
		fprintf(stderr, "portlore: note: %s\n", l.notes);
out:
	pl_socklist_free(&l);
	pl_portspec_free(&o.spec);
	pl_buf_free(&b);
	pl_buf_free(&junk);
	return status;
}
