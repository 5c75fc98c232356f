/*
 * export.c: the store written out for other tools. services(5) from the current
 * snapshot, as iana-etc builds it (one line per name, port and protocol), the
 * snapshot's rows as CSV in IANA's own column order, and registry plus lore as JSON.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "portlore/export.h"
#include "portlore/portspec.h"
#include "registry/store-internal.h"

static int
store_err(struct pl_store *st, struct pl_err *err)
{
	return pl_err_set(err, -PL_ESTORE, "store %s: %s", st->path, sqlite3_errmsg(st->db));
}

static int
prepare(struct pl_store *st, const char *sql, sqlite3_stmt **s, struct pl_err *err)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, s, NULL) != SQLITE_OK)
		return store_err(st, err);
	return 0;
}

static const char *
col(sqlite3_stmt *s, int i)
{
	const char *v = (const char *)sqlite3_column_text(s, i);

	return v ? v : "";
}

static int
buf_rc(int rc, struct pl_err *err)
{
	if (rc == -PL_ETOOBIG)
		return pl_err_set(err, rc, "export larger than the output buffer allows");
	return rc ? pl_err_set(err, rc, "out of memory") : 0;
}

/* ---- services(5) ---- */

struct svc {
	char *name, *desc;
	uint16_t lo, hi;
	char proto[8];
	char aliases[160];     /* names the registry calls aliases of this one */
	bool skip;             /* written as an alias of another row */
	char target[64];       /* for an alias row: the name it aliases */
};

/* IANA writes 'This entry is an alias to "whoispp".' in the notes. */
static void
alias_target(const char *notes, char *out, size_t len)
{
	const char *a = strcasestr(notes, "alias"), *q, *q2;

	out[0] = '\0';
	if (a == NULL || (q = strchr(a, '"')) == NULL || (q2 = strchr(q + 1, '"')) == NULL ||
	    (size_t)(q2 - q - 1) >= len || q2 == q + 1)
		return;
	memcpy(out, q + 1, (size_t)(q2 - q - 1));
	out[q2 - q - 1] = '\0';
}

static int
load_services(struct pl_store *st, struct svc **out, size_t *n, struct pl_err *err)
{
	sqlite3_stmt *s = NULL;
	struct svc *v = NULL;
	size_t cap = 0;
	int rc;

	*n = 0;
	if ((rc = prepare(st, "SELECT service, lo, hi, proto, description, notes FROM record"
	    " WHERE snapshot = ?1 AND service <> '' AND lo IS NOT NULL AND proto <> ''"
	    " ORDER BY line", &s, err)) != 0)
		return rc;
	sqlite3_bind_int64(s, 1, st->current_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct svc *r;

		if (*n == cap) {
			struct svc *p = realloc(v, (cap = cap ? cap * 2 : 1024) * sizeof(*p));

			if (p == NULL)
				break;
			v = p;
		}
		r = &v[(*n)++];
		memset(r, 0, sizeof(*r));
		r->lo = (uint16_t)sqlite3_column_int(s, 1);
		r->hi = (uint16_t)sqlite3_column_int(s, 2);
		snprintf(r->proto, sizeof(r->proto), "%s", col(s, 3));
		alias_target(col(s, 5), r->target, sizeof(r->target));
		if ((r->name = strdup(col(s, 0))) == NULL || (r->desc = strdup(col(s, 4))) == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	sqlite3_finalize(s);
	*out = v;
	if (rc == SQLITE_DONE)
		return 0;
	return rc == SQLITE_ROW || rc == SQLITE_NOMEM ? pl_err_set(err, -PL_ENOMEM, "out of memory")
	    : store_err(st, err);
}

/* Moves each alias row onto the row it names (same ports and protocol). */
static void
fold_aliases(struct svc *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i].target[0] == '\0')
			continue;
		for (size_t k = 0; k < n; k++) {
			struct svc *t = &v[k];
			size_t used = strlen(t->aliases);

			if (k == i || t->lo != v[i].lo || t->hi != v[i].hi ||
			    strcmp(t->proto, v[i].proto) != 0 || strcasecmp(t->name, v[i].target) != 0)
				continue;
			if (used + strlen(v[i].name) + 2 < sizeof(t->aliases)) {
				snprintf(t->aliases + used, sizeof(t->aliases) - used, "%s%s",
				    used ? " " : "", v[i].name);
				v[i].skip = true;
			}
			break;
		}
	}
}

/* services(5) fields are blank-separated and '#' starts a comment; a description
 * keeps its first line (later lines are notes the registry folded into it). */
static void
clean(char *s, bool name)
{
	if (!name)
		s[strcspn(s, "\r\n")] = '\0';
	for (; *s; s++)
		if ((unsigned char)*s < ' ' || (name && (*s == ' ' || *s == '#')))
			*s = name ? '-' : ' ';
}

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

static int
write_service(struct pl_buf *b, struct seen *set, const struct svc *r)
{
	char key[128], range[32] = "";
	int rc = 0, fresh;

	if (r->lo != r->hi)
		snprintf(range, sizeof(range), " (ports %u-%u)", r->lo, r->hi);
	/* services(5) has no ranges: a range gets a line per port, so that a lookup by
	 * any of its ports finds the name. */
	for (uint32_t p = r->lo; p <= r->hi && rc == 0; p++) {
		char pp[24];

		snprintf(key, sizeof(key), "%.60s %u %s", r->name, p, r->proto);
		if ((fresh = seen_add(set, key)) < 0)
			return -PL_ENOMEM;
		if (fresh == 0)
			continue;
		snprintf(pp, sizeof(pp), "%u/%s", p, r->proto);
		rc = pl_buf_printf(b, "%-15s %-11s%s%s%s%s%s\n", r->name, pp, *r->aliases ? " " : "",
		    r->aliases, *r->desc || *range ? "  # " : "", r->desc, range);
	}
	return rc;
}

static int
export_services(struct pl_store *st, struct pl_buf *b, struct pl_err *err)
{
	struct svc *v = NULL;
	struct seen set = { 0 };
	size_t n = 0, lines = 0;
	long left = 0;
	int rc;

	if ((rc = load_services(st, &v, &n, err)) != 0)
		goto out;
	fold_aliases(v, n);
	for (size_t i = 0; i < n; i++) {
		lines += v[i].hi - v[i].lo + 1u;
		clean(v[i].name, true);
		clean(v[i].desc, false);
	}
	for (set.cap = 1024; set.cap < lines * 2; set.cap *= 2)
		;
	if ((set.keys = calloc(set.cap, sizeof(char *))) == NULL) {
		rc = pl_err_set(err, -PL_ENOMEM, "out of memory");
		goto out;
	}
	{
		sqlite3_stmt *s = NULL;

		if ((rc = prepare(st, "SELECT count(*) FROM record WHERE snapshot = ?1 AND"
		    " service <> '' AND (lo IS NULL OR proto = '')", &s, err)) != 0)
			goto out;
		sqlite3_bind_int64(s, 1, st->current_id);
		left = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
		sqlite3_finalize(s);
	}
	rc = pl_buf_printf(b, "# services(5) from the IANA Service Name and Transport Protocol "
	    "Port Number Registry,\n# snapshot %s, written by portlore export --format "
	    "services.\n# One line per name, port and protocol; a range has a line per port; "
	    "names the\n# registry calls aliases follow the name they alias. Left out: %ld "
	    "named rows\n# without a port or a protocol.\n#\n", st->current, left);
	for (size_t i = 0; i < n && rc == 0; i++)
		if (!v[i].skip)
			rc = write_service(b, &set, &v[i]);
	rc = buf_rc(rc, err);
out:
	for (size_t i = 0; i < set.cap && set.keys; i++)
		free(set.keys[i]);
	free(set.keys);
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].desc);
	}
	free(v);
	return rc;
}

/* ---- CSV ---- */

/* RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. */
static int
csv_field(struct pl_buf *b, const char *s, bool last)
{
	int rc = 0;

	if (strpbrk(s, ",\"\r\n") == NULL)
		rc = pl_buf_adds(b, s);
	else {
		rc = pl_buf_addc(b, '"');
		for (const char *p = s; *p && rc == 0; p++)
			rc = *p == '"' ? pl_buf_add(b, "\"\"", 2) : pl_buf_addc(b, *p);
		if (rc == 0)
			rc = pl_buf_addc(b, '"');
	}
	return rc ? rc : pl_buf_adds(b, last ? "\r\n" : ",");
}

/* IANA has renamed the eleventh column over the years ("Known Unauthorized Uses",
 * "Unauthorized Use Reported"); the snapshot keeps the name its file used. */
static int
csv_header(struct pl_store *st, struct pl_buf *b, struct pl_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = prepare(st, "SELECT col11 FROM snapshot WHERE id = ?1", &s, err)) != 0)
		return rc;
	sqlite3_bind_int64(s, 1, st->current_id);
	rc = pl_buf_printf(b, "Service Name,Port Number,Transport Protocol,Description,Assignee,"
	    "Contact,Registration Date,Modification Date,Reference,Service Code,%s,"
	    "Assignment Notes\r\n", sqlite3_step(s) == SQLITE_ROW && *col(s, 0) ? col(s, 0) :
	    "Unauthorized Use Reported");
	sqlite3_finalize(s);
	return rc;
}

static int
export_csv(struct pl_store *st, struct pl_buf *b, struct pl_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc, step;

	if ((rc = prepare(st, "SELECT service, lo, hi, proto, description, assignee, contact,"
	    " registered, modified, reference, service_code, unauthorized, notes FROM record"
	    " WHERE snapshot = ?1 ORDER BY line", &s, err)) != 0)
		return rc;
	sqlite3_bind_int64(s, 1, st->current_id);
	rc = csv_header(st, b, err);
	while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW) {
		char port[16] = "";

		if (sqlite3_column_type(s, 1) != SQLITE_NULL) {
			int lo = sqlite3_column_int(s, 1), hi = sqlite3_column_int(s, 2);

			if (lo == hi)
				snprintf(port, sizeof(port), "%d", lo);
			else
				snprintf(port, sizeof(port), "%d-%d", lo, hi);
		}
		rc = csv_field(b, col(s, 0), false);
		if (rc == 0)
			rc = csv_field(b, port, false);
		for (int i = 3; i <= 12 && rc == 0; i++)
			rc = csv_field(b, col(s, i), i == 12);
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = store_err(st, err);
	else
		rc = buf_rc(rc, err);
	sqlite3_finalize(s);
	return rc;
}

/* ---- JSON: registry and lore ---- */

/* Text in the store was checked to be UTF-8 by the importers; "" becomes null. */
static json_t *
jstr(sqlite3_stmt *s, int i)
{
	const char *v = col(s, i);
	json_t *j = *v ? json_string(v) : json_null();

	return j ? j : json_null();
}

static json_t *
jport(sqlite3_stmt *s, int lo_col)
{
	char buf[16];
	int lo = sqlite3_column_int(s, lo_col), hi = sqlite3_column_int(s, lo_col + 1);

	if (sqlite3_column_type(s, lo_col) == SQLITE_NULL)
		return json_null();
	if (lo == hi)
		return json_integer(lo);
	snprintf(buf, sizeof(buf), "%d-%d", lo, hi);
	return json_string(buf);
}

static int
registry_json(struct pl_store *st, json_t *doc, struct pl_err *err)
{
	static const char *const keys[] = { "service", NULL, NULL, "protocol", "description",
		"assignee", "contact", "registration_date", "modification_date", "reference",
		"service_code", "unauthorized_use", "assignment_notes" };
	json_t *a = json_array();
	sqlite3_stmt *s = NULL;
	int rc;

	json_object_set_new(doc, "registry", a);
	if ((rc = prepare(st, "SELECT service, lo, hi, proto, description, assignee, contact,"
	    " registered, modified, reference, service_code, unauthorized, notes, line FROM"
	    " record WHERE snapshot = ?1 ORDER BY line", &s, err)) != 0)
		return rc;
	sqlite3_bind_int64(s, 1, st->current_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		json_t *o = json_object();

		json_object_set_new(o, keys[0], jstr(s, 0));
		json_object_set_new(o, "port", jport(s, 1));
		for (int i = 3; i <= 12; i++)
			json_object_set_new(o, keys[i], jstr(s, i));
		json_object_set_new(o, "line", json_integer(sqlite3_column_int64(s, 13)));
		json_object_set_new(o, "provenance", json_string("iana"));
		if (json_array_append_new(a, o) != 0)
			break;
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE)
		return 0;
	return rc == SQLITE_ROW ? pl_err_set(err, -PL_ENOMEM, "out of memory") : store_err(st, err);
}

/* Runs sql (bound to entry id) and hands each row to add. */
static int
entry_rows(struct pl_store *st, sqlite3_stmt *s, const char *id, json_t *dst,
    void (*add)(json_t *dst, sqlite3_stmt *s), struct pl_err *err)
{
	int rc;

	sqlite3_reset(s);
	sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		add(dst, s);
	return rc == SQLITE_DONE ? 0 : store_err(st, err);
}

static void
add_port(json_t *a, sqlite3_stmt *s)
{
	json_array_append_new(a, json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "port", jport(s, 0),
	    "protocol", jstr(s, 2), "role", jstr(s, 3), "use", jstr(s, 4), "prevalence", jstr(s, 5),
	    "evidence", jstr(s, 6)));
}

static void
add_source(json_t *a, sqlite3_stmt *s)
{
	json_array_append_new(a, json_pack("{s:o, s:o, s:o, s:o, s:o}", "title", jstr(s, 0),
	    "url", jstr(s, 1), "published", *col(s, 2) ? jstr(s, 2) : json_null(),
	    "accessed", jstr(s, 3), "tier", jstr(s, 4)));
}

static void
add_string(json_t *a, sqlite3_stmt *s)
{
	json_array_append_new(a, jstr(s, 0));
}

static void
add_hint(json_t *o, sqlite3_stmt *s)
{
	const char *kind = col(s, 0);
	json_t *a = json_object_get(o, kind);

	if (a == NULL)
		json_object_set_new(o, kind, a = json_array());
	json_array_append_new(a, jstr(s, 1));
}

static const char *const lore_sql[] = {
	("SELECT id, family, family_name, name, vendor, kind, summary, risk, risk_why, notes,"
	" year_from, year_to, confidence, confidence_why FROM lore_entry ORDER BY family, id"),
	"SELECT lo, hi, proto, role, use, prevalence, evidence FROM lore_port WHERE entry = ?1"
	" ORDER BY lo, proto",
	"SELECT title, url, published, accessed, tier FROM lore_source WHERE entry = ?1 ORDER BY n",
	"SELECT cve FROM lore_cve WHERE entry = ?1 ORDER BY cve",
	"SELECT kind, pattern FROM lore_hint WHERE entry = ?1 ORDER BY rowid",
};

static json_t *
entry_json(sqlite3_stmt *s)
{
	static const char *const keys[] = { "id", "family", "family_name", "name", "vendor",
		"kind", "summary", "risk", "risk_why", "notes" };
	json_t *o = json_object();

	for (int i = 0; i < 10; i++)
		json_object_set_new(o, keys[i], jstr(s, i));
	for (int i = 10; i <= 11; i++)
		json_object_set_new(o, i == 10 ? "year_from" : "year_to",
		    sqlite3_column_type(s, i) == SQLITE_NULL ? json_null() :
		    json_integer(sqlite3_column_int(s, i)));
	json_object_set_new(o, "confidence", json_pack("{s:o, s:o}", "level", jstr(s, 12),
	    "why", *col(s, 13) ? jstr(s, 13) : json_null()));
	json_object_set_new(o, "provenance", json_string("lore"));
	return o;
}

static int
lore_json(struct pl_store *st, json_t *doc, struct pl_err *err)
{
	sqlite3_stmt *s[5] = { NULL };
	json_t *a = json_array();
	int rc = 0;

	json_object_set_new(doc, "lore", a);
	for (int i = 0; i < 5 && rc == 0; i++)
		rc = prepare(st, lore_sql[i], &s[i], err);
	while (rc == 0 && (rc = sqlite3_step(s[0])) == SQLITE_ROW) {
		json_t *o = entry_json(s[0]), *ports = json_array(), *srcs = json_array();
		json_t *cves = json_array(), *hints = json_object();
		const char *id = col(s[0], 0);

		if (json_array_append_new(a, o) != 0) {
			rc = pl_err_set(err, -PL_ENOMEM, "out of memory");
			break;
		}
		json_object_set_new(o, "ports", ports);
		json_object_set_new(o, "sources", srcs);
		json_object_set_new(o, "cves", cves);
		json_object_set_new(o, "hints", hints);
		rc = entry_rows(st, s[1], id, ports, add_port, err);
		if (rc == 0)
			rc = entry_rows(st, s[2], id, srcs, add_source, err);
		if (rc == 0)
			rc = entry_rows(st, s[3], id, cves, add_string, err);
		if (rc == 0)
			rc = entry_rows(st, s[4], id, hints, add_hint, err);
		if (rc != 0)
			break;
	}
	if (rc == SQLITE_DONE)
		rc = 0;
	else if (rc > 0)
		rc = store_err(st, err);
	for (int i = 0; i < 5; i++)
		sqlite3_finalize(s[i]);
	return rc;
}

static int
dump_to_buf(const char *s, size_t len, void *arg)
{
	return pl_buf_add(arg, s, len) == 0 ? 0 : -1;
}

static int
export_json(struct pl_store *st, struct pl_buf *b, struct pl_err *err)
{
	json_t *doc = json_pack("{s:s, s:i}", "schema", PL_EXPORT_SCHEMA, "version", 1);
	int rc;

	if (doc == NULL)
		return pl_err_set(err, -PL_ENOMEM, "out of memory");
	json_object_set_new(doc, "snapshot", st->current[0] ? json_string(st->current) :
	    json_null());
	if ((rc = registry_json(st, doc, err)) == 0 && (rc = lore_json(st, doc, err)) == 0) {
		if (json_dump_callback(doc, dump_to_buf, b, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 ||
		    pl_buf_addc(b, '\n') != 0)
			rc = pl_err_set(err, -PL_ENOMEM, "export: out of memory or too large");
	}
	json_decref(doc);
	return rc;
}

int
pl_export(struct pl_store *st, enum pl_export_format f, struct pl_buf *out, struct pl_err *err)
{
	if (f != PL_EXPORT_JSON && st->current_id == 0)
		return pl_err_set(err, -PL_ENOTFOUND, "store %s has no registry snapshot to export "
		    "(portlore import --iana CSV)", st->path);
	switch (f) {
	case PL_EXPORT_SERVICES:
		return export_services(st, out, err);
	case PL_EXPORT_CSV:
		return export_csv(st, out, err);
	case PL_EXPORT_JSON:
		return export_json(st, out, err);
	}
	return pl_err_set(err, -PL_EUSAGE, "unknown export format %d", (int)f);
}
