/* cmd-lore.c: `portlore lore stats`, how much lore there is and what it covers. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "portlore/lorestats.h"

static json_t *
counts_json(const struct pl_count *c, size_t n)
{
	json_t *o = json_object();

	for (size_t i = 0; i < n; i++)
		json_object_set_new(o, c[i].key, json_integer(c[i].n));
	return o;
}

static json_t *
stats_json(const struct pl_lore_stats *s)
{
	json_t *cov = json_array();

	for (int i = 0; i < 4; i++) {
		const struct pl_coverage *c = &s->cover[i];
		json_t *miss = json_array();

		for (size_t k = 0; k < c->nmissing; k++)
			json_array_append_new(miss, json_integer(c->missing[k]));
		json_array_append_new(cov, json_pack("{s:s, s:i, s:i, s:i, s:i, s:o}",
		    "protocol", c->proto, "top", c->top, "ports", c->ports, "assigned", c->assigned,
		    "with_lore", c->with_lore, "most_frequent_without_lore", miss));
	}
	return json_pack("{s:s, s:i, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:I, s:o, s:s, s:b, s:i,"
	    " s:o}",
	    "schema", "https://portlore.dev/schema/lore-stats/1", "version", 1,
	    "entries", (json_int_t)s->entries, "families", (json_int_t)s->families,
	    "port_facts", (json_int_t)s->facts, "sources", (json_int_t)s->sources,
	    "cves", (json_int_t)s->cves,
	    "kinds", counts_json(s->kinds, s->nkinds), "risks", counts_json(s->risks, s->nrisks),
	    "tiers", counts_json(s->tiers, s->ntiers),
	    "confidence", counts_json(s->confidence, s->nconfidence),
	    "sources_undated", (json_int_t)s->undated,
	    "source_domains", counts_json(s->domains, s->ndomains),
	    "snapshot", s->snapshot, "nmap", s->have_nmap,
	    "coverage_max_span", PL_COVER_MAX_SPAN, "coverage", cov);
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

static int
stats_text(struct pl_buf *b, const struct pl_lore_stats *s, int width)
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
		return 0;
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
	return 0;
}

int
cmd_lore(int argc, char **argv)
{
	static const struct option longopts[] = { COMMON_LONGOPTS, { NULL, 0, NULL, 0 } };
	struct common c = { .color = -1 };
	struct pl_lore_stats s;
	struct pl_store *st = NULL;
	struct pl_err err = { 0 };
	struct pl_text_opts to;
	struct pl_buf out = PL_BUF_INIT;
	int ch, rc, status;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "d:jC:w:h", longopts, NULL)) != -1) {
		if ((rc = cli_common_opt(&c, ch, optarg)) < 0)
			return EXIT_USAGE;
		if (rc > 0)
			continue;
		return cli_usage("lore", ch == 'h' ? EXIT_OK : EXIT_USAGE);
	}
	if (optind != argc - 1 || strcmp(argv[optind], "stats") != 0)
		return cli_usage("lore", EXIT_USAGE);
	if ((status = cli_open_store(&c, &st, PL_STORE_READ)) != 0)
		return status;
	if ((rc = pl_lore_stats_build(st, &s, &err)) != 0) {
		pl_store_close(st);
		return cli_fail(&err, rc);
	}
	if (c.json) {
		json_t *j = stats_json(&s);
		char *txt = j ? json_dumps(j, JSON_INDENT(2)) : NULL;

		rc = txt ? pl_buf_printf(&out, "%s\n", txt) : -PL_ENOMEM;
		free(txt);
		json_decref(j);
	} else {
		cli_text_opts(&c, &to);
		rc = stats_text(&out, &s, to.width);
	}
	status = rc != 0 ? cli_fail(NULL, rc) : cli_flush(&out);
	pl_buf_free(&out);
	pl_lore_stats_free(&s);
	pl_store_close(st);
	return status;
}
