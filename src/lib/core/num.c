/* num.c: pl_strtonum, a number in a range from text, or why not. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

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
