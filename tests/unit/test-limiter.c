/* The server's per-client rate limiter: who counts as one client (an IPv4 address, an
 * IPv6 /64), and that no client can reset another's bucket. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "server-internal.h"

static struct client_key
key_of(const char *addr)
{
	struct sockaddr_in in = { .sin_family = AF_INET };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };

	if (inet_pton(AF_INET, addr, &in.sin_addr) == 1)
		return srv_client_key((struct sockaddr *)&in);
	assert_int_equal(inet_pton(AF_INET6, addr, &in6.sin6_addr), 1);
	return srv_client_key((struct sockaddr *)&in6);
}

static bool
same(const char *a, const char *b)
{
	struct client_key x = key_of(a), y = key_of(b);

	return x.family == y.family && x.bits == y.bits;
}

static void
test_keys(void **state)
{
	(void)state;
	assert_true(same("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:fffe"));
	assert_false(same("2001:db8:1:2::1", "2001:db8:1:3::1"));
	assert_true(same("::ffff:192.0.2.7", "192.0.2.7"));
	assert_false(same("192.0.2.7", "192.0.2.8"));
	assert_false(same("127.0.0.109", "127.0.0.202"));
	/* An IPv4 address and an IPv6 /64 with the same bits are different clients. */
	assert_false(same("0.0.0.1", "::1"));
	assert_int_equal(srv_client_key(NULL).family, 0);
}

static struct limiter lim;

static void
test_v6_prefix_shares_a_bucket(void **state)
{
	char addr[64];
	unsigned retry = 0, granted = 0;

	(void)state;
	srv_limiter_init(&lim, 10, 1.0 / 6, 42);
	/* 100 addresses of one /64: one bucket of 10 between them. */
	for (int i = 1; i <= 100; i++) {
		snprintf(addr, sizeof(addr), "2001:db8:7:7::%x", i);
		granted += srv_limiter_take(&lim, key_of(addr), &retry);
	}
	assert_int_equal(granted, 10);
	assert_true(retry >= 1 && retry <= 7);
	assert_true(srv_limiter_take(&lim, key_of("2001:db8:7:8::1"), NULL));
}

static void
test_no_reset_by_others(void **state)
{
	char addr[64];
	unsigned retry;

	(void)state;
	srv_limiter_init(&lim, 10, 1.0 / 6, 7);
	for (int i = 0; i < 10; i++)
		assert_true(srv_limiter_take(&lim, key_of("127.0.0.109"), &retry));
	assert_false(srv_limiter_take(&lim, key_of("127.0.0.109"), &retry));
	/* Thousands of other clients come and go; the limited one stays limited. */
	for (int i = 0; i < 20000; i++) {
		snprintf(addr, sizeof(addr), "10.%d.%d.%d", i >> 16 & 255, i >> 8 & 255, i & 255);
		srv_limiter_take(&lim, key_of(addr), NULL);
		srv_limiter_take(&lim, key_of(addr), NULL);
	}
	assert_false(srv_limiter_take(&lim, key_of("127.0.0.109"), &retry));
	assert_true(retry >= 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_v6_prefix_shares_a_bucket),
		cmocka_unit_test(test_no_reset_by_others),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
