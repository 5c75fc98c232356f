/*
 * feedback-internal.h: the one small interface every feedback backend implements
 * (sqlite.c for a file, pg.c for PostgreSQL). feedback.c picks the backend from the
 * path and holds what they share: vote names, the salted client key, the default path.
 */
#ifndef PORTLORE_FEEDBACK_INTERNAL_H
#define PORTLORE_FEEDBACK_INTERNAL_H

#include <stdint.h>

#include "portlore/feedback.h"

struct pl_feedback;

struct pl__fb_ops {
	/* Votes are keyed by pl__fb_client_key(); every call returns 0 or a negative code
	 * with err set. vote returns 0 only once the vote is committed. */
	int (*vote)(struct pl_feedback *fb, const char *page, const char *key,
	    const char *day, enum pl_vote vote, struct pl_err *err);
	int (*page)(struct pl_feedback *fb, const char *page, const char *key,
	    const char *day, long n[PL_VOTE_COUNT], int *mine, struct pl_err *err);
	long (*totals)(struct pl_feedback *fb, struct pl_feedback_total **out,
	    struct pl_err *err);
	void (*close)(struct pl_feedback *fb);
};

/* What every backend's handle starts with. */
struct pl_feedback {
	const struct pl__fb_ops *ops;
	char *name;                 /* the path, or the URL without its password */
	uint64_t salt[2];           /* kept in the backend, shared by every process */
};

int pl__fb_sqlite_open(struct pl_feedback **out, const char *path, bool create,
    struct pl_err *err);
int pl__fb_pg_open(struct pl_feedback **out, const char *url, bool create,
    struct pl_err *err);

/* Parses the 32 hex digits of a stored salt; returns 0 or -1. */
int pl__fb_salt_parse(struct pl_feedback *fb, const char *hex);
/* Draws a new salt and writes its 32 hex digits (and a NUL) into hex[33]. */
int pl__fb_salt_new(struct pl_feedback *fb, char hex[33], struct pl_err *err);

/* Appends a total (page, yes, partly, no) to *t (n of cap); returns 0 or -PL_ENOMEM. */
int pl__fb_total_add(struct pl_feedback_total **t, long *n, long *cap, const char *page,
    const long v[PL_VOTE_COUNT]);

#endif
