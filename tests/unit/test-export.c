/* export's renderers over models built here: services(5) lines, CSV quoting and the
 * JSON document's nulls, and a buffer too small for the output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "portlore/render-export.h"

static void
test_services(void **state)
{
	/* A range gives a line per port; the same row twice gives its lines once. */
	struct pl_export_service v[] = {
		{ .name = "x11", .desc = "X", .lo = 6000, .hi = 6001, .proto = "tcp" },
		{ .name = "x11", .desc = "X", .lo = 6000, .hi = 6001, .proto = "tcp" },
		{ .name = "whoispp", .desc = "", .lo = 63, .hi = 63, .proto = "tcp",
		  .aliases = "whois++" },
	};
	struct pl_export x = { .format = PL_EXPORT_SERVICES, .snapshot = "2026-02-13",
		.services = v, .nservices = 3, .left = 7 };
	struct pl_buf b = PL_BUF_INIT;
	const char *body;

	(void)state;
	assert_int_equal(pl_export_services(&b, &x), 0);
	assert_non_null(strstr(pl_buf_str(&b), "# snapshot 2026-02-13,"));
	assert_non_null(strstr(pl_buf_str(&b), "Left out: 7 named rows"));
	body = strstr(pl_buf_str(&b), "#\n") + 2;
	assert_string_equal(body,
	    "x11             6000/tcp     # X (ports 6000-6001)\n"
	    "x11             6001/tcp     # X (ports 6000-6001)\n"
	    "whoispp         63/tcp      whois++\n");
	pl_buf_free(&b);
}

static void
test_csv(void **state)
{
	struct pl_record rows[] = {
		{ .has_port = true, .service = "x11", .description = "X Window System, \"X\"",
		  .assignee = "", .contact = "", .registered = "2001-05-06", .modified = "",
		  .reference = "", .service_code = "", .unauthorized = "", .notes = "a\r\nb",
		  .lo = 6000, .hi = 6002, .proto = PL_PROTO_TCP },
		{ .has_port = false, .service = "noport", .description = "", .assignee = "",
		  .contact = "", .registered = "", .modified = "", .reference = "",
		  .service_code = "", .unauthorized = "", .notes = "" },
	};
	struct pl_export x = { .format = PL_EXPORT_CSV, .rows = rows, .nrows = 2,
		.col11 = "Known Unauthorized Uses" };
	struct pl_buf b = PL_BUF_INIT;

	(void)state;
	assert_int_equal(pl_export_csv(&b, &x), 0);
	assert_string_equal(pl_buf_str(&b),
	    "Service Name,Port Number,Transport Protocol,Description,Assignee,Contact,"
	    "Registration Date,Modification Date,Reference,Service Code,"
	    "Known Unauthorized Uses,Assignment Notes\r\n"
	    "x11,6000-6002,tcp,\"X Window System, \"\"X\"\"\",,,2001-05-06,,,,,\"a\r\nb\"\r\n"
	    "noport,,,,,,,,,,,\r\n");
	pl_buf_free(&b);
}

static void
test_json(void **state)
{
	char *pat[] = { "^democid$" }, *cves[] = { "CVE-2020-1" };
	struct pl_export_hints hints[] = { { .kind = "process", .patterns = pat, .n = 1 } };
	struct pl_export_lore lore[] = { { .id = "demo", .family = "demo", .family_name = "D",
		.name = "Demo", .vendor = "", .kind = "k", .summary = "s", .risk = "low",
		.risk_why = "", .notes = "", .confidence = "high", .confidence_why = "",
		.year_from = 2002, .cves = cves, .ncves = 1, .hints = hints, .nhints = 1 } };
	struct pl_record rows[] = { { .has_port = false, .service = "noport",
		.description = "d", .assignee = "", .contact = "", .registered = "",
		.modified = "", .reference = "", .service_code = "", .unauthorized = "",
		.notes = "", .line = 4 } };
	struct pl_export x = { .format = PL_EXPORT_JSON, .rows = rows, .nrows = 1,
		.lore = lore, .nlore = 1 };
	struct pl_buf b = PL_BUF_INIT;
	const char *s;

	(void)state;
	assert_int_equal(pl_export_json(&b, &x), 0);
	s = pl_buf_str(&b);
	assert_non_null(strstr(s, "\"schema\": \"https://portlore.dev/schema/export/1\""));
	assert_non_null(strstr(s, "\"snapshot\": null"));
	assert_non_null(strstr(s, "\"port\": null,\n      \"protocol\": null"));
	assert_non_null(strstr(s, "\"line\": 4"));
	assert_non_null(strstr(s, "\"year_from\": 2002,\n      \"year_to\": null"));
	assert_non_null(strstr(s, "\"process\": [\n          \"^democid$\"\n        ]"));
	assert_non_null(strstr(s, "\"cves\": [\n        \"CVE-2020-1\"\n      ]"));
	assert_int_equal(s[strlen(s) - 1], '\n');
	pl_buf_free(&b);
	/* Too small a buffer: the renderer says so and stops. */
	pl_buf_init(&b, 64);
	assert_int_equal(pl_export_json(&b, &x), -PL_ETOOBIG);
	pl_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_services),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
