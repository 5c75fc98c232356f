/*
 * sockets.c: the sockets of this machine. pl_sockets_collect() asks the platform
 * (platform.h) for the sockets and their owners; the Linux answers live here too:
 * netlink sock_diag (libmnl) or, as the fallback and for tests, /proc/net/{tcp,tcp6,
 * udp,udp6}; sockwalk.c then maps socket inodes to processes through /proc/[pid]/fd.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <stdarg.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "portlore/sockets.h"
#include "host/sockets-internal.h"
#include "host/platform.h"

static const char *const tcp_states[] = { "?", "ESTAB", "SYN-SENT", "SYN-RECV",
	"FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT", "CLOSE", "CLOSE-WAIT", "LAST-ACK", "LISTEN",
	"CLOSING", "NEW-SYN-RECV" };

const char *
pl_sock_state_name(enum pl_proto proto, int state)
{
	if (proto == PL_PROTO_UDP && state == PL_TCP_CLOSE)
		return "UNCONN";
	return state > 0 && state <= PL_TCP_NEW_SYN_RECV ? tcp_states[state] : "?";
}

const char *
pl_sock_scope_name(enum pl_sock_scope s)
{
	return s == PL_SCOPE_LOOPBACK ? "loopback" : s == PL_SCOPE_ALL ? "all" : "address";
}

bool
pl_sock_is_listener(const struct pl_socket *s)
{
	return s->state == (s->proto == PL_PROTO_UDP ? PL_TCP_CLOSE : PL_TCP_LISTEN);
}

void
pl_sock_addr(char *buf, size_t len, int family, const uint8_t addr[16], uint16_t port)
{
	static const uint8_t zero[16];
	char a[INET6_ADDRSTRLEN];

	if (memcmp(addr, zero, family == AF_INET ? 4 : 16) == 0)
		snprintf(buf, len, "*:%u", (unsigned)port);
	else if (inet_ntop(family, addr, a, sizeof(a)) == NULL)
		snprintf(buf, len, "?:%u", (unsigned)port);
	else if (family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", a, (unsigned)port);
	else
		snprintf(buf, len, "%s:%u", a, (unsigned)port);
}

static enum pl_sock_scope
scope_of(int family, const uint8_t *a)
{
	static const uint8_t zero[16], lo6[16] = { [15] = 1 };
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (family == AF_INET)
		return a[0] == 127 ? PL_SCOPE_LOOPBACK :
		    memcmp(a, zero, 4) == 0 ? PL_SCOPE_ALL : PL_SCOPE_ADDRESS;
	if (memcmp(a, zero, 16) == 0)
		return PL_SCOPE_ALL;
	if (memcmp(a, lo6, 16) == 0 || (memcmp(a, mapped, 12) == 0 && a[12] == 127))
		return PL_SCOPE_LOOPBACK;
	return PL_SCOPE_ADDRESS;
}

struct pl_socket *
pl__sock_add(struct pl_socklist *l, size_t *cap)
{
	struct pl_socket *s;

	/* cap may lag behind the array (the /proc/net reader grows it on its own); it is
	 * never above the real capacity, so growing from l->n is always safe. */
	if (l->n >= *cap) {
		size_t nc = l->n < 32 ? 64 : l->n * 2;
		struct pl_socket *p = realloc(l->v, nc * sizeof(*p));

		if (p == NULL)
			return NULL;
		l->v = p;
		*cap = nc;
	}
	s = &l->v[l->n++];
	memset(s, 0, sizeof(*s));
	return s;
}

void
pl__sock_finish(struct pl_socket *s)
{
	s->scope = scope_of(s->family, s->laddr);
}

bool
pl__sock_wanted(const struct pl_sock_query *q, enum pl_proto proto, int state, uint16_t lport)
{
	bool listener = state == (proto == PL_PROTO_UDP ? PL_TCP_CLOSE : PL_TCP_LISTEN);

	if (!q->all && !listener)
		return false;
	if ((q->lo || q->hi) && (lport < q->lo || lport > q->hi))
		return false;
	return true;
}

void
pl__note(struct pl_socklist *l, const char *fmt, ...)
{
	size_t used = strlen(l->notes);
	va_list ap;

	if (used >= sizeof(l->notes) - 2)
		return;
	if (used > 0)
		l->notes[used++] = ' ', l->notes[used] = '\0';
	va_start(ap, fmt);
	vsnprintf(l->notes + used, sizeof(l->notes) - used, fmt, ap);
	va_end(ap);
}

/* ---- netlink sock_diag ---- */

struct nl_ctx {
	struct pl_socklist *l;
	size_t *cap;
	enum pl_proto proto;
	const struct pl_sock_query *q;
	int rc;
};

static int
attr_cb(const struct nlattr *a, void *data)
{
	int *v6only = data;

	if (mnl_attr_get_type(a) == INET_DIAG_SKV6ONLY &&
	    mnl_attr_validate(a, MNL_TYPE_U8) >= 0)
		*v6only = mnl_attr_get_u8(a);
	return MNL_CB_OK;
}

static int
msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_ctx *c = data;
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);
	struct pl_socket *s;
	uint16_t lport;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*m)))
		return MNL_CB_ERROR;
	lport = ntohs(m->id.idiag_sport);
	/* The kernel filtered by state and port already; check again for safety. */
	if (!pl__sock_wanted(c->q, c->proto, m->idiag_state, lport))
		return MNL_CB_OK;
	if ((s = pl__sock_add(c->l, c->cap)) == NULL) {
		c->rc = -PL_ENOMEM;
		return MNL_CB_ERROR;
	}
	s->proto = c->proto;
	s->family = m->idiag_family;
	s->state = m->idiag_state;
	s->lport = lport;
	s->rport = ntohs(m->id.idiag_dport);
	memcpy(s->laddr, m->id.idiag_src, m->idiag_family == AF_INET ? 4 : 16);
	memcpy(s->raddr, m->id.idiag_dst, m->idiag_family == AF_INET ? 4 : 16);
	s->uid = m->idiag_uid;
	s->inode = m->idiag_inode;
	s->v6only = m->idiag_family == AF_INET6 ? -1 : 0;
	mnl_attr_parse(nlh, sizeof(*m), attr_cb, &s->v6only);
	pl__sock_finish(s);
	return MNL_CB_OK;
}

/*
 * A port range as sock_diag bytecode (the kernel's inet_diag_bc_run()): "sport >= lo"
 * then "sport <= hi". Each comparison is two ops, the second carrying the port; on
 * success jump to the next op (yes = 8), on failure past the end (len + 4 rejects).
 */
static size_t
port_bytecode(struct inet_diag_bc_op bc[4], uint16_t lo, uint16_t hi)
{
	bc[0] = (struct inet_diag_bc_op){ INET_DIAG_BC_S_GE, 8, 20 };
	bc[1] = (struct inet_diag_bc_op){ 0, 0, lo };
	bc[2] = (struct inet_diag_bc_op){ INET_DIAG_BC_S_LE, 8, 12 };
	bc[3] = (struct inet_diag_bc_op){ 0, 0, hi };
	return 4 * sizeof(bc[0]);
}

/* One dump of one family and protocol. Returns 0, or -errno from the kernel. */
static int
nl_dump(struct mnl_socket *nl, int family, enum pl_proto proto, const struct pl_sock_query *q,
    struct pl_socklist *l, size_t *cap)
{
	char buf[1 << 15];      /* the kernel fills up to 32 KiB per read of a dump */
	struct nl_ctx c = { l, cap, proto, q, 0 };
	struct inet_diag_bc_op bc[4];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct inet_diag_req_v2 *req;
	unsigned seq = (unsigned)getpid() ^ (unsigned)family ^ ((unsigned)proto << 8);
	unsigned portid = mnl_socket_get_portid(nl);
	ssize_t n;
	int rc = MNL_CB_OK;

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = (uint8_t)family;
	req->sdiag_protocol = proto == PL_PROTO_TCP ? IPPROTO_TCP : IPPROTO_UDP;
	req->idiag_states = q->all ? ~0u :
	    1u << (proto == PL_PROTO_UDP ? PL_TCP_CLOSE : PL_TCP_LISTEN);
	if (q->lo || q->hi)
		mnl_attr_put(nlh, INET_DIAG_REQ_BYTECODE, port_bytecode(bc, q->lo, q->hi), bc);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	/* Bounded by the kernel: a dump ends with NLMSG_DONE (MNL_CB_STOP). */
	while (rc > MNL_CB_STOP && (n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0)
		rc = mnl_cb_run(buf, (size_t)n, seq, portid, msg_cb, &c);
	if (c.rc != 0)
		return c.rc;
	if (rc == MNL_CB_ERROR)
		return errno ? -errno : -EPROTO;
	return 0;
}

/*
 * Every dump q asks for (tcp/udp, IPv4/IPv6) over an open netlink socket, marking the
 * sockets with netns. Returns 0, or -errno of the first dump that failed (the sockets of
 * that dump are dropped; later ones are not tried).
 */
int
pl__nl_collect(struct mnl_socket *nl, const struct pl_sock_query *q, struct pl_socklist *l,
    size_t *cap, uint64_t netns)
{
	for (int k = 0; k < 4; k++) {
		enum pl_proto proto = k < 2 ? PL_PROTO_TCP : PL_PROTO_UDP;
		int family = k % 2 ? AF_INET6 : AF_INET, rc;
		size_t before = l->n;

		if ((q->tcp && !q->udp && proto != PL_PROTO_TCP) ||
		    (q->udp && !q->tcp && proto != PL_PROTO_UDP) || (q->family && q->family != family))
			continue;
		if ((rc = nl_dump(nl, family, proto, q, l, cap)) != 0) {
			l->n = before;
			return rc;
		}
		for (size_t i = before; i < l->n; i++)
			l->v[i].netns_ino = netns;
	}
	return 0;
}

/*
 * A sock_diag socket in the network namespace nsfd refers to: a netlink socket belongs
 * to the namespace it was created in, so enter it, create, and come back to ownfd.
 * Needs CAP_SYS_ADMIN; NULL otherwise (the caller reads /proc/PID/net instead).
 */
struct mnl_socket *
pl__nl_open_in(int nsfd, int ownfd)
{
	struct mnl_socket *nl = NULL;

	if (setns(nsfd, CLONE_NEWNET) != 0)
		return NULL;
	nl = mnl_socket_open(NETLINK_SOCK_DIAG);
	/* Coming back can't fail for a process that could leave; if it does, stay safe by
	 * dropping the socket and reporting failure. */
	if (setns(ownfd, CLONE_NEWNET) != 0) {
		if (nl)
			mnl_socket_close(nl);
		return NULL;
	}
	if (nl != NULL && mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		mnl_socket_close(nl);
		nl = NULL;
	}
	return nl;
}

/* ---- /proc/net ---- */

static int
hex_addr(const char *h, size_t len, uint8_t out[16])
{
	/* The kernel prints each 32-bit word of the address in host byte order (%08X). */
	for (size_t w = 0; w * 8 < len; w++) {
		char word[9];
		uint32_t v;
		char *end;

		memcpy(word, h + w * 8, 8);
		word[8] = '\0';
		v = (uint32_t)strtoul(word, &end, 16);
		if (*end != '\0')
			return -1;
		memcpy(out + w * 4, &v, 4);
	}
	return 0;
}

static int
parse_line(const char *line, int family, struct pl_socket *s)
{
	char la[33], ra[33];
	unsigned lp, rp, st, uid;
	unsigned long long ino;
	int n = 0;
	size_t alen = family == AF_INET ? 8 : 32;

	if (sscanf(line, " %*u: %32[0-9A-Fa-f]:%x %32[0-9A-Fa-f]:%x %x %*x:%*x %*x:%*x %*x %u %*d %llu%n",
	    la, &lp, ra, &rp, &st, &uid, &ino, &n) != 7 || n == 0)
		return -1;
	if (strlen(la) != alen || strlen(ra) != alen || lp > 65535 || rp > 65535 ||
	    st == 0 || st > PL_TCP_NEW_SYN_RECV)
		return -1;
	if (hex_addr(la, alen, s->laddr) != 0 || hex_addr(ra, alen, s->raddr) != 0)
		return -1;
	s->family = family;
	s->lport = (uint16_t)lp;
	s->rport = (uint16_t)rp;
	s->state = (int)st;
	s->uid = uid;
	s->inode = ino;
	s->v6only = family == AF_INET6 ? -1 : 0;
	return 0;
}

int
pl_procnet_parse(struct pl_socklist *l, const char *name, const char *text, enum pl_proto proto,
    int family, const struct pl_sock_query *q, struct pl_err *err)
{
	size_t cap = l->n;     /* grows from the current size: realloc doubles */
	long lineno = 0;

	for (const char *p = text; *p; ) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[512];
		struct pl_socket tmp = { 0 }, *s;

		lineno++;
		if (lineno > 1 && len > 0) {
			if (len >= sizeof(line))
				return pl_err_set(err, -PL_EDATA, "%s:%ld: line too long", name, lineno);
			memcpy(line, p, len);
			line[len] = '\0';
			if (parse_line(line, family, &tmp) != 0)
				return pl_err_set(err, -PL_EDATA, "%s:%ld: not a socket line", name, lineno);
			tmp.proto = proto;
			if (pl__sock_wanted(q, proto, tmp.state, tmp.lport)) {
				if ((s = pl__sock_add(l, &cap)) == NULL)
					return pl_err_set(err, -PL_ENOMEM, "out of memory");
				*s = tmp;
				pl__sock_finish(s);
			}
		}
		p += len + (nl != NULL);
	}
	return 0;
}

/* Reads a whole file (bounded at 256 MiB: /proc/net/tcp of a million sockets). */
char *
pl__read_file(const char *path, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (buf == NULL || fd < 0) {
		int e = errno;

		free(buf);
		if (fd >= 0)
			close(fd);
		errno = e;
		return NULL;
	}
	while ((r = read(fd, buf + n, cap - n - 1)) > 0) {
		n += (size_t)r;
		if (cap - n - 1 == 0) {
			char *p = cap < (256u << 20) ? realloc(buf, cap * 2) : NULL;

			if (p == NULL) {
				free(buf);
				close(fd);
				errno = ENOMEM;
				return NULL;
			}
			buf = p;
			cap *= 2;
		}
	}
	close(fd);
	if (r < 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* Reads dir/net/<name> for one protocol and family (dir: "<root>/proc" or "<root>/proc/PID"). */
int
pl__procnet_read(struct pl_socklist *l, const char *dir, enum pl_proto proto, int family,
    const struct pl_sock_query *q, uint64_t netns, struct pl_err *err)
{
	char path[4096];
	char *text;
	size_t before = l->n;
	int rc;

	snprintf(path, sizeof(path), "%s/net/%s%s", dir, proto == PL_PROTO_TCP ? "tcp" : "udp",
	    family == AF_INET6 ? "6" : "");
	if ((text = pl__read_file(path, NULL)) == NULL) {
		/* No IPv6 in this kernel: no file, and no sockets of that family. */
		if (errno == ENOENT && family == AF_INET6)
			return 0;
		return pl_err_set(err, errno == EACCES ? -PL_EPERM : -PL_ESYS, "%s: %s", path,
		    strerror(errno));
	}
	rc = pl_procnet_parse(l, path, text, proto, family, q, err);
	free(text);
	for (size_t i = before; i < l->n; i++)
		l->v[i].netns_ino = netns;
	return rc;
}

/* Lists this namespace's sockets: netlink first, /proc/net for what it can't give. */
int
pl__collect_own(const struct pl_sock_query *q, struct pl_socklist *l, const char *procdir,
    size_t *cap, struct pl_err *err)
{
	struct pl_netns_memo *m = q->no_netlink ? NULL : q->netns_memo;
	struct mnl_socket *nl = m ? m->nl : NULL;
	bool used_nl = false, used_proc = false;
	int rc = 0;

	if (nl == NULL && !q->no_netlink && (nl = mnl_socket_open(NETLINK_SOCK_DIAG)) != NULL &&
	    mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		mnl_socket_close(nl);
		nl = NULL;
	}
	/* The command's next collect uses the same socket (pl_netns_memo_free() closes it). */
	if (m != NULL)
		m->nl = nl;
	for (int pi = 0; pi < 2 && rc == 0; pi++) {
		enum pl_proto proto = pi == 0 ? PL_PROTO_TCP : PL_PROTO_UDP;

		if ((proto == PL_PROTO_TCP && q->udp && !q->tcp) ||
		    (proto == PL_PROTO_UDP && q->tcp && !q->udp))
			continue;
		for (int fi = 0; fi < 2 && rc == 0; fi++) {
			int family = fi == 0 ? AF_INET : AF_INET6;
			size_t before = l->n;

			if (q->family != 0 && q->family != family)
				continue;
			if (nl != NULL && nl_dump(nl, family, proto, q, l, cap) == 0) {
				used_nl = true;
				continue;
			}
			/* udp_diag may be a module that is not loaded: fall back, per table. */
			l->n = before;
			*cap = *cap > l->n ? *cap : l->n;
			rc = pl__procnet_read(l, procdir, proto, family, q, 0, err);
			used_proc = true;
		}
	}
	if (nl != NULL && m == NULL)
		mnl_socket_close(nl);
	l->source = used_nl && used_proc ? "netlink and /proc/net" : used_nl ? "netlink" :
	    "/proc/net";
	return rc;
}

int
pl_sockets_collect(const struct pl_sock_query *q, struct pl_socklist *l, struct pl_err *err)
{
	const char *root = q->root && *q->root && strcmp(q->root, "/") != 0 ? q->root : "";
	struct pl_sock_query local = *q;
	size_t cap = 0;
	int rc;

	memset(l, 0, sizeof(*l));
	/* A fixture root has no kernel behind it: its files are the only truth. */
	if (*root)
		local.no_netlink = true;
	if ((rc = pl_plat_sockets(&local, l, root, &cap, err)) != 0)
		goto fail;
	if (local.owners || local.other_netns) {
		if ((rc = pl_plat_owners(&local, l, root, &cap, err)) != 0)
			goto fail;
	}
	return 0;
fail:
	pl_socklist_free(l);
	return rc;
}

void
pl_socklist_free(struct pl_socklist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].owners);
		free(l->v[i].ident);
	}
	free(l->v);
	for (size_t i = 0; i < l->nprocs; i++)
		pl_proc_free(&l->procs[i]);
	free(l->procs);
	for (size_t i = 0; i < l->nstrings; i++)
		free(l->strings[i]);
	free(l->strings);
	memset(l, 0, sizeof(*l));
}

int
pl_proc_read(struct pl_proc *p, const char *root, pid_t pid)
{
	return pl_plat_proc_read(p, root, pid);
}

void
pl_proc_free(struct pl_proc *p)
{
	free(p->cmdline);
	free(p->user);
	free(p->unit);
	free(p->container_kind);
	free(p->container_id);
	free(p->container_image);
	free(p->container_name);
	free(p->pod);
	free(p->netns);
	free(p->exe);
	free(p->package);
	free(p->proxy_target);
	free(p->proxy_container);
	memset(p, 0, sizeof(*p));
}
