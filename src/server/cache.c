/*
 * cache.c: pages are rendered once per data version and language and then served from
 * memory. A data version ends when the store file changes (an import replaced it) or,
 * when this host's facts are shown, after a few seconds, so that they stay current.
 *
 * Locking: store_mu guards the store and rendering (one SQLite handle); cache_mu guards
 * the cached responses. libmicrohttpd counts references on a response, so a response
 * queued on a connection survives a flush of the cache.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server-internal.h"

/* Pages served on loopback show this host's facts: they may be this many seconds old. */
#define HOST_FACTS_TTL 5

static long
now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (long)ts.tv_sec;
}

static bool
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

int
srv_data_open(struct pl_server *s, struct pl_err *err)
{
	struct pl_store *st = NULL;
	struct stat sb;
	int rc;

	if (stat(s->db_path, &sb) != 0)
		memset(&sb, 0, sizeof(sb));
	if ((rc = pl_store_open(&st, s->db_path, PL_STORE_READ, err)) != 0)
		return rc;
	pl_store_close(s->st);
	s->st = st;
	s->st_id = sb;
	snprintf(s->snapshot, sizeof(s->snapshot), "%s",
	    pl_store_current_snapshot(st) ? pl_store_current_snapshot(st) : "");
	s->gen_born = now_sec();
	return 0;
}

void
srv_cache_flush(struct pl_server *s)
{
	pthread_mutex_lock(&s->cache_mu);
	for (size_t i = 0; i < (size_t)NLANGS * 65536; i++)
		if (s->port_html[i]) {
			MHD_destroy_response(s->port_html[i]);
			s->port_html[i] = NULL;
		}
	for (size_t i = 0; i < 65536; i++)
		if (s->port_json[i]) {
			MHD_destroy_response(s->port_json[i]);
			s->port_json[i] = NULL;
		}
	for (int i = 0; i < NLANGS; i++)
		if (s->home[i]) {
			MHD_destroy_response(s->home[i]);
			s->home[i] = NULL;
		}
	s->cache_bytes = 0;
	pthread_mutex_unlock(&s->cache_mu);
}

void
srv_data_check(struct pl_server *s)
{
	long now = now_sec();
	struct stat sb;
	struct pl_err err = { 0 };
	bool changed;

	if (now < atomic_load(&s->next_check))
		return;
	pthread_mutex_lock(&s->store_mu);
	if (now >= atomic_load(&s->next_check)) {
		atomic_store(&s->next_check, now + 1);
		changed = stat(s->db_path, &sb) == 0 && !same_file(&sb, &s->st_id);
		/* A store being replaced may be unreadable for a moment: keep the old one open
		 * and try again next second. */
		if (changed && srv_data_open(s, &err) == 0) {
			atomic_fetch_add(&s->reloads, 1);
			srv_cache_flush(s);
		} else if (s->loopback && now - s->gen_born >= HOST_FACTS_TTL) {
			s->gen_born = now;
			srv_cache_flush(s);
		}
	}
	pthread_mutex_unlock(&s->store_mu);
}

int
srv_cache_queue(struct pl_server *s, struct MHD_Connection *c, struct MHD_Response **slot,
    enum route r)
{
	int rc = -1;

	pthread_mutex_lock(&s->cache_mu);
	if (*slot != NULL)
		rc = srv_queue(s, c, MHD_HTTP_OK, *slot, r) == MHD_YES ? 1 : 0;
	pthread_mutex_unlock(&s->cache_mu);
	if (rc >= 0)
		atomic_fetch_add(&s->hits, 1);
	return rc;
}

bool
srv_cache_put(struct pl_server *s, struct MHD_Response **slot, struct MHD_Response *resp,
    size_t bytes)
{
	bool taken = false;

	pthread_mutex_lock(&s->cache_mu);
	if (*slot == NULL && s->cache_bytes + bytes <= CACHE_MAX_BYTES) {
		*slot = resp;
		s->cache_bytes += bytes;
		taken = true;
	}
	pthread_mutex_unlock(&s->cache_mu);
	return taken;
}
