/* The registry importer on small CSV fixtures: what IANA's files really contain, and
 * malformed files that must be refused with file:line, leaving the store as it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "portlore/report.h"
#include "portlore/store.h"
#include "fixture.h"

#define HEADER "Service Name,Port Number,Transport Protocol,Description,Assignee,Contact," \
	"Registration Date,Modification Date,Reference,Service Code,Unauthorized Use Reported," \
	"Assignment Notes"
#define HEADER_OLD "Service Name,Port Number,Transport Protocol,Description,Assignee,Contact," \
	"Registration Date,Modification Date,Reference,Service Code,Known Unauthorized Uses," \
	"Assignment Notes"

struct fx {
	const char *dir;
	char db[256];
	struct pl_store *st;
};

static int
setup(void **state)
{
	static struct fx fx;
	struct pl_err err = { 0 };

	fx.dir = fx_dir();
	snprintf(fx.db, sizeof(fx.db), "%s/t.db", fx.dir);
	if (pl_store_open(&fx.st, fx.db, PL_STORE_CREATE, &err) != 0)
		fail_msg("%s", err.msg);
	*state = &fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	pl_store_close(fx->st);
	fx_rmrf(fx->dir);
	return 0;
}

static long
count(const char *db, const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *s;
	long n = -1;

	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(h);
	return n;
}

static void
test_real_shapes(void **state)
{
	struct fx *fx = *state;
	struct pl_import_stats stats;
	struct pl_err err = { 0 };
	struct pl_report r;
	/* CRLF line ends, a quoted field over two lines, UTF-8, a range, a row with no
	 * port, a row with no protocol, and four protocols. */
	const char *csv =
	    HEADER "\r\n"
	    ",0,tcp,Reserved,,,,2024-12-20,[RFC6335],,,\r\n"
	    "tcpmux,1,tcp,TCP Port Service Multiplexer,[Mark_Lottor],[Mark_Lottor],,,,,,\r\n"
	    ",2,tcp,Reserved,,,,2025-02-13,,,,\"De-assigned on 2025-02-13, previously compressnet by [Bernie_Volz]\"\r\n"
	    ",272-279,,Unassigned,,,,,,,,\r\n"
	    "x11,6000-6063,tcp,X Window System,[Stephen_Gildea],[Stephen_Gildea],,,,,Known Unauthorized Use on port 6003,\r\n"
	    "vision-mon,4413,tcp,FORTÉ Vision Monitoring platform,[FORTÉ],[Rob_Duram],2015-09-18,2025-11-14,,,,\r\n"
	    "www-http,80,tcp,World Wide Web HTTP,,,,,,,,\"This entry is an alias to \"\"http\"\".\r\nThis entry is now historic, not usable.\"\r\n"
	    "http,80,sctp,HTTP,[IETF_TSVWG],[Randall_Stewart],,,[RFC4960],,,\r\n"
	    "argus,,,ARGUS Protocol,,,,,,,,\r\n";

	assert_int_equal(pl_store_import_iana(fx->st, fx_write(fx->dir, "a.csv", csv, -1), &stats,
	    &err), 0);
	assert_int_equal(stats.rows, 9);
	assert_int_equal(stats.names_only, 1);
	assert_int_equal(stats.ports, 8);
	assert_string_equal(stats.label, "2025-11-14");
	assert_string_equal(pl_store_current_snapshot(fx->st), "2025-11-14");

	assert_int_equal(pl_report_build(fx->st, 80, PL_PROTO_TCP, &(struct pl_report_opts){
	    .no_host = true }, &r, &err), 0);
	assert_int_equal(r.nrecords, 1);
	assert_string_equal(r.records[0].service, "www-http");
	/* The CRLF inside the quoted field became LF; the doubled quotes one quote. */
	assert_string_equal(r.records[0].notes,
	    "This entry is an alias to \"http\".\nThis entry is now historic, not usable.");
	assert_int_equal(r.records[0].line, 8);
	pl_report_free(&r);

	assert_int_equal(pl_report_build(fx->st, 6010, PL_PROTO_TCP, &(struct pl_report_opts){
	    .no_host = true }, &r, &err), 0);
	assert_int_equal(r.status, PL_REG_ASSIGNED);
	assert_int_equal(r.nrecords, 0);
	assert_int_equal(r.nranges, 1);
	assert_string_equal(r.ranges[0].service, "x11");
	assert_string_equal(r.ranges[0].unauthorized, "Known Unauthorized Use on port 6003");
	pl_report_free(&r);

	assert_int_equal(pl_report_build(fx->st, 275, PL_PROTO_UDP, &(struct pl_report_opts){
	    .no_host = true }, &r, &err), 0);
	assert_int_equal(r.status, PL_REG_UNASSIGNED);
	pl_report_free(&r);

	assert_int_equal(pl_report_build(fx->st, 2, PL_PROTO_TCP, &(struct pl_report_opts){
	    .no_host = true }, &r, &err), 0);
	assert_int_equal(r.status, PL_REG_RESERVED);
	assert_non_null(strstr(r.records[0].notes, "previously compressnet"));
	pl_report_free(&r);

	assert_int_equal(pl_report_build(fx->st, 4413, PL_PROTO_TCP, &(struct pl_report_opts){
	    .no_host = true }, &r, &err), 0);
	assert_string_equal(r.records[0].assignee, "[FORTÉ]");
	pl_report_free(&r);

	/* No udp row for port 1 in this file: the report says so, it does not guess. */
	assert_int_equal(pl_report_build(fx->st, 1, PL_PROTO_UDP, &(struct pl_report_opts){
	    .no_host = true }, &r, &err), 0);
	assert_int_equal(r.status, PL_REG_NONE);
	pl_report_free(&r);
}

static void
test_old_header_lf_and_snapshots(void **state)
{
	struct fx *fx = *state;
	struct pl_import_stats stats;
	struct pl_err err = { 0 };
	const char *old = HEADER_OLD "\n"
	    "csd-monitor,3072,tcp,ContinuStor Monitor Port,[Ray_Jantz],[Ray_Jantz],,,,,,\n"
	    "x,9,tcp,y,,,2014-07-09,,,,,\n";
	const char *new = HEADER "\n"
	    "csd-monitor,3072,tcp,ContinuStor Monitor Port,[NetApp],[MSW_architecture_team],,2014-07-18,,,,\n"
	    "roughtime,2002,udp,Roughtime,,,2026-01-02,,,,,\n";

	assert_int_equal(pl_store_import_iana(fx->st, fx_write(fx->dir, "old.csv", old, -1), &stats,
	    &err), 0);
	assert_string_equal(stats.label, "2014-07-09");
	assert_int_equal(pl_store_import_iana(fx->st, fx_write(fx->dir, "new.csv", new, -1), &stats,
	    &err), 0);
	assert_string_equal(stats.label, "2026-01-02");
	/* Both snapshots stay side by side; the newest answers. */
	assert_int_equal(count(fx->db, "SELECT count(*) FROM snapshot"), 2);
	assert_int_equal(count(fx->db, "SELECT count(DISTINCT assignee) FROM record WHERE lo = 3072"), 2);
	assert_string_equal(pl_store_current_snapshot(fx->st), "2026-01-02");
	/* Importing the same snapshot again replaces it rather than adding a third. */
	assert_int_equal(pl_store_import_iana(fx->st, fx_write(fx->dir, "old.csv", old, -1), &stats,
	    &err), 0);
	assert_int_equal(count(fx->db, "SELECT count(*) FROM snapshot"), 2);
	assert_int_equal(count(fx->db, "SELECT count(*) FROM record"), 4);
}

struct bad {
	const char *csv;
	const char *want;      /* "file:line: ..." suffix after the path */
};

static void
test_malformed(void **state)
{
	struct fx *fx = *state;
	static const struct bad bad[] = {
		{ "", ":1: empty file" },
		{ "a,b,c\n", ":1: expected 12 fields, found 3" },
		{ "Service,Port Number,Transport Protocol,Description,Assignee,Contact,Registration Date,"
		  "Modification Date,Reference,Service Code,Unauthorized Use Reported,Assignment Notes\n",
		  ":1: not an IANA port registry CSV: column 1" },
		{ HEADER "\nx,70000,tcp,d,,,,,,,,\n", ":2: port '70000'" },
		{ HEADER "\nx,10-5,tcp,d,,,,,,,,\n", ":2: port '10-5'" },
		{ HEADER "\nx,-1,tcp,d,,,,,,,,\n", ":2: port '-1'" },
		{ HEADER "\nx,1,tcp,d,,,,,,,,\nx,2,tcp,d,,,,,,,\n", ":3: expected 12 fields, found 11" },
		{ HEADER "\nx,1,icmp,d,,,,,,,,\n", ":2: unknown transport protocol 'icmp'" },
		{ HEADER "\nx,1,tcp,d,,,2014-13-01,,,,,\n", ":2: Registration Date '2014-13-01'" },
		{ HEADER "\nx,1,tcp,d,,,,yesterday,,,,\n", ":2: Modification Date 'yesterday'" },
		{ HEADER "\nx,1,tcp,\"d\xff\",,,,,,,,\n", ":2: field 4 is not valid UTF-8" },
		{ HEADER "\nx,1,tcp,\"never closed,,,,,,,,\n", "a quoted field is not closed" },
		{ HEADER "\nx,1,tcp,d\"q,,,,,,,,\n", ":2:" },
		{ HEADER "\n,,,,,,,,,,,\n", ":2: row has neither a service name nor a port" },
		{ HEADER "\n", "no records after the header" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pl_err err = { 0 };
		char name[32];
		const char *path;
		long before = count(fx->db, "SELECT count(*) FROM record");

		snprintf(name, sizeof(name), "bad%zu.csv", i);
		path = fx_write(fx->dir, name, bad[i].csv, -1);
		if (pl_store_import_iana(fx->st, path, NULL, &err) != -PL_EDATA ||
		    strncmp(err.msg, path, strlen(path)) != 0 || strstr(err.msg, bad[i].want) == NULL)
			fail_msg("case %zu: got '%s', want '%s%s'", i, err.msg, path, bad[i].want);
		/* The store is left as it was. */
		assert_int_equal(count(fx->db, "SELECT count(*) FROM record"), before);
		assert_int_equal(count(fx->db, "SELECT count(*) FROM snapshot WHERE label = '(importing)'"), 0);
	}
}

static void
test_missing_file(void **state)
{
	struct fx *fx = *state;
	struct pl_err err = { 0 };

	assert_int_equal(pl_store_import_iana(fx->st, "/nonexistent/x.csv", NULL, &err), -PL_EIO);
	assert_non_null(strstr(err.msg, "/nonexistent/x.csv"));
}

/* Whether a library whose path holds name is mapped into this process. */
static bool
mapped(const char *name)
{
	char line[512];
	bool found = false;
	FILE *f = fopen("/proc/self/maps", "r");

	assert_non_null(f);
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, name) != NULL;
	fclose(f);
	return found;
}

/* The sanitizers' runtime links libm itself. */
#if defined(__SANITIZE_ADDRESS__)
#define LIBM_AT_START 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define LIBM_AT_START 1
#endif
#endif
#ifndef LIBM_AT_START
#define LIBM_AT_START 0
#endif

/* SQLite's SQL math functions reach libm through the store's trampolines: libm is not
 * loaded at start, and each function answers as libm does once called. */
static void
test_sql_math(void **state)
{
	static const char sql[] = "SELECT acos(0.5), acosh(2), asin(0.5), asinh(1), atan(1), "
	    "atanh(0.5), cos(0), cosh(1), exp(1), ln(1), sin(0), sinh(1), sqrt(16), tan(0), "
	    "tanh(0.5), trunc(2.7), atan2(1, 1), mod(7, 3), pow(2, 10)";
	static const double want[] = { 1.0471975511965979, 1.3169578969248166,
	    0.5235987755982989, 0.881373587019543, 0.7853981633974483, 0.5493061443340548,
	    1.0, 1.5430806348152437, 2.718281828459045, 0.0, 0.0, 1.1752011936438014, 4.0,
	    0.0, 0.46211715726000974, 2.0, 0.7853981633974483, 1.0, 1024.0 };
	sqlite3 *h;
	sqlite3_stmt *s;

	(void)state;
	assert_true(LIBM_AT_START || !mapped("/libm.so"));
	assert_int_equal(sqlite3_open(":memory:", &h), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_count(s), (int)(sizeof(want) / sizeof(want[0])));
	for (int i = 0; i < sqlite3_column_count(s); i++) {
		double got = sqlite3_column_double(s, i);

		if (!(got > want[i] - 1e-12 && got < want[i] + 1e-12))
			fail_msg("%s: column %d is %.17g, want %.17g", sql, i, got, want[i]);
	}
	sqlite3_finalize(s);
	sqlite3_close(h);
	assert_true(mapped("/libm.so"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_real_shapes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_old_header_lf_and_snapshots, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
		cmocka_unit_test(test_sql_math),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
