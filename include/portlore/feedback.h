/*
 * Reader feedback ("Was this page helpful?"): one SQLite file in WAL mode, kept apart
 * from the store because the installed store may be read-only, or one PostgreSQL
 * database shared by several servers (docs/scale-out.md).
 *
 * Ownership: pl_feedback_open() returns a handle the caller frees with
 * pl_feedback_close() (NULL is fine). Totals returned by pl_feedback_totals() belong to
 * the caller and are released with pl_feedback_totals_free().
 */
#ifndef PORTLORE_FEEDBACK_H
#define PORTLORE_FEEDBACK_H

#include <stdbool.h>
#include <stddef.h>

#include "portlore/error.h"

enum pl_vote { PL_VOTE_YES, PL_VOTE_PARTLY, PL_VOTE_NO, PL_VOTE_COUNT };

/* Returns "yes", "partly" or "no". */
const char *pl_vote_name(enum pl_vote v);
/* Returns the vote named by s, or -1. */
int pl_vote_parse(const char *s);

struct pl_feedback;

/*
 * Opens (creating when create is true, with its folders) the feedback store at path:
 * a SQLite file, or a PostgreSQL database when path is a postgresql:// (or postgres://)
 * URL, whose tables are created when create is true. Returns 0, or -PL_ESTORE with err
 * naming the path (a URL without its password), -PL_ESYS when libpq can't be loaded.
 */
int pl_feedback_open(struct pl_feedback **out, const char *path, bool create,
    struct pl_err *err);
void pl_feedback_close(struct pl_feedback *fb);

/* Whether path names a PostgreSQL database rather than a file. */
bool pl_feedback_is_url(const char *path);

/* The default path: $STATE_DIRECTORY/feedback.db (systemd's StateDirectory=), else
 * $XDG_DATA_HOME/portlore/feedback.db or ~/.local/share/portlore/feedback.db. */
const char *pl_feedback_default_path(char *buf, size_t len);

/*
 * Records the vote of client (any text that identifies it: the server passes the peer
 * address; only a salted hash of it is stored) on page for day ("2026-11-23"). A second
 * vote of the same client on the same page and day replaces the first. Returns 0 only
 * once the vote is committed to disk, or -PL_ESTORE.
 */
int pl_feedback_vote(struct pl_feedback *fb, const char *page, const char *client,
    const char *day, enum pl_vote vote, struct pl_err *err);

/* Fills n[] with the totals of page and *mine with the client's vote of day (or -1). */
int pl_feedback_page(struct pl_feedback *fb, const char *page, const char *client,
    const char *day, long n[PL_VOTE_COUNT], int *mine, struct pl_err *err);

struct pl_feedback_total {
	char *page;
	long n[PL_VOTE_COUNT];
};

/* Totals per page, most votes first. Returns the number of pages or a negative code. */
long pl_feedback_totals(struct pl_feedback *fb, struct pl_feedback_total **out,
    struct pl_err *err);
void pl_feedback_totals_free(struct pl_feedback_total *t, long n);

#endif
