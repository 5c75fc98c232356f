/* The annotate format detector and parsers: one table row per format (layouts as the
 * tools print them; the nmap, ss, lsof and netstat ones were captured from the real
 * tools on Debian 12), then malformed input, huge lines and huge input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "portlore/annotate.h"
#include "portlore/render-annotate.h"

static const char nmap_xml[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<!DOCTYPE nmaprun>\n"
	"<?xml-stylesheet href=\"file:///usr/bin/../share/nmap/nmap.xsl\" type=\"text/xsl\"?>\n"
	"<!-- Nmap 7.93 scan initiated Mon Nov 23 12:52:14 2026 as: nmap -sT -p 37383,22 -oX - 127.0.0.1 -->\n"
	"<nmaprun scanner=\"nmap\" args=\"nmap -sT -p 37383,22 -oX - 127.0.0.1\" start=\"1795438334\" version=\"7.93\" xmloutputversion=\"1.05\">\n"
	"<scaninfo type=\"connect\" protocol=\"tcp\" numservices=\"2\" services=\"22,37383\"/>\n"
	"<host starttime=\"1795438334\" endtime=\"1795438334\"><status state=\"up\" reason=\"localhost-response\" reason_ttl=\"0\"/>\n"
	"<address addr=\"127.0.0.1\" addrtype=\"ipv4\"/>\n"
	"<hostnames>\n<hostname name=\"localhost\" type=\"PTR\"/>\n</hostnames>\n"
	"<ports><port protocol=\"tcp\" portid=\"22\"><state state=\"closed\" reason=\"conn-refused\" reason_ttl=\"0\"/><service name=\"ssh\" method=\"table\" conf=\"3\"/></port>\n"
	"<port protocol=\"tcp\" portid=\"37383\"><state state=\"open\" reason=\"syn-ack\" reason_ttl=\"0\"/></port>\n"
	"</ports>\n</host>\n</nmaprun>\n";

static const char nmap_grep[] =
	"# Nmap 7.93 scan initiated Mon Nov 23 12:52:14 2026 as: nmap -sT -p 37383 -oG - 127.0.0.1\n"
	"Host: 127.0.0.1 (localhost)\tStatus: Up\n"
	"Host: 127.0.0.1 (localhost)\tPorts: 37383/open/tcp/////, 53/open/udp//domain//dnsmasq 2.89, x/\tIgnored State: closed (998)\n"
	"# Nmap done at Mon Nov 23 12:52:14 2026 -- 1 IP address (1 host up) scanned in 0.02 seconds\n";

static const char ss_out[] =
	"Netid State  Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess\n"
	"tcp   LISTEN 0      4096       127.0.0.1:41029      0.0.0.0:*    users:((\"portlore\",pid=13475,fd=7))\n"
	"tcp   LISTEN 0      128          0.0.0.0:2024       0.0.0.0:*\n"
	"udp   UNCONN 0      0      127.0.0.53%lo:53         0.0.0.0:*    users:((\"systemd-resolve\",pid=402,fd=13))\n"
	"tcp   LISTEN 0      511             [::]:80            [::]:*\n"
	"u_str LISTEN 0      4096   /run/systemd/private 13085   * 0\n";

static const char lsof_out[] =
	"COMMAND    PID USER   FD   TYPE DEVICE SIZE/OFF NODE NAME\n"
	"portlore 13475 root    7u  IPv4 120585      0t0  TCP 127.0.0.1:41029 (LISTEN)\n"
	"python3  14388 root    3u  IPv4 122184      0t0  TCP 127.0.0.1:5432->127.0.0.1:40000 (ESTABLISHED)\n"
	"avahi-dae  511 avahi  12u  IPv6  17094      0t0  UDP [fe80::1%eth0]:5353\n"
	"sshd       812 root    3u  IPv4  20310      0t0  TCP *:ssh (LISTEN)\n";

static const char netstat_out[] =
	"Active Internet connections (only servers)\n"
	"Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name    \n"
	"tcp        0      0 127.0.0.1:41029         0.0.0.0:*               LISTEN      13475/build-serve/s \n"
	"tcp        0      0 0.0.0.0:2024            0.0.0.0:*               LISTEN      -                   \n"
	"udp        0      0 0.0.0.0:68              0.0.0.0:*                           601/dhclient        \n"
	"tcp6       0      0 :::22                   :::*                    LISTEN      812/sshd: /usr/sbin \n"
	"Active UNIX domain sockets (only servers)\n"
	"Proto RefCnt Flags       Type       State         I-Node   PID/Program name     Path\n"
	"unix  2      [ ACC ]     STREAM     LISTENING     13085    1/init               /run/systemd/private\n";

static const char netstat_win[] =
	"\r\nActive Connections\r\n\r\n"
	"  Proto  Local Address          Foreign Address        State           PID\r\n"
	"  TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       1012\r\n"
	" [svchost.exe]\r\n"
	"  TCP    [::]:3389              [::]:0                 LISTENING       1160\r\n"
	"  UDP    0.0.0.0:123            *:*                                    1432\r\n";

static const char sockstat_out[] =
	"USER     COMMAND    PID   FD  PROTO  LOCAL ADDRESS         FOREIGN ADDRESS      \n"
	"root     sshd       812   4   tcp6   *:22                  *:*\n"
	"root     syslogd    601   6   udp4   *:514                 *:*\n"
	"root     devd       455   4   stream /var/run/devd.pipe\n"
	"?        ?          ?     ?   sctp4  127.0.0.1:3868        *:*\n"
	"                                     192.0.2.1:3868\n";

static const char masscan_json[] =
	"[\n"
	"{   \"ip\": \"192.0.2.10\",   \"timestamp\": \"1700000000\", \"ports\": [ {\"port\": 3333, \"proto\": \"tcp\", \"status\": \"open\", \"reason\": \"syn-ack\", \"ttl\": 64} ] }\n"
	",\n"
	"{   \"ip\": \"192.0.2.11\",   \"timestamp\": \"1700000001\", \"ports\": [ {\"port\": 53, \"proto\": \"udp\", \"status\": \"open\"} ] },\n"
	"{\"finished\": 1}\n"
	"]\n";

static const char masscan_list[] =
	"#masscan\n"
	"open tcp 3333 192.0.2.10 1700000000\n"
	"banner tcp 22 192.0.2.11 1700000003 ssh SSH-2.0-OpenSSH_9.2\n"
	"open udp 53 192.0.2.12 1700000002\n"
	"# end\n";

static const char plain[] =
	"# ports to look at\n"
	"22/tcp  the ssh daemon\n"
	"\n"
	"3333\n"
	"ssh/udp\n";

/* What one item must hold; NULL strings are not checked. */
struct want {
	long line;
	unsigned port;
	const char *name;
	enum pl_proto proto;
	const char *addr, *state, *process;
	long pid;
};

static const struct {
	const char *label, *text;
	enum pl_ann_format fmt;
	size_t n;
	struct want w[6];
} cases[] = {
	{ "nmap-xml", nmap_xml, PL_ANN_NMAP_XML, 2, {
		{ 12, 22, "", PL_PROTO_TCP, "127.0.0.1", "closed", "", -1 },
		{ 13, 37383, "", PL_PROTO_TCP, "127.0.0.1", "open", "", -1 } } },
	{ "nmap-grep", nmap_grep, PL_ANN_NMAP_GREP, 2, {
		{ 3, 37383, "", PL_PROTO_TCP, "127.0.0.1", "open", "", -1 },
		{ 3, 53, "", PL_PROTO_UDP, "127.0.0.1", "open", "", -1 } } },
	{ "ss", ss_out, PL_ANN_SS, 4, {
		{ 2, 41029, "", PL_PROTO_TCP, "127.0.0.1", "LISTEN", "portlore", 13475 },
		{ 3, 2024, "", PL_PROTO_TCP, "0.0.0.0", "LISTEN", "", -1 },
		{ 4, 53, "", PL_PROTO_UDP, "127.0.0.53%lo", "UNCONN", "systemd-resolve", 402 },
		{ 5, 80, "", PL_PROTO_TCP, "::", "LISTEN", "", -1 } } },
	{ "lsof", lsof_out, PL_ANN_LSOF, 4, {
		{ 2, 41029, "", PL_PROTO_TCP, "127.0.0.1", "LISTEN", "portlore", 13475 },
		{ 3, 5432, "", PL_PROTO_TCP, "127.0.0.1", "ESTABLISHED", "python3", 14388 },
		{ 4, 5353, "", PL_PROTO_UDP, "fe80::1%eth0", "", "avahi-dae", 511 },
		{ 5, 0, "ssh", PL_PROTO_TCP, "*", "LISTEN", "sshd", 812 } } },
	{ "netstat", netstat_out, PL_ANN_NETSTAT, 4, {
		{ 3, 41029, "", PL_PROTO_TCP, "127.0.0.1", "LISTEN", "build-serve/s", 13475 },
		{ 4, 2024, "", PL_PROTO_TCP, "0.0.0.0", "LISTEN", "", -1 },
		{ 5, 68, "", PL_PROTO_UDP, "0.0.0.0", "", "dhclient", 601 },
		{ 6, 22, "", PL_PROTO_TCP, "::", "LISTEN", "sshd: /usr/sbin", 812 } } },
	{ "netstat-windows", netstat_win, PL_ANN_NETSTAT_WIN, 3, {
		{ 5, 135, "", PL_PROTO_TCP, "0.0.0.0", "LISTENING", "svchost.exe", 1012 },
		{ 7, 3389, "", PL_PROTO_TCP, "::", "LISTENING", "", 1160 },
		{ 8, 123, "", PL_PROTO_UDP, "0.0.0.0", "", "", 1432 } } },
	{ "sockstat", sockstat_out, PL_ANN_SOCKSTAT, 3, {
		{ 2, 22, "", PL_PROTO_TCP, "*", "", "sshd", 812 },
		{ 3, 514, "", PL_PROTO_UDP, "*", "", "syslogd", 601 },
		{ 5, 3868, "", PL_PROTO_SCTP, "127.0.0.1", "", "?", -1 } } },
	{ "masscan-json", masscan_json, PL_ANN_MASSCAN_JSON, 2, {
		{ 2, 3333, "", PL_PROTO_TCP, "192.0.2.10", "open", "", -1 },
		{ 4, 53, "", PL_PROTO_UDP, "192.0.2.11", "open", "", -1 } } },
	{ "masscan-list", masscan_list, PL_ANN_MASSCAN_LIST, 2, {
		{ 2, 3333, "", PL_PROTO_TCP, "192.0.2.10", "open", "", -1 },
		{ 4, 53, "", PL_PROTO_UDP, "192.0.2.12", "open", "", -1 } } },
	{ "plain", plain, PL_ANN_PLAIN, 3, {
		{ 2, 22, "", PL_PROTO_TCP, "", "", "", -1 },
		{ 4, 3333, "", PL_PROTO_ANY, "", "", "", -1 },
		{ 5, 0, "ssh", PL_PROTO_UDP, "", "", "", -1 } } },
};

static void
check_items(const char *label, const struct pl_ann_doc *d, const struct want *w, size_t n)
{
	assert_int_equal(d->nitems, n);
	for (size_t i = 0; i < n; i++) {
		const struct pl_ann_item *it = &d->items[i];

		print_message("%s item %zu\n", label, i);
		assert_int_equal(it->line, w[i].line);
		assert_int_equal(it->port, w[i].port);
		assert_string_equal(it->name, w[i].name);
		assert_int_equal(it->proto, w[i].proto);
		assert_string_equal(it->addr, w[i].addr);
		assert_string_equal(it->state, w[i].state);
		assert_string_equal(it->process, w[i].process);
		assert_int_equal(it->pid, w[i].pid);
	}
}

static void
test_detect_and_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pl_ann_doc d;
		struct pl_err err = { 0 };
		size_t len = strlen(cases[i].text);

		print_message("case %s\n", cases[i].label);
		assert_int_equal(pl_ann_detect(cases[i].text, len), cases[i].fmt);
		assert_string_equal(pl_ann_format_name(cases[i].fmt), cases[i].label);
		assert_int_equal(pl_ann_format_parse(cases[i].label), cases[i].fmt);
		/* Detected and forced give the same items. */
		for (int forced = 0; forced <= 1; forced++) {
			int rc = pl_ann_parse("t", cases[i].text, len,
			    forced ? cases[i].fmt : PL_ANN_UNKNOWN, &d, &err);

			if (rc != 0)
				print_message("%s\n", err.msg);
			assert_int_equal(rc, 0);
			assert_int_equal(d.format, cases[i].fmt);
			check_items(cases[i].label, &d, cases[i].w, cases[i].n);
			pl_ann_doc_free(&d);
		}
	}
}

static void
test_detect_unknown(void **state)
{
	static const char *const texts[] = { "hello world\nthis is prose\n",
		"<html><body>no</body></html>", "{\"a\": 1}\n", "70000/tcp\n" };
	struct pl_ann_doc d;
	struct pl_err err = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		assert_int_equal(pl_ann_detect(texts[i], strlen(texts[i])), PL_ANN_UNKNOWN);
		assert_int_equal(pl_ann_parse("t", texts[i], strlen(texts[i]), PL_ANN_UNKNOWN, &d,
		    &err), -PL_EDATA);
		assert_non_null(strstr(err.msg, "format not recognised"));
		assert_null(d.items);
	}
	assert_int_equal(pl_ann_format_parse("nosuch"), PL_ANN_UNKNOWN);
	/* Empty input has nothing to annotate and is no error. */
	assert_int_equal(pl_ann_parse("t", " \n\n", 3, PL_ANN_UNKNOWN, &d, &err), 0);
	assert_int_equal(d.nitems, 0);
}

/* Malformed input: each gives -PL_EDATA naming the input and the line. */
static void
test_malformed(void **state)
{
	static const struct {
		enum pl_ann_format fmt;
		const char *text, *where, *what;
	} t[] = {
		{ PL_ANN_NMAP_XML, "<nmaprun>\n<host><ports>\n<port protocol=\"tcp\" portid=\"70000\"/>",
		  "t:3:", "portid" },
		{ PL_ANN_NMAP_XML, "<nmaprun>\n<ports>\n</nmaprun>\n", "t:3:", "XML" },
		{ PL_ANN_NMAP_XML, "<html>\n</html>\n", "t:1:", "not nmap" },
		{ PL_ANN_NMAP_XML, "<!DOCTYPE nmaprun [\n<!ENTITY a \"aaaa\">\n]>\n<nmaprun/>\n",
		  "t:2:", "entity" },
		{ PL_ANN_NMAP_GREP, "# Nmap\nHost: 1.2.3.4 ()\tPorts: 99999/open/tcp////\n", "t:2:",
		  "PORT/STATE" },
		{ PL_ANN_NMAP_GREP, "# Nmap\ngarbage\n", "t:2:", "Host:" },
		{ PL_ANN_SS, "hello there\n", "t:1:", "header" },
		{ PL_ANN_SS, "Netid State Recv-Q Send-Q Local Address:Port Peer Address:Port\n"
		  "tcp LISTEN 0 1 1.2.3.4:77777 *:*\n", "t:2:", "address:port" },
		{ PL_ANN_SS, "State Recv-Q Send-Q Local Address:Port Peer Address:Port\nLISTEN 0\n",
		  "t:2:", "columns" },
		{ PL_ANN_LSOF, "COMMAND PID USER FD TYPE DEVICE SIZE/OFF NODE NAME\nx 1 r 3u IPv4\n",
		  "t:2:", "lsof" },
		{ PL_ANN_NETSTAT, "Proto Recv-Q Send-Q Local Address Foreign Address State\n"
		  "foo 0 0 1.2.3.4:5 0.0.0.0:* LISTEN\n", "t:2:", "tcp" },
		{ PL_ANN_NETSTAT_WIN, "Active Connections\n  TCP 0.0.0.0:135 0.0.0.0:0 LISTENING x\n",
		  "t:2:", "PID" },
		{ PL_ANN_NETSTAT_WIN, "Active Connections\n  UDP 0.0.0.0:123\n", "t:2:", "columns" },
		{ PL_ANN_SOCKSTAT, "root sshd 1 4 tcp4 *:22 *:*\n", "t:1:", "header" },
		{ PL_ANN_MASSCAN_JSON, "[\n{\"ip\": \"1.2.3.4\", \"ports\": [ {\"port\": \"x\"} ] }\n",
		  "t:2:", "port" },
		{ PL_ANN_MASSCAN_JSON, "[\n{\"ip\": \n", "t:2:", "JSON" },
		{ PL_ANN_MASSCAN_LIST, "#masscan\nopen tcp eighty 1.2.3.4 1\n", "t:2:", "masscan" },
		{ PL_ANN_PLAIN, "22/tcp\n22/xyz\n", "t:2:", "protocol" },
		{ PL_ANN_PLAIN, "22\n-5\n", "t:2:", "PORT" },
		{ PL_ANN_PLAIN, "1\n2\nx\0y\n", "t:3:", "NUL" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct pl_ann_doc d;
		struct pl_err err = { 0 };
		size_t len = strlen(t[i].text);

		if (strstr(t[i].what, "NUL"))
			len = 8;
		print_message("malformed %zu (%s)\n", i, pl_ann_format_name(t[i].fmt));
		assert_int_equal(pl_ann_parse("t", t[i].text, len, t[i].fmt, &d, &err), -PL_EDATA);
		print_message("  %s\n", err.msg);
		assert_non_null(strstr(err.msg, t[i].where));
		assert_non_null(strstr(err.msg, t[i].what));
		assert_null(d.items);
		assert_int_equal(d.nitems, 0);
	}
}

/* ss -H prints no header: the layout is told by where the state column is. */
static void
test_ss_headerless(void **state)
{
	static const char with_netid[] = "tcp LISTEN 0 128 1.2.3.4:5 0.0.0.0:*\n"
		"udp UNCONN 0 0 0.0.0.0:68 0.0.0.0:*\n";
	static const char without[] = "LISTEN 0 128 0.0.0.0:22 0.0.0.0:*\n";
	struct pl_ann_doc d;
	struct pl_err err = { 0 };

	(void)state;
	assert_int_equal(pl_ann_parse("t", with_netid, strlen(with_netid), PL_ANN_SS, &d, &err), 0);
	assert_int_equal(d.nitems, 2);
	assert_int_equal(d.items[0].port, 5);
	assert_int_equal(d.items[1].port, 68);
	assert_int_equal(d.items[1].proto, PL_PROTO_UDP);
	pl_ann_doc_free(&d);
	assert_int_equal(pl_ann_parse("t", without, strlen(without), PL_ANN_SS, &d, &err), 0);
	assert_int_equal(d.nitems, 1);
	assert_int_equal(d.items[0].port, 22);
	assert_int_equal(d.items[0].proto, PL_PROTO_TCP);
	assert_string_equal(d.items[0].state, "LISTEN");
	pl_ann_doc_free(&d);
}

static void
test_huge(void **state)
{
	size_t n = PL_ANN_LINE_MAX + 10, big = (size_t)PL_ANN_INPUT_MAX + 1;
	char *line = malloc(n + 8), *all = malloc(big);
	struct pl_ann_doc d;
	struct pl_err err = { 0 };

	(void)state;
	assert_non_null(line);
	assert_non_null(all);
	/* A line just past the limit, on line 2, in every format. */
	memcpy(line, "22/tcp\n", 7);
	memset(line + 7, 'x', n);
	line[7 + n] = '\n';
	for (int f = PL_ANN_UNKNOWN; f < PL_ANN_FORMAT_COUNT; f++) {
		assert_int_equal(pl_ann_parse("big", line, n + 8, (enum pl_ann_format)f, &d, &err),
		    -PL_ETOOBIG);
		assert_non_null(strstr(err.msg, "big:2: line of"));
	}
	/* Exactly at the limit is fine for the reader (and then malformed as plain). */
	line[7 + PL_ANN_LINE_MAX] = '\n';
	assert_int_equal(pl_ann_parse("big", line, 7 + PL_ANN_LINE_MAX + 1, PL_ANN_PLAIN, &d,
	    &err), -PL_EDATA);
	/* All input past the limit, in short lines. */
	for (size_t i = 0; i < big; i++)
		all[i] = i % 8 == 7 ? '\n' : '1';
	assert_int_equal(pl_ann_parse("all", all, big, PL_ANN_PLAIN, &d, &err), -PL_ETOOBIG);
	assert_non_null(strstr(err.msg, "too large"));
	free(line);
	free(all);
}

/* Text fields are printable UTF-8 whatever the input holds. */
static void
test_sanitised(void **state)
{
	static const char text[] =
		"COMMAND PID USER FD TYPE DEVICE SIZE/OFF NODE NAME\n"
		"ab\x01\xff\xfe 7 r 3u IPv4 1 0t0 TCP *:80 (LISTEN)\n"
		"\xc3\xa9t\xc3\xa9 8 r 3u IPv4 1 0t0 TCP *:81 (LISTEN)\n";
	struct pl_ann_doc d;
	struct pl_err err = { 0 };

	(void)state;
	assert_int_equal(pl_ann_parse("t", text, strlen(text), PL_ANN_UNKNOWN, &d, &err), 0);
	assert_int_equal(d.nitems, 2);
	assert_string_equal(d.items[0].process, "ab???");
	assert_string_equal(d.items[1].process, "\xc3\xa9t\xc3\xa9");
	pl_ann_doc_free(&d);
}

/* The line under an input line, from notes made here: the exact rows before the
 * ranges, three lore names and a count, tcp and udp for a port without a protocol,
 * and no "--" inside nmap -oX's XML comment. */
static void
test_render_text(void **state)
{
	struct pl_ann_service svc[] = { { "x11", "X Window System", 6000, 6063 } };
	struct pl_ann_lore lore[] = { { "a", "A--1" }, { "b", "B" }, { "c", "C" }, { "d", "D" } };
	struct pl_ann_note tcp = { .status = PL_REG_ASSIGNED, .snapshot = "2026-02-13",
		.services = svc, .nservices = 1, .nexact = 0, .lore = lore, .nlore = 4 };
	struct pl_ann_note udp = { .status = PL_REG_NONE, .snapshot = NULL };
	struct pl_ann_item it = { .line = 1, .port = 6001, .proto = PL_PROTO_ANY, .pid = -1 };
	struct pl_ann_annotated a = { .item = &it, .known = true, .port = 6001, .nprotos = 2,
		.protos = { PL_PROTO_TCP, PL_PROTO_UDP }, .notes = { &tcp, &udp } };
	struct pl_buf b = PL_BUF_INIT;

	(void)state;
	assert_int_equal(pl_annotate_input_text(&b, "6001\r", 5), 0);
	assert_int_equal(pl_annotate_text(&b, PL_ANN_PLAIN, &a), 0);
	assert_string_equal(pl_buf_str(&b), "6001\n    # portlore: 6001/tcp x11 (X Window "
	    "System, range 6000-6063) [iana 2026-02-13]; lore: A--1, B, C and 1 more [lore] | "
	    "6001/udp not in the registry [iana]\n");
	pl_buf_reset(&b);
	a.nprotos = 1;
	assert_int_equal(pl_annotate_text(&b, PL_ANN_NMAP_XML, &a), 0);
	assert_string_equal(pl_buf_str(&b), "<!-- portlore: 6001/tcp x11 (X Window System, "
	    "range 6000-6063) [iana 2026-02-13]; lore: A-~1, B, C and 1 more [lore] -->\n");
	pl_buf_reset(&b);
	strcpy(it.name, "nosuch");
	a.known = false;
	assert_int_equal(pl_annotate_text(&b, PL_ANN_PLAIN, &a), 0);
	assert_string_equal(pl_buf_str(&b), "    # portlore: nosuch: not a service name the "
	    "store knows\n");
	pl_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect_and_parse),
		cmocka_unit_test(test_render_text),
		cmocka_unit_test(test_detect_unknown),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_ss_headerless),
		cmocka_unit_test(test_huge),
		cmocka_unit_test(test_sanitised),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
