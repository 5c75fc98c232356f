/*
 * Numbers from text, in the spirit of OpenBSD's strtonum(3): one call checks the
 * syntax and the range, and says what is wrong.
 */
#ifndef PORTLORE_NUM_H
#define PORTLORE_NUM_H

/*
 * Parses s, an optional '-' and decimal digits and nothing else, as a number from min
 * to max. Returns it with *errstr NULL; or returns 0 with *errstr "invalid", "too
 * small" or "too large" (static strings).
 */
long long pl_strtonum(const char *s, long long min, long long max, const char **errstr);

#endif
