/*
 * annotate.c: detect the format of a scanner's or socket lister's output and pull the
 * ports out of it, each with the line it came from. The line-oriented formats are
 * here; nmap's XML is in annotate-nmapxml.c.
 *
 * Every format is parsed from its documented or observed layout: columns split on
 * blanks, the local address's port after its last ':' ("[::]:22", "*:22",
 * "127.0.0.53%lo:53"). Lines that belong to the format but carry no port (headers,
 * comments, unix sockets) are skipped; anything else is an error naming the line.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "decide/annotate-internal.h"
#include "core/utf8.h"

static const char *const format_names[PL_ANN_FORMAT_COUNT] = {
	[PL_ANN_UNKNOWN] = "unknown", [PL_ANN_NMAP_XML] = "nmap-xml",
	[PL_ANN_NMAP_GREP] = "nmap-grep", [PL_ANN_MASSCAN_JSON] = "masscan-json",
	[PL_ANN_MASSCAN_LIST] = "masscan-list", [PL_ANN_SS] = "ss", [PL_ANN_LSOF] = "lsof",
	[PL_ANN_NETSTAT] = "netstat", [PL_ANN_NETSTAT_WIN] = "netstat-windows",
	[PL_ANN_SOCKSTAT] = "sockstat", [PL_ANN_PLAIN] = "plain",
};

const char *
pl_ann_format_name(enum pl_ann_format f)
{
	return (unsigned)f < PL_ANN_FORMAT_COUNT ? format_names[f] : "unknown";
}

enum pl_ann_format
pl_ann_format_parse(const char *name)
{
	for (int f = PL_ANN_UNKNOWN + 1; f < PL_ANN_FORMAT_COUNT; f++)
		if (strcmp(name, format_names[f]) == 0)
			return (enum pl_ann_format)f;
	return PL_ANN_UNKNOWN;
}

bool
pl_ann_format_is_scan(enum pl_ann_format f)
{
	return f == PL_ANN_NMAP_XML || f == PL_ANN_NMAP_GREP || f == PL_ANN_MASSCAN_JSON ||
	    f == PL_ANN_MASSCAN_LIST;
}

/* ---- shared helpers ---- */

int
pl__ann_fail(struct pl__ann_ctx *c, int code, long line, const char *fmt, ...)
{
	char msg[PL_ERRMSG];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		return pl_err_set(c->err, code, "%s:%ld: %s", c->name, line, msg);
	return pl_err_set(c->err, code, "%s: %s", c->name, msg);
}

struct pl_ann_item *
pl__ann_add(struct pl__ann_ctx *c, long line)
{
	struct pl_ann_doc *d = c->doc;
	struct pl_ann_item *it;

	if (d->nitems == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 32;
		struct pl_ann_item *p = realloc(d->items, nc * sizeof(*p));

		if (p == NULL) {
			pl_err_set(c->err, -PL_ENOMEM, "out of memory");
			return NULL;
		}
		d->items = p;
		c->cap = nc;
	}
	it = &d->items[d->nitems++];
	memset(it, 0, sizeof(*it));
	it->line = line;
	it->pid = -1;
	return it;
}

void
pl__ann_copy(char *dst, size_t cap, const char *s, size_t n)
{
	size_t m = n < cap - 1 ? n : cap - 1;

	/* Cut before a character, not inside one: back off over continuation bytes. */
	if (m < n)
		while (m > 0 && ((unsigned char)s[m] & 0xC0) == 0x80)
			m--;
	for (size_t i = 0; i < m; i++)
		dst[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	dst[m] = '\0';
	if (!pl__utf8_valid(dst, m))
		for (size_t i = 0; i < m; i++)
			if ((unsigned char)dst[i] >= 0x80)
				dst[i] = '?';
}

/* One input line, without its line ending. */
struct line {
	const char *s;
	size_t n;
	long no;
};

static bool
next_line(const char **p, const char *end, struct line *l)
{
	const char *nl;

	if (*p >= end)
		return false;
	nl = memchr(*p, '\n', (size_t)(end - *p));
	l->s = *p;
	l->n = (size_t)((nl ? nl : end) - *p);
	l->no++;
	*p = nl ? nl + 1 : end;
	if (l->n > 0 && l->s[l->n - 1] == '\r')
		l->n--;
	return true;
}

#define MAXTOK 24

struct tok {
	const char *s;
	size_t n;
};

/* Splits a line on blanks into at most MAXTOK tokens; returns the count. */
static size_t
tokenize(const struct line *l, struct tok *t)
{
	size_t n = 0, i = 0;

	while (i < l->n && n < MAXTOK) {
		while (i < l->n && (l->s[i] == ' ' || l->s[i] == '\t'))
			i++;
		if (i == l->n)
			break;
		t[n].s = l->s + i;
		while (i < l->n && l->s[i] != ' ' && l->s[i] != '\t')
			i++;
		t[n].n = (size_t)(l->s + i - t[n].s);
		n++;
	}
	return n;
}

static bool
tok_is(const struct tok *t, const char *s)
{
	return t->n == strlen(s) && memcmp(t->s, s, t->n) == 0;
}

static bool
starts(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);

	return n >= k && memcmp(s, prefix, k) == 0;
}

static bool
contains(const char *s, size_t n, const char *needle)
{
	return memmem(s, n, needle, strlen(needle)) != NULL;
}

/* Parses a decimal port; returns 0, or -1 when s[0..n) is not one. */
static int
parse_port(const char *s, size_t n, uint16_t *port)
{
	long v = 0;

	if (n == 0 || n > 5)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

static long
parse_pid(const char *s, size_t n)
{
	long v = 0;

	if (n == 0 || n > 9)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* Whether s[0..n) can be a service name printed in place of a port ("ssh"). */
static bool
is_service_name(const char *s, size_t n)
{
	if (n == 0 || n > PL_NAME_MAX || !isalpha((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("-_.+*/", s[i]) == NULL)
			return false;
	return true;
}

/*
 * Splits "addr:port" ("[::1]:631", "*:22", "0.0.0.0:ssh") into the item. Returns 1
 * when the item has a port, 0 when the port is '*' (nothing bound yet), -1 when
 * malformed.
 */
static int
host_port(const char *s, size_t n, struct pl_ann_item *it)
{
	const char *colon = NULL, *a = s, *port;
	size_t an, pn;

	for (size_t i = n; i > 0; i--)
		if (s[i - 1] == ':') {
			colon = s + i - 1;
			break;
		}
	if (colon == NULL || colon == s + n - 1)
		return -1;
	an = (size_t)(colon - s);
	if (an >= 2 && a[0] == '[' && a[an - 1] == ']')
		a++, an -= 2;
	pl__ann_copy(it->addr, sizeof(it->addr), a, an);
	port = colon + 1;
	pn = (size_t)(s + n - port);
	if (pn == 1 && port[0] == '*')
		return 0;
	if (parse_port(port, pn, &it->port) == 0)
		return 1;
	if (!is_service_name(port, pn))
		return -1;
	pl__ann_copy(it->name, sizeof(it->name), port, pn);
	return 1;
}

/* Adds an item for "addr:port" at line l with proto; skips '*' ports. */
static int
add_hostport(struct pl__ann_ctx *c, const struct line *l, const struct tok *hp,
    enum pl_proto proto, struct pl_ann_item **out)
{
	struct pl_ann_item tmp = { 0 }, *it;
	int rc = host_port(hp->s, hp->n, &tmp);

	*out = NULL;
	if (rc < 0)
		return pl__ann_fail(c, -PL_EDATA, l->no, "'%.*s' is not an address:port",
		    (int)(hp->n > 80 ? 80 : hp->n), hp->s);
	if (rc == 0)
		return 0;
	if ((it = pl__ann_add(c, l->no)) == NULL)
		return -PL_ENOMEM;
	it->port = tmp.port;
	memcpy(it->name, tmp.name, sizeof(it->name));
	memcpy(it->addr, tmp.addr, sizeof(it->addr));
	it->proto = proto;
	*out = it;
	return 0;
}

/* Protocol from a column such as "tcp6", "udp4", "tcp46", "TCP"; ANY when not one. */
static enum pl_proto
proto_prefix(const struct tok *t)
{
	static const char *const names[] = { "tcp", "udp", "sctp", "dccp" };
	static const enum pl_proto protos[] = { PL_PROTO_TCP, PL_PROTO_UDP, PL_PROTO_SCTP,
		PL_PROTO_DCCP };

	for (size_t i = 0; i < 4; i++) {
		size_t k = strlen(names[i]), j = k;

		if (t->n < k || strncasecmp(t->s, names[i], k) != 0)
			continue;
		while (j < t->n && (t->s[j] == '4' || t->s[j] == '6'))
			j++;
		if (j == t->n)
			return protos[i];
	}
	return PL_PROTO_ANY;
}

struct parse_state {
	bool header;          /* the format's header line was seen */
	bool netid;           /* ss: the first column is Netid */
	size_t proto_col;     /* sockstat: index of the PROTO column */
	long last_row;        /* netstat-windows: line of the last socket row */
};

typedef int (*line_fn)(struct pl__ann_ctx *c, const struct line *l, const struct tok *t,
    size_t nt, struct parse_state *ps);

static bool
is_state_word(const struct tok *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (!isupper((unsigned char)t->s[i]) && t->s[i] != '_' && t->s[i] != '2')
			return false;
	return t->n > 0;
}

/* ss -tulnp: "tcp LISTEN 0 128 0.0.0.0:22 0.0.0.0:* users:(("sshd",pid=812,fd=3))". */
static void
ss_process(struct pl_ann_item *it, const struct tok *t)
{
	const char *q = memchr(t->s, '"', t->n), *q2, *pid;
	size_t rest;

	if (q == NULL)
		return;
	rest = t->n - (size_t)(q + 1 - t->s);
	if ((q2 = memchr(q + 1, '"', rest)) == NULL)
		return;
	pl__ann_copy(it->process, sizeof(it->process), q + 1, (size_t)(q2 - q - 1));
	rest = t->n - (size_t)(q2 - t->s);
	if ((pid = memmem(q2, rest, "pid=", 4)) != NULL) {
		size_t k = 0, avail = t->n - (size_t)(pid + 4 - t->s);

		while (k < avail && isdigit((unsigned char)pid[4 + k]))
			k++;
		it->pid = parse_pid(pid + 4, k);
	}
}

static int
line_ss(struct pl__ann_ctx *c, const struct line *l, const struct tok *t, size_t nt,
    struct parse_state *ps)
{
	size_t k = ps->netid ? 1 : 0;
	enum pl_proto proto = PL_PROTO_TCP;
	struct pl_ann_item *it;
	int rc;

	if (nt == 0)
		return 0;
	if (contains(l->s, l->n, "Local Address:Port")) {
		ps->header = true;
		ps->netid = tok_is(&t[0], "Netid");
		return 0;
	}
	if (!ps->header && nt >= 5 && is_state_word(&t[0])) {
		ps->header = true;      /* ss -H: no header, no Netid column */
	} else if (!ps->header && nt >= 6 && is_state_word(&t[1])) {
		ps->header = ps->netid = true;    /* ss -H with the Netid column */
		k = 1;
	}
	if (!ps->header)
		return pl__ann_fail(c, -PL_EDATA, l->no, "expected ss's header line "
		    "(\"State Recv-Q Send-Q Local Address:Port ...\")");
	if (nt < k + 5)
		return pl__ann_fail(c, -PL_EDATA, l->no, "expected %zu columns, found %zu",
		    k + 5, nt);
	if (ps->netid) {
		/* Unix, raw, netlink and packet sockets have no port. */
		if ((proto = proto_prefix(&t[0])) == PL_PROTO_ANY)
			return 0;
	} else if (tok_is(&t[0], "UNCONN")) {
		/* Without the Netid column, an unconnected socket is a datagram one. */
		proto = PL_PROTO_UDP;
	}
	if ((rc = add_hostport(c, l, &t[k + 3], proto, &it)) != 0 || it == NULL)
		return rc;
	pl__ann_copy(it->state, sizeof(it->state), t[k].s, t[k].n);
	for (size_t i = k + 5; i < nt; i++)
		if (starts(t[i].s, t[i].n, "users:"))
			ss_process(it, &t[i]);
	return 0;
}

/* lsof -nP -i: "sshd 812 root 3u IPv4 20310 0t0 TCP *:22 (LISTEN)". */
static int
line_lsof(struct pl__ann_ctx *c, const struct line *l, const struct tok *t, size_t nt,
    struct parse_state *ps)
{
	struct pl_ann_item *it;
	struct tok local;
	const char *arrow;
	size_t k;
	int rc;

	if (nt == 0)
		return 0;
	if (tok_is(&t[0], "COMMAND")) {
		ps->header = true;
		return 0;
	}
	/* The NODE column names the protocol; NAME follows it. Columns before it may be
	 * empty (SIZE/OFF), so it is found, not counted. */
	for (k = 3; k + 1 < nt; k++)
		if (tok_is(&t[k], "TCP") || tok_is(&t[k], "UDP") || tok_is(&t[k], "SCTP"))
			break;
	if (!ps->header || nt < 4 || k + 1 >= nt)
		return pl__ann_fail(c, -PL_EDATA, l->no, "expected an lsof -i row "
		    "(COMMAND PID USER FD TYPE DEVICE SIZE/OFF NODE NAME)");
	local = t[k + 1];
	if ((arrow = memmem(local.s, local.n, "->", 2)) != NULL)
		local.n = (size_t)(arrow - local.s);
	if ((rc = add_hostport(c, l, &local, proto_prefix(&t[k]), &it)) != 0 || it == NULL)
		return rc;
	pl__ann_copy(it->process, sizeof(it->process), t[0].s, t[0].n);
	it->pid = parse_pid(t[1].s, t[1].n);
	if (k + 2 < nt && t[k + 2].n > 2 && t[k + 2].s[0] == '(')
		pl__ann_copy(it->state, sizeof(it->state), t[k + 2].s + 1, t[k + 2].n - 2);
	return 0;
}

/* net-tools netstat -tulpn: "tcp 0 0 0.0.0.0:22 0.0.0.0:* LISTEN 812/sshd"; udp rows
 * have no state; "-" when the program is not known. */
static int
line_netstat(struct pl__ann_ctx *c, const struct line *l, const struct tok *t, size_t nt,
    struct parse_state *ps)
{
	struct pl_ann_item *it;
	enum pl_proto proto;
	size_t k = 5;
	int rc;

	if (nt == 0 || starts(l->s, l->n, "Active Internet") || tok_is(&t[0], "Proto"))
		return 0;
	/* netstat -a goes on with unix sockets, which have no ports. */
	if (starts(l->s, l->n, "Active "))
		return 1;
	if (tok_is(&t[0], "raw") || tok_is(&t[0], "raw6"))
		return 0;
	if ((proto = proto_prefix(&t[0])) == PL_PROTO_ANY && !starts(t[0].s, t[0].n, "udpl"))
		return pl__ann_fail(c, -PL_EDATA, l->no, "expected a netstat row starting with "
		    "tcp, tcp6, udp or udp6, found '%.*s'", (int)(t[0].n > 20 ? 20 : t[0].n), t[0].s);
	if (nt < 5)
		return pl__ann_fail(c, -PL_EDATA, l->no, "expected at least 5 columns, found %zu", nt);
	if (proto == PL_PROTO_ANY)
		proto = PL_PROTO_UDP;     /* udplite */
	if ((rc = add_hostport(c, l, &t[3], proto, &it)) != 0 || it == NULL)
		return rc;
	if (nt > 5 && is_state_word(&t[5])) {
		pl__ann_copy(it->state, sizeof(it->state), t[5].s, t[5].n);
		k = 6;
	}
	if (k < nt) {
		/* "PID/Program name": the name may hold blanks, so take the rest of the line. */
		const char *s = t[k].s, *slash;
		size_t n = l->n - (size_t)(s - l->s);

		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		if ((slash = memchr(s, '/', n)) != NULL) {
			it->pid = parse_pid(s, (size_t)(slash - s));
			pl__ann_copy(it->process, sizeof(it->process), slash + 1,
			    n - (size_t)(slash + 1 - s));
		}
	}
	return 0;
}

/* Windows netstat -ano: "TCP 0.0.0.0:135 0.0.0.0:0 LISTENING 948", "UDP 0.0.0.0:123
 * *:* 1234"; with -b, "[svchost.exe]" lines name the program of the row above. */
static int
line_netstat_win(struct pl__ann_ctx *c, const struct line *l, const struct tok *t, size_t nt,
    struct parse_state *ps)
{
	struct pl_ann_item *it;
	bool tcp;
	int rc;

	if (nt == 0 || tok_is(&t[0], "Proto") || starts(t[0].s, t[0].n, "Active"))
		return 0;
	if (t[0].s[0] == '[' && t[nt - 1].s[t[nt - 1].n - 1] == ']') {
		const char *s = t[0].s + 1;
		size_t n = (size_t)(t[nt - 1].s + t[nt - 1].n - 1 - s);

		for (size_t i = c->doc->nitems; i > 0 && c->doc->items[i - 1].line == ps->last_row; i--)
			pl__ann_copy(c->doc->items[i - 1].process, sizeof(c->doc->items[0].process), s, n);
		return 0;
	}
	if (!tok_is(&t[0], "TCP") && !tok_is(&t[0], "UDP")) {
		/* -b also prints a service name ("RpcSs") or a refusal under a row. */
		if (ps->last_row > 0 && (nt == 1 || starts(l->s, l->n, " Can not obtain") ||
		    starts(t[0].s, t[0].n, "Can")))
			return 0;
		return pl__ann_fail(c, -PL_EDATA, l->no, "expected a netstat row starting with "
		    "TCP or UDP");
	}
	tcp = tok_is(&t[0], "TCP");
	if (nt != (tcp ? 5u : 4u))
		return pl__ann_fail(c, -PL_EDATA, l->no, "expected %d columns for %s, found %zu",
		    tcp ? 5 : 4, tcp ? "TCP" : "UDP", nt);
	ps->last_row = l->no;
	if ((rc = add_hostport(c, l, &t[1], tcp ? PL_PROTO_TCP : PL_PROTO_UDP, &it)) != 0 ||
	    it == NULL)
		return rc;
	if (tcp)
		pl__ann_copy(it->state, sizeof(it->state), t[3].s, t[3].n);
	if ((it->pid = parse_pid(t[nt - 1].s, t[nt - 1].n)) < 0)
		return pl__ann_fail(c, -PL_EDATA, l->no, "the PID column is not a number");
	return 0;
}

/* FreeBSD sockstat -l: "root sshd 812 4 tcp4 *:22 *:*". */
static int
line_sockstat(struct pl__ann_ctx *c, const struct line *l, const struct tok *t, size_t nt,
    struct parse_state *ps)
{
	struct pl_ann_item *it;
	enum pl_proto proto;
	size_t p = ps->proto_col;
	int rc;

	if (nt == 0)
		return 0;
	if (tok_is(&t[0], "USER")) {
		for (p = 0; p < nt && !tok_is(&t[p], "PROTO"); p++)
			;
		if (p == nt || p < 3)
			return pl__ann_fail(c, -PL_EDATA, l->no, "sockstat header without PROTO");
		ps->header = true;
		ps->proto_col = p;
		return 0;
	}
	if (!ps->header)
		return pl__ann_fail(c, -PL_EDATA, l->no, "expected sockstat's header line "
		    "(\"USER COMMAND PID FD PROTO LOCAL ADDRESS ...\")");
	/* SCTP sockets list further addresses on indented continuation lines. */
	if (nt < p + 2 && (l->s[0] == ' ' || l->s[0] == '\t'))
		return 0;
	if (nt < p + 2)
		return pl__ann_fail(c, -PL_EDATA, l->no, "expected at least %zu columns, found %zu",
		    p + 2, nt);
	/* Unix sockets ("stream", "dgram") have paths, not ports. */
	if ((proto = proto_prefix(&t[p])) == PL_PROTO_ANY)
		return 0;
	if ((rc = add_hostport(c, l, &t[p + 1], proto, &it)) != 0 || it == NULL)
		return rc;
	pl__ann_copy(it->process, sizeof(it->process), t[1].s, t[1].n);
	it->pid = parse_pid(t[2].s, t[2].n);
	return 0;
}

/* masscan -oL: "open tcp 80 192.0.2.1 1700000000"; banner rows repeat a port. */
static int
line_masscan_list(struct pl__ann_ctx *c, const struct line *l, const struct tok *t, size_t nt,
    struct parse_state *ps)
{
	struct pl_ann_item *it;
	enum pl_proto proto;
	uint16_t port;

	if (nt == 0 || t[0].s[0] == '#' || tok_is(&t[0], "banner"))
		return 0;
	if (nt < 4 || (proto = proto_prefix(&t[1])) == PL_PROTO_ANY ||
	    parse_port(t[2].s, t[2].n, &port) != 0)
		return pl__ann_fail(c, -PL_EDATA, l->no, "expected \"STATE PROTO PORT ADDRESS "
		    "TIME\" (masscan -oL)");
	if ((it = pl__ann_add(c, l->no)) == NULL)
		return -PL_ENOMEM;
	it->port = port;
	it->proto = proto;
	pl__ann_copy(it->state, sizeof(it->state), t[0].s, t[0].n);
	pl__ann_copy(it->addr, sizeof(it->addr), t[3].s, t[3].n);
	return 0;
}

/* One "Ports:" entry of nmap -oG: "22/open/tcp//ssh//OpenSSH 9.2p1/". */
static int
grep_port(struct pl__ann_ctx *c, const struct line *l, const char *s, size_t n,
    const char *addr, size_t addrn)
{
	const char *f[8] = { 0 };
	size_t fn[8] = { 0 }, k = 0, i = 0;
	struct pl_ann_item *it;
	uint16_t port;

	for (f[0] = s; i <= n && k < 8; i++)
		if (i == n || s[i] == '/') {
			fn[k] = (size_t)(s + i - f[k]);
			if (++k < 8)
				f[k] = s + i + 1;
		}
	if (k < 5 || parse_port(f[0], fn[0], &port) != 0)
		return pl__ann_fail(c, -PL_EDATA, l->no, "port entry '%.*s' is not "
		    "PORT/STATE/PROTO/OWNER/SERVICE/...", (int)(n > 60 ? 60 : n), s);
	if ((it = pl__ann_add(c, l->no)) == NULL)
		return -PL_ENOMEM;
	it->port = port;
	it->proto = proto_prefix(&(struct tok){ f[2], fn[2] });
	pl__ann_copy(it->state, sizeof(it->state), f[1], fn[1]);
	pl__ann_copy(it->service, sizeof(it->service), f[4], fn[4]);
	pl__ann_copy(it->addr, sizeof(it->addr), addr, addrn);
	return 0;
}

/* nmap -oG: "Host: 127.0.0.1 ()\tPorts: 22/open/tcp//ssh///, 80/...\tIgnored State: ..." */
static int
line_nmap_grep(struct pl__ann_ctx *c, const struct line *l, const struct tok *t, size_t nt,
    struct parse_state *ps)
{
	const char *p, *end = l->s + l->n, *field, *tab;
	int rc;

	if (nt == 0 || l->s[0] == '#')
		return 0;
	if (!starts(l->s, l->n, "Host: ") || nt < 2)
		return pl__ann_fail(c, -PL_EDATA, l->no, "expected \"Host: ADDRESS ...\" "
		    "or a '#' comment (nmap -oG)");
	if ((field = memmem(l->s, l->n, "\tPorts: ", 8)) == NULL)
		return 0;   /* a "Status: Up" line */
	p = field + 8;
	tab = memchr(p, '\t', (size_t)(end - p));
	end = tab ? tab : end;
	while (p < end) {
		const char *comma = memmem(p, (size_t)(end - p), ", ", 2);
		const char *stop = comma ? comma : end;

		/* A version string may hold ", ": only a digit starts the next entry. */
		while (comma && comma + 2 < end && !isdigit((unsigned char)comma[2])) {
			comma = memmem(comma + 2, (size_t)(end - comma - 2), ", ", 2);
			stop = comma ? comma : end;
		}
		if ((rc = grep_port(c, l, p, (size_t)(stop - p), t[1].s, t[1].n)) != 0)
			return rc;
		p = comma ? comma + 2 : end;
	}
	return 0;
}

/* Plain lines: "22/tcp", "8080", "ssh/udp", anything after the first word ignored. */
static int
line_plain(struct pl__ann_ctx *c, const struct line *l, const struct tok *t, size_t nt,
    struct parse_state *ps)
{
	struct pl_ann_item *it;
	const char *slash;
	size_t n;
	enum pl_proto proto = PL_PROTO_ANY;
	uint16_t port = 0;

	if (nt == 0 || t[0].s[0] == '#')
		return 0;
	slash = memchr(t[0].s, '/', t[0].n);
	n = slash ? (size_t)(slash - t[0].s) : t[0].n;
	if (slash) {
		size_t pn = t[0].n - n - 1;

		if ((proto = pl_proto_parse(slash + 1, pn)) == PL_PROTO_ANY)
			return pl__ann_fail(c, -PL_EDATA, l->no, "unknown protocol '%.*s' "
			    "(tcp, udp, sctp or dccp)", (int)(pn > 20 ? 20 : pn), slash + 1);
	}
	if (parse_port(t[0].s, n, &port) != 0 && !is_service_name(t[0].s, n))
		return pl__ann_fail(c, -PL_EDATA, l->no, "'%.*s' is not PORT or PORT/PROTO "
		    "(a port is 0-65535)", (int)(t[0].n > 40 ? 40 : t[0].n), t[0].s);
	if ((it = pl__ann_add(c, l->no)) == NULL)
		return -PL_ENOMEM;
	it->proto = proto;
	if (isdigit((unsigned char)t[0].s[0]))
		it->port = port;
	else
		pl__ann_copy(it->name, sizeof(it->name), t[0].s, n);
	return 0;
}

/* masscan -oJ writes one object per line between "[" and "]", commas before or after
 * them depending on the version: {"ip": "192.0.2.1", "timestamp": "1700000000",
 * "ports": [ {"port": 80, "proto": "tcp", "status": "open", ...} ] } */
static int
masscan_object(struct pl__ann_ctx *c, const struct line *l, json_t *o)
{
	json_t *ports = json_object_get(o, "ports"), *p;
	const char *ip = json_string_value(json_object_get(o, "ip"));
	size_t i;

	if (ports == NULL)
		return 0;   /* the closing {"finished": 1} of some versions */
	if (!json_is_array(ports))
		return pl__ann_fail(c, -PL_EDATA, l->no, "\"ports\" is not an array");
	json_array_foreach(ports, i, p) {
		json_t *port = json_object_get(p, "port");
		const char *proto = json_string_value(json_object_get(p, "proto"));
		const char *status = json_string_value(json_object_get(p, "status"));
		struct pl_ann_item *it;

		if (!json_is_integer(port) || json_integer_value(port) < 0 ||
		    json_integer_value(port) > 65535 || proto == NULL)
			return pl__ann_fail(c, -PL_EDATA, l->no, "ports[%zu] needs \"port\" "
			    "(0-65535) and \"proto\"", i);
		if ((it = pl__ann_add(c, l->no)) == NULL)
			return -PL_ENOMEM;
		it->port = (uint16_t)json_integer_value(port);
		it->proto = pl_proto_parse(proto, strlen(proto));
		if (status)
			pl__ann_copy(it->state, sizeof(it->state), status, strlen(status));
		if (ip)
			pl__ann_copy(it->addr, sizeof(it->addr), ip, strlen(ip));
	}
	return 0;
}

static int
line_masscan_json(struct pl__ann_ctx *c, const struct line *l, const struct tok *t, size_t nt,
    struct parse_state *ps)
{
	const char *s = l->s;
	size_t n = l->n;
	json_error_t je;
	json_t *o;
	int rc;

	while (n > 0 && (s[0] == ' ' || s[0] == '\t' || s[0] == ','))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == ','))
		n--;
	if (n == 0 || (n == 1 && (s[0] == '[' || s[0] == ']')))
		return 0;
	if (s[0] != '{')
		return pl__ann_fail(c, -PL_EDATA, l->no, "expected one JSON object per line "
		    "(masscan -oJ)");
	if ((o = json_loadb(s, n, JSON_REJECT_DUPLICATES, &je)) == NULL || !json_is_object(o)) {
		json_decref(o);
		return pl__ann_fail(c, -PL_EDATA, l->no, "not a JSON object: %s", je.text);
	}
	rc = masscan_object(c, l, o);
	json_decref(o);
	return rc;
}

static const line_fn line_fns[PL_ANN_FORMAT_COUNT] = {
	[PL_ANN_NMAP_GREP] = line_nmap_grep, [PL_ANN_MASSCAN_JSON] = line_masscan_json,
	[PL_ANN_MASSCAN_LIST] = line_masscan_list, [PL_ANN_SS] = line_ss,
	[PL_ANN_LSOF] = line_lsof, [PL_ANN_NETSTAT] = line_netstat,
	[PL_ANN_NETSTAT_WIN] = line_netstat_win, [PL_ANN_SOCKSTAT] = line_sockstat,
	[PL_ANN_PLAIN] = line_plain,
};

static int
each_line(struct pl__ann_ctx *c, const char *text, size_t len, line_fn fn)
{
	const char *p = text, *end = text + len;
	struct parse_state ps = { 0 };
	struct line l = { 0 };
	struct tok t[MAXTOK];
	int rc;

	/* A UTF-8 byte order mark (Windows tools write one) is not part of the first line. */
	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	while (next_line(&p, end, &l))
		if ((rc = fn(c, &l, t, tokenize(&l, t), &ps)) != 0)
			return rc > 0 ? 0 : rc;
	return 0;
}

/* ---- detection ---- */

static enum pl_ann_format
detect_line(const struct line *l, const struct tok *t, size_t nt)
{
	if (nt == 0)
		return PL_ANN_UNKNOWN;
	if (starts(l->s, l->n, "#masscan") ||
	    (nt >= 4 && (tok_is(&t[0], "open") || tok_is(&t[0], "closed")) &&
	    proto_prefix(&t[1]) != PL_PROTO_ANY && isdigit((unsigned char)t[2].s[0])))
		return PL_ANN_MASSCAN_LIST;
	if ((t[0].s[0] == '{' || t[0].s[0] == ',') && contains(l->s, l->n, "\"ports\""))
		return PL_ANN_MASSCAN_JSON;
	if (starts(l->s, l->n, "Host: ") || (starts(l->s, l->n, "# Nmap") &&
	    contains(l->s, l->n, "-oG")))
		return PL_ANN_NMAP_GREP;
	if (contains(l->s, l->n, "Local Address:Port"))
		return PL_ANN_SS;
	if (tok_is(&t[0], "COMMAND") && contains(l->s, l->n, " PID ") &&
	    contains(l->s, l->n, "NAME"))
		return PL_ANN_LSOF;
	if (starts(l->s, l->n, "Active Internet connections") ||
	    (tok_is(&t[0], "Proto") && contains(l->s, l->n, "Recv-Q")))
		return PL_ANN_NETSTAT;
	if (tok_is(&t[0], "Active") && nt == 2 && tok_is(&t[1], "Connections"))
		return PL_ANN_NETSTAT_WIN;
	if (tok_is(&t[0], "Proto") && contains(l->s, l->n, "Local Address") &&
	    contains(l->s, l->n, "PID"))
		return PL_ANN_NETSTAT_WIN;
	if (tok_is(&t[0], "USER") && contains(l->s, l->n, "COMMAND") &&
	    contains(l->s, l->n, "PROTO"))
		return PL_ANN_SOCKSTAT;
	return PL_ANN_UNKNOWN;
}

enum pl_ann_format
pl_ann_detect(const char *text, size_t len)
{
	const char *p = text, *end, *start;
	struct line l = { 0 };
	struct tok t[MAXTOK];
	struct pl_err err;
	struct pl_ann_doc doc = { 0 };
	struct pl__ann_ctx c = { "input", &doc, 0, &err };
	int seen = 0;
	bool plain;

	/* Whole lines only: a window cut inside a line would misread its last one. */
	if (len > 65536) {
		const char *nl = memrchr(text, '\n', 65536);

		len = nl ? (size_t)(nl - text) + 1 : 65536;
	}
	end = text + len;
	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	while (p < end && isspace((unsigned char)*p))
		p++;
	if (p < end && *p == '<')
		return memmem(p, (size_t)(end - p), "<nmaprun", 8) ? PL_ANN_NMAP_XML : PL_ANN_UNKNOWN;
	start = p;
	while (seen < 40 && next_line(&p, end, &l)) {
		size_t nt = tokenize(&l, t);
		enum pl_ann_format f = detect_line(&l, t, nt);

		if (f != PL_ANN_UNKNOWN)
			return f;
		seen += nt > 0;
	}
	/*
	 * Nothing characteristic in the first 40 lines: plain PORT/PROTO lines when every
	 * one of them reads as one and most start with a number (prose would otherwise
	 * pass as service names). The decision never depends on the input's length: the
	 * lines after these are parsed as plain lines, and one that is not is an error
	 * naming its line.
	 */
	if (each_line(&c, start, (size_t)(p - start), line_plain) != 0 || doc.nitems == 0) {
		pl_ann_doc_free(&doc);
		return PL_ANN_UNKNOWN;
	}
	size_t numeric = 0;

	for (size_t i = 0; i < doc.nitems; i++)
		numeric += doc.items[i].name[0] == '\0';
	plain = numeric * 2 >= doc.nitems;
	pl_ann_doc_free(&doc);
	return plain ? PL_ANN_PLAIN : PL_ANN_UNKNOWN;
}

/* ---- reading line by line ---- */

struct pl_ann_reader {
	struct pl__ann_ctx c;
	struct pl_ann_doc doc;        /* the items of the current line */
	struct pl_err *err;
	enum pl_ann_format fmt;
	struct parse_state ps;
	struct line l;                /* l.no: lines read */
	struct pl__ann_xml *xml;      /* nmap -oX */
	bool done;                    /* the format's part of the input ended (netstat -a's
	                               * unix sockets follow): later lines are ignored */
	size_t given;                 /* items returned by the last call, dropped at the next */
};

/* Drops the items the last call returned; keeps those held back. */
static void
drop_given(struct pl_ann_reader *r)
{
	struct pl_ann_doc *d = &r->doc;

	if (r->given == 0)
		return;
	memmove(d->items, d->items + r->given, (d->nitems - r->given) * sizeof(*d->items));
	d->nitems -= r->given;
	r->given = 0;
}

/* How many items are complete. Windows netstat -b names a row's program on the lines
 * after it ("[sshd.exe]"): the last row's items wait for the next row. */
static size_t
complete(const struct pl_ann_reader *r)
{
	size_t n = r->doc.nitems;

	if (r->fmt == PL_ANN_NETSTAT_WIN)
		while (n > 0 && r->doc.items[n - 1].line == r->ps.last_row)
			n--;
	return n;
}

int
pl_ann_reader_new(struct pl_ann_reader **out, const char *name, enum pl_ann_format fmt,
    struct pl_err *err)
{
	struct pl_ann_reader *r;

	*out = NULL;
	if (fmt == PL_ANN_UNKNOWN || (unsigned)fmt >= PL_ANN_FORMAT_COUNT)
		return pl_err_set(err, -PL_EUSAGE, "unknown input format %d", (int)fmt);
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return pl_err_set(err, -PL_ENOMEM, "out of memory");
	r->c = (struct pl__ann_ctx){ name, &r->doc, 0, err };
	r->err = err;
	r->fmt = fmt;
	r->doc.format = fmt;
	if (fmt == PL_ANN_NMAP_XML && (r->xml = pl__ann_xml_new(&r->c)) == NULL) {
		free(r);
		return -PL_ENOMEM;
	}
	*out = r;
	return 0;
}

long
pl_ann_reader_line(struct pl_ann_reader *r, const char *s, size_t n,
    const struct pl_ann_item **items)
{
	struct tok t[MAXTOK];
	int rc;

	drop_given(r);
	*items = NULL;
	r->l.no++;
	if (n > 0 && s[n - 1] == '\r')
		n--;
	/* A UTF-8 byte order mark (Windows tools write one) is not part of the first line. */
	if (r->l.no == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3, n -= 3;
	if (n > PL_ANN_LINE_MAX)
		return pl__ann_fail(&r->c, -PL_ETOOBIG, r->l.no, "line of %zu bytes is too long "
		    "(at most %d)", n, PL_ANN_LINE_MAX);
	if (memchr(s, '\0', n) != NULL)
		return pl__ann_fail(&r->c, -PL_EDATA, r->l.no, "NUL byte: this is not text");
	if (r->done)
		return 0;
	if (r->xml != NULL) {
		/* expat counts lines by the line ends it is given. */
		if ((rc = pl__ann_xml_feed(r->xml, s, n, false)) != 0 ||
		    (rc = pl__ann_xml_feed(r->xml, "\n", 1, false)) != 0)
			return rc;
	} else {
		r->l.s = s;
		r->l.n = n;
		rc = line_fns[r->fmt](&r->c, &r->l, t, tokenize(&r->l, t), &r->ps);
		if (rc < 0)
			return rc;
		r->done = rc > 0;
	}
	*items = r->doc.items;
	r->given = complete(r);
	return (long)r->given;
}

long
pl_ann_reader_end(struct pl_ann_reader *r, const struct pl_ann_item **items)
{
	int rc;

	drop_given(r);
	*items = NULL;
	if (r->xml != NULL && (rc = pl__ann_xml_feed(r->xml, "", 0, true)) != 0)
		return rc;
	*items = r->doc.items;
	r->given = r->doc.nitems;
	return (long)r->given;
}

void
pl_ann_reader_free(struct pl_ann_reader *r)
{
	if (r == NULL)
		return;
	pl__ann_xml_free(r->xml);
	pl_ann_doc_free(&r->doc);
	free(r);
}

/* ---- parsing ---- */

/* Appends n items to doc. */
static int
append(struct pl_ann_doc *doc, size_t *cap, const struct pl_ann_item *items, long n,
    struct pl_err *err)
{
	if (n <= 0)
		return 0;
	if (doc->nitems + (size_t)n > *cap) {
		size_t nc = *cap ? *cap : 32;
		struct pl_ann_item *p;

		while (nc < doc->nitems + (size_t)n)
			nc *= 2;
		if ((p = realloc(doc->items, nc * sizeof(*p))) == NULL)
			return pl_err_set(err, -PL_ENOMEM, "out of memory");
		doc->items = p;
		*cap = nc;
	}
	memcpy(doc->items + doc->nitems, items, (size_t)n * sizeof(*items));
	doc->nitems += (size_t)n;
	return 0;
}

int
pl_ann_parse(const char *name, const char *text, size_t len, enum pl_ann_format fmt,
    struct pl_ann_doc *doc, struct pl_err *err)
{
	struct pl__ann_ctx c = { name, doc, 0, err };
	struct pl_ann_reader *r = NULL;
	const struct pl_ann_item *items;
	const char *p = text, *end = text + len;
	size_t cap = 0;
	long n = 0, lineno = 0;
	int rc;

	memset(doc, 0, sizeof(*doc));
	if (len > (size_t)PL_ANN_INPUT_MAX)
		return pl__ann_fail(&c, -PL_ETOOBIG, 0, "input of %zu bytes is too large (at most %ld)",
		    len, PL_ANN_INPUT_MAX);
	/* Nothing at all (a scan that found nothing, an empty file) is no error. */
	while (len > 0 && isspace((unsigned char)text[len - 1]))
		len--;
	if (len == 0) {
		doc->format = fmt == PL_ANN_UNKNOWN ? PL_ANN_PLAIN : fmt;
		return 0;
	}
	end = text + len;
	/* Line limits and NUL bytes first: they are what is wrong, whatever the format. */
	for (const char *q = text, *nl; q < end; q = nl ? nl + 1 : end) {
		size_t ln;

		nl = memchr(q, '\n', (size_t)(end - q));
		ln = (size_t)((nl ? nl : end) - q);
		lineno++;
		if (ln > 0 && q[ln - 1] == '\r')
			ln--;
		if (ln > PL_ANN_LINE_MAX)
			return pl__ann_fail(&c, -PL_ETOOBIG, lineno, "line of %zu bytes is too long "
			    "(at most %d)", ln, PL_ANN_LINE_MAX);
		if (memchr(q, '\0', ln) != NULL)
			return pl__ann_fail(&c, -PL_EDATA, lineno, "NUL byte: this is not text");
	}
	if (fmt == PL_ANN_UNKNOWN && (fmt = pl_ann_detect(text, len)) == PL_ANN_UNKNOWN)
		return pl__ann_fail(&c, -PL_EDATA, 0, "format not recognised (nmap -oX/-oG, masscan "
		    "-oJ/-oL, ss, lsof, netstat, sockstat or PORT/PROTO lines; see --format)");
	if ((rc = pl_ann_reader_new(&r, name, fmt, err)) != 0)
		return rc;
	while (p < end && n >= 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		n = pl_ann_reader_line(r, p, (size_t)((nl ? nl : end) - p), &items);
		if (n >= 0)
			n = append(doc, &cap, items, n, err);
		p = nl ? nl + 1 : end;
	}
	if (n >= 0 && (n = pl_ann_reader_end(r, &items)) >= 0)
		n = append(doc, &cap, items, n, err);
	pl_ann_reader_free(r);
	if (n < 0) {
		pl_ann_doc_free(doc);
		return (int)n;
	}
	doc->format = fmt;
	return 0;
}

void
pl_ann_doc_free(struct pl_ann_doc *doc)
{
	free(doc->items);
	memset(doc, 0, sizeof(*doc));
}
