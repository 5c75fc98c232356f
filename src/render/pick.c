/*
 * pick.c (render): `portlore pick` and `pick --check`, as text and JSON. The model is
 * src/lib/decide/pick.c's results; these only read them.
 */
#include <stdio.h>

#include "portlore/json.h"
#include "portlore/pick.h"
#include "portlore/render.h"

static const char *
verdict_color(enum pl_verdict v)
{
	return v == PL_PASS ? "\033[32m" : v == PL_FAIL ? "\033[31m" : "\033[33m";
}

static void
text_result(struct pl_buf *b, const struct pl_pick_result *r, bool check,
    const struct pl_text_opts *to)
{
	int nfail = 0;

	for (int i = 0; i < PL_PICK_NCRIT; i++)
		nfail += r->c[i].verdict == PL_FAIL;
	if (check)
		pl_buf_printf(b, "%u/%s: %s", r->port, pl_proto_name(r->proto), nfail == 0 ?
		    "a good choice" : "not a good choice");
	else
		pl_buf_printf(b, "%u/%s", r->port, pl_proto_name(r->proto));
	if (check && nfail > 0)
		pl_buf_printf(b, " (%d of %d criteria fail)", nfail, PL_PICK_NCRIT);
	pl_buf_addc(b, '\n');
	for (int i = 0; i < PL_PICK_NCRIT; i++) {
		const struct pl_pick_fact *f = &r->c[i];
		char tail[80];
		struct pl_buf line = PL_BUF_INIT;

		snprintf(tail, sizeof(tail), " [%s%s%s]", pl_prov_name(f->prov),
		    i == PL_PICK_UNASSIGNED && r->snapshot[0] ? " " : "",
		    i == PL_PICK_UNASSIGNED ? r->snapshot : "");
		pl_buf_printf(b, "  %s%-7s%s %-13s ", to->color ? verdict_color(f->verdict) : "",
		    pl_verdict_name(f->verdict), to->color ? "\033[0m" : "", pl_pick_crit_key(i));
		if (pl_buf_printf(&line, "%s%s", f->fact, tail) == 0)
			pl_wrap(b, pl_buf_str(&line), 24, 24, to->width);
		else
			pl_buf_fail(b, pl_buf_error(&line));
		pl_buf_free(&line);
		pl_buf_addc(b, '\n');
	}
}

int
pl_pick_text(struct pl_buf *b, const struct pl_pick_result *res, int n, bool check,
    const struct pl_text_opts *to)
{
	for (int i = 0; i < n; i++) {
		if (i > 0)
			pl_buf_addc(b, '\n');
		text_result(b, &res[i], check, to);
	}
	return pl_buf_error(b);
}

/* One line per candidate: "8079/tcp    passes all 8 criteria", or which criteria failed
 * or could not be judged; pl_pick_text() gives each criterion with its fact. */
static void
text_line(struct pl_buf *b, const struct pl_pick_result *r, const struct pl_text_opts *to)
{
	struct pl_buf line = PL_BUF_INIT;
	int npass = 0;
	char port[16];

	for (int i = 0; i < PL_PICK_NCRIT; i++)
		npass += r->c[i].verdict == PL_PASS;
	snprintf(port, sizeof(port), "%u/%s", r->port, pl_proto_name(r->proto));
	if (npass == PL_PICK_NCRIT)
		pl_buf_printf(&line, "passes all %d criteria", PL_PICK_NCRIT);
	else
		pl_buf_printf(&line, "passes %d of %d", npass, PL_PICK_NCRIT);
	for (int v = PL_FAIL; v <= PL_UNKNOWN; v++) {
		bool first = true;

		for (int i = 0; i < PL_PICK_NCRIT; i++) {
			if ((int)r->c[i].verdict != v)
				continue;
			pl_buf_printf(&line, "%s%s", first ? (v == PL_FAIL ? "; fails: " :
			    "; unknown: ") : ", ", pl_pick_crit_key(i));
			first = false;
		}
	}
	pl_buf_printf(b, "%-11s ", port);
	if (pl_buf_error(&line) != 0)
		pl_buf_fail(b, pl_buf_error(&line));
	else
		pl_wrap(b, pl_buf_str(&line), 12, 12, to->width);
	pl_buf_free(&line);
	pl_buf_addc(b, '\n');
}

int
pl_pick_lines(struct pl_buf *b, const struct pl_pick_result *res, int n,
    const struct pl_text_opts *to)
{
	for (int i = 0; i < n; i++)
		text_line(b, &res[i], to);
	if (n > 0) {
		pl_wrap(b, "each criterion with its fact: add --full, or --check PORT", 0, 0, to->width);
		pl_buf_addc(b, '\n');
	}
	return pl_buf_error(b);
}

static void
result_json(struct pl_json *j, const struct pl_pick_result *r)
{
	pl_json_obj(j);
	pl_json_kint(j, "port", r->port);
	pl_json_kstr(j, "protocol", pl_proto_name(r->proto));
	pl_json_kbool(j, "good", r->good);
	pl_json_karr(j, "criteria");
	for (int i = 0; i < PL_PICK_NCRIT; i++) {
		const struct pl_pick_fact *f = &r->c[i];

		pl_json_obj(j);
		pl_json_kstr(j, "key", pl_pick_crit_key(i));
		pl_json_kstr(j, "verdict", pl_verdict_name(f->verdict));
		pl_json_kstr(j, "fact", f->fact);
		pl_json_kstr(j, "provenance", pl_prov_name(f->prov));
		if (f->prov == PL_PROV_IANA)
			pl_json_kstr(j, "snapshot", r->snapshot[0] ? r->snapshot : NULL);
		pl_json_end(j);
	}
	pl_json_end(j);
	pl_json_end(j);
}

void
pl_pick_json(struct pl_json *j, const struct pl_pick_opts *p, bool check,
    const struct pl_pick_result *res, int n)
{
	pl_json_envelope(j, "pick", 1);
	pl_json_kbool(j, "check", check);
	pl_json_kobj(j, "query");
	pl_json_kint(j, "count", p->count);
	pl_json_kstr(j, "protocol", pl_proto_name(p->proto));
	if (p->have_near)
		pl_json_kint(j, "near", p->near);
	else
		pl_json_knull(j, "near");
	pl_json_karr(j, "range");
	pl_json_int(j, p->lo);
	pl_json_int(j, p->hi);
	pl_json_end(j);
	pl_json_kint(j, "seed", (long long)p->seed);
	pl_json_end(j);
	pl_json_karr(j, "ports");
	for (int i = 0; i < n; i++)
		result_json(j, &res[i]);
	pl_json_end(j);
	pl_json_end(j);
}
