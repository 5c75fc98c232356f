/*
 * Numbers from text, in the spirit of OpenBSD's strtonum(3): one call checks the
 * syntax and the range, and says what is wrong.
 */
#ifndef PORTLORE_NUM_H
#define PORTLORE_NUM_H

#include <stddef.h>

/*
 * Parses s, an optional '-' and decimal digits and nothing else, as a number from min
 * to max. Returns it with *errstr NULL; or returns 0 with *errstr "invalid", "too
 * small" or "too large" (static strings).
 */
long long pl_strtonum(const char *s, long long min, long long max, const char **errstr);

/*
 * Unix time t as "YYYY-MM-DDTHH:MM:SSZ" (UTC) in buf (21 bytes hold it), or "?" for a
 * time before 1970-01-01T00:00:01Z or after year 9999. By arithmetic: the C library's
 * gmtime_r() reads the time zone file on its first call of the process, for nothing.
 */
void pl_utc_iso(char *buf, size_t len, long long t);

/*
 * How many CPUs this process may run on: its affinity mask, so that a container or
 * `taskset` given 2 CPUs of 64 counts 2; at least 1. sysconf(_SC_NPROCESSORS_ONLN)
 * counts every online CPU, reading a file under /sys to do it.
 */
int pl_cpus(void);

#endif
