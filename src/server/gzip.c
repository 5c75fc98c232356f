/*
 * gzip.c: text answers compressed for clients that ask for it (RFC 9110 section 12.5.3,
 * Accept-Encoding; RFC 1952, the gzip format, through zlib). A port page of about 30 KB
 * goes out in about 8 KB.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "server-internal.h"

/* Whether the request's Accept-Encoding takes gzip: "gzip" or "*" listed, and not with
 * q=0 (RFC 9110 section 12.5.3). */
bool
srv_accepts_gzip(struct MHD_Connection *c)
{
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_ACCEPT_ENCODING);

	while (v != NULL && *v != '\0') {
		const char *end, *q;
		size_t len;

		v += strspn(v, " \t,");
		end = v + strcspn(v, ",");
		len = strcspn(v, " \t;,");
		q = memchr(v, ';', (size_t)(end - v));
		if (q != NULL) {
			q += 1 + strspn(q + 1, " \t");
			if (strncasecmp(q, "q=", 2) == 0 && strtod(q + 2, NULL) <= 0.0) {
				v = end;
				continue;          /* refused */
			}
		}
		if ((len == 4 && strncasecmp(v, "gzip", 4) == 0) || (len == 1 && *v == '*'))
			return true;
		v = end;
	}
	return false;
}

/* Compresses len bytes of body into *out (malloc'd; the caller frees it). Returns the
 * compressed size, or 0 when zlib fails or it would not be smaller. */
size_t
srv_gzip(const void *body, size_t len, unsigned char **out)
{
	z_stream z;
	size_t cap = len + len / 1000 + 64, got = 0;
	unsigned char *buf;

	*out = NULL;
	if (len == 0 || len > UINT32_MAX / 2 || (buf = malloc(cap)) == NULL)
		return 0;
	memset(&z, 0, sizeof(z));
	/* 15 + 16: a gzip header and trailer around the deflate stream. */
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(buf);
		return 0;
	}
	z.next_in = (unsigned char *)(uintptr_t)body;
	z.avail_in = (uInt)len;
	z.next_out = buf;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) == Z_STREAM_END && z.total_out < len)
		got = z.total_out;
	deflateEnd(&z);
	if (got == 0)
		free(buf);
	else
		*out = buf;
	return got;
}
