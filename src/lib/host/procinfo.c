/*
 * procinfo.c: what a pid is: name, command line, user, start time, systemd unit,
 * container (from the cgroup path), network namespace, and for docker-proxy the
 * container address it forwards to.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "host/sockets-internal.h"
#include "core/utf8.h"

/* Text from another process is hostile: control bytes become '?', and so does every
 * byte above 0x7f unless the whole text is valid UTF-8 (JSON needs UTF-8). */
static void
sanitize(char *s, size_t len)
{
	bool utf8 = pl__utf8_valid(s, len);

	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f || (!utf8 && (unsigned char)s[i] > 0x7f))
			s[i] = '?';
}

static char *
read_at(const char *procdir, pid_t pid, const char *name, size_t *len)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/%d/%s", procdir, (int)pid, name);
	return pl__read_file(path, len);
}

static char *
read_cmdline(const char *procdir, pid_t pid)
{
	size_t len = 0;
	char *s = read_at(procdir, pid, "cmdline", &len);

	if (s == NULL)
		return strdup("");
	/* Arguments are NUL-separated; the last one ends with a NUL too. */
	while (len > 0 && s[len - 1] == '\0')
		len--;
	for (size_t i = 0; i < len; i++)
		if (s[i] == '\0')
			s[i] = ' ';
	s[len] = '\0';
	sanitize(s, len);
	return s;
}

/* Fields of pid/stat after the name: ppid (4th field) and starttime (22nd). */
static void
read_stat(struct pl_proc *p, const char *procdir, long long btime)
{
	char *s = read_at(procdir, p->pid, "stat", NULL), *rp;
	long ppid;
	unsigned long long start;
	long tck = sysconf(_SC_CLK_TCK);

	if (s == NULL)
		return;
	/* The name may hold spaces and parentheses: the last ')' ends it. */
	if ((rp = strrchr(s, ')')) != NULL &&
	    sscanf(rp + 1, " %*c %ld %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d"
	    " %*d %*d %llu", &ppid, &start) == 2) {
		p->ppid = (pid_t)ppid;
		if (btime > 0 && tck > 0)
			p->start = btime + (long long)(start / (unsigned long long)tck);
	}
	free(s);
}

/*
 * When the system booted, in Unix seconds: /proc/stat's btime. On the live system it is
 * the real-time clock less the time since boot, which is how the kernel works out btime;
 * reading the clocks saves making the kernel print every CPU's counters into /proc/stat
 * once per process named (9 us each on 2 CPUs, more with more). The boot clock is read
 * before and after the real-time one, so that the two readings' distance cancels out.
 */
static long long
boot_time(const char *procdir)
{
	char path[4200], *s, *b;
	long long t = 0;
	struct timespec b1, r, b2;

	if (strcmp(procdir, "/proc") == 0 && clock_gettime(CLOCK_BOOTTIME, &b1) == 0 &&
	    clock_gettime(CLOCK_REALTIME, &r) == 0 && clock_gettime(CLOCK_BOOTTIME, &b2) == 0) {
		long long up = ((long long)b1.tv_sec * 1000000000 + b1.tv_nsec +
		    (long long)b2.tv_sec * 1000000000 + b2.tv_nsec) / 2;
		long long d = (long long)r.tv_sec * 1000000000 + r.tv_nsec - up;

		return d >= 0 ? d / 1000000000 : 0;
	}
	snprintf(path, sizeof(path), "%s/stat", procdir);
	if ((s = pl__read_file(path, NULL)) == NULL)
		return 0;
	if ((b = strstr(s, "\nbtime ")) != NULL)
		t = strtoll(b + 7, NULL, 10);
	free(s);
	return t;
}

/*
 * User names by uid, each kept for a second by the thread that looked it up: `ls` names
 * the user of every process it shows, most of them the same few, and the C library
 * asks nscd and reads /etc/passwd again at each call. A second bounds how long a
 * renamed user keeps the old name in a long-running server.
 */
#define USER_CACHE 8
static _Thread_local struct user_entry {
	long long until;              /* CLOCK_MONOTONIC_COARSE ns; 0: empty */
	uid_t uid;
	char name[64];
} user_cache[USER_CACHE];
static _Thread_local unsigned user_next;

static long long
coarse_ns(void)
{
	struct timespec t;

	if (clock_gettime(CLOCK_MONOTONIC_COARSE, &t) != 0)
		return 0;
	return (long long)t.tv_sec * 1000000000 + t.tv_nsec;
}

static bool
user_cached(uid_t uid, char *name, size_t len)
{
	long long now = coarse_ns();

	for (int i = 0; i < USER_CACHE; i++)
		if (user_cache[i].until > now && user_cache[i].uid == uid) {
			snprintf(name, len, "%s", user_cache[i].name);
			return true;
		}
	return false;
}

/* Names too long for an entry are looked up each time. */
static void
user_keep(uid_t uid, const char *name)
{
	struct user_entry *e = &user_cache[user_next++ % USER_CACHE];
	long long now = coarse_ns();

	if (now == 0 || strlen(name) >= sizeof(e->name))
		return;
	e->uid = uid;
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->until = now + 1000000000;
}

static void
read_uid(struct pl_proc *p, const char *procdir)
{
	char *s = read_at(procdir, p->pid, "status", NULL), *u;
	char name[256];
	struct passwd pw, *res = NULL;
	char buf[2048];

	p->uid = (uid_t)-1;
	if (s != NULL && (u = strstr(s, "\nUid:")) != NULL)
		p->uid = (uid_t)strtoul(u + 5, NULL, 10);
	free(s);
	if (p->uid == (uid_t)-1)
		return;
	if (user_cached(p->uid, name, sizeof(name)))
		;
	else if (getpwuid_r(p->uid, &pw, buf, sizeof(buf), &res) == 0 && res != NULL) {
		snprintf(name, sizeof(name), "%s", res->pw_name);
		user_keep(p->uid, name);
	} else
		snprintf(name, sizeof(name), "%u", (unsigned)p->uid);
	p->user = strdup(name);
}

static char *
dupn(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* Finds the hex id after prefix in a path component ("docker-<id>.scope", "/docker/<id>"). */
static char *
id_after(const char *path, const char *prefix)
{
	const char *p = strstr(path, prefix);
	size_t n = 0;

	if (p == NULL)
		return NULL;
	p += strlen(prefix);
	while (n < 128 && ((p[n] >= '0' && p[n] <= '9') || (p[n] >= 'a' && p[n] <= 'f')))
		n++;
	return n >= 12 ? dupn(p, n) : NULL;
}

void
pl_cgroup_parse(const char *path, char **unit, char **kind, char **id, char **pod)
{
	static const struct { const char *prefix, *kind; } rt[] = {
		{ "docker-", "docker" }, { "/docker/", "docker" }, { "libpod-", "podman" },
		{ "/libpod/", "podman" }, { "cri-containerd-", "containerd" },
		{ "/containerd/", "containerd" }, { "crio-", "crio" },
	};
	*unit = *kind = *id = *pod = NULL;
	for (size_t i = 0; i < sizeof(rt) / sizeof(rt[0]) && *id == NULL; i++)
		if ((*id = id_after(path, rt[i].prefix)) != NULL)
			*kind = strdup(rt[i].kind);
	/* kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid>.slice/... (systemd
	 * driver, '_' for '-') or /kubepods/burstable/pod<uid>/<container> (cgroupfs driver). */
	if (strstr(path, "kubepods") != NULL) {
		for (const char *c = path; (c = strstr(c, "pod")) != NULL; c += 3) {
			size_t n = strspn(c + 3, "0123456789abcdef-_");

			if ((c > path && c[-1] != '-' && c[-1] != '/') || n < 8 || n > 64)
				continue;
			free(*pod);
			*pod = dupn(c + 3, n);
			for (char *d = *pod; d && *d; d++)
				if (*d == '_')
					*d = '-';
		}
		if (*pod != NULL) {
			free(*kind);
			*kind = strdup("kubernetes");
		}
	}
	/* The unit: the last component ending in .service or .scope that is not a
	 * container's own scope. */
	for (const char *c = path; c && *c; ) {
		const char *slash = strchr(c, '/');
		size_t n = slash ? (size_t)(slash - c) : strlen(c);
		bool svc = n > 8 && memcmp(c + n - 8, ".service", 8) == 0;
		bool scope = n > 6 && memcmp(c + n - 6, ".scope", 6) == 0;

		if ((svc || scope) && *id == NULL) {
			free(*unit);
			*unit = dupn(c, n);
		} else if (svc && *id != NULL && strncmp(c, "docker", 6) != 0) {
			free(*unit);
			*unit = dupn(c, n);
		}
		c = slash ? slash + 1 : NULL;
	}
	/* A cgroup's name is any bytes but '/': the unit is printed, so it is cleaned. */
	if (*unit != NULL)
		sanitize(*unit, strlen(*unit));
}

static void
read_cgroup(struct pl_proc *p, const char *procdir)
{
	char *s = read_at(procdir, p->pid, "cgroup", NULL), *line, *save = NULL;
	const char *best = NULL;

	if (s == NULL)
		return;
	/* cgroup v2 is "0::/path"; on v1 the name=systemd hierarchy has the unit. */
	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *path = strchr(line, ':');

		if (path == NULL || (path = strchr(path + 1, ':')) == NULL)
			continue;
		if (strncmp(line, "0::", 3) == 0 || strstr(line, ":name=systemd:") || best == NULL)
			best = path + 1;
	}
	if (best != NULL)
		pl_cgroup_parse(best, &p->unit, &p->container_kind, &p->container_id, &p->pod);
	free(s);
}

/* docker-proxy -proto tcp -host-ip 0.0.0.0 -host-port 8080 -container-ip 172.17.0.2
 * -container-port 80: where the published port really goes. */
static void
proxy_target(struct pl_proc *p)
{
	const char *ip = strstr(p->cmdline, "-container-ip "), *port;
	char buf[96];

	if (strcmp(p->comm, "docker-proxy") != 0 || ip == NULL ||
	    (port = strstr(p->cmdline, "-container-port ")) == NULL)
		return;
	ip += 14;
	port += 16;
	snprintf(buf, sizeof(buf), "%.*s:%.*s", (int)strcspn(ip, " "), ip,
	    (int)strcspn(port, " "), port);
	p->proxy_target = strdup(buf);
}

/* The executable's path; the kernel appends " (deleted)" when the file is gone. */
static void
read_exe(struct pl_proc *p, const char *procdir, pid_t pid)
{
	char path[4200], link[4096];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%d/exe", procdir, (int)pid);
	if ((n = readlink(path, link, sizeof(link) - 1)) <= 0)
		return;
	link[n] = '\0';
	if (n > 10 && strcmp(link + n - 10, " (deleted)") == 0)
		link[n - 10] = '\0';
	sanitize(link, strlen(link));
	p->exe = strdup(link);
}

int
pl__proc_read_dir(struct pl_proc *p, const char *procdir, pid_t pid)
{
	long long btime;
	char path[64], link[64], *comm;
	size_t len = 0;
	ssize_t n;

	p->pid = pid;
	if ((comm = read_at(procdir, pid, "comm", &len)) == NULL) {
		snprintf(p->comm, sizeof(p->comm), "?");
		return -PL_ENOTFOUND;
	}
	while (len > 0 && comm[len - 1] == '\n')
		comm[--len] = '\0';
	sanitize(comm, len);
	snprintf(p->comm, sizeof(p->comm), "%s", comm);
	free(comm);
	btime = boot_time(procdir);
	read_stat(p, procdir, btime);
	read_uid(p, procdir);
	read_cgroup(p, procdir);
	if ((p->cmdline = read_cmdline(procdir, pid)) == NULL)
		return -PL_ENOMEM;
	snprintf(path, sizeof(path), "%d/ns/net", (int)pid);
	{
		char full[4200];

		snprintf(full, sizeof(full), "%s/%s", procdir, path);
		if ((n = readlink(full, link, sizeof(link) - 1)) > 0) {
			link[n] = '\0';
			p->netns = strdup(link);
		}
	}
	read_exe(p, procdir, pid);
	proxy_target(p);
	return 0;
}

/* Whether fib_trie text lists ip as a local address of its namespace:
 * "|-- 172.17.0.2" followed by a "/32 host LOCAL" line. */
static bool
fib_has_local(const char *fib, const char *ip)
{
	size_t n = strlen(ip);

	for (const char *p = fib; (p = strstr(p, ip)) != NULL; p += n) {
		const char *line = p;

		if (p - fib < 4 || memcmp(p - 4, "|-- ", 4) != 0 || (p[n] != '\n' && p[n] != '\0'))
			continue;
		/* The leaf's lines follow it: "/32 host LOCAL" marks an own address. */
		for (int k = 0; k < 2 && (line = strchr(line, '\n')) != NULL; k++) {
			const char *end = strchr(++line, '\n');
			size_t len = end ? (size_t)(end - line) : strlen(line);

			if (memmem(line, len, "/32 host LOCAL", 14) != NULL)
				return true;
		}
	}
	return false;
}

void
pl__resolve_proxies(struct pl_socklist *l, const char *procdir, const pid_t *pids, size_t npids)
{
	for (size_t i = 0; i < l->nprocs; i++) {
		struct pl_proc *x = &l->procs[i];
		char ip[64];

		if (x->proxy_target == NULL)
			continue;
		snprintf(ip, sizeof(ip), "%.*s", (int)strcspn(x->proxy_target, ":"), x->proxy_target);
		/* The container's processes are in its own network namespace, which holds
		 * the address docker-proxy forwards to. Bounded by the process list. */
		for (size_t k = 0; k < npids && x->proxy_container == NULL; k++) {
			struct pl_proc c = { .pid = pids[k] };
			char *fib;

			read_cgroup(&c, procdir);
			if (c.container_id != NULL &&
			    (fib = read_at(procdir, pids[k], "net/fib_trie", NULL)) != NULL) {
				if (fib_has_local(fib, ip)) {
					char buf[160];

					snprintf(buf, sizeof(buf), "%s:%.12s", c.container_kind, c.container_id);
					x->proxy_container = strdup(buf);
				}
				free(fib);
			}
			pl_proc_free(&c);
		}
	}
}
