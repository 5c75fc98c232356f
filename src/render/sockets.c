/*
 * sockets.c (render): sockets of this machine as text and JSON. The JSON is written
 * straight into the buffer: `portlore ls --json` may print ten thousand sockets, and
 * building a tree of objects first would cost more than collecting them.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "portlore/json.h"
#include "portlore/num.h"
#include "portlore/render-sockets.h"

static void
addr_only(char *buf, size_t len, int family, const uint8_t *a)
{
	if (inet_ntop(family, a, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
}

static void
iso_time(char *buf, size_t len, long long t)
{
	pl_utc_iso(buf, len, t);
}

static void
endpoint_json(struct pl_json *j, const char *key, int family, const uint8_t *a, uint16_t port)
{
	char addr[INET6_ADDRSTRLEN];

	addr_only(addr, sizeof(addr), family, a);
	pl_json_kobj(j, key);
	pl_json_kstr(j, "address", addr);
	pl_json_kint(j, "port", port);
	pl_json_end(j);
}

void
pl_identified_json(struct pl_json *j, const struct pl_identified *id, const char *lore_id,
    const char *lore_name, enum pl_prov prov)
{
	if (id == NULL || id->confidence == PL_ID_NONE) {
		pl_json_knull(j, "identified");
		return;
	}
	pl_json_kobj(j, "identified");
	pl_json_kstr(j, "id", lore_id ? lore_id : id->id);
	pl_json_kstr(j, "name", lore_name ? lore_name : id->name);
	pl_json_kstr(j, "confidence", pl_id_confidence_name(id->confidence));
	pl_json_karr(j, "why");
	for (size_t i = 0; i < id->nwhy; i++)
		pl_json_str(j, id->why[i]);
	pl_json_end(j);
	pl_json_karr(j, "candidates");
	for (size_t i = 0; i < id->ncand; i++) {
		pl_json_obj(j);
		pl_json_kstr(j, "id", id->cand[i].id);
		pl_json_kstr(j, "name", id->cand[i].name);
		pl_json_kint(j, "score", id->cand[i].score);
		pl_json_end(j);
	}
	pl_json_end(j);
	pl_json_kstr(j, "contradiction", *id->contradiction ? id->contradiction : NULL);
	pl_json_kstr(j, "provenance", pl_prov_name(prov));
	pl_json_end(j);
}

static void
socket_json(struct pl_json *j, const struct pl_socklist *l, const struct pl_socket *s)
{
	char ns[32];
	unsigned long long ino = s->netns_ino ? s->netns_ino : l->own_netns;

	snprintf(ns, sizeof(ns), "net:[%llu]", ino);
	pl_json_obj(j);
	pl_json_kstr(j, "protocol", pl_proto_name(s->proto));
	pl_json_kstr(j, "family", s->family == AF_INET ? "ipv4" : "ipv6");
	pl_json_kstr(j, "state", pl_sock_state_name(s->proto, s->state));
	endpoint_json(j, "local", s->family, s->laddr, s->lport);
	endpoint_json(j, "remote", s->family, s->raddr, s->rport);
	pl_json_kstr(j, "scope", pl_sock_scope_name(s->scope));
	if (s->v6only < 0)
		pl_json_knull(j, "v6only");
	else
		pl_json_kbool(j, "v6only", s->v6only);
	pl_json_kint(j, "inode", (long long)s->inode);
	pl_json_kint(j, "uid", s->uid);
	pl_json_kstr(j, "netns", ino ? ns : NULL);
	pl_json_karr(j, "pids");
	for (size_t i = 0; i < s->nowners; i++)
		pl_json_int(j, l->procs[s->owners[i]].pid);
	pl_json_end(j);
	pl_json_kstr(j, "registry", s->registry);
	if (s->lore_id != NULL) {
		pl_json_kobj(j, "lore");
		pl_json_kstr(j, "id", s->lore_id);
		pl_json_kstr(j, "name", s->lore_name);
		pl_json_kstr(j, "provenance", "inferred");
		pl_json_end(j);
	} else {
		pl_json_knull(j, "lore");
	}
	pl_identified_json(j, s->ident, NULL, NULL, PL_PROV_INFERRED);
	pl_json_kstr(j, "provenance", "observed");
	pl_json_end(j);
}

static void
proc_json(struct pl_json *j, const struct pl_proc *p)
{
	char t[32];

	iso_time(t, sizeof(t), p->start);
	pl_json_obj(j);
	pl_json_kint(j, "pid", p->pid);
	pl_json_kint(j, "ppid", p->ppid);
	pl_json_kstr(j, "name", p->comm);
	pl_json_kstr(j, "cmdline", p->cmdline);
	pl_json_kint(j, "uid", p->uid == (uid_t)-1 ? -1 : (long long)p->uid);
	pl_json_kstr(j, "user", p->user);
	pl_json_kstr(j, "exe", p->exe);
	pl_json_kstr(j, "package", p->package);
	pl_json_kstr(j, "start", p->start > 0 ? t : NULL);
	pl_json_kstr(j, "unit", p->unit);
	if (p->container_kind != NULL) {
		pl_json_kobj(j, "container");
		pl_json_kstr(j, "runtime", p->container_kind);
		pl_json_kstr(j, "id", p->container_id);
		pl_json_kstr(j, "pod", p->pod);
		pl_json_kstr(j, "image", p->container_image);
		pl_json_kstr(j, "name", p->container_name);
		pl_json_end(j);
	} else {
		pl_json_knull(j, "container");
	}
	pl_json_kstr(j, "netns", p->netns);
	if (p->proxy_target != NULL) {
		pl_json_kobj(j, "docker_proxy");
		pl_json_kstr(j, "target", p->proxy_target);
		pl_json_kstr(j, "container", p->proxy_container);
		pl_json_end(j);
	} else {
		pl_json_knull(j, "docker_proxy");
	}
	pl_json_kstr(j, "provenance", "observed");
	pl_json_end(j);
}

void
pl_sockets_json(struct pl_json *j, const struct pl_socklist *l)
{
	pl_json_obj(j);
	pl_json_kstr(j, "source", l->source);
	pl_json_kstr(j, "unavailable", *l->notes ? l->notes : NULL);
	pl_json_kint(j, "processes_walked", l->pids_seen);
	pl_json_kint(j, "descriptors_read", l->fds_seen);
	pl_json_kint(j, "processes_denied", l->pids_denied);
	pl_json_kint(j, "processes_refused", l->pids_refused);
	pl_json_kbool(j, "stopped_early", l->early_stop);
	pl_json_kint(j, "other_namespaces", (long long)l->namespaces);
	pl_json_karr(j, "sockets");
	for (size_t i = 0; i < l->n; i++)
		socket_json(j, l, &l->v[i]);
	pl_json_end(j);
	pl_json_karr(j, "processes");
	for (size_t i = 0; i < l->nprocs; i++)
		proc_json(j, &l->procs[i]);
	pl_json_end(j);
	pl_json_kstr(j, "provenance", "observed");
	pl_json_end(j);
}

int
pl_render_sockets_json(struct pl_buf *out, const struct pl_socklist *l)
{
	struct pl_json j;

	/* The object is a member of a document: its lines start two spaces in. */
	pl_json_init(&j, out, 2);
	j.margin = 2;
	pl_sockets_json(&j, l);
	return pl_json_done(&j);
}

/* ---- text ---- */

static const char *
scope_text(const struct pl_socket *s)
{
	if (s->scope == PL_SCOPE_LOOPBACK)
		return "loopback only";
	if (s->scope == PL_SCOPE_ALL)
		return s->family == AF_INET6 && s->v6only == 0 ? "all interfaces, IPv4 too" :
		    "all interfaces";
	return "one address";
}

static void
owner_line(struct pl_buf *b, const struct pl_proc *p)
{
	pl_buf_printf(b, "%d/%s", (int)p->pid, p->comm);
	if (p->user)
		pl_buf_printf(b, " (%s)", p->user);
	if (p->container_kind)
		pl_buf_printf(b, " %s:%.12s", p->container_kind, p->pod ? p->pod :
		    p->container_id ? p->container_id : "?");
	if (p->container_image)
		pl_buf_printf(b, " (%.80s)", p->container_image);
	else if (p->unit)
		pl_buf_printf(b, " %s", p->unit);
}

static void
owner_detail(struct pl_buf *b, const struct pl_socklist *l, const struct pl_proc *p, int width)
{
	char t[32];

	iso_time(t, sizeof(t), p->start);
	pl_buf_printf(b, "      pid %d, parent %d, user %s, started %s\n", (int)p->pid, (int)p->ppid,
	    p->user ? p->user : "?", t);
	pl_buf_adds(b, "      command: ");
	pl_wrap(b, *p->cmdline ? p->cmdline : p->comm, 8, 15, width);
	pl_buf_adds(b, "\n");
	if (p->exe)
		pl_buf_printf(b, "      executable: %s%s%s%s\n", p->exe, p->package ?
		    " (Debian package " : "", p->package ? p->package : "", p->package ? ")" : "");
	if (p->unit)
		pl_buf_printf(b, "      systemd unit: %s\n", p->unit);
	if (p->container_kind)
		pl_buf_printf(b, "      container: %s %s%s%s%s%.200s%s%.200s\n", p->container_kind,
		    p->container_id ? p->container_id : "(id not in the cgroup path)",
		    p->pod ? ", pod " : "", p->pod ? p->pod : "",
		    p->container_name ? ", name " : "", p->container_name ? p->container_name : "",
		    p->container_image ? ", image " : "",
		    p->container_image ? p->container_image : "");
	if (p->proxy_target)
		pl_buf_printf(b, "      docker-proxy: publishes the container at %s%s%s\n", p->proxy_target,
		    p->proxy_container ? ", container " : "",
		    p->proxy_container ? p->proxy_container : "");
	if (p->netns && l->own_netns && strstr(p->netns, "net:[") &&
	    strtoull(p->netns + 5, NULL, 10) != l->own_netns)
		pl_buf_printf(b, "      network namespace: %s (not this shell's)\n", p->netns);
}

/* "= OpenSSH sshd (confirmed)", "? A or B", "! 6379 held by nc, not redis-server". */
static void
ident_short(struct pl_buf *b, const struct pl_identified *id)
{
	if (id == NULL)
		return;
	if (*id->contradiction)
		pl_buf_printf(b, "  ! %s", id->contradiction);
	if (id->name)
		pl_buf_printf(b, "  = %s (%s)", id->name, pl_id_confidence_name(id->confidence));
	else if (id->confidence == PL_ID_AMBIGUOUS && id->ncand > 1)
		pl_buf_printf(b, "  ? %s or %s%s", id->cand[0].name, id->cand[1].name,
		    id->ncand > 2 ? " or more" : "");
}

/* Under a socket: why the holder is what portlore says, and the runners-up. */
static void
ident_detail(struct pl_buf *b, const struct pl_identified *id, int width)
{
	struct pl_buf t = PL_BUF_INIT;

	if (id == NULL || id->confidence == PL_ID_NONE)
		return;
	if (id->name)
		pl_buf_printf(&t, "%s, %s: ", id->name, pl_id_confidence_name(id->confidence));
	else
		pl_buf_printf(&t, "%s: ", pl_id_confidence_name(id->confidence));
	for (size_t i = 0; i < id->nwhy; i++)
		pl_buf_printf(&t, "%s%s", i ? "; " : "", id->why[i]);
	if (id->name == NULL && id->ncand > 0) {
		pl_buf_adds(&t, "; candidates:");
		for (size_t i = 0; i < id->ncand; i++)
			pl_buf_printf(&t, "%s %s", i ? "," : "", id->cand[i].name);
	}
	pl_buf_adds(b, "      identified: ");
	if (pl_buf_error(&t) != 0)
		pl_buf_fail(b, pl_buf_error(&t));
	else
		pl_wrap(b, pl_buf_str(&t), 8, 18, width);
	pl_buf_adds(b, "\n");
	if (*id->contradiction)
		pl_buf_printf(b, "      not what lore expects here: %s\n", id->contradiction);
	pl_buf_free(&t);
}

static void
socket_line(struct pl_buf *b, const struct pl_socklist *l, const struct pl_socket *s, bool detailed,
    int width)
{
	struct pl_buf head = PL_BUF_INIT, rest = PL_BUF_INIT;
	char la[80], ra[80];
	int cols;

	pl_sock_addr(la, sizeof(la), s->family, s->laddr, s->lport);
	pl_sock_addr(ra, sizeof(ra), s->family, s->raddr, s->rport);
	pl_buf_printf(&head, "%-3s %-10s %-24s", pl_proto_name(s->proto),
	    pl_sock_state_name(s->proto, s->state), la);
	if (!pl_sock_is_listener(s))
		pl_buf_printf(&head, " -> %-24s", ra);
	else
		pl_buf_printf(&head, " %-16s", scope_text(s));
	for (size_t i = 0; i < s->nowners; i++) {
		pl_buf_adds(&rest, i ? ", " : "");
		owner_line(&rest, &l->procs[s->owners[i]]);
	}
	if (s->nowners == 0 && s->inode != 0)
		pl_buf_adds(&rest, "(owner not visible)");
	if (s->registry)
		pl_buf_printf(&rest, "  [%s]", s->registry);
	ident_short(&rest, s->ident);
	if (s->netns_ino != 0)
		pl_buf_printf(&rest, "  netns net:[%llu]", (unsigned long long)s->netns_ino);
	/* The columns as they are; what follows wraps at the width, indented. When the
	 * columns leave too little room, the whole line wraps. */
	if (pl_buf_error(&head) != 0 || pl_buf_error(&rest) != 0) {
		pl_buf_fail(b, pl_buf_error(&head) ? pl_buf_error(&head) : pl_buf_error(&rest));
	} else if ((cols = (int)head.len) + 21 <= width) {
		pl_buf_add(b, head.data, head.len);
		pl_buf_adds(b, " ");
		pl_wrap(b, pl_buf_str(&rest), 4, cols + 1, width);
	} else {
		pl_buf_adds(&head, " ");
		pl_buf_adds(&head, pl_buf_str(&rest));
		if (pl_buf_error(&head) != 0)
			pl_buf_fail(b, pl_buf_error(&head));
		else
			pl_wrap(b, pl_buf_str(&head), 4, 0, width);
	}
	pl_buf_adds(b, "\n");
	pl_buf_free(&head);
	pl_buf_free(&rest);
	for (size_t i = 0; detailed && i < s->nowners; i++)
		owner_detail(b, l, &l->procs[s->owners[i]], width);
	if (detailed)
		ident_detail(b, s->ident, width);
}

int
pl_render_sockets_text(struct pl_buf *out, const struct pl_socklist *l, bool detailed,
    const struct pl_text_opts *o)
{

	for (size_t i = 0; i < l->n; i++)
		socket_line(out, l, &l->v[i], detailed, o->width);
	if (*l->notes)
		pl_buf_printf(out, "note: %s\n", l->notes);
	return pl_buf_error(out);
}

/* ---- why a bind fails ---- */

static bool
in_eph(const struct pl_bind_why *b)
{
	return b->os.have_ephemeral && b->port >= b->os.eph_lo && b->port <= b->os.eph_hi;
}

/* One "- " item, wrapped at the terminal's width. */
static void
item(struct pl_buf *b, int width, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
item(struct pl_buf *b, int width, const char *fmt, ...)
{
	char text[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	pl_buf_adds(b, "- ");
	pl_wrap(b, text, 2, 2, width);
	pl_buf_adds(b, "\n");
}

int
pl_render_bind_why_text(struct pl_buf *out, const struct pl_bind_why *b,
    const struct pl_socklist *l, const struct pl_text_opts *o)
{
	unsigned p = b->port;

	if (b->nlisteners == 0)
		pl_buf_printf(out, "nothing listens on %u/%s here.\n", p, pl_proto_name(b->proto));
	for (size_t i = 0; i < b->noutgoing; i++) {
		const struct pl_socket *s = &l->v[b->outgoing[i]];
		char la[80], ra[80];

		pl_sock_addr(la, sizeof(la), s->family, s->laddr, s->lport);
		pl_sock_addr(ra, sizeof(ra), s->family, s->raddr, s->rport);
		pl_buf_printf(out, "- a connection %s -> %s (%s) uses %u as its local port%s", la, ra,
		    pl_sock_state_name(s->proto, s->state), p, in_eph(b) ?
		    " (it is inside the ephemeral range, so the kernel handed it out)" : "");
		if (s->nowners > 0) {
			pl_buf_adds(out, "; held by ");
			owner_line(out, &l->procs[s->owners[0]]);
		}
		pl_buf_adds(out, ".\n");
	}
	if (b->timewait > 0)
		item(out, o->width, "%zu socket%s in TIME-WAIT on port %u: a server binds it again only "
		    "with SO_REUSEADDR, or after the wait (60 s on Linux).", b->timewait,
		    b->timewait == 1 ? "" : "s", p);
	if (in_eph(b) && b->noutgoing == 0)
		item(out, o->width, "%u is inside the ephemeral range %u-%u (ip_local_port_range): an "
		    "outgoing connection may take it at any time.", p, b->os.eph_lo, b->os.eph_hi);
	if (pl_os_reserved(&b->os, b->port)) {
		char list[72];

		pl_os_reserved_brief(&b->os, list, sizeof(list));
		item(out, o->width, "%u is listed in ip_local_reserved_ports (%s): the kernel never hands "
		    "it out to outgoing connections; an explicit bind still works.", p, list);
	}
	if (b->os.have_unpriv && (int)p < b->os.unpriv_start)
		item(out, o->width, "%u is below ip_unprivileged_port_start (%d): binding needs root or "
		    "CAP_NET_BIND_SERVICE.", p, b->os.unpriv_start);
	if (b->bindv6only == 0)
		item(out, o->width, "bindv6only is 0: a listener on [::]:%u also takes 0.0.0.0:%u, so an "
		    "IPv4 bind to the port fails while it runs (and a [::] bind fails while "
		    "anything holds the IPv4 port); IPV6_V6ONLY on the socket separates them.",
		    p, p);
	for (size_t i = 0; i < b->nelsewhere; i++)
		item(out, o->width, "elsewhere: on %s, %s (%s). %s [lore]", b->elsewhere[i].system,
		    b->elsewhere[i].name, b->elsewhere[i].role, b->elsewhere[i].summary);
	return pl_buf_error(out);
}

void
pl_json_kreserved(struct pl_json *j, const struct pl_os_ranges *os)
{
	char small[256], *list = small;
	size_t n = pl_os_reserved_list(os, small, sizeof(small));

	if (n >= sizeof(small)) {
		if ((list = malloc(n + 1)) == NULL) {
			pl_buf_fail(j->b, -PL_ENOMEM);
			return;
		}
		pl_os_reserved_list(os, list, n + 1);
	}
	pl_json_kstr(j, "list", list);
	if (list != small)
		free(list);
}

void
pl_bind_why_json(struct pl_json *j, const struct pl_bind_why *b)
{
	pl_json_obj(j);
	pl_json_kint(j, "port", b->port);
	pl_json_kstr(j, "protocol", pl_proto_name(b->proto));
	pl_json_kbool(j, "listening", b->nlisteners > 0);
	pl_json_karr(j, "outgoing");
	for (size_t i = 0; i < b->noutgoing; i++)
		pl_json_int(j, (long long)b->outgoing[i]);
	pl_json_end(j);
	pl_json_kint(j, "time_wait", (long long)b->timewait);
	if (b->os.have_ephemeral) {
		pl_json_kobj(j, "ephemeral");
		pl_json_kint(j, "first", b->os.eph_lo);
		pl_json_kint(j, "last", b->os.eph_hi);
		pl_json_kbool(j, "contains", in_eph(b));
		pl_json_end(j);
	} else {
		pl_json_knull(j, "ephemeral");
	}
	if (b->os.have_reserved) {
		pl_json_kobj(j, "reserved");
		pl_json_kreserved(j, &b->os);
		pl_json_kbool(j, "contains", pl_os_reserved(&b->os, b->port));
		pl_json_end(j);
	} else {
		pl_json_knull(j, "reserved");
	}
	if (b->os.have_unpriv) {
		pl_json_kobj(j, "privileged");
		pl_json_kint(j, "unprivileged_port_start", b->os.unpriv_start);
		pl_json_kbool(j, "privileged", (int)b->port < b->os.unpriv_start);
		pl_json_end(j);
	} else {
		pl_json_knull(j, "privileged");
	}
	if (b->bindv6only < 0)
		pl_json_knull(j, "bindv6only");
	else
		pl_json_kint(j, "bindv6only", b->bindv6only ? 1 : 0);
	pl_json_kstr(j, "provenance", "observed");
	pl_json_karr(j, "elsewhere");
	for (size_t i = 0; i < b->nelsewhere; i++) {
		pl_json_obj(j);
		pl_json_kstr(j, "system", b->elsewhere[i].system);
		pl_json_kstr(j, "name", b->elsewhere[i].name);
		pl_json_kstr(j, "role", b->elsewhere[i].role);
		pl_json_kstr(j, "summary", b->elsewhere[i].summary);
		pl_json_kstr(j, "provenance", "lore");
		pl_json_end(j);
	}
	pl_json_end(j);
	pl_json_end(j);
}

int
pl_render_bind_why_json(struct pl_buf *out, const struct pl_bind_why *b,
    const struct pl_socklist *l)
{
	struct pl_json j;

	(void)l;
	pl_json_init(&j, out, 2);
	pl_json_style(&j, PL_JSON_LINE);
	pl_bind_why_json(&j, b);
	return pl_json_done(&j);
}
