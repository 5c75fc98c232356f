/* termsafe.c: making text safe to print on a terminal (see portlore/termsafe.h). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/utf8.h"
#include "portlore/termsafe.h"

/* Length of one of portlore's own SGR sequences at s, or 0. Renderers colour with
 * exactly these (reset, bold, dim, red, green, yellow, cyan); data is in the same buffer
 * by then, so any other sequence, SGR or not (conceal, reverse, blink, 256 colours, a
 * cursor move, an OSC), is escaped. */
static size_t
sgr_len(const char *s, size_t len)
{
	static const char *const ours[] = { "\033[0m", "\033[1m", "\033[2m", "\033[31m",
		"\033[32m", "\033[33m", "\033[36m" };

	for (size_t k = 0; k < sizeof(ours) / sizeof(ours[0]); k++) {
		size_t n = strlen(ours[k]);

		if (len >= n && memcmp(s, ours[k], n) == 0)
			return n;
	}
	return 0;
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
