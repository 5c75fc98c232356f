/*
 * feedback.c: "Was this page helpful?" votes in their own SQLite file.
 *
 * WAL mode with synchronous=FULL: a vote is on disk when COMMIT returns, which is when
 * the server acknowledges it; readers (portlore feedback) never block the writer.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sqlite3.h>

#include "portlore/feedback.h"

struct pl_feedback {
	sqlite3 *db;
	char *path;
	uint64_t salt[2];
};

static const char *const vote_names[PL_VOTE_COUNT] = { "yes", "partly", "no" };

static const char schema_sql[] =
	"PRAGMA journal_mode = WAL;"
	"PRAGMA synchronous = FULL;"
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS vote(page TEXT NOT NULL, client TEXT NOT NULL,"
	"  day TEXT NOT NULL, vote TEXT NOT NULL CHECK (vote IN ('yes', 'partly', 'no')),"
	"  at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),"
	"  PRIMARY KEY (page, client, day));"
	"CREATE INDEX IF NOT EXISTS vote_page ON vote(page);";

const char *
pl_vote_name(enum pl_vote v)
{
	return (unsigned)v < PL_VOTE_COUNT ? vote_names[v] : "";
}

int
pl_vote_parse(const char *s)
{
	for (int i = 0; s != NULL && i < PL_VOTE_COUNT; i++)
		if (strcmp(s, vote_names[i]) == 0)
			return i;
	return -1;
}

static int
db_fail(struct pl_feedback *fb, struct pl_err *err)
{
	return pl_err_set(err, -PL_ESTORE, "feedback store %s: %s", fb->path,
	    fb->db ? sqlite3_errmsg(fb->db) : "cannot open");
}

/* Creates the parent folder of path (one level is enough for the default path's
 * "portlore" folder; its own parent is the user's data folder). */
static void
make_parent(const char *path)
{
	char dir[PATH_MAX];
	char *slash;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return;
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return;
	*slash = '\0';
	(void)mkdir(dir, 0700);
}

/* The salt keeps client addresses out of the file: only hash(salt, address) is stored. */
static int
load_salt(struct pl_feedback *fb, struct pl_err *err)
{
	sqlite3_stmt *s = NULL;
	char hex[40];
	int rc;

	if (sqlite3_prepare_v2(fb->db, "SELECT value FROM meta WHERE key = 'salt'", -1, &s,
	    NULL) != SQLITE_OK)
		return db_fail(fb, err);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(s, 0) == 32) {
		memcpy(hex, sqlite3_column_text(s, 0), 32);
		hex[32] = '\0';
		sqlite3_finalize(s);
		return sscanf(hex, "%16" SCNx64 "%16" SCNx64, &fb->salt[0], &fb->salt[1]) == 2 ? 0 :
		    pl_err_set(err, -PL_ESTORE, "feedback store %s: bad salt", fb->path);
	}
	sqlite3_finalize(s);
	if (getrandom(fb->salt, sizeof(fb->salt), 0) != (ssize_t)sizeof(fb->salt))
		return pl_err_set(err, -PL_ESYS, "getrandom: %s", strerror(errno));
	snprintf(hex, sizeof(hex), "%016" PRIx64 "%016" PRIx64, fb->salt[0], fb->salt[1]);
	if (sqlite3_prepare_v2(fb->db, "INSERT OR IGNORE INTO meta VALUES ('salt', ?1)", -1, &s,
	    NULL) != SQLITE_OK)
		return db_fail(fb, err);
	sqlite3_bind_text(s, 1, hex, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : db_fail(fb, err);
}

int
pl_feedback_open(struct pl_feedback **out, const char *path, bool create, struct pl_err *err)
{
	struct pl_feedback *fb;
	int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0), rc;

	*out = NULL;
	if (path == NULL || *path == '\0')
		return pl_err_set(err, -PL_ESTORE, "feedback store path is empty");
	if ((fb = calloc(1, sizeof(*fb))) == NULL || (fb->path = strdup(path)) == NULL) {
		free(fb);
		return pl_err_set(err, -PL_ENOMEM, "out of memory");
	}
	if (create)
		make_parent(path);
	if (sqlite3_open_v2(path, &fb->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		rc = db_fail(fb, err);
		goto fail;
	}
	sqlite3_busy_timeout(fb->db, 5000);
	if (sqlite3_exec(fb->db, schema_sql, NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_fail(fb, err);
		goto fail;
	}
	if ((rc = load_salt(fb, err)) != 0)
		goto fail;
	*out = fb;
	return 0;
fail:
	pl_feedback_close(fb);
	return rc;
}

void
pl_feedback_close(struct pl_feedback *fb)
{
	if (fb == NULL)
		return;
	sqlite3_close(fb->db);
	free(fb->path);
	free(fb);
}

const char *
pl_feedback_default_path(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	int n;

	if (xdg != NULL && *xdg == '/')
		n = snprintf(buf, len, "%s/portlore/feedback.db", xdg);
	else if (home != NULL && *home == '/')
		n = snprintf(buf, len, "%s/.local/share/portlore/feedback.db", home);
	else
		n = snprintf(buf, len, "feedback.db");
	return n > 0 && (size_t)n < len ? buf : "feedback.db";
}

/* FNV-1a over salt and client: enough to tell clients apart without keeping addresses. */
static void
client_key(const struct pl_feedback *fb, const char *client, char out[17])
{
	uint64_t h = 0xcbf29ce484222325ULL;
	const unsigned char *p = (const unsigned char *)fb->salt;

	for (size_t i = 0; i < sizeof(fb->salt); i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	for (p = (const unsigned char *)client; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	snprintf(out, 17, "%016" PRIx64, h);
}

int
pl_feedback_vote(struct pl_feedback *fb, const char *page, const char *client,
    const char *day, enum pl_vote vote, struct pl_err *err)
{
	sqlite3_stmt *s = NULL;
	char key[17];
	int rc;

	if ((unsigned)vote >= PL_VOTE_COUNT)
		return pl_err_set(err, -PL_EUSAGE, "vote %d: not yes, partly or no", (int)vote);
	client_key(fb, client, key);
	if (sqlite3_prepare_v2(fb->db, "INSERT INTO vote(page, client, day, vote)"
	    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT(page, client, day) DO UPDATE SET"
	    " vote = excluded.vote, at = excluded.at", -1, &s, NULL) != SQLITE_OK)
		return db_fail(fb, err);
	sqlite3_bind_text(s, 1, page, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, day, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, vote_names[vote], -1, SQLITE_STATIC);
	/* In autocommit mode the statement is its own transaction: SQLITE_DONE means the
	 * WAL frame is written and, with synchronous=FULL, synced. */
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : db_fail(fb, err);
}

int
pl_feedback_page(struct pl_feedback *fb, const char *page, const char *client,
    const char *day, long n[PL_VOTE_COUNT], int *mine, struct pl_err *err)
{
	sqlite3_stmt *s = NULL;
	char key[17];
	int rc;

	memset(n, 0, sizeof(long) * PL_VOTE_COUNT);
	*mine = -1;
	client_key(fb, client, key);
	if (sqlite3_prepare_v2(fb->db, "SELECT vote, count(*), max(client = ?2 AND day = ?3)"
	    " FROM vote WHERE page = ?1 GROUP BY vote", -1, &s, NULL) != SQLITE_OK)
		return db_fail(fb, err);
	sqlite3_bind_text(s, 1, page, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, day, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int v = pl_vote_parse((const char *)sqlite3_column_text(s, 0));

		if (v < 0)
			continue;
		n[v] = sqlite3_column_int64(s, 1);
		if (sqlite3_column_int(s, 2))
			*mine = v;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : db_fail(fb, err);
}

long
pl_feedback_totals(struct pl_feedback *fb, struct pl_feedback_total **out, struct pl_err *err)
{
	sqlite3_stmt *s = NULL;
	struct pl_feedback_total *t = NULL;
	long n = 0, cap = 0;
	int rc;

	*out = NULL;
	if (sqlite3_prepare_v2(fb->db, "SELECT page, sum(vote = 'yes'), sum(vote = 'partly'),"
	    " sum(vote = 'no') FROM vote GROUP BY page ORDER BY count(*) DESC, page", -1, &s,
	    NULL) != SQLITE_OK)
		return db_fail(fb, err);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			struct pl_feedback_total *nt;

			cap = cap ? cap * 2 : 16;
			if ((nt = realloc(t, (size_t)cap * sizeof(*t))) == NULL)
				goto nomem;
			t = nt;
		}
		if ((t[n].page = strdup((const char *)sqlite3_column_text(s, 0))) == NULL)
			goto nomem;
		for (int i = 0; i < PL_VOTE_COUNT; i++)
			t[n].n[i] = sqlite3_column_int64(s, i + 1);
		n++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		pl_feedback_totals_free(t, n);
		return db_fail(fb, err);
	}
	*out = t;
	return n;
nomem:
	sqlite3_finalize(s);
	pl_feedback_totals_free(t, n);
	return pl_err_set(err, -PL_ENOMEM, "out of memory");
}

void
pl_feedback_totals_free(struct pl_feedback_total *t, long n)
{
	for (long i = 0; t != NULL && i < n; i++)
		free(t[i].page);
	free(t);
}
