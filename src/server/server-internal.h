/* server-internal.h: what the server's files share. Not installed. */
#ifndef PORTLORE_SERVER_INTERNAL_H
#define PORTLORE_SERVER_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>
#include <microhttpd.h>

#include "portlore/feedback.h"
#include "portlore/html.h"
#include "portlore/server.h"
#include "portlore/store.h"

#define NLANGS 6
#define MAX_URL 1024            /* longest request target accepted */
#define MAX_BODY 4096           /* longest POST body accepted */
#define CACHE_MAX_BYTES (256u << 20)

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
extern const char srv_css[], srv_js[];
extern const char srv_asset_tag[];

/* --- ratelimit (server.c) --- */
#define LIMIT_SLOTS 2048
struct limiter {
	pthread_mutex_t mu;
	double capacity, per_second;
	struct { uint64_t key; double tokens; double at; } slot[LIMIT_SLOTS];
};

enum route {
	R_HOME, R_PORT, R_PORTS, R_SEARCH, R_API_PORT, R_API_SEARCH, R_API_FEEDBACK,
	R_HEALTH, R_METRICS, R_STATIC, R_OTHER, R_COUNT
};
#define NCODES 14
extern const int srv_codes[NCODES];

struct pl_server {
	struct MHD_Daemon *d;
	char url[128];
	char missing[64];
	bool loopback;
	char *db_path, *feedback_path, *proc_root;

	pthread_mutex_t store_mu;          /* the store and rendering */
	struct pl_store *st;
	struct stat st_id;                  /* what the open store file was */
	char snapshot[32];
	atomic_long next_check;             /* when to look at the store file again */
	time_t gen_born;

	pthread_mutex_t cache_mu;
	struct MHD_Response **port_html;    /* [NLANGS * 65536] */
	struct MHD_Response **port_json;    /* [65536] */
	struct MHD_Response *home[NLANGS];
	size_t cache_bytes;

	pthread_mutex_t fb_mu;
	struct pl_feedback *fb;

	struct catalog cats[NLANGS];
	bool have_lang[NLANGS];
	struct limiter post_lim, search_lim;

	atomic_ulong hits, misses, reloads, votes, limited, conns;
	atomic_ulong requests[R_COUNT][NCODES];
};

/* --- cache.c --- */
/* Looks at the store file at most once a second and starts a new data version when it
 * changed (or, serving host facts, when they are a few seconds old). Takes store_mu. */
void srv_data_check(struct pl_server *s);
/* Opens the store and starts data version one. */
int srv_data_open(struct pl_server *s, struct pl_err *err);
void srv_cache_flush(struct pl_server *s);
/* Queues the cached response in *slot (under cache_mu) when there is one. */
int srv_cache_queue(struct pl_server *s, struct MHD_Connection *c, struct MHD_Response **slot,
    enum route r);
/* Stores resp in *slot and returns true: the cache then owns the caller's reference
 * (queue it, don't destroy it). False when the slot is taken or the cache is full. */
bool srv_cache_put(struct pl_server *s, struct MHD_Response **slot, struct MHD_Response *resp,
    size_t bytes);

/* --- routes.c --- */
enum MHD_Result srv_handle(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload, size_t *upload_size,
    void **con_cls);
void srv_request_done(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe);
/* A response with the security headers; ctype "text/html" etc.; lang may be NULL. */
struct MHD_Response *srv_response(const void *body, size_t len, const char *ctype,
    const char *lang, bool cacheable);
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

void srv_limiter_init(struct limiter *l, double capacity, double per_second);
/* Takes one token for key; returns false when the client is over its rate. */
bool srv_limiter_take(struct limiter *l, uint64_t key);

#endif
