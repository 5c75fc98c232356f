/*
 * A growable text buffer with a maximum size (after curl's dynbuf).
 *
 * All text portlore builds (terminal, JSON, HTML, HTTP bodies) goes through it. The
 * buffer owns its memory; pl_buf_free() releases it and leaves an empty buffer.
 * Appending past the maximum fails with -PL_ETOOBIG and leaves the content as it was.
 */
#ifndef PORTLORE_BUF_H
#define PORTLORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct pl_buf {
	char *data;     /* always NUL-terminated once anything was added */
	size_t len;
	size_t cap;
	size_t max;     /* 0 means the default maximum, 64 MiB */
};

#define PL_BUF_INIT {NULL, 0, 0, 0}

void pl_buf_init(struct pl_buf *b, size_t max);
int pl_buf_add(struct pl_buf *b, const void *data, size_t len);
int pl_buf_adds(struct pl_buf *b, const char *s);
int pl_buf_addc(struct pl_buf *b, char c);
int pl_buf_printf(struct pl_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int pl_buf_vprintf(struct pl_buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Returns the content ("" when empty); the buffer keeps ownership. */
const char *pl_buf_str(const struct pl_buf *b);
void pl_buf_reset(struct pl_buf *b);
void pl_buf_free(struct pl_buf *b);

#endif
