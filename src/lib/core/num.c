/* num.c: pl_strtonum, a number in a range from text, or why not; pl_utc_iso; pl_cpus. */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "portlore/num.h"

long long
pl_strtonum(const char *s, long long min, long long max, const char **errstr)
{
	const char *d = s && *s == '-' ? s + 1 : s;
	char *end;
	long long v;

	*errstr = "invalid";
	/* strtoll would also take blanks and a '+' before the digits. */
	if (d == NULL || *d < '0' || *d > '9' || min > max)
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0')
		return 0;
	if ((errno == ERANGE && v == LLONG_MIN) || v < min) {
		*errstr = "too small";
		return 0;
	}
	if ((errno == ERANGE && v == LLONG_MAX) || v > max) {
		*errstr = "too large";
		return 0;
	}
	*errstr = NULL;
	return v;
}

void
pl_utc_iso(char *buf, size_t len, long long t)
{
	long long z, era, doe, yoe, doy, mp, y, m, d, s;

	if (t <= 0 || t > 253402300799LL) {        /* 9999-12-31T23:59:59Z */
		snprintf(buf, len, "?");
		return;
	}
	/* The civil date of day z (days since 1970-01-01), proleptic Gregorian, counted
	 * in 400-year eras from 0000-03-01 (H. Hinnant's civil_from_days). */
	s = t % 86400;
	z = t / 86400 + 719468;
	era = z / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y = yoe + era * 400 + (m <= 2);
	snprintf(buf, len, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", y, m, d, s / 3600,
	    s / 60 % 60, s % 60);
}

int
pl_cpus(void)
{
	cpu_set_t set;
	long n;

	/* A mask too small for the machine's CPUs (over 1,024) is refused: count them. */
	if (sched_getaffinity(0, sizeof(set), &set) == 0 && (n = CPU_COUNT(&set)) > 0)
		return (int)n;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 4096 ? 4096 : (int)n;
}
