/* The JSON writer: its layout is jansson's JSON_INDENT(2), checked against jansson's
 * own output for the same documents; the one-line styles; errors that stick. */
#include <jansson.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "portlore/error.h"
#include "portlore/json.h"

/* Writes v, a jansson value, through the writer (the key order of jansson's objects is
 * their insertion order). */
static void
write_value(struct pl_json *j, json_t *v)
{
	const char *k;
	json_t *e;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		pl_json_obj(j);
		json_object_foreach(v, k, e) {
			pl_json_key(j, k);
			write_value(j, e);
		}
		pl_json_end(j);
		break;
	case JSON_ARRAY:
		pl_json_arr(j);
		json_array_foreach(v, i, e)
			write_value(j, e);
		pl_json_end(j);
		break;
	case JSON_STRING: pl_json_str(j, json_string_value(v)); break;
	case JSON_INTEGER: pl_json_int(j, json_integer_value(v)); break;
	case JSON_REAL: pl_json_real(j, json_real_value(v)); break;
	case JSON_TRUE: pl_json_bool(j, true); break;
	case JSON_FALSE: pl_json_bool(j, false); break;
	case JSON_NULL: pl_json_null(j); break;
	}
}

static void
test_like_jansson(void **state)
{
	static const char *const docs[] = {
		"{}",
		"[]",
		"{\"a\": 1, \"b\": [], \"c\": {}, \"d\": [1, [2, []], {\"e\": null}]}",
		"{\"s\": \"tab\\there \\\"q\\\" \\\\ \\u0001 \\u001f / é\", \"t\": true, \"f\": false}",
		"{\"r\": [0.5, 0.00089, 1e-05, 1e+20, 3.0, -2.25, 123456789.123, 0.1]}",
		"{\"n\": [-9223372036854775807, 0, 65535], \"deep\": [[[[{\"x\": [[]]}]]]]}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		json_t *v = json_loads(docs[i], JSON_DECODE_ANY, NULL);
		char *want;
		struct pl_buf b = PL_BUF_INIT;
		struct pl_json j;

		assert_non_null(v);
		want = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
		pl_json_init(&j, &b, 2);
		write_value(&j, v);
		assert_int_equal(pl_json_done(&j), 0);
		if (strcmp(pl_buf_str(&b), want) != 0)
			fail_msg("doc %zu:\n%s\nwant:\n%s", i, pl_buf_str(&b), want);
		free(want);
		json_decref(v);
		pl_buf_free(&b);
	}
}

static void
test_styles_and_envelope(void **state)
{
	struct pl_buf b = PL_BUF_INIT;
	struct pl_json j;

	(void)state;
	pl_json_init(&j, &b, 2);
	pl_json_envelope(&j, "report", 1);
	pl_json_style(&j, PL_JSON_COMPACT);
	pl_json_karr(&j, "query");
	pl_json_str(&j, "22");
	pl_json_str(&j, "80");
	pl_json_end(&j);
	pl_json_style(&j, PL_JSON_LINE);
	pl_json_kobj(&j, "line");
	pl_json_kint(&j, "a", 1);
	pl_json_karr(&j, "b");       /* inherits the one-line style */
	pl_json_int(&j, 2);
	pl_json_int(&j, 3);
	pl_json_end(&j);
	pl_json_end(&j);
	pl_json_knull(&j, "after");
	pl_json_end(&j);
	assert_int_equal(pl_json_done(&j), 0);
	assert_string_equal(pl_buf_str(&b), "{\n"
	    "  \"schema\": \"https://portlore.dev/schema/report/1\",\n"
	    "  \"version\": 1,\n"
	    "  \"query\": [\"22\",\"80\"],\n"
	    "  \"line\": {\"a\": 1, \"b\": [2, 3]},\n"
	    "  \"after\": null\n"
	    "}");
	pl_buf_free(&b);
}

static void
test_errors_stick(void **state)
{
	struct pl_buf b = PL_BUF_INIT;
	struct pl_json j;

	(void)state;
	/* A container left open. */
	pl_json_init(&j, &b, 2);
	pl_json_arr(&j);
	assert_int_equal(pl_json_done(&j), -PL_EDATA);
	/* A close with nothing open poisons the buffer. */
	pl_buf_reset(&b);
	pl_json_init(&j, &b, 2);
	pl_json_end(&j);
	assert_int_equal(pl_json_done(&j), -PL_EDATA);
	/* Too deep. */
	pl_buf_reset(&b);
	pl_json_init(&j, &b, 2);
	for (int i = 0; i < PL_JSON_MAXDEPTH + 1; i++)
		pl_json_arr(&j);
	assert_int_equal(pl_buf_error(&b), -PL_EDATA);
	pl_buf_free(&b);
	/* The buffer's maximum: the document stops where it was, the error stays. */
	pl_buf_init(&b, 16);
	pl_json_init(&j, &b, 2);
	pl_json_obj(&j);
	pl_json_kstr(&j, "key", "a value longer than sixteen bytes");
	pl_json_kint(&j, "n", 1);
	pl_json_end(&j);
	assert_int_equal(pl_json_done(&j), -PL_ETOOBIG);
	pl_buf_free(&b);
	/* Not a number: null, as jansson refuses it. */
	pl_buf_init(&b, 0);
	pl_json_init(&j, &b, 2);
	pl_json_real(&j, NAN);
	assert_string_equal(pl_buf_str(&b), "null");
	pl_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_like_jansson),
		cmocka_unit_test(test_styles_and_envelope),
		cmocka_unit_test(test_errors_stick),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
