/*
 * server.c: starting and stopping `portlore serve`: the listen address, the limits
 * libmicrohttpd enforces (connections, per-address connections, header memory,
 * timeouts), the data it serves, and the per-client rate limiter.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "portlore/num.h"
#include "server-internal.h"

const char pl_server_default_locale_dir[] = PL_LOCALEDIR;

#define MAX_CONNECTIONS 512
#define MAX_PER_ADDRESS 128     /* wrk -c64 from one address must fit */
#define CONN_MEMORY (32 * 1024) /* request line and headers must fit in it (431/414) */
#define CONN_TIMEOUT 15         /* seconds of silence before a connection is closed */

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
srv_limiter_init(struct limiter *l, double capacity, double per_second)
{
	memset(l->slot, 0, sizeof(l->slot));
	pthread_mutex_init(&l->mu, NULL);
	l->capacity = capacity;
	l->per_second = per_second;
}

/* A token bucket per client. Clients share a slot when their keys collide: a bounded
 * table can't be grown by a flood of addresses, and a shared slot only limits sooner. */
bool
srv_limiter_take(struct limiter *l, uint64_t key)
{
	struct timespec ts;
	double now;
	bool ok;
	size_t i = (size_t)(key % LIMIT_SLOTS);

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	pthread_mutex_lock(&l->mu);
	if (l->slot[i].key != key || l->slot[i].at == 0) {
		l->slot[i].key = key;
		l->slot[i].tokens = l->capacity;
	} else {
		l->slot[i].tokens += (now - l->slot[i].at) * l->per_second;
		if (l->slot[i].tokens > l->capacity)
			l->slot[i].tokens = l->capacity;
	}
	l->slot[i].at = now;
	ok = l->slot[i].tokens >= 1.0;
	if (ok)
		l->slot[i].tokens -= 1.0;
	pthread_mutex_unlock(&l->mu);
	return ok;
}

static void
on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode code)
{
	struct pl_server *s = cls;

	(void)c;
	(void)socket_context;
	if (code == MHD_CONNECTION_NOTIFY_STARTED)
		atomic_fetch_add(&s->conns, 1);
	else
		atomic_fetch_sub(&s->conns, 1);
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
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 64 ? 64 : (unsigned)n;
}

static int
start_daemon(struct pl_server *s, const union addr *a, int fd, unsigned threads,
    struct pl_err *err)
{
	const union MHD_DaemonInfo *info;
	char host[INET6_ADDRSTRLEN];
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_TURBO |
	    (a->sa.sa_family == AF_INET6 ? MHD_USE_IPv6 : 0);

	/* A socket handed over (systemd's fd 3) is served as it is, else the address is
	 * bound. In an option array an integer goes in value, a pointer in ptr_value. */
	struct MHD_OptionItem where[] = {
		{ fd > 0 ? MHD_OPTION_LISTEN_SOCKET : MHD_OPTION_SOCK_ADDR, fd > 0 ? fd : 0,
		  fd > 0 ? NULL : (void *)(uintptr_t)&a->sa },
		{ MHD_OPTION_END, 0, NULL }
	};

	s->d = MHD_start_daemon(flags, 0, NULL, NULL, srv_handle, s,
	    MHD_OPTION_ARRAY, where,
	    MHD_OPTION_THREAD_POOL_SIZE, threads,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)MAX_PER_ADDRESS,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONN_TIMEOUT,
	    MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
	    MHD_OPTION_NOTIFY_COMPLETED, srv_request_done, s,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
	    MHD_OPTION_END);
	if (s->d == NULL)
		return pl_err_set(err, -PL_ESYS, "cannot listen on the address given (in use, or "
		    "not an address of this host)");
	info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	if (a->sa.sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &a->in6.sin6_addr, host, sizeof(host));
		snprintf(s->url, sizeof(s->url), "http://[%s]:%u/", host, info ? info->port : 0);
	} else {
		inet_ntop(AF_INET, &a->in.sin_addr, host, sizeof(host));
		snprintf(s->url, sizeof(s->url), "http://%s:%u/", host, info ? info->port : 0);
	}
	return 0;
}

int
pl_server_start(struct pl_server **out, const struct pl_server_opts *o, struct pl_err *err)
{
	struct pl_server *s;
	union addr a;
	socklen_t alen;
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
	    (s->port_html = calloc((size_t)NLANGS * 65536, sizeof(*s->port_html))) == NULL ||
	    (s->port_json = calloc(65536, sizeof(*s->port_json))) == NULL ||
	    (s->db_path = strdup(o->db_path)) == NULL ||
	    (s->feedback_path = strdup(o->feedback_path)) == NULL ||
	    (o->proc_root && (s->proc_root = strdup(o->proc_root)) == NULL)) {
		rc = pl_err_set(err, -PL_ENOMEM, "out of memory");
		goto fail;
	}
	pthread_mutex_init(&s->store_mu, NULL);
	pthread_mutex_init(&s->cache_mu, NULL);
	pthread_mutex_init(&s->fb_mu, NULL);
	srv_limiter_init(&s->post_lim, 10, 1.0 / 6);
	srv_limiter_init(&s->search_lim, 60, 10);
	s->loopback = is_loopback(&a);
	if ((rc = srv_data_open(s, err)) != 0 ||
	    (rc = pl_feedback_open(&s->fb, s->feedback_path, true, err)) != 0)
		goto fail;
	load_catalogs(s, o->locale_dir ? o->locale_dir : pl_server_default_locale_dir);
	atomic_store(&s->next_check, 0);
	if ((rc = start_daemon(s, &a, o->listen_fd, o->threads ? o->threads : default_threads(),
	    err)) != 0)
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
	if (s->d != NULL)
		MHD_stop_daemon(s->d);
	if (s->port_html != NULL && s->port_json != NULL)
		srv_cache_flush(s);
	free(s->port_html);
	free(s->port_json);
	pl_store_close(s->st);
	pl_feedback_close(s->fb);
	for (int i = 0; i < NLANGS; i++)
		srv_catalog_free(&s->cats[i]);
	free(s->db_path);
	free(s->feedback_path);
	free(s->proc_root);
	free(s);
}
