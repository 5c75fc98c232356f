/* utf8.c: strict UTF-8 validation (RFC 3629, table 3-7 of the Unicode standard). */
#include "core/utf8.h"

size_t
pl__utf8_char(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char c, lo = 0x80, hi = 0xBF;
	size_t n;

	if (len == 0)
		return 0;
	c = *s;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 1;
	else if (c >= 0xE0 && c <= 0xEF) {
		n = 2;
		if (c == 0xE0)
			lo = 0xA0;      /* no overlongs */
		else if (c == 0xED)
			hi = 0x9F;      /* no surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 3;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;      /* nothing above U+10FFFF */
	} else
		return 0;
	if (len <= n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i <= n; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return n + 1;
}

bool
pl__utf8_valid(const char *s, size_t len)
{
	size_t n;

	while (len > 0) {
		if (*s == '\0' || (n = pl__utf8_char(s, len)) == 0)
			return false;
		s += n;
		len -= n;
	}
	return true;
}
