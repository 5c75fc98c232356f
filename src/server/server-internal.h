/* server-internal.h: what the server's files share. Not installed. */
#ifndef PORTLORE_SERVER_INTERNAL_H
#define PORTLORE_SERVER_INTERNAL_H

#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>
#include <sys/socket.h>
#include <microhttpd.h>

#include "portlore/feedback.h"
#include "portlore/html.h"
#include "portlore/server.h"
#include "portlore/store.h"

#define NLANGS 6
#define MAX_URL 1024            /* longest request target accepted */
#define MAX_BODY 4096           /* longest POST body accepted */
#define CACHE_DEFAULT_MIB 64     /* page cache size unless --cache-size says */
#define CACHE_ENTRIES 32768      /* at most this many pages are cached */
#define HEAD_MAX (8 * 1024)      /* longest request head (request line and headers) */
#define DEFAULT_TIMEOUT 10       /* seconds for a request head, and of idleness */
/* Per connection: a request head and the answer's headers. libmicrohttpd 0.9.75 zeroes
 * all of it after every request, so it is kept small. */
#define CONN_MEMORY (HEAD_MAX + 8 * 1024)

/* --- i18n.c --- */
struct catalog {
	unsigned char *data;
	size_t len;
	uint32_t n, otab, ttab;
	bool swap;
};
extern const struct pl_html_lang srv_langs[NLANGS];
/* Loads dir/LANG/LC_MESSAGES/portlore.mo; returns 0 or -PL_EIO / -PL_EDATA. */
int srv_catalog_load(struct catalog *c, const char *dir, const char *lang, struct pl_err *err);
/* Checks a .mo file's header in data[0..len); the catalog takes data (malloc'd) even
 * when it fails. Returns 0 or -PL_EDATA. */
int srv_catalog_parse(struct catalog *c, unsigned char *data, size_t len);
void srv_catalog_free(struct catalog *c);
/* The translation of msgid, or msgid itself (pl_html_ctx.tr). */
const char *srv_tr(const void *catalog, const char *msgid);
/* The language for a request: ?lang= when valid, else Accept-Language, else English. */
int srv_lang_pick(const char *query_lang, const char *accept_language);

/* --- assets.c --- */
extern const char srv_css[], srv_js[], srv_favicon[];
extern const char srv_asset_tag[];

/* --- ratelimit (server.c) --- */
/* A client: an IPv4 address, or the /64 an IPv6 address is in (one host's share). */
struct client_key {
	uint64_t bits;
	uint8_t family;         /* 4 or 6; 0 for an unknown address */
};
#define LIMIT_WAYS 8            /* slots per set: clients that hash alike don't collide */
#define LIMIT_SETS 512
struct limiter {
	pthread_mutex_t mu;
	double capacity, per_second;
	uint64_t seed;
	struct lslot { struct client_key k; double tokens, at; } slot[LIMIT_SETS][LIMIT_WAYS];
};

enum route {
	R_HOME, R_PORT, R_PORTS, R_SEARCH, R_API_PORT, R_API_SEARCH, R_API_FEEDBACK,
	R_HEALTH, R_METRICS, R_STATIC, R_OTHER, R_COUNT
};
#define NCODES 17
extern const int srv_codes[NCODES];

struct gate;

struct stats {
	alignas(64) atomic_ulong requests[R_COUNT][NCODES];
	atomic_ulong hits, misses;
};

/* A rendered answer's bytes, shared by the responses that send them (see cache.c);
 * freed with the last of them. */
struct body {
	atomic_uint refs;
	size_t len;
	unsigned char data[];
};

/* A rendered answer, before it is cached: its bytes and their gzip form (or NULL). */
struct answer {
	const void *body;
	size_t len;
	const void *gz;
	size_t gzlen;
	const char *ctype, *lang;       /* lang: NULL for answers in no language */
};

/* A worker's responses of a cached answer: the plain one, the gzip one (or NULL), and
 * the second their Date header was set for. */
struct wresp {
	struct MHD_Response *plain, *gz;
	time_t date;
};

/* A cached page or API document. */
struct centry {
	struct wresp *w;        /* [nworkers] */
	uint32_t key;           /* see srv_key_*() */
	uint32_t bytes;
	long born;              /* when it was rendered (monotonic seconds) */
	atomic_uchar ref;       /* CLOCK: used since the hand last passed */
};
/* One lock of the cache per worker thread, each on its own cache line (see cache.c). */
struct cache_lock {
	alignas(64) pthread_mutex_t mu;
};
/* Keys of cached answers: port pages by language, port documents, home pages. */
#define CACHE_KEYS ((uint32_t)NLANGS * 65536 + 65536 + NLANGS)
static inline uint32_t srv_key_port_html(int li, int port) { return (uint32_t)li * 65536 + (uint32_t)port; }
static inline uint32_t srv_key_port_json(int port) { return (uint32_t)NLANGS * 65536 + (uint32_t)port; }
static inline uint32_t srv_key_home(int li) { return (uint32_t)NLANGS * 65536 + 65536 + (uint32_t)li; }

struct pl_server {
	struct gate *gate;
	char url[128];
	char missing[64];
	bool loopback;
	bool any_ip_host;                   /* listening on a wildcard: IP literals are ours */
	bool show_processes;
	char trust_proxy[64];       /* the header naming the client's address, or "" */
	char **hosts;                       /* names accepted in Host, lower case */
	size_t nhosts;
	unsigned timeout, max_conns;
	char *db_path, *feedback_path, *proc_root;

	pthread_mutex_t store_mu;          /* the store and rendering */
	struct pl_store *st;
	struct stat st_id;                  /* what the open store file was */
	char snapshot[32];
	atomic_long next_check;             /* when to look at the store file again */
	time_t gen_born;

	unsigned nworkers;                  /* worker threads (libmicrohttpd daemons) */
	struct cache_lock *cache_locks;     /* [nworkers]: a worker's to read, all to change */
	uint32_t *cache_index;              /* [CACHE_KEYS]: entry + 1, 0 when not cached */
	struct centry *cache_ent;           /* [CACHE_ENTRIES] */
	uint32_t cache_used, cache_hand;
	size_t cache_bytes, cache_max;

	/* Answers showing this host's facts, rendered again before they expire. */
	pthread_mutex_t refresh_mu;
	pthread_cond_t refresh_cv;
	uint32_t refresh_ring[64];
	unsigned refresh_head, refresh_n;
	bool refresh_stop, refresh_running;
	pthread_t refresh_thread;
	_Atomic uint64_t *refresh_pending;  /* [CACHE_KEYS / 64 + 1]: key queued */

	pthread_mutex_t fb_mu;
	struct pl_feedback *fb;

	struct catalog cats[NLANGS];
	bool have_lang[NLANGS];
	struct limiter post_lim, search_lim;

	atomic_ulong reloads, votes, limited, conns, evictions, cache_evictions, refreshes;
	/* Counters of answers, one block per thread (the gate's is [0]) so that threads
	 * don't contend for their cache lines; /metrics adds them up. */
	struct stats *stats;
	unsigned nstats;
};

/* The counters of the calling thread (set by gate.c for its threads). */
extern _Thread_local struct stats *srv_tl_stats;
/* The calling worker thread's number, 0 to nworkers - 1; -1 in other threads. */
extern _Thread_local int srv_tl_worker;
static inline struct stats *
srv_stats(struct pl_server *s)
{
	return srv_tl_stats ? srv_tl_stats : &s->stats[0];
}

/* --- cache.c --- */
/* Looks at the store file at most once a second and starts a new data version when it
 * changed. Takes store_mu (skipping the look while another thread holds it). */
void srv_data_check(struct pl_server *s);
/* Opens the store and starts data version one. */
int srv_data_open(struct pl_server *s, struct pl_err *err);
void srv_cache_flush(struct pl_server *s);
/* Allocates the cache for s->nworkers workers and starts the thread that renders
 * answers again before they expire. */
int srv_cache_init(struct pl_server *s, size_t max_bytes);
void srv_cache_free(struct pl_server *s);
/* Queues the cached answer of key when there is a current one: 1 queued, 0 queueing
 * failed, -1 not cached. hit: count it as an answer served from the cache. */
int srv_cache_queue(struct pl_server *s, struct MHD_Connection *c, uint32_t key, enum route r,
    bool hit);
/* Caches a copy of answer a under key (store_mu held), evicting answers not used lately
 * (CLOCK) to make room. False when it is too big to cache or memory ran out. */
bool srv_cache_put(struct pl_server *s, uint32_t key, const struct answer *a);
/* Bytes held by the cache. */
size_t srv_cache_bytes(struct pl_server *s);
/* Drops a reference to a struct body (a response's free callback). */
void srv_body_unref(void *cls);

/* --- routes.c --- */
enum MHD_Result srv_handle(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload, size_t *upload_size,
    void **con_cls);
void srv_request_done(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe);
/* The security headers of every answer: name and value. */
extern const char *const srv_sec_headers[][2];
extern const size_t srv_nsec_headers;
/* Counts an answer for /metrics. */
void srv_count(struct pl_server *s, enum route r, unsigned status);
/* A response with the security headers; ctype "text/html" etc.; lang may be NULL. */
struct MHD_Response *srv_response(const void *body, size_t len, const char *ctype,
    const char *lang, bool cacheable);
/* A response sending b's bytes, taking a reference on b; gz: they are the gzip form of
 * an answer of plain_len bytes. */
struct MHD_Response *srv_response_body(struct body *b, size_t plain_len, const char *ctype,
    const char *lang, bool gz);
/* Renders the answer of key again and caches it (cache.c's refresher). Takes store_mu. */
void srv_render_key(struct pl_server *s, uint32_t key);
/* The same, gzip-compressed; NULL when the body is too short to gain from it. */
struct MHD_Response *srv_response_gz(const void *body, size_t len, const char *ctype,
    const char *lang, bool cacheable, size_t *zsize);
/* gzip.c: whether the client takes gzip; compressing a body (0 when it doesn't pay). */
bool srv_accepts_gzip(struct MHD_Connection *c);
size_t srv_gzip(const void *body, size_t len, unsigned char **out);
enum MHD_Result srv_queue(struct pl_server *s, struct MHD_Connection *c, unsigned status,
    struct MHD_Response *resp, enum route r);

/* --- metrics-host.c --- */
/* Appends this host's listeners as metrics when serving on loopback; returns 0 or a
 * negative code (the counters are served all the same). */
int srv_metrics_host(struct pl_server *s, struct pl_buf *b);

/* --- limiter (server.c) --- */
/* Finds name in an application/x-www-form-urlencoded body and decodes its value
 * ('+' and %XX) into out (len > 0 bytes, NUL-terminated, cut to fit). Returns whether
 * the field is there (form.c). */
bool srv_form_value(const char *body, const char *name, char *out, size_t len);

void srv_limiter_init(struct limiter *l, double capacity, double per_second, uint64_t seed);
/* The client an address stands for (its IPv6 /64). */
struct client_key srv_client_key(const struct sockaddr *sa);
/* Takes one token for the client; false when it is over its rate, with *retry_after
 * the seconds until it may try again. */
bool srv_limiter_take(struct limiter *l, struct client_key k, unsigned *retry_after);

/* --- Host header (server.c) --- */
/* 0 when host (the Host header, NULL when absent) names this server; else the status
 * to answer: 400 (HTTP/1.1 without Host, or a malformed one) or 421 (another name). */
int srv_host_check(const struct pl_server *s, const char *host, bool http11);

/* --- gate.c: accepts connections and checks request heads before libmicrohttpd --- */
/* Starts the worker threads (a libmicrohttpd daemon each) and the accept thread on
 * listen_fd, which it then owns. */
int srv_gate_start(struct pl_server *s, int listen_fd, unsigned threads, struct pl_err *err);
void srv_gate_stop(struct pl_server *s);

#endif
