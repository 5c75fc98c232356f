/*
 * cmd-update.c: `portlore update`, which downloads IANA's current registry (or reads
 * --from FILE|URL) and adds it as a snapshot to the user's store, atomically: whatever
 * goes wrong, the store that was answering goes on answering.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "portlore/num.h"
#include "config.h"
#include "portlore/update.h"

struct update_opts {
	const char *db;
	const char *from;
	long timeout;
	long wait;
	bool quiet;
	bool timeout_set, wait_set;   /* given: the defaults are set in the check */
};

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Interrupting must not leave half a file behind: signals only raise a flag, checked
 * by the download and before the final rename. */
static void
catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* The store to start from when the user has none yet: the one lookups read now. */
static const char *
seed_path(const char *target)
{
	const char *env = getenv("PORTLORE_DB");

	if (env != NULL && *env != '\0' && strcmp(env, target) != 0)
		return env;
	return PL_STORE_PATH;
}

static void
report(const struct update_opts *o, const char *target, const char *seed,
    const struct pl_update_result *res)
{
	const char *env = getenv("PORTLORE_DB");

	if (res->stale_files > 0)
		cli_warn("portlore: removed %d file%s (%lld bytes) left beside %s by an "
		    "interrupted update (PID %ld, %s)\n", res->stale_files,
		    res->stale_files == 1 ? "" : "s", res->stale_bytes, target, res->stale_pid,
		    res->stale_pid_alive ? "now another process" : "gone");
	if (o->quiet)
		return;
	if (res->seeded)
		cli_warn("portlore: %s: created from %s\n", target, seed);
	if (res->unchanged)
		cli_printf("%s: already current: snapshot %s, %ld records\n", target, res->stats.label,
		    res->stats.rows);
	else
		cli_printf("%s: snapshot %s imported, %ld records (%ld with a port); current is %s%s%s\n",
		    target, res->stats.label, res->stats.rows, res->stats.ports, res->stats.label,
		    *res->previous ? ", was " : "", res->previous);
	if (o->db == NULL && env != NULL && *env != '\0' && strcmp(env, target) != 0)
		cli_warn("portlore: note: PORTLORE_DB is set, so lookups read %s, not %s\n",
		    env, target);
}

/* Errors about the downloaded file name the URL, not the temporary file it went to. */
static void
name_download(struct pl_err *err, const char *dl, const char *url)
{
	size_t n = strlen(dl);
	struct pl_buf b = PL_BUF_INIT;

	if (strncmp(err->msg, dl, n) != 0)
		return;
	/* The buffer's maximum keeps the message within err->msg. */
	pl_buf_init(&b, sizeof(err->msg) - 1);
	if (pl_buf_printf(&b, "%s%s", url, err->msg + n) == 0)
		memcpy(err->msg, b.data, b.len + 1);
	pl_buf_free(&b);
}

/* A private file for the download, in $TMPDIR: the store's folder may not exist yet. */
static int
make_download_file(char *buf, size_t len)
{
	const char *tmp = getenv("TMPDIR");
	int fd;

	if (tmp == NULL || *tmp != '/')
		tmp = "/tmp";
	if (snprintf(buf, len, "%s/portlore-registry.XXXXXX", tmp) >= (int)len ||
	    (fd = mkstemp(buf)) < 0) {
		cli_warn("portlore: update: cannot create a file in %s: %s\n", tmp,
		    strerror(errno));
		return EXIT_SYSTEM;
	}
	close(fd);
	return 0;
}

/* Prints the error, and says that the store still answers as before. */
static int
failed(const struct pl_err *err, int rc, const char *target)
{
	int status = cli_fail(err, rc);

	if (access(target, R_OK) == 0)
		cli_warn("portlore: %s is unchanged\n", target);
	return status;
}

static int
run(const struct update_opts *o)
{
	char user[PATH_MAX], dl[PATH_MAX];
	const char *target = o->db ? o->db : pl_user_store_path(user, sizeof(user));
	const char *url = o->from ? o->from : PL_IANA_URL, *csv = url, *seed;
	struct pl_fetch_opts fo = { .timeout = o->timeout, .stop = &stop };
	struct pl_update_opts uo = { .source = url, .wait = o->wait, .stop = &stop };
	struct pl_update_result res;
	struct pl_err err = { 0 };
	bool remote = strstr(url, "://") != NULL;
	int rc;

	if (target == NULL) {
		cli_warn("portlore: update: no store to update: set HOME or XDG_DATA_HOME, "
		    "or give --db PATH\n");
		return EXIT_USAGE;
	}
	uo.seed = seed = seed_path(target);
	fo.connect_timeout = o->timeout > 0 && o->timeout < 10 ? o->timeout : 10;
	catch_signals();
	if (remote) {
		if ((rc = make_download_file(dl, sizeof(dl))) != 0)
			return rc;
		if (!o->quiet)
			cli_warn("portlore: downloading %s\n", url);
		if ((rc = pl_fetch(url, dl, &fo, &err)) != 0) {
			unlink(dl);
			return failed(&err, rc, target);
		}
		csv = dl;
	}
	rc = pl_update_store(target, csv, &uo, &res, &err);
	if (remote) {
		unlink(dl);
		name_download(&err, dl, url);
	}
	if (rc != 0)
		return failed(&err, rc, target);
	report(o, target, seed, &res);
	return EXIT_OK;
}

_Static_assert(sizeof(struct update_opts) <= CLI_OPTS_MAX, "update's options fit");

/* update takes --db but none of the reading commands' other common options. */
const struct option cmd_update_longopts[] = {
	{ "db", required_argument, NULL, 'd' },
	{ "from", required_argument, NULL, 'f' },
	{ "timeout", required_argument, NULL, 't' },
	{ "wait", required_argument, NULL, 'W' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

int
cmd_update_option(struct cli_ctx *x, int ch, const char *arg)
{
	struct update_opts *o = x->opts;
	const char *errstr;

	switch (ch) {
	case 'f':
		o->from = arg;
		break;
	case 't':
		o->timeout = pl_strtonum(arg, 1, 3600, &errstr);
		if (errstr != NULL) {
			cli_warn("portlore: --timeout '%.40s': give seconds from 1 to 3600\n", arg);
			return -1;
		}
		o->timeout_set = true;
		break;
	case 'W':
		o->wait = pl_strtonum(arg, 0, 3600, &errstr);
		if (errstr != NULL) {
			cli_warn("portlore: --wait '%.40s': give seconds from 0 to 3600\n", arg);
			return -1;
		}
		o->wait_set = true;
		break;
	case 'q':
		o->quiet = true;
		break;
	default:
		return 1;
	}
	return 0;
}

int
cmd_update_check(struct cli_ctx *x)
{
	struct update_opts *o = x->opts;

	o->db = x->c.db;
	if (!o->timeout_set)
		o->timeout = 120;
	if (!o->wait_set)
		o->wait = 60;
	if (o->from != NULL && *o->from == '\0') {
		cli_warn("portlore: update: --from needs a file or a URL\n");
		return EXIT_USAGE;
	}
	return -1;
}

int
cmd_update_run(struct cli_ctx *x)
{
	return run(x->opts);
}
