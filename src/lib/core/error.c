/* error.c: the error list and its texts. */
#include <stdarg.h>
#include <stdio.h>

#include "portlore/error.h"

const char *
pl_strerror(int code)
{
	switch (-code) {
	case PL_OK:
		return "success";
#define X(n, s, t) case PL_E##n: return t;
	PL_ERRNO_MAP(X)
#undef X
	default:
		return "unknown error";
	}
}

int
pl_exit_status(int code)
{
	switch (-code) {
	case PL_OK:
		return 0;
#define X(n, s, t) case PL_E##n: return s;
	PL_ERRNO_MAP(X)
#undef X
	default:
		return 5;
	}
}

int
pl_err_set(struct pl_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	err->code = code;
	va_start(ap, fmt);
	/* A message longer than the buffer is cut; the code still says what failed. */
	(void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}
