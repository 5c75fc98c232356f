/*
 * test-procnet: /proc/net files recorded on a live machine (tests/fixtures/procnet),
 * replayed through the root seam, with a made-up process tree whose descriptors point
 * at the recorded sockets; the cgroup path parser; malformed lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>
#include <sys/socket.h>

#include "portlore/sockets.h"
#include "fixture.h"

static char root[256];

static void
mkdirs(const char *path)
{
	char tmp[512];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(tmp, 0755);
			*p = '/';
		}
	mkdir(tmp, 0755);
}

static void
put(const char *rel, const char *data, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_non_null(f = fopen(path, "w"));
	if (len == 0)
		len = strlen(data);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

/* A process pid holding socket inode ino on descriptor fd. */
static void
fake_proc(int pid, const char *comm, const char *cmdline, size_t cmdlen, const char *cgroup,
    int ppid, unsigned long long ino)
{
	char rel[512], link[64], path[600], stat[256];

	snprintf(rel, sizeof(rel), "%s/proc/%d/fd", root, pid);
	mkdirs(rel);
	snprintf(path, sizeof(path), "%s/7", rel);
	snprintf(link, sizeof(link), "socket:[%llu]", ino);
	assert_int_equal(symlink(link, path), 0);
	snprintf(path, sizeof(path), "%s/0", rel);
	assert_int_equal(symlink("/dev/null", path), 0);
	snprintf(rel, sizeof(rel), "proc/%d/comm", pid);
	put(rel, comm, strlen(comm));
	snprintf(rel, sizeof(rel), "proc/%d/cmdline", pid);
	put(rel, cmdline, cmdlen);
	snprintf(rel, sizeof(rel), "proc/%d/cgroup", pid);
	put(rel, cgroup, strlen(cgroup));
	snprintf(rel, sizeof(rel), "proc/%d/status", pid);
	put(rel, "Name:\tx\nUid:\t0\t0\t0\t0\n", 22);
	/* starttime (22nd field) is 500 ticks after boot. */
	snprintf(stat, sizeof(stat), "%d (%s) S %d 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 500 0\n",
	    pid, "a (b) c", ppid);
	snprintf(rel, sizeof(rel), "proc/%d/stat", pid);
	put(rel, stat, strlen(stat));
}

static const char proxy_cmd[] = "/usr/bin/docker-proxy\0-proto\0tcp\0-host-ip\0::\0"
    "-host-port\0" "8080\0-container-ip\0" "172.17.0.2\0-container-port\0" "80";

static const char *
fx_dir_path(const char *rel)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return path;
}

static int
setup(void **state)
{
	char path[512], target[512];
	const char *fx = getenv("PORTLORE_FIXTURES");

	(void)state;
	assert_non_null(fx);
	snprintf(root, sizeof(root), "%s", fx_dir());
	snprintf(path, sizeof(path), "%s/proc", root);
	mkdirs(path);
	snprintf(path, sizeof(path), "%s/proc/net", root);
	snprintf(target, sizeof(target), "%s/procnet/proc/net", fx);
	assert_int_equal(symlink(target, path), 0);
	put("proc/stat", "cpu 1 2 3\nbtime 1700000000\n", 27);
	fake_proc(4242, "ncidd\n", "/usr/sbin/ncidd\0-D\0", 19,
	    "0::/system.slice/ncidd.service\n", 1, 3109390);
	/* A second holder of the same socket, in a Docker container. */
	fake_proc(4243, "worker\n", "worker\0", 7,
	    "0::/system.slice/docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope\n",
	    4242, 3109390);
	/* docker-proxy publishing 8080 for a container at 172.17.0.2:80, and a process of
	 * that container (its namespace's fib_trie lists the address as local). */
	fake_proc(4250, "docker-proxy\n", proxy_cmd, sizeof(proxy_cmd) - 1,
	    "0::/system.slice/docker.service\n", 1, 3109391);
	fake_proc(4300, "nginx\n", "nginx\0", 6,
	    "0::/system.slice/docker-fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210.scope\n",
	    1, 999999);
	mkdirs(fx_dir_path("proc/4300/net"));
	put("proc/4300/net/fib_trie", "Main:\n  +-- 0.0.0.0/0 3 0 5\n     |-- 172.17.0.2\n"
	    "        /32 host LOCAL\n     |-- 172.17.0.3\n        /32 link UNICAST\n", 0);
	return 0;
}

static const struct pl_socket *
find(const struct pl_socklist *l, enum pl_proto proto, int family, uint16_t port, int state)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].proto == proto && l->v[i].family == family && l->v[i].lport == port &&
		    l->v[i].state == state)
			return &l->v[i];
	return NULL;
}

static void
listeners(void **state)
{
	struct pl_sock_query q = { .root = root };
	struct pl_socklist l;
	struct pl_err err = { 0 };
	const struct pl_socket *s;
	char addr[64];

	(void)state;
	assert_int_equal(pl_sockets_collect(&q, &l, &err), 0);
	assert_string_equal(l.source, "/proc/net");
	assert_int_equal(l.n, 4);
	assert_non_null(s = find(&l, PL_PROTO_TCP, AF_INET, 3333, PL_TCP_LISTEN));
	assert_int_equal(s->scope, PL_SCOPE_LOOPBACK);
	assert_int_equal(s->inode, 3109390);
	pl_sock_addr(addr, sizeof(addr), s->family, s->laddr, s->lport);
	assert_string_equal(addr, "127.0.0.1:3333");
	assert_non_null(s = find(&l, PL_PROTO_TCP, AF_INET6, 8080, PL_TCP_LISTEN));
	assert_int_equal(s->scope, PL_SCOPE_ALL);
	assert_int_equal(s->v6only, -1);
	pl_sock_addr(addr, sizeof(addr), s->family, s->laddr, s->lport);
	assert_string_equal(addr, "*:8080");
	assert_non_null(s = find(&l, PL_PROTO_UDP, AF_INET, 5000, PL_TCP_CLOSE));
	assert_string_equal(pl_sock_state_name(s->proto, s->state), "UNCONN");
	assert_non_null(s = find(&l, PL_PROTO_UDP, AF_INET6, 5000, PL_TCP_CLOSE));
	assert_int_equal(s->scope, PL_SCOPE_LOOPBACK);
	pl_sock_addr(addr, sizeof(addr), s->family, s->laddr, s->lport);
	assert_string_equal(addr, "[::1]:5000");
	pl_socklist_free(&l);
}

static void
every_state_and_port_filter(void **state)
{
	struct pl_sock_query q = { .root = root, .all = true, .tcp = true, .lo = 3333, .hi = 3333 };
	struct pl_socklist l;
	struct pl_err err = { 0 };
	const struct pl_socket *s;

	(void)state;
	assert_int_equal(pl_sockets_collect(&q, &l, &err), 0);
	/* The listener and the accepted end; the client's local port is 44194. */
	assert_int_equal(l.n, 2);
	assert_non_null(s = find(&l, PL_PROTO_TCP, AF_INET, 3333, PL_TCP_ESTABLISHED));
	assert_int_equal(s->rport, 44194);
	assert_int_equal(s->inode, 0);
	pl_socklist_free(&l);
	q.lo = q.hi = 44194;
	assert_int_equal(pl_sockets_collect(&q, &l, &err), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].rport, 3333);
	pl_socklist_free(&l);
}

static void
owners(void **state)
{
	struct pl_sock_query q = { .root = root, .tcp = true, .owners = true };
	struct pl_socklist l;
	struct pl_err err = { 0 };
	const struct pl_socket *s;
	const struct pl_proc *a, *b;

	(void)state;
	assert_int_equal(pl_sockets_collect(&q, &l, &err), 0);
	assert_non_null(s = find(&l, PL_PROTO_TCP, AF_INET, 3333, PL_TCP_LISTEN));
	assert_int_equal(s->nowners, 2);
	a = &l.procs[s->owners[0]];
	b = &l.procs[s->owners[1]];
	assert_int_equal(a->pid, 4242);
	assert_string_equal(a->comm, "ncidd");
	assert_string_equal(a->cmdline, "/usr/sbin/ncidd -D");
	assert_string_equal(a->unit, "ncidd.service");
	assert_null(a->container_kind);
	assert_int_equal(a->ppid, 1);
	assert_int_equal(a->uid, 0);
	assert_int_equal(a->start, 1700000000 + 500 / sysconf(_SC_CLK_TCK));
	assert_int_equal(b->pid, 4243);
	assert_int_equal(b->ppid, 4242);
	assert_string_equal(b->container_kind, "docker");
	assert_string_equal(b->container_id,
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	/* The IPv6 listener is docker-proxy's, resolved to the container behind it. */
	assert_non_null(s = find(&l, PL_PROTO_TCP, AF_INET6, 8080, PL_TCP_LISTEN));
	assert_int_equal(s->nowners, 1);
	a = &l.procs[s->owners[0]];
	assert_string_equal(a->comm, "docker-proxy");
	assert_string_equal(a->unit, "docker.service");
	assert_string_equal(a->proxy_target, "172.17.0.2:80");
	assert_string_equal(a->proxy_container, "docker:fedcba987654");
	assert_int_equal(l.unowned, 0);
	assert_string_equal(l.notes, "");
	pl_socklist_free(&l);
}

static void
malformed(void **state)
{
	static const char *const bad[] = {
		"hdr\n   1: 0100007F:0D05 00000000:0000 0A\n",
		"hdr\n   1: 0100007Z:0D05 00000000:0000 0A 00000000:00000001 00:00000000 00000000 0 0 1\n",
		"hdr\n   1: 0100007F:10000 00000000:0000 0A 00000000:00000001 00:00000000 00000000 0 0 1\n",
		"hdr\n   1: 0100007F:0D05 00000000:0000 FF 00000000:00000001 00:00000000 00000000 0 0 1\n",
		"hdr\n   1: 0100:0D05 00000000:0000 0A 00000000:00000001 00:00000000 00000000 0 0 1\n",
	};
	struct pl_sock_query q = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pl_socklist l = { 0 };
		struct pl_err err = { 0 };

		assert_int_equal(pl_procnet_parse(&l, "fx/tcp", bad[i], PL_PROTO_TCP, AF_INET, &q,
		    &err), -PL_EDATA);
		assert_string_equal(err.msg, "fx/tcp:2: not a socket line");
		pl_socklist_free(&l);
	}
}

static void
cgroups(void **state)
{
	static const struct {
		const char *path, *unit, *kind, *id, *pod;
	} cases[] = {
		{ "/system.slice/nginx.service", "nginx.service", NULL, NULL, NULL },
		{ "/user.slice/user-1000.slice/user@1000.service/app.slice/app-code.scope",
		  "app-code.scope", NULL, NULL, NULL },
		{ "/system.slice/docker-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.scope",
		  NULL, "docker", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL },
		{ "/docker/bbbbbbbbbbbbbbbb", NULL, "docker", "bbbbbbbbbbbbbbbb", NULL },
		{ "/machine.slice/libpod-cccccccccccccccc.scope/container", NULL, "podman",
		  "cccccccccccccccc", NULL },
		{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1f2e3d4c_5b6a_7980_a1b2_c3d4e5f60718.slice/"
		  "cri-containerd-dddddddddddddddd.scope", NULL, "kubernetes", "dddddddddddddddd",
		  "1f2e3d4c-5b6a-7980-a1b2-c3d4e5f60718" },
		{ "/kubepods/besteffort/pod0a1b2c3d-0000-1111-2222-333344445555/eeeeeeeeeeeeeeee",
		  NULL, "kubernetes", NULL, "0a1b2c3d-0000-1111-2222-333344445555" },
		{ "/", NULL, NULL, NULL, NULL },
		/* A path that starts with the pod (the byte before it was read). */
		{ "pod0a1b2c3d-0000-1111-2222-333344445555/kubepods", NULL, "kubernetes", NULL,
		  "0a1b2c3d-0000-1111-2222-333344445555" },
		/* Control bytes in a cgroup name don't reach the unit. */
		{ "/system.slice/x\033[2J\n.service", "x?[2J?.service", NULL, NULL, NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *unit, *kind, *id, *pod;

		pl_cgroup_parse(cases[i].path, &unit, &kind, &id, &pod);
#define SAME(got, want) do { if (want) assert_string_equal(got, want); else assert_null(got); } while (0)
		SAME(unit, cases[i].unit);
		SAME(kind, cases[i].kind);
		SAME(id, cases[i].id);
		SAME(pod, cases[i].pod);
		free(unit);
		free(kind);
		free(id);
		free(pod);
	}
}

/* Owners of the ncidd socket (3333/tcp) when pid 2's stat says stat2: kthreadd's
 * children hold no descriptors and are not walked, so a "kernel thread" that holds one
 * is not named; pid 2 that is not kthreadd (a PID namespace's) leaves its children to
 * the walk. */
static size_t
owners_with_pid2(const char *stat2)
{
	struct pl_sock_query q = { .root = root, .tcp = true, .owners = true };
	struct pl_socklist l;
	struct pl_err err = { 0 };
	const struct pl_socket *s;
	size_t n;

	put("proc/2/stat", stat2, 0);
	assert_int_equal(pl_sockets_collect(&q, &l, &err), 0);
	assert_non_null(s = find(&l, PL_PROTO_TCP, AF_INET, 3333, PL_TCP_LISTEN));
	n = s->nowners;
	for (size_t i = 0; i < n; i++)
		assert_int_not_equal(l.procs[s->owners[i]].pid, 2);
	pl_socklist_free(&l);
	return n;
}

static void
kernel_threads(void **state)
{
	static const char kthreadd[] = "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 "
	    "5 0 0 18446744073709551615 0 0 0 0 0 0 0 2147483647 0 0 0 0 1 0 0 0 0 0\n";
	static const char plain[] = "2 (kthreadd) S 0 0 0 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 "
	    "5 0 0 18446744073709551615 0 0 0 0 0 0 0 2147483647 0 0 0 0 1 0 0 0 0 0\n";
	char cmd[600];

	(void)state;
	mkdirs(fx_dir_path("proc/2/task/2"));
	put("proc/2/task/2/children", "4500 ", 0);
	fake_proc(4500, "kworker\n", "", 0, "0::/\n", 2, 3109390);
	assert_int_equal(owners_with_pid2(kthreadd), 2);         /* 4242 and 4243 */
	assert_int_equal(owners_with_pid2(plain), 3);            /* and 4500 */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/proc/2' '%s/proc/4500'", root, root);
	assert_int_equal(system(cmd), 0);
}

/* Gives pid descriptors 8..7+n, each a socket nobody asked about but the one at
 * descriptor at, which holds inode ino. */
static void
pad_fds(int pid, int n, int at, unsigned long long ino)
{
	char path[600], link[64];

	for (int fd = 8; fd < 8 + n; fd++) {
		snprintf(path, sizeof(path), "%s/proc/%d/fd/%d", root, pid, fd);
		snprintf(link, sizeof(link), "socket:[%llu]", fd == at ? ino : 5000000ull + fd);
		assert_int_equal(symlink(link, path), 0);
	}
}

/* Owners of the socket at port on AF_INET (3333) or AF_INET6 (8080), as pids in the
 * order the list gives them, into out (at most 8); returns how many. */
static size_t
owner_pids(const struct pl_socklist *l, int family, uint16_t port, int *out)
{
	const struct pl_socket *s = find(l, PL_PROTO_TCP, family, port, PL_TCP_LISTEN);
	size_t n = 0;

	assert_non_null(s);
	for (size_t i = 0; i < s->nowners && n < 8; i++)
		out[n++] = l->procs[s->owners[i]].pid;
	return n;
}

static bool
has_pid(const int *v, size_t n, int pid)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == pid)
			return true;
	return false;
}

/* Processes of hundreds of descriptors, listed in several batches and looked at by
 * every thread of the walk at once: each holder is found, the whole walk names all of
 * them, and a one-port walk names the holder and its relatives. */
static void
many_descriptors(void **state)
{
	struct pl_sock_query q = { .root = root, .tcp = true, .owners = true };
	struct pl_socklist l;
	struct pl_err err = { 0 };
	int pids[8];
	size_t n;
	char cmd[1024];

	(void)state;
	fake_proc(4600, "master\n", "master\0", 7, "0::/\n", 1, 1);
	fake_proc(4601, "worker\n", "worker\0", 7, "0::/\n", 4600, 2);
	fake_proc(4602, "other\n", "other\0", 6, "0::/\n", 1, 3);
	mkdirs(fx_dir_path("proc/4600/task/4600"));
	put("proc/4600/task/4600/children", "4601 ", 0);
	pad_fds(4600, 900, 600, 3109390);
	pad_fds(4601, 900, 907, 3109390);          /* the very last descriptor */
	pad_fds(4602, 900, 899, 3109391);

	assert_int_equal(pl_sockets_collect(&q, &l, &err), 0);
	assert_int_equal(owner_pids(&l, AF_INET, 3333, pids), 4);
	assert_int_equal(pids[0], 4242);
	assert_int_equal(pids[1], 4243);
	assert_int_equal(pids[2], 4600);
	assert_int_equal(pids[3], 4601);
	assert_int_equal(owner_pids(&l, AF_INET6, 8080, pids), 2);
	assert_int_equal(pids[0], 4250);
	assert_int_equal(pids[1], 4602);
	assert_int_equal(l.unowned, 0);
	/* Every descriptor once: two in each of the four small processes, 902 in each
	 * of the three large ones. */
	assert_int_equal(l.fds_seen, 4 * 2 + 3 * 902);
	pl_socklist_free(&l);

	q.lo = q.hi = 3333;
	q.stop_early = true;
	for (int round = 0; round < 20; round++) {
		assert_int_equal(pl_sockets_collect(&q, &l, &err), 0);
		n = owner_pids(&l, AF_INET, 3333, pids);
		/* Which holder is met first depends on the threads; the master and
		 * its worker are each other's relatives, so both are always named. */
		assert_true(has_pid(pids, n, 4600));
		assert_true(has_pid(pids, n, 4601));
		for (size_t i = 0; i < n; i++)
			assert_true(pids[i] == 4242 || pids[i] == 4243 || pids[i] == 4600 ||
			    pids[i] == 4601);
		pl_socklist_free(&l);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/proc/4600' '%s/proc/4601' '%s/proc/4602'",
	    root, root, root);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(listeners),
		cmocka_unit_test(every_state_and_port_filter),
		cmocka_unit_test(owners),
		cmocka_unit_test(malformed),
		cmocka_unit_test(cgroups),
		cmocka_unit_test(kernel_threads),
		cmocka_unit_test(many_descriptors),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
