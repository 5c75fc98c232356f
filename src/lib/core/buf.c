/* buf.c: the growable, bounded text buffer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portlore/buf.h"
#include "portlore/error.h"

#define PL_BUF_DEFAULT_MAX ((size_t)64 << 20)

void
pl_buf_init(struct pl_buf *b, size_t max)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->max = max;
}

static int
grow(struct pl_buf *b, size_t need)
{
	size_t max = b->max ? b->max : PL_BUF_DEFAULT_MAX;
	size_t cap;
	char *p;

	if (b->len >= max || need > max - b->len - 1)
		return -PL_ETOOBIG;
	if (b->len + need + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + need + 1)
		cap = cap > max / 2 ? max : cap * 2;
	if ((p = realloc(b->data, cap)) == NULL)
		return -PL_ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int
pl_buf_add(struct pl_buf *b, const void *data, size_t len)
{
	int rc;

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

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return -PL_EDATA;
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

void
pl_buf_reset(struct pl_buf *b)
{
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
}
