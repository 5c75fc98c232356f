/*
 * json.c: the report as JSON (schema: docs/report.schema.json). Shared by the command
 * line's --json and the HTTP API. Every fact object carries "provenance".
 */
#include <jansson.h>
#include <stdio.h>

#include "portlore/render.h"
#include "portlore/render-sockets.h"

/* Text from the store was checked to be UTF-8 when it was imported (iana.c, lore.c), so
 * it skips jansson's second check. */
static json_t *
str_or_null(const char *s)
{
	return s && *s ? json_string_nocheck(s) : json_null();
}

static json_t *
ports_str(uint16_t lo, uint16_t hi)
{
	char buf[16];

	if (lo == hi)
		return json_integer(lo);
	snprintf(buf, sizeof(buf), "%u-%u", (unsigned)lo, (unsigned)hi);
	return json_string(buf);
}

static json_t *
record_json(const struct pl_record *rec)
{
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I}",
	    "service", str_or_null(rec->service),
	    "port", ports_str(rec->lo, rec->hi),
	    "protocol", str_or_null(pl_proto_name(rec->proto)),
	    "description", str_or_null(rec->description),
	    "assignee", str_or_null(rec->assignee),
	    "contact", str_or_null(rec->contact),
	    "registration_date", str_or_null(rec->registered),
	    "modification_date", str_or_null(rec->modified),
	    "reference", str_or_null(rec->reference),
	    "service_code", str_or_null(rec->service_code),
	    "unauthorized_use", str_or_null(rec->unauthorized),
	    "assignment_notes", str_or_null(rec->notes),
	    "line", (json_int_t)rec->line);
}

static json_t *
records_json(const struct pl_record *recs, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, record_json(&recs[i]));
	return a;
}

static json_t *
strv_json(char *const *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static json_t *
host_json(const struct pl_report *r)
{
	const struct pl_os_ranges *os = &r->os;
	json_t *h;

	if (!r->os_read)
		return json_null();
	h = json_pack("{s:s, s:o}", "provenance", pl_prov_name(PL_PROV_OBSERVED),
	    "unavailable", str_or_null(os->reason));
	json_object_set_new(h, "ephemeral", !os->have_ephemeral ? json_null() :
	    json_pack("{s:i, s:i, s:b, s:s}", "first", os->eph_lo, "last", os->eph_hi,
	    "contains", r->port >= os->eph_lo && r->port <= os->eph_hi,
	    "source", "/proc/sys/net/ipv4/ip_local_port_range"));
	json_object_set_new(h, "reserved", !os->have_reserved ? json_null() :
	    json_pack("{s:s, s:b, s:s}", "list", os->reserved,
	    "contains", pl_port_in_list(os->reserved, r->port),
	    "source", "/proc/sys/net/ipv4/ip_local_reserved_ports"));
	json_object_set_new(h, "privileged", !os->have_unpriv ? json_null() :
	    json_pack("{s:i, s:b, s:s}", "unprivileged_port_start", os->unpriv_start,
	    "privileged", (int)r->port < os->unpriv_start,
	    "source", "/proc/sys/net/ipv4/ip_unprivileged_port_start"));
	return h;
}

static json_t *
use_json(const struct pl_lore_use *u)
{
	json_t *o, *srcs = json_array(), *sibs = json_array(), *years;

	for (size_t i = 0; i < u->nsources; i++)
		json_array_append_new(srcs, json_pack("{s:I, s:s, s:s, s:s}", "n", (json_int_t)i + 1,
		    "title", u->sources[i].title, "url", u->sources[i].url, "date", u->sources[i].date));
	for (size_t i = 0; i < u->nsiblings; i++) {
		const struct pl_lore_port *s = &u->siblings[i];

		json_array_append_new(sibs, json_pack("{s:o, s:s, s:s, s:s, s:s}",
		    "port", ports_str(s->lo, s->hi), "protocol", pl_proto_name(s->proto),
		    "role", s->role, "entry", s->entry_id, "name", s->entry_name));
	}
	years = json_pack("{s:i}", "from", u->year_from);
	json_object_set_new(years, "to", u->year_to ? json_integer(u->year_to) : json_null());
	o = json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s}, s:s, s:o, s:s, s:{s:s, s:s}, s:o,"
	    " s:{s:o, s:o, s:o}, s:o, s:o, s:o, s:s}",
	    "id", u->id, "name", u->name, "vendor", u->vendor, "kind", u->kind,
	    "family", "id", u->family, "name", u->family_name,
	    "role", u->role, "years", years, "summary", u->summary,
	    "risk", "level", u->risk, "why", u->risk_why,
	    "cves", strv_json(u->cves, u->ncves),
	    "hints", "process", strv_json(u->process, u->nprocess),
	    "cmdline", strv_json(u->cmdline, u->ncmdline), "banner", strv_json(u->banner, u->nbanner),
	    "notes", str_or_null(u->notes), "sources", srcs, "siblings", sibs,
	    "provenance", pl_prov_name(PL_PROV_LORE));
	if (o != NULL) {
		json_object_set_new(o, "matched", ports_str(u->lo, u->hi));
		json_object_set_new(o, "broad", json_boolean(u->broad));
		json_object_set_new(json_object_get(o, "risk"), "applies_here",
		    json_boolean(u->risk_here));
	}
	return o;
}

/* The sockets renderer writes text; parsed back here so that one writer serves both
 * `portlore ls --json` and the report (one port: a few sockets). */
static json_t *
machine_json(const struct pl_report *r)
{
	struct pl_buf b = PL_BUF_INIT;
	json_t *j = NULL;

	if (*r->sockets_error)
		return json_pack("{s:s, s:s}", "unavailable", r->sockets_error,
		    "provenance", pl_prov_name(PL_PROV_OBSERVED));
	if (pl_render_sockets_json(&b, &r->sockets) == 0)
		j = json_loadb(b.data, b.len, 0, NULL);
	pl_buf_free(&b);
	return j ? j : json_null();
}

json_t *
pl_report_json(const struct pl_report *r)
{
	const struct pl_iana_range *ir = r->iana_range;
	json_t *o, *lore = json_array();

	for (size_t i = 0; i < r->nuses; i++)
		json_array_append_new(lore, use_json(&r->uses[i]));
	o = json_pack("{s:i, s:s, s:{s:{s:s, s:s, s:i, s:i, s:i, s:s, s:s}, s:o,"
	    " s:{s:b, s:b, s:s, s:[s, s, s]}},"
	    " s:{s:o, s:s, s:o, s:o, s:s}, s:o}",
	    "port", r->port, "protocol", pl_proto_name(r->proto),
	    "ranges",
	      "iana", "class", ir->key, "name", ir->name, "first", ir->lo, "last", ir->hi,
	        "size", ir->size, "source", "https://www.rfc-editor.org/rfc/rfc6335#section-6",
	        "provenance", pl_prov_name(PL_PROV_IANA),
	      "host", host_json(r),
	      "browsers", "chromium_blocks", r->browsers.chromium, "firefox_blocks",
	        r->browsers.firefox, "provenance", pl_prov_name(PL_PROV_LORE), "sources",
	        r->browsers.spec_src, r->browsers.chromium_src, r->browsers.firefox_src,
	    "registry", "snapshot", str_or_null(r->snapshot),
	      "status", pl_reg_status_name(r->status),
	      "records", records_json(r->records, r->nrecords),
	      "containing_ranges", records_json(r->ranges, r->nranges),
	      "provenance", pl_prov_name(PL_PROV_IANA),
	    "lore", lore);
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "frequency", !r->nmap.have ? json_null() :
	    json_pack("{s:s, s:s, s:f, s:I, s:I, s:s}", "source", "nmap-services",
	    "name", r->nmap.name, "frequency", r->nmap.freq, "rank", (json_int_t)r->nmap.rank,
	    "ranked", (json_int_t)r->nmap.ranked, "provenance", pl_prov_name(PL_PROV_LORE)));
	if (r->sockets_read)
		json_object_set_new(o, "on_this_machine", machine_json(r));
	return o;
}

json_t *
pl_hits_json(const struct pl_hit *hits, int n, const char *query)
{
	json_t *a = json_array();

	for (int i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:f}",
		    "rank", i + 1, "provenance", hits[i].source, "ref", hits[i].ref,
		    "title", hits[i].title, "ports", hits[i].ports, "snippet", hits[i].snippet,
		    "score", hits[i].score));
	return json_pack("{s:s, s:i, s:s, s:o}", "schema", "https://portlore.dev/schema/search/1",
	    "version", 1, "query", query, "hits", a);
}
