/*
 * procnet.c: read /proc/net/{tcp,udp}{,6}. The kernel prints one socket per line
 * (net/ipv4/tcp_ipv4.c, get_tcp4_sock()):
 *   "   0: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 ..."
 * The address is the in-memory __be32 (or four of them for IPv6) printed as host-order
 * hex words, the port a 16-bit hex number, then the peer, then the state.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/procnet.h"

/* include/net/tcp_states.h; a udp socket that is not connected is TCP_CLOSE (7). */
static const char *const tcp_states[] = { "?", "ESTABLISHED", "SYN-SENT", "SYN-RECV",
	"FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT", "CLOSE", "CLOSE-WAIT", "LAST-ACK", "LISTEN",
	"CLOSING", "NEW-SYN-RECV" };

#define LINE_MAX_BYTES 1024
#define LINES_MAX 4000000L   /* far above any real socket table; bounds the loop */

static int
hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* Parses n hex digits into *v; returns the pointer after them or NULL. */
static const char *
hexnum(const char *p, int n, uint32_t *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		int h = hexval(p[i]);

		if (h < 0)
			return NULL;
		*v = *v << 4 | (uint32_t)h;
	}
	return p + n;
}

/* Parses "ADDR:PORT" (8 or 32 hex digits) at p; returns the pointer after it or NULL. */
static const char *
local_addr(const char *p, bool v6, struct pl__sock *s)
{
	uint32_t words[4], port;
	int nw = v6 ? 4 : 1;

	for (int i = 0; i < nw; i++)
		if ((p = hexnum(p, 8, &words[i])) == NULL)
			return NULL;
	if (*p++ != ':' || (p = hexnum(p, 4, &port)) == NULL)
		return NULL;
	/* The words are the address's memory read as host-order integers: copying them
	 * back gives the address bytes in network order. */
	if (inet_ntop(v6 ? AF_INET6 : AF_INET, words, s->addr, sizeof(s->addr)) == NULL)
		return NULL;
	s->port = (uint16_t)port;
	return p;
}

static int
parse_line(const char *line, bool v6, struct pl__sock *s)
{
	const char *p = line;
	uint32_t st;

	while (*p == ' ')
		p++;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p++ != ':')
		return -1;
	while (*p == ' ')
		p++;
	if ((p = local_addr(p, v6, s)) == NULL || *p++ != ' ')
		return -1;
	while (*p != ' ' && *p != '\0')   /* the peer */
		p++;
	while (*p == ' ')
		p++;
	if (hexnum(p, 2, &st) == NULL)
		return -1;
	s->state = st < sizeof(tcp_states) / sizeof(tcp_states[0]) ? tcp_states[st] : "?";
	if (s->proto == PL_PROTO_UDP && st == 7)
		s->state = "UNCONN";
	return 0;
}

static int
walk_file(const char *path, bool v6, enum pl_proto proto, pl__sock_fn fn, void *arg,
    struct pl_err *err)
{
	char line[LINE_MAX_BYTES];
	FILE *f = fopen(path, "re");
	long no = 0;
	int rc = 0;

	if (f == NULL)
		return errno == ENOENT ? 1 : pl_err_set(err, -PL_EIO, "%s: %s", path, strerror(errno));
	while (rc == 0 && no < LINES_MAX && fgets(line, sizeof(line), f) != NULL) {
		struct pl__sock s = { .proto = proto, .file = path };

		if (++no == 1)
			continue;   /* the header */
		if (strchr(line, '\n') == NULL && !feof(f))
			rc = pl_err_set(err, -PL_EDATA, "%s:%ld: line longer than %d bytes", path, no,
			    LINE_MAX_BYTES - 2);
		else if (parse_line(line, v6, &s) != 0)
			rc = pl_err_set(err, -PL_EDATA, "%s:%ld: expected \"N: ADDR:PORT ADDR:PORT "
			    "STATE ...\"", path, no);
		else
			rc = fn(&s, arg);
	}
	if (rc == 0 && ferror(f))
		rc = pl_err_set(err, -PL_EIO, "%s: read error", path);
	fclose(f);
	return rc;
}

int
pl__procnet_walk(const char *root, enum pl_proto proto, pl__sock_fn fn, void *arg,
    int *nfiles, struct pl_err *err)
{
	const char *name = proto == PL_PROTO_TCP ? "tcp" : "udp";
	char path[4096];
	int rc = 0, n = 0;

	if (proto != PL_PROTO_TCP && proto != PL_PROTO_UDP)
		return pl_err_set(err, -PL_EUSAGE, "only tcp and udp sockets are listed in /proc/net");
	for (int v6 = 0; v6 <= 1 && rc == 0; v6++) {
		int r = snprintf(path, sizeof(path), "%s/proc/net/%s%s", root ? root : "", name,
		    v6 ? "6" : "");

		if (r < 0 || (size_t)r >= sizeof(path))
			return pl_err_set(err, -PL_EUSAGE, "PORTLORE_PROC_ROOT is too long");
		rc = walk_file(path, v6, proto, fn, arg, err);
		if (rc == 1)
			rc = 0;   /* no such file (no IPv6 here) */
		else if (rc == 0)
			n++;
	}
	if (nfiles)
		*nfiles = n;
	return rc;
}
