/* report.c: build the one model of a port and protocol from the store and the host. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "portlore/report.h"
#include "registry/index-internal.h"
#include "registry/rows-internal.h"
#include "registry/store-internal.h"

static const char *const prov_names[] = { "iana", "lore", "observed", "probed", "inferred",
	"nmap", "fetch-standard" };
static const char *const status_names[] = { "assigned", "unassigned", "reserved", "none" };

const char *
pl_prov_name(enum pl_prov p)
{
	return (unsigned)p < sizeof(prov_names) / sizeof(prov_names[0]) ? prov_names[p] : "";
}

const char *
pl_reg_status_name(enum pl_reg_status s)
{
	return (unsigned)s < 4 ? status_names[s] : "";
}

const char *
pl_use_risk(const struct pl_lore_use *u)
{
	return u->risk_here ? u->risk : "none";
}

static const char *const sql[PL_STMT_LAST] = {
	[PL_STMT_RECORDS] = "SELECT " PL__ROW_COLS " FROM record WHERE snapshot = ?1"
	    " AND lo = ?2 AND hi = ?2 AND (proto = ?3 OR proto = '') ORDER BY line",
	[PL_STMT_RANGES] = "SELECT " PL__ROW_COLS " FROM record WHERE snapshot = ?1"
	    " AND lo <> hi AND lo <= ?2 AND hi >= ?2 AND (proto = ?3 OR proto = '') ORDER BY line",
	[PL_STMT_LORE_USES] = "SELECT e.id, e.family, e.family_name, e.name, e.vendor, e.kind,"
	    " e.summary, e.risk, e.risk_why, e.notes, e.year_from, e.year_to, p.role, p.lo, p.hi,"
	    " p.use, p.prevalence, p.evidence, (SELECT count(*) FROM lore_source WHERE entry = e.id),"
	    " e.confidence, e.confidence_why,"
	    /* The risk is this port's unless the entry names other ports for it. */
	    " NOT EXISTS (SELECT 1 FROM lore_risk_port k WHERE k.entry = e.id)"
	    " OR EXISTS (SELECT 1 FROM lore_risk_port k WHERE k.entry = e.id AND k.port = ?1)"
	    " FROM lore_port p JOIN lore_entry e ON e.id = p.entry"
	    " WHERE ((p.lo = ?1 AND p.hi = ?1) OR (p.lo <> p.hi AND p.lo <= ?1 AND p.hi >= ?1))"
	    " AND p.proto = ?2"
	    /* The order that counts is rank_uses()'s; this one only makes it repeatable. */
	    " ORDER BY e.id, p.lo",
	[PL_STMT_LORE_SOURCES] = "SELECT title, url, published, accessed, publisher, tier"
	    " FROM lore_source WHERE entry = ?1 ORDER BY n",
	[PL_STMT_LORE_CVES] = "SELECT cve FROM lore_cve WHERE entry = ?1 ORDER BY cve",
	[PL_STMT_LORE_HINTS] = "SELECT kind, pattern FROM lore_hint WHERE entry = ?1 ORDER BY rowid",
	[PL_STMT_SIBLINGS] = "SELECT p.lo, p.hi, p.proto, p.role, e.id, e.name"
	    " FROM lore_port p JOIN lore_entry e ON e.id = p.entry WHERE e.family = ?1"
	    " AND NOT (p.lo <= ?2 AND p.hi >= ?2 AND p.proto = ?3) ORDER BY p.lo, p.proto, e.id",
	[PL_STMT_NMAP] = "SELECT name, freq, rank, (SELECT max(rank) FROM nmap WHERE proto = ?2)"
	    " FROM nmap WHERE port = ?1 AND proto = ?2",
	[PL_STMT_PROTOS] = "SELECT proto FROM record WHERE snapshot = ?1 AND lo = ?2 AND hi = ?2"
	    " UNION SELECT proto FROM record WHERE snapshot = ?1 AND lo <> hi AND lo <= ?2"
	    " AND hi >= ?2 UNION SELECT proto FROM lore_port WHERE lo = ?2 AND hi = ?2"
	    " UNION SELECT proto FROM lore_port WHERE lo <> hi AND lo <= ?2 AND hi >= ?2",
};

static int
store_err(struct pl_store *st, struct pl_err *err)
{
	return pl_err_set(err, -PL_ESTORE, "store %s: %s", st->path, sqlite3_errmsg(st->db));
}

/* free(), or nothing for strings the report lends from the lookup index. */
static void
no_free(void *p)
{
	(void)p;
}

static void
record_free(struct pl_record *r, void (*sfree)(void *))
{
	char *strs[] = { r->service, r->description, r->assignee, r->contact, r->registered,
	    r->modified, r->reference, r->service_code, r->unauthorized, r->notes };

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		sfree(strs[i]);
}


static int
load_records(struct pl_store *st, int slot, struct pl_report *r, struct pl_record **out,
    size_t *n, struct pl_err *err)
{
	sqlite3_stmt *s = pl__stmt(st, slot, sql[slot], err);
	int rc;

	if (s == NULL)
		return -PL_ESTORE;
	sqlite3_bind_int64(s, 1, st->current_id);
	sqlite3_bind_int(s, 2, r->port);
	sqlite3_bind_text(s, 3, pl_proto_name(r->proto), -1, SQLITE_STATIC);
	rc = pl__rows_load(st, s, out, n, err);
	sqlite3_reset(s);
	return rc;
}

/* The registry's word, exactly as it writes it: a service name means assigned; a row
 * without one says "Reserved" or "Unassigned" in its description. */
static enum pl_reg_status
status_of(const struct pl_report *r)
{
	const struct pl_record *sets[2] = { r->records, r->ranges };
	const size_t ns[2] = { r->nrecords, r->nranges };
	enum pl_reg_status st = PL_REG_NONE;

	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; i < ns[k]; i++) {
			const struct pl_record *rec = &sets[k][i];

			if (*rec->service != '\0')
				return PL_REG_ASSIGNED;
			if (strncasecmp(rec->description, "Reserved", 8) == 0)
				st = PL_REG_RESERVED;
			else if (strncasecmp(rec->description, "Unassigned", 10) == 0 && st == PL_REG_NONE)
				st = PL_REG_UNASSIGNED;
		}
		/* Exact rows speak before the ranges around them. */
		if (st != PL_REG_NONE)
			return st;
	}
	return st;
}

static int
load_strings(struct pl_store *st, int slot, const char *id, char ***out, size_t *n,
    struct pl_err *err)
{
	sqlite3_stmt *s = pl__stmt(st, slot, sql[slot], err);
	int rc;

	if (s == NULL)
		return -PL_ESTORE;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		char **p = pl__grow1(out, n, sizeof(char *));

		if (p == NULL || (*p = pl__col(s, 0)) == NULL)
			return pl_err_set(err, -PL_ENOMEM, "out of memory");
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : store_err(st, err);
}

static int
load_use_details(struct pl_store *st, struct pl_report *r, struct pl_lore_use *u,
    struct pl_err *err)
{
	sqlite3_stmt *s;
	int rc;

	if ((s = pl__stmt(st, PL_STMT_LORE_SOURCES, sql[PL_STMT_LORE_SOURCES], err)) == NULL)
		return -PL_ESTORE;
	sqlite3_bind_text(s, 1, u->id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct pl_source *src = pl__grow1(&u->sources, &u->nsources, sizeof(*src));

		if (src == NULL || (src->title = pl__col(s, 0)) == NULL ||
		    (src->url = pl__col(s, 1)) == NULL || (src->published = pl__col(s, 2)) == NULL ||
		    (src->accessed = pl__col(s, 3)) == NULL || (src->publisher = pl__col(s, 4)) == NULL ||
		    (src->tier = pl__col(s, 5)) == NULL)
			return pl_err_set(err, -PL_ENOMEM, "out of memory");
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_err(st, err);
	if ((rc = load_strings(st, PL_STMT_LORE_CVES, u->id, &u->cves, &u->ncves, err)) != 0)
		return rc;

	if ((s = pl__stmt(st, PL_STMT_LORE_HINTS, sql[PL_STMT_LORE_HINTS], err)) == NULL)
		return -PL_ESTORE;
	sqlite3_bind_text(s, 1, u->id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(s, 0);
		char ***arr = strcmp(kind, "process") == 0 ? &u->process :
		    strcmp(kind, "cmdline") == 0 ? &u->cmdline : &u->banner;
		size_t *n = strcmp(kind, "process") == 0 ? &u->nprocess :
		    strcmp(kind, "cmdline") == 0 ? &u->ncmdline : &u->nbanner;
		char **p = pl__grow1(arr, n, sizeof(char *));

		if (p == NULL || (*p = pl__col(s, 1)) == NULL)
			return pl_err_set(err, -PL_ENOMEM, "out of memory");
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_err(st, err);

	/* A use matched through a wide range ("any dynamic RPC port") says little about
	 * this port; its family's other ports would only add noise. */
	if (u->broad)
		return 0;
	if ((s = pl__stmt(st, PL_STMT_SIBLINGS, sql[PL_STMT_SIBLINGS], err)) == NULL)
		return -PL_ESTORE;
	sqlite3_bind_text(s, 1, u->family, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, r->port);
	sqlite3_bind_text(s, 3, pl_proto_name(r->proto), -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct pl_lore_port *lp = pl__grow1(&u->siblings, &u->nsiblings, sizeof(*lp));
		const char *proto = (const char *)sqlite3_column_text(s, 2);

		if (lp == NULL)
			return pl_err_set(err, -PL_ENOMEM, "out of memory");
		lp->lo = (uint16_t)sqlite3_column_int(s, 0);
		lp->hi = (uint16_t)sqlite3_column_int(s, 1);
		lp->proto = pl_proto_parse(proto, strlen(proto));
		if ((lp->role = pl__col(s, 3)) == NULL || (lp->entry_id = pl__col(s, 4)) == NULL ||
		    (lp->entry_name = pl__col(s, 5)) == NULL)
			return pl_err_set(err, -PL_ENOMEM, "out of memory");
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : store_err(st, err);
}

static int
load_lore(struct pl_store *st, struct pl_report *r, struct pl_err *err)
{
	sqlite3_stmt *s = pl__stmt(st, PL_STMT_LORE_USES, sql[PL_STMT_LORE_USES], err);
	int rc;

	if (s == NULL)
		return -PL_ESTORE;
	sqlite3_bind_int(s, 1, r->port);
	sqlite3_bind_text(s, 2, pl_proto_name(r->proto), -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct pl_lore_use *u = pl__grow1(&r->uses, &r->nuses, sizeof(*u));
		char **cols[] = { &u->id, &u->family, &u->family_name, &u->name, &u->vendor,
		    &u->kind, &u->summary, &u->risk, &u->risk_why, &u->notes };
		int use, prev;

		if (u == NULL)
			return pl_err_set(err, -PL_ENOMEM, "out of memory");
		for (int i = 0; i < 10; i++)
			if ((*cols[i] = pl__col(s, i)) == NULL)
				return pl_err_set(err, -PL_ENOMEM, "out of memory");
		u->year_from = sqlite3_column_int(s, 10);
		u->year_to = sqlite3_column_int(s, 11);
		if ((u->role = pl__col(s, 12)) == NULL)
			return pl_err_set(err, -PL_ENOMEM, "out of memory");
		u->lo = (uint16_t)sqlite3_column_int(s, 13);
		u->hi = (uint16_t)sqlite3_column_int(s, 14);
		u->broad = u->hi - u->lo > 64;
		if ((u->evidence = pl__col(s, 17)) == NULL)
			return pl_err_set(err, -PL_ENOMEM, "out of memory");
		use = pl_use_parse((const char *)sqlite3_column_text(s, 15));
		prev = pl_prevalence_parse((const char *)sqlite3_column_text(s, 16));
		u->use = use < 0 ? PL_USE_UNKNOWN : (enum pl_use)use;
		u->prevalence = prev < 0 ? PL_PREV_UNKNOWN : (enum pl_prevalence)prev;
		u->rank_in.nsources = sqlite3_column_int(s, 18);
		if ((u->confidence = pl__col(s, 19)) == NULL ||
		    (u->confidence_why = pl__col(s, 20)) == NULL)
			return pl_err_set(err, -PL_ENOMEM, "out of memory");
		u->risk_here = sqlite3_column_int(s, 21) != 0;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_err(st, err);
	/* Details after the loop: their statements must not interleave with this one. */
	for (size_t i = 0; i < r->nuses; i++)
		if ((rc = load_use_details(st, r, &r->uses[i], err)) != 0)
			return rc;
	return 0;
}

/* Whether the registry (or nmap's table) names the service of use u on this port. */
static bool
registry_agrees(const struct pl_report *r, const struct pl_lore_use *u)
{
	for (size_t i = 0; i < r->nrecords; i++)
		if (pl_rank_names_agree(r->records[i].service, u->id, u->family, u->name))
			return true;
	return r->nmap.have && pl_rank_names_agree(r->nmap.name, u->id, u->family, u->name);
}

static int
use_cmp(const void *a, const void *b)
{
	const struct pl_lore_use *x = a, *y = b;
	int c = pl_rank_cmp(&x->rank_in, &y->rank_in);

	return c != 0 ? c : (x->lo > y->lo) - (x->lo < y->lo);
}

/* Orders the uses by relevance (include/portlore/rank.h) and numbers them. */
static void
rank_uses(struct pl_report *r)
{
	for (size_t i = 0; i < r->nuses; i++) {
		struct pl_lore_use *u = &r->uses[i];

		u->rank_in.id = u->id;
		u->rank_in.use = u->use;
		u->rank_in.prevalence = u->prevalence;
		u->rank_in.registry_agrees = registry_agrees(r, u);
		u->rank_in.exact = u->lo == u->hi;
		u->rank_in.broad = u->broad;
	}
	if (r->nuses > 1)
		qsort(r->uses, r->nuses, sizeof(r->uses[0]), use_cmp);
	/* rank_in.id points into the use, which qsort moved. */
	for (size_t i = 0; i < r->nuses; i++) {
		r->uses[i].rank_in.id = r->uses[i].id;
		r->uses[i].rank = (int)i + 1;
	}
}

static int
load_nmap(struct pl_store *st, struct pl_report *r, struct pl_err *err)
{
	sqlite3_stmt *s = pl__stmt(st, PL_STMT_NMAP, sql[PL_STMT_NMAP], err);
	int rc;

	if (s == NULL)
		return -PL_ESTORE;
	sqlite3_bind_int(s, 1, r->port);
	sqlite3_bind_text(s, 2, pl_proto_name(r->proto), -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		r->nmap.have = true;
		if ((r->nmap.name = pl__col(s, 0)) == NULL) {
			sqlite3_reset(s);
			return pl_err_set(err, -PL_ENOMEM, "out of memory");
		}
		r->nmap.freq = sqlite3_column_double(s, 1);
		r->nmap.rank = sqlite3_column_int64(s, 2);
		r->nmap.ranked = sqlite3_column_int64(s, 3);
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_err(st, err);
}

/* The port's listeners here. A machine that hides them (no netlink, no /proc) leaves
 * the reason in the report rather than failing the lookup. */
static void
load_sockets(struct pl_store *st, struct pl_index *ix, struct pl_report *r,
    const struct pl_report_opts *opts)
{
	struct pl_sock_query q = { .lo = r->port, .hi = r->port, .root = opts->proc_root,
		.owners = true, .stop_early = true, .other_netns = true,
		.netns_memo = opts->netns_memo };
	const char *dpkg_info = opts->dpkg_info;
	struct pl_err e = { 0 };

	if (r->proto != PL_PROTO_TCP && r->proto != PL_PROTO_UDP)
		return;
	/* Nothing listens on port 0 (a bind to it picks a free port); and lo = hi = 0
	 * would mean "every port" to the collector. */
	if (r->port == 0) {
		r->sockets_read = true;
		return;
	}
	q.tcp = r->proto == PL_PROTO_TCP;
	q.udp = r->proto == PL_PROTO_UDP;
	if (pl_sockets_collect(&q, &r->sockets, &e) != 0)
		goto out;
	/* What listens is named from the index's candidates, or else the store's; a
	 * damaged candidate block leaves it to the store, on a fresh list (the failed pass
	 * may have named some sockets already). */
	if (ix != NULL && pl_sockets_identify_index(ix, &r->sockets, dpkg_info, &e) == -PL_EDATA) {
		memset(&e, 0, sizeof(e));
		pl_socklist_free(&r->sockets);
		if (pl_sockets_collect(&q, &r->sockets, &e) == 0 && (st = pl__index_store(ix, &e)) != NULL)
			pl_sockets_identify(st, &r->sockets, dpkg_info, &e);
	} else if (ix == NULL) {
		pl_sockets_identify(st, &r->sockets, dpkg_info, &e);
	}
out:
	if (e.code != 0)
		snprintf(r->sockets_error, sizeof(r->sockets_error), "%s", e.msg);
	r->sockets_read = true;
}

/* The store's facts of r->port and r->proto, from SQLite. */
static int
load_facts(struct pl_store *st, struct pl_report *r, struct pl_err *err)
{
	int rc;

	if (st->current[0] != '\0' && (r->snapshot = strdup(st->current)) == NULL)
		return pl_err_set(err, -PL_ENOMEM, "out of memory");
	if ((rc = load_records(st, PL_STMT_RECORDS, r, &r->records, &r->nrecords, err)) != 0 ||
	    (rc = load_records(st, PL_STMT_RANGES, r, &r->ranges, &r->nranges, err)) != 0 ||
	    (rc = load_lore(st, r, err)) != 0)
		return rc;
	return load_nmap(st, r, err);
}

/* The report from the store (st) or from the index (ix, st NULL). */
static int
build(struct pl_store *st, struct pl_index *ix, uint16_t port, enum pl_proto proto,
    const struct pl_report_opts *opts, struct pl_report *r, struct pl_err *err)
{
	int rc;

	memset(r, 0, sizeof(*r));
	r->port = port;
	r->proto = proto;
	r->iana_range = pl_iana_range_of(port);
	pl_browser_block_of(port, &r->browsers);
	if (opts != NULL && !opts->no_host && opts->os != NULL) {
		r->os = opts->os;
		r->os_read = true;
	} else if (opts == NULL || !opts->no_host) {
		if ((r->os_own = malloc(sizeof(*r->os_own))) == NULL)
			return pl_err_set(err, -PL_ENOMEM, "out of memory");
		if ((rc = pl_os_ranges_read(r->os_own, opts ? opts->proc_root : NULL, err)) != 0) {
			free(r->os_own);
			r->os_own = NULL;
			return rc;
		}
		r->os = r->os_own;
		r->os_read = true;
	}
	if ((rc = ix ? pl__index_facts(ix, r, err) : load_facts(st, r, err)) != 0) {
		pl_report_free(r);
		return rc;
	}
	r->status = status_of(r);
	rank_uses(r);
	if (opts != NULL && opts->sockets && !opts->no_host)
		load_sockets(st, ix, r, opts);
	if (opts != NULL && opts->history) {
		rc = ix ? pl__index_history(ix, port, proto, &r->history, err) :
		    pl_history_build(st, port, proto, &r->history, err);
		if (rc != 0) {
			pl_report_free(r);
			return rc;
		}
		r->history_read = true;
	}
	return 0;
}

int
pl_report_build(struct pl_store *st, uint16_t port, enum pl_proto proto,
    const struct pl_report_opts *opts, struct pl_report *r, struct pl_err *err)
{
	return build(st, NULL, port, proto, opts, r, err);
}

int
pl_report_build_index(struct pl_index *ix, uint16_t port, enum pl_proto proto,
    const struct pl_report_opts *opts, struct pl_report *r, struct pl_err *err)
{
	return build(NULL, ix, port, proto, opts, r, err);
}

static void
strv_free(char **v, size_t n, void (*sfree)(void *))
{
	for (size_t i = 0; i < n; i++)
		sfree(v[i]);
	free(v);
}

void
pl_report_free(struct pl_report *r)
{
	void (*sfree)(void *) = r->strings_lent ? no_free : free;

	if (r->history_read)
		pl_history_free(&r->history);
	r->history_read = false;
	for (size_t i = 0; i < r->nrecords; i++)
		record_free(&r->records[i], sfree);
	for (size_t i = 0; i < r->nranges; i++)
		record_free(&r->ranges[i], sfree);
	free(r->records);
	free(r->ranges);
	for (size_t i = 0; i < r->nuses; i++) {
		struct pl_lore_use *u = &r->uses[i];
		char *strs[] = { u->id, u->family, u->family_name, u->name, u->vendor, u->kind,
		    u->summary, u->risk, u->risk_why, u->notes, u->role, u->evidence, u->confidence,
		    u->confidence_why };

		for (size_t k = 0; k < sizeof(strs) / sizeof(strs[0]); k++)
			sfree(strs[k]);
		strv_free(u->cves, u->ncves, sfree);
		strv_free(u->process, u->nprocess, sfree);
		strv_free(u->cmdline, u->ncmdline, sfree);
		strv_free(u->banner, u->nbanner, sfree);
		for (size_t k = 0; k < u->nsources; k++) {
			sfree(u->sources[k].title);
			sfree(u->sources[k].url);
			sfree(u->sources[k].published);
			sfree(u->sources[k].accessed);
			sfree(u->sources[k].publisher);
			sfree(u->sources[k].tier);
		}
		free(u->sources);
		for (size_t k = 0; k < u->nsiblings; k++) {
			sfree(u->siblings[k].role);
			sfree(u->siblings[k].entry_id);
			sfree(u->siblings[k].entry_name);
		}
		free(u->siblings);
	}
	free(r->uses);
	sfree(r->nmap.name);
	sfree(r->snapshot);
	pl_socklist_free(&r->sockets);
	free(r->os_own);
	memset(r, 0, sizeof(*r));
}

/* Adds a target unless the last few already hold it (specs rarely repeat far apart). */
static int
add_target(struct pl_target **t, long *n, size_t *cap, uint16_t port, enum pl_proto proto)
{
	for (long i = *n - 1; i >= 0 && i >= *n - 8; i--)
		if ((*t)[i].port == port && (*t)[i].proto == proto)
			return 0;
	if (*n >= PL_TARGETS_MAX)
		return -PL_ETOOBIG;
	if ((size_t)*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct pl_target *p = realloc(*t, nc * sizeof(*p));

		if (p == NULL)
			return -PL_ENOMEM;
		*t = p;
		*cap = nc;
	}
	(*t)[(*n)++] = (struct pl_target){ port, proto };
	return 0;
}

/* Protocols to report for a port given without one: tcp and udp, plus sctp and dccp
 * where the registry or lore lists them. */
static int
protos_of(struct pl_store *st, struct pl_index *ix, uint16_t port, bool extra[PL_PROTO_COUNT],
    struct pl_err *err)
{
	sqlite3_stmt *s;
	int rc;

	if (ix != NULL)
		return pl__index_protos(ix, port, extra, err);
	if ((s = pl__stmt(st, PL_STMT_PROTOS, sql[PL_STMT_PROTOS], err)) == NULL)
		return -PL_ESTORE;
	memset(extra, 0, PL_PROTO_COUNT * sizeof(bool));
	sqlite3_bind_int64(s, 1, st->current_id);
	sqlite3_bind_int(s, 2, port);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(s, 0);

		if (p != NULL)
			extra[pl_proto_parse(p, strlen(p))] = true;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : store_err(st, err);
}

static long
expand(struct pl_store *st, struct pl_index *ix, const struct pl_portspec *spec,
    struct pl_target **out, struct pl_err *err)
{
	struct pl_target *t = NULL;
	size_t cap = 0;
	long n = 0;
	int rc = 0;

	*out = NULL;
	for (size_t i = 0; i < spec->n && rc == 0; i++) {
		const struct pl_portspec_item *it = &spec->items[i];
		struct pl_port_ref *refs = NULL, one = { it->lo, it->hi, it->proto };
		int nrefs = 1;

		if (it->name[0] != '\0') {
			/* Names are the store's to resolve: the index opens it for them. */
			if (st == NULL && (st = pl__index_store(ix, err)) == NULL) {
				rc = err->code ? err->code : -PL_ESTORE;
				break;
			}
			if ((nrefs = pl_store_resolve_name(st, it->name, it->proto, &refs, err)) < 0) {
				rc = nrefs;
				break;
			}
		} else {
			refs = &one;
		}
		for (int k = 0; k < nrefs && rc == 0; k++) {
			for (long port = refs[k].lo; port <= refs[k].hi && rc == 0; port++) {
				bool extra[PL_PROTO_COUNT];

				if (refs[k].proto != PL_PROTO_ANY) {
					rc = add_target(&t, &n, &cap, (uint16_t)port, refs[k].proto);
					continue;
				}
				if ((rc = protos_of(ix ? NULL : st, ix, (uint16_t)port, extra, err)) != 0)
					break;
				extra[PL_PROTO_TCP] = extra[PL_PROTO_UDP] = true;
				for (int p = PL_PROTO_TCP; p < PL_PROTO_COUNT && rc == 0; p++)
					if (extra[p])
						rc = add_target(&t, &n, &cap, (uint16_t)port, (enum pl_proto)p);
			}
		}
		if (refs != &one)
			free(refs);
		if (rc == -PL_ENOMEM)
			pl_err_set(err, rc, "out of memory");
		if (rc == -PL_ETOOBIG)
			pl_err_set(err, rc, "the port specs ask for more than %d reports (every port "
			    "of all four protocols once); ask for fewer", PL_TARGETS_MAX);
	}
	if (rc != 0) {
		free(t);
		return rc;
	}
	*out = t;
	return n;
}

long
pl_targets_expand(struct pl_store *st, const struct pl_portspec *spec, struct pl_target **out,
    struct pl_err *err)
{
	return expand(st, NULL, spec, out, err);
}

long
pl_targets_expand_index(struct pl_index *ix, const struct pl_portspec *spec,
    struct pl_target **out, struct pl_err *err)
{
	return expand(NULL, ix, spec, out, err);
}
