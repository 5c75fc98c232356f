/* ranges.c: IANA's port ranges, this host's port settings, browsers' blocked ports. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portlore/ranges.h"
#include "host/platform.h"

/* RFC 6335 section 6: System Ports 0-1023, User Ports 1024-49151, Dynamic and/or
 * Private Ports 49152-65535. */
static const struct pl_iana_range iana_ranges[] = {
	{ PL_CLASS_SYSTEM, "System Ports", "system", 0, 1023, 1024 },
	{ PL_CLASS_USER, "User Ports", "user", 1024, 49151, 48128 },
	{ PL_CLASS_DYNAMIC, "Dynamic and/or Private Ports", "dynamic", 49152, 65535, 16384 },
};

const struct pl_iana_range *
pl_iana_range_of(uint16_t port)
{
	if (port <= 1023)
		return &iana_ranges[0];
	if (port <= 49151)
		return &iana_ranges[1];
	return &iana_ranges[2];
}

/* Parses an unsigned decimal number ending at a separator; returns -1 when malformed. */
long
pl__port_num(const char **p, long max)
{
	long v = 0;

	if (!isdigit((unsigned char)**p))
		return -1;
	while (isdigit((unsigned char)**p)) {
		v = v * 10 + (**p - '0');
		if (v > max)
			return -1;
		(*p)++;
	}
	return v;
}

int
pl_os_ranges_read(struct pl_os_ranges *os, const char *root, struct pl_err *err)
{
	return pl_plat_ranges(os, root, err);
}

bool
pl_port_in_list(const char *list, uint16_t port)
{
	const char *p = list;
	long lo, hi;

	while (*p != '\0') {
		if ((lo = pl__port_num(&p, 65535)) < 0)
			return false;
		hi = lo;
		if (*p == '-') {
			p++;
			if ((hi = pl__port_num(&p, 65535)) < 0)
				return false;
		}
		if (port >= lo && port <= hi)
			return true;
		if (*p != ',')
			return false;
		p++;
	}
	return false;
}

/*
 * The Fetch standard's "bad port" list (https://fetch.spec.whatwg.org/#port-blocking),
 * which Chromium (net/base/port_util.cc, kRestrictedPorts) and Firefox
 * (netwerk/base/nsIOService.cpp, gBadPortList) both enforce; the shared test is
 * web-platform-tests fetch/api/request/request-bad-port.any.js. Sorted.
 */
static const uint16_t bad_ports[] = {
	0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87,
	95, 101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143,
	161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556,
	563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190,
	5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
};

static int
cmp_u16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

void
pl_browser_block_of(uint16_t port, struct pl_browser_block *out)
{
	bool bad = bsearch(&port, bad_ports, sizeof(bad_ports) / sizeof(bad_ports[0]),
	    sizeof(bad_ports[0]), cmp_u16) != NULL;

	out->chromium = bad;
	out->firefox = bad;
	out->chromium_src = "https://source.chromium.org/chromium/chromium/src/+/main:net/base/port_util.cc";
	out->firefox_src = "https://searchfox.org/mozilla-central/source/netwerk/base/nsIOService.cpp";
	out->spec_src = "https://fetch.spec.whatwg.org/#port-blocking";
}
