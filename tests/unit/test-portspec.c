/* Port specifications: what parses, to what, and what is refused with which words. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "portlore/portspec.h"

struct ok_case {
	const char *in;
	size_t n;
	struct { unsigned lo, hi; enum pl_proto proto; const char *name; } items[3];
};

static const struct ok_case ok_cases[] = {
	{ "3333", 1, { { 3333, 3333, PL_PROTO_ANY, "" } } },
	{ "3333/tcp", 1, { { 3333, 3333, PL_PROTO_TCP, "" } } },
	{ "3333/UDP", 1, { { 3333, 3333, PL_PROTO_UDP, "" } } },
	{ "0", 1, { { 0, 0, PL_PROTO_ANY, "" } } },
	{ "65535/sctp", 1, { { 65535, 65535, PL_PROTO_SCTP, "" } } },
	{ "3000-3010", 1, { { 3000, 3010, PL_PROTO_ANY, "" } } },
	{ "3000-3000/dccp", 1, { { 3000, 3000, PL_PROTO_DCCP, "" } } },
	{ "22,80,443", 3, { { 22, 22, 0, "" }, { 80, 80, 0, "" }, { 443, 443, 0, "" } } },
	{ " 22 , 80/udp", 2, { { 22, 22, 0, "" }, { 80, 80, PL_PROTO_UDP, "" } } },
	{ "ssh", 1, { { 0, 0, PL_PROTO_ANY, "ssh" } } },
	{ "http/udp", 1, { { 0, 0, PL_PROTO_UDP, "http" } } },
	{ "914c/g", 1, { { 0, 0, PL_PROTO_ANY, "914c/g" } } },
	{ "3com-tsmux", 1, { { 0, 0, PL_PROTO_ANY, "3com-tsmux" } } },
	{ "z39.50/tcp", 1, { { 0, 0, PL_PROTO_TCP, "z39.50" } } },
	{ "00080", 1, { { 80, 80, PL_PROTO_ANY, "" } } },
};

static void
test_ok(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ok_cases) / sizeof(ok_cases[0]); i++) {
		const struct ok_case *c = &ok_cases[i];
		struct pl_portspec spec = { 0 };
		struct pl_err err = { 0 };

		assert_int_equal(pl_portspec_parse(&spec, c->in, &err), 0);
		assert_int_equal(spec.n, c->n);
		for (size_t k = 0; k < c->n; k++) {
			assert_int_equal(spec.items[k].proto, c->items[k].proto);
			assert_string_equal(spec.items[k].name, c->items[k].name);
			if (c->items[k].name[0] == '\0') {
				assert_int_equal(spec.items[k].lo, c->items[k].lo);
				assert_int_equal(spec.items[k].hi, c->items[k].hi);
			}
		}
		pl_portspec_free(&spec);
	}
}

struct bad_case {
	const char *in;
	int code;
	const char *words;     /* must appear in the message */
};

static const struct bad_case bad_cases[] = {
	{ "", -PL_EUSAGE, "empty" },
	{ "65536", -PL_EUSAGE, "out of range" },
	{ "99999999999999999999", -PL_EUSAGE, "out of range" },
	{ "-1", -PL_EUSAGE, "not a port" },
	{ "3000-2000", -PL_EUSAGE, "reversed" },
	{ "3000-", -PL_EUSAGE, "missing" },
	{ "-3000", -PL_EUSAGE, "not a port" },
	{ "1-2-3", -PL_EUSAGE, "not a port number" },
	{ "22,,80", -PL_EUSAGE, "empty item" },
	{ "22,", -PL_EUSAGE, "empty item" },
	{ "80/xyz", -PL_EUSAGE, "unknown protocol" },
	{ "/tcp", -PL_EUSAGE, "no port" },
	{ "ss h", -PL_EUSAGE, "not allowed" },
	{ "a;rm -rf", -PL_EUSAGE, "not allowed" },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", -PL_EUSAGE,
	  "longer than" },
};

static void
test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct pl_portspec spec = { 0 };
		struct pl_err err = { 0 };
		int rc = pl_portspec_parse(&spec, c->in, &err);

		if (rc != c->code || strstr(err.msg, c->words) == NULL)
			fail_msg("'%s': rc %d, message '%s' (want %d, '%s')", c->in, rc, err.msg,
			    c->code, c->words);
		pl_portspec_free(&spec);
	}
}

static void
test_too_long(void **state)
{
	static char big[PL_PORTSPEC_MAX + 2];
	struct pl_portspec spec = { 0 };
	struct pl_err err = { 0 };

	(void)state;
	memset(big, '1', sizeof(big) - 1);
	assert_int_equal(pl_portspec_parse(&spec, big, &err), -PL_ETOOBIG);
	assert_non_null(strstr(err.msg, "too long"));
	pl_portspec_free(&spec);
}

static void
test_proto_names(void **state)
{
	(void)state;
	assert_string_equal(pl_proto_name(PL_PROTO_TCP), "tcp");
	assert_string_equal(pl_proto_name(PL_PROTO_DCCP), "dccp");
	assert_string_equal(pl_proto_name(PL_PROTO_ANY), "");
	assert_int_equal(pl_proto_parse("SCTP", 4), PL_PROTO_SCTP);
	assert_int_equal(pl_proto_parse("tc", 2), PL_PROTO_ANY);
	assert_int_equal(pl_proto_parse("tcpx", 4), PL_PROTO_ANY);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_proto_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
