/*
 * Range facts: where a port sits in IANA's three ranges (RFC 6335 section 6), and
 * how this Linux host treats it (ephemeral range, reserved ports, privileged ports),
 * and whether web browsers refuse to connect to it.
 */
#ifndef PORTLORE_RANGES_H
#define PORTLORE_RANGES_H

#include <stdbool.h>
#include <stdint.h>

#include "portlore/error.h"

enum pl_iana_class { PL_CLASS_SYSTEM, PL_CLASS_USER, PL_CLASS_DYNAMIC };

struct pl_iana_range {
	enum pl_iana_class cls;
	const char *name;        /* "System Ports", "User Ports", "Dynamic and/or Private Ports" */
	const char *key;         /* "system", "user", "dynamic" */
	uint16_t lo, hi;
	unsigned size;           /* hi - lo + 1 */
};

/* Returns the IANA range that holds port (never NULL). */
const struct pl_iana_range *pl_iana_range_of(uint16_t port);

/* This host's settings, read from /proc/sys/net/ipv4 (see pl_os_ranges_read()). */
struct pl_os_ranges {
	bool have_ephemeral;
	uint16_t eph_lo, eph_hi;           /* ip_local_port_range */
	bool have_reserved;
	unsigned nreserved;                /* ports in ip_local_reserved_ports */
	bool have_unpriv;
	int unpriv_start;                  /* ip_unprivileged_port_start */
	char reason[256];                  /* why something is missing, "" otherwise */
	/* The reserved ports, one bit each (pl_os_reserved()); last, and written only
	 * when nreserved > 0, so that a host without any never touches its 8 KiB. */
	uint64_t reserved[65536 / 64];
};

/*
 * Reads the host's port settings below root ("" or NULL for "/"; tests pass a fixture
 * directory). Settings that can't be read are marked missing with a reason; the call
 * itself fails only on malformed content (-PL_EDATA, err names the file).
 */
int pl_os_ranges_read(struct pl_os_ranges *os, const char *root, struct pl_err *err);

/* Whether port is listed in this host's ip_local_reserved_ports (false when unread). */
bool pl_os_reserved(const struct pl_os_ranges *os, uint16_t port);
/*
 * Writes the reserved ports as the kernel lists them ("8000-8010,9000"; "" for none)
 * into buf (len bytes, len > 0). A list that does not fit ends with the ranges that do
 * and "...". Returns the length of the whole list, as snprintf does: a caller sizes buf
 * from a first call with len 0 (buf may then be NULL).
 */
size_t pl_os_reserved_list(const struct pl_os_ranges *os, char *buf, size_t len);
/* The same for a line of text: a list that does not fit ends "... (N ports)". */
void pl_os_reserved_brief(const struct pl_os_ranges *os, char *buf, size_t len);

/* Browsers that refuse to connect to some ports (the Fetch standard's "bad ports"). */
struct pl_browser_block {
	bool chromium, firefox;
	const char *chromium_src, *firefox_src, *spec_src;   /* source URLs */
};
void pl_browser_block_of(uint16_t port, struct pl_browser_block *out);

#endif
