/*
 * banner.c: what an open port says, and what that tells us. Banners are read after
 * the scan, on fresh connections, a few at a time; each is bounded in time (a wait
 * for a greeting, then a wait for the answer to a probe) and in bytes. A banner that
 * matches a lore banner hint confirms the service (provenance "probed"); otherwise
 * the port number alone suggests one (provenance "inferred").
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "portlore/probe.h"
#include "registry/store-internal.h"

#define GRAB_MAX 64
#define MORE_MS 200      /* after the first bytes, how long the rest may take */

/* Probes for services that wait to be spoken to. Each is the smallest request that
 * makes the service name itself; anything else gets an HTTP HEAD (RFC 9110 9.3.2),
 * which most services on unknown ports answer, if only with an error. */
static const struct {
	const char *name, *data;
	uint16_t ports[4];
} probes[] = {
	{ "redis-ping", "PING\r\n", { 6379, 6380 } },
	{ "memcached-version", "version\r\n", { 11211 } },
	{ "zookeeper-srvr", "srvr\n", { 2181 } },
	{ "rtsp-options", "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n", { 554, 8554 } },
	{ "http-head", "HEAD / HTTP/1.0\r\nUser-Agent: portlore\r\nAccept: */*\r\n\r\n", { 0 } },
};

const char *
pl_banner_probe_for(uint16_t port, const char **name, size_t *len)
{
	size_t n = sizeof(probes) / sizeof(probes[0]), i;

	for (i = 0; i + 1 < n; i++)
		for (size_t k = 0; k < 4 && probes[i].ports[k]; k++)
			if (probes[i].ports[k] == port)
				goto found;
found:
	*name = probes[i].name;
	*len = strlen(probes[i].data);
	return probes[i].data;
}

enum phase { CONNECTING, GREETING, ANSWER, DONE };

struct grab {
	size_t ri;               /* result index */
	uint16_t port;
	int fd;
	enum phase phase;
	int64_t deadline;
	char *buf;
	size_t len;
	const char *probe;       /* NULL while the service may still speak first */
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
grab_start(struct grab *g, const struct pl_probe_scan *s, size_t ri, const struct pl_banner_opts *o)
{
	const struct pl_probe_result *r = &s->results[ri];
	struct sockaddr_storage sa;
	socklen_t len = pl_probe_target_addr(&s->target, r->host, &sa);

	memset(g, 0, sizeof(*g));
	g->fd = -1;
	g->ri = ri;
	g->port = r->port;
	g->phase = DONE;
	if ((g->buf = malloc(o->max_bytes + 1)) == NULL)
		return -PL_ENOMEM;
	if (sa.ss_family == AF_INET)
		((struct sockaddr_in *)&sa)->sin_port = htons(r->port);
	else
		((struct sockaddr_in6 *)&sa)->sin6_port = htons(r->port);
	g->fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (g->fd < 0 || (connect(g->fd, (struct sockaddr *)&sa, len) != 0 && errno != EINPROGRESS))
		return 0;
	g->phase = CONNECTING;
	g->deadline = now_ms() + o->wait_ms;
	return 0;
}

/* Moves a grab on after its deadline passed or the socket became ready. */
static void
grab_step(struct grab *g, short revents, const struct pl_banner_opts *o, int64_t now)
{
	int error = 0;
	socklen_t elen = sizeof(error);
	ssize_t n;

	if (g->phase == CONNECTING) {
		if (revents == 0 || getsockopt(g->fd, SOL_SOCKET, SO_ERROR, &error, &elen) != 0 || error)
			g->phase = DONE;
		else {
			g->phase = GREETING;
			g->deadline = now + o->wait_ms;
		}
		return;
	}
	if (revents == 0) {
		size_t plen;
		const char *p;

		/* Silent until the wait ended: send a probe once; after that, give up. */
		if (g->phase == ANSWER || g->len > 0) {
			g->phase = DONE;
			return;
		}
		p = pl_banner_probe_for(g->port, &g->probe, &plen);
		if (send(g->fd, p, plen, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)plen) {
			g->phase = DONE;
			return;
		}
		g->phase = ANSWER;
		g->deadline = now + o->wait_ms;
		return;
	}
	n = recv(g->fd, g->buf + g->len, o->max_bytes - g->len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0 || (g->len += (size_t)n) >= o->max_bytes)
		g->phase = DONE;
	else if (g->deadline > now + MORE_MS)
		g->deadline = now + MORE_MS;
}

/* Keeps what a grab read (if anything) in its result and releases the grab. */
static int
grab_end(struct grab *g, struct pl_probe_scan *s)
{
	struct pl_banner *b = NULL;
	int rc = 0;

	if (g->fd >= 0)
		close(g->fd);
	g->fd = -1;
	if (g->len > 0 && (b = calloc(1, sizeof(*b))) != NULL &&
	    (g->probe == NULL || (b->probe = strdup(g->probe)) != NULL)) {
		g->buf[g->len] = '\0';
		b->data = g->buf;
		b->len = g->len;
		s->results[g->ri].banner = b;
		g->buf = NULL;
	} else if (g->len > 0) {
		free(b);
		rc = -PL_ENOMEM;
	}
	free(g->buf);
	g->buf = NULL;
	return rc;
}

/* Every grab must end (its descriptor and buffer released); the first error wins. */
static int
keep_first(int rc, int rc2)
{
	return rc != 0 ? rc : rc2;
}

static void
banner_defaults(struct pl_banner_opts *o, const struct pl_banner_opts *in)
{
	*o = *in;
	if (o->wait_ms <= 0 || o->wait_ms > 60000)
		o->wait_ms = 1500;
	if (o->max_bytes == 0 || o->max_bytes > 65536)
		o->max_bytes = 4096;
	if (o->parallel <= 0 || o->parallel > GRAB_MAX)
		o->parallel = 16;
}

/* Waits for the grabs in flight and steps the ones that are ready or late. */
static void
banner_wait(struct grab *g, int active, const struct pl_banner_opts *o)
{
	struct pollfd pf[GRAB_MAX];
	int64_t now = now_ms(), wait = 1000;

	for (int i = 0; i < active; i++) {
		pf[i] = (struct pollfd){ g[i].fd, g[i].phase == CONNECTING ? POLLOUT : POLLIN, 0 };
		if (g[i].deadline - now < wait)
			wait = g[i].deadline - now;
	}
	if (poll(pf, (nfds_t)active, wait < 0 ? 0 : (int)wait) < 0)
		return;   /* EINTR: the caller checks its stop flag and comes back */
	now = now_ms();
	for (int i = 0; i < active; i++)
		if (pf[i].revents != 0 || g[i].deadline <= now)
			grab_step(&g[i], pf[i].revents, o, now);
}

int
pl_banner_read_all(struct pl_probe_scan *s, const struct pl_banner_opts *in, struct pl_err *err)
{
	struct pl_banner_opts o;
	struct grab g[GRAB_MAX];
	size_t next = 0;
	int active = 0, rc = 0;

	banner_defaults(&o, in);
	while (rc == 0 && (next < s->nresults || active > 0)) {
		if (o.stop && *o.stop) {
			rc = pl_err_set(err, -PL_EINTR, "banners: interrupted");
			break;
		}
		for (; rc == 0 && active < o.parallel && next < s->nresults; next++) {
			const struct pl_probe_result *r = &s->results[next];

			if (r->state != PL_PORT_OPEN || r->proto != PL_PROTO_TCP || r->banner)
				continue;
			rc = grab_start(&g[active], s, next, &o);
			if (g[active].phase == DONE)
				rc = keep_first(rc, grab_end(&g[active], s));
			else
				active++;
		}
		if (active > 0)
			banner_wait(g, active, &o);
		for (int i = 0; i < active; i++)
			if (g[i].phase == DONE) {
				rc = keep_first(rc, grab_end(&g[i], s));
				g[i--] = g[--active];
			}
	}
	while (active > 0)
		grab_end(&g[--active], s);
	if (rc == -PL_ENOMEM)
		pl_err_set(err, rc, "banners: out of memory");
	return rc;
}

static char *
dup_or_null(const char *s, bool *oom)
{
	char *d = s ? strdup(s) : NULL;

	*oom |= s != NULL && d == NULL;
	return d;
}

/* The registry's first named row for the port: service name and description. */
static int
registry_of(struct pl_store *st, struct pl_probe_result *r, struct pl_err *err)
{
	static const char sql[] = "SELECT service, description FROM record WHERE snapshot = ?1"
	    " AND lo = ?2 AND hi = ?2 AND (proto = ?3 OR proto = '') AND service <> ''"
	    " ORDER BY line LIMIT 1";
	sqlite3_stmt *s;
	bool oom = false;
	int step;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return pl_err_set(err, -PL_ESTORE, "store %s: %s", st->path, sqlite3_errmsg(st->db));
	sqlite3_bind_int64(s, 1, st->current_id);
	sqlite3_bind_int(s, 2, r->port);
	sqlite3_bind_text(s, 3, pl_proto_name(r->proto), -1, SQLITE_STATIC);
	if ((step = sqlite3_step(s)) == SQLITE_ROW) {
		r->ident.service = dup_or_null((const char *)sqlite3_column_text(s, 0), &oom);
		r->registry = dup_or_null((const char *)sqlite3_column_text(s, 1), &oom);
	} else {
		r->ident.service = dup_or_null("", &oom);
	}
	sqlite3_finalize(s);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return pl_err_set(err, -PL_ESTORE, "store %s: %s", st->path, sqlite3_errmsg(st->db));
	return oom ? pl_err_set(err, -PL_ENOMEM, "probe: out of memory") : 0;
}

/* Fills one result's identification from its port and, if any, its banner. */
static int
annotate_one(struct pl_store *st, struct pl_idmatch *m, struct pl_probe_result *r,
    struct pl_err *err)
{
	struct pl_id_evidence e = { .port = r->port, .proto = r->proto };
	struct pl_identified *id;
	bool oom = false;
	int rc;

	if ((rc = registry_of(st, r, err)) != 0)
		return rc;
	if (r->banner) {
		e.banner = r->banner->data;
		e.banner_len = r->banner->len;
	}
	if ((id = malloc(sizeof(*id))) == NULL || pl_identify(m, &e, id) != 0) {
		free(id);
		return pl_err_set(err, -PL_ENOMEM, "probe: out of memory");
	}
	/* Only a banner that names a product is a probed fact; the rest is inferred. */
	r->ident.prov = id->by_banner ? PL_PROV_PROBED : PL_PROV_INFERRED;
	r->ident.lore_id = dup_or_null(id->id, &oom);
	r->ident.lore_name = dup_or_null(id->name, &oom);
	/* The lent strings point into the candidates, which the scan outlives. */
	for (size_t i = 0; i < id->ncand; i++) {
		id->cand[i].id = dup_or_null(id->cand[i].id, &oom);
		id->cand[i].name = dup_or_null(id->cand[i].name, &oom);
	}
	id->id = r->ident.lore_id;
	id->name = r->ident.lore_name;
	r->ident.identified = id;
	return oom ? pl_err_set(err, -PL_ENOMEM, "probe: out of memory") : 0;
}

int
pl_probe_annotate(struct pl_store *st, struct pl_probe_scan *s, struct pl_err *err)
{
	struct pl_id_candidates c = { 0 };
	struct pl_idmatch *m = NULL;
	const char *snap = pl_store_current_snapshot(st);
	int rc;

	snprintf(s->snapshot, sizeof(s->snapshot), "%s", snap ? snap : "");
	if ((rc = pl_id_candidates_load(st, &c, err)) != 0)
		return rc;
	if (pl_idmatch_new(&m, c.v, c.n) != 0)
		rc = pl_err_set(err, -PL_ENOMEM, "probe: out of memory");
	for (size_t i = 0; i < s->nresults && rc == 0; i++) {
		struct pl_probe_result *r = &s->results[i];

		if (r->state == PL_PORT_OPEN || r->state == PL_PORT_OPEN_FILTERED)
			rc = annotate_one(st, m, r, err);
	}
	pl_idmatch_free(m);
	pl_id_candidates_free(&c);
	return rc;
}
