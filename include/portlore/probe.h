/*
 * Probing over the network: which ports of a host answer, and what answers there.
 *
 * TCP ports are probed with ordinary connect() calls on non-blocking sockets driven
 * by epoll (no raw sockets, so no privileges and no hand-made packets); UDP ports with
 * connected datagram sockets and, where one is known, a payload the service answers.
 * Only the targets the caller names are ever contacted, at a bounded rate.
 *
 * Ownership: pl_probe_target_parse() fills a caller-owned struct pl_probe_target (no
 * heap memory). pl_probe_run() fills a caller-owned struct pl_probe_scan whose arrays
 * and strings belong to it; pl_probe_scan_free() releases them (safe on a zeroed or
 * already freed scan). pl_probe_ports_*() return arrays the caller frees with free().
 */
#ifndef PORTLORE_PROBE_H
#define PORTLORE_PROBE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "portlore/buf.h"
#include "portlore/error.h"
#include "portlore/identify.h"
#include "portlore/portspec.h"
#include "portlore/report.h"
#include "portlore/store.h"

/* A block of this many addresses or more needs the caller's explicit consent (--yes). */
#define PL_PROBE_CONSENT_HOSTS 65536u
/* The most addresses one scan accepts (an IPv4 /12): per-host state stays in memory. */
#define PL_PROBE_MAX_HOSTS (1u << 20)

/* What was named: one address, or a CIDR block of consecutive addresses. */
struct pl_probe_target {
	char text[256];                 /* as the user wrote it */
	int family;                     /* AF_INET or AF_INET6 */
	uint8_t base[16];               /* first address, network byte order */
	uint32_t scope;                 /* IPv6 scope id (fe80::1%eth0), else 0 */
	unsigned prefix;                /* CIDR prefix; 32 or 128 for one address */
	uint32_t nhosts;                /* addresses in the block */
};

/*
 * Parses a hostname (resolved to its first address), an IPv4 or IPv6 address, or a
 * CIDR block. A block of PL_PROBE_CONSENT_HOSTS addresses or more is refused unless
 * consent is true; one of more than PL_PROBE_MAX_HOSTS always. Returns 0, -PL_EUSAGE
 * (malformed, too large, no consent) or -PL_ENOTFOUND (name does not resolve), with
 * err naming the target.
 */
int pl_probe_target_parse(struct pl_probe_target *t, const char *text, bool consent,
    struct pl_err *err);

/* Writes address number i of the block into sa; returns its length. */
socklen_t pl_probe_target_addr(const struct pl_probe_target *t, uint32_t i,
    struct sockaddr_storage *sa);

/* Formats address number i of the block ("10.0.0.7", "fd00::7"). */
void pl_probe_target_str(const struct pl_probe_target *t, uint32_t i, char *out, size_t len);

enum pl_port_state {
	PL_PORT_OPEN,            /* TCP: handshake completed; UDP: the service replied */
	PL_PORT_CLOSED,          /* TCP: reset; UDP: ICMP port unreachable */
	PL_PORT_FILTERED,        /* silence after every try, or ICMP "unreachable" */
	PL_PORT_OPEN_FILTERED,   /* UDP only: silence; an open port may simply not answer */
	PL_PORT_NSTATES
};
/* Returns "open", "closed", "filtered", "open|filtered". */
const char *pl_port_state_name(enum pl_port_state s);

/* One port to probe. */
struct pl_probe_port {
	uint16_t port;
	enum pl_proto proto;     /* PL_PROTO_TCP or PL_PROTO_UDP */
};

/*
 * The default port set for proto: nmap's most frequently open ports (top, by rank)
 * when the store has nmap's table, else the registry's assigned System ports (1-1023).
 * *from receives "nmap" or "registry". Returns the count (> 0, *out owned by the
 * caller) or a negative code with err set.
 */
long pl_probe_ports_default(struct pl_store *st, enum pl_proto proto, int top,
    struct pl_probe_port **out, const char **from, struct pl_err *err);

/*
 * Expands a port spec into ports, in order, without duplicates. Items without a
 * protocol take dflt; names resolve through the store (st may be NULL for numbers
 * only); protocols other than tcp and udp are refused. Returns the count or a
 * negative code with err naming the spec.
 */
long pl_probe_ports_from_spec(struct pl_store *st, const struct pl_portspec *spec,
    enum pl_proto dflt, struct pl_probe_port **out, struct pl_err *err);

/* A banner read from an open port. */
struct pl_banner {
	char *probe;             /* NULL: the service spoke first; else the probe's name */
	char *data;              /* the bytes read (NUL-terminated copy, may hold NULs) */
	size_t len;
};

/* What is on a port: from a banner that names a product, or from the number. */
struct pl_ident {
	enum pl_prov prov;       /* PL_PROV_PROBED or PL_PROV_INFERRED */
	char *service;           /* registry service name, "" when none */
	char *lore_id, *lore_name;  /* the lore entry named, NULL when none */
	/* the identification with its confidence, reasons and candidates (its strings
	 * owned by the result) */
	struct pl_identified *identified;
};

struct pl_probe_result {
	uint32_t host;           /* index in the target block */
	uint16_t port;
	enum pl_proto proto;
	enum pl_port_state state;
	uint8_t tries;           /* probes sent */
	int32_t rtt_us;          /* round trip of the answer, -1 when silent */
	const char *reason;      /* static: "syn-ack", "reset", "no-response", ... */
	struct pl_banner *banner;   /* NULL unless banners were asked for and read */
	struct pl_ident ident;   /* filled by pl_probe_annotate() */
	char *registry;          /* registry description, NULL when none */
};

struct pl_probe_host {
	uint32_t counts[PL_PORT_NSTATES];
	int32_t srtt_us;         /* smoothed round trip, -1 before the first answer */
};

struct pl_probe_scan {
	struct pl_probe_target target;
	struct pl_probe_host *hosts;       /* target.nhosts */
	struct pl_probe_result *results;   /* kept results, by host then port */
	size_t nresults, cap;
	uint64_t planned, done;            /* probes (host x port) */
	bool interrupted;                  /* stopped early by *stop */
	bool truncated;                    /* more results than the keep limit */
	double elapsed;                    /* seconds */
	double rate;                       /* the rate cap that applied, 0 when none */
	int concurrency;                   /* the window's ceiling (probes in flight) */
	uint32_t peak_window;              /* the largest window the scan reached */
	char snapshot[32];                 /* filled by pl_probe_annotate() */
};

/* Called from the scan loop about ten times a second, never more often. */
typedef void pl_probe_progress_fn(void *arg, const struct pl_probe_scan *s);

struct pl_probe_opts {
	double rate;             /* new probes per second at most; 0: no cap (adaptive) */
	int concurrency;         /* sockets in flight at most; 0: the open-files limit */
	int retries;             /* extra probes for a silent port; -1: the default (2) */
	int min_timeout_ms;      /* bounds of the adaptive timeout; 0: defaults */
	int max_timeout_ms;
	int initial_timeout_ms;
	bool keep_all;           /* keep closed and filtered results too */
	size_t keep_max;         /* most results kept; 0: 1 << 22 */
	volatile sig_atomic_t *stop;   /* when it becomes non-zero the scan stops early */
	pl_probe_progress_fn *progress;
	void *progress_arg;
};

/* The highest rate cap one may give, and the most probes ever in flight (the window's
 * ceiling also stops at the open-files limit less 64). */
#define PL_PROBE_RATE_MAX 1000000.0
#define PL_PROBE_CONCURRENCY_MAX 65536

/*
 * Probes every port of every address of t. Returns 0 (also when interrupted: check
 * scan->interrupted), or -PL_EUSAGE (bad options), -PL_ENOMEM, -PL_ESYS with err set.
 * On failure the scan holds what was found before it.
 */
int pl_probe_run(const struct pl_probe_target *t, const struct pl_probe_port *ports,
    size_t nports, const struct pl_probe_opts *o, struct pl_probe_scan *scan,
    struct pl_err *err);
void pl_probe_scan_free(struct pl_probe_scan *scan);

/* UDP payloads (probe-udp.c): the datagram sent to port, or an empty one. */
struct pl_udp_payload {
	const char *name;        /* "dns", "ntp", ... */
	const uint8_t *data;
	size_t len;
};
/* Returns the payload for port; never NULL (the empty payload for unknown ports). */
const struct pl_udp_payload *pl_udp_payload_for(uint16_t port);
/* The table, for tests and docs: returns its length and sets *out (static). */
size_t pl_udp_payloads(const struct pl_udp_payload **out, const uint16_t **ports);

/* Banner reading (banner.c). */
struct pl_banner_opts {
	int wait_ms;             /* how long to wait for a greeting, then for a reply */
	size_t max_bytes;        /* read at most this much per port */
	int parallel;            /* connections at once */
	volatile sig_atomic_t *stop;
};

/*
 * Reads a banner from every open TCP result of scan: what the service says first, or
 * its answer to a minimal probe chosen by port (HTTP HEAD otherwise). Bounded by
 * wait_ms twice per port and max_bytes. Ports that say nothing keep banner NULL.
 * Returns 0 or -PL_ENOMEM / -PL_EINTR.
 */
int pl_banner_read_all(struct pl_probe_scan *scan, const struct pl_banner_opts *o,
    struct pl_err *err);

/* The probe sent to a silent TCP port (name and bytes); for tests. */
const char *pl_banner_probe_for(uint16_t port, const char **name, size_t *len);

/*
 * Annotates every kept open or open|filtered result with the registry and lore: the
 * registry service name and what the identifier (identify.h) makes of the port and
 * banner. A banner that names a product gives provenance probed; a greeting any server
 * of the protocol sends never does. Returns 0, -PL_ESTORE or -PL_ENOMEM.
 */
int pl_probe_annotate(struct pl_store *st, struct pl_probe_scan *scan, struct pl_err *err);

/* Renderers (src/render/probe.c). The text one writes a table per host. */
struct pl_text_opts;
int pl_render_probe_text(struct pl_buf *out, const struct pl_probe_scan *s,
    const struct pl_text_opts *o);
/* The scan document {schema, version, query, snapshot, target, scan, hosts}, through
 * the JSON writer (json.h); reals with six digits. */
struct pl_json;
void pl_probe_json(struct pl_json *j, const struct pl_probe_scan *s, const char *const *query,
    int nquery);

#endif
