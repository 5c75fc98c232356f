/*
 * text.c: the report for terminals. One block per port and protocol; each fact ends
 * with its provenance in brackets; long text wraps at the terminal's width.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "portlore/render.h"

#define LABEL_COLS 12

struct out {
	struct pl_buf *b;
	const struct pl_text_opts *o;
};

enum color { C_NONE, C_BOLD, C_DIM, C_LABEL, C_WARN, C_BAD, C_GOOD };
static const char *const sgr[] = { "", "\033[1m", "\033[2m", "\033[36m", "\033[33m",
	"\033[31m", "\033[32m" };

static void
color(struct out *w, enum color c)
{
	if (w->o->color)
		pl_buf_adds(w->b, c == C_NONE ? "\033[0m" : sgr[c]);
}

/* Display columns of a UTF-8 string: one per code point (good enough for our text). */
static int
cols(const char *s, size_t len)
{
	int n = 0;

	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			n++;
	return n;
}

int
pl_wrap(struct pl_buf *out, const char *text, int indent, int first_col, int width)
{
	int col = first_col, rc = 0;
	bool fresh = true;          /* nothing of text on the current line yet */
	const char *p = text;

	if (width < indent + 20)
		width = indent + 20;
	while (*p && rc == 0) {
		const char *w;
		int wc;

		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
			p++;
			continue;
		}
		for (w = p; *p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r'; p++)
			;
		wc = cols(w, (size_t)(p - w));
		/* Break before a word that does not fit; at the start of the text, only when
		 * a prefix on the line (a label) leaves too little room. */
		if ((!fresh && col + 1 + wc > width) || (fresh && col > indent && col + wc > width)) {
			rc = pl_buf_printf(out, "\n%*s", indent, "");
			col = indent;
			fresh = true;
		}
		if (!fresh && rc == 0) {
			rc = pl_buf_addc(out, ' ');
			col++;
		}
		if (rc == 0)
			rc = pl_buf_add(out, w, (size_t)(p - w));
		col += wc;
		fresh = false;
	}
	return rc;
}

int
pl_cut(struct pl_buf *out, const char *s, int width)
{
	int n = 0, rc;
	size_t i = 0, cut = 0;

	for (; s[i]; i++) {
		if (((unsigned char)s[i] & 0xC0) == 0x80)
			continue;
		if (n == width - 3)
			cut = i;
		if (++n > width)
			break;
	}
	if (s[i] == '\0')
		return pl_buf_adds(out, s);
	/* "name ..." reads as a cut word; the blank goes. */
	while (width >= 3 && cut > 0 && s[cut - 1] == ' ')
		cut--;
	if ((rc = pl_buf_add(out, s, width >= 3 ? cut : 0)) != 0)
		return rc;
	return pl_buf_adds(out, width >= 3 ? "..." : "");
}

/* Columns on the buffer's last line. */
static int
line_cols(const struct pl_buf *b)
{
	const char *s = pl_buf_str(b), *nl = strrchr(s, '\n');

	s = nl ? nl + 1 : s;
	return cols(s, strlen(s));
}

/* Starts a fact line: the label column (or blanks), then text wrapped, then [prov]. */
static void
fact(struct out *w, const char *label, const char *prov, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
fact(struct out *w, const char *label, const char *prov, const char *fmt, ...)
{
	char text[2048];
	va_list ap;
	int width = w->o->width;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	pl_buf_adds(w->b, "  ");
	color(w, C_LABEL);
	pl_buf_printf(w->b, "%-*s", LABEL_COLS - 2, label ? label : "");
	color(w, C_NONE);
	if (prov != NULL) {
		/* Keep room for " [observed]" at the end of the text. */
		char tag[32];

		snprintf(tag, sizeof(tag), "%s[%s]", *text ? " " : "", prov);
		pl_wrap(w->b, text, LABEL_COLS, LABEL_COLS, width - (int)strlen(tag));
		/* A word longer than the line can push the tag past the edge: move it down. */
		if (line_cols(w->b) + (int)strlen(tag) > width)
			pl_buf_printf(w->b, "\n%*s", LABEL_COLS - 1, "");
		color(w, C_DIM);
		pl_buf_adds(w->b, tag);
		color(w, C_NONE);
	} else {
		pl_wrap(w->b, text, LABEL_COLS, LABEL_COLS, width);
	}
	pl_buf_adds(w->b, "\n");
}

static void
detail(struct out *w, const char *name, const char *value)
{
	char text[4096];

	if (value == NULL || *value == '\0')
		return;
	snprintf(text, sizeof(text), "%s: %s", name, value);
	pl_buf_printf(w->b, "%*s", LABEL_COLS, "");
	pl_wrap(w->b, text, LABEL_COLS + 2, LABEL_COLS, w->o->width);
	pl_buf_adds(w->b, "\n");
}

/* Prints "name: a, b, c" (joined by sep) as one wrapped detail. */
static void
list(struct out *w, const char *name, char *const *v, size_t n, const char *sep)
{
	struct pl_buf b = PL_BUF_INIT;

	for (size_t i = 0; i < n; i++)
		pl_buf_printf(&b, "%s%s", i ? sep : "", v[i]);
	if (pl_buf_error(&b) != 0)
		pl_buf_fail(w->b, pl_buf_error(&b));
	else if (n > 0)
		detail(w, name, pl_buf_str(&b));
	pl_buf_free(&b);
}

static void
port_range(char *buf, size_t len, uint16_t lo, uint16_t hi, enum pl_proto p)
{
	const char *pn = pl_proto_name(p);

	if (lo == hi)
		snprintf(buf, len, "%u%s%s", (unsigned)lo, *pn ? "/" : "", pn);
	else
		snprintf(buf, len, "%u-%u%s%s", (unsigned)lo, (unsigned)hi, *pn ? "/" : "", pn);
}

static void
record(struct out *w, const struct pl_record *rec, const char *label, const char *snap,
    bool is_range)
{
	char ports[32], prov[48];

	port_range(ports, sizeof(ports), rec->lo, rec->hi, rec->proto);
	snprintf(prov, sizeof(prov), "iana %s", snap ? snap : "");
	if (*rec->service)
		fact(w, label, prov, "%s%s %s: %s", is_range ? "inside range " : "", ports,
		    rec->service, *rec->description ? rec->description : "(no description)");
	else
		fact(w, label, prov, "%s%s: %s (no service name)", is_range ? "inside range " : "",
		    ports, rec->description);
	detail(w, "assignee", rec->assignee);
	detail(w, "contact", rec->contact);
	detail(w, "registered", rec->registered);
	detail(w, "modified", rec->modified);
	detail(w, "reference", rec->reference);
	detail(w, "service code", rec->service_code);
	detail(w, "unauthorized use reported", rec->unauthorized);
	detail(w, "notes", rec->notes);
}

/*
 * Days since a snapshot labelled "YYYY-MM-DD" (the newest date inside its file), or -1
 * when the label is not a date. A store built from Debian's copy holds 2014's
 * registry: readers should know, and how to refresh it.
 */
static long
snapshot_age_days(const char *label)
{
	int y, m, d;
	long days;
	time_t now = time(NULL);
	char rest;

	if (sscanf(label, "%4d-%2d-%2d%c", &y, &m, &d, &rest) != 3 || m < 1 || m > 12 ||
	    d < 1 || d > 31)
		return -1;
	/* Days since 1970-01-01 of a proleptic Gregorian date, by arithmetic: timegm()
	 * would load the time zone database first, a file read per lookup for nothing. */
	y -= m <= 2;
	{
		long era = (y >= 0 ? y : y - 399) / 400, yoe = y - era * 400;
		long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;

		days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
	}
	if (now / 86400 < days)
		return -1;
	return (long)(now / 86400 - days);
}

const char *
pl_snapshot_stale_note(char *buf, size_t len, const char *snapshot)
{
	long days = snapshot ? snapshot_age_days(snapshot) : -1;

	if (len > 0)
		buf[0] = '\0';
	if (days > 365)
		snprintf(buf, len, "snapshot over a year old: run 'portlore update'");
	return buf;
}

static void
registry(struct out *w, const struct pl_report *r)
{
	char note[128];
	char prov[48];

	snprintf(prov, sizeof(prov), "iana %s", r->snapshot ? r->snapshot : "");
	if (r->snapshot == NULL) {
		fact(w, "registry", "iana", "the store holds no registry snapshot");
		return;
	}
	if (r->status == PL_REG_NONE)
		fact(w, "registry", prov, "no %s row for port %u in the registry of %s",
		    pl_proto_name(r->proto), (unsigned)r->port, r->snapshot);
	for (size_t i = 0; i < r->nrecords; i++)
		record(w, &r->records[i], i == 0 ? "registry" : NULL, r->snapshot, false);
	for (size_t i = 0; i < r->nranges; i++)
		record(w, &r->ranges[i], i == 0 && r->nrecords == 0 ? "registry" : NULL, r->snapshot,
		    true);
	if (*pl_snapshot_stale_note(note, sizeof(note), r->snapshot))
		fact(w, NULL, prov, "%s", note);
}

static void
ranges(struct out *w, const struct pl_report *r)
{
	const struct pl_iana_range *ir = r->iana_range;
	const struct pl_os_ranges *os = r->os;

	fact(w, "range", "iana", "%s %u-%u (%u,%03u ports; RFC 6335)", ir->name, (unsigned)ir->lo,
	    (unsigned)ir->hi, ir->size / 1000, ir->size % 1000);
	if (r->os_read) {
		if (os->have_ephemeral)
			fact(w, "this host", "observed", "%s the ephemeral range %u-%u for outgoing "
			    "connections (ip_local_port_range)",
			    r->port >= os->eph_lo && r->port <= os->eph_hi ? "inside" : "outside",
			    (unsigned)os->eph_lo, (unsigned)os->eph_hi);
		if (os->have_reserved) {
			char list[72];

			pl_os_reserved_brief(os, list, sizeof(list));
			fact(w, os->have_ephemeral ? NULL : "this host", "observed",
			    "%s ip_local_reserved_ports (%s)",
			    pl_os_reserved(os, r->port) ? "listed in" : "not listed in",
			    *list ? list : "empty");
		}
		if (os->have_unpriv)
			fact(w, os->have_ephemeral || os->have_reserved ? NULL : "this host", "observed",
			    "%s: ip_unprivileged_port_start is %d", (int)r->port < os->unpriv_start ?
			    "privileged (binding needs root or CAP_NET_BIND_SERVICE)" : "unprivileged",
			    os->unpriv_start);
		if (*os->reason)
			fact(w, NULL, "observed", "not read: %s", os->reason);
	}
	if (r->browsers.chromium || r->browsers.firefox)
		fact(w, "browsers", "fetch-standard", "Chromium and Firefox refuse to connect to it (a \"bad "
		    "port\" of the Fetch standard)");
	else
		fact(w, "browsers", "fetch-standard", "Chromium and Firefox connect to it");
}

/* The other ports of a family, once per family: one line per port and protocol. */
static void
siblings(struct out *w, const struct pl_lore_use *u)
{
	char ports[32], text[700], head[300];


	snprintf(head, sizeof(head), "family %s, other ports:", u->family_name);
	pl_buf_printf(w->b, "%*s", LABEL_COLS, "");
	pl_wrap(w->b, head, LABEL_COLS + 2, LABEL_COLS, w->o->width);
	pl_buf_adds(w->b, "\n");
	for (size_t i = 0; i < u->nsiblings; i++) {
		const struct pl_lore_port *s = &u->siblings[i];
		size_t more = 0;

		while (i + 1 < u->nsiblings && u->siblings[i + 1].lo == s->lo &&
		    u->siblings[i + 1].hi == s->hi && u->siblings[i + 1].proto == s->proto)
			i++, more++;
		port_range(ports, sizeof(ports), s->lo, s->hi, s->proto);
		if (more > 0)
			snprintf(text, sizeof(text), "%s %s (+%zu more)", ports, s->role, more);
		else
			snprintf(text, sizeof(text), "%s %s", ports, s->role);
		pl_buf_printf(w->b, "%*s", LABEL_COLS + 2, "");
		pl_wrap(w->b, text, LABEL_COLS + 4, LABEL_COLS + 2, w->o->width);
		pl_buf_adds(w->b, "\n");
	}
}

static void
use(struct out *w, const struct pl_report *r, size_t n)
{
	const struct pl_lore_use *u = &r->uses[n];
	char years[32];
	const enum color rc = !u->risk_here ? C_NONE : strcmp(u->risk, "critical") == 0 ||
	    strcmp(u->risk, "high") == 0 ? C_BAD : strcmp(u->risk, "medium") == 0 ? C_WARN : C_NONE;
	const char *where = u->risk_here ? "risk" : "risk on its other ports";
	bool family_seen = false;

	if (u->year_from == 0)
		years[0] = '\0';
	else if (u->year_to)
		snprintf(years, sizeof(years), ", %d-%d", u->year_from, u->year_to);
	else
		snprintf(years, sizeof(years), ", since %d", u->year_from);
	if (u->broad) {
		/* A range such as "Windows dynamic RPC ports": one line is enough. */
		fact(w, n == 0 || !r->uses[n - 1].broad ? "in ranges" : NULL, "lore",
		    "%u-%u/%s %s: %s", (unsigned)u->lo, (unsigned)u->hi, pl_proto_name(r->proto),
		    u->name, u->role);
		return;
	}
	fact(w, n == 0 ? "lore" : NULL, "lore", "%zu. %s (%s; %s%s)", n + 1, u->name, u->vendor,
	    u->kind, years);
	detail(w, "role", u->role);
	detail(w, "summary", u->summary);
	pl_buf_printf(w->b, "%*s", LABEL_COLS, "");
	color(w, rc);
	pl_buf_printf(w->b, "%s: %s", where, u->risk);
	color(w, C_NONE);
	pl_buf_adds(w->b, ": ");
	pl_wrap(w->b, u->risk_why, LABEL_COLS + 2,
	    LABEL_COLS + 4 + (int)strlen(where) + (int)strlen(u->risk), w->o->width);
	pl_buf_adds(w->b, "\n");
	list(w, "CVEs", u->cves, u->ncves, ", ");
	list(w, "process", u->process, u->nprocess, "  ");
	list(w, "command line", u->cmdline, u->ncmdline, "  ");
	list(w, "banner", u->banner, u->nbanner, "  ");
	detail(w, "notes", u->notes);
	if (strcmp(u->confidence, "high") != 0) {
		char text[1100];

		snprintf(text, sizeof(text), "%s: %s", u->confidence, u->confidence_why);
		detail(w, "confidence", text);
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(r->uses[i].family, u->family) == 0)
			family_seen = true;
	if (u->nsiblings > 0 && !family_seen)
		siblings(w, u);
	for (size_t i = 0; i < u->nsources; i++) {
		const struct pl_source *s = &u->sources[i];
		char text[1200];

		if (*s->published)
			snprintf(text, sizeof(text), "%s, %s (%s) <%s>", s->title, s->published,
			    s->tier, s->url);
		else
			snprintf(text, sizeof(text), "%s, undated, read %s (%s) <%s>", s->title,
			    s->accessed, s->tier, s->url);
		pl_buf_printf(w->b, "%*s[%zu] ", LABEL_COLS, "", i + 1);
		pl_wrap(w->b, text, LABEL_COLS + 4, LABEL_COLS + 4, w->o->width);
		pl_buf_adds(w->b, "\n");
	}
}

/* "on this machine": the port's listeners and who holds them (sockets.h). */
static void
machine(struct out *w, const struct pl_report *r)
{
	const struct pl_socklist *l = &r->sockets;
	const char *label = "here";

	if (*r->sockets_error) {
		fact(w, label, "observed", "sockets not read: %s", r->sockets_error);
		return;
	}
	if (l->n == 0)
		fact(w, label, "observed", "nothing listens on %u/%s on this machine", (unsigned)r->port,
		    pl_proto_name(r->proto));
	for (size_t i = 0; i < l->n; i++) {
		const struct pl_socket *s = &l->v[i];
		char addr[80], owners[600] = "";
		size_t used = 0;

		pl_sock_addr(addr, sizeof(addr), s->family, s->laddr, s->lport);
		for (size_t k = 0; k < s->nowners && used < sizeof(owners) - 1; k++) {
			const struct pl_proc *p = &l->procs[s->owners[k]];
			int n = snprintf(owners + used, sizeof(owners) - used, "%s%d/%s (%s%s%s%s%s%s%.80s)",
			    k ? ", " : "", (int)p->pid, p->comm, p->user ? p->user : "?",
			    p->unit ? ", " : "", p->unit ? p->unit : "",
			    p->container_kind ? ", container " : "",
			    p->container_kind ? p->container_kind : "",
			    p->container_image ? " " : "", p->container_image ? p->container_image : "");

			used += n > 0 ? (size_t)n : 0;
		}
		char what[400] = "";

		if (s->ident && *s->ident->contradiction)
			snprintf(what, sizeof(what), "; not what lore expects: %s",
			    s->ident->contradiction);
		else if (s->ident && s->ident->name)
			snprintf(what, sizeof(what), "; lore: %s (%s)", s->ident->name,
			    pl_id_confidence_name(s->ident->confidence));
		else if (s->ident && s->ident->confidence == PL_ID_AMBIGUOUS && s->ident->ncand > 1)
			snprintf(what, sizeof(what), "; lore: %s or %s (ambiguous)",
			    s->ident->cand[0].name, s->ident->cand[1].name);
		fact(w, i == 0 ? label : NULL, "observed", "%s %s, %s: %s%s", addr,
		    pl_sock_state_name(s->proto, s->state), s->scope == PL_SCOPE_LOOPBACK ?
		    "loopback only" : s->scope == PL_SCOPE_ALL ? "all interfaces" : "one address",
		    s->nowners ? owners : "owner not visible", what);
	}
	if (*l->notes)
		fact(w, NULL, "observed", "%s", l->notes);
}

int
pl_render_text(struct pl_buf *b, const struct pl_report *r, const struct pl_text_opts *o)
{
	struct out w = { b, o };
	const char *title = "";
	size_t specific = 0;

	for (size_t i = 0; i < r->nrecords && !*title; i++)
		if (*r->records[i].service)
			title = r->records[i].service;
	color(&w, C_BOLD);
	pl_buf_printf(w.b, "%u/%s", (unsigned)r->port, pl_proto_name(r->proto));
	color(&w, C_NONE);
	if (*title)
		pl_buf_printf(w.b, "  %.60s", title);
	else if (r->status == PL_REG_UNASSIGNED || r->status == PL_REG_RESERVED) {
		pl_buf_adds(w.b, "  ");
		color(&w, C_WARN);
		pl_buf_adds(w.b, r->status == PL_REG_RESERVED ? "reserved" : "unassigned");
		color(&w, C_NONE);
	}
	for (size_t i = 0; i < r->nuses; i++)
		specific += !r->uses[i].broad;
	if (specific > 0)
		pl_buf_printf(w.b, "  (%zu in lore)", specific);
	pl_buf_adds(w.b, "\n");
	registry(&w, r);
	ranges(&w, r);
	if (r->sockets_read)
		machine(&w, r);
	for (size_t i = 0; i < r->nuses; i++)
		use(&w, r, i);
	if (r->nuses == 0)
		fact(&w, "lore", "lore", "nothing curated for this port");
	if (r->nmap.have && r->nmap.rank > 0)
		fact(&w, "frequency", "nmap", "seen open: rank %ld of %ld %s ports in nmap-services "
		    "(%s, frequency %.6f)", r->nmap.rank, r->nmap.ranked, pl_proto_name(r->proto),
		    r->nmap.name, r->nmap.freq);
	else if (r->nmap.have)
		fact(&w, "frequency", "nmap", "never seen open in nmap's measurements (%s)",
		    r->nmap.name);
	return pl_buf_error(w.b);
}

/* Appends a ", "-separated list cut to at most width columns at an item's end, ", ..."
 * marking the cut (never inside an item: "2200-22..." would read as another range). */
static void
cut_list(struct pl_buf *b, const char *list, int width)
{
	size_t keep = 0;

	if (cols(list, strlen(list)) <= width) {
		pl_buf_adds(b, list);
		return;
	}
	for (const char *c = strstr(list, ", "); c != NULL; c = strstr(c + 2, ", "))
		if (cols(list, (size_t)(c - list)) + 5 <= width)
			keep = (size_t)(c - list);
	if (keep > 0) {
		pl_buf_add(b, list, keep);
		pl_buf_adds(b, ", ...");
	} else {
		pl_cut(b, list, width);
	}
}

int
pl_render_hits_text(struct pl_buf *b, const struct pl_hit *hits, int n, const char *query,
    const struct pl_text_opts *o)
{
	struct out w = { b, o };

	for (int i = 0; i < n; i++) {
		const struct pl_hit *h = &hits[i];
		bool lore = strcmp(h->source, "lore") == 0;
		const char *ports = *h->ports ? h->ports : "(no port)";
		/* The line fits the width (the number takes 4 columns, the two gaps 4, the
		 * brackets 2): the title gives way first, down to half the room (at most 24
		 * columns), then the ports, at an item's end. */
		int room = o->width - 10 - cols(h->source, strlen(h->source)) -
		    (lore ? 1 + cols(h->ref, strlen(h->ref)) : 0);
		int tc = cols(h->title, strlen(h->title)), pc = cols(ports, strlen(ports));
		int tmin = room / 2 < 24 ? room / 2 : 24;
		struct pl_buf pt = PL_BUF_INIT;

		if (tc + pc > room && room >= 20 && room - pc < tmin)
			cut_list(&pt, ports, room - (tc < tmin ? tc : tmin));
		else
			pl_buf_adds(&pt, ports);
		pl_buf_printf(w.b, "%2d. ", i + 1);
		color(&w, C_BOLD);
		if (room >= 20)
			pl_cut(w.b, h->title, room - cols(pl_buf_str(&pt), pt.len));
		else
			pl_buf_adds(w.b, h->title);
		color(&w, C_NONE);
		pl_buf_printf(w.b, "  %s", pl_buf_str(&pt));
		pl_buf_free(&pt);
		color(&w, C_DIM);
		pl_buf_printf(w.b, "  [%s%s%s]", h->source, lore ? " " : "", lore ? h->ref : "");
		color(&w, C_NONE);
		pl_buf_adds(w.b, "\n    ");
		pl_wrap(b, h->snippet, 4, 4, o->width);
		pl_buf_adds(w.b, "\n");
	}
	(void)query;
	return pl_buf_error(w.b);
}
