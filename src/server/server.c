/*
 * server.c: starting and stopping `portlore serve`: the listen socket (made here, so
 * that SO_REUSEPORT is set only when asked and a taken address is reported as such),
 * the limits libmicrohttpd enforces, the names the site answers to, the data it
 * serves, and the per-client rate limiter.
 *
 * Connections: gate.c accepts them and holds each until its first request head is
 * complete and valid, then hands it to libmicrohttpd's worker threads (epoll). The
 * gate gives the head a total deadline and, near the connection limit, closes the
 * connections that have waited longest for their head.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "portlore/num.h"
#include "server-internal.h"

const char pl_server_default_locale_dir[] = PL_LOCALEDIR;

#define MAX_CONNECTIONS 16384   /* the most the file-descriptor limit is raised for */

union addr {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

static int
parse_port(const char *s, uint16_t *port)
{
	const char *errstr;

	*port = (uint16_t)pl_strtonum(s, 0, 65535, &errstr);
	return errstr != NULL ? -1 : 0;
}

/* "127.0.0.1:8080", "[::1]:8080", "localhost:8080" or "8080" (loopback). */
static int
parse_listen(const char *spec, union addr *a, socklen_t *alen, struct pl_err *err)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *h = host;
	uint16_t port;
	size_t hl;

	memset(a, 0, sizeof(*a));
	colon = strrchr(spec, ':');
	if (colon == NULL) {
		colon = spec - 1;
		snprintf(host, sizeof(host), "127.0.0.1");
	} else {
		hl = (size_t)(colon - spec);
		if (hl == 0 || hl >= sizeof(host))
			goto bad;
		memcpy(host, spec, hl);
		host[hl] = '\0';
	}
	if (parse_port(colon + 1, &port) != 0)
		return pl_err_set(err, -PL_EUSAGE, "--listen '%.80s': the port must be 0-65535", spec);
	if (strcmp(h, "localhost") == 0)
		h = "127.0.0.1";
	if (h[0] == '[') {
		size_t l = strlen(h);

		if (l < 3 || h[l - 1] != ']')
			goto bad;
		host[l - 1] = '\0';
		h++;
		if (inet_pton(AF_INET6, h, &a->in6.sin6_addr) != 1)
			goto bad;
		a->in6.sin6_family = AF_INET6;
		a->in6.sin6_port = htons(port);
		*alen = sizeof(a->in6);
		return 0;
	}
	if (inet_pton(AF_INET, h, &a->in.sin_addr) != 1)
		goto bad;
	a->in.sin_family = AF_INET;
	a->in.sin_port = htons(port);
	*alen = sizeof(a->in);
	return 0;
bad:
	return pl_err_set(err, -PL_EUSAGE, "--listen '%.80s': give ADDRESS:PORT with a numeric "
	    "address, such as 127.0.0.1:8080 or [::1]:8080", spec);
}

static bool
is_loopback(const union addr *a)
{
	if (a->sa.sa_family == AF_INET)
		return (ntohl(a->in.sin_addr.s_addr) >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(&a->in6.sin6_addr);
}

void
srv_limiter_init(struct limiter *l, double capacity, double per_second, uint64_t seed)
{
	memset(l->slot, 0, sizeof(l->slot));
	pthread_mutex_init(&l->mu, NULL);
	l->capacity = capacity;
	l->per_second = per_second;
	l->seed = seed;
}

struct client_key
srv_client_key(const struct sockaddr *sa)
{
	struct client_key k = { 0, 0 };
	const unsigned char *b;

	if (sa != NULL && sa->sa_family == AF_INET) {
		k.family = 4;
		k.bits = ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr);
	} else if (sa != NULL && sa->sa_family == AF_INET6) {
		b = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
		if (IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)(const void *)b)) {
			k.family = 4;
			k.bits = (uint64_t)b[12] << 24 | (uint64_t)b[13] << 16 | (uint64_t)b[14] << 8 | b[15];
		} else {
			k.family = 6;
			for (int i = 0; i < 8; i++)
				k.bits = k.bits << 8 | b[i];
		}
	}
	return k;
}

static uint64_t
mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/*
 * A token bucket per client in a set-associative table: a client's key (hashed with a
 * secret seed, so that clients can't choose to share a set) picks a set of LIMIT_WAYS
 * slots, and it keeps its slot while it has one. A newcomer takes a free slot, or one
 * whose bucket has refilled (forgetting a full bucket changes nothing). When every slot
 * of its set holds a client still being limited, the newcomer is refused too: a full
 * set never resets anyone's bucket, and the table can't be grown by a flood.
 */
bool
srv_limiter_take(struct limiter *l, struct client_key k, unsigned *retry_after)
{
	struct timespec ts;
	struct lslot *set, *sl = NULL;
	double now, wait = 0;
	bool ok;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	set = l->slot[mix64(k.bits ^ l->seed ^ ((uint64_t)k.family << 56)) % LIMIT_SETS];
	pthread_mutex_lock(&l->mu);
	for (int i = 0; i < LIMIT_WAYS && sl == NULL; i++)
		if (set[i].at != 0 && set[i].k.family == k.family && set[i].k.bits == k.bits)
			sl = &set[i];
	if (sl != NULL) {
		sl->tokens += (now - sl->at) * l->per_second;
		if (sl->tokens > l->capacity)
			sl->tokens = l->capacity;
	} else {
		for (int i = 0; i < LIMIT_WAYS && sl == NULL; i++)
			if (set[i].at == 0 ||
			    set[i].tokens + (now - set[i].at) * l->per_second >= l->capacity)
				sl = &set[i];
		if (sl != NULL) {
			sl->k = k;
			sl->tokens = l->capacity;
		}
	}
	if (sl != NULL) {
		sl->at = now;
		ok = sl->tokens >= 1.0;
		if (ok)
			sl->tokens -= 1.0;
		else
			wait = (1.0 - sl->tokens) / l->per_second;
	} else {
		ok = false;
		wait = 1.0 / l->per_second;
	}
	pthread_mutex_unlock(&l->mu);
	if (retry_after != NULL)
		*retry_after = ok ? 0 : (unsigned)wait + 1;
	return ok;
}

/* --- Host ------------------------------------------------------------------------- */

static bool
ip_literal(const char *h, size_t n)
{
	char buf[INET6_ADDRSTRLEN];
	unsigned char a[16];

	if (n >= sizeof(buf))
		return false;
	memcpy(buf, h, n);
	buf[n] = '\0';
	return inet_pton(AF_INET, buf, a) == 1 || inet_pton(AF_INET6, buf, a) == 1;
}

int
srv_host_check(const struct pl_server *s, const char *host, bool http11)
{
	const char *name, *end, *port;
	size_t n;

	if (host == NULL)
		return http11 ? 400 : 0;
	while (*host == ' ' || *host == '\t')
		host++;
	if (*host == '[') {             /* [v6]:port */
		name = host + 1;
		if ((end = strchr(name, ']')) == NULL)
			return 400;
		port = end[1] == ':' ? end + 2 : end[1] == '\0' ? NULL : "x";
		n = (size_t)(end - name);
		if (!ip_literal(name, n) || strchr(name, '.') != NULL)
			return 400;
	} else {
		name = host;
		end = strchr(host, ':');
		port = end ? end + 1 : NULL;
		n = end ? (size_t)(end - host) : strlen(host);
		while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '\t'))
			n--;
	}
	if (port != NULL) {
		size_t pl = strspn(port, "0123456789");

		if (pl == 0 || pl > 5 || port[pl + strspn(port + pl, " \t")] != '\0')
			return 400;
	}
	if (n > 0 && name[n - 1] == '.')        /* "localhost." is "localhost" */
		n--;
	if (n == 0)
		return 400;
	for (size_t i = 0; i < s->nhosts; i++)
		if (strlen(s->hosts[i]) == n && strncasecmp(s->hosts[i], name, n) == 0)
			return 0;
	if (s->any_ip_host && ip_literal(name, n))
		return 0;
	return 421;
}

static int
add_host(struct pl_server *s, const char *name, struct pl_err *err)
{
	char **h = realloc(s->hosts, (s->nhosts + 1) * sizeof(*h));
	size_t n = strlen(name);

	if (h == NULL)
		return pl_err_set(err, -PL_ENOMEM, "out of memory");
	s->hosts = h;
	if (n == 0 || n > 253 || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-._:") != n)
		return pl_err_set(err, -PL_EUSAGE, "--host-name '%.80s': give a DNS name or an "
		    "address, without port or scheme", name);
	if ((h[s->nhosts] = strdup(name)) == NULL)
		return pl_err_set(err, -PL_ENOMEM, "out of memory");
	for (char *p = h[s->nhosts]; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	s->nhosts++;
	return 0;
}

static int
set_hosts(struct pl_server *s, const union addr *a, const struct pl_server_opts *o,
    struct pl_err *err)
{
	char lit[INET6_ADDRSTRLEN];
	int rc;

	if (a->sa.sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &a->in6.sin6_addr, lit, sizeof(lit));
		s->any_ip_host = IN6_IS_ADDR_UNSPECIFIED(&a->in6.sin6_addr);
	} else {
		inet_ntop(AF_INET, &a->in.sin_addr, lit, sizeof(lit));
		s->any_ip_host = a->in.sin_addr.s_addr == htonl(INADDR_ANY);
	}
	if ((rc = add_host(s, "localhost", err)) || (rc = add_host(s, lit, err)))
		return rc;
	for (size_t i = 0; i < o->nhost_names; i++)
		if ((rc = add_host(s, o->host_names[i], err)))
			return rc;
	return 0;
}

static void
load_catalogs(struct pl_server *s, const char *dir)
{
	size_t off = 0;

	s->have_lang[0] = true;
	for (int i = 1; i < NLANGS; i++) {
		struct pl_err err = { 0 };

		s->have_lang[i] = srv_catalog_load(&s->cats[i], dir, srv_langs[i].code, &err) == 0;
		if (!s->have_lang[i] && off < sizeof(s->missing))
			off += (size_t)snprintf(s->missing + off, sizeof(s->missing) - off, "%s%s",
			    off ? "," : "", srv_langs[i].code);
	}
}

static unsigned
default_threads(void)
{
	int n = pl_cpus();

	return n > 64 ? 64 : (unsigned)n;
}

/* Raises the soft file-descriptor limit to the hard one; returns the limit. */
static unsigned long
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 1024;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	return rl.rlim_cur == RLIM_INFINITY ? (unsigned long)MAX_CONNECTIONS * 2 :
	    (unsigned long)rl.rlim_cur;
}

static void
format_listen(const union addr *a, char *out, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (a->sa.sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &a->in6.sin6_addr, host, sizeof(host));
		snprintf(out, len, "[%s]:%u", host, (unsigned)ntohs(a->in6.sin6_port));
	} else {
		inet_ntop(AF_INET, &a->in.sin_addr, host, sizeof(host));
		snprintf(out, len, "%s:%u", host, (unsigned)ntohs(a->in.sin_port));
	}
}

/*
 * The listen socket. SO_REUSEADDR only lets a restarted server bind while old
 * connections linger in TIME_WAIT; a second server on a listening address fails with
 * EADDRINUSE. SO_REUSEPORT, which would let it start and take half the traffic (and
 * the votes, into another database), is set only when asked. The backlog is the
 * kernel's maximum (somaxconn): a burst of connections waits there instead of being
 * refused.
 */
static int
listen_socket(const union addr *a, socklen_t alen, bool reuse_port, unsigned timeout,
    int *out, struct pl_err *err)
{
	char where[INET6_ADDRSTRLEN + 16];
	int fd, one = 1, e, defer = (int)timeout;

	format_listen(a, where, sizeof(where));
	if ((fd = socket(a->sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		return pl_err_set(err, -PL_ESYS, "cannot listen on %s: %s", where, strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (a->sa.sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	/* A connection is accepted once it has sent something (or after the timeout). */
	setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer, sizeof(defer));
	if (reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) {
		e = errno;
		close(fd);
		return pl_err_set(err, -PL_ESYS, "cannot listen on %s: SO_REUSEPORT: %s", where,
		    strerror(e));
	}
	if (bind(fd, &a->sa, alen) != 0 || listen(fd, SOMAXCONN > 4096 ? SOMAXCONN : 4096) != 0) {
		e = errno;
		close(fd);
		if (e == EADDRINUSE)
			return pl_err_set(err, -PL_ESYS, "cannot listen on %s: the address is in use "
			    "(another server, perhaps another portlore serve, listens there; "
			    "--reuse-port shares it on purpose)", where);
		return pl_err_set(err, -PL_ESYS, "cannot listen on %s: %s", where, strerror(e));
	}
	*out = fd;
	return 0;
}

/*
 * Serves given_fd when one was handed over (socket activation: systemd listens and
 * passes the socket as descriptor 3), else a socket of its own on a.
 */
static int
start_daemon(struct pl_server *s, const union addr *a, socklen_t alen, int given_fd,
    unsigned threads, bool reuse_port, struct pl_err *err)
{
	union addr bound;
	socklen_t blen = sizeof(bound);
	char where[INET6_ADDRSTRLEN + 16];
	int fd = -1, rc;

	if (given_fd > 0) {
		/* The gate's accept loop wants what listen_socket() sets. */
		fd = given_fd;
		if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0 ||
		    fcntl(fd, F_SETFD, FD_CLOEXEC) != 0)
			return pl_err_set(err, -PL_ESYS, "descriptor %d: %s", fd, strerror(errno));
	} else if ((rc = listen_socket(a, alen, reuse_port, s->timeout, &fd, err)) != 0) {
		return rc;
	}
	if (getsockname(fd, &bound.sa, &blen) != 0)
		bound = *a;
	if ((rc = srv_gate_start(s, fd, threads, err)) != 0)
		return rc;
	format_listen(&bound, where, sizeof(where));
	snprintf(s->url, sizeof(s->url), "http://%s/", where);
	return 0;
}

int
pl_server_start(struct pl_server **out, const struct pl_server_opts *o, struct pl_err *err)
{
	struct pl_server *s;
	union addr a;
	socklen_t alen = 0;
	unsigned long nofile;
	uint64_t seed = 0;
	int rc;

	*out = NULL;
	if (o->listen_fd > 0) {
		alen = sizeof(a);
		memset(&a, 0, sizeof(a));
		if (getsockname(o->listen_fd, &a.sa, &alen) != 0 ||
		    (a.sa.sa_family != AF_INET && a.sa.sa_family != AF_INET6))
			return pl_err_set(err, -PL_EUSAGE, "the socket passed as descriptor %d is not "
			    "a TCP socket (give ListenStream=ADDRESS:PORT)", o->listen_fd);
	} else if ((rc = parse_listen(o->listen ? o->listen : PL_SERVE_DEFAULT_LISTEN, &a, &alen,
	    err))) {
		return rc;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->db_path = strdup(o->db_path)) == NULL ||
	    (s->feedback_path = strdup(o->feedback_path)) == NULL ||
	    (o->proc_root && (s->proc_root = strdup(o->proc_root)) == NULL)) {
		rc = pl_err_set(err, -PL_ENOMEM, "out of memory");
		goto fail;
	}
	pthread_mutex_init(&s->store_mu, NULL);
	pthread_mutex_init(&s->fb_mu, NULL);
	if ((rc = set_hosts(s, &a, o, err)) != 0)
		goto fail;
	s->nworkers = o->threads ? o->threads : default_threads();
	if ((rc = srv_cache_init(s, (size_t)(o->cache_mib ? o->cache_mib : CACHE_DEFAULT_MIB)
	    << 20)) != 0) {
		rc = pl_err_set(err, -PL_ENOMEM, "out of memory");
		goto fail;
	}
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed))
		seed = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
	srv_limiter_init(&s->post_lim, 10, 1.0 / 6, seed);
	srv_limiter_init(&s->search_lim, 60, 10, mix64(seed));
	s->loopback = is_loopback(&a);
	s->show_processes = o->show_processes;
	if (o->trust_proxy != NULL) {
		if (*o->trust_proxy == '\0' || strlen(o->trust_proxy) >= sizeof(s->trust_proxy) ||
		    strspn(o->trust_proxy, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789-_") != strlen(o->trust_proxy)) {
			rc = pl_err_set(err, -PL_EUSAGE, "--trust-proxy '%.80s': give a header name "
			    "such as X-Forwarded-For", o->trust_proxy);
			goto fail;
		}
		snprintf(s->trust_proxy, sizeof(s->trust_proxy), "%s", o->trust_proxy);
	}
	s->timeout = o->timeout ? o->timeout : DEFAULT_TIMEOUT;
	/* Each connection holds a socket; keep a few descriptors for the store and logs. */
	nofile = raise_nofile();
	s->max_conns = nofile > 128 ? (unsigned)(nofile - 64 > MAX_CONNECTIONS ? MAX_CONNECTIONS :
	    nofile - 64) : 64;
	if (o->max_connections)
		s->max_conns = o->max_connections < s->max_conns ? o->max_connections : s->max_conns;
	if ((rc = srv_data_open(s, err)) != 0 ||
	    (rc = pl_feedback_open(&s->fb, s->feedback_path, true, err)) != 0)
		goto fail;
	load_catalogs(s, o->locale_dir ? o->locale_dir : pl_server_default_locale_dir);
	atomic_store(&s->next_check, 0);
	if ((rc = start_daemon(s, &a, alen, o->listen_fd, s->nworkers, o->reuse_port, err)) != 0)
		goto fail;
	*out = s;
	return 0;
fail:
	pl_server_stop(s);
	return rc;
}

const char *
pl_server_url(const struct pl_server *s)
{
	return s->url;
}

bool
pl_server_loopback(const struct pl_server *s)
{
	return s->loopback;
}

const char *
pl_server_missing_langs(const struct pl_server *s)
{
	return s->missing;
}

void
pl_server_stop(struct pl_server *s)
{
	if (s == NULL)
		return;
	srv_gate_stop(s);
	srv_cache_free(s);
	free(s->stats);
	for (size_t i = 0; i < s->nhosts; i++)
		free(s->hosts[i]);
	free(s->hosts);
	pl_store_close(s->st);
	pl_feedback_close(s->fb);
	for (int i = 0; i < NLANGS; i++)
		srv_catalog_free(&s->cats[i]);
	free(s->db_path);
	free(s->feedback_path);
	free(s->proc_root);
	free(s);
}
