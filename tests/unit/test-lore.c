/* Lore validation: a good file passes; each broken rule is refused with file:line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "portlore/store.h"
#include "fixture.h"

/* A valid file; tests replace one marked piece to break one rule at a known line. */
static const char good[] =
    "{\n"                                                        /* 1 */
    "  \"family\": \"demo\",\n"                                  /* 2 */
    "  \"name\": \"Demo family\",\n"                             /* 3 */
    "  \"entries\": [\n"                                         /* 4 */
    "    {\n"                                                    /* 5 */
    "      \"id\": \"demo-server\",\n"                           /* 6 */
    "      \"name\": \"Demo server\",\n"                         /* 7 */
    "      \"vendor\": \"Demo project\",\n"                      /* 8 */
    "      \"kind\": \"application\",\n"                         /* 9 */
    "      \"ports\": [\n"                                       /* 10 */
    "        { \"port\": 3333, \"proto\": \"tcp\", \"role\": \"server\", \"use\": \"server\","
    " \"prevalence\": \"dominant\", \"evidence\": \"the registry's port [1]\" },\n"  /* 11 */
    "        { \"port\": \"6000-6063\", \"proto\": \"udp\", \"role\": \"x\", \"use\": \"default\","
    " \"prevalence\": \"niche\", \"evidence\": \"x\" }\n" /* 12 */
    "      ],\n"                                                 /* 13 */
    "      \"years\": { \"from\": 2002 },\n"                     /* 14 */
    "      \"summary\": \"Does a thing.\",\n"                    /* 15 */
    "      \"risk\": { \"level\": \"low\", \"why\": \"Because.\" },\n" /* 16 */
    "      \"cves\": [\"CVE-2017-16930\"],\n"                    /* 17 */
    "      \"hints\": { \"process\": [\"^ncidd$\"], \"banner\": [\"^200 \"] },\n" /* 18 */
    "      \"sources\": [\n"                                     /* 19 */
    "        { \"title\": \"Doc\", \"url\": \"https://example.org/doc\", \"published\": \"2020-01\","
    " \"accessed\": \"2026-11-23\", \"tier\": \"primary\" }\n" /* 20 */
    "      ]\n"                                                  /* 21 */
    "    }\n"                                                    /* 22 */
    "  ]\n"                                                      /* 23 */
    "}\n";

static char *
replace(const char *from, const char *to)
{
	static char out[8192];
	const char *p = strstr(good, from);

	if (p == NULL)
		fail_msg("fixture lacks '%s'", from);
	snprintf(out, sizeof(out), "%.*s%s%s", (int)(p - good), good, to, p + strlen(from));
	return out;
}

static void
check(const char *text, const char *want)
{
	struct pl_err err = { 0 };
	int rc = pl_lore_check_text("data/lore/demo.json", text, strlen(text), &err);

	if (want == NULL) {
		if (rc != 0)
			fail_msg("valid text refused: %s", err.msg);
		return;
	}
	if (rc != -PL_EDATA || strstr(err.msg, want) == NULL)
		fail_msg("got rc %d '%s', want '%s'", rc, err.msg, want);
}

static void
test_good(void **state)
{
	char low[8192], *t;

	(void)state;
	check(good, NULL);
	/* Without a primary source an entry stands only as confidence low, with the reason. */
	snprintf(low, sizeof(low), "%s", replace("\"tier\": \"primary\"", "\"tier\": \"community\""));
	{
		static const char conf[] =
		    "      \"confidence\": { \"level\": \"low\", \"why\": \"Only a forum post.\" },\n";

		t = strstr(low, "      \"sources\": [\n");
		memmove(t + strlen(conf), t, strlen(t) + 1);
		memcpy(t, conf, strlen(conf));
	}
	check(low, NULL);
	/* No source dates the entry: it leaves years out rather than guess. */
	check(replace("      \"years\": { \"from\": 2002 },\n", ""), NULL);
}

static void
test_rules(void **state)
{
	static const struct { const char *from, *to, *want; } t[] = {
		{ "\"kind\": \"application\"", "\"kind\": \"application\", \"colour\": \"red\"",
		  "demo.json:9: entries[0].colour: unknown key 'colour'" },
		{ "\"port\": 3333", "\"port\": 65536", "demo.json:11: entries[0].ports[0].port: must be a port" },
		{ "\"port\": 3333", "\"port\": -1", ":11: entries[0].ports[0].port" },
		{ "\"port\": \"6000-6063\"", "\"port\": \"6063-6000\"", ":12: entries[0].ports[1].port" },
		{ "\"proto\": \"tcp\"", "\"proto\": \"icmp\"", ":11: entries[0].ports[0].proto: 'icmp'" },
		{ "\"role\": \"server\"", "\"role\": \"\"", ":11: entries[0].ports[0].role: must not be empty" },
		/* Relevance: known words, non-empty evidence that cites only sources the entry has. */
		{ "\"use\": \"server\"", "\"use\": \"listener\"",
		  ":11: entries[0].ports[0].use: 'listener' is not server, default, client" },
		{ "\"prevalence\": \"dominant\"", "\"prevalence\": \"huge\"",
		  ":11: entries[0].ports[0].prevalence: 'huge' is not dominant" },
		{ "\"evidence\": \"x\"", "\"evidence\": \"\"",
		  ":12: entries[0].ports[1].evidence: must not be empty" },
		{ "port [1]", "port [2]", ":11: entries[0].ports[0].evidence: cites [2] but the entry has 1 source" },
		{ "port [1]", "port [0]", ":11: entries[0].ports[0].evidence: cites [0]" },
		{ ", \"use\": \"default\"", "", ":12: entries[0].ports[1]: a port lacks required key 'use'" },
		{ "\"port\": \"6000-6063\", \"proto\": \"udp\"", "\"port\": 3333, \"proto\": \"tcp\"",
		  ":12: entries[0].ports[1]: duplicates ports[0]" },
		{ "        { \"title\": \"Doc\", \"url\": \"https://example.org/doc\", \"published\": \"2020-01\","
		  " \"accessed\": \"2026-11-23\", \"tier\": \"primary\" }\n", "",
		  ":19: entries[0].sources: at least one source" },
		{ "https://example.org/doc", "ftp://example.org/doc", ":20: entries[0].sources[0].url" },
		{ "\"2020-01\"", "\"2020-13\"", ":20: entries[0].sources[0].published: '2020-13' is not a date" },
		{ "\"2026-11-23\"", "\"2026-11\"", ":20: entries[0].sources[0].accessed: '2026-11' is not a day" },
		{ "\"2020-01\"", "\"2027-01\"", ":20: entries[0].sources[0].published: '2027-01' is after the day" },
		{ "\"published\": \"2020-01\",", "\"date\": \"2020-01\",", ":20: entries[0].sources[0].date: unknown key 'date'" },
		{ "\"tier\": \"primary\"", "\"tier\": \"gospel\"", ":20: entries[0].sources[0].tier: 'gospel' is not primary" },
		{ "\"tier\": \"primary\"", "\"tier\": \"community\"", ":19: entries[0].sources: no primary source" },
		{ "\"title\": \"Doc\"", "\"title\": \"RFC 0793\"", ":20: entries[0].sources[0]: 'RFC 0793' is not an RFC number" },
		{ "\"title\": \"Doc\", \"url\": \"https://example.org/doc\"",
		  "\"title\": \"RFC 793: TCP\", \"url\": \"https://www.rfc-editor.org/rfc/rfc768\"",
		  ":20: entries[0].sources[0]: title names RFC 793 but the URL is RFC 768" },
		{ "https://example.org/doc", "https://nvd.nist.gov/vuln/detail/CVE-2021-44228",
		  ":20: entries[0].sources[0]: CVE-2021-44228 is dated after the source's published date 2020-01" },
		{ "https://example.org/doc", "https://nvd.nist.gov/vuln/detail/CVE-21-4", ":20: entries[0].sources[0]: 'CVE-21-4' is not a CVE id" },
		{ "      \"sources\": [\n", "      \"confidence\": { \"level\": \"sure\", \"why\": \"x\" },\n      \"sources\": [\n",
		  ":19: entries[0].confidence: level 'sure' is not high, medium or low" },
		{ "CVE-2017-16930", "CVE-17-1", ":17: entries[0].cves[0]: 'CVE-17-1' is not a CVE id" },
		{ "^ncidd$", "(unclosed", ":18: entries[0].hints.process[0]: pattern '(unclosed'" },
		{ "\"kind\": \"application\"", "\"kind\": \"toaster\"", ":9: entries[0].kind: 'toaster'" },
		{ "\"level\": \"low\"", "\"level\": \"dire\"", ":16: entries[0].risk: level 'dire'" },
		{ "{ \"from\": 2002 }", "{ \"from\": 2002, \"to\": 1999 }", ":14: entries[0].years" },
		{ "\"id\": \"demo-server\"", "\"id\": \"Demo Server\"", ":6: entries[0].id: 'Demo Server'" },
		{ "\"family\": \"demo\"", "\"family\": \"other\"", ":2: family: 'other' must match" },
		{ "      \"summary\": \"Does a thing.\",\n", "", "entries[0]: an entry lacks required key 'summary'" },
		{ "\"summary\": \"Does a thing.\",", "\"summary\": \"Does a thing.\", \"summary\": \"x\",",
		  "demo.json:15:" },
		{ "}\n  ]\n}", "}\n  ]\n", "demo.json:25:0: '}' expected" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		check(replace(t[i].from, t[i].to), t[i].want);
}

static void
test_dir_duplicates_and_import(void **state)
{
	const char *dir = fx_dir();
	char lore[300], db[300], other[8192];
	struct pl_store *st = NULL;
	struct pl_err err = { 0 };
	long entries = 0, facts = 0;

	(void)state;
	snprintf(lore, sizeof(lore), "%s/lore", dir);
	mkdir(lore, 0755);
	fx_write(lore, "demo.json", good, -1);
	assert_int_equal(pl_lore_import_dir(NULL, lore, &entries, &facts, &err), 0);
	assert_int_equal(entries, 1);
	assert_int_equal(facts, 2);

	/* The same id in another file is refused, naming where it was first seen. */
	snprintf(other, sizeof(other), "%s", replace("\"family\": \"demo\"", "\"family\": \"zz\""));
	fx_write(lore, "zz.json", other, -1);
	assert_int_equal(pl_lore_import_dir(NULL, lore, NULL, NULL, &err), -PL_EDATA);
	assert_non_null(strstr(err.msg, "zz.json:6: entries[0].id: duplicate id 'demo-server' (first at"));
	assert_non_null(strstr(err.msg, "demo.json:6)"));

	/* A refused directory leaves the store's lore as it was. */
	snprintf(db, sizeof(db), "%s/t.db", dir);
	assert_int_equal(pl_store_open(&st, db, PL_STORE_CREATE, &err), 0);
	assert_int_equal(pl_lore_import_dir(st, lore, NULL, NULL, &err), -PL_EDATA);
	unlink(fx_write(lore, "zz.json", "", 0));
	assert_int_equal(pl_lore_import_dir(st, lore, &entries, &facts, &err), 0);
	assert_int_equal(facts, 2);
	pl_store_close(st);
	fx_rmrf(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_dir_duplicates_and_import),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
