/* The interface's languages: choosing one for a request, and reading gettext catalogs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "server-internal.h"

static int
lang(const char *code)
{
	for (int i = 0; i < NLANGS; i++)
		if (strcmp(srv_langs[i].code, code) == 0)
			return i;
	return -1;
}

static void
test_pick(void **state)
{
	static const struct { const char *query, *accept, *want; } t[] = {
		{ NULL, NULL, "en" },
		{ "fa", NULL, "fa" },
		{ "DE", NULL, "de" },
		{ "xx", "de", "de" },
		{ "english", NULL, "en" },
		{ "", "ms", "ms" },
		{ NULL, "fr;q=0.9, de-AT;q=0.8, en;q=0.1", "de" },
		{ NULL, "cs_CZ", "cs" },
		{ NULL, "en;q=0.5, ms;q=0.6", "ms" },
		{ NULL, "es-419,es;q=0.9", "es" },
		{ NULL, "*", "en" },
		{ NULL, "de;q=0", "en" },
		{ NULL, ",,,;;;q=", "en" },
		{ "fa", "de", "fa" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int got = srv_lang_pick(t[i].query, t[i].accept);

		if (got != lang(t[i].want))
			fail_msg("query '%s', accept '%s': got %s, want %s", t[i].query ? t[i].query : "",
			    t[i].accept ? t[i].accept : "", srv_langs[got].code, t[i].want);
	}
	assert_true(srv_langs[lang("fa")].rtl);
	assert_false(srv_langs[lang("de")].rtl);
}

/* The built catalogs of po/ (meson test sets PORTLORE_LOCALEDIR). */
static void
test_built_catalogs(void **state)
{
	const char *dir = getenv("PORTLORE_LOCALEDIR");
	struct catalog c;
	struct pl_err err = { 0 };

	(void)state;
	assert_non_null(dir);
	assert_int_equal(srv_catalog_load(&c, dir, "de", &err), 0);
	assert_string_equal(srv_tr(&c, "Yes"), "Ja");
	assert_string_equal(srv_tr(&c, "Port %u"), "Port %u");
	assert_string_equal(srv_tr(&c, "Was this page helpful?"), "War diese Seite hilfreich?");
	assert_string_equal(srv_tr(&c, "no such message"), "no such message");
	srv_catalog_free(&c);
	assert_int_equal(srv_catalog_load(&c, dir, "fa", &err), 0);
	assert_string_equal(srv_tr(&c, "Port %u"), "درگاه %u");
	srv_catalog_free(&c);
	assert_int_equal(srv_catalog_load(&c, dir, "xx", &err), -PL_EIO);
	assert_non_null(strstr(err.msg, "xx/LC_MESSAGES/portlore.mo"));
	assert_string_equal(srv_tr(NULL, "Yes"), "Yes");
}

/* A catalog whose translation changes a format's conversions is not used for it, and a
 * file that is not a catalog is refused. */
static void
test_bad_catalogs(void **state)
{
	char dir[] = "/tmp/test-i18n-XXXXXX", path[64], cmd[1024];
	struct catalog c;
	struct pl_err err = { 0 };
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/zz/LC_MESSAGES", dir);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s && printf '%s' > %s/zz.po && msgfmt -o "
	    "%s/portlore.mo %s/zz.po", path,
	    "msgid \"\"\\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\\\n\"\\n"
	    "msgid \"Port %%u\"\\nmsgstr \"Puerto %%s\"\\n"
	    "msgid \"Yes\"\\nmsgstr \"Si\"\\n", dir, path, dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(srv_catalog_load(&c, dir, "zz", &err), 0);
	assert_string_equal(srv_tr(&c, "Yes"), "Si");
	assert_string_equal(srv_tr(&c, "Port %u"), "Port %u");
	srv_catalog_free(&c);
	snprintf(cmd, sizeof(cmd), "%s/portlore.mo", path);
	assert_non_null(f = fopen(cmd, "w"));
	fputs("this is not a catalog, only text of some length", f);
	fclose(f);
	assert_int_equal(srv_catalog_load(&c, dir, "zz", &err), -PL_EDATA);
	assert_non_null(strstr(err.msg, "not a gettext .mo file"));
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pick),
		cmocka_unit_test(test_built_catalogs),
		cmocka_unit_test(test_bad_catalogs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
