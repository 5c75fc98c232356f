/* termsafe.c: making text safe to print on a terminal (see portlore/termsafe.h). */
#include <stdbool.h>
#include <stdio.h>

#include "core/utf8.h"
#include "portlore/termsafe.h"

/* Length of an SGR sequence at s (ESC [ parameters m), or 0: only colour and
 * weight, never a cursor move, an erase or an OSC. */
static size_t
sgr_len(const char *s, size_t len)
{
	size_t i = 2;

	if (len < 3 || s[0] != '\033' || s[1] != '[')
		return 0;
	while (i < len && i < 32 && ((s[i] >= '0' && s[i] <= '9') || s[i] == ';'))
		i++;
	return i < len && s[i] == 'm' ? i + 1 : 0;
}

/* The code point of the well-formed character c[0..n). */
static unsigned long
code_point(const unsigned char *c, size_t n)
{
	static const unsigned char lead[] = { 0, 0x7F, 0x1F, 0x0F, 0x07 };
	unsigned long cp = c[0] & lead[n];

	for (size_t i = 1; i < n; i++)
		cp = cp << 6 | (c[i] & 0x3F);
	return cp;
}

static bool
is_invisible_control(unsigned long cp)
{
	return (cp >= 0x80 && cp <= 0x9F) || cp == 0x200E || cp == 0x200F ||
	    (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

int
pl_termsafe(struct pl_buf *out, const char *s, size_t len, unsigned flags)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run = 0, n;
	int rc = 0;

	/* Runs of safe bytes are appended at once; only what must change is rewritten. */
	while (i < len && rc == 0) {
		unsigned char c = u[i];
		char esc[12];

		if (c >= 0x20 && c < 0x7F) {
			i++;
			continue;
		}
		if ((c == '\n' || c == '\t') && !(flags & PL_TERM_LINE)) {
			i++;
			continue;
		}
		if (c == '\033' && (flags & PL_TERM_SGR) && (n = sgr_len(s + i, len - i)) > 0) {
			i += n;
			continue;
		}
		if (c >= 0x80 && (n = pl__utf8_char(s + i, len - i)) > 0 &&
		    !is_invisible_control(code_point(u + i, n))) {
			i += n;
			continue;
		}
		if (i > run)
			rc = pl_buf_add(out, s + run, i - run);
		if (c >= 0x80 && (n = pl__utf8_char(s + i, len - i)) > 0) {
			snprintf(esc, sizeof(esc), "\\u%04lx", code_point(u + i, n));
			i += n;
		} else {
			snprintf(esc, sizeof(esc), "\\x%02x", c);
			i++;
		}
		if (rc == 0)
			rc = pl_buf_adds(out, esc);
		run = i;
	}
	if (rc == 0 && i > run)
		rc = pl_buf_add(out, s + run, i - run);
	return rc;
}
