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

#include "portlore/render-sockets.h"

struct w {
	struct pl_buf *b;
	int rc;
};

static void
adds(struct w *w, const char *s)
{
	if (w->rc == 0)
		w->rc = pl_buf_adds(w->b, s);
}

static void
addf(struct w *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
addf(struct w *w, const char *fmt, ...)
{
	va_list ap;

	if (w->rc != 0)
		return;
	va_start(ap, fmt);
	w->rc = pl_buf_vprintf(w->b, fmt, ap);
	va_end(ap);
}

/* A JSON string (RFC 8259 section 7), or null for NULL. Input is UTF-8 (procinfo.c
 * replaced everything else). */
static void
jstr(struct w *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run;

	if (s == NULL) {
		adds(w, "null");
		return;
	}
	adds(w, "\"");
	for (run = s; *s && w->rc == 0; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		w->rc = pl_buf_add(w->b, run, (size_t)(s - run));
		if (c == '"' || c == '\\') {
			char e[3] = { '\\', (char)c, 0 };

			adds(w, e);
		} else {
			char e[7] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0 };

			adds(w, e);
		}
		run = s + 1;
	}
	if (w->rc == 0)
		w->rc = pl_buf_add(w->b, run, (size_t)(s - run));
	adds(w, "\"");
}

static void
addr_only(char *buf, size_t len, int family, const uint8_t *a)
{
	if (inet_ntop(family, a, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
}

static void
iso_time(char *buf, size_t len, long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "?");
}

/* {"id", "name", "confidence", "why": [...], "candidates": [...], "contradiction"},
 * or null (docs/json.md). */
static void
ident_json(struct w *w, const struct pl_identified *id)
{
	if (id == NULL) {
		adds(w, "null");
		return;
	}
	adds(w, "{\"id\": ");
	jstr(w, id->id);
	adds(w, ", \"name\": ");
	jstr(w, id->name);
	addf(w, ", \"confidence\": \"%s\", \"why\": [", pl_id_confidence_name(id->confidence));
	for (size_t i = 0; i < id->nwhy; i++) {
		adds(w, i ? ", " : "");
		jstr(w, id->why[i]);
	}
	adds(w, "], \"candidates\": [");
	for (size_t i = 0; i < id->ncand; i++) {
		adds(w, i ? ", {\"id\": " : "{\"id\": ");
		jstr(w, id->cand[i].id);
		adds(w, ", \"name\": ");
		jstr(w, id->cand[i].name);
		addf(w, ", \"score\": %d}", id->cand[i].score);
	}
	adds(w, "], \"contradiction\": ");
	jstr(w, *id->contradiction ? id->contradiction : NULL);
	adds(w, ", \"provenance\": \"inferred\"}");
}

static void
socket_json(struct w *w, const struct pl_socklist *l, const struct pl_socket *s)
{
	char la[INET6_ADDRSTRLEN], ra[INET6_ADDRSTRLEN];

	addr_only(la, sizeof(la), s->family, s->laddr);
	addr_only(ra, sizeof(ra), s->family, s->raddr);
	addf(w, "{\"protocol\": \"%s\", \"family\": \"%s\", \"state\": \"%s\", "
	    "\"local\": {\"address\": \"%s\", \"port\": %u}, "
	    "\"remote\": {\"address\": \"%s\", \"port\": %u}, \"scope\": \"%s\", \"v6only\": %s, "
	    "\"inode\": %llu, \"uid\": %u, \"netns\": ", pl_proto_name(s->proto),
	    s->family == AF_INET ? "ipv4" : "ipv6", pl_sock_state_name(s->proto, s->state), la,
	    (unsigned)s->lport, ra, (unsigned)s->rport, pl_sock_scope_name(s->scope),
	    s->v6only < 0 ? "null" : s->v6only ? "true" : "false",
	    (unsigned long long)s->inode, (unsigned)s->uid);
	if (s->netns_ino != 0)
		addf(w, "\"net:[%llu]\"", (unsigned long long)s->netns_ino);
	else if (l->own_netns != 0)
		addf(w, "\"net:[%llu]\"", (unsigned long long)l->own_netns);
	else
		adds(w, "null");
	adds(w, ", \"pids\": [");
	for (size_t i = 0; i < s->nowners; i++)
		addf(w, "%s%d", i ? ", " : "", (int)l->procs[s->owners[i]].pid);
	adds(w, "], \"registry\": ");
	jstr(w, s->registry);
	adds(w, ", \"lore\": ");
	if (s->lore_id != NULL) {
		adds(w, "{\"id\": ");
		jstr(w, s->lore_id);
		adds(w, ", \"name\": ");
		jstr(w, s->lore_name);
		adds(w, ", \"provenance\": \"inferred\"}");
	} else {
		adds(w, "null");
	}
	adds(w, ", \"identified\": ");
	ident_json(w, s->ident);
	adds(w, ", \"provenance\": \"observed\"}");
}

static void
proc_json(struct w *w, const struct pl_proc *p)
{
	char t[32];

	iso_time(t, sizeof(t), p->start);
	addf(w, "{\"pid\": %d, \"ppid\": %d, \"name\": ", (int)p->pid, (int)p->ppid);
	jstr(w, p->comm);
	adds(w, ", \"cmdline\": ");
	jstr(w, p->cmdline);
	addf(w, ", \"uid\": %d, \"user\": ", p->uid == (uid_t)-1 ? -1 : (int)p->uid);
	jstr(w, p->user);
	adds(w, ", \"exe\": ");
	jstr(w, p->exe);
	adds(w, ", \"package\": ");
	jstr(w, p->package);
	adds(w, ", \"start\": ");
	jstr(w, p->start > 0 ? t : NULL);
	adds(w, ", \"unit\": ");
	jstr(w, p->unit);
	adds(w, ", \"container\": ");
	if (p->container_kind != NULL) {
		adds(w, "{\"runtime\": ");
		jstr(w, p->container_kind);
		adds(w, ", \"id\": ");
		jstr(w, p->container_id);
		adds(w, ", \"pod\": ");
		jstr(w, p->pod);
		adds(w, "}");
	} else {
		adds(w, "null");
	}
	adds(w, ", \"netns\": ");
	jstr(w, p->netns);
	adds(w, ", \"docker_proxy\": ");
	if (p->proxy_target != NULL) {
		adds(w, "{\"target\": ");
		jstr(w, p->proxy_target);
		adds(w, ", \"container\": ");
		jstr(w, p->proxy_container);
		adds(w, "}");
	} else {
		adds(w, "null");
	}
	adds(w, ", \"provenance\": \"observed\"}");
}

int
pl_render_sockets_json(struct pl_buf *out, const struct pl_socklist *l)
{
	struct w w = { out, 0 };

	adds(&w, "{\"source\": ");
	jstr(&w, l->source);
	adds(&w, ", \"unavailable\": ");
	jstr(&w, *l->notes ? l->notes : NULL);
	addf(&w, ", \"processes_walked\": %ld, \"processes_denied\": %ld, \"stopped_early\": %s, "
	    "\"other_namespaces\": %zu, \"sockets\": [", l->pids_seen, l->pids_denied,
	    l->early_stop ? "true" : "false", l->namespaces);
	for (size_t i = 0; i < l->n && w.rc == 0; i++) {
		adds(&w, i ? ",\n    " : "\n    ");
		socket_json(&w, l, &l->v[i]);
	}
	adds(&w, l->n ? "\n  ], \"processes\": [" : "], \"processes\": [");
	for (size_t i = 0; i < l->nprocs && w.rc == 0; i++) {
		adds(&w, i ? ",\n    " : "\n    ");
		proc_json(&w, &l->procs[i]);
	}
	adds(&w, l->nprocs ? "\n  ], \"provenance\": \"observed\"}" :
	    "], \"provenance\": \"observed\"}");
	return w.rc;
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
owner_line(struct w *w, const struct pl_proc *p)
{
	addf(w, "%d/%s", (int)p->pid, p->comm);
	if (p->user)
		addf(w, " (%s)", p->user);
	if (p->container_kind)
		addf(w, " %s:%.12s", p->container_kind, p->pod ? p->pod :
		    p->container_id ? p->container_id : "?");
	else if (p->unit)
		addf(w, " %s", p->unit);
}

static void
owner_detail(struct w *w, const struct pl_socklist *l, const struct pl_proc *p, int width)
{
	char t[32];

	iso_time(t, sizeof(t), p->start);
	addf(w, "      pid %d, parent %d, user %s, started %s\n", (int)p->pid, (int)p->ppid,
	    p->user ? p->user : "?", t);
	adds(w, "      command: ");
	if (w->rc == 0)
		w->rc = pl_wrap(w->b, *p->cmdline ? p->cmdline : p->comm, 8, 15, width);
	adds(w, "\n");
	if (p->exe)
		addf(w, "      executable: %s%s%s%s\n", p->exe, p->package ? " (Debian package " : "",
		    p->package ? p->package : "", p->package ? ")" : "");
	if (p->unit)
		addf(w, "      systemd unit: %s\n", p->unit);
	if (p->container_kind)
		addf(w, "      container: %s %s%s%s\n", p->container_kind,
		    p->container_id ? p->container_id : "(id not in the cgroup path)",
		    p->pod ? ", pod " : "", p->pod ? p->pod : "");
	if (p->proxy_target)
		addf(w, "      docker-proxy: publishes the container at %s%s%s\n", p->proxy_target,
		    p->proxy_container ? ", container " : "",
		    p->proxy_container ? p->proxy_container : "");
	if (p->netns && l->own_netns && strstr(p->netns, "net:[") &&
	    strtoull(p->netns + 5, NULL, 10) != l->own_netns)
		addf(w, "      network namespace: %s (not this shell's)\n", p->netns);
}

/* "= OpenSSH sshd (confirmed)", "= Redis? (port only)", "? one of A, B", "! 6379 held
 * by nc, not redis-server". */
static void
ident_short(struct w *w, const struct pl_identified *id)
{
	if (id == NULL)
		return;
	if (*id->contradiction)
		addf(w, "  ! %s", id->contradiction);
	if (id->name)
		addf(w, "  = %s (%s)", id->name, pl_id_confidence_name(id->confidence));
	else if (id->confidence == PL_ID_AMBIGUOUS && id->ncand > 1)
		addf(w, "  ? %s or %s%s", id->cand[0].name, id->cand[1].name,
		    id->ncand > 2 ? " or more" : "");
}

/* Under a socket: why the holder is what portlore says, and the runners-up. */
static void
ident_detail(struct w *w, const struct pl_identified *id, int width)
{
	struct pl_buf b = PL_BUF_INIT;
	int rc = 0;

	if (id == NULL || id->confidence == PL_ID_NONE)
		return;
	if (id->name)
		rc = pl_buf_printf(&b, "%s, %s: ", id->name, pl_id_confidence_name(id->confidence));
	else
		rc = pl_buf_printf(&b, "%s: ", pl_id_confidence_name(id->confidence));
	for (size_t i = 0; i < id->nwhy && rc == 0; i++)
		rc = pl_buf_printf(&b, "%s%s", i ? "; " : "", id->why[i]);
	if (rc == 0 && id->name == NULL && id->ncand > 0) {
		rc = pl_buf_adds(&b, "; candidates:");
		for (size_t i = 0; i < id->ncand && rc == 0; i++)
			rc = pl_buf_printf(&b, "%s %s", i ? "," : "", id->cand[i].name);
	}
	adds(w, "      identified: ");
	if (w->rc == 0)
		w->rc = rc ? rc : pl_wrap(w->b, pl_buf_str(&b), 8, 18, width);
	adds(w, "\n");
	if (*id->contradiction)
		addf(w, "      not what lore expects here: %s\n", id->contradiction);
	pl_buf_free(&b);
}

static void
socket_line(struct w *w, const struct pl_socklist *l, const struct pl_socket *s, bool detailed,
    int width)
{
	struct pl_buf head = PL_BUF_INIT, rest = PL_BUF_INIT;
	struct w hw = { &head, 0 }, rw = { &rest, 0 };
	char la[80], ra[80];
	int cols;

	pl_sock_addr(la, sizeof(la), s->family, s->laddr, s->lport);
	pl_sock_addr(ra, sizeof(ra), s->family, s->raddr, s->rport);
	addf(&hw, "%-3s %-10s %-24s", pl_proto_name(s->proto),
	    pl_sock_state_name(s->proto, s->state), la);
	if (!pl_sock_is_listener(s))
		addf(&hw, " -> %-24s", ra);
	else
		addf(&hw, " %-16s", scope_text(s));
	for (size_t i = 0; i < s->nowners; i++) {
		adds(&rw, i ? ", " : "");
		owner_line(&rw, &l->procs[s->owners[i]]);
	}
	if (s->nowners == 0 && s->inode != 0)
		adds(&rw, "(owner not visible)");
	if (s->registry)
		addf(&rw, "  [%s]", s->registry);
	ident_short(&rw, s->ident);
	if (s->netns_ino != 0)
		addf(&rw, "  netns net:[%llu]", (unsigned long long)s->netns_ino);
	/* The columns as they are; what follows wraps at the width, indented. When the
	 * columns leave too little room, the whole line wraps. */
	w->rc = w->rc ? w->rc : hw.rc ? hw.rc : rw.rc;
	cols = (int)head.len;
	if (w->rc == 0 && cols + 21 <= width) {
		w->rc = pl_buf_add(w->b, head.data, head.len);
		adds(w, " ");
		if (w->rc == 0)
			w->rc = pl_wrap(w->b, pl_buf_str(&rest), 4, cols + 1, width);
	} else if (w->rc == 0) {
		struct pl_buf all = PL_BUF_INIT;

		w->rc = pl_buf_printf(&all, "%s %s", pl_buf_str(&head), pl_buf_str(&rest));
		if (w->rc == 0)
			w->rc = pl_wrap(w->b, pl_buf_str(&all), 4, 0, width);
		pl_buf_free(&all);
	}
	adds(w, "\n");
	pl_buf_free(&head);
	pl_buf_free(&rest);
	for (size_t i = 0; detailed && i < s->nowners; i++)
		owner_detail(w, l, &l->procs[s->owners[i]], width);
	if (detailed)
		ident_detail(w, s->ident, width);
}

int
pl_render_sockets_text(struct pl_buf *out, const struct pl_socklist *l, bool detailed,
    const struct pl_text_opts *o)
{
	struct w w = { out, 0 };

	for (size_t i = 0; i < l->n && w.rc == 0; i++)
		socket_line(&w, l, &l->v[i], detailed, o->width);
	if (*l->notes)
		addf(&w, "note: %s\n", l->notes);
	return w.rc;
}

/* ---- why a bind fails ---- */

static bool
in_eph(const struct pl_bind_why *b)
{
	return b->os.have_ephemeral && b->port >= b->os.eph_lo && b->port <= b->os.eph_hi;
}

/* One "- " item, wrapped at the terminal's width. */
static void
item(struct w *w, int width, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
item(struct w *w, int width, const char *fmt, ...)
{
	char text[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	adds(w, "- ");
	if (w->rc == 0)
		w->rc = pl_wrap(w->b, text, 2, 2, width);
	adds(w, "\n");
}

int
pl_render_bind_why_text(struct pl_buf *out, const struct pl_bind_why *b,
    const struct pl_socklist *l, const struct pl_text_opts *o)
{
	struct w w = { out, 0 };
	unsigned p = b->port;

	if (b->nlisteners == 0)
		addf(&w, "nothing listens on %u/%s here.\n", p, pl_proto_name(b->proto));
	for (size_t i = 0; i < b->noutgoing; i++) {
		const struct pl_socket *s = &l->v[b->outgoing[i]];
		char la[80], ra[80];

		pl_sock_addr(la, sizeof(la), s->family, s->laddr, s->lport);
		pl_sock_addr(ra, sizeof(ra), s->family, s->raddr, s->rport);
		addf(&w, "- a connection %s -> %s (%s) uses %u as its local port%s", la, ra,
		    pl_sock_state_name(s->proto, s->state), p, in_eph(b) ?
		    " (it is inside the ephemeral range, so the kernel handed it out)" : "");
		if (s->nowners > 0) {
			adds(&w, "; held by ");
			owner_line(&w, &l->procs[s->owners[0]]);
		}
		adds(&w, ".\n");
	}
	if (b->timewait > 0)
		item(&w, o->width, "%zu socket%s in TIME-WAIT on port %u: a server binds it again only "
		    "with SO_REUSEADDR, or after the wait (60 s on Linux).", b->timewait,
		    b->timewait == 1 ? "" : "s", p);
	if (in_eph(b) && b->noutgoing == 0)
		item(&w, o->width, "%u is inside the ephemeral range %u-%u (ip_local_port_range): an "
		    "outgoing connection may take it at any time.", p, b->os.eph_lo, b->os.eph_hi);
	if (b->os.have_reserved && pl_port_in_list(b->os.reserved, b->port))
		item(&w, o->width, "%u is listed in ip_local_reserved_ports (%s): the kernel never hands "
		    "it out to outgoing connections; an explicit bind still works.", p,
		    b->os.reserved);
	if (b->os.have_unpriv && (int)p < b->os.unpriv_start)
		item(&w, o->width, "%u is below ip_unprivileged_port_start (%d): binding needs root or "
		    "CAP_NET_BIND_SERVICE.", p, b->os.unpriv_start);
	if (b->bindv6only == 0)
		item(&w, o->width, "bindv6only is 0: a listener on [::]:%u also takes 0.0.0.0:%u, so an "
		    "IPv4 bind to the port fails while it runs (and a [::] bind fails while "
		    "anything holds the IPv4 port); IPV6_V6ONLY on the socket separates them.",
		    p, p);
	for (size_t i = 0; i < b->nelsewhere; i++)
		item(&w, o->width, "elsewhere: on %s, %s (%s). %s [lore]", b->elsewhere[i].system,
		    b->elsewhere[i].name, b->elsewhere[i].role, b->elsewhere[i].summary);
	return w.rc;
}

int
pl_render_bind_why_json(struct pl_buf *out, const struct pl_bind_why *b,
    const struct pl_socklist *l)
{
	struct w w = { out, 0 };

	(void)l;
	addf(&w, "{\"port\": %u, \"protocol\": \"%s\", \"listening\": %s, \"outgoing\": [",
	    (unsigned)b->port, pl_proto_name(b->proto), b->nlisteners ? "true" : "false");
	for (size_t i = 0; i < b->noutgoing; i++)
		addf(&w, "%s%zu", i ? ", " : "", b->outgoing[i]);
	addf(&w, "], \"time_wait\": %zu, \"ephemeral\": ", b->timewait);
	if (b->os.have_ephemeral)
		addf(&w, "{\"first\": %u, \"last\": %u, \"contains\": %s}", b->os.eph_lo,
		    b->os.eph_hi, in_eph(b) ? "true" : "false");
	else
		adds(&w, "null");
	adds(&w, ", \"reserved\": ");
	if (b->os.have_reserved) {
		adds(&w, "{\"list\": ");
		jstr(&w, b->os.reserved);
		addf(&w, ", \"contains\": %s}", pl_port_in_list(b->os.reserved, b->port) ?
		    "true" : "false");
	} else {
		adds(&w, "null");
	}
	adds(&w, ", \"privileged\": ");
	if (b->os.have_unpriv)
		addf(&w, "{\"unprivileged_port_start\": %d, \"privileged\": %s}", b->os.unpriv_start,
		    (int)b->port < b->os.unpriv_start ? "true" : "false");
	else
		adds(&w, "null");
	addf(&w, ", \"bindv6only\": %s, \"provenance\": \"observed\", \"elsewhere\": [",
	    b->bindv6only < 0 ? "null" : b->bindv6only ? "1" : "0");
	for (size_t i = 0; i < b->nelsewhere; i++) {
		adds(&w, i ? ", {\"system\": " : "{\"system\": ");
		jstr(&w, b->elsewhere[i].system);
		adds(&w, ", \"name\": ");
		jstr(&w, b->elsewhere[i].name);
		adds(&w, ", \"role\": ");
		jstr(&w, b->elsewhere[i].role);
		adds(&w, ", \"summary\": ");
		jstr(&w, b->elsewhere[i].summary);
		adds(&w, ", \"provenance\": \"lore\"}");
	}
	adds(&w, "]}");
	return w.rc;
}
