/*
 * nmap.c: import the open frequencies of nmap's nmap-services file (Debian's
 * nmap-common installs it as /usr/share/nmap/nmap-services). Each line is
 * "name<TAB>port/proto<TAB>frequency[<TAB># comment]"; '#' starts a comment line.
 * The file is read from the system; portlore ships no copy.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/store-internal.h"

static int
parse_line(char *line, char **name, long *port, char **proto, double *freq)
{
	char *save = NULL, *ps, *fs, *end, *slash;

	if ((*name = strtok_r(line, " \t", &save)) == NULL ||
	    (ps = strtok_r(NULL, " \t", &save)) == NULL ||
	    (fs = strtok_r(NULL, " \t\r\n", &save)) == NULL)
		return -1;
	if ((slash = strchr(ps, '/')) == NULL)
		return -1;
	*slash = '\0';
	*proto = slash + 1;
	errno = 0;
	*port = strtol(ps, &end, 10);
	if (*end != '\0' || ps == end || *port < 0 || *port > 65535 || errno != 0)
		return -1;
	if (pl_proto_parse(*proto, strlen(*proto)) == PL_PROTO_ANY)
		return -1;
	*freq = strtod(fs, &end);
	if (*end != '\0' || fs == end || *freq < 0 || *freq > 1)
		return -1;
	return 0;
}

int
pl_store_import_nmap(struct pl_store *st, const char *path, long *rows, struct pl_err *err)
{
	sqlite3_stmt *ins = NULL;
	char *line = NULL;
	size_t cap = 0;
	long lineno = 0, n = 0;
	FILE *f;
	int rc;

	if ((f = fopen(path, "re")) == NULL)
		return pl_err_set(err, -PL_EIO, "%s: %s", path, strerror(errno));
	if ((rc = pl__exec(st, "SAVEPOINT nmap; DELETE FROM nmap;"
	    "CREATE TEMP TABLE nmap_in(port INTEGER, proto TEXT, name TEXT, freq REAL,"
	    " PRIMARY KEY(port, proto));", err)) != 0)
		goto out;
	if (sqlite3_prepare_v2(st->db, "INSERT INTO nmap_in VALUES(?,?,?,?) ON CONFLICT DO UPDATE"
	    " SET freq = max(freq, excluded.freq)", -1, &ins, NULL) != SQLITE_OK) {
		rc = pl_err_set(err, -PL_ESTORE, "store %s: %s", st->path, sqlite3_errmsg(st->db));
		goto undo;
	}
	while (getline(&line, &cap, f) > 0) {
		char *name, *proto, *p = line;
		long port;
		double freq;

		lineno++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '#' || *p == '\n' || *p == '\r' || *p == '\0')
			continue;
		if (parse_line(p, &name, &port, &proto, &freq) != 0) {
			rc = pl_err_set(err, -PL_EDATA, "%s:%ld: expected 'name port/proto frequency'",
			    path, lineno);
			goto undo;
		}
		sqlite3_bind_int64(ins, 1, port);
		sqlite3_bind_text(ins, 2, proto, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, name, -1, SQLITE_STATIC);
		sqlite3_bind_double(ins, 4, freq);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			rc = pl_err_set(err, -PL_ESTORE, "store %s: %s", st->path, sqlite3_errmsg(st->db));
			goto undo;
		}
		sqlite3_reset(ins);
		n++;
	}
	if (ferror(f)) {
		rc = pl_err_set(err, -PL_EIO, "%s: %s", path, strerror(errno));
		goto undo;
	}
	/* Rank among ports of the same protocol that nmap has seen open (freq > 0). */
	if ((rc = pl__exec(st, "INSERT INTO nmap SELECT port, proto, name, freq,"
	    " CASE WHEN freq > 0 THEN row_number() OVER (PARTITION BY proto, freq > 0"
	    " ORDER BY freq DESC, port) ELSE 0 END FROM nmap_in;"
	    "DROP TABLE nmap_in; RELEASE nmap;", err)) != 0)
		goto undo;
	if (rows)
		*rows = n;
	goto out;
undo:
	sqlite3_finalize(ins);
	ins = NULL;
	sqlite3_exec(st->db, "ROLLBACK TO nmap; RELEASE nmap; DROP TABLE IF EXISTS temp.nmap_in",
	    NULL, NULL, NULL);
out:
	sqlite3_finalize(ins);
	free(line);
	fclose(f);
	return rc;
}
