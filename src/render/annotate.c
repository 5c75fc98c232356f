/*
 * annotate.c: `portlore annotate` as text (the input with a line of registry and lore
 * under each line that names a port) and as JSON, from the notes of annotate.h.
 */
#include <string.h>

#include "portlore/json.h"
#include "portlore/render-annotate.h"
#include "portlore/render.h"

/* " [iana 2026-02-13]", or " [iana]" when the store has no snapshot. */
static void
iana_tag(struct pl_buf *b, const char *lead, const struct pl_ann_note *n)
{
	pl_buf_printf(b, "%s[iana%s%s]", lead, n->snapshot ? " " : "",
	    n->snapshot ? n->snapshot : "");
}

/* "ssh (The Secure Shell (SSH) Protocol)", "unassigned", ... with provenance: up to
 * three rows of exactly this port, or else of the ranges that hold it. */
static void
registry_text(struct pl_buf *b, const struct pl_ann_note *n)
{
	size_t from = 0, to = n->nexact;

	if (n->status != PL_REG_ASSIGNED) {
		pl_buf_adds(b, n->status == PL_REG_NONE ? "not in the registry" :
		    pl_reg_status_name(n->status));
		iana_tag(b, " ", n);
		return;
	}
	if (to == 0)
		from = n->nexact, to = n->nservices;
	for (size_t i = from; i < to && i - from < 3; i++) {
		const struct pl_ann_service *s = &n->services[i];
		const char *sep = i > from ? ", " : "";

		if (s->lo == s->hi && *s->description == '\0')
			pl_buf_printf(b, "%s%s", sep, s->service);
		else if (s->lo == s->hi)
			pl_buf_printf(b, "%s%s (%s)", sep, s->service, s->description);
		else
			pl_buf_printf(b, "%s%s (%s, range %u-%u)", sep, s->service, s->description,
			    s->lo, s->hi);
	}
	iana_tag(b, " ", n);
}

static void
lore_text(struct pl_buf *b, const struct pl_ann_note *n)
{
	for (size_t i = 0; i < n->nlore && i < 3; i++)
		pl_buf_printf(b, "%s%s", i ? ", " : "; lore: ", n->lore[i].name);
	if (n->nlore > 3)
		pl_buf_printf(b, " and %zu more", n->nlore - 3);
	if (n->nlore > 0)
		pl_buf_adds(b, " [lore]");
}

int
pl_annotate_input_text(struct pl_buf *out, const char *s, size_t n)
{
	if (n > 0 && s[n - 1] == '\r')
		n--;
	pl_buf_add(out, s, n);
	return pl_buf_addc(out, '\n');
}

int
pl_annotate_text(struct pl_buf *out, enum pl_ann_format fmt, const struct pl_ann_annotated *a)
{
	struct pl_buf line = PL_BUF_INIT;
	int rc;

	if (!a->known)
		pl_buf_printf(&line, "%s: not a service name the store knows", a->item->name);
	for (int k = 0; k < a->nprotos && a->known; k++) {
		pl_buf_printf(&line, "%s%u/%s ", k ? " | " : "", a->port,
		    pl_proto_name(a->protos[k]));
		registry_text(&line, a->notes[k]);
		lore_text(&line, a->notes[k]);
	}
	if ((rc = pl_buf_error(&line)) != 0)
		pl_buf_fail(out, rc);
	else if (fmt == PL_ANN_NMAP_XML) {
		/* An XML comment may not hold "--": the annotated file stays well-formed. */
		for (char *s = line.data; s && (s = strstr(s, "--")) != NULL; )
			s[1] = '~';
		pl_buf_printf(out, "<!-- portlore: %s -->\n", pl_buf_str(&line));
	} else
		pl_buf_printf(out, "    # portlore: %s\n", pl_buf_str(&line));
	pl_buf_free(&line);
	return pl_buf_error(out);
}

void
pl_annotate_json_begin(struct pl_json *j, struct pl_buf *b, const char *input,
    enum pl_ann_format fmt, const char *snapshot)
{
	pl_json_init(j, b, 2);
	pl_json_envelope(j, "annotate", 1);
	pl_json_kstr(j, "input", input);
	pl_json_kstr(j, "format", pl_ann_format_name(fmt));
	pl_json_kstr(j, "snapshot", snapshot);
	pl_json_karr(j, "items");
}

/* A field of the input: null when the input had none (or it is not UTF-8). */
static void
kfield(struct pl_json *j, const char *key, const char *s)
{
	pl_json_key(j, key);
	pl_json_text(j, *s ? s : NULL);
}

/* The registry's and lore's short word on one port and protocol, for an item. */
static void
note_json(struct pl_json *j, const struct pl_ann_note *n, uint16_t port, enum pl_proto proto)
{
	pl_json_obj(j);
	pl_json_kint(j, "port", port);
	pl_json_kstr(j, "protocol", pl_proto_name(proto));
	pl_json_kstr(j, "status", pl_reg_status_name(n->status));
	pl_json_karr(j, "services");
	for (size_t i = 0; i < n->nservices; i++)
		pl_json_str(j, n->services[i].service);
	pl_json_end(j);
	pl_json_karr(j, "lore");
	for (size_t i = 0; i < n->nlore; i++)
		pl_json_str(j, n->lore[i].id);
	pl_json_end(j);
	pl_json_end(j);
}

void
pl_annotate_json(struct pl_json *j, enum pl_ann_format fmt, const struct pl_ann_annotated *a)
{
	const struct pl_ann_item *it = a->item;

	pl_json_obj(j);
	pl_json_kint(j, "line", (long long)it->line);
	if (a->known)
		pl_json_kint(j, "port", a->port);
	else
		pl_json_knull(j, "port");
	kfield(j, "name", it->name);
	kfield(j, "protocol", pl_proto_name(it->proto));
	kfield(j, "address", it->addr);
	kfield(j, "state", it->state);
	kfield(j, "process", it->process);
	if (it->pid < 0)
		pl_json_knull(j, "pid");
	else
		pl_json_kint(j, "pid", it->pid);
	kfield(j, "service", it->service);
	/* What the input says was seen by a scan elsewhere, or on the machine that listed
	 * its sockets. */
	pl_json_kstr(j, "provenance", pl_prov_name(pl_ann_format_is_scan(fmt) ?
	    PL_PROV_PROBED : PL_PROV_OBSERVED));
	pl_json_karr(j, "annotations");
	for (int k = 0; k < a->nprotos && a->known; k++)
		note_json(j, a->notes[k], a->port, a->protos[k]);
	pl_json_end(j);
	pl_json_end(j);
}

void
pl_annotate_json_reports(struct pl_json *j)
{
	pl_json_end(j);
	pl_json_karr(j, "reports");
}

int
pl_annotate_json_end(struct pl_json *j)
{
	pl_json_end(j);
	pl_json_end(j);
	pl_buf_addc(j->b, '\n');
	return pl_json_done(j);
}
