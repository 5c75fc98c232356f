/*
 * portlore error model.
 *
 * Every library function that can fail returns 0 or a negative PL_E* code from the
 * list below, and fills a caller-supplied struct pl_err with a sentence naming the
 * input (file:line, argument, path). The library never prints and never exits; the
 * program decides what to do at the edge.
 */
#ifndef PORTLORE_ERROR_H
#define PORTLORE_ERROR_H

#include <stddef.h>

/* X(name, exit status, text) */
#define PL_ERRNO_MAP(X)                                                       \
	X(NOTFOUND, 1, "not found")                                           \
	X(USAGE, 2, "invalid argument")                                       \
	X(STORE, 3, "store unusable")                                         \
	X(DATA, 4, "malformed input")                                         \
	X(NOMEM, 5, "out of memory")                                          \
	X(IO, 5, "input/output error")                                        \
	X(TOOBIG, 2, "input too large")                                       \
	X(SYS, 5, "system error")                                             \
	X(PERM, 6, "permission denied")                                       \
	X(BUSY, 3, "store busy")                                              \
	X(INTR, 130, "interrupted")

enum pl_errno {
	PL_OK = 0,
#define X(n, s, t) PL_E##n,
	PL_ERRNO_MAP(X)
#undef X
	PL_ELAST
};

#define PL_ERRMSG 512

/* Details of the last failure: a full sentence, without the program name. */
struct pl_err {
	int code;               /* a negative PL_E* value, or 0 */
	char msg[PL_ERRMSG];
};

/* Returns a static description of a negative PL_E* code (or "success"). */
const char *pl_strerror(int code);

/* Returns the documented exit status of the program for a negative PL_E* code. */
int pl_exit_status(int code);

/*
 * Records a failure in err (which may be NULL) with a printf-style message and returns
 * code, so that callers can write `return pl_err_set(err, -PL_EDATA, "...")`.
 */
int pl_err_set(struct pl_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
