/* The report, search, pick, banner hints and the HTML page over one small store:
 * a fixture registry and a fixture lore family. Table-driven where there is a table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fixture.h"
#include "portlore/html.h"
#include "portlore/identify.h"
#include "portlore/pick.h"
#include "portlore/probe.h"
#include "portlore/render.h"
#include "portlore/report.h"

static const char csv[] =
	"Service Name,Port Number,Transport Protocol,Description,Assignee,Contact,"
	"Registration Date,Modification Date,Reference,Service Code,Unauthorized Use Reported,"
	"Assignment Notes\r\n"
	"ssh,22,tcp,The Secure Shell (SSH) Protocol,,,,,[RFC4251],,,\r\n"
	",3000-3007,,Unassigned,,,,,,,,\r\n"
	"dec-notes,3333,tcp,DEC Notes,[Kim_Moraros],[Kim_Moraros],,2024-12-20,,,,\r\n"
	",3334-3399,,Unassigned,,,,,,,,\r\n";

static const char lore[] =
	"{ \"family\": \"demo\", \"name\": \"Demo family\", \"entries\": [ {\n"
	"  \"id\": \"demo-caller\", \"name\": \"Demo caller <b>ID</b> daemon\",\n"
	"  \"vendor\": \"Demo project\", \"kind\": \"telephony\",\n"
	"  \"ports\": [ { \"port\": 3333, \"proto\": \"tcp\", \"role\": \"caller ID server\",\n"
	"               \"use\": \"server\", \"prevalence\": \"common\", \"evidence\": \"demo doc [1]\" },\n"
	"             { \"port\": 3334, \"proto\": \"tcp\", \"role\": \"caller ID relay\",\n"
	"               \"use\": \"default\", \"prevalence\": \"niche\", \"evidence\": \"demo doc [1]\" } ],\n"
	"  \"years\": { \"from\": 2002 },\n"
	"  \"summary\": \"Sends caller id lines & <script>alert(1)</script> to clients.\",\n"
	"  \"risk\": { \"level\": \"low\", \"why\": \"No authentication.\" },\n"
	"  \"hints\": { \"process\": [\"^democid$\"], \"banner\": [\"^DEMOCID [0-9]\"] },\n"
	"  \"sources\": [ { \"title\": \"Demo doc\", \"url\": \"https://example.org/demo\","
	" \"published\": \"2020\", \"accessed\": \"2026-11-23\", \"tier\": \"primary\" } ] } ] }\n";

struct fx {
	const char *dir;
	struct pl_store *st;
};

static int
setup(void **state)
{
	static struct fx fx;
	struct pl_err err = { 0 };
	char db[300], lore_dir[300];

	fx.dir = fx_dir();
	snprintf(db, sizeof(db), "%s/t.db", fx.dir);
	snprintf(lore_dir, sizeof(lore_dir), "%s/lore", fx.dir);
	mkdir(lore_dir, 0700);
	fx_write(lore_dir, "demo.json", lore, -1);
	if (pl_store_open(&fx.st, db, PL_STORE_CREATE, &err) != 0 ||
	    pl_store_import_iana(fx.st, fx_write(fx.dir, "r.csv", csv, -1), NULL, &err) != 0 ||
	    pl_lore_import_dir(fx.st, lore_dir, NULL, NULL, &err) != 0 ||
	    pl_store_reindex(fx.st, &err) != 0)
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

static void
test_report(void **state)
{
	static const struct {
		uint16_t port;
		enum pl_proto proto;
		const char *status;
		size_t nrecords, nuses;
		const char *service;       /* the first record's, or NULL */
	} t[] = {
		{ 22, PL_PROTO_TCP, "assigned", 1, 0, "ssh" },
		{ 22, PL_PROTO_UDP, "none", 0, 0, NULL },
		{ 3333, PL_PROTO_TCP, "assigned", 1, 1, "dec-notes" },
		{ 3334, PL_PROTO_TCP, "unassigned", 0, 1, NULL },
		{ 3005, PL_PROTO_UDP, "unassigned", 0, 0, NULL },
	};
	struct fx *fx = *state;
	struct pl_report_opts o = { .no_host = true, .history = true };

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct pl_report r;
		struct pl_err err = { 0 };

		if (pl_report_build(fx->st, t[i].port, t[i].proto, &o, &r, &err) != 0)
			fail_msg("case %zu: %s", i, err.msg);
		if (strcmp(pl_reg_status_name(r.status), t[i].status) != 0 ||
		    r.nrecords != t[i].nrecords || r.nuses != t[i].nuses)
			fail_msg("case %zu: status %s, %zu records, %zu uses", i,
			    pl_reg_status_name(r.status), r.nrecords, r.nuses);
		if (t[i].service)
			assert_string_equal(r.records[0].service, t[i].service);
		/* The options were kept: no host facts, the history built. */
		assert_false(r.os_read);
		assert_true(r.history_read);
		assert_int_equal(r.history.port, t[i].port);
		pl_report_free(&r);
	}
}

static void
test_search(void **state)
{
	static const struct { const char *q; int min; const char *first_ref; } t[] = {
		{ "caller", 1, "demo-caller" },
		{ "secure shell", 1, "ssh" },
		{ "zzzqqqxxx", 0, NULL },
	};
	struct fx *fx = *state;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct pl_hit *hits = NULL;
		struct pl_err err = { 0 };
		int n = pl_store_search(fx->st, t[i].q, 10, &hits, &err);

		if (n < t[i].min || (t[i].min == 0 && n != 0))
			fail_msg("'%s': %d hits (%s)", t[i].q, n, err.msg);
		if (t[i].first_ref)
			assert_string_equal(hits[0].ref, t[i].first_ref);
		pl_hits_free(hits, n);
	}
}

static void
test_pick(void **state)
{
	struct fx *fx = *state;
	struct pl_pick_opts o = { .count = 3, .proto = PL_PROTO_TCP, .lo = 3000, .hi = 3400,
		.seed = 7, .proc_root = "/nonexistent" };
	struct pl_pick_result one, *a = NULL, *b = NULL;
	struct pl_err err = { 0 };
	int na, nb;

	/* An assigned port with lore fails both criteria, whatever else holds. */
	assert_int_equal(pl_pick_check(fx->st, 3333, PL_PROTO_TCP, "/nonexistent", &one, &err), 0);
	assert_false(one.good);
	assert_int_equal(one.c[PL_PICK_UNASSIGNED].verdict, PL_FAIL);
	/* Same store, options and seed: the same ports, each in range and unassigned. */
	na = pl_pick(fx->st, &o, &a, &err);
	nb = pl_pick(fx->st, &o, &b, &err);
	assert_true(na > 0);
	assert_int_equal(na, nb);
	for (int i = 0; i < na; i++) {
		assert_int_equal(a[i].port, b[i].port);
		assert_true(a[i].port >= 3000 && a[i].port <= 3400);
		assert_int_not_equal(a[i].port, 3333);
		assert_int_not_equal(a[i].port, 3334);      /* lore uses it */
		assert_int_equal(a[i].c[PL_PICK_UNASSIGNED].verdict, PL_PASS);
	}
	free(a);
	free(b);
}

/* Lore's banner hint names the use on its port; a banner it doesn't match does not. */
static void
test_hints(void **state)
{
	struct fx *fx = *state;
	struct pl_id_candidates c = { 0 };
	struct pl_idmatch *m = NULL;
	struct pl_identified id;
	struct pl_err err = { 0 };
	struct pl_id_evidence e = { .port = 3333, .proto = PL_PROTO_TCP,
		.banner = "DEMOCID 2\r\n", .banner_len = 11 };

	assert_int_equal(pl_id_candidates_load(fx->st, &c, &err), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(pl_idmatch_new(&m, c.v, c.n), 0);
	assert_int_equal(pl_identify(m, &e, &id), 0);
	assert_non_null(id.id);
	assert_string_equal(id.id, "demo-caller");
	assert_true(id.by_banner);
	e.banner = "democid\r\n";
	e.banner_len = 9;
	assert_int_equal(pl_identify(m, &e, &id), 0);
	assert_false(id.by_banner);
	pl_idmatch_free(m);
	pl_id_candidates_free(&c);
}

static void
test_html(void **state)
{
	static const struct pl_html_lang en = { "en", "English", false };
	struct fx *fx = *state;
	struct pl_html_ctx ctx = { .lang = &en, .langs = &en, .nlangs = 1, .path = "/port/3333",
		.asset_tag = "t", .snapshot = "2024-12-20" };
	struct pl_report_opts o = { .no_host = true };
	struct pl_report r;
	struct pl_err err = { 0 };
	struct pl_buf b = PL_BUF_INIT;
	const char *page;

	assert_int_equal(pl_report_build(fx->st, 3333, PL_PROTO_TCP, &o, &r, &err), 0);
	assert_int_equal(pl_html_port(&b, &ctx, 3333, &r, 1, NULL), 0);
	page = pl_buf_str(&b);
	/* Text from data is escaped wherever it lands; the page has its sections. */
	assert_null(strstr(page, "<script>alert(1)"));
	assert_non_null(strstr(page, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_null(strstr(page, "<b>ID</b>"));
	assert_non_null(strstr(page, "Demo caller &lt;b&gt;ID&lt;/b&gt; daemon"));
	assert_non_null(strstr(page, "<section id=\"what\""));
	assert_non_null(strstr(page, "https://example.org/demo"));
	pl_buf_free(&b);
	/* A page larger than the buffer allows: the first error sticks and is returned. */
	pl_buf_init(&b, 1024);
	assert_int_equal(pl_html_port(&b, &ctx, 3333, &r, 1, NULL), -PL_ETOOBIG);
	assert_int_equal(pl_buf_error(&b), -PL_ETOOBIG);
	assert_true(b.len < 1024);
	pl_buf_free(&b);
	pl_report_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report),
		cmocka_unit_test(test_search),
		cmocka_unit_test(test_pick),
		cmocka_unit_test(test_hints),
		cmocka_unit_test(test_html),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
