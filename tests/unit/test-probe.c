/*
 * Probing: targets, port lists, UDP payloads, banner hints, and the engine against
 * loopback ports this test opens itself (never a range of the machine's own ports).
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <cmocka.h>

#include <jansson.h>

#include "fixture.h"
#include "portlore/json.h"
#include "portlore/probe.h"
#include "portlore/render.h"

struct target_case {
	const char *in;
	bool consent;
	int code;
	int family;
	uint32_t nhosts;
	const char *first, *msg;   /* first address; words the error must contain */
};

static const struct target_case target_cases[] = {
	{ "10.1.2.3", false, 0, AF_INET, 1, "10.1.2.3", NULL },
	{ "10.1.2.3/24", false, 0, AF_INET, 256, "10.1.2.0", NULL },
	{ "10.1.2.3/31", false, 0, AF_INET, 2, "10.1.2.2", NULL },
	{ "[::1]", false, 0, AF_INET6, 1, "::1", NULL },
	{ "fd00::5/126", false, 0, AF_INET6, 4, "fd00::4", NULL },
	{ "10.0.0.0/17", false, 0, AF_INET, 32768, "10.0.0.0", NULL },
	{ "10.0.0.0/16", false, -PL_EUSAGE, 0, 0, NULL, "add --yes" },
	{ "10.0.0.0/16", true, 0, AF_INET, 65536, "10.0.0.0", NULL },
	{ "fd00::/112", false, -PL_EUSAGE, 0, 0, NULL, "65536 addresses" },
	{ "10.0.0.0/8", true, -PL_EUSAGE, 0, 0, NULL, "too large" },
	{ "10.0.0.0/33", false, -PL_EUSAGE, 0, 0, NULL, "longer than 32 bits" },
	{ "10.0.0.0/x", false, -PL_EUSAGE, 0, 0, NULL, "prefix after '/'" },
	{ "name/24", false, -PL_EUSAGE, 0, 0, NULL, "needs an address" },
	{ "fd00::zz", false, -PL_EUSAGE, 0, 0, NULL, "not an IPv6 address" },
	{ "", false, -PL_EUSAGE, 0, 0, NULL, "give a hostname" },
	{ "-x", false, -PL_EUSAGE, 0, 0, NULL, "give a hostname" },
};

static void
test_targets(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(target_cases) / sizeof(target_cases[0]); i++) {
		const struct target_case *c = &target_cases[i];
		struct pl_probe_target t;
		struct pl_err err = { 0 };
		char first[64];
		int rc = pl_probe_target_parse(&t, c->in, c->consent, &err);

		if (rc != c->code)
			fail_msg("%s: got %d (%s), want %d", c->in, rc, err.msg, c->code);
		if (c->code != 0) {
			if (strstr(err.msg, c->msg) == NULL)
				fail_msg("%s: message '%s' lacks '%s'", c->in, err.msg, c->msg);
			continue;
		}
		assert_int_equal(t.family, c->family);
		assert_int_equal(t.nhosts, c->nhosts);
		pl_probe_target_str(&t, 0, first, sizeof(first));
		assert_string_equal(first, c->first);
	}
}

static void
test_target_addresses(void **state)
{
	struct pl_probe_target t;
	struct pl_err err = { 0 };
	char s[64];

	(void)state;
	assert_int_equal(pl_probe_target_parse(&t, "10.9.0.0/17", false, &err), 0);
	pl_probe_target_str(&t, 300, s, sizeof(s));
	assert_string_equal(s, "10.9.1.44");
	pl_probe_target_str(&t, 32767, s, sizeof(s));
	assert_string_equal(s, "10.9.127.255");
	assert_int_equal(pl_probe_target_parse(&t, "fd00::1:0/112", true, &err), 0);
	pl_probe_target_str(&t, 65535, s, sizeof(s));
	assert_string_equal(s, "fd00::1:ffff");
	/* A name resolves to one address. */
	assert_int_equal(pl_probe_target_parse(&t, "localhost", false, &err), 0);
	assert_int_equal(t.nhosts, 1);
}

static void
test_ports_from_spec(void **state)
{
	struct pl_portspec spec = { 0 };
	struct pl_probe_port *p = NULL;
	struct pl_err err = { 0 };
	static const struct pl_probe_port want[] = {
		{ 22, PL_PROTO_TCP }, { 80, PL_PROTO_TCP }, { 53, PL_PROTO_UDP },
		{ 1, PL_PROTO_TCP }, { 2, PL_PROTO_TCP }, { 3, PL_PROTO_TCP },
	};
	long n;

	(void)state;
	assert_int_equal(pl_portspec_parse(&spec, "22,80,22/tcp,53/udp,0-3", &err), 0);
	n = pl_probe_ports_from_spec(NULL, &spec, PL_PROTO_TCP, &p, &err);
	assert_int_equal(n, 6);
	for (long i = 0; i < n; i++) {
		assert_int_equal(p[i].port, want[i].port);
		assert_int_equal(p[i].proto, want[i].proto);
	}
	free(p);
	pl_portspec_free(&spec);

	assert_int_equal(pl_portspec_parse(&spec, "22/sctp", &err), 0);
	assert_int_equal(pl_probe_ports_from_spec(NULL, &spec, PL_PROTO_TCP, &p, &err), -PL_EUSAGE);
	assert_non_null(strstr(err.msg, "only tcp and udp"));
	pl_portspec_free(&spec);
	assert_int_equal(pl_portspec_parse(&spec, "ssh", &err), 0);
	assert_int_equal(pl_probe_ports_from_spec(NULL, &spec, PL_PROTO_TCP, &p, &err), -PL_EUSAGE);
	pl_portspec_free(&spec);
}

static void
test_udp_payloads(void **state)
{
	const struct pl_udp_payload *tab, *p;
	const uint16_t *ports;
	size_t n = pl_udp_payloads(&tab, &ports);

	(void)state;
	assert_true(n >= 6);
	for (size_t i = 0; i < n; i++)
		assert_ptr_equal(pl_udp_payload_for(ports[i]), &tab[i]);
	p = pl_udp_payload_for(53);
	assert_string_equal(p->name, "dns");
	assert_int_equal(p->len, 17);
	assert_int_equal(p->data[5], 1);                 /* one question */
	p = pl_udp_payload_for(123);
	assert_int_equal(p->len, 48);
	assert_int_equal(p->data[0] & 7, 3);             /* mode 3: client */
	p = pl_udp_payload_for(161);
	/* BER: the outer SEQUENCE length covers the rest, and so does the PDU's. */
	assert_int_equal(p->data[0], 0x30);
	assert_int_equal(p->data[1], p->len - 2);
	assert_int_equal(p->data[14], p->len - 15);
	p = pl_udp_payload_for(1900);
	assert_int_equal(memcmp(p->data, "M-SEARCH * HTTP/1.1\r\n", 21), 0);
	assert_int_equal(p->data[p->len - 1], '\n');
	p = pl_udp_payload_for(9);
	assert_string_equal(p->name, "empty");
	assert_int_equal(p->len, 0);
}

static void
test_banner_probes(void **state)
{
	const char *name;
	size_t len;
	const char *d;

	(void)state;
	d = pl_banner_probe_for(6379, &name, &len);
	assert_string_equal(name, "redis-ping");
	assert_int_equal(len, 6);
	assert_int_equal(memcmp(d, "PING\r\n", 6), 0);
	d = pl_banner_probe_for(8080, &name, &len);
	assert_string_equal(name, "http-head");
	assert_int_equal(memcmp(d, "HEAD / HTTP/1.0\r\n", 17), 0);
	assert_int_equal(memcmp(d + len - 4, "\r\n\r\n", 4), 0);
}

static const char lore_json[] =
	"{ \"family\": \"t\", \"name\": \"Test\", \"entries\": [\n"
	"  { \"id\": \"gen-ssh\", \"name\": \"Any SSH\", \"vendor\": \"x\", \"kind\": \"remote-access\", \"years\": { \"from\": 1999 },\n"
	"    \"ports\": [ { \"port\": 22, \"proto\": \"tcp\", \"role\": \"server\", \"use\": \"server\", \"prevalence\": \"common\", \"evidence\": \"e\" } ],\n"
	"    \"summary\": \"s\", \"risk\": { \"level\": \"low\", \"why\": \"w\" },\n"
	"    \"hints\": { \"banner\": [\"^SSH-\"] },\n"
	"    \"sources\": [ { \"title\": \"t\", \"url\": \"https://example.org/a\", \"accessed\": \"2026-11-23\", \"tier\": \"primary\" } ] },\n"
	"  { \"id\": \"alt-openssh\", \"name\": \"OpenSSH on 2222\", \"vendor\": \"x\", \"kind\": \"remote-access\", \"years\": { \"from\": 1999 },\n"
	"    \"ports\": [ { \"port\": 2222, \"proto\": \"tcp\", \"role\": \"server\", \"use\": \"server\", \"prevalence\": \"common\", \"evidence\": \"e\" } ],\n"
	"    \"summary\": \"s\", \"risk\": { \"level\": \"low\", \"why\": \"w\" },\n"
	"    \"hints\": { \"banner\": [\"^SSH-2\\\\.0-OpenSSH_\", \"^Ok\\\\.$\"] },\n"
	"    \"sources\": [ { \"title\": \"t\", \"url\": \"https://example.org/b\", \"accessed\": \"2026-11-23\", \"tier\": \"primary\" } ] }\n"
	"] }\n";

/* Banners through the store's candidates and the identifier (identify.h). */
static void
test_hints(void **state)
{
	const char *dir = fx_dir();
	char lore[300], db[300];
	struct pl_store *st = NULL;
	struct pl_id_candidates c = { 0 };
	struct pl_idmatch *m = NULL;
	struct pl_identified id;
	struct pl_err err = { 0 };
	static const char ssh[] = "SSH-2.0-OpenSSH_9.2p1 Debian\r\n";
	static const char ok[] = "\0\1x\r\nOk.\r\n";
	struct pl_id_evidence e = { .port = 22, .proto = PL_PROTO_TCP, .banner = ssh,
		.banner_len = sizeof(ssh) - 1 };

	(void)state;
	snprintf(lore, sizeof(lore), "%s/lore", dir);
	mkdir(lore, 0755);
	fx_write(lore, "t.json", lore_json, -1);
	snprintf(db, sizeof(db), "%s/t.db", dir);
	assert_int_equal(pl_store_open(&st, db, PL_STORE_CREATE, &err), 0);
	if (pl_lore_import_dir(st, lore, NULL, NULL, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(pl_id_candidates_load(st, &c, &err), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(pl_idmatch_new(&m, c.v, c.n), 0);
	/* On 22 the banner names OpenSSH: that beats "^SSH-", which any SSH server sends,
	 * though lore lists 22 only for the generic entry. */
	assert_int_equal(pl_identify(m, &e, &id), 0);
	assert_string_equal(id.id, "alt-openssh");
	assert_int_equal(id.confidence, PL_ID_CONFIRMED);
	assert_true(id.by_banner);
	/* Lines are lines ("\r\n" and all), and a NUL does not end the banner. */
	e.port = 1;
	e.banner = ok;
	e.banner_len = sizeof(ok) - 1;
	assert_int_equal(pl_identify(m, &e, &id), 0);
	assert_string_equal(id.id, "alt-openssh");
	/* A banner no hint matches leaves the port alone to speak. */
	e.port = 22;
	e.banner = "HTTP/1.0 200 OK\r\n";
	e.banner_len = 17;
	assert_int_equal(pl_identify(m, &e, &id), 0);
	assert_string_equal(id.id, "gen-ssh");
	assert_int_equal(id.confidence, PL_ID_PORT_ONLY);
	assert_false(id.by_banner);
	pl_idmatch_free(m);
	pl_id_candidates_free(&c);
	pl_store_close(st);
	fx_rmrf(dir);
}

/* A loopback socket of this test: a listener (open), or bound and silent (closed). */
static int
local_socket(int type, bool listening, uint16_t *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, type, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if (listening)
		assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

static const struct pl_probe_result *
find(const struct pl_probe_scan *s, uint16_t port, enum pl_proto proto)
{
	for (size_t i = 0; i < s->nresults; i++)
		if (s->results[i].port == port && s->results[i].proto == proto)
			return &s->results[i];
	fail_msg("no result for port %u", port);
	return NULL;
}

static void
test_engine_loopback(void **state)
{
	struct pl_probe_port ports[5];
	struct pl_probe_target t;
	struct pl_probe_scan s;
	struct pl_probe_opts o = { .retries = 1, .max_timeout_ms = 200, .keep_all = true };
	struct pl_err err = { 0 };
	int open1, open2, shut, udp, udpclosed;
	pid_t child;

	(void)state;
	open1 = local_socket(SOCK_STREAM, true, &ports[0].port);
	open2 = local_socket(SOCK_STREAM, true, &ports[1].port);
	/* Bound but not listening: the kernel answers SYNs with a reset. */
	shut = local_socket(SOCK_STREAM, false, &ports[2].port);
	udp = local_socket(SOCK_DGRAM, false, &ports[3].port);
	/* Bound and never read: no ICMP error, no reply, so silence. */
	udpclosed = local_socket(SOCK_DGRAM, false, &ports[4].port);
	ports[0].proto = ports[1].proto = ports[2].proto = PL_PROTO_TCP;
	ports[3].proto = ports[4].proto = PL_PROTO_UDP;
	if ((child = fork()) == 0) {
		/* Answers one datagram, as a UDP service would. */
		char b[512];
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);

		alarm(10);
		if (recvfrom(udp, b, sizeof(b), 0, (struct sockaddr *)&from, &fl) >= 0)
			sendto(udp, "hi", 2, 0, (struct sockaddr *)&from, fl);
		_exit(0);
	}
	assert_int_equal(pl_probe_target_parse(&t, "127.0.0.1", false, &err), 0);
	assert_int_equal(pl_probe_run(&t, ports, 5, &o, &s, &err), 0);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	assert_int_equal(s.planned, 5);
	assert_int_equal(s.done, 5);
	assert_int_equal(find(&s, ports[0].port, PL_PROTO_TCP)->state, PL_PORT_OPEN);
	assert_int_equal(find(&s, ports[1].port, PL_PROTO_TCP)->state, PL_PORT_OPEN);
	assert_string_equal(find(&s, ports[1].port, PL_PROTO_TCP)->reason, "syn-ack");
	assert_int_equal(find(&s, ports[2].port, PL_PROTO_TCP)->state, PL_PORT_CLOSED);
	assert_int_equal(find(&s, ports[3].port, PL_PROTO_UDP)->state, PL_PORT_OPEN);
	assert_int_equal(find(&s, ports[4].port, PL_PROTO_UDP)->state, PL_PORT_OPEN_FILTERED);
	/* Silence is tried again before it is believed. */
	assert_int_equal(find(&s, ports[4].port, PL_PROTO_UDP)->tries, 2);
	assert_int_equal(s.hosts[0].counts[PL_PORT_OPEN], 3);
	/* Results come sorted by port within the host. */
	for (size_t i = 1; i < s.nresults; i++)
		assert_true(s.results[i - 1].port <= s.results[i].port);
	pl_probe_scan_free(&s);
	close(open1);
	close(open2);
	close(shut);
	close(udp);
	close(udpclosed);
}

static void
test_engine_rate_and_stop(void **state)
{
	struct pl_probe_port ports[100];
	struct pl_probe_target t;
	struct pl_probe_scan s;
	volatile sig_atomic_t stop = 0;
	struct pl_probe_opts o = { .rate = 500, .retries = -1 };
	struct pl_err err = { 0 };
	uint16_t port;
	int fd = local_socket(SOCK_STREAM, false, &port);

	(void)state;
	/* The same closed port a hundred times over: UDP and TCP (the set doesn't dedupe
	 * here, the engine takes the list as given). */
	for (int i = 0; i < 100; i++)
		ports[i] = (struct pl_probe_port){ port, PL_PROTO_TCP };
	assert_int_equal(pl_probe_target_parse(&t, "127.0.0.1", false, &err), 0);
	/* 100 probes at 500 a second cannot take less than about 0.2 s. */
	assert_int_equal(pl_probe_run(&t, ports, 100, &o, &s, &err), 0);
	assert_int_equal(s.hosts[0].counts[PL_PORT_CLOSED], 100);
	assert_true(s.elapsed >= 0.18);
	assert_int_equal(s.nresults, 0);       /* closed ports are counted, not kept */
	pl_probe_scan_free(&s);

	stop = 1;
	o.stop = &stop;
	assert_int_equal(pl_probe_run(&t, ports, 100, &o, &s, &err), 0);
	assert_true(s.interrupted);
	assert_true(s.done < 100);
	pl_probe_scan_free(&s);

	o = (struct pl_probe_opts){ .rate = 5e6 };
	assert_int_equal(pl_probe_run(&t, ports, 1, &o, &s, &err), -PL_EUSAGE);
	assert_non_null(strstr(err.msg, "rate"));
	pl_probe_scan_free(&s);
	close(fd);
}

/* The renderers only read a scan: build one by hand and check what they say. */
static void
test_render(void **state)
{
	struct pl_probe_scan s = { 0 };
	struct pl_probe_host hosts[1] = { { .counts = { 1, 1, 0, 0 }, .srtt_us = 1500 } };
	static char data[] = "SSH-2.0-x\r\n\x01\xff";
	struct pl_banner b = { NULL, data, sizeof(data) - 1 };
	struct pl_identified idf = { .id = "openssh-sshd", .name = "OpenSSH server",
		.confidence = PL_ID_CONFIRMED, .by_banner = true };
	struct pl_probe_result r[2] = {
		{ .host = 0, .port = 22, .proto = PL_PROTO_TCP, .state = PL_PORT_OPEN, .tries = 1,
		  .rtt_us = 1200, .reason = "syn-ack", .banner = &b,
		  .ident = { PL_PROV_PROBED, "ssh", "openssh-sshd", "OpenSSH server", &idf },
		  .registry = "The Secure Shell (SSH) Protocol" },
		{ .host = 0, .port = 23, .proto = PL_PROTO_TCP, .state = PL_PORT_CLOSED, .tries = 1,
		  .rtt_us = 900, .reason = "reset" },
	};
	struct pl_text_opts to = { .width = 100, .color = false };
	struct pl_buf out = PL_BUF_INIT;
	struct pl_err err = { 0 };
	const char *q[] = { "192.0.2.7", "22,23" };
	json_t *j, *p;
	struct pl_json jw;

	(void)state;
	assert_int_equal(pl_probe_target_parse(&s.target, "192.0.2.7", false, &err), 0);
	s.hosts = hosts;
	s.results = r;
	s.nresults = 2;
	s.planned = s.done = 2;
	s.rate = 10000;
	snprintf(s.snapshot, sizeof(s.snapshot), "2026-02-13");
	assert_int_equal(pl_render_probe_text(&out, &s, &to), 0);
	assert_non_null(strstr(pl_buf_str(&out), "192.0.2.7  (round trip 1.5 ms)"));
	assert_non_null(strstr(pl_buf_str(&out), "1 open, 1 closed, 0 filtered"));
	assert_non_null(strstr(pl_buf_str(&out),
	    "22/tcp      open          ssh             OpenSSH server (confirmed)  \"SSH-2.0-x\"\n"));
	assert_non_null(strstr(pl_buf_str(&out), "23/tcp      closed        -               reset\n"));
	pl_buf_free(&out);

	pl_json_init(&jw, &out, 2);
	pl_probe_json(&jw, &s, q, 2);
	assert_int_equal(pl_json_done(&jw), 0);
	assert_non_null(j = json_loadb(out.data, out.len, 0, NULL));
	pl_buf_free(&out);
	assert_string_equal(json_string_value(json_object_get(j, "schema")),
	    "https://portlore.dev/schema/probe/1");
	p = json_array_get(json_object_get(json_array_get(json_object_get(j, "hosts"), 0),
	    "ports"), 0);
	assert_string_equal(json_string_value(json_object_get(p, "provenance")), "probed");
	assert_string_equal(json_string_value(json_object_get(json_object_get(p, "identified"),
	    "provenance")), "probed");
	assert_string_equal(json_string_value(json_object_get(json_object_get(p, "service"),
	    "provenance")), "iana");
	/* Bytes from the network come out as printable ASCII, whatever they were. */
	assert_string_equal(json_string_value(json_object_get(json_object_get(p, "banner"),
	    "text")), "SSH-2.0-x\\r\\n\\x01\\xff");
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_target_addresses),
		cmocka_unit_test(test_ports_from_spec),
		cmocka_unit_test(test_udp_payloads),
		cmocka_unit_test(test_banner_probes),
		cmocka_unit_test(test_hints),
		cmocka_unit_test(test_engine_loopback),
		cmocka_unit_test(test_engine_rate_and_stop),
		cmocka_unit_test(test_render),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
