/*
 * procnet.c: pick's view of /proc/net/{tcp,udp}{,6}: which local ports have a socket.
 * The files are parsed by the socket collector's parser (sockets.c, pl_procnet_parse),
 * so there is one reading of the kernel's format and one state table; this file only
 * walks the two files of a protocol under a root and hands each socket to a callback.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/procnet.h"
#include "host/sockets-internal.h"

/* Parses one file and calls fn for each socket; 1 when the file does not exist. */
static int
walk_file(const char *path, int family, enum pl_proto proto, pl__sock_fn fn, void *arg,
    struct pl_err *err)
{
	struct pl_sock_query q = { .all = true, .tcp = proto == PL_PROTO_TCP,
	    .udp = proto == PL_PROTO_UDP };
	struct pl_socklist l = { 0 };
	char *text = pl__read_file(path, NULL);
	int rc;

	if (text == NULL)
		return errno == ENOENT ? 1 : pl_err_set(err, -PL_EIO, "%s: %s", path, strerror(errno));
	rc = pl_procnet_parse(&l, path, text, proto, family, &q, err);
	free(text);
	for (size_t i = 0; i < l.n && rc == 0; i++) {
		const struct pl_socket *k = &l.v[i];
		struct pl__sock s = { .proto = proto, .port = k->lport, .file = path };

		/* pick has always spelled this state out in full; the table says "ESTAB". */
		s.state = k->state == PL_TCP_ESTABLISHED ? "ESTABLISHED" :
		    pl_sock_state_name(proto, k->state);
		if (inet_ntop(family, k->laddr, s.addr, sizeof(s.addr)) == NULL)
			snprintf(s.addr, sizeof(s.addr), "?");
		rc = fn(&s, arg);
	}
	pl_socklist_free(&l);
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
		rc = walk_file(path, v6 ? AF_INET6 : AF_INET, proto, fn, arg, err);
		if (rc == 1)
			rc = 0;   /* no such file (no IPv6 here) */
		else if (rc == 0)
			n++;
	}
	if (nfiles)
		*nfiles = n;
	return rc;
}
