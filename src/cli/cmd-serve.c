/* cmd-serve.c: `portlore serve`, the port reference site and its API. */
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "portlore/feedback.h"
#include "portlore/server.h"


#define MAX_HOST_NAMES 32

struct serve_opts {
	const char *db, *feedback_db, *listen, *locale_dir, *trust_proxy;
	const char *host_names[MAX_HOST_NAMES];
	size_t nhost_names;
	long threads, max_connections, timeout, cache_mib;
	bool show_processes, reuse_port;
};

_Static_assert(sizeof(struct serve_opts) <= CLI_OPTS_MAX, "serve's options fit");

enum { O_HOST = 256, O_SHOWPROC, O_REUSE, O_MAXCONN, O_TIMEOUT, O_CACHE, O_PROXY };

/* serve takes --db but none of the reading commands' other common options. */
const struct option cmd_serve_longopts[] = {
	{ "db", required_argument, NULL, 'd' },
	{ "feedback-db", required_argument, NULL, 'F' },
	{ "listen", required_argument, NULL, 'l' },
	{ "locale-dir", required_argument, NULL, 'L' },
	{ "threads", required_argument, NULL, 't' },
	{ "host-name", required_argument, NULL, O_HOST },
	{ "show-processes", no_argument, NULL, O_SHOWPROC },
	{ "reuse-port", no_argument, NULL, O_REUSE },
	{ "max-connections", required_argument, NULL, O_MAXCONN },
	{ "timeout", required_argument, NULL, O_TIMEOUT },
	{ "cache-size", required_argument, NULL, O_CACHE },
	{ "trust-proxy", required_argument, NULL, O_PROXY },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

int
cmd_serve_option(struct cli_ctx *x, int ch, const char *arg)
{
	struct serve_opts *o = x->opts;
	long long v;

	switch (ch) {
	case 'F': o->feedback_db = arg; break;
	case 'l': o->listen = arg; break;
	case 'L': o->locale_dir = arg; break;
	case 't':
		if (cli_number("--threads", arg, 1, 64, &v) != 0)
			return -1;
		o->threads = (long)v;
		break;
	case O_MAXCONN:
		if (cli_number("--max-connections", arg, 16, 1000000, &v) != 0)
			return -1;
		o->max_connections = (long)v;
		break;
	case O_TIMEOUT:
		if (cli_number("--timeout", arg, 1, 3600, &v) != 0)
			return -1;
		o->timeout = (long)v;
		break;
	case O_CACHE:
		if (cli_number("--cache-size", arg, 1, 65536, &v) != 0)
			return -1;
		o->cache_mib = (long)v;
		break;
	case O_SHOWPROC: o->show_processes = true; break;
	case O_REUSE: o->reuse_port = true; break;
	case O_PROXY: o->trust_proxy = arg; break;
	case O_HOST:
		if (o->nhost_names == MAX_HOST_NAMES) {
			fprintf(stderr, "portlore: --host-name: at most %d names\n", MAX_HOST_NAMES);
			return -1;
		}
		o->host_names[o->nhost_names++] = arg;
		break;
	default:
		return 1;
	}
	return 0;
}

/*
 * Socket activation, as sd_listen_fds(3) defines it: LISTEN_PID names this process and
 * LISTEN_FDS counts the sockets passed from descriptor 3 on. The variables are removed
 * so that nothing started later takes them for its own. Returns 3, or 0 for none.
 */
static int
activation_fd(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	char *end;
	long p, n;

	if (pid == NULL || fds == NULL)
		return 0;
	p = strtol(pid, &end, 10);
	if (*pid == '\0' || *end != '\0' || p != (long)getpid())
		return 0;
	n = strtol(fds, &end, 10);
	if (*fds == '\0' || *end != '\0')
		n = 0;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (n < 1)
		return 0;
	if (n > 1)
		fprintf(stderr, "portlore: warning: %ld sockets passed; serving the first only\n", n);
	return 3;
}

int
cmd_serve_run(struct cli_ctx *x)
{
	struct serve_opts o = *(const struct serve_opts *)x->opts;
	char dbbuf[PATH_MAX], fbbuf[PATH_MAX];
	struct pl_server_opts so = { 0 };
	struct pl_server *s = NULL;
	struct pl_err err = { 0 };
	sigset_t set;
	int rc, sig = 0;

	o.db = x->c.db;
	so.db_path = o.db ? o.db : pl_store_default_path(dbbuf, sizeof(dbbuf));
	so.feedback_path = o.feedback_db ? o.feedback_db : pl_feedback_default_path(fbbuf,
	    sizeof(fbbuf));
	so.locale_dir = o.locale_dir ? o.locale_dir : getenv("PORTLORE_LOCALEDIR");
	if (so.locale_dir == NULL || *so.locale_dir == '\0')
		so.locale_dir = pl_server_default_locale_dir;
	so.listen = o.listen;
	so.proc_root = getenv("PORTLORE_PROC_ROOT");
	so.threads = (unsigned)o.threads;
	so.host_names = o.host_names;
	so.nhost_names = o.nhost_names;
	so.show_processes = o.show_processes;
	so.reuse_port = o.reuse_port;
	so.max_connections = (unsigned)o.max_connections;
	so.timeout = (unsigned)o.timeout;
	so.cache_mib = (unsigned)o.cache_mib;
	so.trust_proxy = o.trust_proxy;
	if ((so.listen_fd = activation_fd()) > 0 && o.listen != NULL) {
		fprintf(stderr, "portlore: serve: --listen conflicts with the socket systemd passed\n");
		return EXIT_USAGE;
	}
	/* Block the signals before the server's threads start, so that they inherit the
	 * mask and only sigwait() below sees them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((rc = pl_server_start(&s, &so, &err)) != 0)
		return cli_fail(&err, rc);
	if (!pl_server_loopback(s))
		cli_warn("portlore: warning: serving on a non-loopback address: anyone who "
		    "can reach it can read the pages (this host's facts are left out)\n");
	if (*pl_server_missing_langs(s))
		cli_warn("portlore: warning: no catalog in %s for %s: those pages are in "
		    "English\n", so.locale_dir, pl_server_missing_langs(s));
	cli_printf("portlore: serving %s\n", pl_server_url(s));
	fflush(stdout);
	sigwait(&set, &sig);
	pl_server_stop(s);
	return EXIT_OK;
}
