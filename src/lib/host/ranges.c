/* ranges.c: IANA's port ranges, this host's port settings, browsers' blocked ports. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portlore/ranges.h"

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

/* Reads a small /proc file into buf (NUL-terminated, trailing newline removed). */
static int
read_small(const char *root, const char *name, char *buf, size_t len, char *path, size_t plen)
{
	FILE *f;
	size_t n;
	int r = snprintf(path, plen, "%s/proc/sys/net/ipv4/%s", root, name);

	if (r < 0 || (size_t)r >= plen)
		return -ENAMETOOLONG;
	if ((f = fopen(path, "re")) == NULL)
		return -errno;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

static void
note_missing(struct pl_os_ranges *os, const char *name, int rc)
{
	size_t used = strlen(os->reason);

	if (used < sizeof(os->reason) - 1)
		snprintf(os->reason + used, sizeof(os->reason) - used, "%s%s: %s",
		    used ? "; " : "", name, strerror(-rc));
}

/* Parses an unsigned decimal number ending at a separator; returns -1 when malformed. */
static long
num(const char **p, long max)
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
	char buf[1024], path[4096];
	const char *p;
	long lo, hi, v;
	int rc;

	memset(os, 0, sizeof(*os));
	if (root == NULL)
		root = "";

	if ((rc = read_small(root, "ip_local_port_range", buf, sizeof(buf), path, sizeof(path))) != 0) {
		note_missing(os, "ip_local_port_range", rc);
	} else {
		/* The kernel prints "32768\t60999". */
		p = buf;
		lo = num(&p, 65535);
		while (*p == ' ' || *p == '\t')
			p++;
		hi = num(&p, 65535);
		if (lo < 0 || hi < 0 || *p != '\0' || lo > hi)
			return pl_err_set(err, -PL_EDATA, "%s: expected two port numbers, read '%.60s'",
			    path, buf);
		os->have_ephemeral = true;
		os->eph_lo = (uint16_t)lo;
		os->eph_hi = (uint16_t)hi;
	}

	if ((rc = read_small(root, "ip_local_reserved_ports", buf, sizeof(buf), path, sizeof(path))) != 0) {
		note_missing(os, "ip_local_reserved_ports", rc);
	} else {
		/* "8000-8010,9000" or empty. */
		for (p = buf; *p != '\0';) {
			if ((lo = num(&p, 65535)) < 0)
				goto bad_list;
			if (*p == '-') {
				p++;
				if ((hi = num(&p, 65535)) < 0 || hi < lo)
					goto bad_list;
			}
			if (*p == ',')
				p++;
			else if (*p != '\0')
				goto bad_list;
		}
		os->have_reserved = true;
		snprintf(os->reserved, sizeof(os->reserved), "%s", buf);
	}

	if ((rc = read_small(root, "ip_unprivileged_port_start", buf, sizeof(buf), path, sizeof(path))) != 0) {
		note_missing(os, "ip_unprivileged_port_start", rc);
	} else {
		p = buf;
		if ((v = num(&p, 65536)) < 0 || *p != '\0')
			return pl_err_set(err, -PL_EDATA, "%s: expected a number, read '%.60s'", path, buf);
		os->have_unpriv = true;
		os->unpriv_start = (int)v;
	}
	return 0;
bad_list:
	return pl_err_set(err, -PL_EDATA, "%s: expected a list of ports and ranges, read '%.60s'",
	    path, buf);
}

bool
pl_port_in_list(const char *list, uint16_t port)
{
	const char *p = list;
	long lo, hi;

	while (*p != '\0') {
		if ((lo = num(&p, 65535)) < 0)
			return false;
		hi = lo;
		if (*p == '-') {
			p++;
			if ((hi = num(&p, 65535)) < 0)
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
