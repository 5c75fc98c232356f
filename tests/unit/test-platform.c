/* The platform calls the host layer's bind diagnosis, kill policy and container images
 * use (src/lib/host/platform.h), answered from a fixture root on Linux. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <fcntl.h>

#include "fixture.h"
#include "host/platform.h"
#include "host/sockets-internal.h"

static void
mkdirs(const char *root, const char *const *dirs)
{
	char path[512];

	for (; *dirs; dirs++) {
		snprintf(path, sizeof(path), "%s/%s", root, *dirs);
		if (mkdir(path, 0755) != 0) {
			perror(path);
			exit(1);
		}
	}
}

static void
test_bindv6only(void **state)
{
	const char *root = fx_dir();

	(void)state;
	mkdirs(root, (const char *const[]){ "proc", "proc/sys", "proc/sys/net", "proc/sys/net/ipv6",
	    NULL });
	assert_int_equal(pl_plat_bindv6only(root), -1);           /* no file: unknown */
	fx_write(root, "proc/sys/net/ipv6/bindv6only", "1\n", -1);
	assert_int_equal(pl_plat_bindv6only(root), 1);
	fx_write(root, "proc/sys/net/ipv6/bindv6only", "0\n", -1);
	assert_int_equal(pl_plat_bindv6only(root), 0);
	fx_write(root, "proc/sys/net/ipv6/bindv6only", "x\n", -1);
	assert_int_equal(pl_plat_bindv6only(root), -1);
	fx_rmrf(root);
}

static void
test_pidns(void **state)
{
	const char *root = fx_dir();
	pid_t nspid;
	int same;

	(void)state;
	mkdirs(root, (const char *const[]){ "proc", "proc/42", "proc/43", NULL });
	/* A process in a nested PID namespace: the last NSpid field is its own PID. */
	fx_write(root, "proc/42/status", "Name:\tx\nNSpid:\t4242\t17\t1\n", -1);
	assert_int_equal(pl_plat_pidns(root, 42, &nspid, &same), 0);
	assert_int_equal(nspid, 1);
	assert_int_equal(same, -1);                                /* no ns/pid: unknown */
	/* There, but NSpid unreadable: unknown (0), not gone. */
	assert_int_equal(pl_plat_pidns(root, 43, &nspid, &same), 0);
	assert_int_equal(nspid, 0);
	/* Gone. */
	assert_int_equal(pl_plat_pidns(root, 44, &nspid, &same), -PL_ENOTFOUND);
	fx_rmrf(root);
	/* This process, live: its own namespace. */
	assert_int_equal(pl_plat_pidns("", getpid(), &nspid, &same), 0);
	assert_true(nspid > 0);
	assert_int_equal(same, 1);
}

static void
test_netns_and_engines(void **state)
{
	char buf[96] = "unchanged", path[64];

	(void)state;
	/* No namespace has inode 1: no name, buf left alone. */
	assert_int_equal(pl_plat_netns_name(1, buf, sizeof(buf)), -PL_ENOTFOUND);
	assert_string_equal(buf, "unchanged");
	assert_int_equal(pl_plat_netns_enter("/nonexistent/ns", &(struct pl_err){ 0 }),
	    -PL_ENOTFOUND);
	assert_int_equal(pl_plat_docker_record("/r", "abc", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/r/var/lib/docker/containers/abc/config.v2.json");
	assert_int_equal(pl_plat_docker_record("/r", "abc", path, 20), -PL_ENOTFOUND);
	assert_int_equal(pl_plat_podman_storage("/r", 0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/r/var/lib/containers/storage");
}

/* The kernel's threads, whose namespace search is kthreadd's: only when pid 2 really
 * is kthreadd (PF_KTHREAD), and only from a list in the kernel's format. */
static void
test_kernel_threads(void **state)
{
	static const char kthreadd[] = "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 "
	    "5 0 0 18446744073709551615 0 0 0 0 0 0 0 2147483647 0 0 0 0 1 0 0 0 0 0\n";
	const char *root = fx_dir();
	pid_t *v;
	int fd;

	(void)state;
	mkdirs(root, (const char *const[]){ "2", "2/task", "2/task/2", NULL });
	assert_true((fd = open(root, O_RDONLY | O_DIRECTORY)) >= 0);
	/* No children file yet: unknown, nothing skipped. */
	fx_write(root, "2/stat", kthreadd, -1);
	assert_int_equal(pl__kernel_threads(fd, &v), 0);
	assert_null(v);
	fx_write(root, "2/task/2/children", "3 4 10 7 ", -1);
	assert_int_equal(pl__kernel_threads(fd, &v), 4);
	assert_int_equal(v[0], 3);
	assert_int_equal(v[1], 4);
	assert_int_equal(v[2], 7);
	assert_int_equal(v[3], 10);
	free(v);
	/* A list longer than one read (the kernel hands it out in pieces). */
	{
		char big[40000];
		size_t n = 0;

		for (int pid = 50000; pid < 55000; pid++)
			n += (size_t)snprintf(big + n, sizeof(big) - n, "%d ", pid);
		fx_write(root, "2/task/2/children", big, (long)n);
		assert_int_equal(pl__kernel_threads(fd, &v), 5000);
		assert_int_equal(v[0], 50000);
		assert_int_equal(v[4999], 54999);
		free(v);
	}
	/* Not the kernel's format: none of it is trusted. */
	fx_write(root, "2/task/2/children", "3 4 x7 ", -1);
	assert_int_equal(pl__kernel_threads(fd, &v), 0);
	fx_write(root, "2/task/2/children", "3 1 ", -1);
	assert_int_equal(pl__kernel_threads(fd, &v), 0);
	/* Pid 2 of a PID namespace is an ordinary process, whatever its name. */
	fx_write(root, "2/task/2/children", "3 4 ", -1);
	fx_write(root, "2/stat", "2 (bash) S 1 2 2 0 -1 4194560 0 0\n", -1);
	assert_int_equal(pl__kernel_threads(fd, &v), 0);
	fx_write(root, "2/stat", "2 (kthreadd) S 0 0 0 0 -1 4194560 0 0\n", -1);
	assert_int_equal(pl__kernel_threads(fd, &v), 0);
	fx_write(root, "2/stat", "2 (kthreadd) S 0 0 0", -1);
	assert_int_equal(pl__kernel_threads(fd, &v), 0);
	close(fd);
	fx_rmrf(root);
	/* This machine: when pid 2 is kthreadd, its children are listed and pid 2 is not. */
	assert_true((fd = open("/proc", O_RDONLY | O_DIRECTORY)) >= 0);
	{
		long n = pl__kernel_threads(fd, &v);

		assert_true(n >= 0);
		for (long i = 0; i < n; i++)
			assert_true(v[i] > 2 && (i == 0 || v[i - 1] < v[i]));
		free(v);
	}
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bindv6only),
		cmocka_unit_test(test_pidns),
		cmocka_unit_test(test_netns_and_engines),
		cmocka_unit_test(test_kernel_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
