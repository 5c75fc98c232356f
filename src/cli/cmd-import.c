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

int
cmd_import(int argc, char **argv)
{
	static const struct option longopts[] = {
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
	struct import_opts o = { 0 };
	struct pl_err err = { 0 };
	long entries = 0, facts = 0;
	int ch, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "+d:i:l:m:Ncqh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			o.db = optarg;
			break;
		case 'i':
			if (o.niana == (int)(sizeof(o.iana) / sizeof(o.iana[0]))) {
				cli_warn("portlore: import: at most %zu --iana files\n",
				    sizeof(o.iana) / sizeof(o.iana[0]));
				return EXIT_USAGE;
			}
			o.iana[o.niana++] = optarg;
			break;
		case 'l':
			o.lore = optarg;
			break;
		case 'm':
			o.nmap = optarg;
			break;
		case 'N':
			o.fresh = true;
			break;
		case 'c':
			o.check = true;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'h':
			return cli_usage("import", EXIT_OK);
		default:
			return cli_usage("import", EXIT_USAGE);
		}
	}
	if (optind != argc)
		return cli_usage("import", EXIT_USAGE);
	/* Conflicting options, in one place. */
	if (o.check && (o.lore == NULL || o.niana > 0 || o.nmap || o.fresh || o.db)) {
		cli_warn("portlore: import: --check takes only --lore DIR\n");
		return EXIT_USAGE;
	}
	if (!o.check && o.niana == 0 && o.lore == NULL && o.nmap == NULL) {
		cli_warn("portlore: import: nothing to import (give --iana, --lore or --nmap)\n");
		return EXIT_USAGE;
	}
	if (o.check) {
		if ((rc = pl_lore_import_dir(NULL, o.lore, &entries, &facts, &err)) != 0)
			return cli_fail(&err, rc);
		if (!o.quiet)
			cli_printf("%s: %ld entries, %ld port facts: valid\n", o.lore, entries, facts);
		return EXIT_OK;
	}
	return run(&o);
}
