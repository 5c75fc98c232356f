/*
 * history.c: a port's registry story and a snapshot diff, as terminal text and as JSON.
 * Like the other renderers, these only read what src/lib/history.c collected.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "portlore/history.h"
#include "portlore/json.h"
#include "portlore/render.h"

#define DATE_COLS 14      /* "  2014-07-18  " */

struct out {
	struct pl_buf *b;
	const struct pl_text_opts *o;
};

/* An SGR sequence when colour is on: "1" bold, "2" dim, "31" red, "32" green, ... */
static void
sgr(struct out *w, const char *code)
{
	if (w->o->color)
		pl_buf_printf(w->b, "\033[%sm", code);
}

static void
wrap(struct out *w, const char *text, int indent, int first_col)
{
	pl_wrap(w->b, text, indent, first_col, w->o->width);
}

/* "tcp, udp" for a set of protocols; "" for none. */
static void
protos_str(unsigned bits, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int p = PL_PROTO_TCP; p < PL_PROTO_COUNT; p++)
		if (bits & PL_PROTO_BIT(p)) {
			int k = snprintf(buf + n, len - n, "%s%s", n ? ", " : "", pl_proto_name(p));

			if (k < 0 || (size_t)k >= len - n)
				return;
			n += (size_t)k;
		}
}

static const char *
or_none(const char *s)
{
	return s && *s ? s : "(none)";
}

/* One sentence for an event, without its date. */
static void
event_sentence(const struct pl_hist_event *e, char *buf, size_t len)
{
	char protos[32];
	/* Reserved and unassigned rows have no service name: their description names them. */
	const char *who = *e->service ? e->service :
	    e->kind == PL_HIST_REMOVED && e->old_value && *e->old_value ? e->old_value :
	    e->kind == PL_HIST_ADDED && e->new_value && *e->new_value ? e->new_value :
	    "(no name)";

	protos_str(e->protos, protos, sizeof(protos));
	switch (e->kind) {
	case PL_HIST_REGISTERED:
		snprintf(buf, len, "%s (%s) registered", who, protos);
		break;
	case PL_HIST_ADDED:
		snprintf(buf, len, "%s (%s) added: %s", who, protos, or_none(e->new_value));
		break;
	case PL_HIST_ASSIGNED:
		snprintf(buf, len, "assigned to %s (%s), was %s", e->new_value, protos,
		    or_none(e->old_value));
		break;
	case PL_HIST_DEASSIGNED:
		snprintf(buf, len, "%s (%s) de-assigned, now %s", e->old_value, protos,
		    or_none(e->new_value));
		break;
	case PL_HIST_REMOVED:
		snprintf(buf, len, "%s (%s) removed: %s", who, protos, or_none(e->old_value));
		break;
	case PL_HIST_CHANGED:
		snprintf(buf, len, "%s (%s): %s %s -> %s", who, protos, e->field,
		    or_none(e->old_value), or_none(e->new_value));
		break;
	case PL_HIST_MODIFIED:
		snprintf(buf, len, "%s (%s) modified", who, protos);
		break;
	}
}

/* Says where the event's date comes from. */
static void
event_dating(const struct pl_hist_event *e, char *buf, size_t len)
{
	const char *col = e->date_from == PL_HIST_DATE_REGISTRATION ? "Registration Date" :
	    e->date_from == PL_HIST_DATE_MODIFICATION ? "Modification Date" : NULL;

	if (col && e->after)
		snprintf(buf, len, "(registry's %s; changed between snapshots %s and %s)", col,
		    e->after, e->before);
	else if (col)
		snprintf(buf, len, "(registry's %s, in snapshot %s)", col, e->before);
	else
		snprintf(buf, len, "(not dated by the registry: between snapshots %s and %s)",
		    e->after ? e->after : "?", e->before);
}

static void
event_text(struct out *w, const struct pl_hist_event *e)
{
	char text[4096], dating[128];

	event_sentence(e, text, sizeof(text));
	event_dating(e, dating, sizeof(dating));
	pl_buf_printf(w->b, "  %-*s", DATE_COLS - 2, e->date ? e->date : e->before ? e->before : "");
	wrap(w, text, DATE_COLS + 2, DATE_COLS);
	pl_buf_printf(w->b, "\n%*s", DATE_COLS, "");
	sgr(w, "2");
	wrap(w, dating, DATE_COLS, DATE_COLS);
	sgr(w, "0");
	pl_buf_printf(w->b, "\n");
	if (e->detail && *e->detail) {
		pl_buf_printf(w->b, "%*s", DATE_COLS, "");
		wrap(w, e->detail, DATE_COLS, DATE_COLS);
		pl_buf_printf(w->b, "\n");
	}
}

static bool
same_entries(const struct pl_hist_snap *a, const struct pl_hist_snap *b)
{
	if (a->nentries != b->nentries)
		return false;
	for (size_t i = 0; i < a->nentries; i++) {
		const struct pl_hist_entry *x = &a->entries[i], *y = &b->entries[i];

		if (x->protos != y->protos || x->lo != y->lo || x->hi != y->hi ||
		    strcmp(x->service, y->service) || strcmp(x->description, y->description) ||
		    strcmp(x->assignee, y->assignee))
			return false;
	}
	return true;
}

/* One block per run of snapshots that say the same thing. */
static void
snaps_text(struct out *w, const struct pl_history *h)
{
	for (size_t i = 0; i < h->nsnaps; i++) {
		size_t j = i;
		char when[80], protos[32], text[2048];

		while (j + 1 < h->nsnaps && same_entries(&h->snaps[i], &h->snaps[j + 1]))
			j++;
		if (j > i)
			snprintf(when, sizeof(when), "%s to %s", h->snaps[i].label, h->snaps[j].label);
		else
			snprintf(when, sizeof(when), "%s", h->snaps[i].label);
		pl_buf_printf(w->b, "  %s%s\n", when, h->snaps[i].nentries ? "" : "  (no row)");
		for (size_t k = 0; k < h->snaps[i].nentries; k++) {
			const struct pl_hist_entry *e = &h->snaps[i].entries[k];
			char range[24] = "";

			if (e->lo != e->hi)
				snprintf(range, sizeof(range), " (range %u-%u)", e->lo, e->hi);
			protos_str(e->protos, protos, sizeof(protos));
			if (*e->service)
				snprintf(text, sizeof(text), "%s (%s): %s%s%s%s", e->service, protos,
				    e->description, range, *e->assignee ? " " : "", e->assignee);
			else
				snprintf(text, sizeof(text), "%s: %s%s%s%s", protos, e->description, range,
				    *e->assignee ? " " : "", e->assignee);
			pl_buf_printf(w->b, "%*s", 4, "");
			wrap(w, text, 6, 4);
			pl_buf_printf(w->b, "\n");
		}
		i = j;
	}
}

int
pl_render_history_text(struct pl_buf *out, const struct pl_history *h,
    const struct pl_text_opts *o)
{
	struct out w = { out, o };
	char protos[32];

	protos_str(h->protos, protos, sizeof(protos));
	sgr(&w, "1");
	pl_buf_printf(w.b, "port %u (%s): registry history", (unsigned)h->port, protos);
	sgr(&w, "0");
	if (h->nsnaps == 0) {
		pl_buf_printf(w.b, "\n  the store holds no registry snapshot\n");
		return pl_buf_error(w.b);
	}
	pl_buf_printf(w.b, ", %zu snapshot%s [iana]\n", h->nsnaps, h->nsnaps == 1 ? "" : "s");
	snaps_text(&w, h);
	sgr(&w, "1");
	pl_buf_printf(w.b, "events\n");
	sgr(&w, "0");
	if (h->nevents == 0)
		pl_buf_printf(w.b, "  none: no snapshot records a change or a date for this port\n");
	for (size_t i = 0; i < h->nevents; i++)
		event_text(&w, &h->events[i]);
	return pl_buf_error(w.b);
}

/*
 * The events alone, in the report's layout (a label column of 12, [iana] at the end of
 * each fact), for the port report to show under its registry facts. Nothing when the
 * story has no events.
 */
int
pl_render_history_brief(struct pl_buf *out, const struct pl_history *h,
    const struct pl_text_opts *o)
{
	struct out w = { out, o };
	char text[4096], dating[128];

	for (size_t i = 0; i < h->nevents; i++) {
		const struct pl_hist_event *e = &h->events[i];
		size_t n;

		event_sentence(e, text, sizeof(text));
		event_dating(e, dating, sizeof(dating));
		n = strlen(text);
		snprintf(text + n, sizeof(text) - n, " %s", dating);
		pl_buf_printf(w.b, "  ");
		sgr(&w, "36");
		pl_buf_printf(w.b, "%-10s", i == 0 ? "history" : "");
		sgr(&w, "0");
		pl_buf_printf(w.b, "%s ", e->date ? e->date : e->before ? e->before : "");
		wrap(&w, text, 12, 12 + (int)strlen(e->date ? e->date : e->before ? e->before : "") + 1);
		sgr(&w, "2");
		pl_buf_printf(w.b, " [iana]");
		sgr(&w, "0");
		pl_buf_printf(w.b, "\n");
	}
	return pl_buf_error(w.b);
}

int
pl_history_html(struct pl_buf *out, const struct pl_history *h, const char *title)
{
	static const struct pl_text_opts plain = { 80, false };
	struct out w = { out, &plain };
	char text[4096], dating[128];

	if (h->nevents == 0)
		return 0;
	pl_buf_printf(w.b, "<section id=\"history\"><h2>");
	pl_buf_add_html(w.b, title ? title : "Registry history");
	pl_buf_printf(w.b, "</h2>\n<ol class=\"history\">\n");
	for (size_t i = 0; i < h->nevents; i++) {
		const struct pl_hist_event *e = &h->events[i];

		event_sentence(e, text, sizeof(text));
		event_dating(e, dating, sizeof(dating));
		pl_buf_printf(w.b, "<li><time>");
		pl_buf_add_html(w.b, e->date ? e->date : e->before ? e->before : "");
		pl_buf_printf(w.b, "</time> ");
		pl_buf_add_html(w.b, text);
		pl_buf_printf(w.b, " <small>");
		pl_buf_add_html(w.b, dating);
		pl_buf_printf(w.b, "</small>");
		if (e->detail && *e->detail) {
			pl_buf_printf(w.b, "<br>");
			pl_buf_add_html(w.b, e->detail);
		}
		pl_buf_printf(w.b, " <span class=\"prov\">iana</span></li>\n");
	}
	pl_buf_printf(w.b, "</ol></section>\n");
	return pl_buf_error(w.b);
}

/* ------------------------------------------------------------------ diff, text */

static void
row_head(struct out *w, const struct pl_record *r, char mark, const char *color)
{
	sgr(w, color);
	pl_buf_printf(w->b, "%c %s", mark, *r->service ? r->service : "(no name)");
	if (r->has_port && r->lo == r->hi)
		pl_buf_printf(w->b, " %u", (unsigned)r->lo);
	else if (r->has_port)
		pl_buf_printf(w->b, " %u-%u", (unsigned)r->lo, (unsigned)r->hi);
	if (r->proto != PL_PROTO_ANY)
		pl_buf_printf(w->b, "/%s", pl_proto_name(r->proto));
	sgr(w, "0");
}

static void
diff_entry_text(struct out *w, const struct pl_diff_entry *e)
{
	char text[4096];

	if (e->kind != PL_DIFF_CHANGED) {
		row_head(w, &e->row, e->kind == PL_DIFF_ADDED ? '+' : '-',
		    e->kind == PL_DIFF_ADDED ? "32" : "31");
		snprintf(text, sizeof(text), "%s%s%s", e->row.description,
		    *e->row.assignee ? " " : "", e->row.assignee);
		pl_buf_printf(w->b, "  ");
		wrap(w, text, 4, 4);
		pl_buf_printf(w->b, "\n");
		return;
	}
	row_head(w, &e->row, '~', "33");
	pl_buf_printf(w->b, "\n");
	for (size_t k = 0; k < e->nchanges; k++) {
		const struct pl_diff_change *c = &e->changes[k];

		snprintf(text, sizeof(text), "%s: %s -> %s", c->field, or_none(c->old_value),
		    or_none(c->new_value));
		pl_buf_printf(w->b, "    ");
		wrap(w, text, 6, 4);
		pl_buf_printf(w->b, "\n");
	}
}

struct field_count {
	const char *field;
	size_t n;
};

/* Counts by kind: named services and other rows added or removed, the fields that
 * changed, most often first. The list follows, one row a block, for a pager. */
static void
diff_summary(struct out *w, const struct pl_diff *d)
{
	struct field_count f[16];
	size_t nf = 0, named[2] = { 0, 0 }, ports[2] = { 0, 0 };
	char text[1024];
	int used = 0;

	for (size_t i = 0; i < d->nentries; i++) {
		const struct pl_diff_entry *e = &d->entries[i];

		if (e->kind != PL_DIFF_CHANGED) {
			named[e->kind] += *e->row.service != '\0';
			ports[e->kind] += e->row.has_port;
			continue;
		}
		for (size_t k = 0; k < e->nchanges; k++) {
			size_t j = 0;

			while (j < nf && strcmp(f[j].field, e->changes[k].field) != 0)
				j++;
			if (j == nf && nf < 16)
				f[nf++] = (struct field_count){ e->changes[k].field, 0 };
			if (j < nf)
				f[j].n++;
		}
	}
	if (d->nadded)
		pl_buf_printf(w->b, "  added    %zu rows: %zu with a service name, %zu with a port\n", d->nadded,
		    named[PL_DIFF_ADDED], ports[PL_DIFF_ADDED]);
	if (d->nremoved)
		pl_buf_printf(w->b, "  removed  %zu rows: %zu with a service name, %zu with a port\n",
		    d->nremoved, named[PL_DIFF_REMOVED], ports[PL_DIFF_REMOVED]);
	for (size_t a = 0; a < nf; a++)          /* most often changed first */
		for (size_t b = a + 1; b < nf; b++)
			if (f[b].n > f[a].n) {
				struct field_count t = f[a];

				f[a] = f[b];
				f[b] = t;
			}
	for (size_t j = 0; j < nf && used >= 0 && (size_t)used < sizeof(text); j++)
		used += snprintf(text + used, sizeof(text) - (size_t)used, "%s%s %zu", j ? ", " : "",
		    f[j].field, f[j].n);
	if (d->nchanged && nf > 0) {
		pl_buf_printf(w->b, "  changed  %zu rows: ", d->nchanged);
		wrap(w, text, 11, 21);
		pl_buf_printf(w->b, "\n");
	}
	if (d->nentries)
		pl_buf_printf(w->b, "  below: + added, - removed, ~ changed, in port order\n");
}

int
pl_render_diff_text(struct pl_buf *out, const struct pl_diff *d, const struct pl_text_opts *o)
{
	struct out w = { out, o };

	sgr(&w, "1");
	pl_buf_printf(w.b, "registry %s -> %s: %zu added, %zu removed, %zu changed", d->old_label,
	    d->new_label, d->nadded, d->nremoved, d->nchanged);
	sgr(&w, "0");
	pl_buf_printf(w.b, " [iana]\n");
	diff_summary(&w, d);
	for (size_t i = 0; i < d->nentries; i++)
		diff_entry_text(&w, &d->entries[i]);
	return pl_buf_error(w.b);
}

/* ------------------------------------------------------------------ JSON */

static void
protos_json(struct pl_json *j, unsigned bits)
{
	pl_json_karr(j, "protocols");
	for (int p = PL_PROTO_TCP; p < PL_PROTO_COUNT; p++)
		if (bits & PL_PROTO_BIT(p))
			pl_json_str(j, pl_proto_name(p));
	pl_json_end(j);
}

static void
port_json(struct pl_json *j, bool has, uint16_t lo, uint16_t hi)
{
	if (has)
		pl_json_kports(j, "port", lo, hi);
	else
		pl_json_knull(j, "port");
}

static void
event_json(struct pl_json *j, const struct pl_hist_event *e)
{
	bool has_old = e->kind == PL_HIST_CHANGED || e->kind == PL_HIST_ASSIGNED ||
	    e->kind == PL_HIST_DEASSIGNED || e->kind == PL_HIST_REMOVED;

	pl_json_obj(j);
	pl_json_kstr(j, "kind", pl_hist_kind_name(e->kind));
	protos_json(j, e->protos);
	pl_json_kstrz(j, "service", e->service);
	pl_json_kstrz(j, "field", e->field);
	pl_json_kstrz(j, "old", has_old ? e->old_value : NULL);
	pl_json_kstrz(j, "new", e->kind != PL_HIST_REMOVED ? e->new_value : NULL);
	pl_json_kstrz(j, "detail", e->detail);
	pl_json_kstrz(j, "date", e->date);
	pl_json_kstr(j, "date_from", pl_hist_date_from_name(e->date_from));
	pl_json_kstrz(j, "after_snapshot", e->after);
	pl_json_kstrz(j, "before_snapshot", e->before);
	pl_json_end(j);
}

static void
snap_json(struct pl_json *j, const struct pl_hist_snap *s)
{
	pl_json_obj(j);
	pl_json_kstr(j, "label", s->label);
	pl_json_kstr(j, "source", s->source);
	pl_json_karr(j, "rows");
	for (size_t i = 0; i < s->nentries; i++) {
		const struct pl_hist_entry *e = &s->entries[i];

		pl_json_obj(j);
		pl_json_kstrz(j, "service", e->service);
		port_json(j, true, e->lo, e->hi);
		protos_json(j, e->protos);
		pl_json_kstrz(j, "description", e->description);
		pl_json_kstrz(j, "assignee", e->assignee);
		pl_json_end(j);
	}
	pl_json_end(j);
	pl_json_end(j);
}

void
pl_history_json(struct pl_json *j, const struct pl_history *h)
{
	pl_json_obj(j);
	pl_json_kint(j, "port", h->port);
	pl_json_kstrz(j, "protocol", pl_proto_name(h->proto));
	protos_json(j, h->protos);
	pl_json_kstr(j, "provenance", "iana");
	pl_json_karr(j, "snapshots");
	for (size_t i = 0; i < h->nsnaps; i++)
		snap_json(j, &h->snaps[i]);
	pl_json_end(j);
	pl_json_karr(j, "events");
	for (size_t i = 0; i < h->nevents; i++)
		event_json(j, &h->events[i]);
	pl_json_end(j);
	pl_json_end(j);
}

/* A row with all twelve columns, named as in the report's records; the caller closes
 * it (a changed row adds its changes). */
void
pl_record_json(struct pl_json *j, const struct pl_record *r)
{
	pl_json_obj(j);
	pl_json_kstrz(j, "service", r->service);
	port_json(j, r->has_port, r->lo, r->hi);
	pl_json_kstrz(j, "protocol", pl_proto_name(r->proto));
	pl_json_kstrz(j, "description", r->description);
	pl_json_kstrz(j, "assignee", r->assignee);
	pl_json_kstrz(j, "contact", r->contact);
	pl_json_kstrz(j, "registration_date", r->registered);
	pl_json_kstrz(j, "modification_date", r->modified);
	pl_json_kstrz(j, "reference", r->reference);
	pl_json_kstrz(j, "service_code", r->service_code);
	pl_json_kstrz(j, "unauthorized_use", r->unauthorized);
	pl_json_kstrz(j, "assignment_notes", r->notes);
	pl_json_kint(j, "line", r->line);
}

static void
snapshot_side_json(struct pl_json *j, const char *key, const char *label, const char *source,
    long long rows)
{
	pl_json_kobj(j, key);
	pl_json_kstr(j, "label", label);
	pl_json_kstr(j, "source", source);
	pl_json_kint(j, "rows", rows);
	pl_json_end(j);
}

void
pl_diff_json(struct pl_json *j, const struct pl_diff *d)
{
	static const char *const names[] = { "added", "removed", "changed" };

	pl_json_envelope(j, "diff", 1);
	snapshot_side_json(j, "old", d->old_label, d->old_source, (long long)d->old_rows);
	snapshot_side_json(j, "new", d->new_label, d->new_source, (long long)d->new_rows);
	pl_json_kstr(j, "provenance", "iana");
	pl_json_kobj(j, "counts");
	pl_json_kint(j, "added", (long long)d->nadded);
	pl_json_kint(j, "removed", (long long)d->nremoved);
	pl_json_kint(j, "changed", (long long)d->nchanged);
	pl_json_end(j);
	for (int kind = PL_DIFF_ADDED; kind <= PL_DIFF_CHANGED; kind++) {
		pl_json_karr(j, names[kind]);
		for (size_t i = 0; i < d->nentries; i++) {
			const struct pl_diff_entry *e = &d->entries[i];

			if ((int)e->kind != kind)
				continue;
			pl_record_json(j, &e->row);
			if (kind == PL_DIFF_CHANGED) {
				pl_json_karr(j, "changes");
				for (size_t k = 0; k < e->nchanges; k++) {
					pl_json_obj(j);
					pl_json_kstr(j, "field", e->changes[k].field);
					pl_json_kstrz(j, "old", e->changes[k].old_value);
					pl_json_kstrz(j, "new", e->changes[k].new_value);
					pl_json_end(j);
				}
				pl_json_end(j);
			}
			pl_json_end(j);
		}
		pl_json_end(j);
	}
	pl_json_end(j);
}
