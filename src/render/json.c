/*
 * json.c: the report as JSON (schema: docs/report.schema.json), streamed through the
 * one JSON writer (portlore/json.h). The command line's --json and the HTTP API print
 * the port document with the same three calls, so the two are the same bytes. Every
 * fact object carries "provenance".
 */
#include <stdio.h>

#include "portlore/history.h"
#include "portlore/json.h"
#include "portlore/render.h"
#include "portlore/render-sockets.h"

static void
record_json(struct pl_json *j, const struct pl_record *rec)
{
	pl_record_json(j, rec);
	pl_json_end(j);
}

static void
records_json(struct pl_json *j, const char *key, const struct pl_record *recs, size_t n)
{
	pl_json_karr(j, key);
	for (size_t i = 0; i < n; i++)
		record_json(j, &recs[i]);
	pl_json_end(j);
}

static void
strv_json(struct pl_json *j, const char *key, char *const *v, size_t n)
{
	pl_json_karr(j, key);
	for (size_t i = 0; i < n; i++)
		pl_json_str(j, v[i]);
	pl_json_end(j);
}

static void
host_json(struct pl_json *j, const struct pl_report *r)
{
	const struct pl_os_ranges *os = r->os;

	pl_json_key(j, "host");
	if (!r->os_read) {
		pl_json_null(j);
		return;
	}
	pl_json_obj(j);
	pl_json_kstr(j, "provenance", pl_prov_name(PL_PROV_OBSERVED));
	pl_json_kstrz(j, "unavailable", os->reason);
	if (os->have_ephemeral) {
		pl_json_kobj(j, "ephemeral");
		pl_json_kint(j, "first", os->eph_lo);
		pl_json_kint(j, "last", os->eph_hi);
		pl_json_kbool(j, "contains", r->port >= os->eph_lo && r->port <= os->eph_hi);
		pl_json_kstr(j, "source", "/proc/sys/net/ipv4/ip_local_port_range");
		pl_json_end(j);
	} else {
		pl_json_knull(j, "ephemeral");
	}
	if (os->have_reserved) {
		pl_json_kobj(j, "reserved");
		pl_json_kreserved(j, os);
		pl_json_kbool(j, "contains", pl_os_reserved(os, r->port));
		pl_json_kstr(j, "source", "/proc/sys/net/ipv4/ip_local_reserved_ports");
		pl_json_end(j);
	} else {
		pl_json_knull(j, "reserved");
	}
	if (os->have_unpriv) {
		pl_json_kobj(j, "privileged");
		pl_json_kint(j, "unprivileged_port_start", os->unpriv_start);
		pl_json_kbool(j, "privileged", (int)r->port < os->unpriv_start);
		pl_json_kstr(j, "source", "/proc/sys/net/ipv4/ip_unprivileged_port_start");
		pl_json_end(j);
	} else {
		pl_json_knull(j, "privileged");
	}
	pl_json_end(j);
}

static void
use_sources_json(struct pl_json *j, const struct pl_lore_use *u)
{
	pl_json_karr(j, "sources");
	for (size_t i = 0; i < u->nsources; i++) {
		pl_json_obj(j);
		pl_json_kint(j, "n", (long long)i + 1);
		pl_json_kstr(j, "title", u->sources[i].title);
		pl_json_kstr(j, "url", u->sources[i].url);
		pl_json_kstrz(j, "published", u->sources[i].published);
		pl_json_kstr(j, "accessed", u->sources[i].accessed);
		pl_json_kstrz(j, "publisher", u->sources[i].publisher);
		pl_json_kstr(j, "tier", u->sources[i].tier);
		pl_json_end(j);
	}
	pl_json_end(j);
	pl_json_karr(j, "siblings");
	for (size_t i = 0; i < u->nsiblings; i++) {
		const struct pl_lore_port *s = &u->siblings[i];

		pl_json_obj(j);
		pl_json_kports(j, "port", s->lo, s->hi);
		pl_json_kstr(j, "protocol", pl_proto_name(s->proto));
		pl_json_kstr(j, "role", s->role);
		pl_json_kstr(j, "entry", s->entry_id);
		pl_json_kstr(j, "name", s->entry_name);
		pl_json_end(j);
	}
	pl_json_end(j);
}

/* Why the use comes where it does: rank.h's reasons. */
static void
rank_reasons_json(struct pl_json *j, const struct pl_lore_use *u)
{
	char why[6][PL_RANK_REASON_MAX];
	size_t n = pl_rank_reasons(&u->rank_in, why, 6);

	pl_json_karr(j, "rank_reasons");
	for (size_t i = 0; i < n; i++)
		pl_json_str(j, why[i]);
	pl_json_end(j);
}

static void
use_json(struct pl_json *j, const struct pl_lore_use *u)
{
	pl_json_obj(j);
	pl_json_kstr(j, "id", u->id);
	pl_json_kstr(j, "name", u->name);
	pl_json_kstr(j, "vendor", u->vendor);
	pl_json_kstr(j, "kind", u->kind);
	pl_json_kobj(j, "family");
	pl_json_kstr(j, "id", u->family);
	pl_json_kstr(j, "name", u->family_name);
	pl_json_end(j);
	pl_json_kstr(j, "role", u->role);
	pl_json_kobj(j, "years");
	if (u->year_from)
		pl_json_kint(j, "from", u->year_from);
	else
		pl_json_knull(j, "from");
	if (u->year_to)
		pl_json_kint(j, "to", u->year_to);
	else
		pl_json_knull(j, "to");
	pl_json_end(j);
	pl_json_kstr(j, "summary", u->summary);
	pl_json_kobj(j, "risk");
	pl_json_kstr(j, "level", u->risk);
	pl_json_kstr(j, "why", u->risk_why);
	pl_json_kbool(j, "applies_here", u->risk_here);
	pl_json_end(j);
	strv_json(j, "cves", u->cves, u->ncves);
	pl_json_kobj(j, "hints");
	strv_json(j, "process", u->process, u->nprocess);
	strv_json(j, "cmdline", u->cmdline, u->ncmdline);
	strv_json(j, "banner", u->banner, u->nbanner);
	pl_json_end(j);
	pl_json_kstrz(j, "notes", u->notes);
	use_sources_json(j, u);
	pl_json_kstr(j, "provenance", pl_prov_name(PL_PROV_LORE));
	pl_json_kports(j, "matched", u->lo, u->hi);
	pl_json_kbool(j, "broad", u->broad);
	pl_json_kstrz(j, "use", pl_use_name(u->use));
	pl_json_kstrz(j, "prevalence", pl_prevalence_name(u->prevalence));
	pl_json_kstrz(j, "evidence", u->evidence);
	pl_json_kint(j, "rank", u->rank);
	rank_reasons_json(j, u);
	pl_json_kobj(j, "confidence");
	pl_json_kstr(j, "level", u->confidence);
	pl_json_kstrz(j, "why", u->confidence_why);
	pl_json_end(j);
	pl_json_end(j);
}

static void
ranges_json(struct pl_json *j, const struct pl_report *r)
{
	const struct pl_iana_range *ir = r->iana_range;

	pl_json_kobj(j, "ranges");
	pl_json_kobj(j, "iana");
	pl_json_kstr(j, "class", ir->key);
	pl_json_kstr(j, "name", ir->name);
	pl_json_kint(j, "first", ir->lo);
	pl_json_kint(j, "last", ir->hi);
	pl_json_kint(j, "size", ir->size);
	pl_json_kstr(j, "source", "https://www.rfc-editor.org/rfc/rfc6335#section-6");
	pl_json_kstr(j, "provenance", pl_prov_name(PL_PROV_IANA));
	pl_json_end(j);
	host_json(j, r);
	pl_json_kobj(j, "browsers");
	pl_json_kbool(j, "chromium_blocks", r->browsers.chromium);
	pl_json_kbool(j, "firefox_blocks", r->browsers.firefox);
	pl_json_kstr(j, "provenance", pl_prov_name(PL_PROV_FETCH));
	pl_json_karr(j, "sources");
	pl_json_str(j, r->browsers.spec_src);
	pl_json_str(j, r->browsers.chromium_src);
	pl_json_str(j, r->browsers.firefox_src);
	pl_json_end(j);
	pl_json_end(j);
	pl_json_end(j);
}

static void
frequency_json(struct pl_json *j, const struct pl_report *r)
{
	if (!r->nmap.have) {
		pl_json_knull(j, "frequency");
		return;
	}
	pl_json_kobj(j, "frequency");
	pl_json_kstr(j, "source", "nmap-services");
	pl_json_kstr(j, "name", r->nmap.name);
	pl_json_kreal(j, "frequency", r->nmap.freq);
	pl_json_kint(j, "rank", r->nmap.rank);
	pl_json_kint(j, "ranked", r->nmap.ranked);
	pl_json_kstr(j, "provenance", pl_prov_name(PL_PROV_NMAP));
	pl_json_end(j);
}

void
pl_report_json(struct pl_json *j, const struct pl_report *r)
{
	pl_json_obj(j);
	pl_json_kint(j, "port", r->port);
	pl_json_kstr(j, "protocol", pl_proto_name(r->proto));
	ranges_json(j, r);
	pl_json_kobj(j, "registry");
	pl_json_kstrz(j, "snapshot", r->snapshot);
	pl_json_kstr(j, "status", pl_reg_status_name(r->status));
	records_json(j, "records", r->records, r->nrecords);
	records_json(j, "containing_ranges", r->ranges, r->nranges);
	pl_json_kstr(j, "provenance", pl_prov_name(PL_PROV_IANA));
	pl_json_end(j);
	pl_json_karr(j, "lore");
	for (size_t i = 0; i < r->nuses; i++)
		use_json(j, &r->uses[i]);
	pl_json_end(j);
	frequency_json(j, r);
	if (r->sockets_read) {
		pl_json_key(j, "on_this_machine");
		if (*r->sockets_error) {
			pl_json_obj(j);
			pl_json_kstr(j, "unavailable", r->sockets_error);
			pl_json_kstr(j, "provenance", pl_prov_name(PL_PROV_OBSERVED));
			pl_json_end(j);
		} else {
			pl_sockets_json(j, &r->sockets);
		}
	}
	if (r->history_read) {
		pl_json_key(j, "history");
		pl_history_json(j, &r->history);
	}
	pl_json_end(j);
}

void
pl_report_doc_begin(struct pl_json *j, struct pl_buf *b, char *const *query, int nquery,
    const char *snapshot)
{
	pl_json_init(j, b, 2);
	pl_json_envelope(j, "report", PL_REPORT_SCHEMA_VERSION);
	pl_json_style(j, PL_JSON_COMPACT);
	pl_json_karr(j, "query");
	for (int i = 0; i < nquery; i++)
		pl_json_str(j, query[i]);
	pl_json_end(j);
	pl_json_kstr(j, "snapshot", snapshot);
	pl_json_karr(j, "reports");
}

int
pl_report_doc_end(struct pl_json *j)
{
	pl_json_end(j);
	pl_json_end(j);
	pl_buf_addc(j->b, '\n');
	return pl_json_done(j);
}

void
pl_hits_json(struct pl_json *j, const struct pl_hit *hits, int n, const char *query)
{
	pl_json_envelope(j, "search", 1);
	pl_json_kstr(j, "query", query);
	pl_json_karr(j, "hits");
	for (int i = 0; i < n; i++) {
		pl_json_obj(j);
		pl_json_kint(j, "rank", i + 1);
		pl_json_kstr(j, "provenance", hits[i].source);
		pl_json_kstr(j, "ref", hits[i].ref);
		pl_json_kstr(j, "title", hits[i].title);
		pl_json_kstr(j, "ports", hits[i].ports);
		pl_json_kstr(j, "snippet", hits[i].snippet);
		pl_json_kreal(j, "score", hits[i].score);
		pl_json_end(j);
	}
	pl_json_end(j);
	pl_json_end(j);
}
