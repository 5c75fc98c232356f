/* Range facts: IANA's classes, this host's settings (from fixture folders), browsers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "portlore/ranges.h"
#include "fixture.h"

static void
test_iana_classes(void **state)
{
	static const struct { unsigned port; const char *key; unsigned lo, hi, size; } t[] = {
		{ 0, "system", 0, 1023, 1024 }, { 1023, "system", 0, 1023, 1024 },
		{ 1024, "user", 1024, 49151, 48128 }, { 3333, "user", 1024, 49151, 48128 },
		{ 49151, "user", 1024, 49151, 48128 }, { 49152, "dynamic", 49152, 65535, 16384 },
		{ 65535, "dynamic", 49152, 65535, 16384 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const struct pl_iana_range *r = pl_iana_range_of((uint16_t)t[i].port);

		assert_string_equal(r->key, t[i].key);
		assert_int_equal(r->lo, t[i].lo);
		assert_int_equal(r->hi, t[i].hi);
		assert_int_equal(r->size, t[i].size);
		assert_int_equal(r->size, r->hi - r->lo + 1);
	}
}

static void
write_proc(const char *root, const char *range, const char *reserved, const char *unpriv)
{
	char dir[256];

	snprintf(dir, sizeof(dir), "%s/proc/sys/net/ipv4", root);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", dir);
	assert_int_equal(system(cmd), 0);
	if (range)
		fx_write(dir, "ip_local_port_range", range, -1);
	if (reserved)
		fx_write(dir, "ip_local_reserved_ports", reserved, -1);
	if (unpriv)
		fx_write(dir, "ip_unprivileged_port_start", unpriv, -1);
}

static void
test_os_fixture(void **state)
{
	const char *root = fx_dir();
	struct pl_os_ranges os;
	struct pl_err err = { 0 };
	char list[64];

	(void)state;
	write_proc(root, "32768\t60999\n", "8000-8010,9000\n", "1024\n");
	assert_int_equal(pl_os_ranges_read(&os, root, &err), 0);
	assert_true(os.have_ephemeral && os.have_reserved && os.have_unpriv);
	assert_int_equal(os.eph_lo, 32768);
	assert_int_equal(os.eph_hi, 60999);
	assert_int_equal(os.nreserved, 12);
	assert_true(pl_os_reserved(&os, 8000) && pl_os_reserved(&os, 8010) && pl_os_reserved(&os, 9000));
	assert_false(pl_os_reserved(&os, 7999) || pl_os_reserved(&os, 8011) || pl_os_reserved(&os, 1));
	assert_int_equal(pl_os_reserved_list(&os, list, sizeof(list)), 14);
	assert_string_equal(list, "8000-8010,9000");
	assert_int_equal(os.unpriv_start, 1024);
	assert_string_equal(os.reason, "");
	fx_rmrf(root);
	/* Overlapping entries count once; an empty list is read, and lists as "". */
	root = fx_dir();
	write_proc(root, "32768\t60999\n", "8000-8010,8005,65535\n", "1024\n");
	assert_int_equal(pl_os_ranges_read(&os, root, &err), 0);
	assert_int_equal(os.nreserved, 12);
	assert_true(pl_os_reserved(&os, 65535));
	assert_int_equal(pl_os_reserved_list(&os, list, sizeof(list)), 15);
	assert_string_equal(list, "8000-8010,65535");
	fx_rmrf(root);
	root = fx_dir();
	write_proc(root, "32768\t60999\n", "\n", "1024\n");
	assert_int_equal(pl_os_ranges_read(&os, root, &err), 0);
	assert_true(os.have_reserved);
	assert_int_equal(os.nreserved, 0);
	assert_false(pl_os_reserved(&os, 8000));
	assert_int_equal(pl_os_reserved_list(&os, list, sizeof(list)), 0);
	assert_string_equal(list, "");
	fx_rmrf(root);
}

/* A list longer than any fixed buffer (every other port of 10000-30000: some 60 KB) is
 * read whole, and is shortened only where a caller asks for a short form. */
static void
test_os_long_reserved(void **state)
{
	const char *root = fx_dir();
	struct pl_os_ranges os;
	struct pl_err err = { 0 };
	size_t len = 0, cap = 128 * 1024, n;
	char *text = malloc(cap), *whole, small[40];

	(void)state;
	assert_non_null(text);
	for (unsigned p = 10000; p <= 30000; p += 2)
		len += (size_t)snprintf(text + len, cap - len, "%s%u", len ? "," : "", p);
	assert_true(len > 60000);
	text[len++] = '\n';
	text[len] = '\0';
	write_proc(root, "32768\t60999\n", text, "1024\n");
	assert_int_equal(pl_os_ranges_read(&os, root, &err), 0);
	assert_int_equal(os.nreserved, 10001);
	assert_true(pl_os_reserved(&os, 10000) && pl_os_reserved(&os, 29998) &&
	    pl_os_reserved(&os, 30000));
	assert_false(pl_os_reserved(&os, 29999) || pl_os_reserved(&os, 30002));
	n = pl_os_reserved_list(&os, NULL, 0);
	assert_int_equal(n, len - 1);
	assert_non_null(whole = malloc(n + 1));
	assert_int_equal(pl_os_reserved_list(&os, whole, n + 1), n);
	text[len - 1] = '\0';
	assert_string_equal(whole, text);
	/* The short form: whole ranges, then "...". */
	assert_int_equal(pl_os_reserved_list(&os, small, sizeof(small)), n);
	assert_string_equal(small, "10000,10002,10004,10006,10008,10010...");
	assert_true(strlen(small) < sizeof(small));
	pl_os_reserved_brief(&os, small, sizeof(small));
	assert_string_equal(small, "10000,10002,10004... (10001 ports)");
	pl_os_reserved_brief(&os, whole, n + 1);
	assert_string_equal(whole, text);
	free(whole);
	free(text);
	fx_rmrf(root);
}

static void
test_os_missing(void **state)
{
	const char *root = fx_dir();
	struct pl_os_ranges os;
	struct pl_err err = { 0 };

	(void)state;
	write_proc(root, "1024 65535\n", NULL, NULL);
	assert_int_equal(pl_os_ranges_read(&os, root, &err), 0);
	assert_true(os.have_ephemeral);
	assert_false(os.have_reserved);
	assert_false(os.have_unpriv);
	assert_non_null(strstr(os.reason, "ip_local_reserved_ports"));
	assert_non_null(strstr(os.reason, "ip_unprivileged_port_start"));
	fx_rmrf(root);
}

static void
test_os_malformed(void **state)
{
	static const char *const bad[][3] = {
		{ "32768\n", "", "1024" },               /* one number */
		{ "60999 32768\n", "", "1024" },         /* reversed */
		{ "32768 70000\n", "", "1024" },         /* out of range */
		{ "32768 60999\n", "80,x", "1024" },     /* bad list */
		{ "32768 60999\n", "90-80", "1024" },    /* reversed range in list */
		{ "32768 60999\n", "", "-1" },           /* negative */
		{ "32768 60999\n", "", "1024 2" },       /* trailing junk */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *root = fx_dir();
		struct pl_os_ranges os;
		struct pl_err err = { 0 };

		write_proc(root, bad[i][0], bad[i][1], bad[i][2]);
		if (pl_os_ranges_read(&os, root, &err) != -PL_EDATA || strstr(err.msg, root) == NULL)
			fail_msg("case %zu accepted or unnamed: '%s'", i, err.msg);
		fx_rmrf(root);
	}
}

static void
test_browsers(void **state)
{
	static const unsigned blocked[] = { 1, 22, 25, 6000, 6665, 6666, 6667, 6668, 6669,
		6697, 10080, 5060, 4190 };
	static const unsigned allowed[] = { 80, 443, 3333, 6001, 6664, 6670, 8080, 10081 };
	struct pl_browser_block b;

	(void)state;
	for (size_t i = 0; i < sizeof(blocked) / sizeof(blocked[0]); i++) {
		pl_browser_block_of((uint16_t)blocked[i], &b);
		if (!b.chromium || !b.firefox)
			fail_msg("port %u should be blocked", blocked[i]);
	}
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		pl_browser_block_of((uint16_t)allowed[i], &b);
		if (b.chromium || b.firefox)
			fail_msg("port %u should be allowed", allowed[i]);
	}
	assert_non_null(strstr(b.spec_src, "fetch.spec.whatwg.org"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iana_classes),
		cmocka_unit_test(test_os_fixture),
		cmocka_unit_test(test_os_long_reserved),
		cmocka_unit_test(test_os_missing),
		cmocka_unit_test(test_os_malformed),
		cmocka_unit_test(test_browsers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
