/* The history model and its renderers on two small snapshots: events, their dates and
 * their merging over protocols, the text, brief (report), HTML and JSON forms, and the
 * diff's keys. Table-driven: each case is a port, a protocol and the events expected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "portlore/history.h"
#include "portlore/json.h"
#include "portlore/render.h"
#include "fixture.h"

#define HEADER FX_IANA_HEADER

static const char old_csv[] = HEADER
	"alpha,1000,tcp,Alpha,[A_Person],[A_Person],2019-05-01,,,,,\r\n"
	"alpha,1000,udp,Alpha,[A_Person],[A_Person],2019-05-01,,,,,\r\n"
	"beta,1001,tcp,Beta,[B],[B],,,,,,\r\n"
	",1002-1009,,Unassigned,,,,,,,,\r\n"
	"names-only,,,No port <here>,,,,2020-01-01,,,,\r\n";
static const char new_csv[] = HEADER
	"alpha,1000,tcp,Alpha,[A_Org],[A_Person],2019-05-01,2021-06-30,,,,\r\n"
	"alpha,1000,udp,Alpha,[A_Org],[A_Person],2019-05-01,2021-06-30,,,,\r\n"
	",1001,tcp,Reserved,,,,2021-02-02,,,,\"De-assigned on 2021-02-02, previously beta\"\r\n"
	"delta,1002,tcp,Delta,[D],[D],2021-03-01,,,,,\r\n"
	",1003-1009,,Unassigned,,,,,,,,\r\n"
	"Names-Only,,,No port <here>,,,,2020-01-01,,,,\r\n";

struct fx {
	const char *dir;
	struct pl_store *st;
};

static int
setup(void **state)
{
	static struct fx fx;
	struct pl_err err = { 0 };
	char db[300];

	fx.dir = fx_dir();
	snprintf(db, sizeof(db), "%s/t.db", fx.dir);
	if (pl_store_open(&fx.st, db, PL_STORE_CREATE, &err) != 0 ||
	    pl_store_import_iana(fx.st, fx_write(fx.dir, "old.csv", old_csv, -1), NULL, &err) != 0 ||
	    pl_store_import_iana(fx.st, fx_write(fx.dir, "new.csv", new_csv, -1), NULL, &err) != 0)
		fail_msg("%s", err.msg);
	*state = &fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	pl_store_close(fx->st);
	fx_rmrf(fx->dir);
	return 0;
}

/* "kind:protos:date:field" per event, joined with spaces. */
static void
summary(const struct pl_history *h, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < h->nevents && n < len; i++) {
		const struct pl_hist_event *e = &h->events[i];

		n += (size_t)snprintf(buf + n, len - n, "%s%s:%x:%s:%s", i ? " " : "",
		    pl_hist_kind_name(e->kind), e->protos, e->date ? e->date : "-",
		    e->field ? e->field : "-");
	}
}

static void
test_stories(void **state)
{
	static const struct {
		uint16_t port;
		enum pl_proto proto;
		const char *want;
	} cases[] = {
		/* tcp is bit 1 (0x2), udp bit 2 (0x4). */
		{ 1000, PL_PROTO_ANY, "registered:6:2019-05-01:- changed:6:2021-06-30:assignee" },
		{ 1000, PL_PROTO_UDP, "registered:4:2019-05-01:- changed:4:2021-06-30:assignee" },
		{ 1001, PL_PROTO_TCP, "de-assigned:2:2021-02-02:-" },
		{ 1002, PL_PROTO_ANY, "assigned:2:2021-03-01:- removed:4:-:-" },
		{ 1005, PL_PROTO_TCP, "" },
		{ 4000, PL_PROTO_TCP, "" },
	};
	struct fx *fx = *state;
	char got[1024];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pl_history h;
		struct pl_err err = { 0 };

		assert_int_equal(pl_history_build(fx->st, cases[i].port, cases[i].proto, &h, &err), 0);
		assert_int_equal(h.nsnaps, 2);
		summary(&h, got, sizeof(got));
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("port %u: got '%s', want '%s'", cases[i].port, got, cases[i].want);
		pl_history_free(&h);
	}
}

static void
test_renderers(void **state)
{
	struct fx *fx = *state;
	struct pl_text_opts o = { 80, false };
	struct pl_buf b = PL_BUF_INIT;
	struct pl_history h;
	struct pl_err err = { 0 };
	struct pl_json jw;
	json_t *j;

	assert_int_equal(pl_history_build(fx->st, 1001, PL_PROTO_TCP, &h, &err), 0);
	assert_int_equal(pl_render_history_brief(&b, &h, &o), 0);
	assert_non_null(strstr(pl_buf_str(&b), "  history   2021-02-02 beta (tcp) de-assigned, now Reserved"));
	assert_non_null(strstr(pl_buf_str(&b), "[iana]\n"));
	pl_buf_reset(&b);
	assert_int_equal(pl_history_html(&b, &h, NULL), 0);
	assert_non_null(strstr(pl_buf_str(&b), "<li><time>2021-02-02</time> beta (tcp) de-assigned"));
	pl_buf_reset(&b);
	assert_int_equal(pl_render_history_text(&b, &h, &o), 0);
	assert_non_null(strstr(pl_buf_str(&b), "De-assigned on 2021-02-02, previously beta"));
	pl_buf_reset(&b);
	pl_json_init(&jw, &b, 2);
	pl_history_json(&jw, &h);
	assert_int_equal(pl_json_done(&jw), 0);
	assert_non_null(j = json_loadb(b.data, b.len, 0, NULL));
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(j, "events"), 0), "date_from")), "modification_date");
	json_decref(j);
	pl_history_free(&h);
	/* No events: the brief and HTML forms add nothing. */
	assert_int_equal(pl_history_build(fx->st, 4000, PL_PROTO_TCP, &h, &err), 0);
	pl_buf_reset(&b);
	assert_int_equal(pl_render_history_brief(&b, &h, &o), 0);
	assert_int_equal(pl_history_html(&b, &h, NULL), 0);
	assert_int_equal(b.len, 0);
	pl_history_free(&h);
	pl_buf_free(&b);
}

static void
test_diff(void **state)
{
	struct fx *fx = *state;
	struct pl_diff d;
	struct pl_err err = { 0 };
	char old_l[32], new_l[32];

	assert_int_equal(pl_snapshot_resolve(fx->st, "oldest", old_l, sizeof(old_l), &err), 0);
	assert_string_equal(old_l, "2020-01-01");
	assert_int_equal(pl_snapshot_resolve(fx->st, "2021", new_l, sizeof(new_l), &err), 0);
	assert_string_equal(new_l, "2021-06-30");
	assert_int_equal(pl_snapshot_resolve(fx->st, "2", new_l, sizeof(new_l), &err), -PL_EUSAGE);
	assert_int_equal(pl_snapshot_resolve(fx->st, "1999", new_l, sizeof(new_l), &err), -PL_ENOTFOUND);
	assert_int_equal(pl_diff_build(fx->st, "2020-01-01", "2021-06-30", &d, &err), 0);
	/* Added: the reserved 1001 row, delta, 1003-1009; removed: beta, 1002-1009;
	 * changed: alpha twice and names-only, whose name changed case only. */
	assert_int_equal(d.nadded, 3);
	assert_int_equal(d.nremoved, 2);
	assert_int_equal(d.nchanged, 3);
	/* Rows without a name sort first, by port: the reserved 1001/tcp row was added. */
	assert_int_equal(d.entries[0].kind, PL_DIFF_ADDED);
	assert_int_equal(d.entries[0].row.lo, 1001);
	assert_int_equal(d.entries[0].row.proto, PL_PROTO_TCP);
	for (size_t i = 0; i < d.nentries; i++)
		if (strcmp(d.entries[i].row.service, "Names-Only") == 0) {
			assert_int_equal(d.entries[i].kind, PL_DIFF_CHANGED);
			assert_int_equal(d.entries[i].nchanges, 1);
			assert_string_equal(d.entries[i].changes[0].field, "service");
		}
	pl_diff_free(&d);
	assert_int_equal(pl_diff_build(fx->st, "2020-01-01", "1999-01-01", &d, &err), -PL_ENOTFOUND);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stories),
		cmocka_unit_test(test_renderers),
		cmocka_unit_test(test_diff),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
