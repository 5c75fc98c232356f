/* The socket filter of ls, who and kill: port specs and their span, the owner rules
 * (user by name or UID, unit with or without ".service", container by engine or id
 * prefix) and their use on a list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "portlore/sockfilter.h"

static void
parse(struct pl_sock_filter *f, const char *text)
{
	struct pl_err err = { 0 };

	assert_int_equal(pl_portspec_parse(&f->spec, text, &err), 0);
}

static void
test_query(void **state)
{
	struct pl_sock_filter f = { 0 };
	struct pl_sock_query q = { 0 };
	struct pl_err err = { 0 };

	(void)state;
	assert_int_equal(pl_sock_filter_query(&f, &q, &err), 0);
	assert_int_equal(q.lo, 0);              /* no specs: every port */
	assert_int_equal(q.hi, 0);
	parse(&f, "8080/tcp");
	parse(&f, "22-25");
	assert_int_equal(pl_sock_filter_query(&f, &q, &err), 0);
	assert_int_equal(q.lo, 22);
	assert_int_equal(q.hi, 8080);
	pl_sock_filter_free(&f);
	memset(&f, 0, sizeof(f));
	parse(&f, "0");
	assert_int_equal(pl_sock_filter_query(&f, &q, &err), 0);
	assert_true(q.lo > q.hi);               /* port 0: nothing, not every port */
	pl_sock_filter_free(&f);
	memset(&f, 0, sizeof(f));
	parse(&f, "22/sctp");
	assert_int_equal(pl_sock_filter_query(&f, &q, &err), -PL_EUSAGE);
	assert_non_null(strstr(err.msg, "port spec 'sctp'"));
	pl_sock_filter_free(&f);
	memset(&f, 0, sizeof(f));
	parse(&f, "ssh");
	assert_int_equal(pl_sock_filter_query(&f, &q, &err), -PL_EUSAGE);
	assert_non_null(strstr(err.msg, "port spec 'ssh'"));
	pl_sock_filter_free(&f);
}

static void
test_owner(void **state)
{
	struct pl_proc p = { .uid = 1000, .user = "alice", .unit = "nginx.service",
		.container_kind = "docker", .container_id = "3f4e1a2b9c8d" };
	struct pl_proc bare = { .uid = 0, .user = "root" };
	static const struct { const char *user, *unit, *container; bool p, bare; } t[] = {
		{ NULL, NULL, NULL, true, true },
		{ "alice", NULL, NULL, true, false },
		{ "1000", NULL, NULL, true, false },
		{ "0", NULL, NULL, false, true },
		{ "100", NULL, NULL, false, false },
		{ NULL, "nginx", NULL, true, false },
		{ NULL, "nginx.service", NULL, true, false },
		{ NULL, "ngin", NULL, false, false },
		{ NULL, NULL, "docker", true, false },
		{ NULL, NULL, "3f4e", true, false },
		{ NULL, NULL, "podman", false, false },
		{ "alice", "nginx", "docker", true, false },
		{ "alice", "sshd", NULL, false, false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct pl_sock_filter f = { .user = t[i].user, .unit = t[i].unit,
			.container = t[i].container };

		assert_int_equal(pl_sock_filter_owner(&f, &p), t[i].p);
		assert_int_equal(pl_sock_filter_owner(&f, &bare), t[i].bare);
	}
}

static void
test_apply(void **state)
{
	struct pl_proc procs[] = { { .uid = 1000, .user = "alice" }, { .uid = 0, .user = "root" } };
	struct pl_socket v[4] = {
		{ .proto = PL_PROTO_TCP, .lport = 22 }, { .proto = PL_PROTO_UDP, .lport = 22 },
		{ .proto = PL_PROTO_TCP, .lport = 80 }, { .proto = PL_PROTO_TCP, .lport = 8080 },
	};
	struct pl_socklist l = { .v = v, .n = 4, .procs = procs, .nprocs = 2 };
	struct pl_sock_filter f = { .user = "alice" };

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		v[i].owners = malloc(sizeof(size_t));
		assert_non_null(v[i].owners);
		v[i].owners[0] = i == 2;        /* 80 is root's, the others alice's */
		v[i].nowners = 1;
	}
	parse(&f, "22/tcp");
	parse(&f, "80-8080");
	pl_sock_filter_apply(&f, &l);
	/* 22/udp fails the spec, 80 the owner: 22/tcp and 8080 stay, in order. */
	assert_int_equal(l.n, 2);
	assert_int_equal(l.v[0].lport, 22);
	assert_int_equal(l.v[0].proto, PL_PROTO_TCP);
	assert_int_equal(l.v[1].lport, 8080);
	free(l.v[0].owners);
	free(l.v[1].owners);
	pl_sock_filter_free(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_owner),
		cmocka_unit_test(test_apply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
