/*
 * The lookup index against the store it was made from: for every port and protocol
 * that has a fact of its own (a registry row for exactly it, a lore port; of the ports
 * nmap has a frequency for, every 16th), every port where a registry or lore range
 * starts or ends and the ports beside, the middle of every lore range, the edges of
 * the port space and every 97th port besides, the report built from the index must
 * render to the same JSON, history included, as the report built from SQLite. Run on
 * the build's store ($PORTLORE_STORE, one snapshot, nmap) and on a small store of two
 * snapshots whose rows change, so that the history is a real one. Then: a stale index
 * is not opened, a cut-short or damaged one is refused or reads as an error, never a
 * crash. Identification (`who`, `ls`) reads its candidates and the registry names of
 * listeners from the index too: both must be the store's, entry by entry and port by
 * port. And the file is laid out as lookups read it: each port entry's records near
 * it.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "portlore/identify.h"
#include "portlore/index.h"
#include "portlore/json.h"
#include "portlore/render.h"
#include "portlore/report.h"
#include "portlore/sockets.h"
#include "fixture.h"
#include "registry/index-internal.h"

#define NPORTS 65536

/* The ports worth comparing: those the store names by themselves, range edges, a
 * sample. A bitmap of 65536. */
static void
pick_ports(const char *db, unsigned char *want)
{
	static const char *const sql[] = {
		"SELECT lo, hi FROM record WHERE lo IS NOT NULL AND hi IS NOT NULL",
		"SELECT lo, hi FROM lore_port",
		/* nmap names most ports; every 16th of them is sample enough. */
		"SELECT port, port FROM nmap WHERE port % 16 = 3",
	};
	sqlite3 *h = NULL;

	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	for (size_t q = 0; q < sizeof(sql) / sizeof(sql[0]); q++) {
		sqlite3_stmt *s = NULL;

		assert_int_equal(sqlite3_prepare_v2(h, sql[q], -1, &s, NULL), SQLITE_OK);
		while (sqlite3_step(s) == SQLITE_ROW) {
			long e[4] = { sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1) };

			e[2] = q == 2 ? e[0] : e[0] - 1;
			e[3] = q == 2 ? e[0] : e[1] + 1;
			for (int k = 0; k < 4; k++)
				if (e[k] >= 0 && e[k] < NPORTS)
					want[e[k]] = 1;
			/* A lore range's middle too: its uses and siblings change inside it. */
			if (q == 1 && e[1] - e[0] < 256)
				for (long p = e[0]; p <= e[1] && p < NPORTS; p++)
					want[p] = 1;
		}
		sqlite3_finalize(s);
	}
	sqlite3_close(h);
	for (long p = 0; p < NPORTS; p += 97)
		want[p] = 1;
	want[0] = want[1] = want[1023] = want[1024] = want[49151] = want[49152] = 1;
	want[65534] = want[65535] = 1;
}

static char *
report_json(struct pl_store *st, struct pl_index *ix, uint16_t port, enum pl_proto proto)
{
	struct pl_report_opts ro = { .no_host = true, .history = true };
	struct pl_report r;
	struct pl_err err = { 0 };
	struct pl_buf b = PL_BUF_INIT;
	struct pl_json j;
	int rc = ix ? pl_report_build_index(ix, port, proto, &ro, &r, &err) :
	    pl_report_build(st, port, proto, &ro, &r, &err);

	if (rc != 0)
		fail_msg("port %u/%s from the %s: %s", port, pl_proto_name(proto),
		    ix ? "index" : "store", err.msg);
	pl_json_init(&j, &b, 0);
	pl_report_json(&j, &r);
	pl_history_json(&j, &r.history);
	pl_report_free(&r);
	assert_int_equal(pl_buf_error(&b), 0);
	return b.data;
}

static void
compare_strv(const char *what, const char *id, const char *const *a, size_t na,
    const char *const *b, size_t nb)
{
	if (na != nb)
		fail_msg("%s: %zu %s hints in the store, %zu in the index", id, na, what, nb);
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			fail_msg("%s: %s hint %zu is '%s' in the store, '%s' in the index", id, what,
			    i, a[i], b[i]);
}

static long cand_ports;      /* candidate ports compared, over every store */

/* Two sets of identification's candidates: the same entries in the same order, with the
 * same ports (and ranks) and hints. Returns how many ports were compared. */
static long
compare_cand_sets(const struct pl_id_candidates *pa, const struct pl_id_candidates *pb)
{
	const struct pl_id_candidates a = *pa, b = *pb;
	long n = 0;

	assert_int_equal(a.n, b.n);
	for (size_t i = 0; i < a.n; i++) {
		const struct pl_id_candidate *x = &a.v[i], *y = &b.v[i];

		assert_string_equal(x->id, y->id);
		assert_string_equal(x->name, y->name);
		assert_string_equal(x->family, y->family);
		if (x->nports != y->nports)
			fail_msg("%s: %zu ports in the store, %zu in the index", x->id, x->nports,
			    y->nports);
		for (size_t k = 0; k < x->nports; k++, n++)
			if (x->ports[k].lo != y->ports[k].lo || x->ports[k].hi != y->ports[k].hi ||
			    x->ports[k].proto != y->ports[k].proto ||
			    x->ports[k].rank != y->ports[k].rank)
				fail_msg("%s: port %zu is %u-%u/%d rank %d in the store, %u-%u/%d "
				    "rank %d in the index", x->id, k, x->ports[k].lo, x->ports[k].hi,
				    x->ports[k].proto, x->ports[k].rank, y->ports[k].lo, y->ports[k].hi,
				    y->ports[k].proto, y->ports[k].rank);
		compare_strv("process", x->id, x->process, x->nprocess, y->process, y->nprocess);
		compare_strv("cmdline", x->id, x->cmdline, x->ncmdline, y->cmdline, y->ncmdline);
		compare_strv("banner", x->id, x->banner, x->nbanner, y->banner, y->nbanner);
	}
	return n;
}

/* The store's candidates and the index's. */
static long
compare_candidates(struct pl_store *st, struct pl_index *ix)
{
	struct pl_id_candidates a, b;
	struct pl_err err = { 0 };
	long n;

	assert_int_equal(pl_id_candidates_load(st, &a, &err), 0);
	if (pl__index_candidates(ix, &b, &err) != 0)
		fail_msg("%s", err.msg);
	n = compare_cand_sets(&a, &b);
	/* Every hint's form, as the matcher would work it out from the pattern. */
	assert_non_null(b.forms);
	for (size_t i = 0, k = 0; i < b.n; i++) {
		const struct pl_id_candidate *y = &b.v[i];
		size_t nx = y->nprocess + y->ncmdline + y->nbanner;

		for (size_t h = 0; h < nx; h++, k++) {
			const char *pat = h < y->nprocess ? y->process[h] : h < y->nprocess +
			    y->ncmdline ? y->cmdline[h - y->nprocess] :
			    y->banner[h - y->nprocess - y->ncmdline];
			struct pl_id_form f;

			assert_int_equal(pl_id_pattern_form(pat, h >= y->nprocess + y->ncmdline, &f), 0);
			if (f.kind != b.forms[k].kind || (f.lit == NULL) != (b.forms[k].lit == NULL) ||
			    (f.lit && strcmp(f.lit, b.forms[k].lit) != 0))
				fail_msg("%s: hint '%s' has form %d '%s' in the index, %d '%s' worked out",
				    y->id, pat, b.forms[k].kind, b.forms[k].lit ? b.forms[k].lit : "",
				    f.kind, f.lit ? f.lit : "");
			free((void *)f.lit);
		}
	}
	pl_id_candidates_free(&a);
	pl_id_candidates_free(&b);
	return n;
}

/* The candidates of an index in memory: 0, or -PL_EDATA (refused at open or read). */
static int
read_candidates(const unsigned char *p, size_t len, struct pl_id_candidates *out)
{
	struct pl_index *ix = NULL;
	struct pl_err err = { 0 };
	int rc = pl_index_open_mem(&ix, p, len, &err);

	memset(out, 0, sizeof(*out));
	if (rc == 0) {
		rc = pl__index_candidates(ix, out, &err);
		pl_index_close(ix);
	}
	if (rc != 0)
		assert_int_equal(rc, -PL_EDATA);
	return rc;
}

/* The registry name identification gives a listener on port/proto: the store's query
 * (hints.c) against the index's port entry. */
static void
compare_service(sqlite3 *h, struct pl_index *ix, uint16_t port, enum pl_proto proto)
{
	static const char one[] = "SELECT service FROM record WHERE snapshot = (SELECT id FROM"
	    " snapshot ORDER BY label DESC LIMIT 1) AND lo = ?1 AND hi = ?1 AND (proto = ?2 OR"
	    " proto = '') AND service <> '' ORDER BY line LIMIT 1";
	sqlite3_stmt *s = NULL;
	struct pl_err err = { 0 };
	const char *got = NULL, *want = NULL;

	assert_int_equal(sqlite3_prepare_v2(h, one, -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_int(s, 1, port);
	sqlite3_bind_text(s, 2, pl_proto_name(proto), -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		want = (const char *)sqlite3_column_text(s, 0);
	if (pl__index_service(ix, port, proto, &got, &err) != 0)
		fail_msg("%s", err.msg);
	if ((want == NULL) != (got == NULL) || (want && strcmp(want, got) != 0))
		fail_msg("port %u/%s: registry name '%s' in the store, '%s' in the index", port,
		    pl_proto_name(proto), want ? want : "(none)", got ? got : "(none)");
	sqlite3_finalize(s);
}

/* `who`'s lore about other systems on a port nothing holds: the store's query
 * (bindwhy.c) against the index's port entry. Returns how many rows were compared. */
static long
compare_elsewhere(struct pl_store *st, struct pl_index *ix, uint16_t port, enum pl_proto proto)
{
	struct pl_socklist none = { 0 };
	struct pl_bind_why a, b;
	struct pl_err err = { 0 };
	long n = 0;

	assert_int_equal(pl_bind_why_build(&a, &none, port, proto, NULL, NULL, st, &err), 0);
	if (pl_bind_why_build_index(&b, &none, port, proto, NULL, NULL, ix, &err) != 0)
		fail_msg("%s", err.msg);
	if (a.nelsewhere != b.nelsewhere)
		fail_msg("port %u/%s: %zu other-system rows in the store, %zu in the index", port,
		    pl_proto_name(proto), a.nelsewhere, b.nelsewhere);
	for (size_t i = 0; i < a.nelsewhere; i++, n++) {
		assert_string_equal(a.elsewhere[i].system, b.elsewhere[i].system);
		assert_string_equal(a.elsewhere[i].name, b.elsewhere[i].name);
		assert_string_equal(a.elsewhere[i].role, b.elsewhere[i].role);
		assert_string_equal(a.elsewhere[i].summary, b.elsewhere[i].summary);
	}
	pl_bind_why_free(&a);
	pl_bind_why_free(&b);
	return n;
}

static long elsewhere_rows;  /* other-system rows compared, over every store */

/* Compares every chosen port of every protocol, and the protocols a bare port expands
 * to. Returns how many reports were compared. */
static long
compare_store(const char *db)
{
	static unsigned char want[NPORTS];
	struct pl_store *st = NULL;
	struct pl_index *ix = NULL;
	struct pl_err err = { 0 };
	long n = 0;

	memset(want, 0, sizeof(want));
	pick_ports(db, want);
	assert_int_equal(pl_store_open(&st, db, PL_STORE_READ, &err), 0);
	if (pl_index_open(&ix, db, &err) != 0)
		fail_msg("%s", err.msg);
	assert_string_equal(pl_index_snapshot(ix) ? pl_index_snapshot(ix) : "(none)",
	    pl_store_current_snapshot(st) ? pl_store_current_snapshot(st) : "(none)");
	cand_ports += compare_candidates(st, ix);
	{
		sqlite3 *h = NULL;

		assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
		for (long p = 0; p < NPORTS; p++)
			if (want[p]) {
				compare_service(h, ix, (uint16_t)p, PL_PROTO_TCP);
				compare_service(h, ix, (uint16_t)p, PL_PROTO_UDP);
				elsewhere_rows += compare_elsewhere(st, ix, (uint16_t)p, PL_PROTO_TCP);
				elsewhere_rows += compare_elsewhere(st, ix, (uint16_t)p, PL_PROTO_UDP);
			}
		sqlite3_close(h);
	}
	for (long p = 0; p < NPORTS; p++) {
		char spec_text[16];
		struct pl_portspec spec = { 0 };
		struct pl_target *a = NULL, *b = NULL;
		long na, nb;

		if (!want[p])
			continue;
		for (int proto = PL_PROTO_TCP; proto < PL_PROTO_COUNT; proto++) {
			char *x = report_json(st, NULL, (uint16_t)p, (enum pl_proto)proto);
			char *y = report_json(NULL, ix, (uint16_t)p, (enum pl_proto)proto);

			if (strcmp(x, y) != 0)
				fail_msg("port %ld/%s: the index says\n%s\nthe store says\n%s", p,
				    pl_proto_name((enum pl_proto)proto), y, x);
			free(x);
			free(y);
			n++;
		}
		snprintf(spec_text, sizeof(spec_text), "%ld", p);
		assert_int_equal(pl_portspec_parse(&spec, spec_text, &err), 0);
		na = pl_targets_expand(st, &spec, &a, &err);
		nb = pl_targets_expand_index(ix, &spec, &b, &err);
		assert_int_equal(na, nb);
		for (long i = 0; i < na; i++) {
			assert_int_equal(a[i].port, b[i].port);
			assert_int_equal(a[i].proto, b[i].proto);
		}
		free(a);
		free(b);
		pl_portspec_free(&spec);
	}
	pl_index_close(ix);
	pl_store_close(st);
	return n;
}

static void
test_build_store(void **state)
{
	const char *db = getenv("PORTLORE_STORE");

	(void)state;
	if (db == NULL)
		skip();
	assert_true(compare_store(db) > 20000);
	/* The build's lore: every entry's ports were compared, not an empty list. */
	assert_true(cand_ports > 1000);
	/* The Windows and macOS families name some of the compared ports. */
	assert_true(elsewhere_rows > 100);
}

#define HEADER FX_IANA_HEADER

static const char old_csv[] = HEADER
	"alpha,1000,tcp,Alpha,[A_Person],[A_Person],2019-05-01,,,,,\r\n"
	"alpha,1000,udp,Alpha,[A_Person],[A_Person],2019-05-01,,,,,\r\n"
	"beta,1001,tcp,Beta,[B],[B],,,,,,\r\n"
	",1002-1009,,Unassigned,,,,,,,,\r\n"
	"ssh,22,tcp,The Secure Shell (SSH) Protocol,,,,,[RFC4251],,,\r\n"
	"names-only,,,No port <here>,,,,2020-01-01,,,,\r\n";
static const char new_csv[] = HEADER
	"alpha,1000,tcp,Alpha,[A_Org],[A_Person],2019-05-01,2021-06-30,,,,\r\n"
	"alpha,1000,udp,Alpha,[A_Org],[A_Person],2019-05-01,2021-06-30,,,,\r\n"
	",1001,tcp,Reserved,,,,2021-02-02,,,,\"De-assigned on 2021-02-02, previously beta\"\r\n"
	"delta,1002,tcp,Delta,[D],[D],2021-03-01,,,,,\r\n"
	",1003-1009,,Unassigned,,,,,,,,\r\n"
	"ssh,22,tcp,The Secure Shell (SSH) Protocol,,,,2021-01-01,[RFC4251],,,\r\n"
	"sctp-only,3868,sctp,Diameter over SCTP,,,,,,,,\r\n"
	"Names-Only,,,No port <here>,,,,2020-01-01,,,,\r\n";

/* A store of two snapshots and the project's lore, with its index. */
static const char *
small_store(const char *dir)
{
	static char db[256];
	char lore[1024];
	struct pl_store *st = NULL;
	struct pl_import_stats stats;
	struct pl_err err = { 0 };
	const char *src = getenv("PORTLORE_SRC");

	snprintf(db, sizeof(db), "%s/two.db", dir);
	assert_int_equal(pl_store_open(&st, db, PL_STORE_CREATE, &err), 0);
	if (pl_store_import_iana(st, fx_write(dir, "old.csv", old_csv, -1), &stats, &err) != 0 ||
	    pl_store_import_iana(st, fx_write(dir, "new.csv", new_csv, -1), &stats, &err) != 0)
		fail_msg("%s", err.msg);
	if (src != NULL) {
		snprintf(lore, sizeof(lore), "%s/data/lore", src);
		if (pl_lore_import_dir(st, lore, NULL, NULL, &err) != 0)
			fail_msg("%s", err.msg);
	}
	if (pl_store_reindex(st, &err) != 0 || pl_index_write(st, NULL, &err) != 0)
		fail_msg("%s", err.msg);
	pl_store_close(st);
	return db;
}

static void
test_two_snapshots(void **state)
{
	const char *dir = fx_dir();

	(void)state;
	assert_true(compare_store(small_store(dir)) > 10);
	fx_rmrf(dir);
}

/* A store changed after its index was written: the index is not used. */
static void
test_stale(void **state)
{
	const char *dir = fx_dir(), *db = small_store(dir);
	struct pl_index *ix = NULL;
	struct pl_err err = { 0 };
	sqlite3 *h = NULL;

	(void)state;
	assert_int_equal(pl_index_open(&ix, db, &err), 0);
	pl_index_close(ix);
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "UPDATE record SET description = 'changed' WHERE "
	    "service = 'delta'", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	assert_int_equal(pl_index_open(&ix, db, &err), -PL_ENOTFOUND);
	assert_null(ix);
	fx_rmrf(dir);
}

/*
 * An index cut short in place by another program while it is mapped (`cp` over it):
 * the reads past the new end are an error that names the file, not SIGBUS; a SIGBUS
 * of another mapping still ends the process as it would have without an index open;
 * and an index written over without shrinking is caught by the check too.
 */
static void
test_cut_while_mapped(void **state)
{
	const char *dir = fx_dir(), *db = small_store(dir);
	char path[300], other[300];
	struct pl_index *ix = NULL;
	struct pl_err err = { 0 };
	bool extra[PL_PROTO_COUNT];
	int status, fd;
	pid_t pid;

	(void)state;
	/* Another file's mapping, cut short, in a child with the default action for
	 * SIGBUS and an index open: the fault is not the index's to absorb. */
	snprintf(other, sizeof(other), "%s/other", dir);
	fd = open(other, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 8192), 0);
	if ((pid = fork()) == 0) {
		volatile const char *m;

		signal(SIGBUS, SIG_DFL);
		if (pl_index_open(&ix, db, &err) != 0 ||
		    (m = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0)) == MAP_FAILED ||
		    ftruncate(fd, 0) != 0)
			_exit(2);
		(void)m[4096];
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGBUS);
	close(fd);
	/* The index itself cut short: the header and the port table's first page stay
	 * (slots of ports 0 to 959), port 22's entry is past them and reads as damage;
	 * port 1000's slot reads as "nothing known", which only pl_index_check() tells
	 * from the truth. */
	assert_int_equal(pl_index_open(&ix, db, &err), 0);
	assert_int_equal(pl_index_check(ix, &err), 0);
	assert_int_equal(pl_index_path(db, path, sizeof(path), &err), 0);
	assert_int_equal(truncate(path, 4096), 0);
	assert_int_equal(pl__index_protos(ix, 22, extra, &err), -PL_EDATA);
	assert_int_equal(pl__index_protos(ix, 1000, extra, &err), 0);
	memset(&err, 0, sizeof(err));
	assert_int_equal(pl_index_check(ix, &err), -PL_EDATA);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, "cut short"));
	pl_index_close(ix);
	/* Written over in place, same size: nothing faults, the check still tells. */
	db = small_store(dir);
	assert_int_equal(pl_index_open(&ix, db, &err), 0);
	assert_int_equal(pl_index_check(ix, &err), 0);
	/* Past the file system's coarsest clock tick, so that its time must move. */
	usleep(30000);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "x", 1, 300), 1);
	close(fd);
	memset(&err, 0, sizeof(err));
	assert_int_equal(pl_index_check(ix, &err), -PL_EDATA);
	assert_non_null(strstr(err.msg, "changed by another program"));
	pl_index_close(ix);
	fx_rmrf(dir);
}

/* Reads an index whole into memory. */
static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	p = malloc((size_t)n);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return p;
}

#define NCHECK 8
static const uint16_t check_ports[NCHECK] = { 0, 22, 1000, 1001, 1002, 1005, 3868, 65535 };

/* The JSON of a few ports' reports from an index in memory: -PL_EDATA for an index
 * refused at open; an element is NULL where its report was refused. */
static int
read_all(const unsigned char *p, size_t len, char *out[NCHECK][PL_PROTO_COUNT])
{
	struct pl_index *ix = NULL;
	struct pl_err err = { 0 };
	int rc = pl_index_open_mem(&ix, p, len, &err);

	memset(out, 0, sizeof(char *) * NCHECK * PL_PROTO_COUNT);
	if (rc != 0) {
		assert_int_equal(rc, -PL_EDATA);
		return rc;
	}
	for (size_t i = 0; i < NCHECK; i++)
		for (int proto = PL_PROTO_TCP; proto < PL_PROTO_COUNT; proto++) {
			struct pl_report_opts ro = { .no_host = true, .history = true };
			struct pl_report r;
			struct pl_buf b = PL_BUF_INIT;
			struct pl_json j;

			rc = pl_report_build_index(ix, check_ports[i], (enum pl_proto)proto, &ro, &r,
			    &err);
			if (rc != 0) {
				assert_int_equal(rc, -PL_EDATA);
				continue;
			}
			pl_json_init(&j, &b, 0);
			pl_report_json(&j, &r);
			pl_history_json(&j, &r.history);
			pl_report_free(&r);
			out[i][proto] = b.data;
		}
	pl_index_close(ix);
	return 0;
}

static void
free_all(char *out[NCHECK][PL_PROTO_COUNT])
{
	for (size_t i = 0; i < NCHECK; i++)
		for (int k = 0; k < PL_PROTO_COUNT; k++)
			free(out[i][k]);
}

/*
 * Damage is found, not read: every report of a damaged index is either refused
 * (-PL_EDATA, and the lookup falls back to the store) or the very report of the
 * undamaged one. Every string, record, list and port entry carries a check word.
 */
static void
test_damaged(void **state)
{
	const char *dir = fx_dir(), *db = small_store(dir);
	char path[300];
	size_t len;
	unsigned char *p, *q;
	struct pl_index *ix = NULL;
	struct pl_err err = { 0 };
	char *good[NCHECK][PL_PROTO_COUNT], *got[NCHECK][PL_PROTO_COUNT];
	long refused = 0, cand_refused = 0;
	struct pl_id_candidates good_cands, cands;

	(void)state;
	assert_int_equal(pl_index_path(db, path, sizeof(path), &err), 0);
	p = slurp(path, &len);
	assert_int_equal(read_all(p, len, good), 0);
	assert_int_equal(read_candidates(p, len, &good_cands), 0);
	assert_true(good_cands.n > 100);
	for (size_t i = 0; i < NCHECK; i++)
		for (int k = PL_PROTO_TCP; k < PL_PROTO_COUNT; k++)
			assert_non_null(good[i][k]);
	/* Cut short anywhere: refused at open (its length is in its header). */
	for (size_t cut = 0; cut < len; cut += 1 + cut / 3) {
		assert_int_equal(pl_index_open_mem(&ix, p, cut, &err), -PL_EDATA);
		assert_null(ix);
	}
	/* One byte changed: every byte of the header and the port table's start, then a byte
	 * every 997 (a prime, so every field of the records is hit somewhere). */
	q = malloc(len);
	assert_non_null(q);
	for (size_t off = 0; off < len; off += off < 512 ? 1 : 997) {
		memcpy(q, p, len);
		q[off] ^= (unsigned char)(1u << (off % 8));
		/* Identification's candidates, read in one block: the same, or refused. */
		if (read_candidates(q, len, &cands) != 0)
			cand_refused++;
		else
			compare_cand_sets(&good_cands, &cands);
		pl_id_candidates_free(&cands);
		if (read_all(q, len, got) != 0) {
			refused++;
			continue;
		}
		for (size_t i = 0; i < NCHECK; i++)
			for (int k = PL_PROTO_TCP; k < PL_PROTO_COUNT; k++) {
				if (got[i][k] == NULL)
					refused++;
				else if (strcmp(got[i][k], good[i][k]) != 0)
					fail_msg("a byte changed at offset %zu changed the report of %u/%s "
					    "without being noticed", off, check_ports[i],
					    pl_proto_name((enum pl_proto)k));
			}
		free_all(got);
	}
	/* The damage was seen, not only stepped around. */
	assert_true(refused > 100);
	assert_true(cand_refused > 100);
	pl_id_candidates_free(&good_cands);
	free(q);
	free_all(good);
	free(p);
	fx_rmrf(dir);
}

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/*
 * The layout lookups depend on for their speed (relayout() in index.c): the port
 * entries in port order, and every registry row, lore port and nmap row that an entry
 * is the first to name written between it and the next entry, so that one port's
 * lookup reads one part of the file. Read from the file itself: the header's port
 * table (offset 168) and each entry's three lists (lo, hi, then count and offsets).
 */
static void
test_layout(void **state)
{
	const char *db = getenv("PORTLORE_STORE");
	char path[4096];
	size_t len, nent = 0, checked = 0;
	unsigned char *p, *seen;
	uint32_t *ents, ports;
	struct pl_err err = { 0 };

	(void)state;
	if (db == NULL)
		skip();
	assert_int_equal(pl_index_path(db, path, sizeof(path), &err), 0);
	p = slurp(path, &len);
	ports = le32(p + 168);
	assert_true(ports >= 256 && ports + 4 * 65536 <= len);
	ents = malloc(65537 * sizeof(*ents));
	seen = calloc(len / 8 + 1, 1);
	assert_non_null(ents);
	assert_non_null(seen);
	for (uint32_t port = 0; port < 65536; port++) {
		uint32_t e = le32(p + ports + 4 * port);

		if (e != 0 && (nent == 0 || e != ents[nent - 1])) {
			/* A new entry: after every earlier one. */
			if (nent > 0 && e <= ents[nent - 1])
				fail_msg("the entry of port %u (offset %u) is not after the one "
				    "before it (%u)", port, e, ents[nent - 1]);
			ents[nent++] = e;
		}
	}
	assert_true(nent > 1000);
	ents[nent] = (uint32_t)len;
	for (size_t i = 0; i < nent; i++) {
		size_t at = ents[i] + 8;

		for (int l = 0; l < 3; l++) {
			uint32_t n = le32(p + at);

			assert_true(at + 4 + 4 * (size_t)n <= len);
			for (uint32_t k = 0; k < n; k++) {
				uint32_t off = le32(p + at + 4 + 4 * k);

				assert_true(off < len);
				if (seen[off / 8] & 1u << (off % 8))
					continue;
				seen[off / 8] |= (unsigned char)(1u << (off % 8));
				if (off <= ents[i] || off >= ents[i + 1])
					fail_msg("a record (offset %u) first named by the entry at %u "
					    "is not between it and the next entry (%u)", off, ents[i],
					    ents[i + 1]);
				checked++;
			}
			at += 4 + 4 * (size_t)n;
		}
	}
	/* Every row of the build's registry and every lore port was looked at. */
	assert_true(checked > 10000);
	free(seen);
	free(ents);
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_store),
		cmocka_unit_test(test_two_snapshots),
		cmocka_unit_test(test_stale),
		cmocka_unit_test(test_cut_while_mapped),
		cmocka_unit_test(test_damaged),
		cmocka_unit_test(test_layout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
