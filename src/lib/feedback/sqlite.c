/*
 * sqlite.c: feedback votes in their own SQLite file, for one server.
 *
 * WAL mode with synchronous=FULL: a vote is on disk when COMMIT returns, which is when
 * the server acknowledges it; readers (portlore feedback) never block the writer.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sqlite3.h>

#include "feedback/feedback-internal.h"

struct fb_sqlite {
	struct pl_feedback base;
	sqlite3 *db;
};

static const char schema_sql[] =
	"PRAGMA journal_mode = WAL;"
	"PRAGMA synchronous = FULL;"
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS vote(page TEXT NOT NULL, client TEXT NOT NULL,"
	"  day TEXT NOT NULL, vote TEXT NOT NULL CHECK (vote IN ('yes', 'partly', 'no')),"
	"  at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),"
	"  PRIMARY KEY (page, client, day));"
	"CREATE INDEX IF NOT EXISTS vote_page ON vote(page);";

static int
db_fail(struct fb_sqlite *fb, struct pl_err *err)
{
	return pl_err_set(err, -PL_ESTORE, "feedback store %s: %s", fb->base.name,
	    fb->db ? sqlite3_errmsg(fb->db) : "cannot open");
}

/* Creates the folders above path (0700), as `mkdir -p` would: on a fresh account even
 * ~/.local/share may be missing. */
static void
make_parents(const char *path)
{
	char dir[PATH_MAX];

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return;
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			return;
		*p = '/';
	}
}

/* The salt keeps client addresses out of the file: only hash(salt, address) is stored. */
static int
load_salt(struct fb_sqlite *fb, struct pl_err *err)
{
	sqlite3_stmt *s = NULL;
	char hex[33];
	int rc;

	if (sqlite3_prepare_v2(fb->db, "SELECT value FROM meta WHERE key = 'salt'", -1, &s,
	    NULL) != SQLITE_OK)
		return db_fail(fb, err);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		rc = pl__fb_salt_parse(&fb->base, (const char *)sqlite3_column_text(s, 0));
		sqlite3_finalize(s);
		return rc == 0 ? 0 : pl_err_set(err, -PL_ESTORE, "feedback store %s: bad salt",
		    fb->base.name);
	}
	sqlite3_finalize(s);
	if ((rc = pl__fb_salt_new(&fb->base, hex, err)) != 0)
		return rc;
	if (sqlite3_prepare_v2(fb->db, "INSERT OR IGNORE INTO meta VALUES ('salt', ?1)", -1, &s,
	    NULL) != SQLITE_OK)
		return db_fail(fb, err);
	sqlite3_bind_text(s, 1, hex, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : db_fail(fb, err);
}

static int
sq_vote(struct pl_feedback *base, const char *page, const char *key, const char *day,
    enum pl_vote vote, struct pl_err *err)
{
	struct fb_sqlite *fb = (struct fb_sqlite *)base;
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(fb->db, "INSERT INTO vote(page, client, day, vote)"
	    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT(page, client, day) DO UPDATE SET"
	    " vote = excluded.vote, at = excluded.at", -1, &s, NULL) != SQLITE_OK)
		return db_fail(fb, err);
	sqlite3_bind_text(s, 1, page, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, day, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, pl_vote_name(vote), -1, SQLITE_STATIC);
	/* In autocommit mode the statement is its own transaction: SQLITE_DONE means the
	 * WAL frame is written and, with synchronous=FULL, synced. */
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : db_fail(fb, err);
}

static int
sq_page(struct pl_feedback *base, const char *page, const char *key, const char *day,
    long n[PL_VOTE_COUNT], int *mine, struct pl_err *err)
{
	struct fb_sqlite *fb = (struct fb_sqlite *)base;
	sqlite3_stmt *s = NULL;
	int rc;

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

static long
sq_totals(struct pl_feedback *base, struct pl_feedback_total **out, struct pl_err *err)
{
	struct fb_sqlite *fb = (struct fb_sqlite *)base;
	sqlite3_stmt *s = NULL;
	struct pl_feedback_total *t = NULL;
	long n = 0, cap = 0;
	int rc;

	if (sqlite3_prepare_v2(fb->db, "SELECT page, sum(vote = 'yes'), sum(vote = 'partly'),"
	    " sum(vote = 'no') FROM vote GROUP BY page ORDER BY count(*) DESC, page", -1, &s,
	    NULL) != SQLITE_OK)
		return db_fail(fb, err);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		long v[PL_VOTE_COUNT];

		for (int i = 0; i < PL_VOTE_COUNT; i++)
			v[i] = sqlite3_column_int64(s, i + 1);
		if (pl__fb_total_add(&t, &n, &cap, (const char *)sqlite3_column_text(s, 0), v)) {
			sqlite3_finalize(s);
			pl_feedback_totals_free(t, n);
			return pl_err_set(err, -PL_ENOMEM, "out of memory");
		}
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		pl_feedback_totals_free(t, n);
		return db_fail(fb, err);
	}
	*out = t;
	return n;
}

static void
sq_close(struct pl_feedback *base)
{
	struct fb_sqlite *fb = (struct fb_sqlite *)base;

	sqlite3_close(fb->db);
	free(fb->base.name);
	free(fb);
}

static const struct pl__fb_ops sqlite_ops = { sq_vote, sq_page, sq_totals, sq_close };

int
pl__fb_sqlite_open(struct pl_feedback **out, const char *path, bool create,
    struct pl_err *err)
{
	struct fb_sqlite *fb;
	int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0), rc;

	if ((fb = calloc(1, sizeof(*fb))) == NULL || (fb->base.name = strdup(path)) == NULL) {
		free(fb);
		return pl_err_set(err, -PL_ENOMEM, "out of memory");
	}
	fb->base.ops = &sqlite_ops;
	if (create)
		make_parents(path);
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
	*out = &fb->base;
	return 0;
fail:
	sq_close(&fb->base);
	return rc;
}
