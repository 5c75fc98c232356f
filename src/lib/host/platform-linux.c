/*
 * platform-linux.c: the host layer's platform interface (platform.h) on Linux. Sockets
 * come from netlink sock_diag with /proc/net as the fallback (sockets.c), owners from
 * /proc/[pid]/fd (sockwalk.c), processes from /proc/[pid] (procinfo.c), pick's view
 * from /proc/net (procnet.c), and the port ranges from /proc/sys/net/ipv4 (below);
 * bindv6only and PID namespaces from /proc, named network namespaces from /run/netns
 * (ip-netns(8)), and container engines' records under /var/lib and home folders.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
	if (!*root && q->netns_memo && q->netns_memo->own_netns != 0)
		l->own_netns = q->netns_memo->own_netns;
	else if (!*root && stat("/proc/self/ns/net", &sb) == 0)
		l->own_netns = (uint64_t)sb.st_ino;
	if (!*root && q->netns_memo)
		q->netns_memo->own_netns = l->own_netns;
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


static void
note_missing(struct pl_os_ranges *os, const char *name, int rc)
{
	size_t used = strlen(os->reason);

	if (used < sizeof(os->reason) - 1)
		snprintf(os->reason + used, sizeof(os->reason) - used, "%s%s: %s",
		    used ? "; " : "", name, strerror(-rc));
}

/*
 * Reads a /proc/sys/net/ipv4 file into buf (NUL-terminated, trailing newline removed) in
 * one read(): the kernel prints a sysctl only from offset 0, so a second read() finds
 * the end, not the rest. Returns the length, -errno, or -EFBIG when the text may not
 * have fit (it filled the buffer).
 */
static ssize_t
read_sysctl(const char *root, const char *name, char *buf, size_t len, char *path, size_t plen)
{
	ssize_t n;
	int fd, r = snprintf(path, plen, "%s/proc/sys/net/ipv4/%s", root, name);

	if (r < 0 || (size_t)r >= plen)
		return -ENAMETOOLONG;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return n;
	if ((size_t)n == len - 1)
		return -EFBIG;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return n;
}

/*
 * ip_local_reserved_ports into os->reserved, one bit per port: "8000-8010,9000", or
 * empty. The list is usually a few ranges and read into buf; a long one (up to every
 * other port: some 200 KB) is read again into a buffer of its full size.
 */
static int
read_reserved(struct pl_os_ranges *os, const char *root, char *buf, size_t len, char *path,
    size_t plen, struct pl_err *err)
{
	/* 32,768 ranges of one five-digit port and a comma, and room to spare. */
	const size_t most = 256 * 1024;
	char *big = NULL;
	const char *p;
	ssize_t n = read_sysctl(root, "ip_local_reserved_ports", buf, len, path, plen);
	long lo, hi;
	int rc = 0;

	if (n == -EFBIG) {
		if ((big = malloc(most)) == NULL)
			return pl_err_set(err, -PL_ENOMEM, "out of memory");
		n = read_sysctl(root, "ip_local_reserved_ports", big, most, path, plen);
		buf = big;
	}
	if (n < 0) {
		note_missing(os, "ip_local_reserved_ports", (int)n);
		free(big);
		return 0;
	}
	/* The bitmap is cleared only for a list that has something. */
	if (*buf != '\0')
		memset(os->reserved, 0, sizeof(os->reserved));
	for (p = buf; *p != '\0';) {
		if ((lo = pl__port_num(&p, 65535)) < 0)
			goto bad;
		hi = lo;
		if (*p == '-') {
			p++;
			if ((hi = pl__port_num(&p, 65535)) < 0 || hi < lo)
				goto bad;
		}
		for (long v = lo; v <= hi; v++) {
			if (!(os->reserved[v / 64] >> (v % 64) & 1))
				os->nreserved++;
			os->reserved[v / 64] |= (uint64_t)1 << (v % 64);
		}
		if (*p == ',')
			p++;
		else if (*p != '\0')
			goto bad;
	}
	os->have_reserved = true;
	free(big);
	return 0;
bad:
	rc = pl_err_set(err, -PL_EDATA, "%s: expected a list of ports and ranges, read '%.60s'",
	    path, buf);
	free(big);
	return rc;
}

int
pl_plat_ranges(struct pl_os_ranges *os, const char *root, struct pl_err *err)
{
	char buf[1024], path[4096];
	const char *p;
	long lo, hi, v;
	ssize_t n;
	int rc;

	memset(os, 0, offsetof(struct pl_os_ranges, reserved));
	if (root == NULL)
		root = "";

	if ((n = read_sysctl(root, "ip_local_port_range", buf, sizeof(buf), path, sizeof(path))) < 0) {
		note_missing(os, "ip_local_port_range", (int)n);
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

	if ((rc = read_reserved(os, root, buf, sizeof(buf), path, sizeof(path), err)) != 0)
		return rc;

	if ((n = read_sysctl(root, "ip_unprivileged_port_start", buf, sizeof(buf), path, sizeof(path))) < 0) {
		note_missing(os, "ip_unprivileged_port_start", (int)n);
	} else {
		p = buf;
		if ((v = pl__port_num(&p, 65536)) < 0 || *p != '\0')
			return pl_err_set(err, -PL_EDATA, "%s: expected a number, read '%.60s'", path, buf);
		os->have_unpriv = true;
		os->unpriv_start = (int)v;
	}
	return 0;
}


/* "<root>/proc", root "" or NULL (or "/") for the live system. */
static void
proc_dir(char *buf, size_t len, const char *root)
{
	snprintf(buf, len, "%s/proc", root && strcmp(root, "/") != 0 ? root : "");
}

int
pl_plat_bindv6only(const char *root)
{
	char procdir[4200], path[4300], *s;
	int v = -1;

	proc_dir(procdir, sizeof(procdir), root);
	snprintf(path, sizeof(path), "%s/sys/net/ipv6/bindv6only", procdir);
	if ((s = pl__read_file(path, NULL)) != NULL) {
		if (s[0] == '0' || s[0] == '1')
			v = s[0] - '0';
		free(s);
	}
	return v;
}

/* The innermost PID of pid: the last field of "NSpid:" in its status file (Linux 4.1);
 * 0 when it cannot be read. */
static pid_t
read_nspid(const char *procdir, pid_t pid)
{
	char path[4300], line[256];
	FILE *f;
	long v = 0;

	snprintf(path, sizeof(path), "%s/%d/status", procdir, (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *p, *end;

		if (strncmp(line, "NSpid:", 6) != 0)
			continue;
		/* One PID per nested namespace, outermost first: the last is its own. */
		for (p = line + 6, v = 0; ; ) {
			long x = strtol(p, &end, 10);

			if (end == p)
				break;
			v = x;
			p = end;
		}
		break;
	}
	fclose(f);
	return (pid_t)v;
}

/* Whether pid's namespace of the given kind ("pid", "net") is the caller's. */
static int
same_ns(const char *procdir, pid_t pid, const char *kind)
{
	char path[4300], self[64];
	struct stat a, b;

	snprintf(path, sizeof(path), "%s/%d/ns/%s", procdir, (int)pid, kind);
	snprintf(self, sizeof(self), "/proc/self/ns/%s", kind);
	if (stat(path, &a) != 0 || stat(self, &b) != 0)
		return -1;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int
pl_plat_pidns(const char *root, pid_t pid, pid_t *nspid, int *same)
{
	char procdir[4200];

	proc_dir(procdir, sizeof(procdir), root);
	*same = -1;
	*nspid = read_nspid(procdir, pid);
	if (*nspid == 0 && access(procdir, F_OK) == 0) {
		char path[4300];

		snprintf(path, sizeof(path), "%s/%d", procdir, (int)pid);
		if (access(path, F_OK) != 0)
			return -PL_ENOTFOUND;
	}
	*same = same_ns(procdir, pid, "pid");
	return 0;
}

/* ip-netns(8) keeps a bind mount of each named namespace here. */
#define NETNS_RUN_DIR "/run/netns"

int
pl_plat_netns_name(uint64_t ino, char *buf, size_t len)
{
	char path[512];
	struct dirent *e;
	struct stat sb;
	DIR *d;
	int rc = -PL_ENOTFOUND;

	if ((d = opendir(NETNS_RUN_DIR)) == NULL)
		return rc;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, e->d_name);
		if (stat(path, &sb) == 0 && (uint64_t)sb.st_ino == ino) {
			snprintf(buf, len, "%s", e->d_name);
			rc = 0;
			break;
		}
	}
	closedir(d);
	return rc;
}

int
pl_plat_netns_enter(const char *spec, struct pl_err *err)
{
	char path[4200];
	int fd, e;

	/* A bare name is one of ip-netns(8)'s; anything with a slash is a path. */
	if (strchr(spec, '/') == NULL)
		snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, spec);
	else if (snprintf(path, sizeof(path), "%s", spec) >= (int)sizeof(path))
		return pl_err_set(err, -PL_EUSAGE, "--netns: path too long");
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		e = errno;
		return pl_err_set(err, e == ENOENT ? -PL_ENOTFOUND : e == EACCES ? -PL_EPERM :
		    -PL_ESYS, "--netns '%s': %s: %s%s", spec, path, strerror(e),
		    e == ENOENT && strchr(spec, '/') == NULL ? " (see 'ip netns list')" : "");
	}
	if (setns(fd, CLONE_NEWNET) != 0) {
		e = errno;
		close(fd);
		return pl_err_set(err, e == EINVAL ? -PL_EUSAGE : e == EPERM ? -PL_EPERM :
		    -PL_ESYS, "--netns '%s': %s", spec, e == EINVAL ?
		    "not a network namespace" : e == EPERM ? "entering a network namespace needs "
		    "root (CAP_SYS_ADMIN)" : strerror(e));
	}
	close(fd);
	return 0;
}

int
pl_plat_docker_record(const char *root, const char *id, char *path, size_t len)
{
	int n = snprintf(path, len, "%s/var/lib/docker/containers/%s/config.v2.json", root, id);

	return n < 0 || (size_t)n >= len ? -PL_ENOTFOUND : 0;
}

int
pl_plat_podman_storage(const char *root, uid_t uid, char *dir, size_t len)
{
	struct passwd *pw;

	if (uid == 0 || uid == (uid_t)-1)
		snprintf(dir, len, "%s/var/lib/containers/storage", root);
	else if ((pw = getpwuid(uid)) != NULL && pw->pw_dir && *pw->pw_dir == '/')
		snprintf(dir, len, "%s%s/.local/share/containers/storage", root, pw->pw_dir);
	else
		return -PL_ENOTFOUND;
	return 0;
}
