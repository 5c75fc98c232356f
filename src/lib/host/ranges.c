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
pl_os_reserved(const struct pl_os_ranges *os, uint16_t port)
{
	return os->have_reserved && os->nreserved > 0 &&
	    (os->reserved[port / 64] >> (port % 64) & 1) != 0;
}

size_t
pl_os_reserved_list(const struct pl_os_ranges *os, char *buf, size_t len)
{
	char one[16];
	size_t total = 0, used = 0, safe = 0;
	bool cut = false;
	unsigned p = 0, lo;

	if (len > 0)
		buf[0] = '\0';
	if (!os->have_reserved || os->nreserved == 0)
		return 0;
	while (p < 65536) {
		/* A word at a time over the ports nobody reserved. */
		if ((p % 64) == 0 && os->reserved[p / 64] == 0) {
			p += 64;
			continue;
		}
		if (!pl_os_reserved(os, (uint16_t)p)) {
			p++;
			continue;
		}
		for (lo = p; p < 65536 && pl_os_reserved(os, (uint16_t)p); p++)
			;
		int n = lo == p - 1 ? snprintf(one, sizeof(one), "%s%u", total ? "," : "", lo) :
		    snprintf(one, sizeof(one), "%s%u-%u", total ? "," : "", lo, p - 1);
		total += (size_t)n;
		if (cut || len == 0)
			continue;
		if (used + (size_t)n < len) {
			memcpy(buf + used, one, (size_t)n + 1);
			used += (size_t)n;
			if (used + 3 < len)         /* a "..." still fits after this range */
				safe = used;
		} else {
			cut = true;
			if (safe + 4 <= len)
				memcpy(buf + safe, "...", 4);
			else
				buf[safe] = '\0';
		}
	}
	return total;
}

void
pl_os_reserved_brief(const struct pl_os_ranges *os, char *buf, size_t len)
{
	char tail[32];
	int n = snprintf(tail, sizeof(tail), " (%u ports)", os->nreserved);

	if (pl_os_reserved_list(os, buf, len) < len || len <= (size_t)n + 4)
		return;
	pl_os_reserved_list(os, buf, len - (size_t)n);
	memcpy(buf + strlen(buf), tail, (size_t)n + 1);
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
