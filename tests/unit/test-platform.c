/* The platform calls the host layer's bind diagnosis, kill policy and container images
 * use (src/lib/host/platform.h), answered from a fixture root on Linux. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fixture.h"
#include "host/platform.h"

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bindv6only),
		cmocka_unit_test(test_pidns),
		cmocka_unit_test(test_netns_and_engines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
