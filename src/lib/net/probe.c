/*
 * probe.c: the scan engine. Every probe is an ordinary socket: a non-blocking TCP
 * connect() (open only once the kernel completed the handshake), or a connected UDP
 * socket that sends one datagram. epoll says when each one is decided; probes left
 * silent past an adaptive timeout are tried again, then called filtered.
 *
 * How fast to go is found, not configured (docs/probe.md explains the choices): a
 * window of probes in flight starts small and grows with every answer (slow start,
 * then additive increase), stops growing while round trips show a queue, shrinks by a
 * third when more than a few percent of answers needed a retry (proven loss) or when
 * timeouts pile up while round trips grow, and halves at once when the machine itself
 * runs short (EAGAIN, ENOBUFS, EMFILE, no ephemeral port). The window's ceiling is
 * the file-descriptor limit; a rate cap (--max-rate, a token bucket) applies only when
 * the caller sets one.
 *
 * Speed comes from doing little per probe: a TCP socket that was refused is reused
 * for the next probe (a second connect() reads the outcome and resets it, see
 * answer()), so most probes cost two system calls; and a long scan is split between
 * one engine per CPU (a connect scan spends its time in the kernel).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "portlore/num.h"
#include "portlore/probe.h"

#define WINDOW_START 32
#define WINDOW_FLOOR 8          /* congestion never cuts below this; pressure may */
#define MIN_TIMEOUT_MS 100      /* like nmap -T4: below this, scheduler noise looks like loss */
#define MAX_TIMEOUT_MS 1000     /* the kernel retransmits a SYN after 1 s on its own */
#define KEEP_MAX (1u << 22)
#define NEVENTS 512
#define MAX_THREADS 4
#define EPOCH 256
#define LOSS_PCT 5

/* One socket in flight. Slots form a list in launch order, so expiry looks at the head. */
struct slot {
	int fd;                  /* kept across probes (see answer()), -1 when none */
	bool live, udp;          /* in flight; the socket is a datagram socket */
	uint8_t tries;
	uint64_t idx;            /* probe number: host = idx % nhosts, port = idx / nhosts */
	int64_t first, sent, deadline;  /* monotonic ns: first try, this try, expiry */
	int prev, next;          /* in-flight list, or free list through next */
};

struct retry { uint64_t idx; int64_t first; uint8_t tries; };

/* Per-host round-trip estimate (RFC 6298 section 2, in nanoseconds). */
struct rtt { int64_t srtt, rttvar; };

struct engine {
	const struct pl_probe_target *t;
	const struct pl_probe_port *ports;
	size_t nports;
	struct pl_probe_opts o;
	struct pl_probe_scan *scan;
	struct rtt *rtt;
	struct slot *slots;
	int head, tail, freelist, inflight;
	double window, ssthresh;
	double peak;             /* the largest window reached */
	uint32_t ep_answers, ep_drops;   /* this epoch: answers, and answers to a retry */
	uint32_t ep_timeouts;            /* this epoch: silences from hosts that answer */
	int64_t min_rtt, avg_rtt;        /* over every answer, for the delay signal */
	int64_t cut_at;          /* when the window was last cut */
	struct retry *retry;     /* ring of probes waiting to be tried again */
	size_t rhead, rcount, rcap;
	uint64_t *next;          /* next fresh probe number, shared by the engines */
	double tokens;
	int64_t last_refill, pressure_until;
	int ep;
	/* With several threads, engines take fresh probes from one counter (a thread the
	 * scheduler holds back leaves its share to the others), keep their own results,
	 * keeps its own results; counts in the scan are shared and updated atomically. */
	bool leader;             /* calls the progress function */
	struct pl_probe_result *res;
	size_t nres, rescap, keep_max;
	bool truncated, interrupted;
	struct pl_err err;
	int rc;
	pthread_t tid;
};

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t
timeout_of(const struct engine *e, uint32_t host)
{
	const struct rtt *r = &e->rtt[host];
	int64_t lo = (int64_t)e->o.min_timeout_ms * 1000000, hi = (int64_t)e->o.max_timeout_ms * 1000000;
	int64_t t;

	if (r->srtt < 0)
		return (int64_t)e->o.initial_timeout_ms * 1000000;
	t = r->srtt + 4 * r->rttvar;
	return t < lo ? lo : t > hi ? hi : t;
}

static void
rtt_sample(struct engine *e, uint32_t host, int64_t r)
{
	struct rtt *x = &e->rtt[host];

	if (x->srtt < 0) {
		x->srtt = r;
		x->rttvar = r / 2;
	} else {
		int64_t d = x->srtt > r ? x->srtt - r : r - x->srtt;

		x->rttvar = (3 * x->rttvar + d) / 4;
		x->srtt = (7 * x->srtt + r) / 8;
	}
	__atomic_store_n(&e->scan->hosts[host].srtt_us, (int32_t)(x->srtt / 1000), __ATOMIC_RELAXED);
}

static int
cmp_result(const void *a, const void *b)
{
	const struct pl_probe_result *x = a, *y = b;

	if (x->host != y->host)
		return x->host < y->host ? -1 : 1;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return (int)x->proto - (int)y->proto;
}

/* Records the final state of a probe; keeps it when it is worth showing. */
static int
record(struct engine *e, uint64_t idx, uint8_t tries, enum pl_port_state st,
    const char *reason, int64_t rtt)
{
	struct pl_probe_scan *s = e->scan;
	uint32_t host = (uint32_t)(idx % e->t->nhosts);
	const struct pl_probe_port *p = &e->ports[idx / e->t->nhosts];

	__atomic_add_fetch(&s->hosts[host].counts[st], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&s->done, 1, __ATOMIC_RELAXED);
	if (!(st == PL_PORT_OPEN || st == PL_PORT_OPEN_FILTERED || e->o.keep_all))
		return 0;
	if (e->nres >= e->keep_max) {
		e->truncated = true;
		return 0;
	}
	if (e->nres == e->rescap) {
		size_t cap = e->rescap ? e->rescap * 2 : 64;
		struct pl_probe_result *v = realloc(e->res, cap * sizeof(*v));

		if (v == NULL)
			return -PL_ENOMEM;
		e->res = v;
		e->rescap = cap;
	}
	e->res[e->nres++] = (struct pl_probe_result){
		.host = host, .port = p->port, .proto = p->proto, .state = st, .tries = tries,
		.rtt_us = rtt < 0 ? -1 : (int32_t)(rtt / 1000), .reason = reason,
	};
	return 0;
}

/* Takes slot i out of the in-flight list; its socket stays with it for the next probe. */
static void
list_unlink(struct engine *e, int i)
{
	struct slot *s = &e->slots[i];

	if (s->prev >= 0)
		e->slots[s->prev].next = s->next;
	else
		e->head = s->next;
	if (s->next >= 0)
		e->slots[s->next].prev = s->prev;
	else
		e->tail = s->prev;
	s->live = false;
	s->next = e->freelist;
	e->freelist = i;
	e->inflight--;
}

static void
slot_close(struct slot *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

static void
retry_push(struct engine *e, uint64_t idx, uint8_t tries, int64_t first)
{
	/* Capacity is concurrency + 1 and every entry comes from a slot just freed or a
	 * launch just refused, so the ring can't overflow. */
	e->retry[(e->rhead + e->rcount++) % e->rcap] = (struct retry){ idx, first, tries };
}

/* A probe that got no answer: try again, or decide. */
static int
silent(struct engine *e, uint64_t idx, uint8_t tries, int64_t first)
{
	const struct pl_probe_port *p = &e->ports[idx / e->t->nhosts];

	if (tries <= e->o.retries) {
		retry_push(e, idx, tries, first);
		return 0;
	}
	return record(e, idx, tries, p->proto == PL_PROTO_UDP ? PL_PORT_OPEN_FILTERED
	    : PL_PORT_FILTERED, "no-response", -1);
}

/* Maps a socket error to a state; returns -1 for "as if silent". */
static int
state_of_error(int error, enum pl_proto proto, const char **reason)
{
	switch (error) {
	case 0:
		*reason = proto == PL_PROTO_UDP ? "udp-response" : "syn-ack";
		return PL_PORT_OPEN;
	case ECONNREFUSED:
		*reason = proto == PL_PROTO_UDP ? "port-unreachable" : "reset";
		return PL_PORT_CLOSED;
	case EHOSTUNREACH: case ENETUNREACH: case EHOSTDOWN: case ENONET: case EACCES:
	case EPERM: case ENOPROTOOPT:
		/* ICMP "unreachable" (host, net, administratively prohibited) or a local
		 * firewall's reject: something is in the way, which nmap also calls filtered. */
		*reason = "unreachable";
		return PL_PORT_FILTERED;
	default:
		return -1;
	}
}

/* Round trips well above the smallest seen (twice it plus 5 ms): a queue is building. */
static bool
queueing(const struct engine *e)
{
	/* No answer yet (min_rtt still INT64_MAX): no round trip to compare with. */
	return e->min_rtt != INT64_MAX && e->avg_rtt > 2 * e->min_rtt + 5000000;
}

/*
 * Congestion, judged over epochs of EPOCH decided probes. Loss: a port that was silent
 * and then answered a retry proves a packet went missing. Random loss of a percent or
 * two is normal and left to the retries; more than LOSS_PCT of answers needing a retry
 * means the scan overruns a queue. Timeouts: silence alone is what a firewall's drop
 * looks like, so it is no evidence; but when most probes to hosts that do answer time
 * out while round trips grow, the queue is overflowing. Either cuts the window by a
 * third, once per episode (evidence from probes first sent before the cut does not
 * count again). Delay alone stops growth (grow()).
 */
static void
congestion(struct engine *e, bool answered, bool dropped, int64_t rtt, int64_t now)
{
	if (answered) {
		if (rtt < e->min_rtt)
			e->min_rtt = rtt;
		e->avg_rtt = e->avg_rtt ? (15 * e->avg_rtt + rtt) / 16 : rtt;
		e->ep_answers++;
		e->ep_drops += dropped;
	} else {
		e->ep_timeouts++;
	}
	if (e->ep_answers + e->ep_timeouts < EPOCH)
		return;
	if (e->ep_drops * 100 > e->ep_answers * LOSS_PCT ||
	    (e->ep_timeouts > e->ep_answers && queueing(e))) {
		e->window = e->window * 2 / 3 > WINDOW_FLOOR ? e->window * 2 / 3 : WINDOW_FLOOR;
		e->ssthresh = e->window;
		e->cut_at = now;
	}
	e->ep_answers = e->ep_drops = e->ep_timeouts = 0;
}

/* Slow start below the threshold (one more per decided probe), then four per window;
 * no growth while round trips show a queue. */
static void
grow(struct engine *e)
{
	if (queueing(e))
		return;
	if (e->window < e->ssthresh)
		e->window += 1;
	else
		e->window += 4 / e->window;
	if (e->window > e->o.concurrency)
		e->window = e->o.concurrency;
	if (e->window > e->peak)
		e->peak = e->window;
}

/* Decides a probe from its socket's error (0: answered). The TCP socket of a refused
 * or unreachable probe is already reset by the connect() that read the error and is
 * kept for reuse; an open one is closed with a reset (no TIME_WAIT left behind). */
static int
finish(struct engine *e, int i, int error, int64_t now)
{
	struct slot *s = &e->slots[i];
	static const struct linger lg = { 1, 0 };
	uint64_t idx = s->idx;
	uint8_t tries = s->tries;
	int64_t first = s->first;
	uint32_t host = (uint32_t)(idx % e->t->nhosts);
	enum pl_proto proto = e->ports[idx / e->t->nhosts].proto;
	const char *reason = "";
	int st = state_of_error(error, proto, &reason);
	int64_t rtt = now - s->sent;

	if (st == PL_PORT_OPEN && !s->udp)
		(void)setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	if (s->udp || st == PL_PORT_OPEN)
		slot_close(s);
	list_unlink(e, i);
	if (st == PL_PORT_OPEN || st == PL_PORT_CLOSED)
		congestion(e, true, tries > 1 && first >= e->cut_at, rtt, now);
	grow(e);
	if (st < 0)
		return silent(e, idx, tries, first);
	if (st == PL_PORT_OPEN || st == PL_PORT_CLOSED)
		rtt_sample(e, host, rtt);
	return record(e, idx, tries, (enum pl_port_state)st, reason, rtt);
}

/* Local shortage (file descriptors, ephemeral ports, buffers): put the probe back
 * without counting a try, halve the window and pause a millisecond. */
static int
pressure(struct engine *e, uint64_t idx, uint8_t tries, int64_t first, int error,
    int64_t now, struct pl_err *err)
{
	if (e->inflight == 0)
		return pl_err_set(err, -PL_ESYS, "probe: cannot open a socket: %s", strerror(error));
	retry_push(e, idx, (uint8_t)(tries - 1), first);
	e->window = e->inflight / 2 > 1 ? e->inflight / 2 : 1;
	e->pressure_until = now + 1000000;
	return 0;
}

static bool
is_pressure(int error)
{
	return error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM ||
	    error == EAGAIN || error == EADDRNOTAVAIL;
}

/* The address and port probe idx goes to. */
static socklen_t
probe_addr(const struct engine *e, uint64_t idx, struct sockaddr_storage *sa)
{
	socklen_t len = pl_probe_target_addr(e->t, (uint32_t)(idx % e->t->nhosts), sa);
	uint16_t port = htons(e->ports[idx / e->t->nhosts].port);

	if (sa->ss_family == AF_INET)
		((struct sockaddr_in *)sa)->sin_port = port;
	else
		((struct sockaddr_in6 *)sa)->sin6_port = port;
	return len;
}

/*
 * Gives slot i a socket of the right type, registered with epoll. TCP sockets are
 * edge-triggered: a reused socket sits idle in state CLOSE between probes, which a
 * level-triggered registration would report over and over.
 */
static int
slot_socket(struct engine *e, int i, bool udp, int family)
{
	struct slot *s = &e->slots[i];
	struct epoll_event ev = { .events = udp ? EPOLLIN : EPOLLOUT | EPOLLET,
		.data.u32 = (uint32_t)i };

	if (s->fd >= 0 && s->udp == udp && !udp)
		return 0;
	slot_close(s);
	s->udp = udp;
	s->fd = socket(family, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return errno;
	if (epoll_ctl(e->ep, EPOLL_CTL_ADD, s->fd, &ev) != 0) {
		int error = errno;

		slot_close(s);
		return error;
	}
	return 0;
}

/* Starts probe idx on slot i: connect(), and for UDP the service's payload. */
static int
start_probe(struct engine *e, int i, uint64_t idx)
{
	const struct pl_probe_port *p = &e->ports[idx / e->t->nhosts];
	struct sockaddr_storage sa;
	socklen_t len = probe_addr(e, idx, &sa);
	int error = slot_socket(e, i, p->proto == PL_PROTO_UDP, sa.ss_family);
	int fd = e->slots[i].fd;

	if (error != 0)
		return error;
	if (connect(fd, (struct sockaddr *)&sa, len) != 0 && errno != EINPROGRESS)
		return errno;
	if (p->proto == PL_PROTO_UDP) {
		/* A connected UDP socket hears the ICMP errors about its own datagram. */
		const struct pl_udp_payload *pl = pl_udp_payload_for(p->port);

		if (send(fd, pl->data, pl->len, 0) < 0)
			return errno;
	}
	return 0;
}

static int
launch(struct engine *e, uint64_t idx, uint8_t tries, int64_t first, int64_t now,
    struct pl_err *err)
{
	uint32_t host = (uint32_t)(idx % e->t->nhosts);
	const struct pl_probe_port *p = &e->ports[idx / e->t->nhosts];
	const char *reason = "local-error";
	int i = e->freelist, error = start_probe(e, i, idx), st;
	struct slot *s = &e->slots[i];

	if (error != 0) {
		slot_close(s);
		if (is_pressure(error))
			return pressure(e, idx, tries, first, error, now, err);
		/* Decided at once: a local route says unreachable, a broadcast address... */
		if ((st = state_of_error(error, p->proto, &reason)) < 0 || st == PL_PORT_OPEN)
			st = PL_PORT_FILTERED, reason = "local-error";
		return record(e, idx, tries, (enum pl_port_state)st, reason, -1);
	}
	/* A fresh clock for the round trip: a batch of launches takes long enough on a
	 * busy host that the loop's clock would add its length to every sample. */
	now = now_ns();
	e->freelist = s->next;
	s->live = true;
	s->tries = tries;
	s->idx = idx;
	s->sent = now;
	s->first = first;
	/* RFC 6298 section 5.5: back off on each retry, so that a queue that delayed the
	 * first try past its timeout is not mistaken for silence twice more. A host that
	 * never answered has shown no queue to wait out: its retries keep the first
	 * timeout, so each port of a target that drops everything is decided after
	 * (retries + 1) timeouts. */
	s->deadline = now + (e->rtt[host].srtt < 0 ? timeout_of(e, host)
	    : timeout_of(e, host) << (tries - 1));
	s->prev = e->tail;
	s->next = -1;
	if (e->tail >= 0)
		e->slots[e->tail].next = i;
	else
		e->head = i;
	e->tail = i;
	e->inflight++;
	return 0;
}

static bool
fresh_left(const struct engine *e)
{
	return __atomic_load_n(e->next, __ATOMIC_RELAXED) < e->scan->planned;
}

/* Starts as many probes as tokens, window and a per-turn bound allow; retries first. */
static int
launch_some(struct engine *e, int64_t now, struct pl_err *err)
{
	uint64_t planned = e->scan->planned;
	int rc = 0;

	for (int n = 0; n < 256 && rc == 0 && (e->o.rate == 0 || e->tokens >= 1) &&
	    e->inflight < (int)e->window &&
	    now >= e->pressure_until && (e->rcount > 0 || fresh_left(e)); n++) {
		e->tokens -= 1;
		if (e->rcount > 0) {
			struct retry r = e->retry[e->rhead];

			e->rhead = (e->rhead + 1) % e->rcap;
			e->rcount--;
			rc = launch(e, r.idx, (uint8_t)(r.tries + 1), r.first, now, err);
		} else {
			uint64_t idx = __atomic_fetch_add(e->next, 1, __ATOMIC_RELAXED);

			if (idx >= planned)
				break;
			rc = launch(e, idx, 1, now, now, err);
		}
	}
	return rc;
}

static void
refill(struct engine *e, int64_t now)
{
	/* A burst of 5 ms worth keeps the cap honest over any 5 ms and still lets the
	 * loop start many probes per wake-up. Without a cap there is nothing to refill. */
	double burst = e->o.rate * 0.005 < 1 ? 1 : e->o.rate * 0.005;

	if (e->o.rate == 0)
		return;
	e->tokens += (double)(now - e->last_refill) * e->o.rate / 1e9;
	if (e->tokens > burst)
		e->tokens = burst;
	e->last_refill = now;
}

static int
expire(struct engine *e, int64_t now)
{
	int rc = 0;

	/* The list is in launch order; a later probe with a shorter timeout waits for the
	 * head, which delays its retry a little but never decides it wrongly. */
	while (rc == 0 && e->head >= 0 && e->slots[e->head].deadline <= now) {
		struct slot *s = &e->slots[e->head];
		uint64_t idx = s->idx;
		uint8_t tries = s->tries;
		int64_t first = s->first;

		/* connect() to AF_UNSPEC drops a pending TCP connection and leaves the socket
		 * ready for another (connect(2)); a socket that refuses is closed instead. */
		static const struct sockaddr unspec = { .sa_family = AF_UNSPEC };

		uint32_t host = (uint32_t)(idx % e->t->nhosts);

		if (s->udp || connect(s->fd, &unspec, sizeof(unspec)) != 0)
			slot_close(s);
		list_unlink(e, e->head);
		/* Silence from a host that answers other ports counts against the window (see
		 * congestion()); from a host that never answered it teaches nothing, and the
		 * window keeps growing so that a target which drops everything is finished in
		 * a few timeouts, within the ceiling and any rate cap. */
		if (e->rtt[host].srtt >= 0)
			congestion(e, false, false, 0, now);
		else
			grow(e);
		rc = silent(e, idx, tries, first);
	}
	return rc;
}

/*
 * Reads the outcome of one socket epoll woke us for. For TCP, a second connect() to
 * the same address answers in one call: 0 once the handshake completed, EALREADY
 * while it is still pending, or the error that ended it, after which the kernel has
 * put the socket back to unconnected, ready for the next probe.
 */
static int
answer(struct engine *e, int i, int64_t now)
{
	struct slot *s = &e->slots[i];
	struct sockaddr_storage sa;
	socklen_t len;
	int error = 0;

	if (!s->live || s->fd < 0)
		return 0;
	if (s->udp) {
		char b[1];

		if (recv(s->fd, b, sizeof(b), MSG_DONTWAIT | MSG_TRUNC) < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			error = errno;
		}
		return finish(e, i, error, now);
	}
	len = probe_addr(e, s->idx, &sa);
	if (connect(s->fd, (struct sockaddr *)&sa, len) != 0) {
		if (errno == EALREADY || errno == EINPROGRESS || errno == EINTR)
			return 0;
		error = errno == EISCONN ? 0 : errno;
	}
	return finish(e, i, error, now);
}

/* How long to sleep: until the oldest probe expires or the next token, at most 100 ms. */
static int64_t
wait_ns(const struct engine *e, int64_t now)
{
	int64_t w = 100000000;
	bool pending = e->rcount > 0 || fresh_left(e);

	if (e->head >= 0 && e->slots[e->head].deadline - now < w)
		w = e->slots[e->head].deadline - now;
	if (pending && e->inflight < (int)e->window) {
		int64_t t = e->o.rate == 0 || e->tokens >= 1 ? 0
		    : (int64_t)((1 - e->tokens) * 1e9 / e->o.rate) + 1;

		if (e->pressure_until - now > t)
			t = e->pressure_until - now;
		if (t < w)
			w = t;
	}
	return w < 0 ? 0 : w;
}

static int
loop(struct engine *e, struct pl_err *err)
{
	struct epoll_event ev[NEVENTS];
	struct pl_probe_scan *s = e->scan;
	int64_t start = now_ns(), last_progress = start, now = start;
	int rc = 0;

	e->last_refill = start;
	while (rc == 0 && (fresh_left(e) || e->rcount > 0 || e->inflight > 0)) {
		struct timespec ts;
		int64_t w;
		int n;

		if (e->o.stop && *e->o.stop) {
			e->interrupted = true;
			break;
		}
		if ((rc = expire(e, now)) != 0)
			break;
		refill(e, now);
		if ((rc = launch_some(e, now, err)) != 0)
			break;
		w = wait_ns(e, now);
		ts = (struct timespec){ w / 1000000000, w % 1000000000 };
		n = epoll_pwait2(e->ep, ev, NEVENTS, &ts, NULL);
		if (n < 0 && errno != EINTR)
			return pl_err_set(err, -PL_ESYS, "probe: epoll: %s", strerror(errno));
		now = now_ns();
		for (int k = 0; k < n && rc == 0; k++)
			rc = answer(e, (int)ev[k].data.u32, now);
		if (e->leader && e->o.progress && now - last_progress >= 100000000) {
			last_progress = now;
			s->elapsed = (double)(now - start) / 1e9;
			e->o.progress(e->o.progress_arg, s);
		}
	}
	return rc;
}

/* Fills in defaults and checks the caller's options. */
static int
setup_opts(struct pl_probe_opts *o, const struct pl_probe_opts *in, struct pl_err *err)
{
	struct rlimit rl;

	*o = *in;
	if (o->rate != 0 && !(o->rate >= 1 && o->rate <= PL_PROBE_RATE_MAX))
		return pl_err_set(err, -PL_EUSAGE, "probe: rate %g: give 1 to %.0f probes a second",
		    o->rate, PL_PROBE_RATE_MAX);
	if (o->concurrency == 0)
		o->concurrency = PL_PROBE_CONCURRENCY_MAX;
	if (o->retries < 0)
		o->retries = 2;
	if (o->concurrency < 1 || o->concurrency > PL_PROBE_CONCURRENCY_MAX || o->retries > 10)
		return pl_err_set(err, -PL_EUSAGE, "probe: concurrency must be 1-65536 and "
		    "retries 0-10");
	/* The window's ceiling: what the open-files limit allows (the program raises it to
	 * the hard limit first), less descriptors for the store, stdio and banner reading. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (rlim_t)o->concurrency + 64 > rl.rlim_cur)
		o->concurrency = rl.rlim_cur > 65 ? (int)(rl.rlim_cur - 64) : 1;
	if (o->max_timeout_ms == 0)
		o->max_timeout_ms = MAX_TIMEOUT_MS;
	if (o->min_timeout_ms == 0)
		o->min_timeout_ms = o->max_timeout_ms < MIN_TIMEOUT_MS ? o->max_timeout_ms
		    : MIN_TIMEOUT_MS;
	if (o->initial_timeout_ms == 0)
		o->initial_timeout_ms = o->max_timeout_ms;
	if (o->min_timeout_ms < 1 || o->min_timeout_ms > o->max_timeout_ms ||
	    o->max_timeout_ms > 60000)
		return pl_err_set(err, -PL_EUSAGE, "probe: timeouts must satisfy 1 <= min <= max "
		    "<= 60000 ms");
	if (o->keep_max == 0)
		o->keep_max = KEEP_MAX;
	return 0;
}

static int
engine_init(struct engine *e, struct pl_err *err)
{
	uint32_t nh = e->t->nhosts;

	e->rtt = calloc(nh, sizeof(*e->rtt));
	e->slots = calloc((size_t)e->o.concurrency, sizeof(*e->slots));
	e->rcap = (size_t)e->o.concurrency + 1;
	e->retry = calloc(e->rcap, sizeof(*e->retry));
	if (!e->rtt || !e->slots || !e->retry)
		return pl_err_set(err, -PL_ENOMEM, "probe: out of memory for %u hosts", nh);
	for (uint32_t h = 0; h < nh; h++)
		e->rtt[h].srtt = -1;
	for (int i = 0; i < e->o.concurrency; i++)
		e->slots[i] = (struct slot){ .fd = -1, .prev = -1,
			.next = i + 1 < e->o.concurrency ? i + 1 : -1 };
	e->head = e->tail = -1;
	e->freelist = 0;
	e->window = WINDOW_START < e->o.concurrency ? WINDOW_START : e->o.concurrency;
	e->peak = e->window;
	e->ssthresh = e->o.concurrency;
	e->min_rtt = INT64_MAX;
	e->tokens = 1;
	if ((e->ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		return pl_err_set(err, -PL_ESYS, "probe: epoll_create1: %s", strerror(errno));
	return 0;
}

static void
engine_free(struct engine *e)
{
	for (int i = 0; e->slots && i < e->o.concurrency; i++)
		slot_close(&e->slots[i]);
	if (e->ep >= 0)
		close(e->ep);
	free(e->slots);
	free(e->retry);
	free(e->rtt);
	free(e->res);
}

static void *
engine_thread(void *arg)
{
	struct engine *e = arg;

	if ((e->rc = engine_init(e, &e->err)) == 0)
		e->rc = loop(e, &e->err);
	return NULL;
}

/*
 * How many engines: one per CPU, at most MAX_THREADS, and one for small scans. A
 * connect scan spends its time in the kernel (socket, connect, close), and one thread
 * keeps one CPU busy; the rate and concurrency caps are split between the engines, so
 * the totals stay what the caller asked.
 */
static int
thread_count(uint64_t planned, const struct pl_probe_opts *o)
{
	long cpus = pl_cpus();
	long n = cpus > MAX_THREADS ? MAX_THREADS : cpus;

	if (planned < 4096 || o->concurrency < 64 * n || (o->rate != 0 && o->rate < 1000.0 * (double)n))
		return 1;
	return (int)n;
}

/* Gathers the engines' results into the scan, in host and port order. */
static int
merge(struct pl_probe_scan *s, struct engine *es, int n, struct pl_err *err)
{
	size_t total = 0;

	for (int i = 0; i < n; i++) {
		total += es[i].nres;
		s->truncated |= es[i].truncated;
		s->peak_window += (uint32_t)es[i].peak;
		s->interrupted |= es[i].interrupted;
	}
	if (total > 0 && (s->results = malloc(total * sizeof(*s->results))) == NULL)
		return pl_err_set(err, -PL_ENOMEM, "probe: out of memory for %zu results", total);
	for (int i = 0; i < n; i++) {
		if (es[i].nres > 0)
			memcpy(s->results + s->nresults, es[i].res, es[i].nres * sizeof(*s->results));
		s->nresults += es[i].nres;
	}
	s->cap = s->nresults;
	if (s->results)
		qsort(s->results, s->nresults, sizeof(*s->results), cmp_result);
	return 0;
}

/* Starts the engines (the first one on this thread) and waits for them. */
static int
run_engines(struct engine *es, int n, struct pl_err *err)
{
	bool started[MAX_THREADS] = { false };
	int rc = 0;

	for (int i = 1; i < n; i++)
		started[i] = pthread_create(&es[i].tid, NULL, engine_thread, &es[i]) == 0;
	engine_thread(&es[0]);
	/* An engine whose thread could not start runs here afterwards: slower, complete. */
	for (int i = 1; i < n; i++) {
		if (started[i])
			pthread_join(es[i].tid, NULL);
		else
			engine_thread(&es[i]);
	}
	for (int i = 0; i < n && rc == 0; i++)
		if ((rc = es[i].rc) != 0 && err)
			*err = es[i].err;
	return rc;
}

int
pl_probe_run(const struct pl_probe_target *t, const struct pl_probe_port *ports,
    size_t nports, const struct pl_probe_opts *o, struct pl_probe_scan *scan,
    struct pl_err *err)
{
	struct pl_probe_opts opts;
	struct engine es[MAX_THREADS];
	uint64_t next = 0;
	int64_t start;
	int n, rc;

	memset(scan, 0, sizeof(*scan));
	scan->target = *t;
	if (t->nhosts == 0 || t->nhosts > PL_PROBE_MAX_HOSTS || nports == 0)
		return pl_err_set(err, -PL_EUSAGE, "probe: nothing to probe");
	if ((rc = setup_opts(&opts, o, err)) != 0)
		return rc;
	scan->planned = (uint64_t)t->nhosts * nports;
	scan->rate = opts.rate;
	scan->concurrency = opts.concurrency;
	if ((scan->hosts = calloc(t->nhosts, sizeof(*scan->hosts))) == NULL)
		return pl_err_set(err, -PL_ENOMEM, "probe: out of memory for %u hosts", t->nhosts);
	for (uint32_t h = 0; h < t->nhosts; h++)
		scan->hosts[h].srtt_us = -1;
	n = thread_count(scan->planned, &opts);
	for (int i = 0; i < n; i++) {
		es[i] = (struct engine){ .t = &scan->target, .ports = ports, .nports = nports,
			.o = opts, .scan = scan, .ep = -1, .next = &next,
			.leader = i == 0, .keep_max = opts.keep_max / (size_t)n };
		es[i].o.rate = opts.rate / n;
		es[i].o.concurrency = opts.concurrency / n;
	}
	start = now_ns();
	rc = run_engines(es, n, err);
	scan->elapsed = (double)(now_ns() - start) / 1e9;
	if (merge(scan, es, n, err) != 0 && rc == 0)
		rc = -PL_ENOMEM;
	for (int i = 0; i < n; i++)
		engine_free(&es[i]);
	return rc;
}

static void
ident_free(struct pl_ident *id)
{
	free(id->service);
	free(id->lore_id);
	free(id->lore_name);
	if (id->identified != NULL)
		for (size_t i = 0; i < id->identified->ncand; i++) {
			free((void *)id->identified->cand[i].id);
			free((void *)id->identified->cand[i].name);
		}
	free(id->identified);
	memset(id, 0, sizeof(*id));
}

void
pl_probe_scan_free(struct pl_probe_scan *scan)
{
	for (size_t i = 0; i < scan->nresults; i++) {
		struct pl_probe_result *r = &scan->results[i];

		if (r->banner) {
			free(r->banner->probe);
			free(r->banner->data);
			free(r->banner);
		}
		ident_free(&r->ident);
		free(r->registry);
	}
	free(scan->results);
	free(scan->hosts);
	memset(scan, 0, sizeof(*scan));
}
