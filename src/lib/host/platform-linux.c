/*
 * platform-linux.c: the host layer's platform interface (platform.h) on Linux. Sockets
 * come from netlink sock_diag with /proc/net as the fallback (sockets.c), owners from
 * /proc/[pid]/fd (sockwalk.c), processes from /proc/[pid] (procinfo.c), pick's view
 * from /proc/net (procnet.c), and the port ranges from /proc/sys/net/ipv4 (below).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "host/platform.h"
#include "host/procnet.h"
#include "host/sockets-internal.h"

int
pl_plat_sockets(const struct pl_sock_query *q, struct pl_socklist *l, const char *root,
    size_t *cap, struct pl_err *err)
{
	char procdir[4096];
	struct stat sb;

	snprintf(procdir, sizeof(procdir), "%s/proc", root);
	if (!*root && stat("/proc/self/ns/net", &sb) == 0)
		l->own_netns = (uint64_t)sb.st_ino;
	return pl__collect_own(q, l, procdir, cap, err);
}

int
pl_plat_owners(const struct pl_sock_query *q, struct pl_socklist *l, const char *root,
    size_t *cap, struct pl_err *err)
{
	char procdir[4096];

	snprintf(procdir, sizeof(procdir), "%s/proc", root);
	return pl__walk(q, l, procdir, cap, err);
}

int
pl_plat_port_walk(const char *root, enum pl_proto proto, pl__sock_fn fn, void *arg,
    int *nfiles, struct pl_err *err)
{
	return pl__procnet_walk(root, proto, fn, arg, nfiles, err);
}

int
pl_plat_proc_read(struct pl_proc *p, const char *root, pid_t pid)
{
	char procdir[4200];

	memset(p, 0, sizeof(*p));
	snprintf(procdir, sizeof(procdir), "%s/proc", root && strcmp(root, "/") != 0 ? root : "");
	return pl__proc_read_dir(p, procdir, pid);
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

int
pl_plat_ranges(struct pl_os_ranges *os, const char *root, struct pl_err *err)
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
		lo = pl__port_num(&p, 65535);
		while (*p == ' ' || *p == '\t')
			p++;
		hi = pl__port_num(&p, 65535);
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
			if ((lo = pl__port_num(&p, 65535)) < 0)
				goto bad_list;
			if (*p == '-') {
				p++;
				if ((hi = pl__port_num(&p, 65535)) < 0 || hi < lo)
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
		if ((v = pl__port_num(&p, 65536)) < 0 || *p != '\0')
			return pl_err_set(err, -PL_EDATA, "%s: expected a number, read '%.60s'", path, buf);
		os->have_unpriv = true;
		os->unpriv_start = (int)v;
	}
	return 0;
bad_list:
	return pl_err_set(err, -PL_EDATA, "%s: expected a list of ports and ranges, read '%.60s'",
	    path, buf);
}

