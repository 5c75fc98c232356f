/*
 * pg.c: feedback votes in PostgreSQL, shared by every replica of the site.
 *
 * The guarantees are the SQLite file's: a vote is acknowledged only once its
 * transaction is committed (each statement runs on its own, and synchronous_commit is
 * never left off), and one vote per client, page and day is the table's primary key,
 * so two replicas racing on the same vote end with one row, not two. The salt that
 * hides client addresses lives in the database too, so every replica keys a client the
 * same way.
 *
 * libpq is loaded with dlopen() when a postgresql:// URL is opened: programs that
 * never use PostgreSQL (every lookup) don't load it and its libraries (see update.c).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libpq-fe.h>

#include "feedback/feedback-internal.h"

/* The libpq functions used here, resolved at run time. */
static struct {
	PGconn *(*connectdb_params)(const char *const *, const char *const *, int);
	ConnStatusType (*status)(const PGconn *);
	char *(*error_message)(const PGconn *);
	void (*finish)(PGconn *);
	void (*reset)(PGconn *);
	PGresult *(*exec)(PGconn *, const char *);
	PGresult *(*exec_params)(PGconn *, const char *, int, const Oid *,
	    const char *const *, const int *, const int *, int);
	ExecStatusType (*result_status)(const PGresult *);
	char *(*result_error)(const PGresult *);
	void (*clear)(PGresult *);
	int (*ntuples)(const PGresult *);
	char *(*getvalue)(const PGresult *, int, int);
} pq;

struct fb_pg {
	struct pl_feedback base;
	PGconn *conn;
};

static int
pq_load(struct pl_err *err)
{
	static void *lib;
	const char *why;

	if (lib == NULL && (lib = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL)) == NULL) {
		why = dlerror();
		return pl_err_set(err, -PL_ESYS, "cannot load libpq for a postgresql:// feedback "
		    "store (%s); install libpq5", why ? why : "not found");
	}
	*(void **)&pq.connectdb_params = dlsym(lib, "PQconnectdbParams");
	*(void **)&pq.status = dlsym(lib, "PQstatus");
	*(void **)&pq.error_message = dlsym(lib, "PQerrorMessage");
	*(void **)&pq.finish = dlsym(lib, "PQfinish");
	*(void **)&pq.reset = dlsym(lib, "PQreset");
	*(void **)&pq.exec = dlsym(lib, "PQexec");
	*(void **)&pq.exec_params = dlsym(lib, "PQexecParams");
	*(void **)&pq.result_status = dlsym(lib, "PQresultStatus");
	*(void **)&pq.result_error = dlsym(lib, "PQresultErrorMessage");
	*(void **)&pq.clear = dlsym(lib, "PQclear");
	*(void **)&pq.ntuples = dlsym(lib, "PQntuples");
	*(void **)&pq.getvalue = dlsym(lib, "PQgetvalue");
	if (!pq.connectdb_params || !pq.status || !pq.error_message || !pq.finish || !pq.reset ||
	    !pq.exec || !pq.exec_params || !pq.result_status || !pq.result_error || !pq.clear ||
	    !pq.ntuples || !pq.getvalue)
		return pl_err_set(err, -PL_ESYS, "libpq lacks the PQ* functions portlore uses");
	return 0;
}

/* The URL as errors may show it: no password, whether in the user part or a parameter. */
static char *
redacted(const char *url)
{
	char *r = strdup(url), *auth, *at, *colon, *pw;

	if (r == NULL)
		return NULL;
	auth = strstr(r, "://");
	auth = auth ? auth + 3 : r;
	at = strchr(auth, '@');
	colon = strchr(auth, ':');
	if (at != NULL && colon != NULL && colon < at && strcspn(auth, "/?") > (size_t)(at - auth))
		memmove(colon, at, strlen(at) + 1);
	if ((pw = strstr(r, "password=")) != NULL) {
		char *end = pw + 9 + strcspn(pw + 9, "&");

		memmove(pw + 9, end, strlen(end) + 1);
	}
	return r;
}

/* One message: libpq's ends with a newline, and may hold several lines. */
static int
pg_fail(struct fb_pg *fb, const char *what, struct pl_err *err)
{
	char msg[300];

	snprintf(msg, sizeof(msg), "%s", what && *what ? what :
	    fb->conn ? pq.error_message(fb->conn) : "cannot connect");
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = *(p + 1) ? ' ' : '\0';
	return pl_err_set(err, -PL_ESTORE, "feedback store %s: %s", fb->base.name, msg);
}

/*
 * Runs sql with text parameters; returns the result (the caller clears it) or NULL
 * with err set. A connection found broken (a restarted server) is reset once and the
 * statement run again: every statement here is safe to repeat.
 */
static PGresult *
run(struct fb_pg *fb, const char *sql, int n, const char *const *params,
    struct pl_err *err)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		/* Without parameters, the simple protocol: it runs several statements. */
		PGresult *r = n == 0 ? pq.exec(fb->conn, sql) :
		    pq.exec_params(fb->conn, sql, n, NULL, params, NULL, NULL, 0);
		ExecStatusType st = r ? pq.result_status(r) : PGRES_FATAL_ERROR;

		if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
			return r;
		if (attempt == 0 && pq.status(fb->conn) == CONNECTION_BAD) {
			pq.clear(r);
			pq.reset(fb->conn);
			continue;
		}
		pg_fail(fb, r ? pq.result_error(r) : NULL, err);
		pq.clear(r);
		return NULL;
	}
	pg_fail(fb, NULL, err);
	return NULL;
}

static int
exec_ok(struct fb_pg *fb, const char *sql, int n, const char *const *params,
    struct pl_err *err)
{
	PGresult *r = run(fb, sql, n, params, err);

	pq.clear(r);
	return r ? 0 : -PL_ESTORE;
}

/* Two replicas starting at once must not both create the tables: a transaction-scoped
 * advisory lock makes the second wait for the first. */
static const char schema_sql[] =
	"BEGIN;"
	"SELECT pg_advisory_xact_lock(7061727);"
	"CREATE TABLE IF NOT EXISTS portlore_meta(key text PRIMARY KEY, value text NOT NULL);"
	"CREATE TABLE IF NOT EXISTS portlore_vote(page text NOT NULL, client text NOT NULL,"
	"  day date NOT NULL, vote text NOT NULL CHECK (vote IN ('yes', 'partly', 'no')),"
	"  at timestamptz NOT NULL DEFAULT now(),"
	"  PRIMARY KEY (page, client, day));"
	"COMMIT;";

static int
load_salt(struct fb_pg *fb, struct pl_err *err)
{
	char hex[33];
	const char *p[1] = { hex };
	PGresult *r;
	int rc;

	/* The first replica's salt wins; every other one reads it back. */
	if ((rc = pl__fb_salt_new(&fb->base, hex, err)) != 0 ||
	    (rc = exec_ok(fb, "INSERT INTO portlore_meta VALUES ('salt', $1)"
	    " ON CONFLICT (key) DO NOTHING", 1, p, err)) != 0)
		return rc;
	if ((r = run(fb, "SELECT value FROM portlore_meta WHERE key = 'salt'", 0, NULL, err)) == NULL)
		return -PL_ESTORE;
	rc = pq.ntuples(r) == 1 ? pl__fb_salt_parse(&fb->base, pq.getvalue(r, 0, 0)) : -1;
	pq.clear(r);
	return rc == 0 ? 0 : pl_err_set(err, -PL_ESTORE, "feedback store %s: bad salt",
	    fb->base.name);
}

static int
pg_vote(struct pl_feedback *base, const char *page, const char *key, const char *day,
    enum pl_vote vote, struct pl_err *err)
{
	const char *p[4] = { page, key, day, pl_vote_name(vote) };

	/* Autocommit: PGRES_COMMAND_OK comes back once the transaction has committed. */
	return exec_ok((struct fb_pg *)base, "INSERT INTO portlore_vote(page, client, day, vote)"
	    " VALUES ($1, $2, $3::date, $4) ON CONFLICT (page, client, day) DO UPDATE SET"
	    " vote = excluded.vote, at = now()", 4, p, err);
}

static int
pg_page(struct pl_feedback *base, const char *page, const char *key, const char *day,
    long n[PL_VOTE_COUNT], int *mine, struct pl_err *err)
{
	const char *p[3] = { page, key, day };
	PGresult *r = run((struct fb_pg *)base, "SELECT vote, count(*),"
	    " bool_or(client = $2 AND day = $3::date) FROM portlore_vote WHERE page = $1"
	    " GROUP BY vote", 3, p, err);

	if (r == NULL)
		return -PL_ESTORE;
	for (int i = 0; i < pq.ntuples(r); i++) {
		int v = pl_vote_parse(pq.getvalue(r, i, 0));

		if (v < 0)
			continue;
		n[v] = strtol(pq.getvalue(r, i, 1), NULL, 10);
		if (strcmp(pq.getvalue(r, i, 2), "t") == 0)
			*mine = v;
	}
	pq.clear(r);
	return 0;
}

static long
pg_totals(struct pl_feedback *base, struct pl_feedback_total **out, struct pl_err *err)
{
	struct pl_feedback_total *t = NULL;
	long n = 0, cap = 0;
	PGresult *r = run((struct fb_pg *)base, "SELECT page, count(*) FILTER (WHERE vote = 'yes'),"
	    " count(*) FILTER (WHERE vote = 'partly'), count(*) FILTER (WHERE vote = 'no')"
	    " FROM portlore_vote GROUP BY page ORDER BY count(*) DESC, page", 0, NULL, err);

	if (r == NULL)
		return -PL_ESTORE;
	for (int i = 0; i < pq.ntuples(r); i++) {
		long v[PL_VOTE_COUNT];

		for (int k = 0; k < PL_VOTE_COUNT; k++)
			v[k] = strtol(pq.getvalue(r, i, k + 1), NULL, 10);
		if (pl__fb_total_add(&t, &n, &cap, pq.getvalue(r, i, 0), v) != 0) {
			pq.clear(r);
			pl_feedback_totals_free(t, n);
			return pl_err_set(err, -PL_ENOMEM, "out of memory");
		}
	}
	pq.clear(r);
	*out = t;
	return n;
}

static void
pg_close(struct pl_feedback *base)
{
	struct fb_pg *fb = (struct fb_pg *)base;

	if (fb->conn != NULL)
		pq.finish(fb->conn);
	free(fb->base.name);
	free(fb);
}

static const struct pl__fb_ops pg_ops = { pg_vote, pg_page, pg_totals, pg_close };

int
pl__fb_pg_open(struct pl_feedback **out, const char *url, bool create, struct pl_err *err)
{
	/* Defaults first: what the URL itself says overrides them (expand_dbname). */
	const char *const keys[] = { "connect_timeout", "application_name", "dbname", NULL };
	const char *const vals[] = { "10", "portlore", url, NULL };
	struct fb_pg *fb;
	int rc;

	if ((rc = pq_load(err)) != 0)
		return rc;
	if ((fb = calloc(1, sizeof(*fb))) == NULL || (fb->base.name = redacted(url)) == NULL) {
		free(fb);
		return pl_err_set(err, -PL_ENOMEM, "out of memory");
	}
	fb->base.ops = &pg_ops;
	fb->conn = pq.connectdb_params(keys, vals, 1);
	if (fb->conn == NULL || pq.status(fb->conn) != CONNECTION_OK) {
		rc = pg_fail(fb, NULL, err);
		goto fail;
	}
	/* A database whose default leaves commits unsynced would break the promise. */
	if ((rc = exec_ok(fb, "SELECT set_config('synchronous_commit', 'on', false)"
	    " WHERE current_setting('synchronous_commit') = 'off'", 0, NULL, err)) != 0)
		goto fail;
	if (create && (rc = exec_ok(fb, schema_sql, 0, NULL, err)) != 0)
		goto fail;
	if ((rc = load_salt(fb, err)) != 0)
		goto fail;
	*out = &fb->base;
	return 0;
fail:
	pg_close(&fb->base);
	return rc;
}
