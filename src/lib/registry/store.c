/* store.c: opening the SQLite store, its schema, and small shared helpers. */
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "registry/store-internal.h"

/*
 * Schema 2 (2 added the relevance of lore ports). Registry rows keep all twelve columns of IANA's CSV; each import is a
 * snapshot, so several registry versions live side by side and history is a query.
 */
static const char schema_sql[] =
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE snapshot("
	"  id INTEGER PRIMARY KEY, label TEXT NOT NULL UNIQUE, source TEXT NOT NULL,"
	"  imported TEXT NOT NULL, rows INTEGER NOT NULL, col11 TEXT NOT NULL);"
	"CREATE TABLE record("
	"  snapshot INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,"
	"  line INTEGER NOT NULL, service TEXT NOT NULL, lo INTEGER, hi INTEGER,"
	"  proto TEXT NOT NULL, description TEXT NOT NULL, assignee TEXT NOT NULL,"
	"  contact TEXT NOT NULL, registered TEXT NOT NULL, modified TEXT NOT NULL,"
	"  reference TEXT NOT NULL, service_code TEXT NOT NULL, unauthorized TEXT NOT NULL,"
	"  notes TEXT NOT NULL);"
	"CREATE INDEX record_port ON record(snapshot, lo, hi);"
	"CREATE INDEX record_range ON record(snapshot, lo) WHERE lo <> hi;"
	"CREATE INDEX record_name ON record(snapshot, service COLLATE NOCASE);"
	"CREATE TABLE lore_entry("
	"  id TEXT PRIMARY KEY, family TEXT NOT NULL, family_name TEXT NOT NULL,"
	"  file TEXT NOT NULL, name TEXT NOT NULL, vendor TEXT NOT NULL, kind TEXT NOT NULL,"
	"  summary TEXT NOT NULL, risk TEXT NOT NULL, risk_why TEXT NOT NULL,"
	"  notes TEXT NOT NULL, year_from INTEGER, year_to INTEGER,"
	"  confidence TEXT NOT NULL, confidence_why TEXT NOT NULL);"
	"CREATE INDEX lore_entry_family ON lore_entry(family);"
	"CREATE TABLE lore_port(entry TEXT NOT NULL REFERENCES lore_entry(id) ON DELETE CASCADE,"
	"  lo INTEGER NOT NULL, hi INTEGER NOT NULL, proto TEXT NOT NULL, role TEXT NOT NULL,"
	/* Relevance (docs/lore-format.md): '' where the lore file does not say yet. */
	"  use TEXT NOT NULL DEFAULT '', prevalence TEXT NOT NULL DEFAULT '',"
	"  evidence TEXT NOT NULL DEFAULT '');"
	/* Most lore ports are single ports: look those up by equality, and scan only the
	 * few ranges for containment. */
	"CREATE INDEX lore_port_lo ON lore_port(lo, proto);"
	"CREATE INDEX lore_port_range ON lore_port(lo) WHERE lo <> hi;"
	"CREATE INDEX lore_port_entry ON lore_port(entry);"
	"CREATE TABLE lore_source(entry TEXT NOT NULL REFERENCES lore_entry(id) ON DELETE CASCADE,"
	"  n INTEGER NOT NULL, title TEXT NOT NULL, url TEXT NOT NULL, published TEXT NOT NULL,"
	"  accessed TEXT NOT NULL, publisher TEXT NOT NULL, tier TEXT NOT NULL);"
	"CREATE INDEX lore_source_entry ON lore_source(entry);"
	"CREATE TABLE lore_cve(entry TEXT NOT NULL REFERENCES lore_entry(id) ON DELETE CASCADE,"
	"  cve TEXT NOT NULL);"
	"CREATE INDEX lore_cve_entry ON lore_cve(entry);"
	"CREATE TABLE lore_hint(entry TEXT NOT NULL REFERENCES lore_entry(id) ON DELETE CASCADE,"
	"  kind TEXT NOT NULL, pattern TEXT NOT NULL);"
	"CREATE INDEX lore_hint_entry ON lore_hint(entry);"
	/* The ports an entry's risk concerns, when it names them (none: all its ports). */
	"CREATE TABLE lore_risk_port(entry TEXT NOT NULL REFERENCES lore_entry(id) ON DELETE "
	"CASCADE, port INTEGER NOT NULL);"
	"CREATE INDEX lore_risk_port_entry ON lore_risk_port(entry);"
	"CREATE TABLE nmap(port INTEGER NOT NULL, proto TEXT NOT NULL, name TEXT NOT NULL,"
	"  freq REAL NOT NULL, rank INTEGER NOT NULL, PRIMARY KEY(port, proto));"
	"CREATE INDEX nmap_rank ON nmap(proto, rank);"
	/* Search (src/lib/report/search.c): names weigh most, then the summary, then the
	 * rest; porter stems words ("servers" finds "server"); freq is the hit's most
	 * frequently open port, a prior for popular ports. */
	"CREATE VIRTUAL TABLE fts USING fts5(title, names, summary, body, source UNINDEXED,"
	"  ref UNINDEXED, family UNINDEXED, ports UNINDEXED, freq UNINDEXED,"
	"  tokenize = 'porter unicode61 remove_diacritics 2');"
	"INSERT INTO meta VALUES('schema', '" PL_STRINGIFY(PL_SCHEMA_VERSION) "');";

int
pl__exec(struct pl_store *st, const char *sql, struct pl_err *err)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		pl_err_set(err, -PL_ESTORE, "store %s: %s", st->path, msg ? msg : "error");
		sqlite3_free(msg);
		return -PL_ESTORE;
	}
	return 0;
}

sqlite3_stmt *
pl__stmt(struct pl_store *st, int i, const char *sql, struct pl_err *err)
{
	if (st->stmts[i] != NULL) {
		sqlite3_reset(st->stmts[i]);
		sqlite3_clear_bindings(st->stmts[i]);
		return st->stmts[i];
	}
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st->stmts[i],
	    NULL) != SQLITE_OK) {
		pl_err_set(err, -PL_ESTORE, "store %s: %s", st->path, sqlite3_errmsg(st->db));
		return NULL;
	}
	return st->stmts[i];
}

char *
pl__col(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return strdup(t ? (const char *)t : "");
}

int
pl__store_refresh(struct pl_store *st, struct pl_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	st->current[0] = '\0';
	st->current_id = 0;
	if (sqlite3_prepare_v2(st->db, "SELECT id, label FROM snapshot ORDER BY label DESC LIMIT 1",
	    -1, &s, NULL) != SQLITE_OK)
		return pl_err_set(err, -PL_ESTORE, "store %s: %s", st->path, sqlite3_errmsg(st->db));
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		st->current_id = sqlite3_column_int64(s, 0);
		snprintf(st->current, sizeof(st->current), "%s", sqlite3_column_text(s, 1));
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return pl_err_set(err, -PL_ESTORE, "store %s: %s", st->path, sqlite3_errmsg(st->db));
	return 0;
}

/* Returns the number of tables in the database, or -1 on error. */
static int
count_tables(struct pl_store *st)
{
	sqlite3_stmt *s = NULL;
	int n = -1;

	if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM sqlite_master", -1, &s, NULL) ==
	    SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return n;
}

/* The tables every query relies on: a store without one of them is refused at open,
 * like a corrupt one, instead of failing every lookup (and every page) later. */
static const char *const tables[] = { "meta", "snapshot", "record", "lore_entry",
	"lore_port", "lore_source", "lore_cve", "lore_hint", "nmap", "fts", NULL };

static int
check_tables(struct pl_store *st, struct pl_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc = 0;

	if (sqlite3_prepare_v2(st->db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
	    "name = ?1", -1, &s, NULL) != SQLITE_OK)
		return pl_err_set(err, -PL_ESTORE, "store %s: %s", st->path, sqlite3_errmsg(st->db));
	for (const char *const *t = tables; *t && rc == 0; t++) {
		sqlite3_reset(s);
		sqlite3_bind_text(s, 1, *t, -1, SQLITE_STATIC);
		switch (sqlite3_step(s)) {
		case SQLITE_ROW:
			break;
		case SQLITE_DONE:
			rc = pl_err_set(err, -PL_ESTORE, "store %s: table '%s' is missing (damaged "
			    "store; rebuild it with 'portlore import' or reinstall)", st->path, *t);
			break;
		default:
			rc = pl_err_set(err, -PL_ESTORE, "store %s: %s", st->path,
			    sqlite3_errmsg(st->db));
		}
	}
	sqlite3_finalize(s);
	return rc;
}

/* Checks that db holds a portlore store of a schema this build reads, or lays the
 * schema down in an empty database when may_create. */
static int
check_schema(struct pl_store *st, bool may_create, struct pl_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc, version = -1;

	rc = sqlite3_prepare_v2(st->db, "SELECT value FROM meta WHERE key = 'schema'", -1, &s, NULL);
	if (rc == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		version = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	switch (rc & 0xff) {
	case SQLITE_OK:
		if (version == PL_SCHEMA_VERSION)
			return check_tables(st, err);
		if (version > PL_SCHEMA_VERSION)
			return pl_err_set(err, -PL_ESTORE, "store %s: schema %d is newer than "
			    "this portlore reads (%d); upgrade portlore", st->path, version,
			    PL_SCHEMA_VERSION);
		if (version > 0)
			return pl_err_set(err, -PL_ESTORE, "store %s: made by an older portlore "
			    "(schema %d, this one reads %d); rebuild it with 'portlore import --new'",
			    st->path, version, PL_SCHEMA_VERSION);
		return pl_err_set(err, -PL_ESTORE, "store %s: not a portlore store (schema %d)",
		    st->path, version);
	case SQLITE_ERROR:      /* no table "meta" */
		break;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return pl_err_set(err, -PL_ESTORE, "store %s: %s (corrupt, or not a store)",
		    st->path, sqlite3_errstr(rc));
	default:
		return pl_err_set(err, -PL_ESTORE, "store %s: %s", st->path, sqlite3_errmsg(st->db));
	}
	if (!may_create || count_tables(st) != 0)
		return pl_err_set(err, -PL_ESTORE, "store %s: not a portlore store", st->path);
	if ((rc = pl__exec(st, "BEGIN", err)) != 0)
		return rc;
	if ((rc = pl__exec(st, schema_sql, err)) != 0) {
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	return pl__exec(st, "COMMIT", err);
}

int
pl_store_open(struct pl_store **out, const char *path, enum pl_store_mode mode,
    struct pl_err *err)
{
	struct pl_store *st;
	struct stat sb;
	int flags, rc;

	*out = NULL;
	if (path == NULL || *path == '\0')
		return pl_err_set(err, -PL_ESTORE, "store path is empty");
	if (mode != PL_STORE_CREATE && stat(path, &sb) != 0)
		return pl_err_set(err, -PL_ESTORE, "store %s: %s%s", path, strerror(errno),
		    errno == ENOENT ? " (build it with 'portlore import' or reinstall)" : "");
	if (mode != PL_STORE_CREATE && !S_ISREG(sb.st_mode))
		return pl_err_set(err, -PL_ESTORE, "store %s: not a regular file", path);
	if ((st = calloc(1, sizeof(*st))) == NULL || (st->path = strdup(path)) == NULL) {
		free(st);
		return pl_err_set(err, -PL_ENOMEM, "out of memory");
	}
	/* Memory statistics cost a mutex on every allocation; portlore never reads them.
	 * Only effective before SQLite's first initialisation, and harmless after it. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	flags = mode == PL_STORE_READ ? SQLITE_OPEN_READONLY :
	    mode == PL_STORE_WRITE ? SQLITE_OPEN_READWRITE :
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	rc = sqlite3_open_v2(path, &st->db, flags | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		pl_err_set(err, -PL_ESTORE, "store %s: %s", path,
		    st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, 5000);
	if (mode != PL_STORE_READ && sqlite3_db_readonly(st->db, "main") == 1) {
		pl_err_set(err, -PL_ESTORE, "store %s: read-only (no write permission)", path);
		goto fail;
	}
	/*
	 * A reader holds one read transaction for as long as the store is open: one shared
	 * lock instead of a lock, an unlock and a journal check around every statement
	 * (that was most of a lookup's system calls), and one consistent view of the data
	 * even if an import commits meanwhile. Pages are read through mmap.
	 */
	if (mode == PL_STORE_READ &&
	    sqlite3_exec(st->db, "PRAGMA mmap_size = 268435456; BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		pl_err_set(err, -PL_ESTORE, "store %s: %s", path, sqlite3_errmsg(st->db));
		goto fail;
	}
	if ((rc = check_schema(st, mode == PL_STORE_CREATE, err)) != 0)
		goto fail;
	if (mode != PL_STORE_READ && (rc = pl__exec(st, "PRAGMA foreign_keys = ON", err)) != 0)
		goto fail;
	if ((rc = pl__store_refresh(st, err)) != 0)
		goto fail;
	*out = st;
	return 0;
fail:
	pl_store_close(st);
	return err && err->code ? err->code : -PL_ESTORE;
}

void
pl_store_close(struct pl_store *st)
{
	if (st == NULL)
		return;
	for (size_t i = 0; i < sizeof(st->stmts) / sizeof(st->stmts[0]); i++)
		sqlite3_finalize(st->stmts[i]);
	if (st->db != NULL && !sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(st->db);
	free(st->path);
	free(st);
}

const char *
pl_store_path(const struct pl_store *st)
{
	return st->path;
}

const char *
pl_store_current_snapshot(struct pl_store *st)
{
	return st->current[0] ? st->current : NULL;
}

const char *
pl_store_default_path(char *buf, size_t len)
{
	const char *env = getenv("PORTLORE_DB"), *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	int n = -1;

	if (env != NULL && *env != '\0')
		return env;
	/* The user's own store (written by 'portlore update') wins over the installed one. */
	if (xdg != NULL && *xdg == '/')
		n = snprintf(buf, len, "%s/portlore/portlore.db", xdg);
	else if (home != NULL && *home == '/')
		n = snprintf(buf, len, "%s/.local/share/portlore/portlore.db", home);
	if (n > 0 && (size_t)n < len && access(buf, R_OK) == 0)
		return buf;
	return PL_STORE_PATH;
}

int
pl_store_begin(struct pl_store *st, struct pl_err *err)
{
	return pl__exec(st, "BEGIN IMMEDIATE", err);
}

int
pl_store_commit(struct pl_store *st, struct pl_err *err)
{
	int rc = pl__exec(st, "COMMIT", err);

	if (rc != 0)
		pl_store_rollback(st);
	return rc;
}

void
pl_store_rollback(struct pl_store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	pl__store_refresh(st, NULL);
}

/*
 * libm, loaded on first use. Debian's SQLite is built with its SQL math functions
 * (acos() to trunc()), and they are the only users of libm in portlore: linking it
 * made every process load it at start, 55 us on our machines (a program linked to
 * libm against one linked to libc alone, bench/pairtime), for functions no query of
 * portlore calls. Each is defined here, before SQLite's archive is searched, and
 * calls libm's through dlopen() the first time; linked --as-needed, libm is then not
 * loaded at start. Without libm (it ships with libc) the answer is NaN.
 */

static void *
libm_sym(const char *name)
{
	static void *lib;
	void *h = __atomic_load_n(&lib, __ATOMIC_ACQUIRE);

	if (h == NULL && (h = dlopen("libm.so.6", RTLD_NOW | RTLD_LOCAL)) != NULL)
		__atomic_store_n(&lib, h, __ATOMIC_RELEASE);
	return h ? dlsym(h, name) : NULL;
}

#define LIBM1(name)                                                               \
	double name(double x)                                                     \
	{                                                                         \
		static double (*f)(double);                                       \
		double (*g)(double) = __atomic_load_n(&f, __ATOMIC_ACQUIRE);      \
                                                                                  \
		if (g == NULL && (*(void **)&g = libm_sym(#name)) != NULL)        \
			__atomic_store_n(&f, g, __ATOMIC_RELEASE);                \
		return g ? g(x) : NAN;                                            \
	}
#define LIBM2(name)                                                               \
	double name(double x, double y)                                           \
	{                                                                         \
		static double (*f)(double, double);                               \
		double (*g)(double, double) = __atomic_load_n(&f, __ATOMIC_ACQUIRE); \
                                                                                  \
		if (g == NULL && (*(void **)&g = libm_sym(#name)) != NULL)        \
			__atomic_store_n(&f, g, __ATOMIC_RELEASE);                \
		return g ? g(x, y) : NAN;                                         \
	}
LIBM1(acos) LIBM1(acosh) LIBM1(asin) LIBM1(asinh) LIBM1(atan) LIBM1(atanh)
LIBM1(cos) LIBM1(cosh) LIBM1(exp) LIBM1(log) LIBM1(sin) LIBM1(sinh) LIBM1(sqrt)
LIBM1(tan) LIBM1(tanh) LIBM1(trunc)
LIBM2(atan2) LIBM2(fmod) LIBM2(pow)
