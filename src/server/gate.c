/*
 * gate.c: the connections' way in. One thread accepts connections and holds each one
 * until its first request head (request line and headers) is complete, reading it with
 * MSG_PEEK so that libmicrohttpd later reads the same bytes. A head that is complete and
 * valid hands the connection to libmicrohttpd (MHD_add_connection); anything else is
 * answered here, with the site's security headers, and closed:
 *
 *   - a head not complete within the timeout (slow clients hold no slot for long): 408;
 *   - a head longer than HEAD_MAX: 431; a malformed request line or header: 400;
 *   - an HTTP version other than 1.0 and 1.1: 505;
 *   - a Host that is not one of the site's names (DNS rebinding), or HTTP/1.1 without
 *     Host: 421 or 400;
 *   - a Content-Length that is not one decimal number (or comes with
 *     Transfer-Encoding): 400. libmicrohttpd 0.9.75 answers a bad Content-Length from
 *     inside its header parsing and then goes on to build the same answer again, so
 *     the client got the status line and headers twice; here such a head never
 *     reaches it.
 *
 * Connections waiting for their head are kept in arrival order, so the oldest is at the
 * front: it is the first to reach the deadline, and the one closed when a new
 * connection comes while the server is near its connection limit.
 *
 * Later requests on a kept-alive connection are read by libmicrohttpd; srv_handle()
 * checks their Host. Each worker keeps its connections that wait for a request head
 * (after accepting one, or after answering) in the order they began to wait, and
 * shuts down those that have waited the timeout, however slowly their bytes trickle
 * in; near the limit, with no connection left waiting at the gate, the workers shut
 * down their longest-waiting ones to make room.
 *
 * Workers: each worker thread runs a libmicrohttpd daemon of its own in epoll mode,
 * driven from here (epoll_wait, then MHD_run). libmicrohttpd 0.9.75's own polling
 * thread, once an epoll_wait returns its full batch of 128 events, waits again with
 * the full timeout before handling them: with 128 or more busy connections per thread
 * (wrk -c256 on two threads) answers stalled for seconds. MHD_run waits for nothing,
 * and the wait here ends as soon as anything is ready.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "server-internal.h"

struct pend {
	int fd;
	socklen_t alen;
	struct sockaddr_storage addr;
	double deadline;
	size_t seen;                /* bytes peeked so far */
	bool in_epoll;
	struct pend *prev, *next;
};

_Thread_local struct stats *srv_tl_stats;

/* A connection libmicrohttpd holds, while it waits for a request head. */
struct conn {
	int fd;
	bool waiting;
	double since;
	struct conn *prev, *next;
};

struct worker {
	struct pl_server *s;
	struct stats *stats;
	struct conn *head, *tail;   /* waiting for a head, longest first */
	atomic_uint evict;          /* the gate asks for this many to be shut down */
	struct MHD_Daemon *d;
	pthread_t thread;
	bool running;
	int ep, evfd;
	pthread_mutex_t mu;
	struct pend *queue;         /* connections handed over, not yet added */
	bool stop;
};

struct gate {
	struct pl_server *s;
	struct worker *w;
	unsigned nw, next;
	int lfd, ep, evfd;
	pthread_t thread;
	bool running;
	struct pend *head, *tail;   /* oldest first */
	size_t n;
	char headers[1024];         /* srv_security_headers as raw lines */
	char buf[HEAD_MAX + 1];
};

static double
now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
unlink_pend(struct gate *g, struct pend *p)
{
	if (p->prev)
		p->prev->next = p->next;
	else
		g->head = p->next;
	if (p->next)
		p->next->prev = p->prev;
	else
		g->tail = p->prev;
	g->n--;
}

static void
drop(struct gate *g, struct pend *p)
{
	unlink_pend(g, p);
	close(p->fd);       /* also takes it out of the epoll set */
	free(p);
}

static const char *
reason(int status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 408: return "Request Timeout";
	case 421: return "Misdirected Request";
	case 431: return "Request Header Fields Too Large";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Error";
	}
}

static const char *
message(int status)
{
	switch (status) {
	case 400: return "bad request: malformed request line, header, Host or Content-Length\n";
	case 408: return "request timeout: the request head did not arrive in time\n";
	case 421: return "misdirected request: this server does not serve that host name\n";
	case 431: return "request header fields too large\n";
	case 503: return "too many connections; try again\n";
	case 505: return "HTTP version not supported: use HTTP/1.1 or HTTP/1.0\n";
	default: return "error\n";
	}
}

/* Answers status and closes. What was peeked is read first, so that the close is a
 * FIN after the answer and not a reset that could destroy it. */
static void
refuse(struct gate *g, struct pend *p, int status)
{
	char out[2048];
	const char *body = message(status);
	int n;

	srv_count(g->s, R_OTHER, (unsigned)status);
	if (p->seen > 0)
		(void)!recv(p->fd, g->buf, p->seen, MSG_DONTWAIT);
	n = snprintf(out, sizeof(out), "HTTP/1.1 %d %s\r\nConnection: close\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\nContent-Length: %zu\r\n"
	    "Cache-Control: no-cache\r\n%s\r\n%s", status, reason(status), strlen(body),
	    g->headers, body);
	if (n > 0 && (size_t)n < sizeof(out))
		(void)!send(p->fd, out, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
	shutdown(p->fd, SHUT_WR);
	drop(g, p);
}

static bool
token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Trims blanks around [*v, *v + *n). */
static void
trim(const char **v, size_t *n)
{
	while (*n > 0 && (**v == ' ' || **v == '\t')) {
		(*v)++;
		(*n)--;
	}
	while (*n > 0 && ((*v)[*n - 1] == ' ' || (*v)[*n - 1] == '\t' || (*v)[*n - 1] == '\r'))
		(*n)--;
}

/* Checks a complete head h[0..len) (NUL-terminated); returns 0 or the status to answer. */
static int
check_head(struct gate *g, char *h, size_t len)
{
	char *line = h, *eol, host[300];
	const char *v;
	size_t n, vn;
	int nhost = 0, ncl = 0;
	bool te = false, http11;

	/* Request line: METHOD SP TARGET SP HTTP/x.y */
	eol = memchr(line, '\n', len);
	n = (size_t)(eol - line);
	if (n > 0 && line[n - 1] == '\r')
		n--;
	{
		char *sp1 = memchr(line, ' ', n), *sp2;

		if (sp1 == NULL || sp1 == line)
			return 400;
		for (char *c = line; c < sp1; c++)
			if (!token_char(*c))
				return 400;
		sp2 = memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 - line));
		if (sp2 == NULL || sp2 == sp1 + 1)
			return 400;
		v = sp2 + 1;
		vn = n - (size_t)(sp2 + 1 - line);
		if (vn == 8 && memcmp(v, "HTTP/1.1", 8) == 0)
			http11 = true;
		else if (vn == 8 && memcmp(v, "HTTP/1.0", 8) == 0)
			http11 = false;
		else if (vn >= 8 && memcmp(v, "HTTP/", 5) == 0 && v[5] >= '0' && v[5] <= '9')
			return 505;
		else
			return 400;
	}
	/* Header fields, up to the empty line. */
	for (line = eol + 1; line < h + len; line = eol + 1) {
		const char *colon;

		eol = memchr(line, '\n', (size_t)(h + len - line));
		if (eol == NULL)
			break;
		n = (size_t)(eol - line);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (n == 0)
			break;
		if (line[0] == ' ' || line[0] == '\t')       /* obsolete line folding */
			return 400;
		if ((colon = memchr(line, ':', n)) == NULL || colon == line)
			return 400;
		for (const char *c = line; c < colon; c++)
			if (!token_char(*c))
				return 400;
		v = colon + 1;
		vn = n - (size_t)(v - line);
		trim(&v, &vn);
		if ((size_t)(colon - line) == 4 && strncasecmp(line, "Host", 4) == 0) {
			if (++nhost > 1 || vn >= sizeof(host))
				return 400;
			memcpy(host, v, vn);
			host[vn] = '\0';
		} else if ((size_t)(colon - line) == 14 && strncasecmp(line, "Content-Length", 14) == 0) {
			if (++ncl > 1 || vn == 0 || vn > 18 || strspn(v, "0123456789") < vn)
				return 400;
		} else if ((size_t)(colon - line) == 17 &&
		    strncasecmp(line, "Transfer-Encoding", 17) == 0) {
			te = true;
		}
	}
	if (te && ncl > 0)
		return 400;
	return srv_host_check(g->s, nhost ? host : NULL, http11);
}

/* Finds the end of a head in buf[0..n): the empty line. Returns its length or 0. */
static size_t
head_end(const char *buf, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++)
		if (buf[i] == '\n') {
			if (buf[i + 1] == '\n')
				return i + 2;
			if (buf[i + 1] == '\r' && i + 2 < n && buf[i + 2] == '\n')
				return i + 3;
		}
	return 0;
}

static void
hand_over(struct worker *w, struct pend *p)
{
	uint64_t one = 1;

	pthread_mutex_lock(&w->mu);
	p->next = w->queue;
	w->queue = p;
	pthread_mutex_unlock(&w->mu);
	(void)!write(w->evfd, &one, sizeof(one));
}

/* Looks at what p has sent; returns true while it still waits for its head. */
static bool
readable(struct gate *g, struct pend *p, uint32_t events)
{
	ssize_t n;
	size_t end, skip;
	int status;

	if (events & (EPOLLERR | EPOLLHUP)) {
		drop(g, p);
		return false;
	}
	n = recv(p->fd, g->buf, HEAD_MAX, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return true;
	if (n <= 0) {
		drop(g, p);
		return false;
	}
	p->seen = (size_t)n;
	g->buf[n] = '\0';
	/* Empty lines before a request line are allowed (RFC 9112, 2.2). */
	skip = strspn(g->buf, "\r\n");
	if ((end = head_end(g->buf + skip, (size_t)n - skip)) == 0) {
		if ((size_t)n >= HEAD_MAX)
			refuse(g, p, 431);
		else if (events & EPOLLRDHUP)
			drop(g, p);
		else
			return true;
		return false;
	}
	if ((status = check_head(g, g->buf + skip, end)) != 0) {
		refuse(g, p, status);
		return false;
	}
	unlink_pend(g, p);
	if (p->in_epoll)
		epoll_ctl(g->ep, EPOLL_CTL_DEL, p->fd, NULL);
	hand_over(&g->w[g->next++ % g->nw], p);
	return false;
}

/* Near the limit, the connection that has waited longest for its head makes room. */
static bool
make_room(struct gate *g)
{
	struct pl_server *s = g->s;
	size_t high = s->max_conns - s->max_conns / 8;

	while (g->n + atomic_load(&s->conns) >= high && g->head != NULL) {
		atomic_fetch_add(&s->evictions, 1);
		drop(g, g->head);
	}
	/* None left here: the workers' longest-waiting kept-alive connections go. */
	if (g->n + atomic_load(&s->conns) >= high) {
		uint64_t one = 1;

		for (unsigned i = 0; i < g->nw; i++) {
			atomic_store(&g->w[i].evict, 4);
			(void)!write(g->w[i].evfd, &one, sizeof(one));
		}
	}
	return g->n + atomic_load(&s->conns) < s->max_conns;
}

static void
accept_all(struct gate *g)
{
	for (int i = 0; i < 256; i++) {
		struct pend *p = calloc(1, sizeof(*p));
		struct epoll_event ev;

		if (p == NULL)
			return;
		p->alen = sizeof(p->addr);
		p->fd = accept4(g->lfd, (struct sockaddr *)&p->addr, &p->alen,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (p->fd < 0) {
			int e = errno;

			free(p);
			/* Out of descriptors: the oldest waiting connection makes room. */
			if ((e == EMFILE || e == ENFILE) && g->head != NULL) {
				atomic_fetch_add(&g->s->evictions, 1);
				drop(g, g->head);
				continue;
			}
			if (e == EMFILE || e == ENFILE) {
				struct timespec ts = { 0, 10 * 1000 * 1000 };

				nanosleep(&ts, NULL);
			}
			return;
		}
		if (!make_room(g)) {
			/* Every connection is busy with a request: answer and close this one. */
			static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
			    "Connection: close\r\nContent-Length: 0\r\nRetry-After: 1\r\n\r\n";

			srv_count(g->s, R_OTHER, 503);
			(void)!send(p->fd, busy, sizeof(busy) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
			close(p->fd);
			free(p);
			continue;
		}
		p->deadline = now_mono() + g->s->timeout;
		p->prev = g->tail;
		if (g->tail)
			g->tail->next = p;
		else
			g->head = p;
		g->tail = p;
		g->n++;
		/* The listen socket defers accepting until data came (TCP_DEFER_ACCEPT): the
		 * head is usually here already, and the connection never needs the epoll set. */
		if (!readable(g, p, 0))
			continue;
		ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
		ev.data.ptr = p;
		if (epoll_ctl(g->ep, EPOLL_CTL_ADD, p->fd, &ev) != 0)
			drop(g, p);
		else
			p->in_epoll = true;
	}
}

static void *
gate_main(void *arg)
{
	struct gate *g = arg;
	struct epoll_event evs[64];

	srv_tl_stats = &g->s->stats[0];
	for (;;) {
		double now = now_mono();
		int timeout = -1, n;

		while (g->head != NULL && g->head->deadline <= now)
			refuse(g, g->head, 408);
		if (g->head != NULL)
			timeout = (int)((g->head->deadline - now) * 1000) + 1;
		bool incoming = false;

		n = epoll_wait(g->ep, evs, 64, timeout);
		for (int i = 0; i < n; i++) {
			if (evs[i].data.ptr == &g->lfd)
				incoming = true;
			else if (evs[i].data.ptr == &g->evfd)
				return NULL;
			else
				readable(g, evs[i].data.ptr, evs[i].events);
		}
		/* Last: making room frees waiting connections that later events of this
		 * batch could still name. */
		if (incoming)
			accept_all(g);
	}
}

/* --- workers ------------------------------------------------------------------ */

static _Thread_local struct worker *tl_worker;

static void
stop_waiting(struct worker *w, struct conn *k)
{
	if (!k->waiting)
		return;
	if (k->prev)
		k->prev->next = k->next;
	else
		w->head = k->next;
	if (k->next)
		k->next->prev = k->prev;
	else
		w->tail = k->prev;
	k->prev = k->next = NULL;
	k->waiting = false;
}

static void
start_waiting(struct worker *w, struct conn *k)
{
	stop_waiting(w, k);
	k->since = now_mono();
	k->prev = w->tail;
	if (w->tail)
		w->tail->next = k;
	else
		w->head = k;
	w->tail = k;
	k->waiting = true;
}

static struct conn *
conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

static void
on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode code)
{
	struct pl_server *s = cls;
	struct worker *w = tl_worker;
	struct conn *k = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
		    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);

		atomic_fetch_add(&s->conns, 1);
		if (w != NULL && ci != NULL && (k = calloc(1, sizeof(*k))) != NULL) {
			k->fd = ci->connect_fd;
			start_waiting(w, k);
			*socket_context = k;
		}
	} else {
		atomic_fetch_sub(&s->conns, 1);
		/* Without a worker (the daemon being stopped) the lists are gone already. */
		if (k != NULL && w != NULL)
			stop_waiting(w, k);
		free(k);
		*socket_context = NULL;
	}
}

/* A request head is complete: the connection no longer waits. */
static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct conn *k;

	if (*con_cls == NULL && tl_worker != NULL && (k = conn_of(c)) != NULL)
		stop_waiting(tl_worker, k);
	return srv_handle(cls, c, url, method, version, upload, upload_size, con_cls);
}

/* The answer is sent: a kept-alive connection waits for its next head. */
static void
on_done(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct conn *k;

	srv_request_done(cls, c, con_cls, toe);
	if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK && tl_worker != NULL &&
	    (k = conn_of(c)) != NULL)
		start_waiting(tl_worker, k);
}

/* Shuts down connections that waited too long for a head, and as many of the longest
 * waiting as the gate asked for; libmicrohttpd then sees them end and closes them.
 * Returns the milliseconds until the next one is due, or -1. */
static int
reap(struct worker *w)
{
	double now = now_mono();
	unsigned n = atomic_exchange(&w->evict, 0);

	while (w->head != NULL && (n > 0 || w->head->since + w->s->timeout <= now)) {
		struct conn *k = w->head;

		if (n > 0) {
			n--;
			atomic_fetch_add(&w->s->evictions, 1);
		}
		shutdown(k->fd, SHUT_RDWR);
		stop_waiting(w, k);
	}
	return w->head ? (int)((w->head->since + w->s->timeout - now) * 1000) + 1 : -1;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct epoll_event evs[4];

	srv_tl_stats = w->stats;
	srv_tl_worker = (int)(w - w->s->gate->w);
	tl_worker = w;
	for (;;) {
		MHD_UNSIGNED_LONG_LONG to;
		int timeout = -1, n;
		struct pend *q;
		bool stop;

		int due = reap(w);

		if (MHD_get_timeout(w->d, &to) == MHD_YES)
			timeout = to > 60000 ? 60000 : (int)to;
		if (due >= 0 && (timeout < 0 || due < timeout))
			timeout = due;
		n = epoll_wait(w->ep, evs, 4, timeout);
		for (int i = 0; i < n; i++)
			if (evs[i].data.ptr == &w->evfd) {
				uint64_t v;

				(void)!read(w->evfd, &v, sizeof(v));
			}
		pthread_mutex_lock(&w->mu);
		q = w->queue;
		w->queue = NULL;
		stop = w->stop;
		pthread_mutex_unlock(&w->mu);
		while (q != NULL) {
			struct pend *next = q->next;

			/* libmicrohttpd closes the socket itself when it can't take it. */
			if (stop)
				close(q->fd);
			else
				MHD_add_connection(w->d, q->fd, (const struct sockaddr *)&q->addr, q->alen);
			free(q);
			q = next;
		}
		if (stop)
			return NULL;
		MHD_run(w->d);
	}
}

static int
worker_start(struct pl_server *s, struct worker *w, struct pl_err *err)
{
	const union MHD_DaemonInfo *info;
	struct epoll_event ev;

	w->s = s;
	w->ep = w->evfd = -1;
	pthread_mutex_init(&w->mu, NULL);
	w->d = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_TURBO | MHD_USE_NO_LISTEN_SOCKET, 0, NULL,
	    NULL, on_request, s,
	    MHD_OPTION_CONNECTION_LIMIT, s->max_conns,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
	    MHD_OPTION_CONNECTION_TIMEOUT, s->timeout,
	    MHD_OPTION_NOTIFY_COMPLETED, on_done, s,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
	    MHD_OPTION_END);
	if (w->d == NULL || (info = MHD_get_daemon_info(w->d, MHD_DAEMON_INFO_EPOLL_FD)) == NULL)
		return pl_err_set(err, -PL_ESYS, "cannot start the HTTP server (libmicrohttpd)");
	w->ep = epoll_create1(EPOLL_CLOEXEC);
	w->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->ep < 0 || w->evfd < 0)
		return pl_err_set(err, -PL_ESYS, "cannot start the server: %s", strerror(errno));
	ev.events = EPOLLIN;
	ev.data.ptr = w;
	epoll_ctl(w->ep, EPOLL_CTL_ADD, info->epoll_fd, &ev);
	ev.data.ptr = &w->evfd;
	epoll_ctl(w->ep, EPOLL_CTL_ADD, w->evfd, &ev);
	if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
		return pl_err_set(err, -PL_ESYS, "cannot start the server's threads");
	w->running = true;
	return 0;
}

static void
worker_stop(struct worker *w)
{
	uint64_t one = 1;

	if (w->running) {
		pthread_mutex_lock(&w->mu);
		w->stop = true;
		pthread_mutex_unlock(&w->mu);
		(void)!write(w->evfd, &one, sizeof(one));
		pthread_join(w->thread, NULL);
	}
	if (w->d != NULL)
		MHD_stop_daemon(w->d);
	if (w->ep >= 0)
		close(w->ep);
	if (w->evfd >= 0)
		close(w->evfd);
	pthread_mutex_destroy(&w->mu);
}

/* --- start and stop --------------------------------------------------------------- */

int
srv_gate_start(struct pl_server *s, int listen_fd, unsigned threads, struct pl_err *err)
{
	struct gate *g = calloc(1, sizeof(*g));
	struct epoll_event ev;
	size_t off = 0;
	int rc;

	if (g == NULL || (g->w = calloc(threads, sizeof(*g->w))) == NULL ||
	    (s->stats = aligned_alloc(64, (threads + 1) * sizeof(*s->stats))) == NULL) {
		if (g != NULL)
			free(g->w);
		free(g);
		close(listen_fd);
		return pl_err_set(err, -PL_ENOMEM, "out of memory");
	}
	memset(s->stats, 0, (threads + 1) * sizeof(*s->stats));
	s->nstats = threads + 1;
	g->s = s;
	g->lfd = listen_fd;
	g->ep = epoll_create1(EPOLL_CLOEXEC);
	g->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	s->gate = g;
	for (; g->nw < threads; g->nw++)
		if ((g->w[g->nw].stats = &s->stats[g->nw + 1]),
		    (rc = worker_start(s, &g->w[g->nw], err)) != 0) {
			g->nw++;
			return rc;
		}
	for (size_t i = 0; i < srv_nsec_headers && off < sizeof(g->headers); i++)
		off += (size_t)snprintf(g->headers + off, sizeof(g->headers) - off, "%s: %s\r\n",
		    srv_sec_headers[i][0], srv_sec_headers[i][1]);
	if (g->ep < 0 || g->evfd < 0)
		return pl_err_set(err, -PL_ESYS, "cannot start the server: %s", strerror(errno));
	ev.events = EPOLLIN;
	ev.data.ptr = &g->lfd;
	epoll_ctl(g->ep, EPOLL_CTL_ADD, g->lfd, &ev);
	ev.data.ptr = &g->evfd;
	epoll_ctl(g->ep, EPOLL_CTL_ADD, g->evfd, &ev);
	if (pthread_create(&g->thread, NULL, gate_main, g) != 0)
		return pl_err_set(err, -PL_ESYS, "cannot start the server's accept thread");
	g->running = true;
	return 0;
}

void
srv_gate_stop(struct pl_server *s)
{
	struct gate *g = s->gate;
	uint64_t one = 1;

	if (g == NULL)
		return;
	if (g->running) {
		(void)!write(g->evfd, &one, sizeof(one));
		pthread_join(g->thread, NULL);
	}
	while (g->head != NULL)
		drop(g, g->head);
	for (unsigned i = 0; i < g->nw; i++)
		worker_stop(&g->w[i]);
	free(g->w);
	if (g->lfd >= 0)
		close(g->lfd);
	if (g->ep >= 0)
		close(g->ep);
	if (g->evfd >= 0)
		close(g->evfd);
	free(g);
	s->gate = NULL;
}
