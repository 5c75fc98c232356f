/*
 * cache.c: pages are rendered once per data version and language and then served from
 * memory. A data version ends when the store file changes (an import replaced it);
 * when this host's facts are shown (on loopback), an answer is also rendered again once
 * it is a few seconds old, so that they stay current.
 *
 * The cache is bounded in bytes (--cache-size) and in entries; when a new answer does
 * not fit, the CLOCK hand goes round the entries, sparing those used since it last
 * passed and evicting the others, so that a crawl of every page can't push out the
 * pages people read (nor grow memory).
 *
 * Locking: store_mu guards the store and rendering (one SQLite handle); cache_mu guards
 * the index and entries: read-locked to queue a cached answer, write-locked to change
 * them. libmicrohttpd counts references on a response, so a response queued on a
 * connection survives its eviction.
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

int
srv_cache_init(struct pl_server *s, size_t max_bytes)
{
	s->cache_max = max_bytes;
	s->cache_index = calloc(CACHE_KEYS, sizeof(*s->cache_index));
	s->cache_ent = calloc(CACHE_ENTRIES, sizeof(*s->cache_ent));
	return s->cache_index && s->cache_ent ? 0 : -PL_ENOMEM;
}

/* Removes entry i (cache_mu write-locked): the last entry takes its place. */
static void
evict(struct pl_server *s, uint32_t i)
{
	struct centry *e = &s->cache_ent[i], *last = &s->cache_ent[s->cache_used - 1];

	MHD_destroy_response(e->resp);
	if (e->gz)
		MHD_destroy_response(e->gz);
	s->cache_bytes -= e->bytes;
	s->cache_index[e->key] = 0;
	if (e != last) {
		e->resp = last->resp;
		e->gz = last->gz;
		e->key = last->key;
		e->bytes = last->bytes;
		e->born = last->born;
		atomic_store(&e->ref, atomic_load(&last->ref));
		s->cache_index[e->key] = i + 1;
	}
	s->cache_used--;
}

void
srv_cache_flush(struct pl_server *s)
{
	pthread_rwlock_wrlock(&s->cache_mu);
	while (s->cache_used > 0)
		evict(s, s->cache_used - 1);
	s->cache_hand = 0;
	pthread_rwlock_unlock(&s->cache_mu);
}

void
srv_cache_free(struct pl_server *s)
{
	if (s->cache_index != NULL && s->cache_ent != NULL)
		srv_cache_flush(s);
	free(s->cache_index);
	free(s->cache_ent);
	s->cache_index = NULL;
	s->cache_ent = NULL;
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
		}
	}
	pthread_mutex_unlock(&s->store_mu);
}

static bool
fresh(const struct pl_server *s, const struct centry *e)
{
	return !s->loopback || now_sec() - e->born < HOST_FACTS_TTL;
}

int
srv_cache_queue(struct pl_server *s, struct MHD_Connection *c, uint32_t key, enum route r)
{
	uint32_t i;
	int rc = -1;

	pthread_rwlock_rdlock(&s->cache_mu);
	if ((i = s->cache_index[key]) != 0 && fresh(s, &s->cache_ent[i - 1])) {
		struct centry *e = &s->cache_ent[i - 1];

		if (!atomic_load_explicit(&e->ref, memory_order_relaxed))
			atomic_store_explicit(&e->ref, 1, memory_order_relaxed);
		rc = srv_queue(s, c, MHD_HTTP_OK, e->gz && srv_accepts_gzip(c) ? e->gz : e->resp,
		    r) == MHD_YES ? 1 : 0;
	}
	pthread_rwlock_unlock(&s->cache_mu);
	if (rc >= 0)
		atomic_fetch_add_explicit(&srv_stats(s)->hits, 1, memory_order_relaxed);
	return rc;
}

bool
srv_cache_put(struct pl_server *s, uint32_t key, struct MHD_Response *resp,
    struct MHD_Response *gz, size_t bytes)
{
	struct centry *e;
	uint32_t i;

	if (bytes > s->cache_max / 4 || bytes > UINT32_MAX)
		return false;
	pthread_rwlock_wrlock(&s->cache_mu);
	if ((i = s->cache_index[key]) != 0)         /* a stale one: replaced */
		evict(s, i - 1);
	/* CLOCK: entries used since the hand passed get a second chance. */
	while (s->cache_used > 0 &&
	    (s->cache_bytes + bytes > s->cache_max || s->cache_used == CACHE_ENTRIES)) {
		if (s->cache_hand >= s->cache_used)
			s->cache_hand = 0;
		e = &s->cache_ent[s->cache_hand];
		if (atomic_load(&e->ref) && fresh(s, e)) {
			atomic_store(&e->ref, 0);
			s->cache_hand++;
		} else {
			evict(s, s->cache_hand);    /* the last entry moves under the hand */
			atomic_fetch_add(&s->cache_evictions, 1);
		}
	}
	e = &s->cache_ent[s->cache_used];
	e->resp = resp;
	e->gz = gz;
	e->key = key;
	e->bytes = (uint32_t)bytes;
	e->born = now_sec();
	atomic_store(&e->ref, 0);
	s->cache_bytes += bytes;
	s->cache_index[key] = ++s->cache_used;
	pthread_rwlock_unlock(&s->cache_mu);
	return true;
}
