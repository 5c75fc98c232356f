/* buf-internal.h: what the library's writers share about the buffer. Not installed. */
#ifndef PORTLORE_BUF_INTERNAL_H
#define PORTLORE_BUF_INTERNAL_H

#include <stddef.h>

#include "portlore/buf.h"

/*
 * Room for len more bytes (and the NUL after them): a pointer to where they go, which
 * the caller fills and then counts with b->len += n (n <= len) and a NUL at the end.
 * NULL when the buffer has failed or can't grow (the error sticks in b).
 */
char *pl__buf_reserve_slow(struct pl_buf *b, size_t len);

static inline char *
pl__buf_reserve(struct pl_buf *b, size_t len)
{
	if (b->err == 0 && b->data != NULL && len < b->cap - b->len)
		return b->data + b->len;
	return pl__buf_reserve_slow(b, len);
}

/* The bytes a JSON string escapes (and NUL, its end here): 1, the rest 0. */
extern const unsigned char pl__json_special[256];

/* Whether s needs no escaping in a JSON string; *len gets its length when it does not
 * (else the length of its plain prefix). */
static inline int
pl__json_plain(const char *s, size_t *len)
{
	const char *p = s;

	while (!pl__json_special[(unsigned char)*p])
		p++;
	*len = (size_t)(p - s);
	return *p == '\0';
}

#endif
