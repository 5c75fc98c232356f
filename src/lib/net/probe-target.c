/* probe-target.c: what a probe is allowed to reach (targets) and which ports it tries. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "portlore/probe.h"
#include "registry/store-internal.h"

static const char *const state_names[] = { "open", "closed", "filtered", "open|filtered" };

const char *
pl_port_state_name(enum pl_port_state s)
{
	return (unsigned)s < PL_PORT_NSTATES ? state_names[s] : "";
}

/* Parses a decimal number in [0, max] that fills the whole string. */
static int
parse_uint(const char *s, unsigned max, unsigned *out)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9' || strlen(s) > 3)
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || errno != 0 || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* Resolves a hostname to its first address; the scan names it, so one address. */
static int
resolve(struct pl_probe_target *t, const char *host, struct pl_err *err)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai = NULL;
	int rc = getaddrinfo(host, NULL, &hints, &ai);

	if (rc != 0 || ai == NULL)
		return pl_err_set(err, -PL_ENOTFOUND, "target '%s': %s", t->text,
		    rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
	t->family = ai->ai_family;
	if (ai->ai_family == AF_INET)
		memcpy(t->base, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, 4);
	else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ai->ai_addr;

		memcpy(t->base, &s6->sin6_addr, 16);
		t->scope = s6->sin6_scope_id;
	}
	freeaddrinfo(ai);
	return 0;
}

/* Parses an IPv6 address with an optional "%scope" (interface name or number). */
static int
parse_v6(struct pl_probe_target *t, char *host)
{
	char *pct = strchr(host, '%');
	unsigned idx;

	if (pct != NULL) {
		*pct++ = '\0';
		if (parse_uint(pct, 999, &idx) == 0)
			t->scope = idx;
		else if ((t->scope = if_nametoindex(pct)) == 0)
			return -1;
	}
	t->family = AF_INET6;
	return inet_pton(AF_INET6, host, t->base) == 1 ? 0 : -1;
}

/* Zeroes the host bits of the base address and counts the block. */
static int
apply_prefix(struct pl_probe_target *t, bool consent, struct pl_err *err)
{
	unsigned bits = t->family == AF_INET ? 32 : 128, hostbits = bits - t->prefix;
	unsigned nbytes = bits / 8;

	if (t->prefix > bits)
		return pl_err_set(err, -PL_EUSAGE, "target '%s': prefix /%u is longer than %u bits",
		    t->text, t->prefix, bits);
	if (hostbits > 20)
		return pl_err_set(err, -PL_EUSAGE, "target '%s': a block of 2^%u addresses is too "
		    "large; at most %u addresses (an IPv4 /12) per scan", t->text, hostbits,
		    PL_PROBE_MAX_HOSTS);
	t->nhosts = 1u << hostbits;
	if (t->nhosts >= PL_PROBE_CONSENT_HOSTS && !consent)
		return pl_err_set(err, -PL_EUSAGE, "target '%s' is a block of %u addresses; "
		    "add --yes to probe them all", t->text, t->nhosts);
	for (unsigned b = 0; b < hostbits; b++)
		t->base[nbytes - 1 - b / 8] &= (uint8_t)~(1u << (b % 8));
	return 0;
}

int
pl_probe_target_parse(struct pl_probe_target *t, const char *text, bool consent,
    struct pl_err *err)
{
	char host[256], *slash;
	size_t len = strlen(text);
	bool cidr;

	memset(t, 0, sizeof(*t));
	if (len == 0 || len >= sizeof(t->text))
		return pl_err_set(err, -PL_EUSAGE, "target '%.60s': give a hostname, an address or "
		    "a CIDR block", text);
	memcpy(t->text, text, len + 1);
	memcpy(host, text, len + 1);
	if ((cidr = (slash = strrchr(host, '/')) != NULL)) {
		*slash = '\0';
		if (parse_uint(slash + 1, 128, &t->prefix) != 0)
			return pl_err_set(err, -PL_EUSAGE, "target '%s': the prefix after '/' must be "
			    "a number from 0 to 128", text);
	}
	/* "[fe80::1]" as in URLs. */
	if (host[0] == '[' && (len = strlen(host)) > 2 && host[len - 1] == ']') {
		memmove(host, host + 1, len - 2);
		host[len - 2] = '\0';
	}
	if (inet_pton(AF_INET, host, t->base) == 1)
		t->family = AF_INET;
	else if (strchr(host, ':') != NULL) {
		if (parse_v6(t, host) != 0)
			return pl_err_set(err, -PL_EUSAGE, "target '%s': not an IPv6 address", text);
	} else if (cidr)
		return pl_err_set(err, -PL_EUSAGE, "target '%s': a CIDR block needs an address "
		    "before the '/'", text);
	else if (host[0] == '\0' || host[0] == '-')
		return pl_err_set(err, -PL_EUSAGE, "target '%s': give a hostname, an address or "
		    "a CIDR block", text);
	else {
		int rc = resolve(t, host, err);

		if (rc != 0)
			return rc;
	}
	if (!cidr)
		t->prefix = t->family == AF_INET ? 32 : 128;
	return apply_prefix(t, consent, err);
}

socklen_t
pl_probe_target_addr(const struct pl_probe_target *t, uint32_t i, struct sockaddr_storage *sa)
{
	uint8_t a[16];
	unsigned n = t->family == AF_INET ? 4 : 16;

	memcpy(a, t->base, sizeof(a));
	/* Host bits are at most 20 and start zeroed, so OR-ing the index adds it. */
	a[n - 1] |= (uint8_t)i;
	a[n - 2] |= (uint8_t)(i >> 8);
	a[n - 3] |= (uint8_t)(i >> 16);
	memset(sa, 0, sizeof(*sa));
	if (t->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)sa;

		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, a, 4);
		return sizeof(*s4);
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;

	s6->sin6_family = AF_INET6;
	s6->sin6_scope_id = t->scope;
	memcpy(&s6->sin6_addr, a, 16);
	return sizeof(*s6);
}

void
pl_probe_target_str(const struct pl_probe_target *t, uint32_t i, char *out, size_t len)
{
	struct sockaddr_storage sa;
	const void *a;

	pl_probe_target_addr(t, i, &sa);
	a = t->family == AF_INET ? (const void *)&((struct sockaddr_in *)&sa)->sin_addr
	    : (const void *)&((struct sockaddr_in6 *)&sa)->sin6_addr;
	if (inet_ntop(t->family, a, out, (socklen_t)len) == NULL && len > 0)
		out[0] = '\0';
}

/* A set of (port, proto) pairs in order, without duplicates: a bitmap per protocol. */
struct portset {
	struct pl_probe_port *v;
	size_t n;
	uint8_t seen[2][65536 / 8];
};

static int
portset_add(struct portset *ps, uint16_t port, enum pl_proto proto)
{
	int p = proto == PL_PROTO_UDP;

	/* Port 0 can't be connected to or sent to: nothing to learn there. */
	if (port == 0 || (ps->seen[p][port / 8] & (1u << (port % 8))))
		return 0;
	ps->seen[p][port / 8] |= (uint8_t)(1u << (port % 8));
	/* At most 2 x 65536 pairs, so the array is sized once for the worst case lazily. */
	if (ps->v == NULL && (ps->v = malloc(2 * 65536 * sizeof(*ps->v))) == NULL)
		return -PL_ENOMEM;
	ps->v[ps->n].port = port;
	ps->v[ps->n++].proto = proto;
	return 0;
}

/* Hands the set's array to the caller, shrunk to size. */
static long
portset_take(struct portset *ps, struct pl_probe_port **out)
{
	struct pl_probe_port *v = realloc(ps->v, (ps->n ? ps->n : 1) * sizeof(*v));

	*out = v ? v : ps->v;
	return (long)ps->n;
}

static int
add_item(struct pl_store *st, struct portset *ps, const struct pl_portspec_item *it,
    enum pl_proto proto, struct pl_err *err)
{
	struct pl_port_ref *refs = NULL;
	int n, rc = 0;

	if (it->name[0] == '\0') {
		for (unsigned p = it->lo; p <= it->hi && rc == 0; p++)
			rc = portset_add(ps, (uint16_t)p, proto);
		return rc;
	}
	if (st == NULL)
		return pl_err_set(err, -PL_EUSAGE, "port '%s': service names need the store",
		    it->name);
	if ((n = pl_store_resolve_name(st, it->name, proto, &refs, err)) < 0)
		return n;
	for (int i = 0; i < n && rc == 0; i++)
		for (unsigned p = refs[i].lo; p <= refs[i].hi && rc == 0; p++)
			rc = portset_add(ps, (uint16_t)p, proto);
	free(refs);
	return rc;
}

long
pl_probe_ports_from_spec(struct pl_store *st, const struct pl_portspec *spec,
    enum pl_proto dflt, struct pl_probe_port **out, struct pl_err *err)
{
	struct portset *ps = calloc(1, sizeof(*ps));
	long n;
	int rc = 0;

	*out = NULL;
	if (ps == NULL)
		return -PL_ENOMEM;
	for (size_t i = 0; i < spec->n && rc == 0; i++) {
		const struct pl_portspec_item *it = &spec->items[i];
		enum pl_proto p = it->proto == PL_PROTO_ANY ? dflt : it->proto;

		if (p != PL_PROTO_TCP && p != PL_PROTO_UDP)
			rc = pl_err_set(err, -PL_EUSAGE, "port spec: only tcp and udp can be probed, "
			    "not %s", pl_proto_name(p));
		else
			rc = add_item(st, ps, it, p, err);
	}
	if (rc == 0 && ps->n == 0)
		rc = pl_err_set(err, -PL_EUSAGE, "port spec: no ports to probe");
	if (rc != 0) {
		free(ps->v);
		free(ps);
		return rc;
	}
	n = portset_take(ps, out);
	free(ps);
	return n;
}

/* Runs a one-column integer query into the set. */
static int
query_ports(struct pl_store *st, const char *sql, enum pl_proto proto, long arg,
    struct portset *ps, struct pl_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return pl_err_set(err, -PL_ESTORE, "store %s: %s", st->path, sqlite3_errmsg(st->db));
	sqlite3_bind_text(s, 1, pl_proto_name(proto), -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, arg);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int port = sqlite3_column_int(s, 0);

		if (port >= 1 && port <= 65535 && portset_add(ps, (uint16_t)port, proto) != 0) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return pl_err_set(err, rc == SQLITE_NOMEM ? -PL_ENOMEM : -PL_ESTORE,
		    "store %s: reading default ports failed", st->path);
	return 0;
}

long
pl_probe_ports_default(struct pl_store *st, enum pl_proto proto, int top,
    struct pl_probe_port **out, const char **from, struct pl_err *err)
{
	struct portset *ps = calloc(1, sizeof(*ps));
	int rc;

	*out = NULL;
	if (ps == NULL)
		return -PL_ENOMEM;
	*from = "nmap";
	rc = query_ports(st, "SELECT port FROM nmap WHERE proto = ?1 AND rank BETWEEN 1 AND ?2"
	    " ORDER BY rank", proto, top, ps, err);
	if (rc == 0 && ps->n == 0) {
		/* RFC 6335 section 6: System Ports are 0-1023; port 0 can't be connected to. */
		*from = "registry";
		rc = query_ports(st, "SELECT DISTINCT lo FROM record WHERE snapshot = ?2 AND lo = hi"
		    " AND lo BETWEEN 1 AND 1023 AND (proto = ?1 OR proto = '') AND service <> ''"
		    " ORDER BY lo", proto, st->current_id, ps, err);
	}
	if (rc == 0 && ps->n == 0)
		rc = pl_err_set(err, -PL_ESTORE, "store %s holds neither nmap's open frequencies nor "
		    "a registry snapshot: name the ports to probe", st->path);
	if (rc != 0) {
		free(ps->v);
		free(ps);
		return rc;
	}
	long n = portset_take(ps, out);

	free(ps);
	return n;
}
