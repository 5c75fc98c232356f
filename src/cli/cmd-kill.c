/*
 * cmd-kill.c: `portlore kill PORT[/PROTO]`, stopping the listeners of a port safely:
 * in the caller's network namespace unless --netns names another, never an init of any
 * PID namespace, never a container's process (src/lib/host/kill.c has the policy).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli-sockets.h"
#include "portlore/json.h"
#include "portlore/kill.h"
#include "portlore/netns.h"
#include "portlore/render-sockets.h"
#include "portlore/sockets.h"

struct kill_opts {
	struct common c;
	struct pl_sock_query q;
	uint16_t port;
	const char *spec;          /* the PORT argument as given */
	const char *netns;         /* --netns NAME|PATH, or NULL: the caller's */
	int sig;
	bool dry_run, yes;
	double timeout;
};

enum { K_SIGNAL = 256, K_DRYRUN, K_YES, K_TIMEOUT, K_PROCFS, K_NETNS };

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

/* The one port, with an optional /tcp or /udp. */
static int
parse_port(struct kill_opts *o, const char *arg)
{
	struct pl_portspec spec = { 0 };
	struct pl_err err = { 0 };
	int rc = pl_portspec_parse(&spec, arg, &err), status = -1;

	if (rc != 0)
		return cli_fail(&err, rc);
	if (spec.n != 1 || spec.items[0].name[0] != '\0' || spec.items[0].lo != spec.items[0].hi ||
	    spec.items[0].lo == 0 || (spec.items[0].proto != PL_PROTO_ANY &&
	    spec.items[0].proto != PL_PROTO_TCP && spec.items[0].proto != PL_PROTO_UDP)) {
		cli_warn("portlore: kill: give one port, such as 8080 or 8080/tcp\n");
		status = EXIT_USAGE;
	} else {
		o->port = o->q.lo = o->q.hi = spec.items[0].lo;
		o->q.tcp = spec.items[0].proto == PL_PROTO_TCP;
		o->q.udp = spec.items[0].proto == PL_PROTO_UDP;
	}
	pl_portspec_free(&spec);
	return status;
}

_Static_assert(sizeof(struct kill_opts) <= CLI_OPTS_MAX, "kill's options fit");

const struct option cmd_kill_longopts[] = {
	COMMON_LONGOPTS,
	{ "signal", required_argument, NULL, K_SIGNAL },
	{ "dry-run", no_argument, NULL, K_DRYRUN },
	{ "yes", no_argument, NULL, K_YES },
	{ "timeout", required_argument, NULL, K_TIMEOUT },
	{ "procfs", no_argument, NULL, K_PROCFS },
	{ "netns", required_argument, NULL, K_NETNS },
	{ NULL, 0, NULL, 0 }
};

int
cmd_kill_option(struct cli_ctx *x, int ch, const char *arg)
{
	struct kill_opts *o = x->opts;
	char *end;

	switch (ch) {
	case K_DRYRUN: o->dry_run = true; break;
	case K_YES: o->yes = true; break;
	case K_PROCFS: o->q.no_netlink = true; break;
	case K_NETNS: o->netns = arg; break;
	case K_SIGNAL:
		if ((o->sig = parse_signal(arg)) < 0) {
			cli_warn("portlore: --signal '%.40s': give a name (TERM, INT, HUP, "
			    "KILL, QUIT, USR1, USR2) or a number from 1 to 64\n", arg);
			return -1;
		}
		break;
	case K_TIMEOUT:
		/* Seconds with a fraction: pl_strtonum takes whole numbers only. */
		errno = 0;
		o->timeout = strtod(arg, &end);
		if (*arg == '\0' || *end != '\0' || errno || !(o->timeout >= 0.1 &&
		    o->timeout <= 600)) {
			cli_warn("portlore: --timeout '%.40s': give seconds from 0.1 to 600\n",
			    arg);
			return -1;
		}
		break;
	default:
		return 1;
	}
	return 0;
}

/* The defaults of what was not given (the options come zeroed), and the port. */
int
cmd_kill_check(struct cli_ctx *x)
{
	struct kill_opts *o = x->opts;

	o->c = x->c;
	if (o->sig == 0)
		o->sig = SIGTERM;
	if (o->timeout == 0)
		o->timeout = 5;
	o->spec = x->argv[0];
	return parse_port(o, o->spec);
}

/* The listeners of the port in the namespace kill acts in (others: other_netns). */
static int
collect(const struct kill_opts *o, bool other_netns, struct pl_socklist *l, struct pl_err *err)
{
	struct pl_sock_query q = o->q;

	q.root = getenv("PORTLORE_PROC_ROOT");
	q.owners = !other_netns;
	q.other_netns = other_netns;
	q.all = false;
	return pl_sockets_collect(&q, l, err);
}

/* When nothing listens here: the namespaces where the port has a listener, as a hint. */
static void
hint_elsewhere(const struct kill_opts *o)
{
	struct pl_socklist l = { 0 };
	struct pl_err err = { 0 };
	char name[96], seen[512] = "";

	if (collect(o, true, &l, &err) != 0)
		return;
	for (size_t i = 0; i < l.n; i++) {
		if (l.v[i].netns_ino == 0 || l.v[i].netns_ino == l.own_netns)
			continue;
		pl_netns_name(l.v[i].netns_ino, name, sizeof(name));
		if (strstr(seen, name) == NULL && strlen(seen) + strlen(name) + 3 < sizeof(seen))
			snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen), "%s%s",
			    *seen ? ", " : "", name);
	}
	if (*seen)
		cli_warn("portlore: kill: port %u has listeners in other network namespaces (%s); "
		    "name one with --netns to act there\n", (unsigned)o->port, seen);
	pl_socklist_free(&l);
}

static bool
confirm(const struct kill_opts *o, size_t n, size_t other_pidns)
{
	char line[16];

	if (o->yes || o->dry_run)
		return true;
	if (!isatty(STDIN_FILENO)) {
		cli_warn("portlore: kill: not a terminal; add --yes to stop %zu process%s\n",
		    n, n == 1 ? "" : "es");
		return false;
	}
	cli_warn("Send %s to %zu process%s%s? [y/N] ", strsignal(o->sig), n, n == 1 ? "" : "es",
	    other_pidns ? " (some in another PID namespace)" : "");
	return fgets(line, sizeof(line), stdin) != NULL && (line[0] == 'y' || line[0] == 'Y');
}

/* Waits, bounded by --timeout, until nothing listens on the port. */
static bool
wait_free(const struct kill_opts *o)
{
	struct timespec t0, now, tick = { 0, 50 * 1000 * 1000 };

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 12000; i++) {
		struct pl_socklist l = { 0 };
		struct pl_sock_query q = o->q;
		struct pl_err err = { 0 };
		size_t n = 1;

		q.root = getenv("PORTLORE_PROC_ROOT");
		if (pl_sockets_collect(&q, &l, &err) == 0)
			n = l.n;
		pl_socklist_free(&l);
		if (n == 0)
			return true;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9 > o->timeout)
			break;
		nanosleep(&tick, NULL);
	}
	return false;
}

/* What was done to one process, for the JSON document. */
struct action {
	const struct pl_proc *p;
	enum pl_kill_verdict v;
	struct pl_kill_facts f;
	const char *action;
	char stop[200];
};

/* One process: what the policy says, what was done, in text and in *out. */
static int
act(const struct kill_opts *o, const struct pl_proc *p, enum pl_kill_verdict v,
    const struct pl_kill_facts *f, struct pl_buf *b, struct action *out, size_t *signalled)
{
	char cmd[200] = "", where[160];
	const char *action;
	int status = EXIT_OK;

	snprintf(where, sizeof(where), "netns %s, PID %d in its PID namespace%s", f->netns,
	    (int)f->nspid, f->other_pidns ? " (not yours)" : "");
	if (v == PL_KILL_CONTAINER || v == PL_KILL_PROXY) {
		pl_kill_stop_command(cmd, sizeof(cmd), p, o->port);
		action = "skipped: container";
		pl_buf_printf(b, "skip %d/%s [%s]: %s; stop it with: %s\n", (int)p->pid, p->comm,
		    where, pl_kill_reason(v), cmd);
	} else if (v != PL_KILL_SIGNAL) {
		action = v == PL_KILL_NS_INIT ? "skipped: namespace init" : v == PL_KILL_SELF ?
		    "skipped: portlore itself" : "skipped: another PID namespace";
		pl_buf_printf(b, "skip %d/%s [%s]: %s\n", (int)p->pid, p->comm, where,
		    pl_kill_reason(v));
	} else if (o->dry_run) {
		action = "would signal";
		pl_buf_printf(b, "would send %s to %d/%s (%s) [%s]\n", strsignal(o->sig),
		    (int)p->pid, p->comm, p->cmdline, where);
	} else if (kill(p->pid, o->sig) != 0) {
		action = "failed";
		cli_warn("portlore: kill %d (%s): %s\n", (int)p->pid, p->comm, strerror(errno));
		status = EXIT_SYSTEM;
	} else {
		action = "signalled";
		pl_buf_printf(b, "sent %s to %d/%s [%s]\n", strsignal(o->sig), (int)p->pid, p->comm,
		    where);
		(*signalled)++;
	}
	*out = (struct action){ .p = p, .v = v, .f = *f, .action = action };
	snprintf(out->stop, sizeof(out->stop), "%s", cmd);
	return status;
}

static int
run(const struct kill_opts *o, struct pl_socklist *l, struct pl_buf *b, struct action *acts,
    size_t *nacts, size_t *signalled)
{
	const char *root = getenv("PORTLORE_PROC_ROOT");
	struct pl_kill_facts *f;
	enum pl_kill_verdict *v;
	size_t todo = 0, other = 0;
	int status = EXIT_OK;

	f = calloc(l->nprocs + 1, sizeof(*f));
	v = calloc(l->nprocs + 1, sizeof(*v));
	if (f == NULL || v == NULL) {
		free(f);
		free(v);
		return cli_fail(NULL, -PL_ENOMEM);
	}
	for (size_t i = 0; i < l->nprocs; i++) {
		if (pl_kill_facts(&l->procs[i], root, &f[i]) != 0)
			f[i].ns_init = true;      /* gone: nothing to signal, and never guess */
		v[i] = pl_kill_judge(&l->procs[i], &f[i], o->netns != NULL);
		todo += v[i] == PL_KILL_SIGNAL;
		other += v[i] == PL_KILL_SIGNAL && f[i].other_pidns;
	}
	if (todo > 0 && !confirm(o, todo, other))
		status = EXIT_USAGE;
	for (size_t i = 0; i < l->nprocs && status != EXIT_USAGE; i++) {
		int s = act(o, &l->procs[i], v[i], &f[i], b, &acts[(*nacts)++], signalled);

		if (s != EXIT_OK)
			status = s;
	}
	free(f);
	free(v);
	return status;
}

static void
json_result(struct pl_buf *b, const struct kill_opts *o, const struct pl_socklist *l,
    const struct action *acts, size_t nacts, bool freed, int argc, char **argv)
{
	struct pl_json j;
	char ns[96];

	pl_netns_name(l->own_netns, ns, sizeof(ns));
	pl_buf_reset(b);
	sockets_json_head(&j, b, "kill", argc, argv);
	pl_sockets_json(&j, l);
	pl_json_kstr(&j, "netns", ns);
	pl_json_kbool(&j, "netns_named", o->netns != NULL);
	pl_json_karr(&j, "actions");
	for (size_t i = 0; i < nacts; i++) {
		const struct action *a = &acts[i];

		pl_json_style(&j, PL_JSON_LINE);
		pl_json_obj(&j);
		pl_json_kint(&j, "pid", a->p->pid);
		pl_json_kstr(&j, "name", a->p->comm);
		pl_json_kstr(&j, "action", a->action);
		pl_json_kstr(&j, "reason", pl_kill_reason(a->v));
		pl_json_kint(&j, "signal", o->sig);
		pl_json_kstr(&j, "netns", a->f.netns);
		pl_json_kint(&j, "nspid", a->f.nspid);
		pl_json_kbool(&j, "pidns_init", a->f.ns_init);
		pl_json_kbool(&j, "other_pidns", a->f.other_pidns);
		pl_json_kstr(&j, "stop_command", *a->stop ? a->stop : NULL);
		pl_json_end(&j);
	}
	pl_json_end(&j);
	pl_json_kbool(&j, "dry_run", o->dry_run);
	pl_json_kbool(&j, "freed", freed);
	pl_json_end(&j);
	pl_buf_addc(b, '\n');
}

int
cmd_kill_run(struct cli_ctx *x)
{
	struct kill_opts *op = x->opts, o = *op;
	struct pl_socklist l = { 0 };
	struct pl_buf b = PL_BUF_INIT, junk = PL_BUF_INIT;
	struct pl_err err = { 0 };
	size_t signalled = 0, nacts = 0;
	struct action *acts = NULL;
	bool freed = false;
	int status, rc;

	/* The whole command runs inside the named namespace: the listeners it sees, the
	 * signals and the wait for the port to be free are all that namespace's. */
	if (o.netns != NULL && (rc = pl_netns_enter(o.netns, &err)) != 0)
		return cli_fail(&err, rc == -PL_ENOTFOUND ? -PL_EUSAGE : rc);
	if ((rc = collect(&o, false, &l, &err)) != 0)
		return cli_fail(&err, rc);
	if (l.n == 0) {
		cli_warn("portlore: kill: nothing listens on %s in %s\n", o.spec,
		    o.netns ? o.netns : "this network namespace");
		if (o.netns == NULL)
			hint_elsewhere(&o);
		status = EXIT_NOTFOUND;
		goto out;
	}
	if ((acts = calloc(l.nprocs + 1, sizeof(*acts))) == NULL) {
		status = cli_fail(NULL, -PL_ENOMEM);
		goto out;
	}
	status = run(&o, &l, o.c.json ? &junk : &b, acts, &nacts, &signalled);
	if (status == EXIT_OK && signalled > 0) {
		freed = wait_free(&o);
		pl_buf_printf(&b, freed ? "port %s is free\n" :
		    "port %s is still held after %.1f s (try --signal KILL)\n", o.spec, o.timeout);
		if (!freed)
			status = EXIT_SYSTEM;
	} else if (status == EXIT_OK && !o.dry_run) {
		/* Nothing that may be signalled holds the port (an init, a container). */
		status = EXIT_NOTFOUND;
	}
	if (o.c.json && status != EXIT_USAGE)
		json_result(&b, &o, &l, acts, nacts, freed, x->wordc, x->wordv);
	if (b.len > 0 && cli_flush(&b) != 0)
		status = EXIT_SYSTEM;
	if (*l.notes)
		cli_warn("portlore: note: %s\n", l.notes);
out:
	free(acts);
	pl_socklist_free(&l);
	pl_buf_free(&b);
	pl_buf_free(&junk);
	return status;
}
