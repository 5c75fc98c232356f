/* jsonpos.h: find the line of a value in JSON text. Not installed.
 *
 * jansson parses lore files but keeps no positions for values, and a data editor
 * needs "file:line" for errors found after parsing (an unknown key, a bad port). This
 * walks the already-validated text along a path of keys and indexes and returns the
 * line where that value starts. It is not a parser: it trusts jansson's verdict that
 * the text is well-formed, and answers 1 when it can't follow the path. */
#ifndef PORTLORE_JSONPOS_H
#define PORTLORE_JSONPOS_H

#include <stddef.h>

struct pl__jstep {
	const char *key;     /* member name, or NULL for an array index */
	size_t index;
};

long pl__json_line(const char *text, size_t len, const struct pl__jstep *path, size_t n);

#endif
