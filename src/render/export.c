/*
 * export.c: `portlore export` written out from its model (export.h): services(5) as
 * iana-etc writes /etc/services, the registry as CSV in IANA's own column order, and
 * registry plus lore as JSON through the one writer.
 */
#include <csv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portlore/json.h"
#include "portlore/render-export.h"

/* ---- services(5) ---- */

/* A small open-addressing set of "name port proto" keys, so that rows the registry
 * repeats give one line. */
struct seen {
	char **keys;
	size_t cap;
};

static uint64_t
fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

/* Returns 1 when key is new (and adds it), 0 when seen, -1 when out of memory. */
static int
seen_add(struct seen *set, const char *key)
{
	size_t i = fnv1a(key) & (set->cap - 1);

	for (size_t probes = 0; probes < set->cap; probes++, i = (i + 1) & (set->cap - 1)) {
		if (set->keys[i] == NULL)
			return (set->keys[i] = strdup(key)) ? 1 : -1;
		if (strcmp(set->keys[i], key) == 0)
			return 0;
	}
	return -1;
}

static void
service_lines(struct pl_buf *b, struct seen *set, const struct pl_export_service *r)
{
	char key[128], range[32] = "";

	if (r->lo != r->hi)
		snprintf(range, sizeof(range), " (ports %u-%u)", r->lo, r->hi);
	/* services(5) has no ranges: a range gets a line per port, so that a lookup by
	 * any of its ports finds the name. */
	for (uint32_t p = r->lo; p <= r->hi && pl_buf_error(b) == 0; p++) {
		char pp[24];
		int fresh;

		snprintf(key, sizeof(key), "%.60s %u %s", r->name, p, r->proto);
		if ((fresh = seen_add(set, key)) < 0)
			pl_buf_fail(b, -PL_ENOMEM);
		if (fresh <= 0)
			continue;
		snprintf(pp, sizeof(pp), "%u/%s", p, r->proto);
		pl_buf_printf(b, "%-15s %-11s%s%s%s%s%s\n", r->name, pp, *r->aliases ? " " : "",
		    r->aliases, *r->desc || *range ? "  # " : "", r->desc, range);
	}
}

int
pl_export_services(struct pl_buf *out, const struct pl_export *x)
{
	struct seen set = { 0 };
	size_t lines = 0;

	for (size_t i = 0; i < x->nservices; i++)
		lines += x->services[i].hi - x->services[i].lo + 1u;
	for (set.cap = 1024; set.cap < lines * 2; set.cap *= 2)
		;
	if ((set.keys = calloc(set.cap, sizeof(char *))) == NULL)
		return pl_buf_fail(out, -PL_ENOMEM);
	pl_buf_printf(out, "# services(5) from the IANA Service Name and Transport Protocol "
	    "Port Number Registry,\n# snapshot %s, written by portlore export --format "
	    "services.\n# One line per name, port and protocol; a range has a line per port; "
	    "names the\n# registry calls aliases follow the name they alias. Left out: %ld "
	    "named rows\n# without a port or a protocol.\n#\n", x->snapshot, x->left);
	for (size_t i = 0; i < x->nservices && pl_buf_error(out) == 0; i++)
		service_lines(out, &set, &x->services[i]);
	for (size_t i = 0; i < set.cap; i++)
		free(set.keys[i]);
	free(set.keys);
	return pl_buf_error(out);
}

/* ---- CSV ---- */

/* RFC 4180: a field with a comma, quote or line break is quoted (libcsv's csv_write
 * doubles the quotes), others are written as they are. */
void
pl_csv_field(struct pl_buf *b, const char *s, bool last)
{
	if (strpbrk(s, ",\"\r\n") == NULL)
		pl_buf_adds(b, s);
	else {
		size_t len = strlen(s), need = csv_write(NULL, 0, s, len);
		char *q = malloc(need);

		if (q == NULL)
			pl_buf_fail(b, -PL_ENOMEM);
		else {
			pl_buf_add(b, q, csv_write(q, need, s, len));
			free(q);
		}
	}
	pl_buf_adds(b, last ? "\r\n" : ",");
}

int
pl_export_csv(struct pl_buf *out, const struct pl_export *x)
{
	pl_buf_printf(out, "Service Name,Port Number,Transport Protocol,Description,Assignee,"
	    "Contact,Registration Date,Modification Date,Reference,Service Code,%s,"
	    "Assignment Notes\r\n", x->col11 ? x->col11 : "Unauthorized Use Reported");
	for (size_t i = 0; i < x->nrows && pl_buf_error(out) == 0; i++) {
		const struct pl_record *r = &x->rows[i];
		const char *rest[] = { r->description, r->assignee, r->contact, r->registered,
			r->modified, r->reference, r->service_code, r->unauthorized, r->notes };
		char port[16] = "";

		if (r->has_port && r->lo == r->hi)
			snprintf(port, sizeof(port), "%u", r->lo);
		else if (r->has_port)
			snprintf(port, sizeof(port), "%u-%u", r->lo, r->hi);
		pl_csv_field(out, r->service, false);
		pl_csv_field(out, port, false);
		pl_csv_field(out, pl_proto_name(r->proto), false);
		for (size_t k = 0; k < sizeof(rest) / sizeof(rest[0]); k++)
			pl_csv_field(out, rest[k], k + 1 == sizeof(rest) / sizeof(rest[0]));
	}
	return pl_buf_error(out);
}

/* ---- JSON: registry and lore ---- */

static void
registry_json(struct pl_json *j, const struct pl_export *x)
{
	pl_json_karr(j, "registry");
	for (size_t i = 0; i < x->nrows && pl_buf_error(j->b) == 0; i++) {
		pl_record_json(j, &x->rows[i]);
		pl_json_kstr(j, "provenance", "iana");
		pl_json_end(j);
	}
	pl_json_end(j);
}

static void
kyear(struct pl_json *j, const char *key, int year)
{
	pl_json_key(j, key);
	if (year == 0)
		pl_json_null(j);
	else
		pl_json_int(j, year);
}

/* An array of strings, "" as null. */
static void
strings_json(struct pl_json *j, char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pl_json_str(j, *v[i] ? v[i] : NULL);
}

static void
entry_parts_json(struct pl_json *j, const struct pl_export_lore *e)
{
	pl_json_karr(j, "ports");
	for (size_t i = 0; i < e->nports; i++) {
		const struct pl_export_lore_port *p = &e->ports[i];

		pl_json_obj(j);
		pl_json_kports(j, "port", p->lo, p->hi);
		pl_json_kstrz(j, "protocol", p->proto);
		pl_json_kstrz(j, "role", p->role);
		pl_json_kstrz(j, "use", p->use);
		pl_json_kstrz(j, "prevalence", p->prevalence);
		pl_json_kstrz(j, "evidence", p->evidence);
		pl_json_end(j);
	}
	pl_json_end(j);
	pl_json_karr(j, "sources");
	for (size_t i = 0; i < e->nsources; i++) {
		const struct pl_source *s = &e->sources[i];

		pl_json_obj(j);
		pl_json_kstrz(j, "title", s->title);
		pl_json_kstrz(j, "url", s->url);
		pl_json_kstrz(j, "published", s->published);
		pl_json_kstrz(j, "accessed", s->accessed);
		pl_json_kstrz(j, "tier", s->tier);
		pl_json_end(j);
	}
	pl_json_end(j);
	pl_json_karr(j, "cves");
	strings_json(j, e->cves, e->ncves);
	pl_json_end(j);
	pl_json_kobj(j, "hints");
	for (size_t i = 0; i < e->nhints; i++) {
		pl_json_karr(j, e->hints[i].kind);
		strings_json(j, e->hints[i].patterns, e->hints[i].n);
		pl_json_end(j);
	}
	pl_json_end(j);
}

static void
lore_json(struct pl_json *j, const struct pl_export *x)
{
	pl_json_karr(j, "lore");
	for (size_t i = 0; i < x->nlore && pl_buf_error(j->b) == 0; i++) {
		const struct pl_export_lore *e = &x->lore[i];

		pl_json_obj(j);
		pl_json_kstrz(j, "id", e->id);
		pl_json_kstrz(j, "family", e->family);
		pl_json_kstrz(j, "family_name", e->family_name);
		pl_json_kstrz(j, "name", e->name);
		pl_json_kstrz(j, "vendor", e->vendor);
		pl_json_kstrz(j, "kind", e->kind);
		pl_json_kstrz(j, "summary", e->summary);
		pl_json_kstrz(j, "risk", e->risk);
		pl_json_kstrz(j, "risk_why", e->risk_why);
		pl_json_kstrz(j, "notes", e->notes);
		kyear(j, "year_from", e->year_from);
		kyear(j, "year_to", e->year_to);
		pl_json_kobj(j, "confidence");
		pl_json_kstrz(j, "level", e->confidence);
		pl_json_kstrz(j, "why", e->confidence_why);
		pl_json_end(j);
		pl_json_kstr(j, "provenance", "lore");
		entry_parts_json(j, e);
		pl_json_end(j);
	}
	pl_json_end(j);
}

int
pl_export_json(struct pl_buf *out, const struct pl_export *x)
{
	struct pl_json j;

	pl_json_init(&j, out, 2);
	pl_json_envelope(&j, "export", 1);
	pl_json_kstr(&j, "snapshot", x->snapshot[0] ? x->snapshot : NULL);
	registry_json(&j, x);
	lore_json(&j, x);
	pl_json_end(&j);
	pl_buf_addc(out, '\n');
	return pl_json_done(&j);
}
