/*
 * routes.c: what each URL answers. Pages and the port API come from the cache (see
 * cache.c); search, lists and feedback are answered per request. Every response carries
 * the security headers; every request is counted for /metrics.
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>

#include "portlore/frequent.h"
#include "portlore/history.h"
#include "portlore/json.h"
#include "portlore/render.h"
#include "portlore/report.h"
#include "server-internal.h"

/* Marks interface text that is translated later, when the language is known. */
#define N_(s) s

#define MAX_QUERY 200
#define MAX_LIST 256
#define FREQUENT 24

const int srv_codes[NCODES] = { 200, 303, 400, 403, 404, 405, 408, 413, 414, 415, 421, 429,
	431, 500, 503, 505, 0 };

const char *const srv_sec_headers[][2] = {
	{ "Content-Security-Policy", "default-src 'none'; style-src 'self'; script-src 'self'; "
	    "img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
	    "frame-ancestors 'none'" },
	{ "X-Content-Type-Options", "nosniff" },
	{ "X-Frame-Options", "DENY" },
	/* same-origin: the site's own form posts carry a Referer (and Chromium an Origin
	 * other than "null"); other sites learn nothing. */
	{ "Referrer-Policy", "same-origin" },
	{ "Cross-Origin-Opener-Policy", "same-origin" },
	{ "Cross-Origin-Resource-Policy", "same-origin" },
};
const size_t srv_nsec_headers = sizeof(srv_sec_headers) / sizeof(srv_sec_headers[0]);

struct req {
	struct pl_buf body;
	bool too_big;
};
static struct req no_body;

/* Text answers at least this long are also offered gzip-compressed. */
#define GZIP_MIN 1024

/* The answer's body as given, or gzip-compressed when gz (NULL when compressing does
 * not pay). Answers that can be compressed say so in Vary, in both forms, so that a
 * cache between keeps them apart. */
static struct MHD_Response *
decorate(struct MHD_Response *r, size_t len, const char *ctype, const char *lang,
    bool cacheable, bool gz)
{
	bool varies = len >= GZIP_MIN;

	if (gz)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, lang && varies ?
	    "Accept-Language, Accept-Encoding" : lang ? "Accept-Language" : varies ?
	    "Accept-Encoding" : NULL);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	for (size_t i = 0; i < srv_nsec_headers; i++)
		MHD_add_response_header(r, srv_sec_headers[i][0], srv_sec_headers[i][1]);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
	    cacheable ? "public, max-age=86400" : "no-cache");
	if (lang != NULL)
		MHD_add_response_header(r, "Content-Language", lang);
	return r;
}

static struct MHD_Response *
response(const void *body, size_t len, const char *ctype, const char *lang, bool cacheable,
    bool gz, size_t *zsize)
{
	struct MHD_Response *r;
	unsigned char *z = NULL;
	size_t zlen = 0;

	if (gz && (len < GZIP_MIN || (zlen = srv_gzip(body, len, &z)) == 0))
		return NULL;
	r = gz ? MHD_create_response_from_buffer(zlen, z, MHD_RESPMEM_MUST_FREE) :
	    MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (r == NULL) {
		free(z);
		return NULL;
	}
	if (zsize != NULL)
		*zsize = gz ? zlen : len;
	return decorate(r, len, ctype, lang, cacheable, gz);
}

struct MHD_Response *
srv_response_body(struct body *b, size_t plain_len, const char *ctype, const char *lang,
    bool gz)
{
	struct MHD_Response *r = MHD_create_response_from_buffer_with_free_callback_cls(b->len,
	    b->data, srv_body_unref, b);

	if (r == NULL)
		return NULL;
	atomic_fetch_add(&b->refs, 1);
	return decorate(r, plain_len, ctype, lang, false, gz);
}

struct MHD_Response *
srv_response(const void *body, size_t len, const char *ctype, const char *lang, bool cacheable)
{
	return response(body, len, ctype, lang, cacheable, false, NULL);
}

struct MHD_Response *
srv_response_gz(const void *body, size_t len, const char *ctype, const char *lang,
    bool cacheable, size_t *zsize)
{
	return response(body, len, ctype, lang, cacheable, true, zsize);
}

void
srv_count(struct pl_server *s, enum route r, unsigned status)
{
	int k = NCODES - 1;

	for (int i = 0; i < NCODES; i++)
		if (srv_codes[i] == (int)status) {
			k = i;
			break;
		}
	atomic_fetch_add_explicit(&srv_stats(s)->requests[r][k], 1, memory_order_relaxed);
}

enum MHD_Result
srv_queue(struct pl_server *s, struct MHD_Connection *c, unsigned status,
    struct MHD_Response *resp, enum route r)
{
	srv_count(s, r, status);
	if (resp == NULL)
		return MHD_NO;
	return MHD_queue_response(c, status, resp);
}

/* An answer; retry > 0 adds Retry-After (for 429). */
static enum MHD_Result
reply_retry(struct pl_server *s, struct MHD_Connection *c, unsigned status, const char *body,
    size_t len, const char *ctype, const char *lang, enum route r, unsigned retry)
{
	struct MHD_Response *resp = srv_accepts_gzip(c) ?
	    srv_response_gz(body, len, ctype, lang, false, NULL) : NULL;
	enum MHD_Result ok;
	char v[16];

	if (resp == NULL)
		resp = srv_response(body, len, ctype, lang, false);
	if (resp != NULL && retry > 0) {
		snprintf(v, sizeof(v), "%u", retry);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, v);
	}
	ok = srv_queue(s, c, status, resp, r);

	if (resp)
		MHD_destroy_response(resp);
	return ok;
}

static enum MHD_Result
reply(struct pl_server *s, struct MHD_Connection *c, unsigned status, const char *body,
    size_t len, const char *ctype, const char *lang, enum route r)
{
	return reply_retry(s, c, status, body, len, ctype, lang, r, 0);
}

static enum MHD_Result
json_error_retry(struct pl_server *s, struct MHD_Connection *c, unsigned status,
    const char *msg, enum route r, unsigned retry)
{
	struct pl_buf b = PL_BUF_INIT;
	struct pl_json j;
	enum MHD_Result ok;

	pl_json_init(&j, &b, 0);
	pl_json_style(&j, PL_JSON_COMPACT);
	pl_json_obj(&j);
	pl_json_kobj(&j, "error");
	pl_json_kint(&j, "status", (long long)status);
	pl_json_kstr(&j, "message", msg);
	pl_json_end(&j);
	pl_json_end(&j);
	ok = pl_buf_error(&b) == 0 ? reply_retry(s, c, status, b.data, b.len, "application/json",
	    NULL, r, retry) : MHD_NO;
	pl_buf_free(&b);
	return ok;
}

static enum MHD_Result
json_error(struct pl_server *s, struct MHD_Connection *c, unsigned status, const char *msg,
    enum route r)
{
	return json_error_retry(s, c, status, msg, r, 0);
}

static void
ctx_init(struct pl_server *s, struct pl_html_ctx *h, int li, const char *path)
{
	*h = (struct pl_html_ctx){
		.lang = &srv_langs[li], .langs = srv_langs, .nlangs = NLANGS, .tr = srv_tr,
		.catalog = li > 0 ? &s->cats[li] : NULL, .snapshot = *s->snapshot ? s->snapshot : NULL,
		.path = path, .asset_tag = srv_asset_tag, .host = s->loopback,
	};
}

static enum MHD_Result
html_error_retry(struct pl_server *s, struct MHD_Connection *c, unsigned status, int li,
    const char *msgid, enum route r, unsigned retry)
{
	struct pl_html_ctx h;
	struct pl_buf b = PL_BUF_INIT;
	enum MHD_Result ok;

	ctx_init(s, &h, li, "/");
	if (pl_html_error(&b, &h, (int)status, srv_tr(h.catalog, msgid)) != 0)
		ok = reply(s, c, 500, "out of memory\n", 14, "text/plain; charset=utf-8", NULL, r);
	else
		ok = reply_retry(s, c, status, b.data, b.len, "text/html; charset=utf-8", h.lang->code,
		    r, retry);
	pl_buf_free(&b);
	return ok;
}

static enum MHD_Result
html_error(struct pl_server *s, struct MHD_Connection *c, unsigned status, int li,
    const char *msgid, enum route r)
{
	return html_error_retry(s, c, status, li, msgid, r, 0);
}

static bool
utf8_ok(const unsigned char *p)
{
	while (*p) {
		int n = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 && *p >= 0xC2 ? 1 :
		    (*p & 0xF0) == 0xE0 ? 2 : (*p & 0xF8) == 0xF0 && *p <= 0xF4 ? 3 : -1;

		if (n < 0)
			return false;
		for (int i = 1; i <= n; i++)
			if ((p[i] & 0xC0) != 0x80)
				return false;
		p += n + 1;
	}
	return true;
}

/* A port in a path: decimal digits, no sign, no leading zero, at most 65535. */
static int
parse_port(const char *s)
{
	long v = 0;
	size_t n = strlen(s);

	if (n == 0 || n > 5 || (n > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= 65535 ? (int)v : -1;
}

static const char *
arg(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
}

static int
request_lang(struct pl_server *s, struct MHD_Connection *c)
{
	int li = srv_lang_pick(arg(c, "lang"),
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Language"));

	return s->have_lang[li] ? li : 0;
}

/* The address a trusted proxy put last in its header ("client, proxy1, client2": the
 * proxy in front appends the address it saw). False when there is none to read. */
static bool
proxied_addr(const char *v, struct sockaddr_storage *ss)
{
	const char *last = strrchr(v, ',');
	char a[INET6_ADDRSTRLEN + 1];
	size_t len;

	last = last ? last + 1 : v;
	last += strspn(last, " \t");
	len = strcspn(last, " \t");
	if (len == 0 || len >= sizeof(a))
		return false;
	memcpy(a, last, len);
	a[len] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, a, &((struct sockaddr_in *)(void *)ss)->sin_addr) == 1) {
		ss->ss_family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, a, &((struct sockaddr_in6 *)(void *)ss)->sin6_addr) == 1) {
		ss->ss_family = AF_INET6;
		return true;
	}
	return false;
}

/* The client, for rate limits: the connection's address, or with --trust-proxy the one
 * the proxy names (a request without the header counts as the proxy itself). */
static struct client_key
client_key(struct pl_server *s, struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const char *v = *s->trust_proxy ?
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, s->trust_proxy) : NULL;
	struct sockaddr_storage ss;

	if (v != NULL && proxied_addr(v, &ss))
		return srv_client_key((const struct sockaddr *)&ss);
	return srv_client_key(ci ? ci->client_addr : NULL);
}

/* Takes a token of limiter l for the client; false (and *retry) when it is over. */
static bool
within_rate(struct pl_server *s, struct limiter *l, struct MHD_Connection *c, unsigned *retry)
{
	return srv_limiter_take(l, client_key(s, c), retry);
}

/* Other users' command lines stay off the site unless --show-processes: they can hold
 * secrets (--db-password=...), and a page can be read by whoever reaches the server. */
static void
hide_others_cmdlines(struct pl_report *r)
{
	uid_t me = geteuid();

	for (size_t i = 0; i < r->sockets.nprocs; i++) {
		struct pl_proc *p = &r->sockets.procs[i];

		if (p->uid != me && p->cmdline != NULL)
			p->cmdline[0] = '\0';
	}
}

/* Builds the reports of every protocol port has; *n of them, freed by free_reports. */
static int
build_reports(struct pl_server *s, uint16_t port, bool history, struct pl_report **out,
    size_t *n, struct pl_err *err)
{
	/* This host's facts, its listeners among them, only when serving on loopback. */
	struct pl_report_opts ro = { .proc_root = s->proc_root, .no_host = !s->loopback,
		.sockets = s->loopback, .history = history };
	struct pl_portspec spec = { 0 };
	struct pl_target *t = NULL;
	struct pl_report *r = NULL;
	char text[8];
	long nt;
	int rc = 0;

	*out = NULL;
	*n = 0;
	snprintf(text, sizeof(text), "%u", (unsigned)port);
	if ((rc = pl_portspec_parse(&spec, text, err)) != 0)
		return rc;
	nt = pl_targets_expand(s->st, &spec, &t, err);
	pl_portspec_free(&spec);
	if (nt <= 0)
		return nt < 0 ? (int)nt : -PL_ENOTFOUND;
	if ((r = calloc((size_t)nt, sizeof(*r))) == NULL) {
		free(t);
		return -PL_ENOMEM;
	}
	for (long i = 0; i < nt && rc == 0; i++)
		if ((rc = pl_report_build(s->st, t[i].port, t[i].proto, &ro, &r[i], err)) == 0) {
			(*n)++;
			if (!s->show_processes)
				hide_others_cmdlines(&r[i]);
		}
	free(t);
	*out = r;
	return rc;
}

static void
free_reports(struct pl_report *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pl_report_free(&r[i]);
	free(r);
}

/* The API's port document: `portlore N --json`, by the same calls (cmd-port.c) over
 * reports built with the same options, so the two are the same bytes (serve.bats). */
static int
port_json(struct pl_server *s, uint16_t port, const struct pl_report *r, size_t n,
    struct pl_buf *b)
{
	struct pl_json j;
	char q[8], *query[1] = { q };

	snprintf(q, sizeof(q), "%u", (unsigned)port);
	pl_report_doc_begin(&j, b, query, 1, *s->snapshot ? s->snapshot : NULL);
	for (size_t i = 0; i < n; i++)
		pl_report_json(&j, &r[i]);
	return pl_report_doc_end(&j);
}

/* The HTML of a port: its reports (on loopback with the listeners seen now) and the
 * registry's story of it. */
static int
port_html(struct pl_server *s, uint16_t port, const struct pl_report *r, size_t n,
    const struct pl_html_ctx *h, const char *voted, struct pl_buf *b)
{
	struct pl_history hist = { 0 };
	struct pl_html_port_extra x = { .voted = voted };
	struct pl_err err = { 0 };
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	int rc;

	if (pl_history_build(s->st, port, PL_PROTO_ANY, &hist, &err) == 0)
		x.history = &hist;
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%H:%M:%S UTC", &tm);
	x.here_time = when;
	rc = pl_html_port(b, h, port, r, n, &x);
	pl_history_free(&hist);
	return rc;
}

/* Port's page in language li (li >= 0) or its API document (li < 0), into b. */
static int
render_port(struct pl_server *s, uint16_t port, int li, struct pl_buf *b, struct pl_err *err)
{
	struct pl_report *r = NULL;
	struct pl_html_ctx h;
	char path[32];
	size_t n = 0;
	int rc;

	snprintf(path, sizeof(path), "/port/%u", (unsigned)port);
	if ((rc = build_reports(s, port, li < 0, &r, &n, err)) == 0) {
		if (li >= 0) {
			ctx_init(s, &h, li, path);
			rc = port_html(s, port, r, n, &h, NULL, b);
		} else {
			rc = port_json(s, port, r, n, b);
		}
	}
	free_reports(r, n);
	return rc;
}

/* The home page in language li, into b: the frequently seen ports. */
static int
render_home(struct pl_server *s, int li, struct pl_buf *b, struct pl_err *err)
{
	struct pl_report_opts ro = { .no_host = true };
	struct pl_report rep[FREQUENT];
	uint16_t ports[FREQUENT];
	struct pl_html_ctx h;
	bool from_nmap = false;
	int n, built = 0, rc = 0;

	n = pl_store_frequent_ports(s->st, PL_PROTO_TCP, ports, FREQUENT, &from_nmap, err);
	if (n < 0)
		return n;
	for (; built < n; built++)
		if ((rc = pl_report_build(s->st, ports[built], PL_PROTO_TCP, &ro, &rep[built], err)))
			break;
	ctx_init(s, &h, li, "/");
	if (rc == 0)
		rc = pl_html_home(b, &h, rep, (size_t)built, from_nmap);
	for (int i = 0; i < built; i++)
		pl_report_free(&rep[i]);
	return rc;
}

/* The answer a cache key stands for, rendered (store_mu held) into b and described by
 * a (its gzip form malloc'd in a->gz). Returns 0 or a negative code. */
static int
render_answer(struct pl_server *s, uint32_t key, struct pl_buf *b, struct answer *a,
    struct pl_err *err)
{
	unsigned char *z = NULL;
	int rc, li = -1;

	*a = (struct answer){ .ctype = "text/html; charset=utf-8" };
	if (key < srv_key_port_json(0)) {
		li = (int)(key / 65536);
		rc = render_port(s, (uint16_t)(key % 65536), li, b, err);
	} else if (key < srv_key_home(0)) {
		a->ctype = "application/json";
		rc = render_port(s, (uint16_t)(key - srv_key_port_json(0)), -1, b, err);
	} else {
		li = (int)(key - srv_key_home(0));
		rc = render_home(s, li, b, err);
	}
	if (rc == 0 && (rc = pl_buf_error(b)) == 0) {
		a->body = b->data ? b->data : "";
		a->len = b->len;
		a->lang = li >= 0 ? srv_langs[li].code : NULL;
		/* Text of 1 KiB and more is also kept gzip-compressed (when that pays). */
		if (b->len >= GZIP_MIN && (a->gzlen = srv_gzip(b->data, b->len, &z)) > 0)
			a->gz = z;
	}
	return rc;
}

void
srv_render_key(struct pl_server *s, uint32_t key)
{
	struct pl_buf b = PL_BUF_INIT;
	struct pl_err err = { 0 };
	struct answer a;

	pthread_mutex_lock(&s->store_mu);
	if (render_answer(s, key, &b, &a, &err) == 0)
		(void)srv_cache_put(s, key, &a);
	pthread_mutex_unlock(&s->store_mu);
	free((void *)a.gz);
	pl_buf_free(&b);
}

/*
 * The answer of key (a port's page in language li, li >= 0, or its API document, li <
 * 0; or a home page) from the cache; when it isn't there, rendered, cached and queued.
 * One rendering at a time: requests for the same answer meanwhile wait for it and take
 * it from the cache.
 */
static enum MHD_Result
cached_route(struct pl_server *s, struct MHD_Connection *c, uint32_t key, int li,
    enum route route)
{
	struct pl_buf b = PL_BUF_INIT;
	struct pl_err err = { 0 };
	struct answer a;
	enum MHD_Result ok = MHD_NO;
	int rc;

	srv_data_check(s);
	if ((rc = srv_cache_queue(s, c, key, route, true)) >= 0)
		return rc ? MHD_YES : MHD_NO;
	pthread_mutex_lock(&s->store_mu);
	if ((rc = srv_cache_queue(s, c, key, route, true)) >= 0) {
		pthread_mutex_unlock(&s->store_mu);
		return rc ? MHD_YES : MHD_NO;
	}
	if ((rc = render_answer(s, key, &b, &a, &err)) == 0) {
		atomic_fetch_add_explicit(&srv_stats(s)->misses, 1, memory_order_relaxed);
		if (!srv_cache_put(s, key, &a) || (rc = srv_cache_queue(s, c, key, route, false)) < 0) {
			/* Too big for the cache: this once, from the rendered bytes. */
			struct MHD_Response *resp = a.gz && srv_accepts_gzip(c) ?
			    srv_response_gz(a.body, a.len, a.ctype, a.lang, false, NULL) :
			    srv_response(a.body, a.len, a.ctype, a.lang, false);

			ok = srv_queue(s, c, MHD_HTTP_OK, resp, route);
			if (resp != NULL)
				MHD_destroy_response(resp);
		} else {
			ok = rc ? MHD_YES : MHD_NO;
		}
		rc = 0;
	}
	pthread_mutex_unlock(&s->store_mu);
	free((void *)a.gz);
	pl_buf_free(&b);
	if (rc == 0)
		return ok;
	if (li >= 0)
		return html_error(s, c, 500, li, N_("The page could not be built."), route);
	return json_error(s, c, 500, err.msg[0] ? err.msg : pl_strerror(rc), route);
}

static enum MHD_Result
port_route(struct pl_server *s, struct MHD_Connection *c, int port, int li, enum route route)
{
	return cached_route(s, c, li >= 0 ? srv_key_port_html(li, port) : srv_key_port_json(port),
	    li, route);
}

/*
 * The page a reader lands on after voting without JavaScript: the port's page with
 * the thanks and the chosen answer. It depends on the vote, so it is never cached.
 */
static enum MHD_Result
voted_route(struct pl_server *s, struct MHD_Connection *c, int port, int li, int vote)
{
	struct pl_report *r = NULL;
	struct pl_buf b = PL_BUF_INIT;
	struct pl_err err = { 0 };
	struct pl_html_ctx h;
	char path[32];
	size_t n = 0;
	int rc;
	enum MHD_Result ok;

	srv_data_check(s);
	snprintf(path, sizeof(path), "/port/%u", (unsigned)port);
	ctx_init(s, &h, li, path);
	pthread_mutex_lock(&s->store_mu);
	if ((rc = build_reports(s, (uint16_t)port, false, &r, &n, &err)) == 0)
		rc = port_html(s, (uint16_t)port, r, n, &h, pl_vote_name(vote), &b);
	free_reports(r, n);
	pthread_mutex_unlock(&s->store_mu);
	if (rc != 0)
		ok = html_error(s, c, 500, li, N_("The page could not be built."), R_PORT);
	else
		ok = reply(s, c, 200, b.data, b.len, "text/html; charset=utf-8", srv_langs[li].code,
		    R_PORT);
	pl_buf_free(&b);
	return ok;
}

/* --- other pages ---------------------------------------------------------------- */

static enum MHD_Result
home_route(struct pl_server *s, struct MHD_Connection *c, int li)
{
	return cached_route(s, c, srv_key_home(li), li, R_HOME);
}

static int
list_bound(const char *v, int dflt)
{
	return v == NULL ? dflt : parse_port(v);
}

enum list_format { LIST_HTML, LIST_CSV, LIST_JSON };

/* /ports (a table), /ports.csv and /ports.json: the ports from..to on every protocol. */
static enum MHD_Result
list_route(struct pl_server *s, struct MHD_Connection *c, int li, enum list_format f)
{
	static const enum pl_proto protos[PL_LIST_PROTOS] = { PL_PROTO_TCP, PL_PROTO_UDP,
		PL_PROTO_SCTP, PL_PROTO_DCCP };
	struct pl_report_opts ro = { .no_host = true };
	struct pl_report *rep[PL_LIST_PROTOS] = { NULL };
	int from = list_bound(arg(c, "from"), 0), to;
	struct pl_buf b = PL_BUF_INIT;
	struct pl_err err = { 0 };
	struct pl_html_ctx h;
	char path[64];
	unsigned built = 0, span, retry;
	int rc = 0;
	enum MHD_Result ok;

	to = list_bound(arg(c, "to"), from < 0 ? 0 : from + 99 > 65535 ? 65535 : from + 99);
	if (from < 0 || to < 0 || to < from || to - from + 1 > MAX_LIST)
		return html_error(s, c, 400, li, N_("Give from and to as ports 0-65535, from <= to, "
		    "at most 256 ports apart."), R_PORTS);
	if (!within_rate(s, &s->search_lim, c, &retry))
		return html_error_retry(s, c, 429, li, N_("Too many requests. Please wait a moment."),
		    R_PORTS, retry);
	span = (unsigned)(to - from + 1);
	for (int p = 0; p < PL_LIST_PROTOS; p++)
		if ((rep[p] = calloc(span, sizeof(*rep[p]))) == NULL)
			rc = -PL_ENOMEM;
	srv_data_check(s);
	pthread_mutex_lock(&s->store_mu);
	for (; rc == 0 && built < span; built++)
		for (int p = 0; p < PL_LIST_PROTOS && rc == 0; p++)
			if ((rc = pl_report_build(s->st, (uint16_t)(from + (int)built), protos[p], &ro,
			    &rep[p][built], &err)) != 0)
				for (int q = 0; q < p; q++)
					pl_report_free(&rep[q][built]);
	if (rc != 0 && built > 0)
		built--;                    /* the row that failed is freed above */
	snprintf(path, sizeof(path), "/ports?from=%d&to=%d", from, to);
	ctx_init(s, &h, li, path);
	if (rc == 0 && f == LIST_HTML)
		rc = pl_html_list(&b, &h, (unsigned)from, (unsigned)to,
		    (const struct pl_report *const *)rep, built);
	else if (rc == 0 && f == LIST_CSV)
		rc = pl_port_list_csv(&b, (const struct pl_report *const *)rep, built);
	else if (rc == 0)
		rc = pl_port_list_json(&b, (const struct pl_report *const *)rep, built);
	pthread_mutex_unlock(&s->store_mu);
	for (int p = 0; p < PL_LIST_PROTOS; p++) {
		for (unsigned i = 0; rep[p] && i < built; i++)
			pl_report_free(&rep[p][i]);
		free(rep[p]);
	}
	if (rc != 0)
		ok = html_error(s, c, 500, li, N_("The page could not be built."), R_PORTS);
	else if (f == LIST_HTML)
		ok = reply(s, c, 200, b.data, b.len, "text/html; charset=utf-8", h.lang->code, R_PORTS);
	else
		ok = reply(s, c, 200, b.data, b.len, f == LIST_CSV ? "text/csv; charset=utf-8; "
		    "header=present" : "application/json", NULL, R_PORTS);
	pl_buf_free(&b);
	return ok;
}

static enum MHD_Result
redirect(struct pl_server *s, struct MHD_Connection *c, const char *location,
    const char *set_cookie, enum route r)
{
	struct MHD_Response *resp = srv_response("", 0, "text/plain; charset=utf-8", NULL, false);
	enum MHD_Result ok;

	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, location);
	if (set_cookie)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, set_cookie);
	ok = srv_queue(s, c, MHD_HTTP_SEE_OTHER, resp, r);
	MHD_destroy_response(resp);
	return ok;
}

/* Checks q (present, UTF-8, not too long); returns an error message id or NULL. */
static const char *
bad_query(const char *q)
{
	if (q == NULL || *q == '\0')
		return N_("Search needs some text.");
	if (strlen(q) > MAX_QUERY)
		return N_("Search text is too long (at most 200 bytes).");
	if (!utf8_ok((const unsigned char *)q))
		return N_("Search text is not valid UTF-8.");
	return NULL;
}

/* "/search?q=..." with q percent-encoded (RFC 3986 unreserved characters kept), so that
 * the language links of a results page keep the query. */
static void
search_path(const char *q, char *out, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = (size_t)snprintf(out, len, "/search?q=");

	for (const unsigned char *p = (const unsigned char *)q; *p && o + 4 < len; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~", *p) != NULL) {
			out[o++] = (char)*p;
		} else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	out[o] = '\0';
}

/*
 * Queries that name ports go straight to them: "3333" and "3333/tcp" to the port's
 * page, "3008-3011" to the list of those ports, a registry service name ("ssh") to
 * its port when it names one port. Returns true with loc set, false for a text search.
 */
static bool
port_query(struct pl_server *s, const char *q, int li, char *loc, size_t len)
{
	struct pl_portspec spec = { 0 };
	struct pl_port_ref *refs = NULL;
	struct pl_err err = { 0 };
	const struct pl_portspec_item *it;
	bool go = false;
	int n;

	if (pl_portspec_parse(&spec, q, &err) != 0 || spec.n != 1) {
		pl_portspec_free(&spec);
		return false;
	}
	it = &spec.items[0];
	if (it->name[0] == '\0' && it->lo == it->hi) {
		snprintf(loc, len, "/port/%u?lang=%s", (unsigned)it->lo, srv_langs[li].code);
		go = true;
	} else if (it->name[0] == '\0') {
		unsigned to = it->hi - it->lo + 1u > MAX_LIST ? it->lo + MAX_LIST - 1u : it->hi;

		snprintf(loc, len, "/ports?from=%u&to=%u&lang=%s", (unsigned)it->lo, to,
		    srv_langs[li].code);
		go = true;
	} else {
		srv_data_check(s);
		pthread_mutex_lock(&s->store_mu);
		n = pl_store_resolve_name(s->st, it->name, it->proto, &refs, &err);
		pthread_mutex_unlock(&s->store_mu);
		go = n > 0;
		for (int i = 1; i < n && go; i++)
			go = refs[i].lo == refs[0].lo && refs[i].hi == refs[0].hi;
		if (go && refs[0].lo == refs[0].hi)
			snprintf(loc, len, "/port/%u?lang=%s", (unsigned)refs[0].lo, srv_langs[li].code);
		else
			go = false;
		free(refs);
	}
	pl_portspec_free(&spec);
	return go;
}

static int
run_search(struct pl_server *s, const char *q, int limit, struct pl_hit **hits,
    struct pl_err *err)
{
	int n;

	srv_data_check(s);
	pthread_mutex_lock(&s->store_mu);
	n = pl_store_search(s->st, q, limit, hits, err);
	pthread_mutex_unlock(&s->store_mu);
	return n;
}

static enum MHD_Result
search_route(struct pl_server *s, struct MHD_Connection *c, int li)
{
	const char *q = arg(c, "q"), *bad = bad_query(q);
	struct pl_hit *hits = NULL;
	struct pl_buf b = PL_BUF_INIT;
	struct pl_err err = { 0 };
	struct pl_html_ctx h;
	char loc[96], path[16 + 3 * MAX_QUERY];
	unsigned retry;
	int n;
	enum MHD_Result ok;

	if (bad != NULL)
		return html_error(s, c, 400, li, bad, R_SEARCH);
	while (*q == ' ')
		q++;
	if (port_query(s, q, li, loc, sizeof(loc)))
		return redirect(s, c, loc, NULL, R_SEARCH);
	if (!within_rate(s, &s->search_lim, c, &retry))
		return html_error_retry(s, c, 429, li, N_("Too many requests. Please wait a moment."),
		    R_SEARCH, retry);
	if ((n = run_search(s, q, 50, &hits, &err)) < 0)
		return html_error(s, c, n == -PL_EUSAGE ? 400 : 500, li,
		    n == -PL_EUSAGE ? N_("Search needs some text.") : N_("The page could not be built."),
		    R_SEARCH);
	search_path(q, path, sizeof(path));
	ctx_init(s, &h, li, path);
	if (pl_html_search(&b, &h, q, hits, n) == 0)
		ok = reply(s, c, 200, b.data, b.len, "text/html; charset=utf-8", h.lang->code,
		    R_SEARCH);
	else
		ok = html_error(s, c, 500, li, N_("The page could not be built."), R_SEARCH);
	pl_hits_free(hits, n);
	pl_buf_free(&b);
	return ok;
}

static enum MHD_Result
api_search_route(struct pl_server *s, struct MHD_Connection *c)
{
	const char *q = arg(c, "q"), *bad = bad_query(q), *ls = arg(c, "limit");
	struct pl_hit *hits = NULL;
	struct pl_err err = { 0 };
	int n, limit = ls ? parse_port(ls) : 20;
	unsigned retry;
	struct pl_json j;
	struct pl_buf b = PL_BUF_INIT;
	enum MHD_Result ok;

	if (bad != NULL)
		return json_error(s, c, 400, bad, R_API_SEARCH);
	if (limit < 1 || limit > 100)
		return json_error(s, c, 400, "limit must be a number from 1 to 100", R_API_SEARCH);
	if (!within_rate(s, &s->search_lim, c, &retry))
		return json_error_retry(s, c, 429, "too many requests", R_API_SEARCH, retry);
	if ((n = run_search(s, q, limit, &hits, &err)) < 0)
		return json_error(s, c, n == -PL_EUSAGE ? 400 : 500, err.msg, R_API_SEARCH);
	pl_json_init(&j, &b, 2);
	pl_hits_json(&j, hits, n, q);
	pl_buf_addc(&b, '\n');
	ok = pl_json_done(&j) == 0 ? reply(s, c, 200, b.data, b.len, "application/json", NULL,
	    R_API_SEARCH) : json_error(s, c, 500, "out of memory", R_API_SEARCH);
	pl_buf_free(&b);
	pl_hits_free(hits, n);
	return ok;
}

/* --- feedback ------------------------------------------------------------------- */

/* Pages that can be voted on: "/" and "/port/N". */
static bool
valid_page(const char *p)
{
	return p != NULL && (strcmp(p, "/") == 0 ||
	    (strncmp(p, "/port/", 6) == 0 && parse_port(p + 6) >= 0));
}

static void
utc_day(char *out, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, len, "%Y-%m-%d", &tm);
}

/*
 * Readers: a vote belongs to the reader who cast it, identified by a first-party
 * cookie holding a random id (HttpOnly, SameSite=Lax, a year). It is the only cookie
 * the site sets, it is never sent elsewhere and names nobody. Without it a request
 * has no "mine".
 */
#define READER_COOKIE "portlore_reader"

static bool
reader_id(struct MHD_Connection *c, char *out, size_t len)
{
	const char *v = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, READER_COOKIE);

	if (v == NULL || strlen(v) != 32 || strspn(v, "0123456789abcdef") != 32 || len < 35)
		return false;
	snprintf(out, len, "r:%s", v);
	return true;
}

/* A new reader id, from the kernel's random source. */
static bool
reader_new(char *out, size_t len, char *cookie, size_t clen)
{
	unsigned char r[16];
	char hex[33];

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return false;
	for (size_t i = 0; i < sizeof(r); i++)
		snprintf(hex + 2 * i, 3, "%02x", r[i]);
	snprintf(out, len, "r:%s", hex);
	snprintf(cookie, clen, READER_COOKIE "=%s; Path=/; Max-Age=31536000; HttpOnly; "
	    "SameSite=Lax", hex);
	return true;
}

static enum MHD_Result
feedback_state(struct pl_server *s, struct MHD_Connection *c, const char *page,
    const char *reader, const char *set_cookie)
{
	char client[64] = "", day[16];
	long n[PL_VOTE_COUNT];
	int mine, rc;
	struct pl_err err = { 0 };
	struct pl_buf b = PL_BUF_INIT;
	struct pl_json j;
	enum MHD_Result ok;

	if (reader)
		snprintf(client, sizeof(client), "%s", reader);
	else
		reader_id(c, client, sizeof(client));
	utc_day(day, sizeof(day));
	pthread_mutex_lock(&s->fb_mu);
	rc = pl_feedback_page(s->fb, page, client, day, n, &mine, &err);
	pthread_mutex_unlock(&s->fb_mu);
	if (rc != 0)
		return json_error(s, c, 503, "feedback store unavailable", R_API_FEEDBACK);
	pl_json_init(&j, &b, 2);
	pl_json_obj(&j);
	pl_json_kstr(&j, "page", page);
	pl_json_kobj(&j, "totals");
	pl_json_kint(&j, "yes", n[0]);
	pl_json_kint(&j, "partly", n[1]);
	pl_json_kint(&j, "no", n[2]);
	pl_json_end(&j);
	pl_json_kstr(&j, "mine", mine >= 0 ? pl_vote_name(mine) : NULL);
	pl_json_end(&j);
	if (pl_buf_error(&b) == 0) {
		struct MHD_Response *resp = srv_response(b.data, b.len, "application/json", NULL,
		    false);

		if (resp && set_cookie)
			MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, set_cookie);
		ok = srv_queue(s, c, 200, resp, R_API_FEEDBACK);
		if (resp)
			MHD_destroy_response(resp);
	} else {
		ok = json_error(s, c, 500, "out of memory", R_API_FEEDBACK);
	}
	pl_buf_free(&b);
	return ok;
}

/*
 * Cross-site requests. A browser says where a request comes from: Sec-Fetch-Site
 * (Fetch Metadata) when it sends it, else Origin, else Referer. Whichever is there
 * first decides: "same-origin"/"none", or an origin or referrer on this host, is
 * accepted; another site, or an opaque "null" origin without Sec-Fetch-Site, is refused.
 * A request with none of them is not from a browser form (curl, scripts) and is
 * accepted; a JSON body can't be sent cross-site without a CORS preflight, which is
 * never granted.
 */
static bool
origin_is_host(const char *url, const char *host)
{
	const char *o = strncmp(url, "http://", 7) == 0 ? url + 7 :
	    strncmp(url, "https://", 8) == 0 ? url + 8 : NULL;
	size_t hl = host ? strlen(host) : 0;

	return o != NULL && hl > 0 && strncmp(o, host, hl) == 0 &&
	    (o[hl] == '\0' || o[hl] == '/');
}

static bool
same_origin(struct MHD_Connection *c)
{
	const char *site = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Site");
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	const char *referer = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Referer");
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");

	if (site)
		return strcmp(site, "same-origin") == 0 || strcmp(site, "none") == 0;
	if (origin)
		return origin_is_host(origin, host);
	if (referer)
		return origin_is_host(referer, host);
	return true;
}

static enum MHD_Result
feedback_post(struct pl_server *s, struct MHD_Connection *c, struct req *rq)
{
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
	char page[64] = "", vote[16] = "", lang[16] = "", client[64], day[16], loc[160];
	char cookie[128] = "";
	struct pl_err err = { 0 };
	bool json = ct && strncasecmp(ct, "application/json", 16) == 0;
	bool form = ct && strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0;
	unsigned retry;
	int v, rc;

	if (!same_origin(c))
		return json_error(s, c, 403, "cross-site request refused", R_API_FEEDBACK);
	if (rq->too_big)
		return json_error(s, c, 413, "body too large (at most 4096 bytes)", R_API_FEEDBACK);
	if (!json && !form)
		return json_error(s, c, 415, "send application/json or a form", R_API_FEEDBACK);
	if (!within_rate(s, &s->post_lim, c, &retry)) {
		atomic_fetch_add(&s->limited, 1);
		return json_error_retry(s, c, 429, "too many votes; try again later", R_API_FEEDBACK,
		    retry);
	}
	if (json) {
		json_t *j = json_loadb(rq->body.data ? rq->body.data : "", rq->body.len, 0, NULL);
		const char *p = json_string_value(json_object_get(j, "page"));
		const char *vv = json_string_value(json_object_get(j, "vote"));

		snprintf(page, sizeof(page), "%s", p ? p : "");
		snprintf(vote, sizeof(vote), "%s", vv ? vv : "");
		json_decref(j);
	} else {
		const char *body = pl_buf_str(&rq->body);

		srv_form_value(body, "page", page, sizeof(page));
		srv_form_value(body, "vote", vote, sizeof(vote));
		srv_form_value(body, "lang", lang, sizeof(lang));
	}
	if (!valid_page(page) || (v = pl_vote_parse(vote)) < 0)
		return json_error(s, c, 400, "give page (\"/\" or \"/port/N\") and vote "
		    "(yes, partly or no)", R_API_FEEDBACK);
	if (!reader_id(c, client, sizeof(client)) &&
	    !reader_new(client, sizeof(client), cookie, sizeof(cookie)))
		return json_error(s, c, 503, "the vote could not be saved", R_API_FEEDBACK);
	utc_day(day, sizeof(day));
	pthread_mutex_lock(&s->fb_mu);
	rc = pl_feedback_vote(s->fb, page, client, day, (enum pl_vote)v, &err);
	pthread_mutex_unlock(&s->fb_mu);
	if (rc != 0)
		return json_error(s, c, 503, "the vote could not be saved", R_API_FEEDBACK);
	atomic_fetch_add(&s->votes, 1);
	if (form) {
		/* The page after the redirect says thanks and marks the answer (see
		 * voted_route). */
		snprintf(loc, sizeof(loc), "%s?lang=%s&voted=%s#feedback", page,
		    srv_langs[srv_lang_pick(lang, NULL)].code, pl_vote_name(v));
		return redirect(s, c, loc, *cookie ? cookie : NULL, R_API_FEEDBACK);
	}
	return feedback_state(s, c, page, client, *cookie ? cookie : NULL);
}

/* --- operations ----------------------------------------------------------------- */

static const char *const route_names[R_COUNT] = { "home", "port", "ports", "search",
	"api_port", "api_search", "api_feedback", "healthz", "metrics", "static", "other" };

static enum MHD_Result
metrics_route(struct pl_server *s, struct MHD_Connection *c)
{
	struct pl_buf b = PL_BUF_INIT;
	unsigned long hits = 0, misses = 0;
	size_t bytes;
	enum MHD_Result ok;

	bytes = srv_cache_bytes(s);
	for (unsigned t = 0; t < s->nstats; t++) {
		hits += atomic_load(&s->stats[t].hits);
		misses += atomic_load(&s->stats[t].misses);
	}
	pl_buf_adds(&b, "# HELP portlore_http_requests_total HTTP requests answered, by route "
	    "and status code.\n# TYPE portlore_http_requests_total counter\n");
	for (int r = 0; r < R_COUNT; r++)
		for (int k = 0; k < NCODES; k++) {
			unsigned long v = 0;

			for (unsigned t = 0; t < s->nstats; t++)
				v += atomic_load(&s->stats[t].requests[r][k]);

			if (v > 0 && srv_codes[k] != 0)
				pl_buf_printf(&b, "portlore_http_requests_total{route=\"%s\",code=\"%d\"} "
				    "%lu\n", route_names[r], srv_codes[k], v);
			else if (v > 0)
				pl_buf_printf(&b, "portlore_http_requests_total{route=\"%s\",code=\"other\"} "
				    "%lu\n", route_names[r], v);
		}
	pl_buf_printf(&b, "# HELP portlore_page_cache_hits_total Answers served from the page "
	    "cache.\n# TYPE portlore_page_cache_hits_total counter\nportlore_page_cache_hits_total "
	    "%lu\n# HELP portlore_page_cache_misses_total Pages rendered.\n"
	    "# TYPE portlore_page_cache_misses_total counter\nportlore_page_cache_misses_total %lu\n"
	    "# HELP portlore_page_cache_bytes Bytes held by the page cache.\n"
	    "# TYPE portlore_page_cache_bytes gauge\nportlore_page_cache_bytes %zu\n"
	    "# HELP portlore_data_reloads_total Times a changed store was reopened.\n"
	    "# TYPE portlore_data_reloads_total counter\nportlore_data_reloads_total %lu\n"
	    "# HELP portlore_feedback_votes_total Votes committed.\n"
	    "# TYPE portlore_feedback_votes_total counter\nportlore_feedback_votes_total %lu\n"
	    "# HELP portlore_feedback_rate_limited_total Votes refused by the rate limit.\n"
	    "# TYPE portlore_feedback_rate_limited_total counter\n"
	    "portlore_feedback_rate_limited_total %lu\n"
	    "# HELP portlore_connections Open HTTP connections.\n"
	    "# TYPE portlore_connections gauge\nportlore_connections %lu\n"
	    "# HELP portlore_page_cache_evictions_total Answers evicted to make room.\n"
	    "# TYPE portlore_page_cache_evictions_total counter\n"
	    "portlore_page_cache_evictions_total %lu\n"
	    "# HELP portlore_page_cache_refreshes_total Answers showing this host's facts "
	    "rendered again before they expired.\n"
	    "# TYPE portlore_page_cache_refreshes_total counter\n"
	    "portlore_page_cache_refreshes_total %lu\n"
	    "# HELP portlore_connections_evicted_total Connections closed, near the connection "
	    "limit, for having waited longest for their request head.\n"
	    "# TYPE portlore_connections_evicted_total counter\n"
	    "portlore_connections_evicted_total %lu\n",
	    hits, misses, bytes, atomic_load(&s->reloads),
	    atomic_load(&s->votes), atomic_load(&s->limited), atomic_load(&s->conns),
	    atomic_load(&s->cache_evictions), atomic_load(&s->refreshes),
	    atomic_load(&s->evictions));
	(void)srv_metrics_host(s, &b);
	ok = reply(s, c, 200, b.data ? b.data : "", b.len, "text/plain; version=0.0.4; charset=utf-8",
	    NULL, R_METRICS);
	pl_buf_free(&b);
	return ok;
}

static enum MHD_Result
static_route(struct pl_server *s, struct MHD_Connection *c, const char *body,
    const char *ctype)
{
	struct MHD_Response *resp = srv_accepts_gzip(c) ?
	    srv_response_gz(body, strlen(body), ctype, NULL, true, NULL) : NULL;
	enum MHD_Result ok;

	if (resp == NULL)
		resp = srv_response(body, strlen(body), ctype, NULL, true);
	ok = srv_queue(s, c, 200, resp, R_STATIC);

	if (resp)
		MHD_destroy_response(resp);
	return ok;
}

/* --- dispatch ------------------------------------------------------------------- */

static enum MHD_Result
get_route(struct pl_server *s, struct MHD_Connection *c, const char *url)
{
	int li = request_lang(s, c), port;

	if (strcmp(url, "/") == 0)
		return home_route(s, c, li);
	if (strncmp(url, "/port/", 6) == 0 && (port = parse_port(url + 6)) >= 0) {
		const char *voted = arg(c, "voted");

		if (voted && pl_vote_parse(voted) >= 0)
			return voted_route(s, c, port, li, pl_vote_parse(voted));
		return port_route(s, c, port, li, R_PORT);
	}
	if (strncmp(url, "/port/", 6) == 0 && url[6] != '\0' &&
	    strspn(url + 6, "0123456789") == strlen(url + 6))
		return html_error(s, c, 404, li, N_("Port numbers go from 0 to 65535, so there is no "
		    "such port. Try the search box above, or browse the ports."), R_PORT);
	if (strncmp(url, "/port/", 6) == 0)
		return html_error(s, c, 404, li, N_("A port page is /port/ and a number from 0 to "
		    "65535. To find a port by its service, use the search box above."), R_PORT);
	if (strcmp(url, "/ports") == 0)
		return list_route(s, c, li, LIST_HTML);
	if (strcmp(url, "/ports.csv") == 0)
		return list_route(s, c, li, LIST_CSV);
	if (strcmp(url, "/ports.json") == 0)
		return list_route(s, c, li, LIST_JSON);
	if (strcmp(url, "/search") == 0)
		return search_route(s, c, li);
	if (strncmp(url, "/api/v1/ports/", 14) == 0) {
		if ((port = parse_port(url + 14)) < 0)
			return json_error(s, c, 404, "ports go from 0 to 65535", R_API_PORT);
		return port_route(s, c, port, -1, R_API_PORT);
	}
	if (strcmp(url, "/api/v1/search") == 0)
		return api_search_route(s, c);
	if (strcmp(url, "/api/v1/feedback") == 0) {
		const char *page = arg(c, "page");

		if (!valid_page(page))
			return json_error(s, c, 400, "page must be \"/\" or \"/port/N\"", R_API_FEEDBACK);
		return feedback_state(s, c, page, NULL, NULL);
	}
	if (strcmp(url, "/healthz") == 0)
		return reply(s, c, 200, "ok\n", 3, "text/plain; charset=utf-8", NULL, R_HEALTH);
	if (strcmp(url, "/metrics") == 0)
		return metrics_route(s, c);
	if (strcmp(url, "/static/site.css") == 0)
		return static_route(s, c, srv_css, "text/css; charset=utf-8");
	if (strcmp(url, "/favicon.ico") == 0 || strcmp(url, "/favicon.svg") == 0)
		return static_route(s, c, srv_favicon, "image/svg+xml");
	if (strcmp(url, "/static/site.js") == 0)
		return static_route(s, c, srv_js, "text/javascript; charset=utf-8");
	if (strncmp(url, "/api/", 5) == 0)
		return json_error(s, c, 404, "no such API route", R_OTHER);
	return html_error(s, c, 404, li, N_("That page does not exist."), R_OTHER);
}

static enum MHD_Result
method_not_allowed(struct pl_server *s, struct MHD_Connection *c, const char *allow)
{
	struct MHD_Response *resp = srv_response("method not allowed\n", 19,
	    "text/plain; charset=utf-8", NULL, false);
	enum MHD_Result ok;

	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
	ok = srv_queue(s, c, 405, resp, R_OTHER);
	MHD_destroy_response(resp);
	return ok;
}

static enum MHD_Result
text(struct pl_server *s, struct MHD_Connection *c, unsigned status, const char *msg)
{
	return reply(s, c, status, msg, strlen(msg), "text/plain; charset=utf-8", NULL, R_OTHER);
}

/* Whether the request declares a body (Content-Length above 0, or Transfer-Encoding). */
static bool
has_body(struct MHD_Connection *c)
{
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);

	return (cl != NULL && strspn(cl, "0") < strlen(cl)) ||
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
}

/*
 * The first call for a request, once its head is read: what can be answered before a
 * body arrives is answered here. libmicrohttpd then skips the body and closes the
 * connection; a response queued later, while a body is still coming, would be refused
 * and the client would get no answer at all.
 */
static enum MHD_Result
first_call(struct pl_server *s, struct MHD_Connection *c, const char *method,
    const char *version, bool post, bool feedback)
{
	const char *cl;
	int st = srv_host_check(s, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host"),
	    strcmp(version, MHD_HTTP_VERSION_1_1) == 0);

	/* The gate checked the first request of the connection; this covers the next ones. */
	if (st == 421)
		return text(s, c, 421, "misdirected request: this server does not serve that "
		    "host name\n");
	if (st != 0)
		return text(s, c, 400, "bad request: HTTP/1.1 needs a valid Host\n");
	if (!post && strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return method_not_allowed(s, c, feedback ? "GET, HEAD, POST" : "GET, HEAD");
	if (post && !feedback)
		return method_not_allowed(s, c, "GET, HEAD");
	if (!post && has_body(c))
		return text(s, c, 400, "bad request: a GET or HEAD request has no body\n");
	/* A declared length that is too big is refused before the body is read. */
	cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (post && cl != NULL && (strlen(cl) > 9 || strtol(cl, NULL, 10) > MAX_BODY))
		return json_error(s, c, 413, "body too large (at most 4096 bytes)", R_API_FEEDBACK);
	/* Otherwise answer on the next call: a response queued now, before the request is
	 * complete, makes libmicrohttpd 0.9.75 refuse further requests on the connection
	 * (MHD_queue_response sets discard_request) and close it. */
	return MHD_YES;
}

enum MHD_Result
srv_handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct pl_server *s = cls;
	struct req *rq = *con_cls;
	bool post = strcmp(method, "POST") == 0;
	bool feedback = strcmp(url, "/api/v1/feedback") == 0;

	if (rq == NULL) {
		/* Only a vote has a body to keep; other requests share a marker. */
		if (!(post && feedback))
			rq = &no_body;
		else if ((rq = calloc(1, sizeof(*rq))) != NULL)
			pl_buf_init(&rq->body, MAX_BODY);
		else
			return MHD_NO;
		*con_cls = rq;
		return first_call(s, c, method, version, post, feedback);
	}
	if (strlen(url) > MAX_URL)
		return reply(s, c, 414, "URI too long\n", 13, "text/plain; charset=utf-8", NULL,
		    R_OTHER);
	if (rq != &no_body) {       /* a POST to the feedback endpoint */
		if (*upload_size > 0) {
			/* A body without a length (chunked) that grows too big is dropped as it
			 * comes and refused at its end; the connection timeout bounds it. */
			if (!rq->too_big && pl_buf_add(&rq->body, upload, *upload_size) != 0)
				rq->too_big = true;
			*upload_size = 0;
			return MHD_YES;
		}
		return feedback_post(s, c, rq);
	}
	return get_route(s, c, url);
}

void
srv_request_done(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct req *rq = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (rq != NULL && rq != &no_body) {
		pl_buf_free(&rq->body);
		free(rq);
	}
	*con_cls = NULL;
}
