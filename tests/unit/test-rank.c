/* The relevance order of lore uses (include/portlore/rank.h), table by table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "portlore/rank.h"

static void
test_words(void **state)
{
	static const struct { const char *word; int use, prev; } t[] = {
		{ "server", PL_USE_SERVER, -1 },
		{ "default", PL_USE_DEFAULT, -1 },
		{ "client", PL_USE_CLIENT, -1 },
		{ "target", PL_USE_TARGET, -1 },
		{ "historical", PL_USE_HISTORICAL, PL_PREV_HISTORICAL },
		{ "dominant", -1, PL_PREV_DOMINANT },
		{ "common", -1, PL_PREV_COMMON },
		{ "niche", -1, PL_PREV_NICHE },
		{ "Server", -1, -1 },
		{ "", -1, -1 },
		{ NULL, -1, -1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(pl_use_parse(t[i].word), t[i].use);
		assert_int_equal(pl_prevalence_parse(t[i].word), t[i].prev);
		if (t[i].use >= 0)
			assert_string_equal(pl_use_name((enum pl_use)t[i].use), t[i].word);
		if (t[i].prev >= 0)
			assert_string_equal(pl_prevalence_name((enum pl_prevalence)t[i].prev), t[i].word);
	}
	assert_string_equal(pl_use_name(PL_USE_UNKNOWN), "");
	assert_string_equal(pl_prevalence_name(PL_PREV_UNKNOWN), "");
}

/* Pairs of uses of one port: the first must come before the second. */
static void
test_order(void **state)
{
	static const struct {
		const char *why;
		struct pl_rank_in a, b;
	} t[] = {
		{ "role first: a server before a default of the same prevalence",
		  { "z", PL_USE_SERVER, PL_PREV_COMMON, false, true, false, 0, 1 },
		  { "a", PL_USE_DEFAULT, PL_PREV_COMMON, false, true, false, 0, 9 } },
		{ "a dominant default before a niche server (9090: Prometheus, websm)",
		  { "prometheus", PL_USE_DEFAULT, PL_PREV_DOMINANT, false, true, false, 0, 1 },
		  { "websm", PL_USE_SERVER, PL_PREV_NICHE, false, true, false, 0, 1 } },
		{ "a common server before a dominant default",
		  { "b", PL_USE_SERVER, PL_PREV_COMMON, false, true, false, 0, 1 },
		  { "a", PL_USE_DEFAULT, PL_PREV_DOMINANT, false, true, false, 0, 1 } },
		{ "prevalence second (22: OpenSSH before an appliance's SSH CLI)",
		  { "openssh-sshd", PL_USE_SERVER, PL_PREV_DOMINANT, true, true, false, 0, 1 },
		  { "citrix-netscaler-mgmt", PL_USE_SERVER, PL_PREV_NICHE, false, true, false, 0, 9 } },
		{ "a default before a client script (22: NetScaler's GSLB sync)",
		  { "z-default", PL_USE_DEFAULT, PL_PREV_NICHE, false, true, false, 0, 1 },
		  { "citrix-netscaler-gslb-mep", PL_USE_CLIENT, PL_PREV_NICHE, true, true, false, 0, 9 } },
		{ "a default before a malware target of the same prevalence",
		  { "z", PL_USE_DEFAULT, PL_PREV_COMMON, false, true, false, 0, 1 },
		  { "a", PL_USE_TARGET, PL_PREV_COMMON, false, true, false, 0, 1 } },
		{ "client and target tie on role: prevalence decides",
		  { "z", PL_USE_TARGET, PL_PREV_COMMON, false, true, false, 0, 1 },
		  { "a", PL_USE_CLIENT, PL_PREV_NICHE, false, true, false, 0, 1 } },
		{ "anything current before a historical use",
		  { "z", PL_USE_TARGET, PL_PREV_NICHE, false, true, false, 0, 1 },
		  { "a", PL_USE_HISTORICAL, PL_PREV_HISTORICAL, true, true, false, 0, 9 } },
		{ "registry agreement third",
		  { "z", PL_USE_SERVER, PL_PREV_COMMON, true, true, false, 0, 1 },
		  { "a", PL_USE_SERVER, PL_PREV_COMMON, false, true, false, 0, 9 } },
		{ "this very port before a range around it",
		  { "z", PL_USE_DEFAULT, PL_PREV_COMMON, false, true, false, 0, 1 },
		  { "a", PL_USE_DEFAULT, PL_PREV_COMMON, false, false, false, 0, 9 } },
		{ "a wide range always last",
		  { "z", PL_USE_HISTORICAL, PL_PREV_HISTORICAL, false, true, false, 0, 1 },
		  { "a", PL_USE_SERVER, PL_PREV_DOMINANT, true, false, true, 0, 9 } },
		{ "a use the lore file does not describe after described ones",
		  { "z", PL_USE_DEFAULT, PL_PREV_NICHE, false, true, false, 0, 1 },
		  { "a", PL_USE_UNKNOWN, PL_PREV_UNKNOWN, false, true, false, 0, 9 } },
		{ "equal score: the more frequently open port first (lists across ports)",
		  { "z", PL_USE_SERVER, PL_PREV_DOMINANT, false, true, false, 0.18, 1 },
		  { "a", PL_USE_SERVER, PL_PREV_DOMINANT, false, true, false, 0.01, 9 } },
		{ "equal score and port: the better-sourced entry first",
		  { "z", PL_USE_SERVER, PL_PREV_COMMON, false, true, false, 0, 5 },
		  { "a", PL_USE_SERVER, PL_PREV_COMMON, false, true, false, 0, 2 } },
		{ "all equal: the id, only so that the order is repeatable",
		  { "a", PL_USE_SERVER, PL_PREV_COMMON, false, true, false, 0, 2 },
		  { "b", PL_USE_SERVER, PL_PREV_COMMON, false, true, false, 0, 2 } },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (pl_rank_cmp(&t[i].a, &t[i].b) >= 0 || pl_rank_cmp(&t[i].b, &t[i].a) <= 0)
			fail_msg("case %zu (%s): wrong order", i, t[i].why);
	}
	assert_int_equal(pl_rank_cmp(&t[0].a, &t[0].a), 0);
}

static void
test_scores(void **state)
{
	static const struct { struct pl_rank_in in; int score; } t[] = {
		{ { "x", PL_USE_SERVER, PL_PREV_DOMINANT, false, true, false, 0, 1 }, 0 },
		{ { "x", PL_USE_SERVER, PL_PREV_DOMINANT, true, true, false, 0, 1 }, -5 },
		{ { "x", PL_USE_DEFAULT, PL_PREV_COMMON, false, true, false, 0, 1 }, 18 },
		{ { "x", PL_USE_SERVER, PL_PREV_NICHE, false, false, false, 0, 1 }, 23 },
		{ { "x", PL_USE_CLIENT, PL_PREV_NICHE, false, true, false, 0, 1 }, 50 },
		{ { "x", PL_USE_HISTORICAL, PL_PREV_HISTORICAL, false, true, false, 0, 1 }, 70 },
		{ { "x", PL_USE_SERVER, PL_PREV_DOMINANT, false, false, true, 0, 1 }, 1003 },
		/* Out-of-range values count as unknown rather than reading past the tables. */
		{ { "x", (enum pl_use)99, (enum pl_prevalence)99, false, true, false, 0, 1 }, 60 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (pl_rank_score(&t[i].in) != t[i].score)
			fail_msg("case %zu: score %d, want %d", i, pl_rank_score(&t[i].in), t[i].score);
}

static void
test_names_agree(void **state)
{
	static const struct { const char *service, *id, *family, *name; bool want; } t[] = {
		{ "ssh", "openssh-sshd", "openssh", "OpenSSH sshd", true },
		{ "ssh", "citrix-netscaler-mgmt", "citrix-netscaler", "NetScaler management over SSH", false },
		{ "http", "http-server", "http-server", "HTTP web server", true },
		{ "https", "http-server", "http-server", "HTTP web server", false },
		{ "X11", "x11-server-tcp", "x11", "X Window System", true },
		{ "memcache", "memcached-server", "memcached", "memcached", true },
		{ "redis", "redis-server", "redis", "Redis", true },
		{ "mysql", "mysql-classic", "mysql", "MySQL Server", true },
		{ "nfs", "cisco-reverse-telnet-lines", "cisco-reverse-telnet", "Cisco reverse telnet", false },
		{ "Kafka", "x-broker", "x", "Kafka broker", true },
		{ "x", "x11-server-tcp", "x11", "X", false },
		{ "", "a", "a", "a", false },
		{ NULL, "a", "a", "a", false },
		{ "ab", "zz-ab", "zz", "Zz", true },
		{ "ab", "zz-abc", "zz", "Zz", false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (pl_rank_names_agree(t[i].service, t[i].id, t[i].family, t[i].name) != t[i].want)
			fail_msg("case %zu: '%s' vs %s: want %d", i, t[i].service ? t[i].service : "(null)",
			    t[i].id, t[i].want);
}

static void
test_reasons(void **state)
{
	struct pl_rank_in in = { "x", PL_USE_DEFAULT, PL_PREV_NICHE, true, false, true, 0, 1 };
	char why[6][PL_RANK_REASON_MAX];
	size_t n = pl_rank_reasons(&in, why, 6);

	(void)state;
	assert_int_equal(n, 4);
	assert_string_equal(why[0], "role: default (a vendor or application default)");
	assert_string_equal(why[1], "prevalence: niche");
	assert_string_equal(why[2], "agrees with the registry's service name");
	assert_string_equal(why[3], "listed through a wide range (ranked last)");
	/* Never more than asked for. */
	assert_int_equal(pl_rank_reasons(&in, why, 1), 1);
	in = (struct pl_rank_in){ "x", PL_USE_UNKNOWN, PL_PREV_UNKNOWN, false, true, false, 0, 1 };
	assert_int_equal(pl_rank_reasons(&in, why, 6), 2);
	assert_string_equal(why[0], "role: unknown (not said)");
	assert_string_equal(why[1], "prevalence: unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_scores),
		cmocka_unit_test(test_names_agree),
		cmocka_unit_test(test_reasons),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
