/* form.c: the value of one field of an application/x-www-form-urlencoded body
 * (the HTML form of the feedback widget; WHATWG URL, section 5.1). */
#include <string.h>

#include "server-internal.h"

static int
hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	    c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

bool
srv_form_value(const char *body, const char *name, char *out, size_t len)
{
	size_t nl = strlen(name);

	for (const char *p = body; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
		size_t o = 0;

		if (strncmp(p, name, nl) != 0 || p[nl] != '=')
			continue;
		for (p += nl + 1; *p && *p != '&' && o + 1 < len; p++) {
			if (*p == '+')
				out[o++] = ' ';
			else if (*p == '%' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
				out[o++] = (char)(hexval(p[1]) * 16 + hexval(p[2]));
				p += 2;
			} else
				out[o++] = *p;
		}
		out[o] = '\0';
		return true;
	}
	return false;
}
