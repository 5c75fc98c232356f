/* libFuzzer target: the host's port settings (host/ranges.c, pl_os_ranges_read) through
 * a root folder whose proc/sys/net/ipv4 holds ip_local_port_range,
 * ip_local_reserved_ports and ip_unprivileged_port_start: the input is those three
 * files in that order, separated by lines of "%%" (missing ones are absent). For a
 * reserved list that is accepted, pl_os_reserved() is checked on every port against a
 * plain reading of "A,B-C,...", and so is the list pl_os_reserved_list() writes back;
 * the short form must fit its buffer. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz-file.h"
#include "portlore/ranges.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const files[] = { "ip_local_port_range", "ip_local_reserved_ports",
	"ip_unprivileged_port_start" };
#define NFILES (sizeof(files) / sizeof(files[0]))

static char root[64];

/* One of the files under the fake root (NULL p: the file is missing). */
static void
put(const char *name, const uint8_t *p, size_t n)
{
	char dir[128];

	snprintf(dir, sizeof(dir), "%s/proc/sys/net/ipv4", root);
	fuzz_put(dir, name, p, n);
}

/* The reference: every port the list names, by strtoul, as a bitmap. */
static void
reference(const char *list, uint8_t *set)
{
	const char *p = list;

	memset(set, 0, 65536 / 8);
	while (*p) {
		char *e;
		unsigned long lo = strtoul(p, &e, 10), hi = lo;

		if (*e == '-')
			hi = strtoul(e + 1, &e, 10);
		for (unsigned long v = lo; v <= hi && v < 65536; v++)
			set[v / 8] |= (uint8_t)(1u << (v % 8));
		p = *e == ',' ? e + 1 : e;
		if (*e != ',' && *e != '\0')
			abort();       /* an accepted list has only numbers, '-' and ',' */
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	struct pl_os_ranges os;
	struct pl_err err = { 0 };
	static uint8_t set[65536 / 8], back_set[65536 / 8];
	const uint8_t *rtext = NULL;
	size_t rlen = 0;
	int rc;

	if (root[0] == '\0') {
		static const char *const dirs[] = { "", "/proc", "/proc/sys", "/proc/sys/net",
			"/proc/sys/net/ipv4" };
		char dir[128];

		snprintf(root, sizeof(root), "/tmp/portlore-fuzz-ranges-%ld", (long)getpid());
		fuzz_rm_at_exit(root);
		for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
			snprintf(dir, sizeof(dir), "%s%s", root, dirs[i]);
			mkdir(dir, 0700);
		}
	}
	for (size_t i = 0; i < NFILES; i++) {
		const uint8_t *sep = NULL;

		if (p == NULL) {
			put(files[i], NULL, 0);
			continue;
		}
		for (const uint8_t *q = p; q + 4 <= end; q++)
			if (memcmp(q, "\n%%\n", 4) == 0) {
				sep = q;
				break;
			}
		put(files[i], p, sep ? (size_t)(sep - p) : (size_t)(end - p));
		if (i == 1) {
			rtext = p;
			rlen = sep ? (size_t)(sep - p) : (size_t)(end - p);
		}
		p = sep ? sep + 4 : NULL;
	}

	rc = pl_os_ranges_read(&os, root, &err);
	if (rc != 0) {
		if (err.msg[0] == '\0')
			abort();
		return 0;
	}
	if (memchr(os.reason, '\0', sizeof(os.reason)) == NULL)
		abort();
	if (os.have_ephemeral && os.eph_lo > os.eph_hi)
		abort();
	if (os.have_unpriv && (os.unpriv_start < 0 || os.unpriv_start > 65536))
		abort();
	if (os.have_reserved) {
		char *text = NULL, *back, brief[72];
		size_t n = 0, count = 0;

		/* The file as the reader takes it: the bytes up to the first NUL, without the
		 * trailing newlines and blanks. */
		if (rtext != NULL) {
			if ((text = malloc(rlen + 1)) == NULL)
				return 0;
			memcpy(text, rtext, rlen);
			n = rlen;
			text[n] = '\0';
			while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' '))
				text[--n] = '\0';
		}
		reference(text ? text : "", set);
		free(text);
		for (unsigned v = 0; v < 65536; v++) {
			bool want = (set[v / 8] >> (v % 8)) & 1;

			if (pl_os_reserved(&os, (uint16_t)v) != want)
				abort();
			count += want;
		}
		if (os.nreserved != count)
			abort();
		/* Written back whole, the list names the same ports. */
		n = pl_os_reserved_list(&os, NULL, 0);
		if ((back = malloc(n + 1)) == NULL)
			return 0;
		if (pl_os_reserved_list(&os, back, n + 1) != n || strlen(back) != n)
			abort();
		reference(back, back_set);
		free(back);
		if (memcmp(set, back_set, sizeof(back_set)) != 0)
			abort();
		pl_os_reserved_brief(&os, brief, sizeof(brief));
		if (strlen(brief) >= sizeof(brief))
			abort();
	}
	return 0;
}
