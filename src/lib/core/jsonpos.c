/* jsonpos.c: line numbers of values in well-formed JSON text (see jsonpos.h). */
#include <string.h>

#include "core/jsonpos.h"

static const char *
ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* p at '"'; returns the byte after the closing quote. */
static const char *
skip_string(const char *p, const char *e)
{
	for (p++; p < e; p++) {
		if (*p == '\\')
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return e;
}

/* Returns the byte after the value that starts at p (after blanks). */
static const char *
skip_value(const char *p, const char *e)
{
	int depth = 0;

	p = ws(p, e);
	while (p < e) {
		const char c = *p;

		if (c == '"') {
			p = skip_string(p, e);
			if (depth == 0)
				return p;
			continue;
		}
		if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			if (depth == 0)
				return p;
			if (--depth == 0)
				return p + 1;
		} else if (depth == 0 && (c == ',' || c == ' ' || c == '\n' || c == '\r' ||
		    c == '\t')) {
			return p;
		}
		p++;
	}
	return e;
}

static long
line_of(const char *text, const char *p)
{
	long line = 1;

	for (const char *q = text; q < p; q++)
		if (*q == '\n')
			line++;
	return line;
}

long
pl__json_line(const char *text, size_t len, const struct pl__jstep *path, size_t n)
{
	const char *p = text, *e = text + len;

	p = ws(p, e);
	for (size_t i = 0; i < n; i++) {
		if (path[i].key != NULL) {
			size_t klen = strlen(path[i].key);

			if (p >= e || *p != '{')
				return line_of(text, p);
			p = ws(p + 1, e);
			for (;;) {
				const char *k, *kend;

				if (p >= e || *p != '"')
					return line_of(text, p);
				k = p + 1;
				kend = skip_string(p, e);
				p = ws(kend, e);
				if (p >= e || *p != ':')
					return line_of(text, p);
				p = ws(p + 1, e);
				if ((size_t)(kend - 1 - k) == klen && memcmp(k, path[i].key, klen) == 0)
					break;
				p = ws(skip_value(p, e), e);
				if (p >= e || *p != ',')
					return line_of(text, p);
				p = ws(p + 1, e);
			}
		} else {
			if (p >= e || *p != '[')
				return line_of(text, p);
			p = ws(p + 1, e);
			for (size_t j = 0; j < path[i].index; j++) {
				p = ws(skip_value(p, e), e);
				if (p >= e || *p != ',')
					return line_of(text, p);
				p = ws(p + 1, e);
			}
		}
	}
	return line_of(text, p);
}
