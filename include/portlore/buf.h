/*
 * A growable text buffer with a maximum size and a sticky error (after curl's dynbuf).
 *
 * All text portlore builds (terminal, JSON, HTML, HTTP bodies) goes through it. The
 * buffer owns its memory; pl_buf_free() releases it and leaves an empty buffer.
 *
 * The first append that fails (past the maximum: -PL_ETOOBIG; out of memory:
 * -PL_ENOMEM) leaves the content as it was and poisons the buffer: every later append
 * returns that same error and adds nothing. A writer may therefore append freely and
 * check once, at the end, with pl_buf_error(). pl_buf_reset() and pl_buf_free() clear
 * the error.
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
	int err;        /* the first append's error, or 0 */
};

#define PL_BUF_INIT {NULL, 0, 0, 0, 0}

void pl_buf_init(struct pl_buf *b, size_t max);
/* Each returns 0 or the buffer's (first) error. */
int pl_buf_add(struct pl_buf *b, const void *data, size_t len);
int pl_buf_adds(struct pl_buf *b, const char *s);
int pl_buf_addc(struct pl_buf *b, char c);
int pl_buf_printf(struct pl_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int pl_buf_vprintf(struct pl_buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* s (NULL: nothing) with & < > " ' as HTML entities: fit for elements and attributes. */
int pl_buf_add_html(struct pl_buf *b, const char *s);
/* s as a quoted JSON string (RFC 8259 section 7), or null for NULL. " and \ and the
 * control characters are escaped (\n, \t, ... or \u00XX); other bytes pass as they are
 * (text is checked to be UTF-8 where it enters). */
int pl_buf_add_json(struct pl_buf *b, const char *s);
/* Poisons b with rc (a negative PL_E code) unless it already holds an error, for a
 * writer whose own step failed (a scratch buffer, a conversion); returns b's error. */
int pl_buf_fail(struct pl_buf *b, int rc);
/* 0, or the error of the first append that failed. */
int pl_buf_error(const struct pl_buf *b);
/* Returns the content ("" when empty); the buffer keeps ownership. */
const char *pl_buf_str(const struct pl_buf *b);
/* Empties the buffer and clears its error; the memory is kept. */
void pl_buf_reset(struct pl_buf *b);
void pl_buf_free(struct pl_buf *b);

#endif
