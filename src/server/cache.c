/*
 * cache.c: pages are rendered once per data version and language and then served from
 * memory. A data version ends when the store file changes (an import replaced it).
 * When this host's facts are shown (on loopback), an answer is never served once it is
 * HOST_FACTS_TTL seconds old; a request that finds it REFRESH_AFTER seconds old or more
 * asks the refresher thread to render it again, so that a page read all the time is
 * replaced before it expires and no request waits for its rendering.
 *
 * The cache is bounded in bytes (--cache-size) and in entries; when a new answer does
 * not fit, the CLOCK hand goes round the entries, sparing those used since it last
 * passed and evicting the others, so that a crawl of every page can't push out the
 * pages people read (nor grow memory).
 *
 * An entry holds its answer's bytes once (struct body, counted against the cache's
 * size) and, for each worker thread, a libmicrohttpd response that sends them: a
 * response counts its users under a lock of its own, and two threads answering from one
 * response would contend for that lock at every request. The bytes are freed when the
 * last response using them is destroyed, so an answer queued on a connection survives
 * its eviction.
 *
 * The Date header of a cached answer is set by its worker, at most once a second, from
 * a date the thread formats once a second: libmicrohttpd would format it for every
 * answer, through gmtime_r() and the time zone lock of the C library, which all the
 * worker threads share. It then comes last among the headers rather than first.
 *
 * Locking: store_mu guards the store and rendering (one SQLite handle). Each worker has
 * a lock of its own (cache_locks) that it takes to queue a cached answer; changing the
 * index or the entries takes all of them, in order. Readers never touch a cache line
 * that another reader writes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server-internal.h"

/* Pages served on loopback show this host's facts: they may be this many seconds old. */
#define HOST_FACTS_TTL 5
/* ... and are rendered again in the background once they are this old. */
#define REFRESH_AFTER 3
#define REFRESH_QUEUE (sizeof(((struct pl_server *)0)->refresh_ring) / sizeof(uint32_t))

_Thread_local int srv_tl_worker = -1;

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

static void
lock_all(struct pl_server *s)
{
	for (unsigned i = 0; i < s->nworkers; i++)
		pthread_mutex_lock(&s->cache_locks[i].mu);
}

static void
unlock_all(struct pl_server *s)
{
	for (unsigned i = s->nworkers; i-- > 0;)
		pthread_mutex_unlock(&s->cache_locks[i].mu);
}

/* The calling thread's worker number (threads other than workers share 0's). */
static unsigned
worker(const struct pl_server *s)
{
	return srv_tl_worker >= 0 && (unsigned)srv_tl_worker < s->nworkers ?
	    (unsigned)srv_tl_worker : 0;
}

/* --- the refresher ---------------------------------------------------------------- */

static void *
refresh_main(void *arg)
{
	struct pl_server *s = arg;
	uint32_t key;

	for (;;) {
		pthread_mutex_lock(&s->refresh_mu);
		while (s->refresh_n == 0 && !s->refresh_stop)
			pthread_cond_wait(&s->refresh_cv, &s->refresh_mu);
		if (s->refresh_stop) {
			pthread_mutex_unlock(&s->refresh_mu);
			return NULL;
		}
		key = s->refresh_ring[s->refresh_head];
		s->refresh_head = (s->refresh_head + 1) % REFRESH_QUEUE;
		s->refresh_n--;
		pthread_mutex_unlock(&s->refresh_mu);
		srv_render_key(s, key);
		atomic_fetch_add(&s->refreshes, 1);
		atomic_fetch_and(&s->refresh_pending[key / 64], ~((uint64_t)1 << (key % 64)));
	}
}

/* Asks for key to be rendered again, once: a full queue drops the request (the answer
 * is then rendered by the first request that finds it expired). */
static void
refresh_ask(struct pl_server *s, uint32_t key)
{
	_Atomic uint64_t *w = &s->refresh_pending[key / 64];
	uint64_t bit = (uint64_t)1 << (key % 64);

	if ((atomic_load_explicit(w, memory_order_relaxed) & bit) ||
	    (atomic_fetch_or(w, bit) & bit))
		return;
	pthread_mutex_lock(&s->refresh_mu);
	if (s->refresh_n < REFRESH_QUEUE && s->refresh_running) {
		s->refresh_ring[(s->refresh_head + s->refresh_n) % REFRESH_QUEUE] = key;
		s->refresh_n++;
		pthread_cond_signal(&s->refresh_cv);
	} else {
		atomic_fetch_and(w, ~bit);
	}
	pthread_mutex_unlock(&s->refresh_mu);
}

/* --- the cache -------------------------------------------------------------------- */

int
srv_cache_init(struct pl_server *s, size_t max_bytes)
{
	s->cache_max = max_bytes;
	s->cache_index = calloc(CACHE_KEYS, sizeof(*s->cache_index));
	s->cache_ent = calloc(CACHE_ENTRIES, sizeof(*s->cache_ent));
	s->cache_locks = aligned_alloc(64, s->nworkers * sizeof(*s->cache_locks));
	s->refresh_pending = calloc(CACHE_KEYS / 64 + 1, sizeof(*s->refresh_pending));
	if (!s->cache_index || !s->cache_ent || !s->cache_locks || !s->refresh_pending) {
		free(s->cache_locks);
		s->cache_locks = NULL;
		return -PL_ENOMEM;
	}
	for (unsigned i = 0; i < s->nworkers; i++)
		pthread_mutex_init(&s->cache_locks[i].mu, NULL);
	pthread_mutex_init(&s->refresh_mu, NULL);
	pthread_cond_init(&s->refresh_cv, NULL);
	if (pthread_create(&s->refresh_thread, NULL, refresh_main, s) != 0)
		return -PL_ESYS;
	s->refresh_running = true;
	return 0;
}

static void
free_wresp(struct pl_server *s, struct wresp *w)
{
	for (unsigned i = 0; w != NULL && i < s->nworkers; i++) {
		if (w[i].plain != NULL)
			MHD_destroy_response(w[i].plain);
		if (w[i].gz != NULL)
			MHD_destroy_response(w[i].gz);
	}
	free(w);
}

/* Removes entry i (all locks held): the last entry takes its place. */
static void
evict(struct pl_server *s, uint32_t i)
{
	struct centry *e = &s->cache_ent[i], *last = &s->cache_ent[s->cache_used - 1];

	free_wresp(s, e->w);
	s->cache_bytes -= e->bytes;
	s->cache_index[e->key] = 0;
	if (e != last) {
		e->w = last->w;
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
	lock_all(s);
	while (s->cache_used > 0)
		evict(s, s->cache_used - 1);
	s->cache_hand = 0;
	unlock_all(s);
}

void
srv_cache_free(struct pl_server *s)
{
	if (s->refresh_running) {
		pthread_mutex_lock(&s->refresh_mu);
		s->refresh_stop = true;
		pthread_cond_signal(&s->refresh_cv);
		pthread_mutex_unlock(&s->refresh_mu);
		pthread_join(s->refresh_thread, NULL);
		s->refresh_running = false;
	}
	if (s->cache_index != NULL && s->cache_ent != NULL && s->cache_locks != NULL)
		srv_cache_flush(s);
	free(s->cache_index);
	free(s->cache_ent);
	free(s->cache_locks);
	free(s->refresh_pending);
	s->cache_index = NULL;
	s->cache_ent = NULL;
	s->cache_locks = NULL;
	s->refresh_pending = NULL;
}

size_t
srv_cache_bytes(struct pl_server *s)
{
	unsigned w = worker(s);
	size_t n;

	pthread_mutex_lock(&s->cache_locks[w].mu);
	n = s->cache_bytes;
	pthread_mutex_unlock(&s->cache_locks[w].mu);
	return n;
}

void
srv_data_check(struct pl_server *s)
{
	long now = now_sec();
	struct stat sb;
	struct pl_err err = { 0 };
	bool changed;

	/* Another thread holding the store (rendering, or checking) would make this one
	 * wait: the look is left to a later request. */
	if (now < atomic_load(&s->next_check) || pthread_mutex_trylock(&s->store_mu) != 0)
		return;
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

/* How old an entry may be: answers with this host's facts expire, others don't. */
static bool
fresh(const struct pl_server *s, const struct centry *e, long now)
{
	return !s->loopback || now - e->born < HOST_FACTS_TTL;
}

/* t as an HTTP date ("Fri, 04 Dec 2026 22:22:50 GMT"), formatted once a second per
 * thread. */
static const char *
http_date(time_t t)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char mons[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
		"Aug", "Sep", "Oct", "Nov", "Dec" };
	static _Thread_local char buf[40];
	static _Thread_local time_t at = -1;
	struct tm tm;

	if (t != at && gmtime_r(&t, &tm) != NULL) {
		snprintf(buf, sizeof(buf), "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday % 7],
		    tm.tm_mday, mons[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
		    tm.tm_sec);
		at = t;
	}
	return buf;
}

int
srv_cache_queue(struct pl_server *s, struct MHD_Connection *c, uint32_t key, enum route r,
    bool hit)
{
	unsigned w = worker(s);
	bool gz = srv_accepts_gzip(c), old = false;
	long now = now_sec();
	uint32_t i;
	int rc = -1;

	pthread_mutex_lock(&s->cache_locks[w].mu);
	if ((i = s->cache_index[key]) != 0 && fresh(s, &s->cache_ent[i - 1], now)) {
		struct centry *e = &s->cache_ent[i - 1];
		struct wresp *wr = &e->w[w];
		struct MHD_Response *resp = gz && wr->gz ? wr->gz : wr->plain;
		time_t t = time(NULL);

		/* This worker's response: no other thread is building headers from it. */
		if (wr->date != t) {
			MHD_add_response_header(wr->plain, MHD_HTTP_HEADER_DATE, http_date(t));
			if (wr->gz != NULL)
				MHD_add_response_header(wr->gz, MHD_HTTP_HEADER_DATE, http_date(t));
			wr->date = t;
		}
		if (!atomic_load_explicit(&e->ref, memory_order_relaxed))
			atomic_store_explicit(&e->ref, 1, memory_order_relaxed);
		old = s->loopback && now - e->born >= REFRESH_AFTER;
		rc = srv_queue(s, c, MHD_HTTP_OK, resp, r) == MHD_YES ? 1 : 0;
	}
	pthread_mutex_unlock(&s->cache_locks[w].mu);
	if (rc >= 0 && hit)
		atomic_fetch_add_explicit(&srv_stats(s)->hits, 1, memory_order_relaxed);
	if (old)
		refresh_ask(s, key);
	return rc;
}

static struct body *
body_new(const void *data, size_t len)
{
	struct body *b = malloc(sizeof(*b) + len);

	if (b != NULL) {
		atomic_init(&b->refs, 1);
		b->len = len;
		memcpy(b->data, data, len);
	}
	return b;
}

void
srv_body_unref(void *cls)
{
	struct body *b = cls;

	if (b != NULL && atomic_fetch_sub(&b->refs, 1) == 1)
		free(b);
}

/* The responses of answer a, one plain and one gzip (when a has it) per worker. */
static struct wresp *
responses(struct pl_server *s, const struct answer *a)
{
	struct wresp *r = calloc(s->nworkers, sizeof(*r));
	struct body *plain = body_new(a->body, a->len);
	struct body *gz = a->gz ? body_new(a->gz, a->gzlen) : NULL;
	bool ok = r != NULL && plain != NULL && (a->gz == NULL || gz != NULL);

	for (unsigned w = 0; ok && w < s->nworkers; w++) {
		r[w].date = -1;
		ok = (r[w].plain = srv_response_body(plain, a->len, a->ctype, a->lang, false)) != NULL;
		if (ok && gz != NULL)
			ok = (r[w].gz = srv_response_body(gz, a->len, a->ctype, a->lang, true)) != NULL;
	}
	/* The responses hold the bytes now. */
	srv_body_unref(plain);
	srv_body_unref(gz);
	if (!ok) {
		free_wresp(s, r);
		r = NULL;
	}
	return r;
}

bool
srv_cache_put(struct pl_server *s, uint32_t key, const struct answer *a)
{
	size_t bytes = a->len + (a->gz ? a->gzlen : 0);
	struct wresp *resp;
	struct centry *e;
	uint32_t i;

	if (bytes > s->cache_max / 4 || bytes > UINT32_MAX ||
	    (resp = responses(s, a)) == NULL)
		return false;
	lock_all(s);
	if ((i = s->cache_index[key]) != 0)         /* an older one: replaced */
		evict(s, i - 1);
	/* CLOCK: entries used since the hand passed get a second chance. */
	while (s->cache_used > 0 &&
	    (s->cache_bytes + bytes > s->cache_max || s->cache_used == CACHE_ENTRIES)) {
		if (s->cache_hand >= s->cache_used)
			s->cache_hand = 0;
		e = &s->cache_ent[s->cache_hand];
		if (atomic_load(&e->ref) && fresh(s, e, now_sec())) {
			atomic_store(&e->ref, 0);
			s->cache_hand++;
		} else {
			evict(s, s->cache_hand);    /* the last entry moves under the hand */
			atomic_fetch_add(&s->cache_evictions, 1);
		}
	}
	e = &s->cache_ent[s->cache_used];
	e->w = resp;
	e->key = key;
	e->bytes = (uint32_t)bytes;
	e->born = now_sec();
	atomic_store(&e->ref, 0);
	s->cache_bytes += bytes;
	s->cache_index[key] = ++s->cache_used;
	unlock_all(s);
	return true;
}
