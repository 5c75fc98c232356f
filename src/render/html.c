/*
 * html.c: the pages of `portlore serve`. Each section of a port page is built from the
 * report: registry records, range facts, lore uses with their family's ports, risks and
 * CVEs. Interface sentences are translated; data is escaped and left as it is.
 * Citations are numbered in order of first use and listed under "References".
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portlore/history.h"
#include "portlore/html.h"
#include "portlore/render.h"
#include "portlore/sockets.h"

#define MAX_REFS 64
/* How many uses a page shows before "more uses" (collapsed on small screens). */
#define TOP_USES 3
#define IANA_URL "https://www.iana.org/assignments/service-names-port-numbers/"
#define RFC6335_URL "https://www.rfc-editor.org/rfc/rfc6335#section-6"

struct ref {
	const char *title, *url, *date;
	char label[96];            /* for our own references, whose title we build */
};

struct w {
	struct pl_buf *b;
	const struct pl_html_ctx *h;
	struct ref refs[MAX_REFS];
	size_t nrefs;
	const char *description;   /* the page's meta description, or NULL */
	const char *canonical;     /* the page's path without a language, or NULL */
	const char *query;         /* the search box's text, or NULL */
	const char *api;           /* the page's JSON document, or NULL */
};

/* Translates msgid; xgettext finds the strings through the "_" keyword. */
static const char *tr(const struct w *w, const char *msgid) __attribute__((format_arg(2)));

static const char *
tr(const struct w *w, const char *msgid)
{
	return w->h->tr ? w->h->tr(w->h->catalog, msgid) : msgid;
}

#define _(s) tr(w, s)
#define N_(s) s

static void
esc_n(struct w *w, const char *s, size_t n)
{
	char piece[256];

	while (n > 0 && pl_buf_error(w->b) == 0) {
		size_t k = n < sizeof(piece) - 1 ? n : sizeof(piece) - 1;

		memcpy(piece, s, k);
		piece[k] = '\0';
		pl_buf_add_html(w->b, piece);
		s += k;
		n -= k;
	}
}

/* Data text (registry, lore, process names): escaped and, on a page in another
 * language, isolated for bidi and marked as the English it is written in, so that a
 * right-to-left page neither reorders nor mispronounces it. */
static void
data_n(struct w *w, const char *s, size_t n)
{
	bool other = strcmp(w->h->lang->code, "en") != 0;

	pl_buf_adds(w->b, other ? "<bdi lang=\"en\">" : "");
	esc_n(w, s ? s : "", s ? n : 0);
	pl_buf_adds(w->b, other ? "</bdi>" : "");
}

static void
data(struct w *w, const char *s)
{
	data_n(w, s, s ? strlen(s) : 0);
}

static void escf(struct w *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * A sentence of interface text with data in it. The format is (translated) interface
 * text; every %s argument is data and goes through data(). The conversions the
 * interface uses are %s (with an optional precision), %u, %d, %ld, %zu and %%.
 */
static void
escf(struct w *w, const char *fmt, ...)
{
	char num[32];
	va_list ap;

	va_start(ap, fmt);
	for (const char *p = fmt; *p && pl_buf_error(w->b) == 0;) {
		size_t run = strcspn(p, "%");
		long prec = -1;
		char *end;

		esc_n(w, p, run);
		p += run;
		if (*p++ != '%')
			break;
		if (*p == '.') {
			prec = strtol(p + 1, &end, 10);
			p = end;
		}
		num[0] = '\0';
		if (*p == 's') {
			const char *a = va_arg(ap, const char *);
			size_t len = a ? strlen(a) : 0;

			data_n(w, a, prec >= 0 && (size_t)prec < len ? (size_t)prec : len);
			p++;
		} else if (*p == 'u') {
			snprintf(num, sizeof(num), "%u", va_arg(ap, unsigned));
			p++;
		} else if (*p == 'd') {
			snprintf(num, sizeof(num), "%d", va_arg(ap, int));
			p++;
		} else if (p[0] == 'l' && p[1] == 'd') {
			snprintf(num, sizeof(num), "%ld", va_arg(ap, long));
			p += 2;
		} else if (p[0] == 'z' && p[1] == 'u') {
			snprintf(num, sizeof(num), "%zu", va_arg(ap, size_t));
			p += 2;
		} else if (*p == '%') {
			pl_buf_adds(w->b, "%");
			p++;
		} else {
			pl_buf_fail(w->b, -PL_EUSAGE);   /* a conversion the interface never uses */
		}
		pl_buf_adds(w->b, num);
	}
	va_end(ap);
}

/* Only web links become links: a lore source with another scheme stays text. */
static bool
web_url(const char *u)
{
	return u && (strncmp(u, "https://", 8) == 0 || strncmp(u, "http://", 7) == 0);
}

/* Appends "?lang=xx" so that links keep the language the reader chose. */
static void
link_open(struct w *w, const char *path)
{
	pl_buf_adds(w->b, "<a href=\"");
	pl_buf_add_html(w->b, path);
	pl_buf_adds(w->b, strchr(path, '?') ? "&amp;lang=" : "?lang=");
	pl_buf_add_html(w->b, w->h->lang->code);
	pl_buf_adds(w->b, "\">");
}

static void
port_link(struct w *w, unsigned port)
{
	char path[32];

	snprintf(path, sizeof(path), "/port/%u", port);
	link_open(w, path);
	pl_buf_printf(w->b, "%u</a>", port);
}

/* Opens a section with its heading; the caller closes it with "</section>". */
static void
section(struct w *w, const char *id, const char *title)
{
	pl_buf_printf(w->b, "<section id=\"%s\"><h2>", id);
	pl_buf_add_html(w->b, title);
	pl_buf_adds(w->b, "</h2>");
}

/* --- references --------------------------------------------------------------- */

static size_t
ref_add(struct w *w, const char *title, const char *url, const char *date)
{
	for (size_t i = 0; i < w->nrefs; i++)
		if (strcmp(w->refs[i].url, url) == 0)
			return i + 1;
	if (w->nrefs == MAX_REFS)
		return 0;
	w->refs[w->nrefs] = (struct ref){ title, url, date, "" };
	return ++w->nrefs;
}

static void
cite(struct w *w, const char *url)
{
	for (size_t i = 0; i < w->nrefs; i++)
		if (strcmp(w->refs[i].url, url) == 0) {
			pl_buf_printf(w->b, "<sup class=\"cite\"><a href=\"#ref-%zu\">[%zu]</a></sup>", i + 1, i + 1);
			return;
		}
}

/* Numbers every source the page will cite, in the order the sections cite them. */
static void
refs_collect(struct w *w, const struct pl_report *r, size_t n)
{
	size_t k = ref_add(w, "", IANA_URL, "");

	if (k > 0)
		snprintf(w->refs[k - 1].label, sizeof(w->refs[k - 1].label),
		    "IANA Service Name and Transport Protocol Port Number Registry%s%s",
		    r[0].snapshot ? ", snapshot " : "", r[0].snapshot ? r[0].snapshot : "");
	ref_add(w, "RFC 6335, section 6: Port Number Ranges", RFC6335_URL, "2011");
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < r[i].nuses; j++)
			for (size_t s = 0; s < r[i].uses[j].nsources; s++)
				ref_add(w, r[i].uses[j].sources[s].title, r[i].uses[j].sources[s].url,
				    r[i].uses[j].sources[s].published);
	ref_add(w, "Fetch Standard: port blocking (bad ports)", r[0].browsers.spec_src, "");
}

static void
refs_section(struct w *w)
{
	section(w, "references", _("References"));
	pl_buf_adds(w->b, "<ol class=\"refs\">");
	for (size_t i = 0; i < w->nrefs; i++) {
		const struct ref *f = &w->refs[i];

		pl_buf_printf(w->b, "<li id=\"ref-%zu\">", i + 1);
		pl_buf_add_html(w->b, *f->label ? f->label : f->title);
		if (f->date && *f->date) {
			pl_buf_adds(w->b, ", ");
			pl_buf_add_html(w->b, f->date);
		}
		pl_buf_adds(w->b, ". ");
		if (web_url(f->url)) {
			pl_buf_adds(w->b, "<a href=\"");
			pl_buf_add_html(w->b, f->url);
			pl_buf_adds(w->b, "\" rel=\"noopener noreferrer\">");
			pl_buf_add_html(w->b, f->url);
			pl_buf_adds(w->b, "</a>");
		} else {
			pl_buf_add_html(w->b, f->url);
		}
		pl_buf_adds(w->b, "</li>");
	}
	pl_buf_adds(w->b, "</ol></section>");
}

struct pl_lore_use;
static size_t specific_uses(const struct pl_report *r, size_t n,
    const struct pl_lore_use ***out);

/* --- page frame --------------------------------------------------------------- */

static void
lang_switch(struct w *w)
{
	const char *path = w->h->path ? w->h->path : "/";

	pl_buf_adds(w->b, "<nav class=\"langs\" aria-label=\"");
	pl_buf_add_html(w->b, _("Language"));
	pl_buf_adds(w->b, "\"><ul>");
	for (size_t i = 0; i < w->h->nlangs; i++) {
		const struct pl_html_lang *l = &w->h->langs[i];

		pl_buf_adds(w->b, "<li><a href=\"");
		pl_buf_add_html(w->b, path);
		pl_buf_adds(w->b, strchr(path, '?') ? "&amp;lang=" : "?lang=");
		pl_buf_add_html(w->b, l->code);
		pl_buf_adds(w->b, "\" hreflang=\"");
		pl_buf_add_html(w->b, l->code);
		pl_buf_adds(w->b, "\" lang=\"");
		pl_buf_add_html(w->b, l->code);
		pl_buf_adds(w->b, l == w->h->lang ? "\" aria-current=\"true\">" : "\">");
		pl_buf_add_html(w->b, l->name);
		pl_buf_adds(w->b, "</a></li>");
	}
	pl_buf_adds(w->b, "</ul></nav>");
}

static void
page_begin(struct w *w, const char *title)
{
	const char *tag = w->h->asset_tag ? w->h->asset_tag : "0";

	pl_buf_adds(w->b, "<!DOCTYPE html>\n<html lang=\"");
	pl_buf_add_html(w->b, w->h->lang->code);
	pl_buf_printf(w->b, "\" dir=\"%s\" data-copy=\"", w->h->lang->rtl ? "rtl" : "ltr");
	pl_buf_add_html(w->b, _("Copy"));
	pl_buf_adds(w->b, "\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	    "<meta name=\"color-scheme\" content=\"light dark\"><title>");
	pl_buf_add_html(w->b, title);
	pl_buf_adds(w->b, " · portlore</title>");
	if (w->description) {
		pl_buf_adds(w->b, "<meta name=\"description\" content=\"");
		pl_buf_add_html(w->b, w->description);
		pl_buf_adds(w->b, "\">");
	}
	if (w->canonical) {
		/* One URL per page and language; the language list says which is which. */
		pl_buf_adds(w->b, "<link rel=\"canonical\" href=\"");
		pl_buf_add_html(w->b, w->canonical);
		pl_buf_adds(w->b, "?lang=");
		pl_buf_add_html(w->b, w->h->lang->code);
		pl_buf_adds(w->b, "\">");
		for (size_t i = 0; i < w->h->nlangs; i++) {
			pl_buf_adds(w->b, "<link rel=\"alternate\" hreflang=\"");
			pl_buf_add_html(w->b, w->h->langs[i].code);
			pl_buf_adds(w->b, "\" href=\"");
			pl_buf_add_html(w->b, w->canonical);
			pl_buf_adds(w->b, "?lang=");
			pl_buf_add_html(w->b, w->h->langs[i].code);
			pl_buf_adds(w->b, "\">");
		}
		pl_buf_adds(w->b, "<link rel=\"alternate\" hreflang=\"x-default\" href=\"");
		pl_buf_add_html(w->b, w->canonical);
		pl_buf_adds(w->b, "\">");
	}
	pl_buf_adds(w->b, "<link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\"><link rel=\"stylesheet\" href=\"/static/site.css?v=");
	pl_buf_add_html(w->b, tag);
	pl_buf_adds(w->b, "\"><script src=\"/static/site.js?v=");
	pl_buf_add_html(w->b, tag);
	pl_buf_adds(w->b, "\" defer></script></head><body><a class=\"skip\" href=\"#main\">");
	pl_buf_add_html(w->b, _("Skip to content"));
	pl_buf_adds(w->b, "</a><header class=\"top\"><div class=\"bar\">");
	link_open(w, "/");
	pl_buf_adds(w->b, "<strong>portlore</strong></a><form class=\"search\" role=\"search\" "
	    "action=\"/search\" method=\"get\"><input type=\"hidden\" name=\"lang\" value=\"");
	pl_buf_add_html(w->b, w->h->lang->code);
	pl_buf_adds(w->b, "\"><input type=\"search\" name=\"q\" required maxlength=\"200\" value=\"");
	pl_buf_add_html(w->b, w->query ? w->query : "");
	pl_buf_adds(w->b, "\" aria-label=\"");
	pl_buf_add_html(w->b, _("Port number, service or vendor"));
	pl_buf_adds(w->b, "\" placeholder=\"");
	pl_buf_add_html(w->b, _("Port number, service or vendor"));
	pl_buf_adds(w->b, "\"><button type=\"submit\">");
	pl_buf_add_html(w->b, _("Search"));
	pl_buf_adds(w->b, "</button></form></div>");
	lang_switch(w);
	pl_buf_adds(w->b, "</header><main id=\"main\">");
}

static void
page_end(struct w *w)
{
	pl_buf_adds(w->b, "</main><footer><p>");
	if (w->h->snapshot)
		escf(w, _("Registry snapshot %s. Every fact names its source: iana, lore, observed."),
		    w->h->snapshot);
	else
		pl_buf_add_html(w->b, _("The store holds no registry snapshot."));
	pl_buf_adds(w->b, "</p><p>");
	if (w->api) {
		pl_buf_adds(w->b, "<a href=\"");
		pl_buf_add_html(w->b, w->api);
		pl_buf_adds(w->b, "\">");
		pl_buf_add_html(w->b, _("This page as JSON"));
		pl_buf_adds(w->b, "</a> · ");
	}
	pl_buf_adds(w->b, "<a href=\"/metrics\">metrics</a></p></footer></body></html>\n");
}

/* Provenance badges: the class keeps the key, the text is the reader's language. */
static void
prov(struct w *w, const char *p)
{
	static const char *const names[] = { N_("iana"), N_("lore"), N_("observed"),
		N_("probed"), N_("inferred"), N_("nmap"), N_("fetch-standard") };
	const char *text = p;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(p, names[i]) == 0)
			text = tr(w, names[i]);
	pl_buf_adds(w->b, " <span class=\"prov prov-");
	pl_buf_add_html(w->b, p);
	pl_buf_adds(w->b, "\">");
	pl_buf_add_html(w->b, text);
	pl_buf_adds(w->b, "</span>");
}

static const char *const risk_words[] = { N_("none"), N_("low"), N_("medium"), N_("high"),
	N_("critical") };

static int
risk_rank(const char *risk)
{
	for (int i = 0; i < 5; i++)
		if (risk && strcmp(risk, risk_words[i]) == 0)
			return i;
	return 0;
}

static void
risk_badge(struct w *w, const char *level)
{
	int k = risk_rank(level);

	pl_buf_printf(w->b, "<span class=\"risk risk-%d\">", k);
	pl_buf_add_html(w->b, tr(w, risk_words[k]));
	pl_buf_adds(w->b, "</span>");
}

/* --- port page: what it is ---------------------------------------------------- */

static const struct pl_record *
first_named(const struct pl_report *r)
{
	for (size_t i = 0; i < r->nrecords; i++)
		if (*r->records[i].service)
			return &r->records[i];
	return NULL;
}

/* IANA's references ("[RFC4251][RFC4252]") with RFCs linked to the RFC Editor. */
static void
reference_text(struct w *w, const char *s)
{
	const char *p = s;

	while (*p) {
		const char *rfc = strstr(p, "[RFC");
		unsigned num;
		int used = 0;

		if (rfc == NULL || sscanf(rfc, "[RFC%u]%n", &num, &used) != 1 || used == 0) {
			const char *stop = rfc ? rfc + 1 : p + strlen(p);

			data_n(w, p, (size_t)(stop - p));
			p = stop;
			continue;
		}
		data_n(w, p, (size_t)(rfc - p));
		pl_buf_printf(w->b, "<a href=\"https://www.rfc-editor.org/rfc/rfc%u\" rel=\"noopener "
		    "noreferrer\">", num);
		data_n(w, rfc, (size_t)used);
		pl_buf_adds(w->b, "</a>");
		p = rfc + used;
	}
}

static void
record_details(struct w *w, const struct pl_record *rec)
{
	const struct { const char *label, *value; } f[] = {
		{ N_("Assignee"), rec->assignee }, { N_("Contact"), rec->contact },
		{ N_("Registered"), rec->registered }, { N_("Modified"), rec->modified },
		{ N_("Reference"), rec->reference }, { N_("Service code"), rec->service_code },
		{ N_("Unauthorized use reported"), rec->unauthorized },
		{ N_("Notes"), rec->notes },
	};
	bool any = false;

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (f[i].value == NULL || *f[i].value == '\0')
			continue;
		pl_buf_adds(w->b, any ? "" : "<dl class=\"facts\">");
		any = true;
		pl_buf_adds(w->b, "<dt>");
		pl_buf_add_html(w->b, tr(w, f[i].label));
		pl_buf_adds(w->b, "</dt><dd>");
		if (f[i].value == rec->reference)
			reference_text(w, f[i].value);
		else
			data(w, f[i].value);
		pl_buf_adds(w->b, "</dd>");
	}
	if (any)
		pl_buf_adds(w->b, "</dl>");
}

static bool
same_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static bool
same_record(const struct pl_record *a, const struct pl_record *b)
{
	return same_str(a->service, b->service) && same_str(a->description, b->description) &&
	    same_str(a->assignee, b->assignee) && same_str(a->contact, b->contact) &&
	    same_str(a->registered, b->registered) && same_str(a->modified, b->modified) &&
	    same_str(a->reference, b->reference) && same_str(a->notes, b->notes) &&
	    same_str(a->service_code, b->service_code) &&
	    same_str(a->unauthorized, b->unauthorized) && a->lo == b->lo && a->hi == b->hi;
}

/* Whether two protocols' reports say the same about the registry (so the page tells
 * it once, "On tcp and udp, ..."). */
static bool
same_registry(const struct pl_report *a, const struct pl_report *b)
{
	if (a->status != b->status || a->nrecords != b->nrecords || a->nranges != b->nranges)
		return false;
	for (size_t i = 0; i < a->nrecords; i++)
		if (!same_record(&a->records[i], &b->records[i]))
			return false;
	for (size_t i = 0; i < a->nranges; i++)
		if (!same_record(&a->ranges[i], &b->ranges[i]))
			return false;
	return true;
}

/* "tcp", "tcp and udp", "tcp, udp and sctp": the protocols of reports i.. that say
 * the same as report i and were not told before. */
static void
proto_group(const struct w *w, const struct pl_report *r, size_t n, size_t i, bool plain,
    char *out, size_t len)
{
	size_t k = 0, count = 0;

	for (size_t j = i; j < n; j++)
		count += same_registry(&r[i], &r[j]);
	out[0] = '\0';
	for (size_t j = i; j < n; j++) {
		size_t off = strlen(out);

		if (!same_registry(&r[i], &r[j]))
			continue;
		snprintf(out + off, len - off, "%s%s", k == 0 ? "" : k + 1 == count && !plain ?
		    _(" and ") : ", ", pl_proto_name(r[j].proto));
		k++;
	}
}

/* Whether report i repeats what an earlier report already told. */
static bool
told_before(const struct pl_report *r, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (same_registry(&r[j], &r[i]))
			return true;
	return false;
}

static void
registry_para(struct w *w, const struct pl_report *r, size_t n, size_t ri)
{
	const struct pl_report *rp = &r[ri];
	char pn[64];

	proto_group(w, r, n, ri, false, pn, sizeof(pn));
	pl_buf_adds(w->b, "<p>");
	if (rp->snapshot == NULL)
		pl_buf_add_html(w->b, _("The store holds no registry snapshot."));
	for (size_t i = 0; rp->snapshot && i < rp->nrecords; i++) {
		const struct pl_record *rec = &rp->records[i];

		if (*rec->service)
			escf(w, _("On %s, IANA lists port %u as %s: %s."), pn, (unsigned)rp->port,
			    rec->service, rec->description);
		else if (rp->status == PL_REG_RESERVED)
			escf(w, _("On %s, port %u is reserved in the registry of %s."), pn,
			    (unsigned)rp->port, rp->snapshot);
		else
			escf(w, _("On %s, the registry of %s has no assignment for port %u: "
			    "it is unassigned."), pn, rp->snapshot, (unsigned)rp->port);
		pl_buf_adds(w->b, " ");
	}
	if (rp->snapshot && rp->nrecords == 0 && rp->nranges == 0)
		escf(w, _("On %s, the registry of %s has no row for port %u."), pn, rp->snapshot,
		    (unsigned)rp->port);
	for (size_t i = 0; rp->snapshot && i < rp->nranges; i++) {
		const struct pl_record *rec = &rp->ranges[i];

		if (*rec->service)
			escf(w, _("On %s, it lies inside the range %u-%u that IANA lists as %s: %s."), pn,
			    (unsigned)rec->lo, (unsigned)rec->hi, rec->service, rec->description);
		else
			escf(w, _("On %s, the registry of %s lists it inside %u-%u as: %s."), pn,
			    rp->snapshot, (unsigned)rec->lo, (unsigned)rec->hi, rec->description);
		pl_buf_adds(w->b, " ");
	}
	cite(w, IANA_URL);
	prov(w, "iana");
	pl_buf_adds(w->b, "</p>");
	for (size_t i = 0; i < rp->nrecords; i++)
		record_details(w, &rp->records[i]);
}

/* Lore entries once each, across protocols: returns whether u is the first of its id. */
static bool
first_use(const struct pl_report *r, size_t n, size_t ri, size_t ui)
{
	for (size_t i = 0; i <= ri; i++)
		for (size_t j = 0; j < (i == ri ? ui : r[i].nuses); j++)
			if (strcmp(r[i].uses[j].id, r[ri].uses[ui].id) == 0)
				return false;
	(void)n;
	return true;
}

/* Names of the specific (not range-wide) lore uses, joined: "NCID, Claymore miner";
 * after max names, "+N". */
static void
use_names_max(const struct pl_report *r, size_t n, struct pl_buf *out, size_t max)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < r[i].nuses; j++)
			if (!r[i].uses[j].broad && first_use(r, n, i, j) && k++ < max)
				pl_buf_printf(out, "%s%s", out->len ? ", " : "", r[i].uses[j].name);
	if (k > max)
		pl_buf_printf(out, " +%zu", k - max);
}

static void
use_names(const struct pl_report *r, size_t n, struct pl_buf *out)
{
	use_names_max(r, n, out, (size_t)-1);
}

/* The port's story in a paragraph: when the registry assigned it and to whom, what
 * changed since (from the history across snapshots), and what lore has seen on it. */
static void
story_registry(struct w *w, const struct pl_report *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct pl_record *rec = first_named(&r[i]);
		char pn[64];

		if (rec == NULL || told_before(r, i))
			continue;
		proto_group(w, r, n, i, false, pn, sizeof(pn));
		if (*rec->registered && *rec->assignee)
			escf(w, _("IANA registered %s (%s) on %s in %s, for %s."), rec->service,
			    rec->description, pn, rec->registered, rec->assignee);
		else if (*rec->assignee)
			escf(w, _("IANA lists %s (%s) on %s, assigned to %s; the registry gives no "
			    "registration date."), rec->service, rec->description, pn, rec->assignee);
		else
			escf(w, _("IANA lists %s (%s) on %s."), rec->service, rec->description, pn);
		if (*rec->modified) {
			pl_buf_adds(w->b, " ");
			escf(w, _("The record was last modified in %s."), rec->modified);
		}
		pl_buf_adds(w->b, " ");
	}
}

static void
story_event(struct w *w, const struct pl_hist_event *e)
{
	char when[160];

	if (e->date)
		snprintf(when, sizeof(when), "%s", e->date);
	else if (e->after && e->before)
		snprintf(when, sizeof(when), _("between the snapshots %s and %s"), e->after,
		    e->before);
	else
		snprintf(when, sizeof(when), "%s", e->before ? e->before : "");
	switch (e->kind) {
	case PL_HIST_ASSIGNED:
		escf(w, _("It was assigned to %s (%s)."), e->service, when);
		break;
	case PL_HIST_DEASSIGNED:
		escf(w, _("%s was taken off it (%s)."), e->service, when);
		break;
	case PL_HIST_CHANGED:
		if (e->field && strcmp(e->field, "assignee") == 0)
			escf(w, _("The assignee changed from %s to %s (%s)."), e->old_value,
			    e->new_value, when);
		else
			escf(w, _("The %s of %s changed from \"%s\" to \"%s\" (%s)."),
			    e->field ? e->field : "", e->service, e->old_value, e->new_value, when);
		break;
	case PL_HIST_ADDED:
		escf(w, _("A row for %s was added (%s)."), e->service, when);
		break;
	case PL_HIST_REMOVED:
		escf(w, _("The row for %s was removed (%s)."), e->service, when);
		break;
	default:
		return;
	}
	pl_buf_adds(w->b, " ");
}

static void
story_para(struct w *w, const struct pl_report *r, size_t n, const struct pl_html_port_extra *x)
{
	const struct pl_lore_use **v;
	size_t nv = specific_uses(r, n, &v), told = 0;

	pl_buf_adds(w->b, "<p class=\"story\">");
	story_registry(w, r, n);
	for (size_t i = 0; x && x->history && i < x->history->nevents && told < 4; i++)
		if (x->history->events[i].kind != PL_HIST_REGISTERED &&
		    x->history->events[i].kind != PL_HIST_MODIFIED) {
			story_event(w, &x->history->events[i]);
			told++;
		}
	if (nv > 0 && v[0]->year_from > 0)
		escf(w, _("Lore knows it best as %s, seen since %d."), v[0]->name, v[0]->year_from);
	else if (nv > 0)
		escf(w, _("Lore knows it best as %s."), v[0]->name);
	for (size_t k = 1; k < nv; k++)
		if (strcmp(v[k]->kind, "malware") == 0 && v[k]->year_from > 0) {
			pl_buf_adds(w->b, " ");
			escf(w, _("Malware was seen on it too: %s, from %d."), v[k]->name, v[k]->year_from);
			break;
		}
	pl_buf_adds(w->b, "</p>");
	free(v);
}

static void
what_section(struct w *w, uint16_t port, const struct pl_report *r, size_t n,
    const struct pl_html_port_extra *x)
{
	struct pl_buf names = PL_BUF_INIT;
	char title[128];

	snprintf(title, sizeof(title), _("What port %u is"), (unsigned)port);
	section(w, "what", title);
	story_para(w, r, n, x);
	for (size_t i = 0; i < n; i++)
		if (!told_before(r, i))
			registry_para(w, r, n, i);
	use_names(r, n, &names);
	pl_buf_adds(w->b, "<p>");
	if (names.len > 0)
		escf(w, _("Curated lore knows these uses of the port: %s."), pl_buf_str(&names));
	else
		pl_buf_add_html(w->b, _("Nothing is curated for this port yet."));
	prov(w, "lore");
	pl_buf_adds(w->b, "</p>");
	for (size_t i = 0; i < n; i++)
		if (r[i].nmap.have && r[i].nmap.rank > 0) {
			pl_buf_adds(w->b, "<p>");
			escf(w, _("nmap's measurements rank it %ld of %ld %s ports seen open (as %s)."),
			    r[i].nmap.rank, r[i].nmap.ranked, pl_proto_name(r[i].proto), r[i].nmap.name);
			prov(w, "nmap");
			pl_buf_adds(w->b, "</p>");
		}
	pl_buf_adds(w->b, "</section>");
	pl_buf_free(&names);
}

/* --- the range ---------------------------------------------------------------- */

static const char *
range_text(struct w *w, enum pl_iana_class c)
{
	switch (c) {
	case PL_CLASS_SYSTEM:
		return _("The System Ports, also called well-known ports, are assigned by IANA "
		    "through IETF review or IESG approval. On most systems only privileged "
		    "programs may listen on them.");
	case PL_CLASS_USER:
		return _("The User Ports, also called registered ports, are assigned by IANA on "
		    "request after expert review. Any program may listen on them, so many are "
		    "used without an assignment, and an assignment does not say what runs there.");
	default:
		return _("The Dynamic and/or Private Ports are never assigned by IANA. Operating "
		    "systems pick short-lived source ports for outgoing connections from this "
		    "range, and private services may use it.");
	}
}

static void
host_facts(struct w *w, const struct pl_report *r)
{
	const struct pl_os_ranges *os = r->os;

	if (!w->h->host || !r->os_read)
		return;
	pl_buf_adds(w->b, "<ul class=\"host\">");
	if (os->have_ephemeral) {
		pl_buf_adds(w->b, "<li>");
		if (r->port >= os->eph_lo && r->port <= os->eph_hi)
			escf(w, _("On this server it is inside the ephemeral range %u-%u: the kernel may "
			    "give it to an outgoing connection."), (unsigned)os->eph_lo, (unsigned)os->eph_hi);
		else
			escf(w, _("On this server it is outside the ephemeral range %u-%u."),
			    (unsigned)os->eph_lo, (unsigned)os->eph_hi);
		prov(w, "observed");
		pl_buf_adds(w->b, "</li>");
	}
	if (pl_os_reserved(os, r->port)) {
		pl_buf_adds(w->b, "<li>");
		pl_buf_add_html(w->b, _("It is listed in ip_local_reserved_ports, so the kernel never gives it to "
		    "an outgoing connection."));
		prov(w, "observed");
		pl_buf_adds(w->b, "</li>");
	}
	if (os->have_unpriv) {
		pl_buf_adds(w->b, "<li>");
		if ((int)r->port < os->unpriv_start)
			escf(w, _("Listening on it needs root or CAP_NET_BIND_SERVICE here "
			    "(ip_unprivileged_port_start is %d)."), os->unpriv_start);
		else
			escf(w, _("Any user may listen on it here (ip_unprivileged_port_start is %d)."),
			    os->unpriv_start);
		prov(w, "observed");
		pl_buf_adds(w->b, "</li>");
	}
	pl_buf_adds(w->b, "</ul>");
}

static void
browsers_para(struct w *w, const struct pl_report *r)
{
	pl_buf_adds(w->b, "<p>");
	if (r->browsers.chromium || r->browsers.firefox)
		pl_buf_add_html(w->b, _("Chromium and Firefox refuse to connect to this port: it is one of the "
		    "\"bad ports\" of the Fetch standard."));
	else
		pl_buf_add_html(w->b, _("Web browsers connect to this port normally."));
	cite(w, r->browsers.spec_src);
	prov(w, "fetch-standard");
	pl_buf_adds(w->b, "</p>");
}

static void
range_section(struct w *w, const struct pl_report *r)
{
	const struct pl_iana_range *ir = r->iana_range;

	section(w, "range", _("The range it belongs to"));
	pl_buf_adds(w->b, "<p>");
	escf(w, _("Port %u belongs to the %s, %u-%u (%u ports)."), (unsigned)r->port, ir->name,
	    (unsigned)ir->lo, (unsigned)ir->hi, ir->size);
	pl_buf_adds(w->b, " ");
	pl_buf_add_html(w->b, range_text(w, ir->cls));
	cite(w, RFC6335_URL);
	prov(w, "iana");
	pl_buf_adds(w->b, "</p>");
	host_facts(w, r);
	browsers_para(w, r);
	pl_buf_adds(w->b, "</section>");
}

/* --- what actually runs here ---------------------------------------------------- */

/* Whether sibling k repeats an earlier row of the table (same ports and protocol). */
static bool
sibling_seen(const struct pl_lore_use *u, size_t k)
{
	for (size_t i = 0; i < k; i++)
		if (u->siblings[i].lo == u->siblings[k].lo && u->siblings[i].hi == u->siblings[k].hi &&
		    u->siblings[i].proto == u->siblings[k].proto &&
		    strcmp(u->siblings[i].entry_id, u->siblings[k].entry_id) == 0)
			return true;
	return false;
}

/* The other ports of this entry, each (port, protocol) once. Ports of other entries of
 * the family (an attacker's exploit ports beside a miner's, say) belong to their own
 * cards, not this one. */
static void
entry_ports_table(struct w *w, uint16_t port, const struct pl_lore_use *u)
{
	char caption[256];
	size_t rows = 0;

	for (size_t i = 0; i < u->nsiblings && i < 200; i++) {
		const struct pl_lore_port *s = &u->siblings[i];

		if (strcmp(s->entry_id, u->id) != 0 || sibling_seen(u, i) ||
		    (s->lo == port && s->hi == port))
			continue;
		if (rows++ == 0) {
			snprintf(caption, sizeof(caption), _("Other ports of %s"), u->name);
			pl_buf_adds(w->b, "<div class=\"scroll\"><table class=\"family\"><caption>");
			pl_buf_add_html(w->b, caption);
			pl_buf_adds(w->b, "</caption><thead><tr><th scope=\"col\">");
			pl_buf_add_html(w->b, _("Port"));
			pl_buf_adds(w->b, "</th><th scope=\"col\">");
			pl_buf_add_html(w->b, _("Protocol"));
			pl_buf_adds(w->b, "</th><th scope=\"col\">");
			pl_buf_add_html(w->b, _("Role"));
			pl_buf_adds(w->b, "</th></tr></thead><tbody>");
		}
		pl_buf_adds(w->b, "<tr><td>");
		if (s->lo == s->hi)
			port_link(w, s->lo);
		else
			pl_buf_printf(w->b, "%u-%u", (unsigned)s->lo, (unsigned)s->hi);
		pl_buf_adds(w->b, "</td><td>");
		pl_buf_add_html(w->b, pl_proto_name(s->proto));
		pl_buf_adds(w->b, "</td><td>");
		data(w, s->role);
		pl_buf_adds(w->b, "</td></tr>");
	}
	if (rows > 0)
		pl_buf_adds(w->b, "</tbody></table></div>");
}

/* "2018", "2014-2019", "since 1999", or "" when lore gives no year. */
static void
years_text(const struct w *w, const struct pl_lore_use *u, char *out, size_t len)
{
	if (u->year_from == 0)
		snprintf(out, len, "%s", "");
	else if (u->year_to == u->year_from)
		snprintf(out, len, "%d", u->year_from);
	else if (u->year_to)
		snprintf(out, len, "%d-%d", u->year_from, u->year_to);
	else
		snprintf(out, len, _("since %d"), u->year_from);
}

/* The protocols an entry is seen on for this port: "tcp, udp". */
static void
use_protos(const struct pl_report *r, size_t n, const char *id, char *out, size_t len)
{
	size_t off = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < r[i].nuses; j++)
			if (strcmp(r[i].uses[j].id, id) == 0 && off < len) {
				off += (size_t)snprintf(out + off, len - off, "%s%s", off ? ", " : "",
				    pl_proto_name(r[i].proto));
				break;
			}
}

static void
use_block(struct w *w, uint16_t port, const struct pl_report *r, size_t n,
    const struct pl_lore_use *u)
{
	char years[64], protos[64];

	use_protos(r, n, u->id, protos, sizeof(protos));
	years_text(w, u, years, sizeof(years));
	pl_buf_adds(w->b, "<article class=\"use\" id=\"lore-");
	pl_buf_add_html(w->b, u->id);
	pl_buf_adds(w->b, "\"><h3>");
	data(w, u->name);
	pl_buf_adds(w->b, "</h3>");
	if (risk_rank(pl_use_risk(u)) > 0) {
		pl_buf_adds(w->b, "<p class=\"use-risk\">");
		risk_badge(w, pl_use_risk(u));
		pl_buf_adds(w->b, "</p>");
	}
	pl_buf_adds(w->b, "<p>");
	data(w, u->summary);
	for (size_t s = 0; s < u->nsources; s++)
		cite(w, u->sources[s].url);
	prov(w, "lore");
	pl_buf_adds(w->b, "</p><dl class=\"facts\"><dt>");
	pl_buf_add_html(w->b, _("Role of this port"));
	pl_buf_adds(w->b, "</dt><dd>");
	data(w, u->role);
	pl_buf_printf(w->b, " (%s)", protos);
	pl_buf_adds(w->b, "</dd><dt>");
	pl_buf_add_html(w->b, _("Vendor"));
	pl_buf_adds(w->b, "</dt><dd>");
	data(w, u->vendor);
	pl_buf_adds(w->b, "</dd><dt>");
	pl_buf_add_html(w->b, _("Kind"));
	pl_buf_adds(w->b, "</dt><dd>");
	data(w, u->kind);
	pl_buf_adds(w->b, "</dd>");
	if (*years) {
		pl_buf_adds(w->b, "<dt>");
		pl_buf_add_html(w->b, _("Years"));
		pl_buf_adds(w->b, "</dt><dd>");
		pl_buf_add_html(w->b, years);
		pl_buf_adds(w->b, "</dd>");
	}
	if (strcmp(u->confidence, "high") != 0) {
		pl_buf_adds(w->b, "<dt>");
		pl_buf_add_html(w->b, _("Confidence"));
		pl_buf_adds(w->b, "</dt><dd class=\"confidence confidence-");
		pl_buf_add_html(w->b, u->confidence);
		pl_buf_adds(w->b, "\">");
		escf(w, "%s: %s", u->confidence, u->confidence_why);
		pl_buf_adds(w->b, "</dd>");
	}
	pl_buf_adds(w->b, "</dl>");
	entry_ports_table(w, port, u);
	pl_buf_adds(w->b, "</article>");
}

/* The specific (not range-wide) uses of the port, each entry once across protocols, in
 * the reports' order (the relevance ranking). Returns how many; *out is malloc'd. */
static size_t
specific_uses(const struct pl_report *r, size_t n, const struct pl_lore_use ***out)
{
	size_t total = 0, k = 0;

	for (size_t i = 0; i < n; i++)
		total += r[i].nuses;
	*out = total ? malloc(total * sizeof(**out)) : NULL;
	if (*out == NULL)
		return 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < r[i].nuses; j++)
			if (!r[i].uses[j].broad && first_use(r, n, i, j))
				(*out)[k++] = &r[i].uses[j];
	return k;
}

static void
runs_section(struct w *w, uint16_t port, const struct pl_report *r, size_t n)
{
	const struct pl_lore_use **v;
	size_t nv = specific_uses(r, n, &v), broad = 0;

	section(w, "runs", _("What actually runs here"));
	for (size_t k = 0; k < nv; k++) {
		if (k == TOP_USES) {
			pl_buf_adds(w->b, "<details class=\"more-uses\"><summary>");
			escf(w, _("More uses (%zu)"), nv - TOP_USES);
			pl_buf_adds(w->b, "</summary>");
		}
		use_block(w, port, r, n, v[k]);
	}
	if (nv > TOP_USES)
		pl_buf_adds(w->b, "</details>");
	if (nv == 0) {
		pl_buf_adds(w->b, "<p>");
		pl_buf_add_html(w->b, _("Nothing is curated for this port yet."));
		pl_buf_adds(w->b, "</p>");
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < r[i].nuses; j++)
			broad += r[i].uses[j].broad && first_use(r, n, i, j);
	if (broad > 0) {
		pl_buf_adds(w->b, "<h3>");
		pl_buf_add_html(w->b, _("Ranges that contain this port"));
		pl_buf_adds(w->b, "</h3><ul>");
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < r[i].nuses; j++) {
				const struct pl_lore_use *u = &r[i].uses[j];

				if (!u->broad || !first_use(r, n, i, j))
					continue;
				pl_buf_adds(w->b, "<li>");
				escf(w, "%u-%u/%s %s: %s", (unsigned)u->lo, (unsigned)u->hi,
				    pl_proto_name(r[i].proto), u->name, u->role);
				for (size_t s = 0; s < u->nsources; s++)
					cite(w, u->sources[s].url);
				prov(w, "lore");
				pl_buf_adds(w->b, "</li>");
			}
		pl_buf_adds(w->b, "</ul>");
	}
	pl_buf_adds(w->b, "</section>");
	free(v);
}

/* --- security ------------------------------------------------------------------- */

/* The most serious risk lore records for the port itself, or NULL when there is none. */
static const struct pl_lore_use *
worst_use(const struct pl_report *r, size_t n)
{
	const struct pl_lore_use *worst = NULL;

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < r[i].nuses; j++)
			if (!r[i].uses[j].broad && (worst == NULL ||
			    risk_rank(pl_use_risk(&r[i].uses[j])) > risk_rank(pl_use_risk(worst))))
				worst = &r[i].uses[j];
	return worst && risk_rank(pl_use_risk(worst)) > 0 ? worst : NULL;
}

static void
risk_item(struct w *w, const struct pl_lore_use *u)
{
	pl_buf_adds(w->b, "<li>");
	risk_badge(w, pl_use_risk(u));
	pl_buf_adds(w->b, " <strong>");
	data(w, u->name);
	pl_buf_adds(w->b, "</strong>: ");
	data(w, u->risk_why);
	for (size_t s = 0; s < u->nsources; s++)
		cite(w, u->sources[s].url);
	if (u->ncves > 0) {
		pl_buf_adds(w->b, " <span class=\"cves\">");
		for (size_t c = 0; c < u->ncves; c++) {
			pl_buf_adds(w->b, "<a href=\"https://www.cve.org/CVERecord?id=");
			pl_buf_add_html(w->b, u->cves[c]);
			pl_buf_adds(w->b, "\" rel=\"noopener noreferrer\">");
			pl_buf_add_html(w->b, u->cves[c]);
			pl_buf_adds(w->b, "</a> ");
		}
		pl_buf_adds(w->b, "</span>");
	}
	prov(w, "lore");
	pl_buf_adds(w->b, "</li>");
}

/* "If you see this port open": what it most likely is, what to check, what the worst
 * case is, from the facts of the page. */
static void
open_advice(struct w *w, uint16_t port, const struct pl_lore_use *first,
    const struct pl_lore_use *worst)
{
	pl_buf_adds(w->b, "<p class=\"advice\"><strong>");
	escf(w, _("If you see port %u open:"), (unsigned)port);
	pl_buf_adds(w->b, "</strong> ");
	if (first != NULL)
		escf(w, _("it is most likely %s, but any program may listen on any port."),
		    first->name);
	else
		pl_buf_add_html(w->b, _("nothing in the registry or the lore tells what it is."));
	pl_buf_adds(w->b, " ");
	pl_buf_add_html(w->b, _("Find the program that holds it (see How to check) before you trust the "
	    "number."));
	if (worst != NULL) {
		pl_buf_adds(w->b, " ");
		escf(w, _("The most serious case recorded here is %s:"), worst->name);
		pl_buf_adds(w->b, " ");
		risk_badge(w, pl_use_risk(worst));
		pl_buf_adds(w->b, ".");
	}
	pl_buf_adds(w->b, "</p>");
}

static int
by_risk(const void *a, const void *b)
{
	const struct pl_lore_use *const *x = a, *const *y = b;

	/* Ties keep the page's order: the pointers point into one array of reports. */
	if (risk_rank((*x)->risk) != risk_rank((*y)->risk))
		return risk_rank((*y)->risk) - risk_rank((*x)->risk);
	return (*x < *y) ? -1 : (*x > *y);
}

static void
security_section(struct w *w, uint16_t port, const struct pl_report *r, size_t n)
{
	const struct pl_lore_use **v;
	size_t nv = specific_uses(r, n, &v), items = 0, risky = 0;

	section(w, "security", _("Security notes"));
	open_advice(w, port, nv ? v[0] : NULL, worst_use(r, n));
	for (size_t k = 0; k < nv; k++)
		if (risk_rank(pl_use_risk(v[k])) > 0)
			v[risky++] = v[k];
	/* Most serious first. pl_use_risk() is the lore risk or "none", so sorting by the lore
	 * risk orders the kept ones by what the page shows. */
	if (risky > 1)          /* v is NULL when there is no use */
		qsort(v, risky, sizeof(*v), by_risk);
	pl_buf_adds(w->b, "<ul class=\"security\">");
	for (size_t k = 0; k < risky; k++, items++)
		risk_item(w, v[k]);
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < r[i].nrecords; k++)
			if (*r[i].records[k].unauthorized) {
				pl_buf_adds(w->b, "<li>");
				escf(w, _("The registry records unauthorized use on %s: %s"),
				    pl_proto_name(r[i].proto), r[i].records[k].unauthorized);
				cite(w, IANA_URL);
				prov(w, "iana");
				pl_buf_adds(w->b, "</li>");
				items++;
			}
	if (r[0].browsers.chromium || r[0].browsers.firefox) {
		pl_buf_adds(w->b, "<li>");
		pl_buf_add_html(w->b, _("Browsers block it so that web pages cannot make a browser talk to the "
		    "service on this port (cross-protocol attacks)."));
		cite(w, r[0].browsers.spec_src);
		pl_buf_adds(w->b, "</li>");
		items++;
	}
	pl_buf_adds(w->b, "</ul><p>");
	if (items == 0)
		pl_buf_add_html(w->b, _("Nothing in the registry or the lore marks this port as risky. What matters "
		    "is the program that listens on it."));
	else
		pl_buf_add_html(w->b, _("Expose the port only to the networks that need it, and check which program "
		    "listens before opening it in a firewall."));
	pl_buf_adds(w->b, "</p></section>");
	free(v);
}

/* --- how to check --------------------------------------------------------------- */

static bool
has_proto(const struct pl_report *r, size_t n, enum pl_proto p)
{
	for (size_t i = 0; i < n; i++)
		if (r[i].proto == p)
			return true;
	return false;
}

static void
cmd_block(struct w *w, const char *os, const char *const *lines, size_t n)
{
	pl_buf_adds(w->b, "<h3>");
	pl_buf_add_html(w->b, os);
	pl_buf_adds(w->b, "</h3><div class=\"cmd\"><pre tabindex=\"0\"><code>");
	for (size_t i = 0; i < n; i++) {
		pl_buf_add_html(w->b, lines[i]);
		pl_buf_adds(w->b, "\n");
	}
	pl_buf_adds(w->b, "</code></pre></div>");
}

static void
check_section(struct w *w, uint16_t port, const struct pl_report *r, size_t n)
{
	char l[6][192];
	bool udp = has_proto(r, n, PL_PROTO_UDP);
	const char *v[6];

	for (int i = 0; i < 6; i++)
		v[i] = l[i];
	section(w, "check", _("How to check what is listening"));
	snprintf(l[0], sizeof(l[0]), "sudo ss -ltnp 'sport = :%u'", (unsigned)port);
	snprintf(l[1], sizeof(l[1]), "sudo ss -lunp 'sport = :%u'", (unsigned)port);
	snprintf(l[2], sizeof(l[2]), "sudo lsof -nP -i :%u", (unsigned)port);
	cmd_block(w, "Linux", v, 3);
	snprintf(l[0], sizeof(l[0]), "sudo lsof -nP -iTCP:%u -sTCP:LISTEN", (unsigned)port);
	snprintf(l[1], sizeof(l[1]), "sudo lsof -nP -iUDP:%u", (unsigned)port);
	cmd_block(w, "macOS", v, udp ? 2 : 1);
	snprintf(l[0], sizeof(l[0]), "Get-NetTCPConnection -LocalPort %u -State Listen | "
	    "Select-Object LocalAddress, OwningProcess, @{n='Name';e={(Get-Process -Id "
	    "$_.OwningProcess).ProcessName}}", (unsigned)port);
	snprintf(l[1], sizeof(l[1]), "Get-NetUDPEndpoint -LocalPort %u", (unsigned)port);
	snprintf(l[2], sizeof(l[2]), "netstat -ano | findstr :%u", (unsigned)port);
	v[1] = udp ? l[1] : l[2];
	v[2] = l[2];
	cmd_block(w, "Windows (PowerShell)", v, udp ? 3 : 2);
	v[1] = l[1];
	v[2] = l[2];
	snprintf(l[0], sizeof(l[0]), "sockstat -46 -l -P tcp -p %u", (unsigned)port);
	snprintf(l[1], sizeof(l[1]), "sockstat -46 -l -P udp -p %u", (unsigned)port);
	cmd_block(w, "FreeBSD", v, udp ? 2 : 1);
	snprintf(l[0], sizeof(l[0]), "nc -vz HOST %u", (unsigned)port);
	snprintf(l[1], sizeof(l[1]), "nmap -sT -p %u HOST", (unsigned)port);
	snprintf(l[2], sizeof(l[2]), "sudo nmap -sU -p %u HOST", (unsigned)port);
	pl_buf_adds(w->b, "<h3>");
	pl_buf_add_html(w->b, _("From another host"));
	pl_buf_adds(w->b, "</h3><p>");
	pl_buf_add_html(w->b, _("Replace HOST with the address of the machine. Scan only machines you are "
	    "allowed to scan."));
	pl_buf_adds(w->b, "</p><div class=\"cmd\"><pre tabindex=\"0\"><code>");
	for (int i = 0; i < (udp ? 3 : 2); i++) {
		pl_buf_add_html(w->b, l[i]);
		pl_buf_adds(w->b, "\n");
	}
	pl_buf_adds(w->b, "</code></pre></div></section>");
}

/* --- unassigned ports ----------------------------------------------------------- */

static bool
unassigned(const struct pl_report *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (r[i].status == PL_REG_ASSIGNED)
			return false;
	return r[0].snapshot != NULL;
}

static void
unassigned_section(struct w *w, uint16_t port, const struct pl_report *r, size_t n)
{
	size_t uses = 0, vendors = 0;

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < r[i].nuses; j++) {
			const struct pl_lore_use *u = &r[i].uses[j];
			bool seen = false;

			if (u->broad || !first_use(r, n, i, j))
				continue;
			uses++;
			for (size_t a = 0; a <= i && !seen; a++)
				for (size_t b = 0; b < (a == i ? j : r[a].nuses); b++)
					seen |= !r[a].uses[b].broad && strcmp(r[a].uses[b].vendor, u->vendor) == 0;
			vendors += !seen;
		}
	section(w, "unassigned", _("Why an unassigned port matters"));
	pl_buf_adds(w->b, "<p>");
	escf(w, _("The registry has no assignment for port %u, so no one owns it: any program may "
	    "pick it, and two programs on one machine may collide."), (unsigned)port);
	pl_buf_adds(w->b, "</p><p>");
	if (uses > 1)
		escf(w, _("Lore records %zu uses of it by %zu vendors. An open port %u could be any of "
		    "them: check the process instead of trusting the number."), uses, vendors,
		    (unsigned)port);
	else if (uses == 1)
		escf(w, _("Lore records one use of it. Others may pick the same number without "
		    "telling anyone: check the process instead of trusting the number."));
	else
		pl_buf_add_html(w->b, _("Lore records no use of it. Something listening here is a local choice: "
		    "find out which program it is."));
	pl_buf_adds(w->b, "</p><p>");
	pl_buf_add_html(w->b, _("Firewalls and scanners that name ports after the registry show nothing, or a "
	    "guess, for it. Name the service yourself in rules and inventories."));
	pl_buf_adds(w->b, "</p></section>");
}

/* --- on this server ----------------------------------------------------------- */

static void
proc_cell(struct w *w, const struct pl_socklist *l, const struct pl_socket *so)
{
	for (size_t i = 0; i < so->nowners; i++) {
		const struct pl_proc *p = &l->procs[so->owners[i]];

		pl_buf_adds(w->b, i ? "<br>" : "");
		escf(w, "%s (pid %ld, %s)", p->comm, (long)p->pid, p->user ? p->user : "?");
		if (p->unit)
			escf(w, ", %s", p->unit);
		if (p->container_kind)
			escf(w, ", %s %.12s", p->container_kind, p->container_id ? p->container_id : "");
	}
	if (so->nowners == 0)
		pl_buf_adds(w->b, "-");
}

/* Identification's confidence words (identify.h), as interface text. */
static const char *const id_conf_words[] = { N_("none"), N_("port only"), N_("ambiguous"),
	N_("likely"), N_("confirmed") };

/* Whether identification has something to say of a listener's holder: a use named, two
 * it could not choose between, or a holder that fits none of the port's uses. */
static bool
ident_says(const struct pl_socket *so)
{
	const struct pl_identified *id = so->ident;

	return id != NULL && (*id->contradiction || id->name != NULL ||
	    (id->confidence == PL_ID_AMBIGUOUS && id->ncand > 1));
}

/* What identification made of a listener's holder, as the command line says it, after
 * `before`: the use with its confidence ("python -m http.server (confirmed)"), the two
 * best when it could not choose, or a flag when the holder fits none of the port's uses.
 * Nothing when it says nothing (ident_says()). */
static void
ident_text(struct w *w, const struct pl_socket *so, const char *before)
{
	const struct pl_identified *id = so->ident;

	if (!ident_says(so))
		return;
	pl_buf_adds(w->b, before);
	if (*id->contradiction) {
		pl_buf_add_html(w->b, _("none of the uses lore expects on this port"));
		return;
	}
	if (id->name != NULL)
		data(w, id->name);
	else
		escf(w, _("%s or %s"), id->cand[0].name, id->cand[1].name);
	if ((unsigned)id->confidence < sizeof(id_conf_words) / sizeof(id_conf_words[0])) {
		pl_buf_adds(w->b, " (");
		pl_buf_add_html(w->b, tr(w, id_conf_words[id->confidence]));
		pl_buf_adds(w->b, ")");
	}
}

static void
here_row(struct w *w, const struct pl_socklist *l, const struct pl_socket *so, bool first)
{
	char addr[80];

	if (first) {
		pl_buf_adds(w->b, "<div class=\"scroll\"><table class=\"here\"><thead><tr><th scope=\"col\">");
		pl_buf_add_html(w->b, _("Protocol"));
		pl_buf_adds(w->b, "</th><th scope=\"col\">");
		pl_buf_add_html(w->b, _("Address"));
		pl_buf_adds(w->b, "</th><th scope=\"col\">");
		pl_buf_add_html(w->b, _("Process"));
		pl_buf_adds(w->b, "</th></tr></thead><tbody>");
	}
	pl_sock_addr(addr, sizeof(addr), so->family, so->laddr, so->lport);
	pl_buf_adds(w->b, "<tr><td>");
	pl_buf_add_html(w->b, pl_proto_name(so->proto));
	pl_buf_adds(w->b, "</td><td><code>");
	pl_buf_add_html(w->b, addr);
	pl_buf_adds(w->b, "</code>");
	prov(w, "observed");
	pl_buf_adds(w->b, "</td><td>");
	proc_cell(w, l, so);
	/* Under the process rather than in a column of its own: a fourth column does not
	 * fit a phone's width without scrolling the table. */
	if (ident_says(so)) {
		pl_buf_adds(w->b, "<br><span class=\"muted\">");
		pl_buf_add_html(w->b, _("Identified as"));
		ident_text(w, so, ": ");
		pl_buf_adds(w->b, "</span>");
	}
	pl_buf_adds(w->b, "</td></tr>");
}

/* Live listeners of the port on this machine, from the reports. The server asks for
 * them only when it listens on loopback, so the host's sockets never reach another
 * machine. */
static void
here_section(struct w *w, uint16_t port, const struct pl_report *r, size_t n, const char *when)
{
	size_t shown = 0;

	section(w, "here", _("On this server"));
	pl_buf_adds(w->b, "<p class=\"muted\">");
	escf(w, _("Seen at %s. Shown only because this server listens on loopback."),
	    when ? when : "");
	pl_buf_adds(w->b, "</p>");
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; r[i].sockets_read && k < r[i].sockets.n && shown < 100; k++) {
			const struct pl_socket *so = &r[i].sockets.v[k];

			if (so->lport != port || !pl_sock_is_listener(so))
				continue;
			here_row(w, &r[i].sockets, so, shown++ == 0);
		}
	if (shown > 0) {
		pl_buf_adds(w->b, "</tbody></table></div>");
	} else {
		pl_buf_adds(w->b, "<p>");
		escf(w, _("Nothing listens on port %u here."), (unsigned)port);
		prov(w, "observed");
		pl_buf_adds(w->b, "</p>");
	}
	for (size_t i = 0; i < n; i++) {
		const char *why = *r[i].sockets_error ? r[i].sockets_error : r[i].sockets.notes;

		if (r[i].sockets_read && *why) {
			pl_buf_adds(w->b, "<p class=\"muted\">");
			escf(w, "%s: %s", pl_proto_name(r[i].proto), why);
			pl_buf_adds(w->b, "</p>");
		}
	}
	pl_buf_adds(w->b, "</section>");
}

static void
history_section(struct w *w, const struct pl_history *hist)
{
	pl_history_html(w->b, hist, _("History"));
}

/* --- questions ------------------------------------------------------------------ */

static void
qa_begin(struct w *w, const char *q)
{
	pl_buf_adds(w->b, "<details><summary>");
	pl_buf_add_html(w->b, q);
	pl_buf_adds(w->b, "</summary><p>");
}

static void
faq_assigned(struct w *w, uint16_t port, const struct pl_report *r, size_t n)
{
	char q[160];
	bool any = false;

	snprintf(q, sizeof(q), _("Is port %u assigned by IANA?"), (unsigned)port);
	qa_begin(w, q);
	for (size_t i = 0; i < n; i++) {
		const struct pl_record *rec = first_named(&r[i]);

		if (rec == NULL)
			continue;
		escf(w, _("Yes, on %s: %s (%s)."), pl_proto_name(r[i].proto), rec->service,
		    rec->description);
		pl_buf_adds(w->b, " ");
		any = true;
	}
	if (!any && r[0].snapshot)
		escf(w, _("No. The registry of %s has no assignment for it."), r[0].snapshot);
	else if (!any)
		pl_buf_add_html(w->b, _("The store holds no registry snapshot."));
	pl_buf_adds(w->b, "</p></details>");
}

static void
faq_uses(struct w *w, uint16_t port, const struct pl_report *r, size_t n)
{
	struct pl_buf names = PL_BUF_INIT;
	const struct pl_lore_use *worst = worst_use(r, n);
	char q[160];

	use_names(r, n, &names);
	snprintf(q, sizeof(q), _("What uses port %u?"), (unsigned)port);
	qa_begin(w, q);
	if (names.len > 0)
		escf(w, _("Curated lore knows these uses of the port: %s."), pl_buf_str(&names));
	else
		pl_buf_add_html(w->b, _("Nothing is curated for this port yet."));
	pl_buf_adds(w->b, "</p></details>");
	snprintf(q, sizeof(q), _("Is port %u dangerous?"), (unsigned)port);
	qa_begin(w, q);
	if (worst != NULL)
		escf(w, _("The highest risk recorded for it is %s, for %s: %s"),
		    tr(w, risk_words[risk_rank(pl_use_risk(worst))]), worst->name, worst->risk_why);
	else
		pl_buf_add_html(w->b, _("Nothing in the registry or the lore marks this port as risky. What matters "
		    "is the program that listens on it."));
	pl_buf_adds(w->b, "</p></details>");
	pl_buf_free(&names);
}

static void
faq_section(struct w *w, uint16_t port, const struct pl_report *r, size_t n)
{
	char q[160];

	section(w, "faq", _("Frequently asked questions"));
	faq_assigned(w, port, r, n);
	faq_uses(w, port, r, n);
	snprintf(q, sizeof(q), _("Do I need root to listen on port %u?"), (unsigned)port);
	qa_begin(w, q);
	if (port < 1024)
		pl_buf_add_html(w->b, _("On most systems, yes: ports below 1024 need root or a capability such as "
		    "CAP_NET_BIND_SERVICE."));
	else
		pl_buf_add_html(w->b, _("No: any user may listen on ports from 1024 up."));
	pl_buf_adds(w->b, "</p></details>");
	snprintf(q, sizeof(q), _("Will a web browser connect to port %u?"), (unsigned)port);
	qa_begin(w, q);
	if (r[0].browsers.chromium || r[0].browsers.firefox)
		pl_buf_add_html(w->b, _("Chromium and Firefox refuse to connect to this port: it is one of the "
		    "\"bad ports\" of the Fetch standard."));
	else
		pl_buf_add_html(w->b, _("Web browsers connect to this port normally."));
	pl_buf_adds(w->b, "</p></details>");
	snprintf(q, sizeof(q), _("How do I see what is listening on port %u?"), (unsigned)port);
	qa_begin(w, q);
	escf(w, _("On Linux, run: sudo ss -ltnp 'sport = :%u'. The section above has the "
	    "commands for macOS, Windows and FreeBSD."), (unsigned)port);
	pl_buf_adds(w->b, "</p></details></section>");
}

/* --- feedback ------------------------------------------------------------------- */

static void
feedback_section(struct w *w, const char *page, const char *voted)
{
	static const char *const votes[] = { "yes", "partly", "no" };
	const char *labels[] = { _("Yes"), _("Partly"), _("No") };

	pl_buf_adds(w->b, "<section id=\"feedback\" class=\"feedback\" data-page=\"");
	pl_buf_add_html(w->b, page);
	pl_buf_adds(w->b, "\" data-thanks=\"");
	pl_buf_add_html(w->b, _("Thank you. Your answer is saved."));
	pl_buf_adds(w->b, "\" data-error=\"");
	pl_buf_add_html(w->b, _("Your answer could not be saved. Please try again later."));
	pl_buf_adds(w->b, "\" data-totals=\"");
	pl_buf_add_html(w->b, _("{yes} yes, {partly} partly, {no} no"));
	pl_buf_adds(w->b, "\"><h2>");
	pl_buf_add_html(w->b, _("Was this page helpful?"));
	pl_buf_adds(w->b, "</h2><form method=\"post\" action=\"/api/v1/feedback\"><input type=\"hidden\" "
	    "name=\"page\" value=\"");
	pl_buf_add_html(w->b, page);
	pl_buf_adds(w->b, "\"><input type=\"hidden\" name=\"lang\" value=\"");
	pl_buf_add_html(w->b, w->h->lang->code);
	pl_buf_adds(w->b, "\">");
	for (int i = 0; i < 3; i++) {
		pl_buf_printf(w->b, "<button type=\"submit\" name=\"vote\" value=\"%s\" aria-pressed=\"%s\">",
		    votes[i], voted && strcmp(voted, votes[i]) == 0 ? "true" : "false");
		pl_buf_add_html(w->b, labels[i]);
		pl_buf_adds(w->b, "</button>");
	}
	pl_buf_adds(w->b, "</form><p class=\"status\" role=\"status\" aria-live=\"polite\">");
	if (voted)
		pl_buf_add_html(w->b, _("Thank you. Your answer is saved."));
	pl_buf_adds(w->b, "</p></section>");
}

/* The page's table of contents: the sections this page has, in their order. */
static void
toc(struct w *w, bool here, bool history, bool with_unassigned)
{
	const struct { const char *id, *title; bool on; } s[] = {
		{ "runs", N_("What runs here"), true }, { "what", N_("What it is"), true },
		{ "security", N_("Security"), true }, { "here", N_("On this server"), here },
		{ "check", N_("Check"), true }, { "range", N_("Range"), true },
		{ "history", N_("History"), history },
		{ "unassigned", N_("Unassigned"), with_unassigned },
		{ "faq", N_("Questions"), true }, { "references", N_("References"), true },
	};

	pl_buf_adds(w->b, "<nav class=\"toc\" aria-label=\"");
	pl_buf_add_html(w->b, _("On this page"));
	pl_buf_adds(w->b, "\"><ul>");
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		if (!s[i].on)
			continue;
		pl_buf_printf(w->b, "<li><a href=\"#%s\">", s[i].id);
		pl_buf_add_html(w->b, tr(w, s[i].title));
		pl_buf_adds(w->b, "</a></li>");
	}
	pl_buf_adds(w->b, "</ul></nav>");
}

/* The first listener of the port here, as "sshd (pid 812, root, ssh.service)". */
static bool
here_line(struct w *w, uint16_t port, const struct pl_report *r, size_t n)
{
	size_t count = 0;
	const struct pl_socket *first = NULL;
	const struct pl_socklist *fl = NULL;

	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; r[i].sockets_read && k < r[i].sockets.n; k++) {
			const struct pl_socket *so = &r[i].sockets.v[k];

			if (so->lport != port || !pl_sock_is_listener(so))
				continue;
			if (count++ == 0) {
				first = so;
				fl = &r[i].sockets;
			}
		}
	if (first == NULL) {
		escf(w, _("Nothing listens on port %u here."), (unsigned)port);
		return false;
	}
	pl_buf_add_html(w->b, pl_proto_name(first->proto));
	pl_buf_adds(w->b, ": ");
	proc_cell(w, fl, first);
	/* What it was identified as, when identification says: the page's first answer to
	 * what runs here. */
	ident_text(w, first, " · ");
	if (count > 1) {
		pl_buf_adds(w->b, " ");
		escf(w, "(+%zu)", count - 1);
	}
	return true;
}

/* The registry in one line: "tcp, udp: dec-notes (DEC Notes)", one run of data text so
 * that a right-to-left page keeps it in order. */
/* What the summary says of a report's registry row: "dec-notes (DEC Notes)". */
static void
registry_short(const struct w *w, const struct pl_report *r, char *out, size_t len)
{
	const struct pl_record *rec = first_named(r);

	if (rec != NULL)
		snprintf(out, len, "%s (%s)", rec->service, rec->description);
	else
		snprintf(out, len, "%s", r->status == PL_REG_RESERVED ? _("reserved") :
		    r->snapshot ? _("unassigned") : "-");
}

/* The registry in one line: "tcp, udp: dec-notes (DEC Notes)", protocols whose rows say
 * the same grouped, as one run of data text so that a right-to-left page keeps it in
 * order. */
static void
registry_line(struct w *w, const struct pl_report *r, size_t n)
{
	struct pl_buf line = PL_BUF_INIT;
	char a[320], b[320];

	for (size_t i = 0; i < n; i++) {
		bool told = false;

		registry_short(w, &r[i], a, sizeof(a));
		for (size_t j = 0; j < i && !told; j++) {
			registry_short(w, &r[j], b, sizeof(b));
			told = strcmp(a, b) == 0;
		}
		if (told)
			continue;
		pl_buf_adds(&line, line.len ? "; " : "");
		for (size_t j = i, k = 0; j < n; j++) {
			registry_short(w, &r[j], b, sizeof(b));
			if (strcmp(a, b) == 0)
				pl_buf_printf(&line, "%s%s", k++ ? ", " : "", pl_proto_name(r[j].proto));
		}
		pl_buf_printf(&line, ": %s", a);
	}
	data(w, pl_buf_str(&line));
	prov(w, "iana");
	pl_buf_free(&line);
}

/* The risk the summary names: the worst among the uses that are dominant or common on
 * the port. A critical appliance flaw in a niche use of port 22 is in the security
 * notes, but it is not what a reader of port 22 should see first. */
static const struct pl_lore_use *
summary_risk(const struct pl_lore_use *const *v, size_t nv)
{
	const struct pl_lore_use *worst = NULL;

	for (size_t k = 0; k < nv; k++)
		if ((v[k]->prevalence == PL_PREV_DOMINANT || v[k]->prevalence == PL_PREV_COMMON) &&
		    risk_rank(pl_use_risk(v[k])) > 0 &&
		    (worst == NULL || risk_rank(pl_use_risk(v[k])) > risk_rank(pl_use_risk(worst))))
			worst = v[k];
	return worst;
}

/* The answer at the top of a port page: the registry, the uses that matter most, the
 * worst risk for this port, what is on it here, and where to go next. */
static void
summary_box(struct w *w, uint16_t port, const struct pl_report *r, size_t n, bool here)
{
	const struct pl_lore_use **v;
	size_t nv = specific_uses(r, n, &v);
	const struct pl_lore_use *worst = summary_risk(v, nv);

	pl_buf_adds(w->b, "<section id=\"summary\" class=\"summary\" aria-label=\"");
	pl_buf_add_html(w->b, _("In short"));
	pl_buf_adds(w->b, "\"><dl><dt>");
	pl_buf_add_html(w->b, _("Registry"));
	pl_buf_adds(w->b, "</dt><dd>");
	registry_line(w, r, n);
	pl_buf_adds(w->b, "</dd>");
	if (nv > 0) {
		pl_buf_adds(w->b, "<dt>");
		pl_buf_add_html(w->b, _("Known for"));
		pl_buf_adds(w->b, "</dt><dd><ol class=\"top-uses\">");
		for (size_t k = 0; k < nv && k < TOP_USES; k++) {
			pl_buf_adds(w->b, "<li><a href=\"#lore-");
			pl_buf_add_html(w->b, v[k]->id);
			pl_buf_adds(w->b, "\">");
			data(w, v[k]->name);
			pl_buf_adds(w->b, "</a>");
			if (risk_rank(pl_use_risk(v[k])) > 0) {
				pl_buf_adds(w->b, " ");
				risk_badge(w, pl_use_risk(v[k]));
			}
			pl_buf_adds(w->b, "</li>");
		}
		pl_buf_adds(w->b, "</ol></dd>");
	}
	for (size_t k = 0; worst != NULL && k < nv && k < TOP_USES; k++)
		if (v[k] == worst)
			worst = NULL;          /* already marked in the list above */
	if (worst != NULL) {
		pl_buf_adds(w->b, "<dt>");
		pl_buf_add_html(w->b, _("Highest risk"));
		pl_buf_adds(w->b, "</dt><dd>");
		risk_badge(w, pl_use_risk(worst));
		pl_buf_adds(w->b, " <a href=\"#security\">");
		data(w, worst->name);
		pl_buf_adds(w->b, "</a></dd>");
	}
	if (here) {
		pl_buf_adds(w->b, "<dt>");
		pl_buf_add_html(w->b, _("Here"));
		pl_buf_adds(w->b, "</dt><dd>");
		here_line(w, port, r, n);
		prov(w, "observed");
		pl_buf_adds(w->b, "</dd>");
	}
	pl_buf_adds(w->b, "</dl><p class=\"next\">");
	if (nv > TOP_USES) {
		pl_buf_adds(w->b, "<a href=\"#runs\">");
		escf(w, _("All uses (%zu)"), nv);
		pl_buf_adds(w->b, "</a> · ");
	}
	pl_buf_adds(w->b, "<a href=\"#check\">");
	pl_buf_add_html(w->b, _("How to check"));
	pl_buf_adds(w->b, "</a> · <a href=\"#references\">");
	pl_buf_add_html(w->b, _("References"));
	pl_buf_adds(w->b, "</a></p></section>");
	free(v);
}

/* Previous and next port, and where the port sits: range, then its hundred. */
static void
port_nav(struct w *w, uint16_t port)
{
	const struct pl_iana_range *ir = pl_iana_range_of(port);
	unsigned lo = port / 100 * 100, hi = lo + 99 > 65535 ? 65535 : lo + 99;
	char path[64], label[32];

	pl_buf_adds(w->b, "<nav class=\"crumbs\" aria-label=\"");
	pl_buf_add_html(w->b, _("Where this port is"));
	pl_buf_adds(w->b, "\"><ol><li>");
	snprintf(path, sizeof(path), "/ports?from=%u&to=%u", (unsigned)ir->lo,
	    (unsigned)ir->lo + 99);
	link_open(w, path);
	pl_buf_add_html(w->b, ir->name);
	pl_buf_adds(w->b, "</a></li><li>");
	snprintf(path, sizeof(path), "/ports?from=%u&to=%u", lo, hi);
	snprintf(label, sizeof(label), "%u-%u", lo, hi);
	link_open(w, path);
	pl_buf_add_html(w->b, label);
	pl_buf_printf(w->b, "</a></li><li aria-current=\"page\">%u</li></ol><p class=\"prevnext\">",
	    (unsigned)port);
	if (port > 0) {
		snprintf(path, sizeof(path), "/port/%u", (unsigned)port - 1);
		pl_buf_adds(w->b, "<a rel=\"prev\" href=\"");
		pl_buf_add_html(w->b, path);
		pl_buf_adds(w->b, "?lang=");
		pl_buf_add_html(w->b, w->h->lang->code);
		pl_buf_adds(w->b, "\">");
		escf(w, _("Port %u"), (unsigned)port - 1);
		pl_buf_adds(w->b, "</a>");
	}
	if (port < 65535) {
		snprintf(path, sizeof(path), "/port/%u", (unsigned)port + 1);
		pl_buf_adds(w->b, port > 0 ? " · " : "");
		pl_buf_adds(w->b, "<a rel=\"next\" href=\"");
		pl_buf_add_html(w->b, path);
		pl_buf_adds(w->b, "?lang=");
		pl_buf_add_html(w->b, w->h->lang->code);
		pl_buf_adds(w->b, "\">");
		escf(w, _("Port %u"), (unsigned)port + 1);
		pl_buf_adds(w->b, "</a>");
	}
	pl_buf_adds(w->b, "</p></nav>");
}

/* The page's description for search engines and link previews (plain text). */
static void
port_description(struct w *w, uint16_t port, const struct pl_report *r, size_t n,
    char *out, size_t len)
{
	const struct pl_lore_use **v;
	size_t nv = specific_uses(r, n, &v);
	const struct pl_record *rec = NULL;
	int k;

	for (size_t i = 0; i < n && rec == NULL; i++)
		rec = first_named(&r[i]);
	k = snprintf(out, len, _("Port %u"), (unsigned)port);
	if (k >= 0 && (size_t)k < len && rec != NULL)
		k += snprintf(out + k, len - (size_t)k, ": %s (%s)", rec->service, rec->description);
	for (size_t j = 0; j < nv && j < 2 && k >= 0 && (size_t)k < len; j++)
		k += snprintf(out + k, len - (size_t)k, "%s%s", j ? ", " : ". ", v[j]->name);
	free(v);
}

int
pl_html_port(struct pl_buf *out, const struct pl_html_ctx *h, uint16_t port,
    const struct pl_report *r, size_t n, const struct pl_html_port_extra *x)
{
	const struct pl_html_port_extra none = { 0 };
	bool here = false;
	struct w *w = calloc(1, sizeof(*w));
	char title[96], page[32], desc[320], api[40];
	int rc;

	if (w == NULL || n == 0) {
		free(w);
		return n == 0 ? -PL_EUSAGE : -PL_ENOMEM;
	}
	*w = (struct w){ .b = out, .h = h };
	if (x == NULL)
		x = &none;
	refs_collect(w, r, n);
	snprintf(title, sizeof(title), _("Port %u"), (unsigned)port);
	snprintf(page, sizeof(page), "/port/%u", (unsigned)port);
	port_description(w, port, r, n, desc, sizeof(desc));
	w->description = desc;
	w->canonical = page;
	snprintf(api, sizeof(api), "/api/v1/ports/%u", (unsigned)port);
	w->api = api;
	page_begin(w, title);
	port_nav(w, port);
	pl_buf_printf(w->b, "<article class=\"port\"><h1>");
	pl_buf_add_html(w->b, title);
	pl_buf_adds(w->b, "</h1>");
	for (size_t i = 0; i < n; i++)
		here |= r[i].sockets_read;
	here &= h->host;
	summary_box(w, port, r, n, here);
	toc(w, here, x->history && x->history->nevents > 0, unassigned(r, n));
	runs_section(w, port, r, n);
	what_section(w, port, r, n, x);
	security_section(w, port, r, n);
	if (here)
		here_section(w, port, r, n, x->here_time);
	check_section(w, port, r, n);
	range_section(w, &r[0]);
	if (x->history)
		history_section(w, x->history);
	if (unassigned(r, n))
		unassigned_section(w, port, r, n);
	faq_section(w, port, r, n);
	refs_section(w);
	feedback_section(w, page, x->voted);
	pl_buf_adds(w->b, "</article>");
	page_end(w);
	rc = pl_buf_error(w->b);
	free(w);
	return rc;
}

/* --- other pages ---------------------------------------------------------------- */

static void
status_cell(struct w *w, const struct pl_report *r)
{
	const struct pl_record *rec = first_named(r);

	if (rec != NULL) {
		pl_buf_adds(w->b, "<strong>");
		pl_buf_add_html(w->b, rec->service);
		pl_buf_adds(w->b, "</strong> ");
		pl_buf_add_html(w->b, rec->description);
	} else if (r->status == PL_REG_RESERVED) {
		pl_buf_add_html(w->b, _("reserved"));
	} else if (r->snapshot) {
		pl_buf_adds(w->b, "<span class=\"muted\">");
		pl_buf_add_html(w->b, _("unassigned"));
		pl_buf_adds(w->b, "</span>");
	}
}

static void
lore_cell(struct w *w, const struct pl_report *a, const struct pl_report *b)
{
	struct pl_buf names = PL_BUF_INIT;
	struct pl_report two[2];
	size_t n = 0;

	if (a)
		two[n++] = *a;
	if (b)
		two[n++] = *b;
	use_names_max(two, n, &names, 6);
	pl_buf_add_html(w->b, pl_buf_str(&names));
	pl_buf_free(&names);
}

static void
table_head(struct w *w)
{
	pl_buf_adds(w->b, "<div class=\"scroll\"><table class=\"ports\"><thead><tr><th scope=\"col\">");
	pl_buf_add_html(w->b, _("Port"));
	pl_buf_adds(w->b, "</th><th scope=\"col\">");
	pl_buf_add_html(w->b, _("Registry (tcp)"));
	pl_buf_adds(w->b, "</th><th scope=\"col\">");
	pl_buf_add_html(w->b, _("Known uses"));
	pl_buf_adds(w->b, "</th></tr></thead><tbody>");
}

static void
port_row(struct w *w, const struct pl_report *tcp, const struct pl_report *udp)
{
	pl_buf_adds(w->b, "<tr><td>");
	port_link(w, tcp->port);
	pl_buf_adds(w->b, "</td><td>");
	status_cell(w, tcp);
	pl_buf_adds(w->b, "</td><td>");
	lore_cell(w, tcp, udp);
	pl_buf_adds(w->b, "</td></tr>");
}

static void
ranges_explained(struct w *w)
{
	static const uint16_t firsts[] = { 0, 1024, 49152 };

	section(w, "ranges", _("The three ranges"));
	pl_buf_adds(w->b, "<dl class=\"ranges\">");
	for (int i = 0; i < 3; i++) {
		const struct pl_iana_range *ir = pl_iana_range_of(firsts[i]);
		char path[48];

		pl_buf_adds(w->b, "<dt>");
		pl_buf_add_html(w->b, ir->name);
		pl_buf_printf(w->b, " <span class=\"muted\">%u-%u</span></dt><dd>", (unsigned)ir->lo,
		    (unsigned)ir->hi);
		pl_buf_add_html(w->b, range_text(w, ir->cls));
		pl_buf_adds(w->b, " ");
		snprintf(path, sizeof(path), "/ports?from=%u&to=%u", (unsigned)ir->lo,
		    (unsigned)ir->lo + 99);
		link_open(w, path);
		pl_buf_add_html(w->b, _("Browse"));
		pl_buf_adds(w->b, "</a></dd>");
	}
	pl_buf_adds(w->b, "</dl></section>");
}

int
pl_html_home(struct pl_buf *out, const struct pl_html_ctx *h, const struct pl_report *freq,
    size_t n, bool from_nmap)
{
	struct w w0 = { .b = out, .h = h }, *w = &w0;

	page_begin(w, _("Port reference"));
	pl_buf_adds(w->b, "<h1>");
	pl_buf_add_html(w->b, _("What is port N, and what is on it?"));
	pl_buf_adds(w->b, "</h1><form class=\"big-search\" role=\"search\" action=\"/search\" method=\"get\">"
	    "<input type=\"hidden\" name=\"lang\" value=\"");
	pl_buf_add_html(w->b, h->lang->code);
	pl_buf_adds(w->b, "\"><input id=\"q\" type=\"search\" name=\"q\" required maxlength=\"200\" "
	    "aria-label=\"");
	pl_buf_add_html(w->b, _("Port number, service or vendor"));
	pl_buf_adds(w->b, "\" placeholder=\"3333, ssh, netscaler\"><button type=\"submit\">");
	pl_buf_add_html(w->b, _("Search"));
	pl_buf_adds(w->b, "</button></form><p>");
	pl_buf_add_html(w->b, _("Each page joins the IANA registry, curated lore about what really runs on the "
	    "port, and the range facts, and says where every fact comes from."));
	pl_buf_adds(w->b, "</p>");
	ranges_explained(w);
	section(w, "frequent", _("Frequently seen ports"));
	pl_buf_adds(w->b, "<p class=\"muted\">");
	pl_buf_add_html(w->b, from_nmap ? _("Ranked by how often nmap finds them open.") :
	    _("Ports that curated lore talks about most."));
	pl_buf_adds(w->b, "</p>");
	table_head(w);
	for (size_t i = 0; i < n; i++)
		port_row(w, &freq[i], NULL);
	pl_buf_adds(w->b, "</tbody></table></div></section>");
	page_end(w);
	return pl_buf_error(w->b);
}

/* A registry cell of the ports table: the service, "reserved", "unassigned" or "-". */
static void
proto_cell(struct w *w, const struct pl_report *r)
{
	const struct pl_record *rec = first_named(r);

	pl_buf_adds(w->b, "<td>");
	if (rec != NULL) {
		pl_buf_adds(w->b, "<strong>");
		data(w, rec->service);
		pl_buf_adds(w->b, "</strong>");
	} else if (r->status == PL_REG_RESERVED) {
		pl_buf_add_html(w->b, _("reserved"));
	} else if (r->status == PL_REG_UNASSIGNED) {
		pl_buf_adds(w->b, "<span class=\"muted\">");
		pl_buf_add_html(w->b, _("unassigned"));
		pl_buf_adds(w->b, "</span>");
	} else {
		pl_buf_adds(w->b, "<span class=\"muted\">-</span>");
	}
	pl_buf_adds(w->b, "</td>");
}

int
pl_html_list(struct pl_buf *out, const struct pl_html_ctx *h, unsigned from, unsigned to,
    const struct pl_report *const by_proto[PL_LIST_PROTOS], unsigned step)
{
	static const char *const protos[PL_LIST_PROTOS] = { "tcp", "udp", "sctp", "dccp" };
	struct w w0 = { .b = out, .h = h }, *w = &w0;
	char title[96], path[64], api[64];
	unsigned span = to - from + 1;

	snprintf(title, sizeof(title), _("Ports %u-%u"), from, to);
	snprintf(api, sizeof(api), "/ports.json?from=%u&to=%u", from, to);
	w->api = api;
	page_begin(w, title);
	pl_buf_adds(w->b, "<h1>");
	pl_buf_add_html(w->b, title);
	pl_buf_adds(w->b, "</h1><nav class=\"pager\">");
	if (from > 0) {
		unsigned pf = from >= span ? from - span : 0;

		snprintf(path, sizeof(path), "/ports?from=%u&to=%u", pf, pf + span - 1);
		link_open(w, path);
		pl_buf_add_html(w->b, _("Previous"));
		pl_buf_adds(w->b, "</a> ");
	}
	if (to < 65535) {
		unsigned nt = to + span > 65535 ? 65535 : to + span;

		snprintf(path, sizeof(path), "/ports?from=%u&to=%u", to + 1, nt);
		link_open(w, path);
		pl_buf_add_html(w->b, _("Next"));
		pl_buf_adds(w->b, "</a>");
	}
	pl_buf_adds(w->b, "</nav><p>");
	pl_buf_add_html(w->b, _("Download this range:"));
	pl_buf_printf(w->b, " <a href=\"/ports.csv?from=%u&amp;to=%u\" download>CSV</a> · "
	    "<a href=\"/ports.json?from=%u&amp;to=%u\" download>JSON</a></p>", from, to, from, to);
	pl_buf_adds(w->b, "<div class=\"scroll\"><table class=\"ports sortable\"><thead><tr>"
	    "<th scope=\"col\" data-sort=\"num\">");
	pl_buf_add_html(w->b, _("Port"));
	pl_buf_adds(w->b, "</th>");
	for (int p = 0; p < PL_LIST_PROTOS; p++)
		pl_buf_printf(w->b, "<th scope=\"col\">%s</th>", protos[p]);
	pl_buf_adds(w->b, "<th scope=\"col\">");
	pl_buf_add_html(w->b, _("Known uses"));
	pl_buf_adds(w->b, "</th></tr></thead><tbody>");
	for (unsigned i = 0; i < step; i++) {
		struct pl_report two[2] = { by_proto[0][i], by_proto[1][i] };
		struct pl_buf names = PL_BUF_INIT;

		pl_buf_adds(w->b, "<tr><td>");
		port_link(w, by_proto[0][i].port);
		pl_buf_adds(w->b, "</td>");
		for (int p = 0; p < PL_LIST_PROTOS; p++)
			proto_cell(w, &by_proto[p][i]);
		pl_buf_adds(w->b, "<td>");
		use_names_max(two, 2, &names, 6);
		data(w, pl_buf_str(&names));
		pl_buf_free(&names);
		pl_buf_adds(w->b, "</td></tr>");
	}
	pl_buf_adds(w->b, "</tbody></table></div>");
	page_end(w);
	return pl_buf_error(w->b);
}

/* A snippet marks matches with U+00AB and U+00BB ("«" "»"), which neither the registry
 * nor lore uses: they become <mark>, everything else is escaped, IANA's own brackets
 * ("[RFC6335]") included. Marks never nest; one left open is closed at the end. */
static void
snippet(struct w *w, const char *s)
{
	char piece[2];
	bool open = false;

	for (const char *p = s; *p; p++) {
		if (strncmp(p, open ? "\xc2\xbb" : "\xc2\xab", 2) == 0) {
			pl_buf_adds(w->b, open ? "</mark>" : "<mark>");
			open = !open;
			p++;
			continue;
		}
		piece[0] = *p;
		piece[1] = '\0';
		pl_buf_add_html(w->b, piece);
	}
	if (open)
		pl_buf_adds(w->b, "</mark>");
}

int
pl_html_search(struct pl_buf *out, const struct pl_html_ctx *h, const char *q,
    const struct pl_hit *hits, int n)
{
	struct w w0 = { .b = out, .h = h }, *w = &w0;
	char title[300];
	int open = 0;

	char api[16 + 3 * 200];
	size_t o;

	snprintf(title, sizeof(title), _("Results for \"%s\""), q);
	o = (size_t)snprintf(api, sizeof(api), "/api/v1/search?q=");
	for (const unsigned char *p = (const unsigned char *)q; *p && o + 4 < sizeof(api); p++)
		o += (size_t)(isalnum(*p) ? snprintf(api + o, sizeof(api) - o, "%c", *p) :
		    snprintf(api + o, sizeof(api) - o, "%%%02X", *p));
	w->query = q;
	w->api = api;
	page_begin(w, title);
	pl_buf_adds(w->b, "<h1>");
	pl_buf_add_html(w->b, title);
	pl_buf_adds(w->b, "</h1>");
	if (n == 0) {
		pl_buf_adds(w->b, "<p>");
		pl_buf_add_html(w->b, _("No match. Try a port number, a service name or a vendor."));
		pl_buf_adds(w->b, "</p>");
	}
	pl_buf_adds(w->b, "<ol class=\"hits\">");
	for (int i = 0; i < n; i++) {
		const struct pl_hit *hit = &hits[i];
		unsigned first = 0;

		pl_buf_adds(w->b, "<li><h2>");
		if (sscanf(hit->ports, "%u", &first) == 1 && first <= 65535) {
			char path[32];

			snprintf(path, sizeof(path), "/port/%u", first);
			link_open(w, path);
			open = 1;
		}
		pl_buf_add_html(w->b, hit->title);
		pl_buf_adds(w->b, open ? "</a>" : "");
		open = 0;
		pl_buf_adds(w->b, "</h2><p class=\"muted\">");
		pl_buf_add_html(w->b, *hit->ports ? hit->ports : "-");
		prov(w, hit->source);
		pl_buf_adds(w->b, "</p><p>");
		snippet(w, hit->snippet);
		pl_buf_adds(w->b, "</p></li>");
	}
	pl_buf_adds(w->b, "</ol>");
	page_end(w);
	return pl_buf_error(w->b);
}

int
pl_html_error(struct pl_buf *out, const struct pl_html_ctx *h, int status, const char *message)
{
	struct w w0 = { .b = out, .h = h }, *w = &w0;
	char title[64];

	snprintf(title, sizeof(title), _("Error %d"), status);
	page_begin(w, title);
	pl_buf_adds(w->b, "<h1>");
	pl_buf_add_html(w->b, title);
	pl_buf_adds(w->b, "</h1><p>");
	pl_buf_add_html(w->b, message);
	pl_buf_adds(w->b, "</p><p>");
	link_open(w, "/");
	pl_buf_add_html(w->b, _("Back to the front page"));
	pl_buf_adds(w->b, "</a></p>");
	page_end(w);
	return pl_buf_error(w->b);
}
