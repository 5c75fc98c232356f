/*
 * brief.c: one port on one screen. The reports of one port number (tcp, udp, ...) become
 * one block: a headline (the use identified as holding the port, else the top use, and
 * what holds it here), the registry rows (protocols with the same row merged), the
 * range in one line, the listeners with what they were identified as, the top uses one
 * line each with their risk on this port, and how to see the rest (--full, which is
 * text.c's whole report). Lines never pass the width.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "portlore/render.h"

#define TOP_USES 5
#define MAX_LISTENERS 4
#define LABEL 12

struct w {
	struct pl_buf *b;
	const struct pl_text_opts *o;
	int rc;
};

static void
adds(struct w *w, const char *s)
{
	if (w->rc == 0)
		w->rc = pl_buf_adds(w->b, s);
}

static void
sgr(struct w *w, const char *code)
{
	if (w->o->color)
		adds(w, code);
}

/* Appends s cut to at most cols display columns (pl_cut()). */
static void
add_cut(struct w *w, const char *s, int cols)
{
	if (w->rc == 0)
		w->rc = pl_cut(w->b, s, cols);
}

/* A fact line: the label in its column (cyan), then text cut to the width, in tone
 * (an SGR sequence, or NULL). The text is cut first, so no escape is ever cut. */
static void
tline(struct w *w, const char *label, const char *text, const char *tone)
{
	char head[LABEL + 1];

	snprintf(head, sizeof(head), "  %-*s", LABEL - 2, label ? label : "");
	sgr(w, "\033[36m");
	adds(w, head);
	sgr(w, "\033[0m");
	if (tone)
		sgr(w, tone);
	add_cut(w, text, w->o->width - LABEL);
	if (tone)
		sgr(w, "\033[0m");
	adds(w, "\n");
}

static void
line(struct w *w, const char *label, const char *text)
{
	tline(w, label, text, NULL);
}

/* A fact line wrapped, not cut: for facts whose end matters (the registry's date). */
static void
wline(struct w *w, const char *label, const char *text)
{
	char head[LABEL + 1];

	snprintf(head, sizeof(head), "  %-*s", LABEL - 2, label ? label : "");
	sgr(w, "\033[36m");
	adds(w, head);
	sgr(w, "\033[0m");
	if (w->rc == 0)
		w->rc = pl_wrap(w->b, text, LABEL, LABEL, w->o->width);
	adds(w, "\n");
}

static const char *
first_service(const struct pl_report *r)
{
	for (size_t i = 0; i < r->nrecords; i++)
		if (*r->records[i].service)
			return r->records[i].service;
	return "";
}

/* The first use of this very port (not of a wide range), or NULL. */
static const struct pl_lore_use *
top_use(const struct pl_report *r)
{
	for (size_t i = 0; i < r->nuses; i++)
		if (!r->uses[i].broad)
			return &r->uses[i];
	return NULL;
}

/* The first listener with a visible owner across the reports, or NULL. */
static const struct pl_socket *
first_listener(const struct pl_report *const *r, size_t n, const struct pl_socklist **in)
{
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < r[k]->sockets.n; i++)
			if (r[k]->sockets.v[i].nowners > 0) {
				*in = &r[k]->sockets;
				return &r[k]->sockets.v[i];
			}
	return NULL;
}

/* Whether the reports saw a socket on the port, owner visible or not. */
static bool
any_socket(const struct pl_report *const *r, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (r[k]->sockets_read && r[k]->sockets.n > 0)
			return true;
	return false;
}

/* "22/tcp ssh: OpenSSH sshd (dominant), here: nothing listens"; with a holder it
 * identifies, "22/tcp ssh: OpenSSH sshd (confirmed), here: sshd (pid 812, systemd
 * ssh.service)". */
static void
headline(struct w *w, const struct pl_report *const *r, size_t n, struct pl_buf *t)
{
	const struct pl_report *h = r[0];
	const struct pl_lore_use *u = NULL;
	const struct pl_socklist *l = NULL;
	const struct pl_socket *s = first_listener(r, n, &l);
	const struct pl_identified *id = NULL;
	bool read = false;

	/* The protocol that has the most to say leads: a listener, else lore. */
	for (size_t k = 0; k < n && !s; k++)
		if (top_use(r[k])) {
			h = r[k];
			break;
		}
	if (s)
		for (size_t k = 0; k < n; k++)
			if (&r[k]->sockets == l)
				h = r[k];
	u = top_use(h);
	for (size_t k = 0; k < n; k++)
		read |= r[k]->sockets_read;
	char tail[200] = "";
	int room;

	if (s) {
		const struct pl_proc *p = &l->procs[s->owners[0]];

		/* What holds the port, when identification singles it out, is what the
		 * headline names rather than the port's most usual use. */
		if (s->ident && s->ident->name && !*s->ident->contradiction &&
		    s->ident->confidence >= PL_ID_LIKELY)
			id = s->ident;

		snprintf(tail, sizeof(tail), ", here: %s (pid %d%s%s%s%s%s%.60s)", p->comm, (int)p->pid,
		    p->unit ? ", systemd " : "", p->unit ? p->unit : "",
		    p->container_kind ? ", container " : "", p->container_kind ? p->container_kind : "",
		    p->container_image ? " " : "", p->container_image ? p->container_image : "");
	} else if (any_socket(r, n)) {
		snprintf(tail, sizeof(tail), ", here: in use (owner not visible)");
	} else if (read) {
		snprintf(tail, sizeof(tail), ", here: nothing listens");
	}
	w->rc = w->rc ? w->rc : pl_buf_printf(t, "%u/%s", (unsigned)h->port, pl_proto_name(h->proto));
	if (w->rc == 0 && *first_service(h))
		w->rc = pl_buf_printf(t, " %s", first_service(h));
	else if (w->rc == 0)
		w->rc = pl_buf_adds(t, h->status == PL_REG_RESERVED ? " (reserved)" :
		    h->status == PL_REG_UNASSIGNED ? " (unassigned)" : "");
	/* The use's name gives way to what is here: cut the name, keep the tail. */
	room = w->o->width - (int)strlen(pl_buf_str(t)) - (int)strlen(tail) - 2;
	if ((u || id) && room >= 12) {
		struct w tw = { t, w->o, w->rc };
		const char *prev = id ? pl_id_confidence_name(id->confidence) :
		    pl_prevalence_name(u->prevalence);
		char tag[32] = "";

		/* "OpenSSH sshd (dominant)": the name gives way, the prevalence stays;
		 * "python -m http.server (confirmed)" when that is what holds the port. */
		if (*prev)
			snprintf(tag, sizeof(tag), " (%s)", prev);
		adds(&tw, ": ");
		add_cut(&tw, id ? id->name : u->name, room - (int)strlen(tag));
		adds(&tw, tag);
		w->rc = tw.rc;
	}
	w->rc = w->rc ? w->rc : pl_buf_adds(t, tail);
	sgr(w, "\033[1m");
	add_cut(w, pl_buf_str(t), w->o->width);
	sgr(w, "\033[0m");
	adds(w, "\n");
}
static bool
same_record(const struct pl_record *a, const struct pl_record *b)
{
	return a->lo == b->lo && a->hi == b->hi && strcmp(a->service, b->service) == 0 &&
	    strcmp(a->description, b->description) == 0;
}

/* Registry rows of the port, each once, with the protocols that share it. */
static void
registry(struct w *w, const struct pl_report *const *r, size_t n, struct pl_buf *t)
{
	bool any = false;
	const char *snap = r[0]->snapshot;

	for (size_t k = 0; k < n; k++) {
		for (size_t i = 0; i < r[k]->nrecords + r[k]->nranges; i++) {
			const struct pl_record *rec = i < r[k]->nrecords ? &r[k]->records[i] :
			    &r[k]->ranges[i - r[k]->nrecords];
			bool seen = false;

			/* Shown already with an earlier protocol? */
			for (size_t j = 0; j < k && !seen; j++)
				for (size_t m = 0; m < r[j]->nrecords + r[j]->nranges && !seen; m++)
					seen = same_record(rec, m < r[j]->nrecords ? &r[j]->records[m] :
					    &r[j]->ranges[m - r[j]->nrecords]);
			if (seen)
				continue;
			pl_buf_reset(t);
			if (rec->lo == rec->hi)
				w->rc = w->rc ? w->rc : pl_buf_printf(t, "%u/", (unsigned)rec->lo);
			else
				w->rc = w->rc ? w->rc : pl_buf_printf(t, "%u-%u/", (unsigned)rec->lo,
				    (unsigned)rec->hi);
			/* The protocols whose reports hold the same row. */
			for (size_t j = k, first = 1; j < n && w->rc == 0; j++) {
				bool has = false;

				for (size_t m = 0; m < r[j]->nrecords + r[j]->nranges && !has; m++)
					has = same_record(rec, m < r[j]->nrecords ? &r[j]->records[m] :
					    &r[j]->ranges[m - r[j]->nrecords]);
				if (has) {
					w->rc = pl_buf_printf(t, "%s%s", first ? "" : ",",
					    pl_proto_name(r[j]->proto));
					first = 0;
				}
			}
			if (w->rc == 0)
				w->rc = pl_buf_printf(t, " %s%s%s [iana %s]", rec->service,
				    *rec->service ? ": " : "", *rec->description ? rec->description :
				    "(no description)", snap ? snap : "");
			wline(w, any ? NULL : "registry", pl_buf_str(t));
			any = true;
		}
	}
	if (!any) {
		pl_buf_reset(t);
		w->rc = w->rc ? w->rc : pl_buf_printf(t, "no row for port %u in the registry of %s",
		    (unsigned)r[0]->port, snap ? snap : "(no snapshot)");
		line(w, "registry", pl_buf_str(t));
	}
	/* An old registry (Debian's copy is from 2014) says so, with the way out. */
	char note[128];

	if (*pl_snapshot_stale_note(note, sizeof(note), snap))
		wline(w, NULL, note);
}

/* "System Ports 0-1023; privileged here; browsers refuse it" */
static void
range(struct w *w, const struct pl_report *r, struct pl_buf *t)
{
	const struct pl_iana_range *ir = r->iana_range;
	const struct pl_os_ranges *os = r->os;

	pl_buf_reset(t);
	w->rc = w->rc ? w->rc : pl_buf_printf(t, "%s %u-%u", ir->name, (unsigned)ir->lo,
	    (unsigned)ir->hi);
	if (w->rc == 0 && r->os_read && os->have_unpriv && (int)r->port < os->unpriv_start)
		w->rc = pl_buf_adds(t, "; binding needs root here");
	if (w->rc == 0 && r->os_read && os->have_ephemeral && r->port >= os->eph_lo &&
	    r->port <= os->eph_hi)
		w->rc = pl_buf_printf(t, "; inside this host's ephemeral range %u-%u",
		    (unsigned)os->eph_lo, (unsigned)os->eph_hi);
	if (w->rc == 0 && r->os_read && pl_os_reserved(os, r->port))
		w->rc = pl_buf_adds(t, "; reserved here (ip_local_reserved_ports)");
	if (w->rc == 0 && (r->browsers.chromium || r->browsers.firefox))
		w->rc = pl_buf_adds(t, "; browsers refuse it");
	line(w, "range", pl_buf_str(t));
}

/* The listeners of every protocol, with what they were identified as. */
static void
here(struct w *w, const struct pl_report *const *r, size_t n, struct pl_buf *t)
{
	size_t shown = 0, total = 0;
	bool read = false;

	for (size_t k = 0; k < n; k++) {
		const struct pl_socklist *l = &r[k]->sockets;

		read |= r[k]->sockets_read;
		if (*r[k]->sockets_error) {
			pl_buf_reset(t);
			w->rc = w->rc ? w->rc : pl_buf_printf(t, "%s sockets not read: %s",
			    pl_proto_name(r[k]->proto), r[k]->sockets_error);
			line(w, shown++ ? NULL : "here", pl_buf_str(t));
			continue;
		}
		for (size_t i = 0; i < l->n; i++, total++) {
			const struct pl_socket *s = &l->v[i];
			const struct pl_identified *id = s->ident;
			char addr[80];

			if (shown >= MAX_LISTENERS)
				continue;
			pl_sock_addr(addr, sizeof(addr), s->family, s->laddr, s->lport);
			pl_buf_reset(t);
			w->rc = w->rc ? w->rc : pl_buf_printf(t, "%s/%s %s", addr,
			    pl_proto_name(s->proto), s->scope == PL_SCOPE_LOOPBACK ? "loopback only" :
			    s->scope == PL_SCOPE_ALL ? "all interfaces" : "one address");
			if (w->rc == 0 && s->nowners > 0) {
				const struct pl_proc *p = &l->procs[s->owners[0]];

				w->rc = pl_buf_printf(t, ": %s (pid %d, %s%s%s%s%.60s)", p->comm,
				    (int)p->pid, p->user ? p->user : "?",
				    p->container_kind ? ", container " : "",
				    p->container_kind ? p->container_kind : "",
				    p->container_image ? " " : "",
				    p->container_image ? p->container_image : "");
			} else if (w->rc == 0) {
				w->rc = pl_buf_adds(t, ": owner not visible");
			}
			if (w->rc == 0 && s->netns_ino != 0)
				w->rc = pl_buf_printf(t, " in network namespace net:[%llu]",
				    (unsigned long long)s->netns_ino);
			if (w->rc == 0 && id && *id->contradiction)
				w->rc = pl_buf_printf(t, " ! %s", id->contradiction);
			else if (w->rc == 0 && id && id->name)
				w->rc = pl_buf_printf(t, " = %s (%s)", id->name,
				    pl_id_confidence_name(id->confidence));
			else if (w->rc == 0 && id && id->confidence == PL_ID_AMBIGUOUS && id->ncand > 1)
				w->rc = pl_buf_printf(t, " ? %s or %s", id->cand[0].name, id->cand[1].name);
			wline(w, shown++ ? NULL : "here", pl_buf_str(t));
		}
	}
	if (total > MAX_LISTENERS) {
		pl_buf_reset(t);
		w->rc = w->rc ? w->rc : pl_buf_printf(t, "and %zu more listeners", total - shown);
		line(w, NULL, pl_buf_str(t));
	}
	if (read && shown == 0) {
		pl_buf_reset(t);
		w->rc = w->rc ? w->rc : pl_buf_printf(t, "nothing listens on %u on this machine",
		    (unsigned)r[0]->port);
		line(w, "here", pl_buf_str(t));
	}
}

/* Whether use u of report k was listed for an earlier protocol. */
static bool
listed_before(const struct pl_report *const *r, size_t k, const struct pl_lore_use *u)
{
	for (size_t j = 0; j < k; j++)
		for (size_t i = 0; i < r[j]->nuses; i++)
			if (!r[j]->uses[i].broad && strcmp(r[j]->uses[i].id, u->id) == 0)
				return true;
	return false;
}

/* The top uses, one line each, in the report's order; returns how many were left out. */
static size_t
uses(struct w *w, const struct pl_report *const *r, size_t n, struct pl_buf *t)
{
	size_t shown = 0, left = 0;

	/* The first protocol's uses come as they are; another protocol's say which. */
	for (size_t k = 0; k < n; k++) {
		for (size_t i = 0; i < r[k]->nuses; i++) {
			const struct pl_lore_use *u = &r[k]->uses[i];
			/* The risk on this port (none when lore scopes it to the entry's other
			 * ports); high and critical stand out in colour. */
			const char *risk = pl_use_risk(u);
			bool bad = strcmp(risk, "critical") == 0 || strcmp(risk, "high") == 0;

			if (u->broad || listed_before(r, k, u)) {
				left += u->broad;
				continue;
			}
			if (shown >= TOP_USES) {
				left++;
				continue;
			}
			pl_buf_reset(t);
			/* The risk in a column of its own, and another protocol's tag before the
			 * name, so that a long name hides neither. */
			w->rc = w->rc ? w->rc : pl_buf_printf(t, "%zu. %-8s %s%s%s%s: %s", shown + 1,
			    risk, k > 0 ? "[" : "", k > 0 ? pl_proto_name(r[k]->proto) : "",
			    k > 0 ? "] " : "", u->name, u->role);
			tline(w, shown++ ? NULL : "uses", pl_buf_str(t), bad ? "\033[31m" : NULL);
		}
	}
	if (shown == 0)
		line(w, "uses", left ? "only uses of wide port ranges (see --full)" :
		    "nothing curated for this port");
	return left;
}

static void
frequency(struct w *w, const struct pl_report *const *r, size_t n, struct pl_buf *t)
{
	for (size_t k = 0; k < n; k++) {
		const struct pl_nmap_freq *f = &r[k]->nmap;

		if (!f->have || f->rank <= 0)
			continue;
		pl_buf_reset(t);
		w->rc = w->rc ? w->rc : pl_buf_printf(t, "seen open: rank %ld of %ld %s ports "
		    "(nmap-services)", f->rank, f->ranked, pl_proto_name(r[k]->proto));
		line(w, "frequency", pl_buf_str(t));
		return;
	}
}

int
pl_render_brief(struct pl_buf *out, const struct pl_report *const *r, size_t n,
    const struct pl_text_opts *o)
{
	struct w w = { out, o, 0 };
	struct pl_buf t = PL_BUF_INIT;
	size_t left;
	char more[96];

	if (n == 0)
		return 0;
	headline(&w, r, n, &t);
	pl_buf_reset(&t);
	registry(&w, r, n, &t);
	range(&w, r[0], &t);
	here(&w, r, n, &t);
	left = uses(&w, r, n, &t);
	frequency(&w, r, n, &t);
	if (n == 1)
		snprintf(more, sizeof(more), "portlore %u/%s --full", (unsigned)r[0]->port,
		    pl_proto_name(r[0]->proto));
	else
		snprintf(more, sizeof(more), "portlore %u --full", (unsigned)r[0]->port);
	pl_buf_reset(&t);
	if (w.rc == 0 && left > 0)
		w.rc = pl_buf_printf(&t, "%zu more: %s", left, more);
	else if (w.rc == 0)
		w.rc = pl_buf_printf(&t, "details and sources: %s", more);
	adds(&w, "  ");
	add_cut(&w, pl_buf_str(&t), o->width - 2);
	adds(&w, "\n");
	pl_buf_free(&t);
	return w.rc;
}
