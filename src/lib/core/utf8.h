/* utf8.h: UTF-8 validation shared by the importers. Not installed. */
#ifndef PORTLORE_UTF8_H
#define PORTLORE_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Returns whether s[0..len) is well-formed UTF-8 (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF) with no NUL byte. */
bool pl__utf8_valid(const char *s, size_t len);

/* Returns the length (1 to 4) of the well-formed character at s[0..len), or 0 when the
 * bytes there are not one (or len is 0). A NUL byte is a character of length 1. */
size_t pl__utf8_char(const char *s, size_t len);

#endif
