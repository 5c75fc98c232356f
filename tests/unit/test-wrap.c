/* The bounded buffer and the text wrapper. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "portlore/buf.h"
#include "portlore/render.h"

static void
test_buf_limit(void **state)
{
	struct pl_buf b;

	(void)state;
	pl_buf_init(&b, 8);
	assert_int_equal(pl_buf_adds(&b, "1234567"), 0);
	assert_int_equal(pl_buf_adds(&b, "8"), -PL_ETOOBIG);
	assert_string_equal(pl_buf_str(&b), "1234567");
	/* The first error sticks: nothing is added after it, even what would fit. */
	assert_int_equal(pl_buf_error(&b), -PL_ETOOBIG);
	assert_int_equal(pl_buf_printf(&b, "%d", 1), -PL_ETOOBIG);
	assert_int_equal(pl_buf_addc(&b, 'x'), -PL_ETOOBIG);
	assert_int_equal(pl_buf_add_html(&b, "<"), -PL_ETOOBIG);
	assert_string_equal(pl_buf_str(&b), "1234567");
	pl_buf_reset(&b);
	assert_int_equal(pl_buf_error(&b), 0);
	assert_int_equal(pl_buf_printf(&b, "%s-%d", "ab", 42), 0);
	assert_string_equal(pl_buf_str(&b), "ab-42");
	pl_buf_free(&b);
	assert_string_equal(pl_buf_str(&b), "");
}

static void
test_escapers(void **state)
{
	static const struct { const char *in, *html, *json; } t[] = {
		{ "plain", "plain", "\"plain\"" },
		{ "", "", "\"\"" },
		{ "a<b>&\"c'", "a&lt;b&gt;&amp;&quot;c&#39;", "\"a<b>&\\\"c'\"" },
		{ "back\\slash/", "back\\slash/", "\"back\\\\slash/\"" },
		{ "\b\f\n\r\t\x01\x1f\x7f", "\b\f\n\r\t\x01\x1f\x7f",
		  "\"\\b\\f\\n\\r\\t\\u0001\\u001F\x7f\"" },
		{ "é ✓", "é ✓", "\"é ✓\"" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct pl_buf h = PL_BUF_INIT, j = PL_BUF_INIT;

		assert_int_equal(pl_buf_add_html(&h, t[i].in), 0);
		assert_int_equal(pl_buf_add_json(&j, t[i].in), 0);
		assert_string_equal(pl_buf_str(&h), t[i].html);
		assert_string_equal(pl_buf_str(&j), t[i].json);
		pl_buf_free(&h);
		pl_buf_free(&j);
	}
	{
		struct pl_buf j = PL_BUF_INIT;

		assert_int_equal(pl_buf_add_json(&j, NULL), 0);
		assert_string_equal(pl_buf_str(&j), "null");
		pl_buf_free(&j);
	}
}

static void
test_wrap(void **state)
{
	static const struct { const char *in; int indent, first, width; const char *out; } t[] = {
		{ "one two three", 0, 0, 40, "one two three" },
		{ "aaaa bbbb cccc dddd eeee ffff gggg", 2, 0, 22,
		  "aaaa bbbb cccc dddd\n  eeee ffff gggg" },
		{ "  spaced   out\n words ", 0, 0, 40, "spaced out words" },
		{ "", 4, 4, 40, "" },
		/* A word longer than the line stays whole on a line of its own. */
		{ "x https://example.org/a/very/long/path/that/does/not/fit y", 0, 0, 20,
		  "x\nhttps://example.org/a/very/long/path/that/does/not/fit\ny" },
		/* Columns count characters, not bytes. */
		{ "ééééé ééééé ééééé ééééé ééééé", 0, 0, 23, "ééééé ééééé ééééé ééééé\nééééé" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct pl_buf b = PL_BUF_INIT;

		assert_int_equal(pl_wrap(&b, t[i].in, t[i].indent, t[i].first, t[i].width), 0);
		if (strcmp(pl_buf_str(&b), t[i].out) != 0)
			fail_msg("case %zu: got '%s', want '%s'", i, pl_buf_str(&b), t[i].out);
		pl_buf_free(&b);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_limit),
		cmocka_unit_test(test_escapers),
		cmocka_unit_test(test_wrap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
