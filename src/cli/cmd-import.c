/*
 * cmd-import.c: `portlore import`, which builds or updates a store from registry CSVs,
 * lore files and nmap-services, all in one transaction. With --new the store is built
 * in a temporary file beside the target and renamed over it only when complete.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "portlore/index.h"

struct import_opts {
	const char *db;
	const char *iana[16];
	int niana;
	const char *lore;
	const char *nmap;
	bool fresh, check, quiet;
};

static int
do_import(struct pl_store *st, const struct import_opts *o, struct pl_err *err)
{
	struct pl_import_stats stats;
	long entries = 0, facts = 0, rows = 0;
	int rc;

	for (int i = 0; i < o->niana; i++) {
		if ((rc = pl_store_import_iana(st, o->iana[i], &stats, err)) != 0)
			return rc;
		if (!o->quiet)
			cli_warn("portlore: %s: snapshot %s, %ld records (%ld with a port, "
			    "%ld names only)\n", o->iana[i], stats.label, stats.rows, stats.ports,
			    stats.names_only);
	}
	if (o->lore != NULL) {
		if ((rc = pl_lore_import_dir(st, o->lore, &entries, &facts, err)) != 0)
			return rc;
		if (!o->quiet)
			cli_warn("portlore: %s: %ld lore entries, %ld port facts\n", o->lore,
			    entries, facts);
	}
	if (o->nmap != NULL) {
		if ((rc = pl_store_import_nmap(st, o->nmap, &rows, err)) != 0)
			return rc;
		if (!o->quiet)
			cli_warn("portlore: %s: %ld open frequencies\n", o->nmap, rows);
	}
	return pl_store_reindex(st, err);
}

static int
run(const struct import_opts *o)
{
	char tmp[PATH_MAX], def[PATH_MAX];
	const char *target = o->db ? o->db : pl_store_default_path(def, sizeof(def));
	const char *path = target;
	struct pl_store *st = NULL;
	struct pl_err err = { 0 };
	int rc;

	if (o->fresh) {
		if (snprintf(tmp, sizeof(tmp), "%s.new.%ld", target, (long)getpid()) >= (int)sizeof(tmp)) {
			cli_warn("portlore: %s: path too long\n", target);
			return EXIT_USAGE;
		}
		unlink(tmp);
		path = tmp;
	}
	if ((rc = pl_store_open(&st, path, o->fresh ? PL_STORE_CREATE : PL_STORE_WRITE, &err)) != 0)
		goto fail;
	/* One transaction for everything: a bad file leaves the store as it was. */
	if ((rc = pl_store_begin(st, &err)) != 0)
		goto fail;
	if ((rc = do_import(st, o, &err)) != 0) {
		pl_store_rollback(st);
		goto fail;
	}
	if ((rc = pl_store_commit(st, &err)) != 0)
		goto fail;
	/* The lookup index of the store as it now is, under the name it will have. */
	if ((rc = pl_index_write(st, target, &err)) != 0)
		goto fail;
	pl_store_close(st);
	st = NULL;
	if (o->fresh && rename(tmp, target) != 0) {
		pl_err_set(&err, -PL_EIO, "%s: %s", target, strerror(errno));
		rc = -PL_EIO;
		goto fail;
	}
	return EXIT_OK;
fail:
	pl_store_close(st);
	if (o->fresh)
		unlink(tmp);
	return cli_fail(&err, rc);
}

_Static_assert(sizeof(struct import_opts) <= CLI_OPTS_MAX, "import's options fit");

/* import takes --db but none of the reading commands' other common options. */
const struct option cmd_import_longopts[] = {
	{ "db", required_argument, NULL, 'd' },
	{ "iana", required_argument, NULL, 'i' },
	{ "lore", required_argument, NULL, 'l' },
	{ "nmap", required_argument, NULL, 'm' },
	{ "new", no_argument, NULL, 'N' },
	{ "check", no_argument, NULL, 'c' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

int
cmd_import_option(struct cli_ctx *x, int ch, const char *arg)
{
	struct import_opts *o = x->opts;

	switch (ch) {
	case 'i':
		if (o->niana == (int)(sizeof(o->iana) / sizeof(o->iana[0]))) {
			cli_warn("portlore: import: at most %zu --iana files\n",
			    sizeof(o->iana) / sizeof(o->iana[0]));
			return -1;
		}
		o->iana[o->niana++] = arg;
		break;
	case 'l': o->lore = arg; break;
	case 'm': o->nmap = arg; break;
	case 'N': o->fresh = true; break;
	case 'c': o->check = true; break;
	case 'q': o->quiet = true; break;
	default: return 1;
	}
	return 0;
}

/* Conflicting options, in one place. */
int
cmd_import_check(struct cli_ctx *x)
{
	struct import_opts *o = x->opts;

	o->db = x->c.db;
	if (o->check && (o->lore == NULL || o->niana > 0 || o->nmap || o->fresh || o->db)) {
		cli_warn("portlore: import: --check takes only --lore DIR\n");
		return EXIT_USAGE;
	}
	if (!o->check && o->niana == 0 && o->lore == NULL && o->nmap == NULL) {
		cli_warn("portlore: import: nothing to import (give --iana, --lore or --nmap)\n");
		return EXIT_USAGE;
	}
	return -1;
}

int
cmd_import_run(struct cli_ctx *x)
{
	const struct import_opts *o = x->opts;
	struct pl_err err = { 0 };
	long entries = 0, facts = 0;
	int rc;

	if (o->check) {
		if ((rc = pl_lore_import_dir(NULL, o->lore, &entries, &facts, &err)) != 0)
			return cli_fail(&err, rc);
		if (!o->quiet)
			cli_printf("%s: %ld entries, %ld port facts: valid\n", o->lore, entries, facts);
		return EXIT_OK;
	}
	return run(o);
}
