/* portspec.c: parse "3333", "3333/tcp", "3000-3010", "ssh", "22,80,443", "http/udp". */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "portlore/portspec.h"

static const char *const proto_names[PL_PROTO_COUNT] = { "", "tcp", "udp", "sctp", "dccp" };

const char *
pl_proto_name(enum pl_proto p)
{
	return (unsigned)p < PL_PROTO_COUNT ? proto_names[p] : "";
}

enum pl_proto
pl_proto_parse(const char *s, size_t len)
{
	for (int p = PL_PROTO_TCP; p < PL_PROTO_COUNT; p++)
		if (strlen(proto_names[p]) == len && strncasecmp(s, proto_names[p], len) == 0)
			return (enum pl_proto)p;
	return PL_PROTO_ANY;
}

/* Parses a decimal port in s[0..len). Returns 0 or -1 with *why set. */
static int
parse_port(const char *s, size_t len, uint16_t *out, const char **why)
{
	unsigned long v = 0;

	if (len == 0) {
		*why = "a port number is missing";
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i])) {
			*why = "not a port number";
			return -1;
		}
		if (v <= 65535)
			v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > 65535) {
		*why = "out of range (ports are 0-65535)";
		return -1;
	}
	*out = (uint16_t)v;
	return 0;
}

static bool
all_digits_or_dash(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isdigit((unsigned char)s[i]) && s[i] != '-')
			return false;
	return len > 0;
}

static bool
name_char(unsigned char c)
{
	/* RFC 6335 names are letters, digits and hyphens; the registry also has '.',
	 * '_', '+' and '/' in a few historic names ("z39.50", "914c/g"). */
	return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '+' || c == '/' || c == '*';
}

static int
parse_item(struct pl_portspec_item *it, const char *s, size_t len, const char *whole,
    struct pl_err *err)
{
	const char *slash, *why = NULL;
	const char *dash;

	memset(it, 0, sizeof(*it));
	while (len > 0 && isspace((unsigned char)*s))
		s++, len--;
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	if (len == 0)
		return pl_err_set(err, -PL_EUSAGE, "port spec '%s': empty item", whole);

	/* A trailing "/proto" is a protocol only when it names one ("914c/g" is a name). */
	slash = memrchr(s, '/', len);
	if (slash != NULL) {
		size_t plen = len - (size_t)(slash - s) - 1;
		enum pl_proto p = pl_proto_parse(slash + 1, plen);

		if (p != PL_PROTO_ANY) {
			it->proto = p;
			len = (size_t)(slash - s);
		} else if (all_digits_or_dash(s, (size_t)(slash - s))) {
			return pl_err_set(err, -PL_EUSAGE,
			    "port spec '%.*s': unknown protocol '%.*s' (use tcp, udp, sctp or dccp)",
			    (int)(len > 200 ? 200 : len), s, (int)(plen > 40 ? 40 : plen), slash + 1);
		}
		if (len == 0)
			return pl_err_set(err, -PL_EUSAGE, "port spec '%s': no port before '/'", whole);
	}

	if (s[0] == '-' || s[0] == '+')
		return pl_err_set(err, -PL_EUSAGE,
		    "port spec '%.*s': not a port (ports are 0-65535)", (int)(len > 200 ? 200 : len), s);

	if (all_digits_or_dash(s, len)) {
		dash = memchr(s, '-', len);
		if (dash == NULL) {
			if (parse_port(s, len, &it->lo, &why) != 0)
				goto bad;
			it->hi = it->lo;
			return 0;
		}
		if (parse_port(s, (size_t)(dash - s), &it->lo, &why) != 0 ||
		    parse_port(dash + 1, len - (size_t)(dash - s) - 1, &it->hi, &why) != 0)
			goto bad;
		if (it->lo > it->hi)
			return pl_err_set(err, -PL_EUSAGE,
			    "port spec '%.*s': range is reversed (%u > %u)", (int)len, s,
			    (unsigned)it->lo, (unsigned)it->hi);
		return 0;
	}

	if (len > PL_NAME_MAX)
		return pl_err_set(err, -PL_EUSAGE,
		    "port spec '%.40s...': service name longer than %d characters", s, PL_NAME_MAX);
	for (size_t i = 0; i < len; i++)
		if (!name_char((unsigned char)s[i]))
			return pl_err_set(err, -PL_EUSAGE,
			    "port spec '%.*s': character %zu is not allowed in a service name",
			    (int)len, s, i + 1);
	memcpy(it->name, s, len);
	it->name[len] = '\0';
	return 0;
bad:
	return pl_err_set(err, -PL_EUSAGE, "port spec '%.*s': %s", (int)(len > 200 ? 200 : len),
	    s, why);
}

int
pl_portspec_parse(struct pl_portspec *spec, const char *text, struct pl_err *err)
{
	size_t tlen = strlen(text);
	const char *p = text, *end = text + tlen;

	if (tlen == 0)
		return pl_err_set(err, -PL_EUSAGE, "port spec '': empty (give a port, range or name)");
	if (tlen > PL_PORTSPEC_MAX)
		return pl_err_set(err, -PL_ETOOBIG,
		    "port spec of %zu bytes is too long (at most %d)", tlen, PL_PORTSPEC_MAX);
	while (p <= end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *stop = comma ? comma : end;
		struct pl_portspec_item *items;
		int rc;

		items = realloc(spec->items, (spec->n + 1) * sizeof(*items));
		if (items == NULL)
			return pl_err_set(err, -PL_ENOMEM, "out of memory");
		spec->items = items;
		if ((rc = parse_item(&items[spec->n], p, (size_t)(stop - p), text, err)) != 0)
			return rc;
		spec->n++;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return 0;
}

void
pl_portspec_free(struct pl_portspec *spec)
{
	free(spec->items);
	spec->items = NULL;
	spec->n = 0;
}
