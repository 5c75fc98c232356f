/*
 * Text for a terminal: the one sanitizer every terminal output path goes through.
 *
 * Registry and lore text, process names, banners, command lines, the user's own
 * arguments and standard input can all carry bytes a terminal acts on: ESC starts
 * cursor moves, colour changes and OSC sequences (window titles, hyperlinks, the
 * clipboard), BEL rings, CR overwrites a line, C1 controls do what ESC does, and
 * bidirectional overrides reorder what is shown. Here each becomes a visible escape;
 * JSON is never passed through it (it carries text exactly, with its own escapes).
 */
#ifndef PORTLORE_TERMSAFE_H
#define PORTLORE_TERMSAFE_H

#include <stddef.h>

#include "portlore/buf.h"

enum pl_term_flags {
	PL_TERM_SGR = 1 << 0,   /* keep the seven SGR sequences portlore's renderers write
	                         * (ESC [ 0/1/2/31/32/33/36 m); every other one is escaped */
	PL_TERM_LINE = 1 << 1   /* one line: newline and tab are escaped too */
};

/*
 * Appends s[0..len) to out, with: C0 controls other than newline and tab, and DEL, as
 * \xHH (ESC is \x1b); C1 controls (U+0080 to U+009F) and the bidirectional controls
 * (U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069) as \uHHHH; each byte that is
 * not part of well-formed UTF-8 as \xHH. Everything else passes unchanged. Returns 0
 * or the buffer's error.
 */
int pl_termsafe(struct pl_buf *out, const char *s, size_t len, unsigned flags);

#endif
