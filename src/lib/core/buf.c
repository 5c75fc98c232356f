/* buf.c: the growable, bounded text buffer whose first error sticks, and the two
 * escapers every writer shares (HTML and JSON strings). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portlore/buf.h"
#include "portlore/error.h"
#include "buf-internal.h"

#define PL_BUF_DEFAULT_MAX ((size_t)64 << 20)

void
pl_buf_init(struct pl_buf *b, size_t max)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->max = max;
	b->err = 0;
}

int
pl_buf_fail(struct pl_buf *b, int rc)
{
	if (b->err == 0)
		b->err = rc;
	return b->err;
}

static int
grow(struct pl_buf *b, size_t need)
{
	size_t max = b->max ? b->max : PL_BUF_DEFAULT_MAX;
	size_t cap;
	char *p;

	if (b->err != 0)
		return b->err;
	if (b->len >= max || need > max - b->len - 1)
		return pl_buf_fail(b, -PL_ETOOBIG);
	if (b->len + need + 1 <= b->cap)
		return 0;
	/* Never beyond the maximum: pl_buf_add's fast path relies on it. */
	cap = b->cap ? b->cap : max < 256 ? max : 256;
	while (cap < b->len + need + 1)
		cap = cap > max / 2 ? max : cap * 2;
	if ((p = realloc(b->data, cap)) == NULL)
		return pl_buf_fail(b, -PL_ENOMEM);
	b->data = p;
	b->cap = cap;
	return 0;
}

/* The bytes a JSON string escapes (and NUL, its end here). */
const unsigned char pl__json_special[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	['"'] = 1, ['\\'] = 1,
};

char *
pl__buf_reserve_slow(struct pl_buf *b, size_t len)
{
	return grow(b, len) == 0 ? b->data + b->len : NULL;
}

int
pl_buf_add(struct pl_buf *b, const void *data, size_t len)
{
	int rc;

	/* Room already there (the common case of small appends): no checks to redo, since
	 * the capacity never exceeds the maximum. */
	if (b->err == 0 && b->data != NULL && len < b->cap - b->len) {
		memcpy(b->data + b->len, data, len);
		b->len += len;
		b->data[b->len] = '\0';
		return 0;
	}
	if ((rc = grow(b, len)) != 0)
		return rc;
	if (len > 0)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int
pl_buf_adds(struct pl_buf *b, const char *s)
{
	return pl_buf_add(b, s, strlen(s));
}

int
pl_buf_addc(struct pl_buf *b, char c)
{
	return pl_buf_add(b, &c, 1);
}

int
pl_buf_vprintf(struct pl_buf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n, rc;

	if (b->err != 0)
		return b->err;
	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return pl_buf_fail(b, -PL_EDATA);
	if ((rc = grow(b, (size_t)n)) != 0)
		return rc;
	n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int
pl_buf_printf(struct pl_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = pl_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

const char *
pl_buf_str(const struct pl_buf *b)
{
	return b->data ? b->data : "";
}

int
pl_buf_add_html(struct pl_buf *b, const char *s)
{
	const char *p = s ? s : "";

	while (*p && b->err == 0) {
		size_t run = strcspn(p, "&<>\"'");

		pl_buf_add(b, p, run);
		p += run;
		switch (*p) {
		case '\0': return b->err;
		case '&': pl_buf_add(b, "&amp;", 5); break;
		case '<': pl_buf_add(b, "&lt;", 4); break;
		case '>': pl_buf_add(b, "&gt;", 4); break;
		case '"': pl_buf_add(b, "&quot;", 6); break;
		default: pl_buf_add(b, "&#39;", 5); break;
		}
		p++;
	}
	return b->err;
}


int
pl_buf_add_json(struct pl_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *run;

	if (s == NULL)
		return pl_buf_add(b, "null", 4);
	pl_buf_addc(b, '"');
	for (run = s; ; s++) {
		unsigned char c;
		char e[6];
		size_t elen = 2;

		while (!pl__json_special[(unsigned char)*s])
			s++;
		if ((c = (unsigned char)*s) == '\0')
			break;
		e[0] = '\\', e[1] = 'u', e[2] = '0', e[3] = '0', e[4] = hex[c >> 4], e[5] = hex[c & 15];
		pl_buf_add(b, run, (size_t)(s - run));
		run = s + 1;
		switch (c) {
		case '"': case '\\': e[1] = (char)c; break;
		case '\b': e[1] = 'b'; break;
		case '\f': e[1] = 'f'; break;
		case '\n': e[1] = 'n'; break;
		case '\r': e[1] = 'r'; break;
		case '\t': e[1] = 't'; break;
		default: elen = 6; break;
		}
		pl_buf_add(b, e, elen);
	}
	pl_buf_add(b, run, (size_t)(s - run));
	return pl_buf_addc(b, '"');
}

int
pl_buf_error(const struct pl_buf *b)
{
	return b->err;
}

void
pl_buf_reset(struct pl_buf *b)
{
	b->err = 0;
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void
pl_buf_free(struct pl_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->err = 0;
}
