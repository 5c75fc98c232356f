/*
 * pick.c: choose ports for a new service, and say why a port is or isn't a good
 * choice. Registry, lore and nmap facts come from the port's report; the host's
 * facts (ephemeral range, privileged ports, sockets bound now) are read once.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "portlore/pick.h"
#include "host/platform.h"
#include "registry/store-internal.h"

static const char *const crit_keys[PL_PICK_NCRIT] = {
	"unassigned", "no-lore", "rare", "not-dynamic", "not-ephemeral", "unprivileged",
	"browsers", "not-bound",
};

const char *
pl_pick_crit_key(enum pl_pick_crit c)
{
	return (unsigned)c < PL_PICK_NCRIT ? crit_keys[c] : "";
}

const char *
pl_verdict_name(enum pl_verdict v)
{
	return v == PL_PASS ? "pass" : v == PL_FAIL ? "fail" : "unknown";
}

/* What the host says, read once for all candidates. */
struct host {
	const char *root;
	enum pl_proto proto;
	struct pl_os_ranges os;
	uint8_t bound[65536 / 8];     /* ports with a local socket of proto */
	int nfiles;                   /* /proc/net files read (0: unknown) */
	long nmap_rows;               /* nmap rows of proto in the store */
};

static int
mark_bound(const struct pl__sock *s, void *arg)
{
	struct host *h = arg;

	h->bound[s->port / 8] |= (uint8_t)(1u << (s->port % 8));
	return 0;
}

static int
nmap_rows(struct pl_store *st, enum pl_proto proto, long *n, struct pl_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM nmap WHERE proto = ?1", -1, &s,
	    NULL) != SQLITE_OK)
		return pl_err_set(err, -PL_ESTORE, "store %s: %s", st->path, sqlite3_errmsg(st->db));
	sqlite3_bind_text(s, 1, pl_proto_name(proto), -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	*n = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : pl_err_set(err, -PL_ESTORE, "store %s: counting nmap rows "
	    "failed", st->path);
}

static int
host_read(struct pl_store *st, struct host *h, const char *root, enum pl_proto proto,
    struct pl_err *err)
{
	int rc;

	memset(h, 0, sizeof(*h));
	h->root = root && *root ? root : "";
	h->proto = proto;
	if (proto != PL_PROTO_TCP && proto != PL_PROTO_UDP)
		return pl_err_set(err, -PL_EUSAGE, "--proto: give tcp or udp");
	if ((rc = pl_os_ranges_read(&h->os, h->root, err)) != 0 ||
	    (rc = pl_plat_port_walk(h->root, proto, mark_bound, h, &h->nfiles, err)) != 0)
		return rc;
	return nmap_rows(st, proto, &h->nmap_rows, err);
}

static void
set(struct pl_pick_result *res, enum pl_pick_crit c, enum pl_verdict v, enum pl_prov p,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
set(struct pl_pick_result *res, enum pl_pick_crit c, enum pl_verdict v, enum pl_prov p,
    const char *fmt, ...)
{
	va_list ap;

	res->c[c].verdict = v;
	res->c[c].prov = p;
	va_start(ap, fmt);
	vsnprintf(res->c[c].fact, sizeof(res->c[c].fact), fmt, ap);
	va_end(ap);
	if (v == PL_FAIL)
		res->good = false;
}

static void
ports_text(char *buf, size_t len, uint16_t lo, uint16_t hi)
{
	if (lo == hi)
		snprintf(buf, len, "%u", (unsigned)lo);
	else
		snprintf(buf, len, "%u-%u", (unsigned)lo, (unsigned)hi);
}

/* ---- criteria from the host and fixed tables: cheap, judged first ---- */

static void
judge_host(const struct host *h, uint16_t port, struct pl_pick_result *res)
{
	const struct pl_iana_range *ir = pl_iana_range_of(port);
	const struct pl_os_ranges *os = &h->os;
	struct pl_browser_block bb;

	if (ir->cls == PL_CLASS_DYNAMIC)
		set(res, PL_PICK_NOT_DYNAMIC, PL_FAIL, PL_PROV_IANA, "in %s %u-%u, left for "
		    "ephemeral and private use (RFC 6335 section 6)", ir->name, ir->lo, ir->hi);
	else
		set(res, PL_PICK_NOT_DYNAMIC, PL_PASS, PL_PROV_IANA, "in %s %u-%u, not the dynamic "
		    "range 49152-65535 (RFC 6335 section 6)", ir->name, ir->lo, ir->hi);

	if (!os->have_ephemeral)
		set(res, PL_PICK_NOT_EPHEMERAL, PL_UNKNOWN, PL_PROV_OBSERVED, "this host's "
		    "ephemeral range could not be read (%s)", os->reason);
	else if (port < os->eph_lo || port > os->eph_hi)
		set(res, PL_PICK_NOT_EPHEMERAL, PL_PASS, PL_PROV_OBSERVED, "outside this host's "
		    "ephemeral range %u-%u (ip_local_port_range)", os->eph_lo, os->eph_hi);
	else if (pl_os_reserved(os, port)) {
		char list[72];

		pl_os_reserved_brief(os, list, sizeof(list));
		set(res, PL_PICK_NOT_EPHEMERAL, PL_PASS, PL_PROV_OBSERVED, "inside the ephemeral "
		    "range %u-%u but listed in ip_local_reserved_ports (%s)", os->eph_lo, os->eph_hi,
		    list);
	} else
		set(res, PL_PICK_NOT_EPHEMERAL, PL_FAIL, PL_PROV_OBSERVED, "inside this host's "
		    "ephemeral range %u-%u (ip_local_port_range): the kernel may give it to an "
		    "outgoing connection first", os->eph_lo, os->eph_hi);

	if (os->have_unpriv)
		set(res, PL_PICK_UNPRIVILEGED, port >= os->unpriv_start ? PL_PASS : PL_FAIL,
		    PL_PROV_OBSERVED, "%s ip_unprivileged_port_start %d%s",
		    port >= os->unpriv_start ? "at or above" : "below", os->unpriv_start,
		    port >= os->unpriv_start ? "" : ": binding it needs root or CAP_NET_BIND_SERVICE");
	else
		set(res, PL_PICK_UNPRIVILEGED, port >= 1024 ? PL_PASS : PL_FAIL, PL_PROV_INFERRED,
		    "%s 1024, the kernel's default ip_unprivileged_port_start (not readable here)",
		    port >= 1024 ? "at or above" : "below");

	pl_browser_block_of(port, &bb);
	if (bb.chromium || bb.firefox)
		set(res, PL_PICK_BROWSERS, PL_FAIL, PL_PROV_FETCH, "refused by %s (the Fetch "
		    "standard's bad ports, %s)", bb.chromium && bb.firefox ? "Chromium and Firefox" :
		    bb.chromium ? "Chromium" : "Firefox", bb.spec_src);
	else
		set(res, PL_PICK_BROWSERS, PL_PASS, PL_PROV_FETCH, "Chromium and Firefox connect "
		    "to it (not a Fetch standard bad port)");
}

struct find_sock {
	uint16_t port;
	struct pl__sock found;
	char file[4096];       /* the walk reuses its path buffer: keep a copy */
	bool have;
};

static int
find_sock(const struct pl__sock *s, void *arg)
{
	struct find_sock *f = arg;

	if (!f->have && s->port == f->port) {
		f->found = *s;
		snprintf(f->file, sizeof(f->file), "%s", s->file);
		f->have = true;
	}
	return 0;
}

static int
judge_bound(const struct host *h, uint16_t port, struct pl_pick_result *res,
    struct pl_err *err)
{
	const char *pn = pl_proto_name(h->proto);
	struct find_sock f = { .port = port };
	int rc;

	if (h->nfiles == 0) {
		set(res, PL_PICK_NOT_BOUND, PL_UNKNOWN, PL_PROV_OBSERVED, "%s/proc/net/%s and "
		    "%s6 are missing: sockets unknown", h->root, pn, pn);
		return 0;
	}
	if (!(h->bound[port / 8] & (1u << (port % 8)))) {
		set(res, PL_PICK_NOT_BOUND, PL_PASS, PL_PROV_OBSERVED, "no %s socket on it now "
		    "(%s/proc/net/%s, %s6)", pn, h->root, pn, pn);
		return 0;
	}
	/* Only the few bound candidates pay for a second walk to say which socket. */
	if ((rc = pl_plat_port_walk(h->root, h->proto, find_sock, &f, NULL, err)) != 0)
		return rc;
	set(res, PL_PICK_NOT_BOUND, PL_FAIL, PL_PROV_OBSERVED, "a %s socket holds it now: %s "
	    "port %u, %s (%s)", pn, f.have ? f.found.addr : "?", port,
	    f.have ? f.found.state : "?", f.have ? f.file : "/proc/net");
	return 0;
}

/* ---- criteria from the port's report ---- */

/* The registry row that decides the status: an exact row before a range around it. */
static const struct pl_record *
deciding_row(const struct pl_report *r)
{
	if (r->nrecords > 0)
		return &r->records[0];
	return r->nranges > 0 ? &r->ranges[0] : NULL;
}

static void
judge_registry(const struct pl_report *r, struct pl_pick_result *res)
{
	const struct pl_record *row = deciding_row(r);
	char ports[16] = "";

	for (size_t i = 0; i < r->nrecords && r->status == PL_REG_ASSIGNED; i++)
		if (*r->records[i].service != '\0')
			row = &r->records[i];
	if (row)
		ports_text(ports, sizeof(ports), row->lo, row->hi);
	if (r->snapshot == NULL)
		set(res, PL_PICK_UNASSIGNED, PL_UNKNOWN, PL_PROV_IANA, "the store has no registry "
		    "snapshot");
	else if (r->status == PL_REG_UNASSIGNED)
		set(res, PL_PICK_UNASSIGNED, PL_PASS, PL_PROV_IANA, "unassigned: the registry row "
		    "%s/%s says \"%.60s\" (line %ld)", ports, pl_proto_name(r->proto),
		    row ? row->description : "", row ? row->line : 0L);
	else if (r->status == PL_REG_ASSIGNED)
		set(res, PL_PICK_UNASSIGNED, PL_FAIL, PL_PROV_IANA, "assigned: %s/%s is \"%.40s\" "
		    "(%.80s)", ports, pl_proto_name(r->proto), row ? row->service : "",
		    row ? row->description : "");
	else if (r->status == PL_REG_RESERVED)
		set(res, PL_PICK_UNASSIGNED, PL_FAIL, PL_PROV_IANA, "reserved: the registry row "
		    "%s says \"%.60s\"", ports, row ? row->description : "");
	else
		set(res, PL_PICK_UNASSIGNED, PL_FAIL, PL_PROV_IANA, "the registry has no row for "
		    "%u/%s, so it is not known to be unassigned", r->port, pl_proto_name(r->proto));
}

static void
judge_lore(const struct pl_report *r, struct pl_pick_result *res)
{
	const struct pl_lore_use *first = NULL, *wide = NULL;
	size_t named = 0;
	char ports[16];

	/* A use through a wide range ("any port above 1024") does not claim this port. */
	for (size_t i = 0; i < r->nuses; i++) {
		if (!r->uses[i].broad && named++ == 0)
			first = &r->uses[i];
		if (r->uses[i].broad && wide == NULL)
			wide = &r->uses[i];
	}
	if (first != NULL && named > 1)
		set(res, PL_PICK_NO_LORE, PL_FAIL, PL_PROV_LORE, "lore: %.80s (%.40s) and %zu more",
		    first->name, first->id, named - 1);
	else if (first != NULL)
		set(res, PL_PICK_NO_LORE, PL_FAIL, PL_PROV_LORE, "lore: %.80s (%.40s)", first->name,
		    first->id);
	else if (wide != NULL) {
		ports_text(ports, sizeof(ports), wide->lo, wide->hi);
		set(res, PL_PICK_NO_LORE, PL_PASS, PL_PROV_LORE, "no lore names it; only the wide "
		    "range %s of %.80s includes it", ports, wide->name);
	} else {
		set(res, PL_PICK_NO_LORE, PL_PASS, PL_PROV_LORE, "no lore entry uses it");
	}
}

static void
judge_nmap(const struct host *h, const struct pl_report *r, struct pl_pick_result *res)
{
	const struct pl_nmap_freq *nf = &r->nmap;

	if (h->nmap_rows == 0)
		set(res, PL_PICK_RARE, PL_UNKNOWN, PL_PROV_NMAP, "the store has no nmap open "
		    "frequencies for %s (import --nmap)", pl_proto_name(r->proto));
	else if (!nf->have)
		set(res, PL_PICK_RARE, PL_PASS, PL_PROV_NMAP, "nmap-services does not list it");
	else if (nf->rank == 0)
		set(res, PL_PICK_RARE, PL_PASS, PL_PROV_NMAP, "nmap-services names it \"%.40s\" "
		    "but never saw it open", nf->name);
	else
		set(res, PL_PICK_RARE, nf->rank > PL_PICK_NMAP_TOP ? PL_PASS : PL_FAIL, PL_PROV_NMAP,
		    "rank %ld of %ld %s ports nmap saw open (frequency %g, \"%.40s\"): %s nmap's "
		    "%d most frequent", nf->rank, nf->ranked, pl_proto_name(r->proto), nf->freq,
		    nf->name, nf->rank > PL_PICK_NMAP_TOP ? "outside" : "among", PL_PICK_NMAP_TOP);
}

static int
judge_store(struct pl_store *st, const struct host *h, uint16_t port,
    struct pl_pick_result *res, struct pl_err *err)
{
	struct pl_report_opts ro = { .no_host = true };
	struct pl_report r;
	int rc;

	if ((rc = pl_report_build(st, port, h->proto, &ro, &r, err)) != 0)
		return rc;
	if (r.snapshot)
		snprintf(res->snapshot, sizeof(res->snapshot), "%s", r.snapshot);
	judge_registry(&r, res);
	judge_lore(&r, res);
	judge_nmap(h, &r, res);
	pl_report_free(&r);
	return 0;
}

/* Judges port; with cheap_first, stops before the store once a host fact fails. */
static int
judge(struct pl_store *st, const struct host *h, uint16_t port, bool cheap_first,
    struct pl_pick_result *res, struct pl_err *err)
{
	int rc;

	memset(res, 0, sizeof(*res));
	res->port = port;
	res->proto = h->proto;
	res->good = true;
	judge_host(h, port, res);
	if (cheap_first && !res->good)
		return 0;
	if ((rc = judge_bound(h, port, res, err)) != 0)
		return rc;
	if (cheap_first && !res->good)
		return 0;
	return judge_store(st, h, port, res, err);
}

int
pl_pick_check(struct pl_store *st, uint16_t port, enum pl_proto proto, const char *proc_root,
    struct pl_pick_result *out, struct pl_err *err)
{
	struct host *h = malloc(sizeof(*h));
	int rc;

	if (h == NULL)
		return pl_err_set(err, -PL_ENOMEM, "out of memory");
	if ((rc = host_read(st, h, proc_root, proto, err)) == 0)
		rc = judge(st, h, port, false, out, err);
	free(h);
	return rc;
}

/* ---- the order candidates are tried in ---- */

/* splitmix64 (Steele, Lea, Flood 2014): a tiny, well-mixed generator; the same seed
 * gives the same order on every machine. */
static uint64_t
splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* Fills order[0..n) with lo..hi: nearest to near first (ties: the lower port), or a
 * Fisher-Yates shuffle from seed. */
static void
candidates(const struct pl_pick_opts *o, uint16_t *order, size_t n)
{
	size_t k = 0;

	if (o->have_near) {
		for (long d = 0; k < n && d <= 65535; d++) {
			long below = (long)o->near - d, above = (long)o->near + d;

			if (below >= o->lo && below <= o->hi)
				order[k++] = (uint16_t)below;
			if (d > 0 && above >= o->lo && above <= o->hi && k < n)
				order[k++] = (uint16_t)above;
		}
		return;
	}
	uint64_t s = o->seed;

	for (size_t i = 0; i < n; i++)
		order[i] = (uint16_t)(o->lo + i);
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = (size_t)(splitmix64(&s) % (i + 1));
		uint16_t t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
}

int
pl_pick(struct pl_store *st, const struct pl_pick_opts *o, struct pl_pick_result **out,
    struct pl_err *err)
{
	size_t n = (size_t)o->hi - o->lo + 1;
	struct pl_pick_result *res = NULL;
	uint16_t *order = NULL;
	struct host *h = NULL;
	int found = 0, rc = 0;

	*out = NULL;
	if (o->lo > o->hi || o->count < 1 || o->count > 1000)
		return pl_err_set(err, -PL_EUSAGE, "pick: a range low-high and a count of 1-1000");
	if ((h = malloc(sizeof(*h))) == NULL || (order = malloc(n * sizeof(*order))) == NULL ||
	    (res = calloc((size_t)o->count, sizeof(*res))) == NULL) {
		rc = pl_err_set(err, -PL_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = host_read(st, h, o->proc_root, o->proto, err)) != 0)
		goto out;
	candidates(o, order, n);
	for (size_t i = 0; i < n && found < o->count; i++) {
		if ((rc = judge(st, h, order[i], true, &res[found], err)) != 0)
			goto out;
		found += res[found].good;
	}
out:
	free(h);
	free(order);
	if (rc != 0) {
		free(res);
		return rc;
	}
	*out = res;
	return found;
}
