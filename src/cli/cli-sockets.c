/*
 * cli-sockets.c: what the socket commands share: who's and ls's options (their
 * table entries' template and option hook), the store they annotate with, the
 * collection of this machine's sockets through the filters of host/sockfilter.c, and
 * the head of the sockets document (who, ls and kill).
 */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli-sockets.h"
#include "portlore/index.h"
#include "portlore/json.h"
#include "portlore/sockfilter.h"

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

_Static_assert(sizeof(struct sockets_opts) <= CLI_OPTS_MAX, "who's and ls's options fit");

/* The options both commands take (their table entries' option hook). */
int
cmd_sockets_option(struct cli_ctx *x, int ch, const char *arg)
{
	struct sockets_opts *o = x->opts;

	switch (ch) {
	case O_ALL: o->q.all = true; break;
	case O_TCP: o->q.tcp = true; break;
	case O_UDP: o->q.udp = true; break;
	case '4': o->q.family = o->q.family == AF_INET6 ? 0 : AF_INET; break;
	case '6': o->q.family = o->q.family == AF_INET ? 0 : AF_INET6; break;
	case O_USER: o->f.user = arg; break;
	case O_UNIT: o->f.unit = arg; break;
	case O_CONTAINER: o->f.container = arg; break;
	case O_PROCFS: o->q.no_netlink = true; break;
	case O_FORMAT: o->format = arg; break;
	default: return 1;
	}
	return 0;
}

void
cmd_sockets_done(struct cli_ctx *x)
{
	struct sockets_opts *o = x->opts;

	pl_sock_filter_free(&o->f);
}

/* Checks the options of cmd (who or ls) together; returns -1 to go on, or an exit
 * status. */
int
sockets_check(const char *cmd, struct cli_ctx *x)
{
	struct sockets_opts *o = x->opts;

	o->c = x->c;
	/* Options of the other command: say so rather than ignore them. */
	if (strcmp(cmd, "ls") != 0 && (o->f.user || o->f.unit || o->f.container || o->format)) {
		cli_warn("portlore: %s: an option of another command was given\n", cmd);
		return cli_usage(cmd, EXIT_USAGE);
	}
	/* A user that does not exist would match nothing, silently: a typo looks like
	 * "no listeners". A number is a UID, which need not have a name. */
	if (o->f.user != NULL && *o->f.user == '\0') {
		cli_warn("portlore: %s: --user needs a user name or UID\n", cmd);
		return EXIT_USAGE;
	}
	if (o->f.user != NULL && getpwnam(o->f.user) == NULL &&
	    strspn(o->f.user, "0123456789") != strlen(o->f.user)) {
		cli_warn("portlore: %s: --user '%.64s': no such user\n", cmd, o->f.user);
		return EXIT_USAGE;
	}
	return -1;
}

/* Port specs of who and ls: numbers and ranges, with an optional protocol. */
int
sockets_parse_ports(struct sockets_opts *o, int argc, char **argv)
{
	struct pl_err err = { 0 };
	int rc;

	for (int i = 0; i < argc; i++)
		if ((rc = pl_portspec_parse(&o->f.spec, argv[i], &err)) != 0)
			return cli_fail(&err, rc);
	if ((rc = pl_sock_filter_query(&o->f, &o->q, &err)) != 0)
		return cli_fail(&err, rc);
	return -1;
}

void
sockets_db_open(const struct common *c, struct sockets_db *d)
{
	char buf[4096];
	struct pl_err err = { 0 };
	const char *path = c->db ? c->db : pl_store_default_path(buf, sizeof(buf));

	memset(d, 0, sizeof(*d));
	/* A missing or stale index is no error: the store annotates, only slower. */
	if (pl_index_open(&d->ix, path, &err) == 0)
		return;
	if (err.code == -PL_EDATA)
		cli_warn("portlore: %s; using the store\n", err.msg);
	memset(&err, 0, sizeof(err));
	if (pl_store_open(&d->st, path, PL_STORE_READ, &err) != 0) {
		cli_warn("portlore: note: %s; sockets are shown without registry names "
		    "and lore\n", err.msg);
		d->st = NULL;
	}
}

struct pl_store *
sockets_db_store(struct sockets_db *d)
{
	struct pl_err err = { 0 };
	struct pl_store *st;

	if (d->ix == NULL)
		return d->st;
	if ((st = pl_index_store(d->ix, &err)) == NULL)
		cli_warn("portlore: note: %s\n", err.msg);
	return st;
}

void
sockets_db_close(struct sockets_db *d)
{
	pl_index_close(d->ix);
	pl_store_close(d->st);
	memset(d, 0, sizeof(*d));
}

int
sockets_collect(struct sockets_opts *o, struct sockets_db *d, struct pl_socklist *l)
{
	struct pl_err err = { 0 };
	const char *dpkg = getenv("PORTLORE_DPKG_INFO");
	int rc;

	o->q.root = getenv("PORTLORE_PROC_ROOT");
	o->q.owners = true;
	o->q.other_netns = true;
	if ((rc = pl_sockets_collect(&o->q, l, &err)) != 0)
		return cli_fail(&err, rc);
	pl_sock_filter_apply(&o->f, l);
	rc = d->ix && !d->ix_bad ? pl_sockets_identify_index(d->ix, l, dpkg, &err) :
	    pl_sockets_identify(sockets_db_store(d), l, dpkg, &err);
	/* An index changed meanwhile may have lent names turned to zeros or other bytes. */
	if (rc == 0 && d->ix != NULL && !d->ix_bad)
		rc = pl_index_check(d->ix, &err);
	/* A damaged index: the store names them instead, on a fresh list (the failed pass
	 * may have annotated some sockets). */
	if (rc == -PL_EDATA && d->ix != NULL && !d->ix_bad) {
		cli_warn("portlore: %s; using the store\n", err.msg);
		d->ix_bad = true;
		memset(&err, 0, sizeof(err));
		pl_socklist_free(l);
		if ((rc = pl_sockets_collect(&o->q, l, &err)) != 0)
			return cli_fail(&err, rc);
		pl_sock_filter_apply(&o->f, l);
		rc = pl_sockets_identify(sockets_db_store(d), l, dpkg, &err);
	}
	if (rc != 0) {
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

