/*
 * lorestats.c (render): `portlore lore stats` as text and JSON, from the model that
 * src/lib/lore/lorestats.c collects.
 */
#include <stdio.h>

#include "portlore/json.h"
#include "portlore/lorestats.h"
#include "portlore/render.h"

static void
counts_json(struct pl_json *j, const char *key, const struct pl_count *c, size_t n)
{
	pl_json_kobj(j, key);
	for (size_t i = 0; i < n; i++)
		pl_json_kint(j, c[i].key, c[i].n);
	pl_json_end(j);
}

void
pl_lorestats_json(struct pl_json *j, const struct pl_lore_stats *s)
{
	pl_json_envelope(j, "lore-stats", 1);
	pl_json_kint(j, "entries", s->entries);
	pl_json_kint(j, "families", s->families);
	pl_json_kint(j, "port_facts", s->facts);
	pl_json_kint(j, "sources", s->sources);
	pl_json_kint(j, "cves", s->cves);
	counts_json(j, "kinds", s->kinds, s->nkinds);
	counts_json(j, "risks", s->risks, s->nrisks);
	counts_json(j, "tiers", s->tiers, s->ntiers);
	counts_json(j, "confidence", s->confidence, s->nconfidence);
	pl_json_kint(j, "sources_undated", s->undated);
	counts_json(j, "source_domains", s->domains, s->ndomains);
	pl_json_kstr(j, "snapshot", s->snapshot);
	pl_json_kbool(j, "nmap", s->have_nmap);
	pl_json_kint(j, "coverage_max_span", PL_COVER_MAX_SPAN);
	pl_json_karr(j, "coverage");
	for (int i = 0; i < 4; i++) {
		const struct pl_coverage *c = &s->cover[i];

		pl_json_obj(j);
		pl_json_kstr(j, "protocol", c->proto);
		pl_json_kint(j, "top", c->top);
		pl_json_kint(j, "ports", c->ports);
		pl_json_kint(j, "assigned", c->assigned);
		pl_json_kint(j, "with_lore", c->with_lore);
		pl_json_karr(j, "most_frequent_without_lore");
		for (size_t k = 0; k < c->nmissing; k++)
			pl_json_int(j, c->missing[k]);
		pl_json_end(j);
		pl_json_end(j);
	}
	pl_json_end(j);
	pl_json_end(j);
}

static void
counts_text(struct pl_buf *b, const char *label, const struct pl_count *c, size_t n,
    size_t most, int width)
{
	struct pl_buf line = PL_BUF_INIT;

	pl_buf_printf(&line, "%s:", label);
	for (size_t i = 0; i < n && i < most; i++)
		pl_buf_printf(&line, " %s %ld%s", c[i].key, c[i].n, i + 1 < n && i + 1 < most ? "," : "");
	if (n > most)
		pl_buf_printf(&line, " (and %zu more)", n - most);
	pl_wrap(b, pl_buf_str(&line), 2, 0, width);
	pl_buf_addc(b, '\n');
	pl_buf_free(&line);
}

static double
pct(int n, int d)
{
	return d ? 100.0 * n / d : 0;
}

int
pl_lorestats_text(struct pl_buf *b, const struct pl_lore_stats *s, int width)
{
	pl_buf_printf(b, "lore: %ld entries in %ld families, %ld port facts, %ld sources, %ld CVEs\n",
	    s->entries, s->families, s->facts, s->sources, s->cves);
	counts_text(b, "kinds", s->kinds, s->nkinds, 100, width);
	counts_text(b, "risk", s->risks, s->nrisks, 100, width);
	counts_text(b, "confidence", s->confidence, s->nconfidence, 100, width);
	counts_text(b, "sources by tier", s->tiers, s->ntiers, 100, width);
	pl_buf_printf(b, "sources without a publication date: %ld of %ld\n", s->undated, s->sources);
	counts_text(b, "sources by domain", s->domains, s->ndomains, 25, width);
	if (!s->have_nmap) {
		pl_buf_adds(b, "coverage: the store has no nmap-services frequencies "
		    "(install nmap-common and rebuild)\n");
		return pl_buf_error(b);
	}
	pl_buf_printf(b, "coverage of nmap's most frequently open ports (registry %s; lore facts "
	    "naming at most %d ports):\n", s->snapshot, PL_COVER_MAX_SPAN);
	for (int i = 0; i < 4; i++) {
		const struct pl_coverage *c = &s->cover[i];

		pl_buf_printf(b, "  top %4d %s: IANA-assigned %4d/%d (%5.1f%%), with lore %4d/%d (%5.1f%%)\n",
		    c->top, c->proto, c->assigned, c->ports, pct(c->assigned, c->ports), c->with_lore,
		    c->ports, pct(c->with_lore, c->ports));
	}
	for (int i = 1; i < 4; i += 2) {
		const struct pl_coverage *c = &s->cover[i];
		struct pl_buf line = PL_BUF_INIT;

		pl_buf_printf(&line, "most frequent %s ports without lore:", c->proto);
		for (size_t k = 0; k < c->nmissing; k++)
			pl_buf_printf(&line, " %d", c->missing[k]);
		if (c->nmissing == 0)
			pl_buf_adds(&line, " none");
		pl_wrap(b, pl_buf_str(&line), 2, 0, width);
		pl_buf_addc(b, '\n');
		pl_buf_free(&line);
	}
	return pl_buf_error(b);
}
