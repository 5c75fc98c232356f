/* Port-like search texts: which ones a caller may send straight to a port's report. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "portlore/store.h"

static void
test_port_queries(void **state)
{
	static const struct {
		const char *q;
		int is_port;
		uint16_t lo, hi;
		enum pl_proto proto;
	} t[] = {
		{ "22", 1, 22, 22, PL_PROTO_ANY },
		{ " 22 ", 1, 22, 22, PL_PROTO_ANY },
		{ "0", 1, 0, 0, PL_PROTO_ANY },
		{ "65535", 1, 65535, 65535, PL_PROTO_ANY },
		{ "22/tcp", 1, 22, 22, PL_PROTO_TCP },
		{ "53/UDP", 1, 53, 53, PL_PROTO_UDP },
		{ "3000-3010", 1, 3000, 3010, PL_PROTO_ANY },
		{ "6000-6063/tcp", 1, 6000, 6063, PL_PROTO_TCP },
		{ "65536", 0, 0, 0, PL_PROTO_ANY },
		{ "99999999999999999999", 0, 0, 0, PL_PROTO_ANY },
		{ "3010-3000", 0, 0, 0, PL_PROTO_ANY },
		{ "22/icmp", 0, 0, 0, PL_PROTO_ANY },
		{ "22/", 0, 0, 0, PL_PROTO_ANY },
		{ "22 ssh", 0, 0, 0, PL_PROTO_ANY },
		{ "ssh", 0, 0, 0, PL_PROTO_ANY },
		{ "-22", 0, 0, 0, PL_PROTO_ANY },
		{ "22-", 0, 0, 0, PL_PROTO_ANY },
		{ "x11", 0, 0, 0, PL_PROTO_ANY },
		{ "", 0, 0, 0, PL_PROTO_ANY },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct pl_port_ref r = { 1, 1, PL_PROTO_SCTP };
		int got = pl_search_port(t[i].q, &r);

		if (got != t[i].is_port)
			fail_msg("'%s': got %d, want %d", t[i].q, got, t[i].is_port);
		if (got && (r.lo != t[i].lo || r.hi != t[i].hi || r.proto != t[i].proto))
			fail_msg("'%s': got %u-%u/%d", t[i].q, r.lo, r.hi, (int)r.proto);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_port_queries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
