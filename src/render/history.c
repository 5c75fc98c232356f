/*
 * history.c: a port's registry story and a snapshot diff, as terminal text and as JSON.
 * Like the other renderers, these only read what src/lib/history.c collected.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "portlore/history.h"
#include "portlore/render.h"

#define DATE_COLS 14      /* "  2014-07-18  " */

struct out {
	struct pl_buf *b;
	const struct pl_text_opts *o;
	int rc;
};

static void
putf(struct out *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
putf(struct out *w, const char *fmt, ...)
{
	va_list ap;

	if (w->rc != 0)
		return;
	va_start(ap, fmt);
	w->rc = pl_buf_vprintf(w->b, fmt, ap);
	va_end(ap);
}

/* An SGR sequence when colour is on: "1" bold, "2" dim, "31" red, "32" green, ... */
static void
sgr(struct out *w, const char *code)
{
	if (w->o->color)
		putf(w, "\033[%sm", code);
}

static void
wrap(struct out *w, const char *text, int indent, int first_col)
{
	if (w->rc == 0)
		w->rc = pl_wrap(w->b, text, indent, first_col, w->o->width);
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
	putf(w, "  %-*s", DATE_COLS - 2, e->date ? e->date : e->before ? e->before : "");
	wrap(w, text, DATE_COLS + 2, DATE_COLS);
	putf(w, "\n%*s", DATE_COLS, "");
	sgr(w, "2");
	wrap(w, dating, DATE_COLS, DATE_COLS);
	sgr(w, "0");
	putf(w, "\n");
	if (e->detail && *e->detail) {
		putf(w, "%*s", DATE_COLS, "");
		wrap(w, e->detail, DATE_COLS, DATE_COLS);
		putf(w, "\n");
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
		putf(w, "  %s%s\n", when, h->snaps[i].nentries ? "" : "  (no row)");
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
			putf(w, "%*s", 4, "");
			wrap(w, text, 6, 4);
			putf(w, "\n");
		}
		i = j;
	}
}

int
pl_render_history_text(struct pl_buf *out, const struct pl_history *h,
    const struct pl_text_opts *o)
{
	struct out w = { out, o, 0 };
	char protos[32];

	protos_str(h->protos, protos, sizeof(protos));
	sgr(&w, "1");
	putf(&w, "port %u (%s): registry history", (unsigned)h->port, protos);
	sgr(&w, "0");
	if (h->nsnaps == 0) {
		putf(&w, "\n  the store holds no registry snapshot\n");
		return w.rc;
	}
	putf(&w, ", %zu snapshot%s [iana]\n", h->nsnaps, h->nsnaps == 1 ? "" : "s");
	snaps_text(&w, h);
	sgr(&w, "1");
	putf(&w, "events\n");
	sgr(&w, "0");
	if (h->nevents == 0)
		putf(&w, "  none: no snapshot records a change or a date for this port\n");
	for (size_t i = 0; i < h->nevents; i++)
		event_text(&w, &h->events[i]);
	return w.rc;
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
	struct out w = { out, o, 0 };
	char text[4096], dating[128];

	for (size_t i = 0; i < h->nevents; i++) {
		const struct pl_hist_event *e = &h->events[i];
		size_t n;

		event_sentence(e, text, sizeof(text));
		event_dating(e, dating, sizeof(dating));
		n = strlen(text);
		snprintf(text + n, sizeof(text) - n, " %s", dating);
		putf(&w, "  ");
		sgr(&w, "36");
		putf(&w, "%-10s", i == 0 ? "history" : "");
		sgr(&w, "0");
		putf(&w, "%s ", e->date ? e->date : e->before ? e->before : "");
		wrap(&w, text, 12, 12 + (int)strlen(e->date ? e->date : e->before ? e->before : "") + 1);
		sgr(&w, "2");
		putf(&w, " [iana]");
		sgr(&w, "0");
		putf(&w, "\n");
	}
	return w.rc;
}

/* Appends s with HTML's special characters escaped. */
static void
esc(struct out *w, const char *s)
{
	for (; *s && w->rc == 0; s++) {
		switch (*s) {
		case '&': putf(w, "&amp;"); break;
		case '<': putf(w, "&lt;"); break;
		case '>': putf(w, "&gt;"); break;
		case '"': putf(w, "&quot;"); break;
		case '\'': putf(w, "&#39;"); break;
		default: w->rc = pl_buf_addc(w->b, *s);
		}
	}
}

int
pl_history_html(struct pl_buf *out, const struct pl_history *h, const char *title)
{
	static const struct pl_text_opts plain = { 80, false };
	struct out w = { out, &plain, 0 };
	char text[4096], dating[128];

	if (h->nevents == 0)
		return 0;
	putf(&w, "<section id=\"history\"><h2>");
	esc(&w, title ? title : "Registry history");
	putf(&w, "</h2>\n<ol class=\"history\">\n");
	for (size_t i = 0; i < h->nevents; i++) {
		const struct pl_hist_event *e = &h->events[i];

		event_sentence(e, text, sizeof(text));
		event_dating(e, dating, sizeof(dating));
		putf(&w, "<li><time>");
		esc(&w, e->date ? e->date : e->before ? e->before : "");
		putf(&w, "</time> ");
		esc(&w, text);
		putf(&w, " <small>");
		esc(&w, dating);
		putf(&w, "</small>");
		if (e->detail && *e->detail) {
			putf(&w, "<br>");
			esc(&w, e->detail);
		}
		putf(&w, " <span class=\"prov\">iana</span></li>\n");
	}
	putf(&w, "</ol></section>\n");
	return w.rc;
}

/* ------------------------------------------------------------------ diff, text */

static void
row_head(struct out *w, const struct pl_hist_row *r, char mark, const char *color)
{
	sgr(w, color);
	putf(w, "%c %s", mark, *r->service ? r->service : "(no name)");
	if (r->has_port && r->lo == r->hi)
		putf(w, " %u", (unsigned)r->lo);
	else if (r->has_port)
		putf(w, " %u-%u", (unsigned)r->lo, (unsigned)r->hi);
	if (r->proto != PL_PROTO_ANY)
		putf(w, "/%s", pl_proto_name(r->proto));
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
		putf(w, "  ");
		wrap(w, text, 4, 4);
		putf(w, "\n");
		return;
	}
	row_head(w, &e->row, '~', "33");
	putf(w, "\n");
	for (size_t k = 0; k < e->nchanges; k++) {
		const struct pl_diff_change *c = &e->changes[k];

		snprintf(text, sizeof(text), "%s: %s -> %s", c->field, or_none(c->old_value),
		    or_none(c->new_value));
		putf(w, "    ");
		wrap(w, text, 6, 4);
		putf(w, "\n");
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
		putf(w, "  added    %zu rows: %zu with a service name, %zu with a port\n", d->nadded,
		    named[PL_DIFF_ADDED], ports[PL_DIFF_ADDED]);
	if (d->nremoved)
		putf(w, "  removed  %zu rows: %zu with a service name, %zu with a port\n",
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
		putf(w, "  changed  %zu rows: ", d->nchanged);
		wrap(w, text, 11, 21);
		putf(w, "\n");
	}
	if (d->nentries)
		putf(w, "  below: + added, - removed, ~ changed, in port order\n");
}

int
pl_render_diff_text(struct pl_buf *out, const struct pl_diff *d, const struct pl_text_opts *o)
{
	struct out w = { out, o, 0 };

	sgr(&w, "1");
	putf(&w, "registry %s -> %s: %zu added, %zu removed, %zu changed", d->old_label,
	    d->new_label, d->nadded, d->nremoved, d->nchanged);
	sgr(&w, "0");
	putf(&w, " [iana]\n");
	diff_summary(&w, d);
	for (size_t i = 0; i < d->nentries; i++)
		diff_entry_text(&w, &d->entries[i]);
	return w.rc;
}

/* ------------------------------------------------------------------ JSON */

/* Text from the store was checked to be UTF-8 when it was imported (iana.c). */
static json_t *
str_or_null(const char *s)
{
	return s && *s ? json_string_nocheck(s) : json_null();
}

static json_t *
protos_json(unsigned bits)
{
	json_t *a = json_array();

	for (int p = PL_PROTO_TCP; p < PL_PROTO_COUNT && a; p++)
		if (bits & PL_PROTO_BIT(p))
			json_array_append_new(a, json_string(pl_proto_name(p)));
	return a;
}

static json_t *
port_json(bool has, uint16_t lo, uint16_t hi)
{
	char buf[16];

	if (!has)
		return json_null();
	if (lo == hi)
		return json_integer(lo);
	snprintf(buf, sizeof(buf), "%u-%u", (unsigned)lo, (unsigned)hi);
	return json_string(buf);
}

static json_t *
event_json(const struct pl_hist_event *e)
{
	return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:o, s:o}",
	    "kind", pl_hist_kind_name(e->kind),
	    "protocols", protos_json(e->protos),
	    "service", str_or_null(e->service),
	    "field", str_or_null(e->field),
	    "old", e->kind == PL_HIST_CHANGED || e->kind == PL_HIST_ASSIGNED ||
	        e->kind == PL_HIST_DEASSIGNED || e->kind == PL_HIST_REMOVED ?
	        str_or_null(e->old_value) : json_null(),
	    "new", e->kind != PL_HIST_REMOVED ? str_or_null(e->new_value) : json_null(),
	    "detail", str_or_null(e->detail),
	    "date", str_or_null(e->date),
	    "date_from", pl_hist_date_from_name(e->date_from),
	    "after_snapshot", str_or_null(e->after),
	    "before_snapshot", str_or_null(e->before));
}

static json_t *
snap_json(const struct pl_hist_snap *s)
{
	json_t *a = json_array();

	for (size_t i = 0; i < s->nentries && a; i++) {
		const struct pl_hist_entry *e = &s->entries[i];

		json_array_append_new(a, json_pack("{s:o, s:o, s:o, s:o, s:o}",
		    "service", str_or_null(e->service), "port", port_json(true, e->lo, e->hi),
		    "protocols", protos_json(e->protos), "description", str_or_null(e->description),
		    "assignee", str_or_null(e->assignee)));
	}
	return json_pack("{s:s, s:s, s:o}", "label", s->label, "source", s->source, "rows", a);
}

json_t *
pl_history_json(const struct pl_history *h)
{
	json_t *snaps = json_array(), *events = json_array();

	for (size_t i = 0; i < h->nsnaps && snaps; i++)
		json_array_append_new(snaps, snap_json(&h->snaps[i]));
	for (size_t i = 0; i < h->nevents && events; i++)
		json_array_append_new(events, event_json(&h->events[i]));
	return json_pack("{s:i, s:o, s:o, s:s, s:o, s:o}", "port", (int)h->port,
	    "protocol", str_or_null(pl_proto_name(h->proto)), "protocols", protos_json(h->protos),
	    "provenance", "iana", "snapshots", snaps, "events", events);
}

/* A row with all twelve columns, named as in the report's records. */
static json_t *
row_json(const struct pl_hist_row *r)
{
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I}",
	    "service", str_or_null(r->service), "port", port_json(r->has_port, r->lo, r->hi),
	    "protocol", str_or_null(pl_proto_name(r->proto)),
	    "description", str_or_null(r->description), "assignee", str_or_null(r->assignee),
	    "contact", str_or_null(r->contact), "registration_date", str_or_null(r->registered),
	    "modification_date", str_or_null(r->modified), "reference", str_or_null(r->reference),
	    "service_code", str_or_null(r->service_code),
	    "unauthorized_use", str_or_null(r->unauthorized),
	    "assignment_notes", str_or_null(r->notes), "line", (json_int_t)r->line);
}

static json_t *
changed_json(const struct pl_diff_entry *e)
{
	json_t *o = row_json(&e->row), *a = json_array();

	for (size_t k = 0; k < e->nchanges && a; k++)
		json_array_append_new(a, json_pack("{s:s, s:o, s:o}", "field", e->changes[k].field,
		    "old", str_or_null(e->changes[k].old_value),
		    "new", str_or_null(e->changes[k].new_value)));
	if (o != NULL && json_object_set_new(o, "changes", a) == 0)
		return o;
	json_decref(o);
	return NULL;
}

json_t *
pl_diff_json(const struct pl_diff *d)
{
	json_t *lists[3] = { json_array(), json_array(), json_array() };

	for (size_t i = 0; i < d->nentries; i++) {
		const struct pl_diff_entry *e = &d->entries[i];

		json_array_append_new(lists[e->kind],
		    e->kind == PL_DIFF_CHANGED ? changed_json(e) : row_json(&e->row));
	}
	return json_pack("{s:{s:s, s:s, s:I}, s:{s:s, s:s, s:I}, s:s, s:{s:I, s:I, s:I},"
	    " s:o, s:o, s:o}",
	    "old", "label", d->old_label, "source", d->old_source, "rows", (json_int_t)d->old_rows,
	    "new", "label", d->new_label, "source", d->new_source, "rows", (json_int_t)d->new_rows,
	    "provenance", "iana",
	    "counts", "added", (json_int_t)d->nadded, "removed", (json_int_t)d->nremoved,
	    "changed", (json_int_t)d->nchanged,
	    "added", lists[PL_DIFF_ADDED], "removed", lists[PL_DIFF_REMOVED],
	    "changed", lists[PL_DIFF_CHANGED]);
}
