/*
 * probe.c (render): a scan as a table per host, or as JSON in the report's schema
 * family ("https://portlore.dev/schema/probe/1"). Renderers only read the scan.
 */
#include <stdio.h>
#include <string.h>

#include "portlore/json.h"
#include "portlore/probe.h"
#include "portlore/render.h"

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
		rc = pl_buf_printf(out, "%.40s (%s)", what, r->ident.identified ?
		    pl_id_confidence_name(r->ident.identified->confidence) : "port only");
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

static void
kstr_or_null(struct pl_json *j, const char *key, const char *s)
{
	pl_json_kstr(j, key, s && *s ? s : NULL);
}

/* Milliseconds from microseconds; null when unmeasured (negative). */
static void
kms(struct pl_json *j, const char *key, long long us)
{
	if (us < 0)
		pl_json_knull(j, key);
	else
		pl_json_kreal(j, key, us / 1000.0);
}

static void
banner_json(struct pl_json *j, const struct pl_banner *b)
{
	struct pl_buf t = PL_BUF_INIT;

	pl_json_key(j, "banner");
	if (b == NULL) {
		pl_json_null(j);
		return;
	}
	if (escape(&t, b->data, b->len, false, 4 * b->len + 1) != 0) {
		pl_buf_fail(j->b, pl_buf_error(&t));
		pl_buf_free(&t);
		return;
	}
	pl_json_obj(j);
	pl_json_key(j, "text");
	pl_json_text(j, pl_buf_str(&t));
	pl_json_kint(j, "bytes", (long long)b->len);
	kstr_or_null(j, "probe", b->probe);
	pl_json_kstr(j, "provenance", pl_prov_name(PL_PROV_PROBED));
	pl_json_end(j);
	pl_buf_free(&t);
}

/* {"id", "name", "confidence", "why", "candidates", "contradiction", "provenance"}, or
 * null when lore knows nothing of the port and the banner (docs/json-probe.md). */
static void
ident_json(struct pl_json *j, const struct pl_ident *x)
{
	const struct pl_identified *id = x->identified;

	if (id == NULL || id->confidence == PL_ID_NONE) {
		pl_json_knull(j, "identified");
		return;
	}
	pl_json_kobj(j, "identified");
	pl_json_kstr(j, "id", x->lore_id);
	pl_json_kstr(j, "name", x->lore_name);
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
	kstr_or_null(j, "contradiction", id->contradiction);
	pl_json_kstr(j, "provenance", pl_prov_name(x->prov));
	pl_json_end(j);
}

static void
port_json(struct pl_json *j, const struct pl_probe_result *r)
{
	bool annotated = r->ident.service != NULL;

	pl_json_obj(j);
	pl_json_kint(j, "port", r->port);
	pl_json_kstr(j, "protocol", pl_proto_name(r->proto));
	pl_json_kstr(j, "state", pl_port_state_name(r->state));
	pl_json_kstr(j, "reason", r->reason);
	pl_json_kint(j, "tries", r->tries);
	kms(j, "rtt_ms", r->rtt_us);
	pl_json_kstr(j, "provenance", pl_prov_name(PL_PROV_PROBED));
	if (annotated && *r->ident.service) {
		pl_json_kobj(j, "service");
		pl_json_kstr(j, "name", r->ident.service);
		kstr_or_null(j, "description", r->registry);
		pl_json_kstr(j, "provenance", pl_prov_name(PL_PROV_IANA));
		pl_json_end(j);
	} else {
		pl_json_knull(j, "service");
	}
	if (annotated)
		ident_json(j, &r->ident);
	else
		pl_json_knull(j, "identified");
	banner_json(j, r->banner);
	pl_json_end(j);
}

static void
host_json(struct pl_json *j, const struct pl_probe_scan *s, uint32_t h, size_t *ri)
{
	const struct pl_probe_host *ph = &s->hosts[h];
	char addr[64];

	pl_probe_target_str(&s->target, h, addr, sizeof(addr));
	pl_json_obj(j);
	pl_json_kstr(j, "address", addr);
	kms(j, "srtt_ms", ph->srtt_us);
	pl_json_kobj(j, "counts");
	for (int st = 0; st < PL_PORT_NSTATES; st++)
		pl_json_kint(j, pl_port_state_name((enum pl_port_state)st), ph->counts[st]);
	pl_json_end(j);
	pl_json_karr(j, "ports");
	for (; *ri < s->nresults && s->results[*ri].host == h; (*ri)++)
		port_json(j, &s->results[*ri]);
	pl_json_end(j);
	pl_json_end(j);
}

void
pl_probe_json(struct pl_json *j, const struct pl_probe_scan *s, const char *const *query,
    int nquery)
{
	int precision = j->precision;
	char first[64];
	size_t ri = 0;

	/* Six digits: round trips in microseconds, no binary noise. */
	j->precision = 6;
	pl_json_envelope(j, "probe", 1);
	pl_json_karr(j, "query");
	for (int i = 0; i < nquery; i++)
		pl_json_str(j, query[i]);
	pl_json_end(j);
	kstr_or_null(j, "snapshot", s->snapshot);
	pl_probe_target_str(&s->target, 0, first, sizeof(first));
	pl_json_kobj(j, "target");
	pl_json_kstr(j, "name", s->target.text);
	pl_json_kstr(j, "first", first);
	pl_json_kint(j, "prefix", (int)s->target.prefix);
	pl_json_kint(j, "addresses", (int)s->target.nhosts);
	pl_json_end(j);
	pl_json_kobj(j, "scan");
	pl_json_kint(j, "planned", (long long)s->planned);
	pl_json_kint(j, "done", (long long)s->done);
	pl_json_kreal(j, "elapsed", s->elapsed);
	/* The --max-rate cap; null when the rate was left to congestion control. */
	if (s->rate > 0)
		pl_json_kreal(j, "rate", s->rate);
	else
		pl_json_knull(j, "rate");
	pl_json_kint(j, "concurrency", s->concurrency);
	pl_json_kint(j, "peak_window", (long long)s->peak_window);
	pl_json_kbool(j, "interrupted", s->interrupted);
	pl_json_kbool(j, "truncated", s->truncated);
	pl_json_end(j);
	pl_json_karr(j, "hosts");
	for (uint32_t h = 0; h < s->target.nhosts; h++) {
		if (!host_shown(s, h)) {
			while (ri < s->nresults && s->results[ri].host == h)
				ri++;
			continue;
		}
		host_json(j, s, h, &ri);
	}
	pl_json_end(j);
	pl_json_end(j);
	j->precision = precision;
}
