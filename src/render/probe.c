/*
 * probe.c (render): a scan as a table per host, or as JSON in the report's schema
 * family ("https://portlore.dev/schema/probe/1"). Renderers only read the scan.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "portlore/probe.h"
#include "portlore/render.h"

#define PROBE_SCHEMA "https://portlore.dev/schema/probe/1"
#define SGR_OPEN "\033[32m"
#define SGR_DIM "\033[2m"
#define SGR_OFF "\033[0m"

/*
 * Banners are bytes from the network: printable ASCII is kept, everything else is
 * written as \xNN (and \r, \n, \t as such), so that neither a terminal nor a JSON
 * reader ever sees raw control bytes or invalid UTF-8. first_line stops at the first
 * line break; at most max output bytes.
 */
static int
escape(struct pl_buf *out, const char *s, size_t len, bool first_line, size_t max)
{
	size_t start = out->len;
	int rc = 0;

	for (size_t i = 0; i < len && rc == 0 && out->len - start < max; i++) {
		unsigned char c = (unsigned char)s[i];

		if (first_line && (c == '\r' || c == '\n'))
			break;
		if (c == '\r' || c == '\n' || c == '\t')
			rc = pl_buf_adds(out, c == '\r' ? "\\r" : c == '\n' ? "\\n" : "\\t");
		else if (c == '\\')
			rc = pl_buf_adds(out, "\\\\");
		else if (c >= 0x20 && c < 0x7f)
			rc = pl_buf_addc(out, (char)c);
		else
			rc = pl_buf_printf(out, "\\x%02x", c);
	}
	return rc;
}

static bool
host_shown(const struct pl_probe_scan *s, uint32_t h)
{
	const uint32_t *c = s->hosts[h].counts;

	/* One named address is always shown; in a block, the ones that answered. */
	return s->target.nhosts == 1 || c[PL_PORT_OPEN] || c[PL_PORT_CLOSED] ||
	    c[PL_PORT_OPEN_FILTERED];
}

static int
text_row(struct pl_buf *out, const struct pl_probe_result *r, const struct pl_text_opts *o)
{
	char port[16];
	const char *what = r->ident.lore_name ? r->ident.lore_name : "";
	int rc;

	snprintf(port, sizeof(port), "%u/%s", (unsigned)r->port, pl_proto_name(r->proto));
	rc = pl_buf_printf(out, "%-11s %s%-13s%s %-15.15s ", port,
	    o->color && r->state == PL_PORT_OPEN ? SGR_OPEN : "", pl_port_state_name(r->state),
	    o->color && r->state == PL_PORT_OPEN ? SGR_OFF : "",
	    r->ident.service && *r->ident.service ? r->ident.service : "-");
	if (rc == 0 && *what)
		rc = pl_buf_printf(out, "%.40s (%s)", what,
		    r->ident.prov == PL_PROV_PROBED ? "probed" : "inferred");
	else if (rc == 0 && r->state != PL_PORT_OPEN && r->state != PL_PORT_OPEN_FILTERED)
		rc = pl_buf_printf(out, "%s%s%s", o->color ? SGR_DIM : "", r->reason,
		    o->color ? SGR_OFF : "");
	/* The banner's first line, cut to what is left of the width. */
	if (rc == 0 && r->banner) {
		rc = pl_buf_adds(out, *what ? "  \"" : "\"");
		if (rc == 0)
			rc = escape(out, r->banner->data, r->banner->len, true,
			    (size_t)(o->width > 60 ? o->width - 50 : 10));
		if (rc == 0)
			rc = pl_buf_addc(out, '"');
	}
	return rc ? rc : pl_buf_addc(out, '\n');
}

static int
text_host(struct pl_buf *out, const struct pl_probe_scan *s, uint32_t h, size_t *ri,
    const struct pl_text_opts *o)
{
	const struct pl_probe_host *ph = &s->hosts[h];
	char addr[64];
	int rc;

	pl_probe_target_str(&s->target, h, addr, sizeof(addr));
	rc = pl_buf_printf(out, "%s%s%s", o->color ? "\033[1m" : "", addr, o->color ? SGR_OFF : "");
	if (rc == 0 && ph->srtt_us >= 0)
		rc = pl_buf_printf(out, "  (round trip %.1f ms)", ph->srtt_us / 1000.0);
	if (rc == 0)
		rc = pl_buf_printf(out, "\n  %u open, %u closed, %u filtered", ph->counts[PL_PORT_OPEN],
		    ph->counts[PL_PORT_CLOSED], ph->counts[PL_PORT_FILTERED]);
	if (rc == 0 && ph->counts[PL_PORT_OPEN_FILTERED])
		rc = pl_buf_printf(out, ", %u open|filtered", ph->counts[PL_PORT_OPEN_FILTERED]);
	if (rc == 0 && *ri < s->nresults && s->results[*ri].host == h)
		rc = pl_buf_printf(out, "\n%-11s %-13s %-15s %s\n", "PORT", "STATE", "SERVICE",
		    "WHAT (lore)");
	else if (rc == 0)
		rc = pl_buf_addc(out, '\n');
	for (; rc == 0 && *ri < s->nresults && s->results[*ri].host == h; (*ri)++)
		rc = text_row(out, &s->results[*ri], o);
	return rc ? rc : pl_buf_addc(out, '\n');
}

int
pl_render_probe_text(struct pl_buf *out, const struct pl_probe_scan *s,
    const struct pl_text_opts *o)
{
	size_t ri = 0;
	uint32_t silent = 0;
	int rc = 0;

	for (uint32_t h = 0; h < s->target.nhosts && rc == 0; h++) {
		if (!host_shown(s, h)) {
			silent++;
			while (ri < s->nresults && s->results[ri].host == h)
				ri++;
			continue;
		}
		rc = text_host(out, s, h, &ri, o);
	}
	if (rc == 0 && silent > 0)
		rc = pl_buf_printf(out, "%u of %u addresses did not answer at all.\n", silent,
		    s->target.nhosts);
	if (rc == 0)
		rc = pl_buf_printf(out, "%llu of %llu probes in %.2f s (%s%.0f a second)%s%s\n",
		    (unsigned long long)s->done, (unsigned long long)s->planned, s->elapsed,
		    s->rate > 0 ? "at most " : "adaptive rate, ",
		    s->rate > 0 ? s->rate : s->elapsed > 0 ? (double)s->done / s->elapsed : 0,
		    s->interrupted ? "; interrupted, results so far" : "",
		    s->truncated ? "; too many results, some left out" : "");
	return rc;
}

/* JSON */

static json_t *
str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static json_t *
banner_json(const struct pl_banner *b)
{
	struct pl_buf t = PL_BUF_INIT;
	json_t *j;

	if (b == NULL)
		return json_null();
	if (escape(&t, b->data, b->len, false, 4 * b->len + 1) != 0) {
		pl_buf_free(&t);
		return NULL;
	}
	j = json_pack("{s:s, s:I, s:o, s:s}", "text", pl_buf_str(&t), "bytes", (json_int_t)b->len,
	    "probe", str_or_null(b->probe), "provenance", pl_prov_name(PL_PROV_PROBED));
	pl_buf_free(&t);
	return j;
}

static json_t *
port_json(const struct pl_probe_result *r)
{
	bool annotated = r->ident.service != NULL;
	json_t *svc = annotated && *r->ident.service ? json_pack("{s:s, s:o, s:s}", "name",
	    r->ident.service, "description", str_or_null(r->registry), "provenance",
	    pl_prov_name(PL_PROV_IANA)) : json_null();
	json_t *id = annotated && r->ident.lore_id ? json_pack("{s:s, s:s, s:o, s:s}", "lore",
	    r->ident.lore_id, "name", r->ident.lore_name ? r->ident.lore_name : "", "pattern",
	    str_or_null(r->ident.pattern), "provenance", pl_prov_name(r->ident.prov)) : json_null();

	return json_pack("{s:i, s:s, s:s, s:s, s:i, s:o, s:s, s:o, s:o, s:o}",
	    "port", r->port, "protocol", pl_proto_name(r->proto),
	    "state", pl_port_state_name(r->state), "reason", r->reason, "tries", r->tries,
	    "rtt_ms", r->rtt_us < 0 ? json_null() : json_real(r->rtt_us / 1000.0),
	    "provenance", pl_prov_name(PL_PROV_PROBED), "service", svc, "identified", id,
	    "banner", banner_json(r->banner));
}

static json_t *
host_json(const struct pl_probe_scan *s, uint32_t h, size_t *ri)
{
	const struct pl_probe_host *ph = &s->hosts[h];
	json_t *ports = json_array(), *counts = json_object();
	char addr[64];

	pl_probe_target_str(&s->target, h, addr, sizeof(addr));
	for (int st = 0; st < PL_PORT_NSTATES; st++)
		json_object_set_new(counts, pl_port_state_name((enum pl_port_state)st),
		    json_integer(ph->counts[st]));
	for (; *ri < s->nresults && s->results[*ri].host == h; (*ri)++)
		json_array_append_new(ports, port_json(&s->results[*ri]));
	return json_pack("{s:s, s:o, s:o, s:o}", "address", addr, "srtt_ms",
	    ph->srtt_us < 0 ? json_null() : json_real(ph->srtt_us / 1000.0), "counts", counts,
	    "ports", ports);
}

json_t *
pl_probe_json(const struct pl_probe_scan *s, const char *const *query, int nquery)
{
	json_t *q = json_array(), *hosts = json_array();
	char first[64];
	size_t ri = 0;

	for (int i = 0; i < nquery; i++)
		json_array_append_new(q, json_string(query[i]));
	for (uint32_t h = 0; h < s->target.nhosts; h++) {
		if (!host_shown(s, h)) {
			while (ri < s->nresults && s->results[ri].host == h)
				ri++;
			continue;
		}
		json_array_append_new(hosts, host_json(s, h, &ri));
	}
	pl_probe_target_str(&s->target, 0, first, sizeof(first));
	return json_pack("{s:s, s:i, s:o, s:o, s:{s:s, s:s, s:i, s:i}, "
	    "s:{s:I, s:I, s:f, s:o, s:i, s:i, s:b, s:b}, s:o}",
	    "schema", PROBE_SCHEMA, "version", 1, "query", q, "snapshot", str_or_null(s->snapshot),
	    "target", "name", s->target.text, "first", first, "prefix", (int)s->target.prefix,
	    "addresses", (int)s->target.nhosts,
	    "scan", "planned", (json_int_t)s->planned, "done", (json_int_t)s->done,
	    "elapsed", s->elapsed, "rate", s->rate > 0 ? json_real(s->rate) : json_null(),
	    "concurrency", s->concurrency, "peak_window", (int)s->peak_window,
	    "interrupted", s->interrupted, "truncated", s->truncated, "hosts", hosts);
}
