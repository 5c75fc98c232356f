/*
 * feedback.c: "Was this page helpful?" votes, whatever keeps them: a SQLite file
 * (sqlite.c, one server) or a PostgreSQL database (pg.c, replicas that share votes).
 * The path picks the backend; both enforce one vote per client, page and day with a
 * primary key, and acknowledge a vote only once it is committed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "feedback/feedback-internal.h"

static const char *const vote_names[PL_VOTE_COUNT] = { "yes", "partly", "no" };

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

bool
pl_feedback_is_url(const char *path)
{
	return path != NULL && (strncmp(path, "postgresql://", 13) == 0 ||
	    strncmp(path, "postgres://", 11) == 0);
}

int
pl_feedback_open(struct pl_feedback **out, const char *path, bool create, struct pl_err *err)
{
	*out = NULL;
	if (path == NULL || *path == '\0')
		return pl_err_set(err, -PL_ESTORE, "feedback store path is empty");
	if (pl_feedback_is_url(path))
		return pl__fb_pg_open(out, path, create, err);
	return pl__fb_sqlite_open(out, path, create, err);
}

void
pl_feedback_close(struct pl_feedback *fb)
{
	if (fb != NULL)
		fb->ops->close(fb);
}

/*
 * Under systemd, StateDirectory= names the service's own folder in $STATE_DIRECTORY
 * (several are separated by colons: the first is ours). Otherwise the XDG data folder.
 */
const char *
pl_feedback_default_path(char *buf, size_t len)
{
	const char *state = getenv("STATE_DIRECTORY"), *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	int n;

	if (state != NULL && *state == '/')
		n = snprintf(buf, len, "%.*s/feedback.db", (int)strcspn(state, ":"), state);
	else if (xdg != NULL && *xdg == '/')
		n = snprintf(buf, len, "%s/portlore/feedback.db", xdg);
	else if (home != NULL && *home == '/' && home[1] != '\0')
		n = snprintf(buf, len, "%s/.local/share/portlore/feedback.db", home);
	else
		n = snprintf(buf, len, "feedback.db");
	return n > 0 && (size_t)n < len ? buf : "feedback.db";
}

int
pl__fb_salt_parse(struct pl_feedback *fb, const char *hex)
{
	char tmp[33];

	if (hex == NULL || strlen(hex) != 32 || strspn(hex, "0123456789abcdef") != 32)
		return -1;
	memcpy(tmp, hex, 33);
	return sscanf(tmp, "%16" SCNx64 "%16" SCNx64, &fb->salt[0], &fb->salt[1]) == 2 ? 0 : -1;
}

int
pl__fb_salt_new(struct pl_feedback *fb, char hex[33], struct pl_err *err)
{
	if (getrandom(fb->salt, sizeof(fb->salt), 0) != (ssize_t)sizeof(fb->salt))
		return pl_err_set(err, -PL_ESYS, "getrandom: %s", strerror(errno));
	snprintf(hex, 33, "%016" PRIx64 "%016" PRIx64, fb->salt[0], fb->salt[1]);
	return 0;
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
	char key[17];

	if ((unsigned)vote >= PL_VOTE_COUNT)
		return pl_err_set(err, -PL_EUSAGE, "vote %d: not yes, partly or no", (int)vote);
	client_key(fb, client, key);
	return fb->ops->vote(fb, page, key, day, vote, err);
}

int
pl_feedback_page(struct pl_feedback *fb, const char *page, const char *client,
    const char *day, long n[PL_VOTE_COUNT], int *mine, struct pl_err *err)
{
	char key[17];

	memset(n, 0, sizeof(long) * PL_VOTE_COUNT);
	*mine = -1;
	client_key(fb, client, key);
	return fb->ops->page(fb, page, key, day, n, mine, err);
}

long
pl_feedback_totals(struct pl_feedback *fb, struct pl_feedback_total **out, struct pl_err *err)
{
	*out = NULL;
	return fb->ops->totals(fb, out, err);
}

int
pl__fb_total_add(struct pl_feedback_total **t, long *n, long *cap, const char *page,
    const long v[PL_VOTE_COUNT])
{
	if (*n == *cap) {
		struct pl_feedback_total *nt;
		long ncap = *cap ? *cap * 2 : 16;

		if ((nt = realloc(*t, (size_t)ncap * sizeof(**t))) == NULL)
			return -PL_ENOMEM;
		*t = nt;
		*cap = ncap;
	}
	if (((*t)[*n].page = strdup(page)) == NULL)
		return -PL_ENOMEM;
	memcpy((*t)[*n].n, v, sizeof(long) * PL_VOTE_COUNT);
	(*n)++;
	return 0;
}

void
pl_feedback_totals_free(struct pl_feedback_total *t, long n)
{
	for (long i = 0; t != NULL && i < n; i++)
		free(t[i].page);
	free(t);
}
