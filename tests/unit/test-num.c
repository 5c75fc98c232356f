/* pl_strtonum: a number in a range, or why not (table-driven). */
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <time.h>

#include "portlore/num.h"

static void
test_strtonum(void **state)
{
	static const struct {
		const char *in;
		long long min, max, want;
		const char *err;
	} t[] = {
		{ "0", 0, 65535, 0, NULL },
		{ "65535", 0, 65535, 65535, NULL },
		{ "65536", 0, 65535, 0, "too large" },
		{ "-1", 0, 65535, 0, "too small" },
		{ "-5", -10, 10, -5, NULL },
		{ "9223372036854775807", 0, INT64_MAX, INT64_MAX, NULL },
		{ "9223372036854775808", 0, INT64_MAX, 0, "too large" },
		{ "-9223372036854775809", INT64_MIN, 0, 0, "too small" },
		{ "", 0, 10, 0, "invalid" },
		{ "-", 0, 10, 0, "invalid" },
		{ " 5", 0, 10, 0, "invalid" },
		{ "+5", 0, 10, 0, "invalid" },
		{ "5 ", 0, 10, 0, "invalid" },
		{ "5x", 0, 10, 0, "invalid" },
		{ "0x10", 0, 100, 0, "invalid" },
		{ "7", 10, 1, 0, "invalid" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *err = "unset";
		long long v = pl_strtonum(t[i].in, t[i].min, t[i].max, &err);

		if (v != t[i].want || (err == NULL) != (t[i].err == NULL) ||
		    (err && strcmp(err, t[i].err) != 0))
			fail_msg("case %zu '%s': got %lld (%s)", i, t[i].in, v, err ? err : "ok");
	}
	assert_int_equal(pl_strtonum(NULL, 0, 1, &(const char *){ NULL }), 0);
}

/* pl_utc_iso() agrees with gmtime_r() and strftime() across eras, leap days and
 * century years, and refuses what it can't print. */
static void
test_utc_iso(void **state)
{
	static const long long fixed[] = { 1, 59, 86399, 86400, 951782399, 951782400,
		951868800, 4107542400LL, 4107456000LL, 1798761599, 253402300799LL };
	char got[32], want[32];
	unsigned long long x = 88172645463325252ULL;

	(void)state;
	for (int i = 0; i < 200000; i++) {
		long long t = i < (int)(sizeof(fixed) / sizeof(*fixed)) ? fixed[i] :
		    (long long)((x ^= x << 13, x ^= x >> 7, x ^= x << 17) % 253402300799ULL) + 1;
		time_t tt = (time_t)t;
		struct tm tm;

		assert_non_null(gmtime_r(&tt, &tm));
		assert_true(strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm) > 0);
		pl_utc_iso(got, sizeof(got), t);
		if (strcmp(got, want) != 0)
			fail_msg("%lld: got %s, gmtime_r says %s", t, got, want);
	}
	pl_utc_iso(got, sizeof(got), 0);
	assert_string_equal(got, "?");
	pl_utc_iso(got, sizeof(got), -5);
	assert_string_equal(got, "?");
	pl_utc_iso(got, sizeof(got), 253402300800LL);
	assert_string_equal(got, "?");
	pl_utc_iso(got, 8, 86400);
	assert_string_equal(got, "1970-01");
}

/* pl_cpus() counts the CPUs the affinity mask allows, not those online: pinned to one,
 * it says 1. */
static void
test_cpus(void **state)
{
	cpu_set_t all, one;
	int first = -1;

	(void)state;
	assert_int_equal(sched_getaffinity(0, sizeof(all), &all), 0);
	assert_int_equal(pl_cpus(), CPU_COUNT(&all));
	for (int i = 0; i < CPU_SETSIZE && first < 0; i++)
		if (CPU_ISSET(i, &all))
			first = i;
	assert_true(first >= 0);
	CPU_ZERO(&one);
	CPU_SET(first, &one);
	assert_int_equal(sched_setaffinity(0, sizeof(one), &one), 0);
	assert_int_equal(pl_cpus(), 1);
	assert_int_equal(sched_setaffinity(0, sizeof(all), &all), 0);
	assert_int_equal(pl_cpus(), CPU_COUNT(&all));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strtonum),
		cmocka_unit_test(test_utc_iso),
		cmocka_unit_test(test_cpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
