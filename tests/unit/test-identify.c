/*
 * test-identify.c: the evidence scorer (identify.h), table-driven: a fixed set of
 * candidates modelled on lore's, one row per case of evidence, the answer expected.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <regex.h>
#include <cmocka.h>

#include "portlore/identify.h"

#define TCP PL_PROTO_TCP
#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct pl_id_port p22[] = { { 22, 22, TCP, 0 } },
	p830[] = { { 22, 22, TCP, 0 }, { 830, 830, TCP, 0 } },
	p8000[] = { { 8000, 8000, TCP, 0 } }, p8080[] = { { 8080, 8080, TCP, 0 } },
	p2375[] = { { 2375, 2375, TCP, 0 } }, p6379[] = { { 6379, 6379, TCP, 0 } },
	p3333[] = { { 3333, 3333, TCP, 0 } }, p3333b[] = { { 3333, 3333, TCP, 1 } },
	pwide[] = { { 1024, 65535, TCP, 0 } }, p5432[] = { { 5432, 5432, TCP, 0 } },
	p3000[] = { { 3000, 3000, TCP, 0 } }, p3306[] = { { 3306, 3306, TCP, 0 } };
static const char *const sshd[] = { "^sshd$" }, *const sshd_cmd[] = { "^sshd:",
	"/usr/sbin/sshd" }, *const ssh_banner[] = { "^SSH-2\\.0-OpenSSH_", "^SSH-[0-9.]+-" },
	*const junos_proc[] = { "^mgd$", "^sshd$" }, *const junos_cmd[] = { "netconf" },
	*const junos_banner[] = { "^SSH-2\\.0-" }, *const py[] = { "^python[0-9.]*$" },
	*const httpserver_cmd[] = { "-m http\\.server" },
	*const httpserver_banner[] = { "Server: SimpleHTTP/[0-9.]+ Python/" },
	*const django_cmd[] = { "manage\\.py runserver" }, *const airflow_cmd[] = { "airflow" },
	*const docker_banner[] = { "^HTTP/1\\.[01] .*" }, *const redis_proc[] = { "^redis-server$" },
	*const redis_banner[] = { "^\\+PONG" }, *const miner[] = { "^ethdcrminer64$" },
	*const ncid[] = { "^ncidd$" }, *const listen_cmd[] = { "--listen" },
	*const postgres[] = { "^postgres$" }, *const grafana[] = { "^grafana(-server)?$" },
	*const nginx[] = { "^nginx$" }, *const mysqld[] = { "^mysqld$" },
	*const mysqlrouter[] = { "^mysqlrouter$" };

static const struct pl_id_candidate cands[] = {
	/* In the order a ranking would give; the scorer must not lean on it for ties. */
	{ "openssh-sshd", "OpenSSH sshd", "openssh", p22, 1, sshd, 1, sshd_cmd, 2, ssh_banner, 2 },
	{ "junos-netconf", "Junos NETCONF", "juniper-junos", p830, 2, junos_proc, 2, junos_cmd, 1,
	  junos_banner, 1 },
	{ "airflow", "Apache Airflow", "airflow", p8080, 1, py, 1, airflow_cmd, 1, NULL, 0 },
	{ "django-runserver", "Django runserver", "django", p8000, 1, py, 1, django_cmd, 1, NULL, 0 },
	{ "python-http-server", "python -m http.server", "python-http-server", p8000, 1, py, 1,
	  httpserver_cmd, 1, httpserver_banner, 1 },
	{ "docker-api-plain", "Docker Engine API", "docker", p2375, 1, NULL, 0, NULL, 0,
	  docker_banner, 1 },
	{ "redis-server", "Redis server", "redis", p6379, 1, redis_proc, 1, NULL, 0, redis_banner, 1 },
	{ "claymore-miner-api", "Claymore miner API", "claymore-miner", p3333, 1, miner, 1, NULL, 0,
	  NULL, 0 },
	{ "ncid", "NCID", "ncid", p3333b, 1, ncid, 1, NULL, 0, NULL, 0 },
	{ "sd-webui", "Stable Diffusion web UI", "stable-diffusion", p8080, 1, py, 1, listen_cmd, 1,
	  NULL, 0 },
	{ "dyn", "Some dynamic-range use", "dyn", pwide, 1, NULL, 0, NULL, 0, NULL, 0 },
	{ "postgresql", "PostgreSQL", "postgresql", p5432, 1, postgres, 1, NULL, 0, NULL, 0 },
	{ "grafana", "Grafana", "grafana", p3000, 1, grafana, 1, NULL, 0, NULL, 0 },
	{ "web-proxy", "A web proxy on 3000", "proxies", p3000, 1, nginx, 1, NULL, 0, NULL, 0 },
	{ "mysql-router", "MySQL Router", "mysql", p3306, 1, mysqlrouter, 1, NULL, 0, NULL, 0 },
	{ "mysql-server", "MySQL server", "mysql", p3306, 1, mysqld, 1, NULL, 0, NULL, 0 },
};

struct row {
	const char *what;
	struct pl_id_evidence e;
	const char *id;                  /* NULL: nothing named */
	enum pl_id_confidence conf;
	const char *contradiction;       /* NULL: none */
	const char *why0;                /* prefix of the first reason, or NULL */
};

#define HTTP_PY "HTTP/1.0 200 OK\r\nServer: SimpleHTTP/0.6 Python/3.11.2\r\n\r\n"
#define HTTP_X "HTTP/1.1 200 OK\r\nServer: nginx\r\n\r\n"

static const struct row rows[] = {
	{ "OpenSSH by its command line, not Junos by the shared name",
	  { 22, TCP, "sshd", "sshd: /usr/sbin/sshd -D [listener]", "/usr/sbin/sshd",
	    "openssh-server", "ssh.service", NULL, 0, NULL },
	  "openssh-sshd", PL_ID_CONFIRMED, NULL, "the command line is OpenSSH sshd's" },
	{ "only the name sshd, two uses share it: ambiguous, none named",
	  { 2222, TCP, "sshd", "/tmp/sshd", "/tmp/sshd", NULL, NULL, NULL, 0, NULL },
	  NULL, PL_ID_AMBIGUOUS, NULL, "2 uses fit" },
	{ "the name and the Debian package single OpenSSH out",
	  { 2222, TCP, "sshd", "/usr/sbin/sshd -p 2222", "/usr/sbin/sshd", "openssh-server", NULL,
	    NULL, 0, NULL }, "openssh-sshd", PL_ID_CONFIRMED, NULL, NULL },
	{ "python -m http.server on 8000 beats Django on its own port",
	  { 8000, TCP, "python3", "python3 -m http.server 8000", "/usr/bin/python3.11",
	    "python3.11-minimal", NULL, NULL, 0, NULL },
	  "python-http-server", PL_ID_CONFIRMED, NULL, "the command line is" },
	{ "python -m http.server on 8080: Airflow's port, the command line decides",
	  { 8080, TCP, "python3", "python3 -m http.server 8080", NULL, NULL, NULL, NULL, 0, NULL },
	  "python-http-server", PL_ID_CONFIRMED, NULL, NULL },
	{ "python's own package names no python program: four share the name, the port speaks",
	  { 2375, TCP, "python3", "python3 -c pass", "/usr/bin/python3.11", "python3.11-minimal",
	    NULL, NULL, 0, NULL }, "docker-api-plain", PL_ID_PORT_ONLY, NULL, "only the port number" },
	{ "a bare python on 8080: two uses of the port share the name, none named",
	  { 8080, TCP, "python3", "python3 app.py", NULL, NULL, NULL, NULL, 0, NULL },
	  NULL, PL_ID_AMBIGUOUS, NULL, NULL },
	{ "a command line that only resembles one (--listen) names nothing",
	  { 18431, TCP, "portlore-serve", "portlore serve --listen 127.0.0.1:18431", NULL, NULL,
	    NULL, NULL, 0, NULL }, NULL, PL_ID_NONE, NULL, NULL },
	{ "a generic HTTP reply on 2375 does not confirm Docker",
	  { 2375, TCP, NULL, NULL, NULL, NULL, NULL, HTTP_X, sizeof(HTTP_X) - 1, NULL },
	  "docker-api-plain", PL_ID_PORT_ONLY, NULL, "the banner fits the protocol" },
	{ "Python's Server header on 2375 names python -m http.server",
	  { 2375, TCP, NULL, NULL, NULL, NULL, NULL, HTTP_PY, sizeof(HTTP_PY) - 1, NULL },
	  "python-http-server", PL_ID_CONFIRMED, NULL, "the banner names" },
	{ "+PONG names Redis",
	  { 6379, TCP, NULL, NULL, NULL, NULL, NULL, "+PONG\r\n", 7, NULL },
	  "redis-server", PL_ID_CONFIRMED, NULL, "the banner names" },
	{ "nc on 6379 contradicts Redis",
	  { 6379, TCP, "nc", "nc -l 6379", "/usr/bin/nc.openbsd", "netcat-openbsd", NULL, NULL, 0, NULL },
	  NULL, PL_ID_PORT_ONLY, "6379 held by nc, not redis-server", NULL },
	{ "redis-server from its package",
	  { 6379, TCP, "redis-server", "/usr/bin/redis-server 127.0.0.1:6379", "/usr/bin/redis-server",
	    "redis-server", "redis-server.service", NULL, 0, NULL },
	  "redis-server", PL_ID_CONFIRMED, NULL, "executable redis-server" },
	{ "a miner's name on 3333, two uses of the port: the name decides",
	  { 3333, TCP, "ethdcrminer64", "./ethdcrminer64", "/opt/ethdcrminer64", NULL, NULL, NULL, 0, NULL },
	  "claymore-miner-api", PL_ID_LIKELY, NULL, "executable ethdcrminer64" },
	{ "nobody known on 3333: the first use of the port, port only, and flagged",
	  { 3333, TCP, "sleep", "sleep 100", "/usr/bin/sleep", "coreutils", NULL, NULL, 0, NULL },
	  NULL, PL_ID_PORT_ONLY, "3333 held by sleep, not ethdcrminer64", NULL },
	{ "no process known (a probe without banner): the port alone",
	  { 3333, TCP, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL },
	  "claymore-miner-api", PL_ID_PORT_ONLY, NULL, "only the port number" },
	{ "a port lore lists only in a wide range: nothing named",
	  { 40000, TCP, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL }, NULL, PL_ID_NONE, NULL, NULL },
	/* Container images: the repository name, about as strong as a systemd unit. */
	{ "a redis image on 6379 names Redis, without any process fact",
	  { 6379, TCP, NULL, NULL, NULL, NULL, NULL, NULL, 0, "docker.io/library/redis:7" },
	  "redis-server", PL_ID_LIKELY, NULL, "container image docker.io/library/redis:7" },
	{ "redis-server in a redis container: the executable, then the image",
	  { 6379, TCP, "redis-server", "redis-server *:6379", "/usr/local/bin/redis-server", NULL,
	    NULL, NULL, 0, "redis:7" }, "redis-server", PL_ID_LIKELY, NULL, "executable" },
	{ "a registry with a port and a digest: the repository name still speaks",
	  { 6379, TCP, NULL, NULL, NULL, NULL, NULL, NULL, 0,
	    "localhost:5000/team/redis@sha256:0123abcd" }, "redis-server", PL_ID_LIKELY, NULL,
	  "container image localhost:5000/team/redis@sha256:0123abcd" },
	{ "bitnami/postgresql names PostgreSQL by its id",
	  { 5432, TCP, NULL, NULL, NULL, NULL, NULL, NULL, 0, "bitnami/postgresql:16" },
	  "postgresql", PL_ID_LIKELY, NULL, "container image bitnami/postgresql:16" },
	{ "ghcr.io/grafana/grafana on 3000 names Grafana",
	  { 3000, TCP, NULL, NULL, NULL, NULL, NULL, NULL, 0, "ghcr.io/grafana/grafana:10.2.0" },
	  "grafana", PL_ID_LIKELY, NULL, "container image ghcr.io/grafana/grafana:10.2.0" },
	{ "an image matched by a process hint (^nginx$), not by id",
	  { 3000, TCP, NULL, NULL, NULL, NULL, NULL, NULL, 0, "nginx:1.25" },
	  "web-proxy", PL_ID_LIKELY, NULL, "container image nginx:1.25" },
	{ "a mysql image fits both uses of the family on 3306: ambiguous, none named",
	  { 3306, TCP, NULL, NULL, NULL, NULL, NULL, NULL, 0, "mysql:8.0" },
	  NULL, PL_ID_AMBIGUOUS, NULL, "2 uses fit" },
	{ "mysqld in the mysql image: the process name breaks the tie, not the alphabet",
	  { 3306, TCP, "mysqld", "mysqld", NULL, NULL, NULL, NULL, 0, "mysql:8.0" },
	  "mysql-server", PL_ID_LIKELY, NULL, NULL },
	{ "a base image (python) names nothing: a bare python on 8080 stays ambiguous",
	  { 8080, TCP, "python3", "python3 app.py", NULL, NULL, NULL, NULL, 0, "python:3.12-slim" },
	  NULL, PL_ID_AMBIGUOUS, NULL, NULL },
	{ "an image alone, away from its use's port, names nothing",
	  { 7000, TCP, "sh", "sh -c run", NULL, NULL, NULL, NULL, 0, "redis:7" },
	  NULL, PL_ID_NONE, NULL, NULL },
};

static void
test_rows(void **state)
{
	struct pl_idmatch *m = NULL;

	(void)state;
	assert_int_equal(pl_idmatch_new(&m, cands, N(cands)), 0);
	for (size_t i = 0; i < N(rows); i++) {
		const struct row *r = &rows[i];
		struct pl_identified id;

		assert_int_equal(pl_identify(m, &r->e, &id), 0);
		if ((r->id == NULL) != (id.id == NULL) || (r->id && strcmp(r->id, id.id) != 0) ||
		    r->conf != id.confidence)
			fail_msg("%s: got %s (%s), want %s (%s)", r->what, id.id ? id.id : "none",
			    pl_id_confidence_name(id.confidence), r->id ? r->id : "none",
			    pl_id_confidence_name(r->conf));
		if (r->contradiction && strcmp(r->contradiction, id.contradiction) != 0)
			fail_msg("%s: contradiction '%s'", r->what, id.contradiction);
		if (!r->contradiction && *id.contradiction)
			fail_msg("%s: unexpected contradiction '%s'", r->what, id.contradiction);
		if (r->why0 && (id.nwhy == 0 || strncmp(id.why[0], r->why0, strlen(r->why0)) != 0))
			fail_msg("%s: first reason '%s'", r->what, id.nwhy ? id.why[0] : "");
		/* Candidates come best first. */
		for (size_t k = 1; k < id.ncand; k++)
			assert_true(id.cand[k - 1].score >= id.cand[k].score);
	}
	pl_idmatch_free(m);
}

/* The port's first use by rank answers `port only`, whatever the candidates' order. */
static void
test_rank(void **state)
{
	static const struct pl_id_port first[] = { { 3333, 3333, TCP, 0 } },
		second[] = { { 3333, 3333, TCP, 1 } };
	const struct pl_id_candidate c[] = {
		{ "b", "B", "b", second, 1, ncid, 1, NULL, 0, NULL, 0 },
		{ "a", "A", "a", first, 1, miner, 1, NULL, 0, NULL, 0 },
	};
	const struct pl_id_evidence e = { .port = 3333, .proto = TCP };
	const struct pl_id_evidence held = { .port = 3333, .proto = TCP, .comm = "nc" };
	struct pl_idmatch *m = NULL;
	struct pl_identified id;

	(void)state;
	assert_int_equal(pl_idmatch_new(&m, c, 2), 0);
	assert_int_equal(pl_identify(m, &e, &id), 0);
	assert_string_equal(id.id, "a");
	assert_int_equal(id.confidence, PL_ID_PORT_ONLY);
	assert_int_equal(pl_identify(m, &held, &id), 0);
	assert_string_equal(id.contradiction, "3333 held by nc, not ethdcrminer64");
	pl_idmatch_free(m);
}

/* Ties are never broken by name: the same evidence with the candidates reversed gives
 * the same answer. */
static void
test_no_alphabetical_ties(void **state)
{
	struct pl_id_candidate rev[N(cands)];
	struct pl_idmatch *a = NULL, *b = NULL;
	struct pl_identified x, y;

	(void)state;
	for (size_t i = 0; i < N(cands); i++)
		rev[i] = cands[N(cands) - 1 - i];
	assert_int_equal(pl_idmatch_new(&a, cands, N(cands)), 0);
	assert_int_equal(pl_idmatch_new(&b, rev, N(rev)), 0);
	for (size_t i = 0; i < N(rows); i++) {
		if (rows[i].conf == PL_ID_PORT_ONLY)
			continue;      /* the port alone follows the caller's order, by design */
		assert_int_equal(pl_identify(a, &rows[i].e, &x), 0);
		assert_int_equal(pl_identify(b, &rows[i].e, &y), 0);
		assert_int_equal(x.confidence, y.confidence);
		assert_true((x.id == NULL && y.id == NULL) || (x.id && y.id && strcmp(x.id, y.id) == 0));
	}
	pl_idmatch_free(a);
	pl_idmatch_free(b);
}

/* Hints that are plain names are compared as strings, the rest by regcomp: either way a
 * process name matches exactly when POSIX extended regular expressions say so. */
static void
test_literal_patterns(void **state)
{
	static const struct { const char *pattern, *text; } t[] = {
		{ "^sshd$", "sshd" }, { "^sshd$", "sshd2" }, { "^sshd$", "xsshd" },
		{ "^in\\.tftpd$", "in.tftpd" }, { "^in\\.tftpd$", "inXtftpd" },
		{ "^gdm", "gdm3" }, { "^gdm", "xgdm" }, { "tftpd$", "in.tftpd" },
		{ "tftpd$", "tftpd-hpa" }, { "jboss-modules\\.jar", "java -jar jboss-modules.jar" },
		{ "jboss-modules\\.jar", "jboss-modulesXjar" }, { "^python[0-9.]*$", "python3.11" },
		{ "^python[0-9.]*$", "python3-x" }, { "^msnmsgr(\\.exe)?$", "msnmsgr.exe" },
		{ "", "anything" }, { "^$", "x" }, { "^a$", "a\\nb" }, { "a|b", "b" }, { "\\d", "d" },
		/* Expressions with text every match holds, checked before regcomp runs. */
		{ "java.*zookeeper", "java -cp zookeeper.jar" }, { "java.*zookeeper", "java -cp zoo" },
		{ "ab?c", "ac" }, { "ab*c", "ac" }, { "ab{0,2}c", "ac" }, { "ab{1,2}c", "abbc" },
		{ "ab{1,2}c", "ac" }, { "a(bc)?d", "ad" }, { "a(bc)+d", "abcbcd" }, { "a[bc]d", "acd" },
		{ "x\\.y+z", "x.yyyz" }, { "x\\.y+z", "x.z" }, { "[[:digit:]]+abc", "12abc" },
		{ "[[:digit:]]+abc", "12ab" }, { "(foo|bar)baz", "barbaz" }, { "a+b", "aaab" },
		{ "redis-server.*:6379", "redis-server *:6379" }, { "^/usr/(s)?bin/foo$", "/usr/bin/foo" },
		{ "[]x]yz", "]yz" }, { "[^]x]yz", "ayz" }, { "q(a[)]b)r", "qa)br" }, { "a{2}b", "aab" },
		{ "a{2}b", "ab" }, { "node .*(vite|next)", "node x/vite" }, { "\\bnginx\\b", "nginx: worker" },
		{ "bacula-(dir|fd|sd)", "bacula-fd -c x" }, { "bacula-(dir|fd|sd)", "bacula -fd" },
		{ "ab|cd", "cd" }, { "x(a|b)|yz", "yz" }, { "[|]ab", "|ab" }, { "(^|/)orbd( |$)", "/usr/bin/orbd" },
	};

	(void)state;
	for (size_t i = 0; i < N(t); i++) {
		const char *const pat[] = { t[i].pattern };
		const struct pl_id_candidate c[] = { { "x", "X", "x", p22, 1, pat, 1, NULL, 0, NULL, 0 } };
		const struct pl_id_evidence e = { .port = 22, .proto = TCP, .comm = t[i].text };
		struct pl_idmatch *m = NULL;
		struct pl_identified id;
		regex_t re;
		bool want;

		assert_int_equal(regcomp(&re, t[i].pattern, REG_EXTENDED | REG_NOSUB), 0);
		want = regexec(&re, t[i].text, 0, NULL, 0) == 0;
		regfree(&re);
		assert_int_equal(pl_idmatch_new(&m, c, 1), 0);
		assert_int_equal(pl_identify(m, &e, &id), 0);
		if ((id.confidence > PL_ID_PORT_ONLY) != want)
			fail_msg("'%s' on '%s': matched %d, regexec says %d", t[i].pattern, t[i].text,
			    id.confidence > PL_ID_PORT_ONLY, want);
		pl_idmatch_free(m);
		/* The same with the form worked out ahead, as the lookup index gives it. */
		{
			struct pl_id_form f;

			assert_int_equal(pl_id_pattern_form(t[i].pattern, false, &f), 0);
			assert_int_equal(pl_idmatch_new_forms(&m, c, 1, &f), 0);
			assert_int_equal(pl_identify(m, &e, &id), 0);
			if ((id.confidence > PL_ID_PORT_ONLY) != want)
				fail_msg("'%s' on '%s' (form %d '%s'): matched %d, regexec says %d",
				    t[i].pattern, t[i].text, f.kind, f.lit ? f.lit : "",
				    id.confidence > PL_ID_PORT_ONLY, want);
			pl_idmatch_free(m);
			free((void *)f.lit);
		}
	}
}

/* Candidates sharing a pattern's text share its compiled form and its last answer; that
 * answer never outlives the call: a text rewritten in place is matched again. */
static void
test_shared_patterns(void **state)
{
	/* Two copies of the text, as the store gives them; and one shared, as the index does. */
	static const char *const a[] = { "^py(thon)?[0-9.]*$" }, *const b[] = { "^py(thon)?[0-9.]*$" };
	static const struct pl_id_port p1[] = { { 1111, 1111, TCP, 0 } },
		p2[] = { { 2222, 2222, TCP, 0 } };
	const struct pl_id_candidate c[] = {
		{ "one", "One", "one", p1, 1, a, 1, NULL, 0, NULL, 0 },
		{ "two", "Two", "two", p2, 1, b, 1, NULL, 0, NULL, 0 },
		{ "three", "Three", "three", p2, 1, a, 1, NULL, 0, NULL, 0 },
	};
	char comm[16];
	struct pl_id_evidence e = { .port = 1111, .proto = TCP, .comm = comm };
	struct pl_idmatch *m = NULL;
	struct pl_identified id;

	(void)state;
	assert_int_equal(pl_idmatch_new(&m, c, N(c)), 0);
	snprintf(comm, sizeof(comm), "python3.11");
	assert_int_equal(pl_identify(m, &e, &id), 0);
	assert_string_equal(id.id, "one");
	assert_int_equal(id.confidence, PL_ID_LIKELY);
	/* On 2222 the name fits two and the port two: a tie, every one of them scored. */
	e.port = 2222;
	assert_int_equal(pl_identify(m, &e, &id), 0);
	assert_int_equal(id.confidence, PL_ID_AMBIGUOUS);
	assert_int_equal(id.ncand, 3);
	/* The same buffer, another process: no candidate's name fits now. */
	snprintf(comm, sizeof(comm), "pyx");          /* holds "py": regexec decides */
	e.port = 1111;
	assert_int_equal(pl_identify(m, &e, &id), 0);
	assert_int_equal(id.confidence, PL_ID_PORT_ONLY);
	assert_null(id.id);
	assert_string_equal(id.contradiction, "1111 held by pyx, not One");
	snprintf(comm, sizeof(comm), "py");
	assert_int_equal(pl_identify(m, &e, &id), 0);
	assert_int_equal(id.confidence, PL_ID_LIKELY);
	pl_idmatch_free(m);
}

static void
same_answer(const char *what, const struct pl_identified *a, const struct pl_identified *b)
{
	if ((a->id == NULL) != (b->id == NULL) || (a->id && strcmp(a->id, b->id) != 0) ||
	    a->confidence != b->confidence || a->ncand != b->ncand || a->nwhy != b->nwhy ||
	    strcmp(a->contradiction, b->contradiction) != 0 || a->by_banner != b->by_banner)
		fail_msg("%s: %s (%s, %zu candidates) on a fresh matcher, %s (%s, %zu) after "
		    "many calls", what, a->id ? a->id : "none", pl_id_confidence_name(a->confidence),
		    a->ncand, b->id ? b->id : "none", pl_id_confidence_name(b->confidence), b->ncand);
	for (size_t k = 0; k < a->ncand; k++)
		if (strcmp(a->cand[k].id, b->cand[k].id) != 0 || a->cand[k].score != b->cand[k].score)
			fail_msg("%s: candidate %zu is %s (%d) fresh, %s (%d) after many calls", what,
			    k, a->cand[k].id, a->cand[k].score, b->cand[k].id, b->cand[k].score);
	for (size_t k = 0; k < a->nwhy; k++)
		if (strcmp(a->why[k], b->why[k]) != 0)
			fail_msg("%s: reason %zu '%s' fresh, '%s' after many calls", what, k,
			    a->why[k], b->why[k]);
}

/* A matcher that has answered many calls (ls: one process, thousands of ports) weighs
 * only the candidates that can score or be on the port; its answers must be those of a
 * fresh matcher, which weighs every candidate, for every row on every port of the
 * table and a few others, with and without a banner. */
static void
test_many_calls(void **state)
{
	static const uint16_t extra[] = { 1, 22, 830, 3333, 8000, 8080, 1024, 65535, 40000 };
	struct pl_idmatch *m = NULL;
	long fast = 0;

	(void)state;
	assert_int_equal(pl_idmatch_new(&m, cands, N(cands)), 0);
	for (int pass = 0; pass < 3; pass++)
		for (size_t i = 0; i < N(rows); i++)
			for (size_t k = 0; k <= N(extra); k++) {
				struct pl_id_evidence e = rows[i].e;
				struct pl_idmatch *f = NULL;
				struct pl_identified a, b;

				if (k < N(extra))
					e.port = extra[k];
				if (pass == 1)
					e.banner = NULL, e.banner_len = 0;
				if (pass == 2)
					e.proto = PL_PROTO_UDP;
				assert_int_equal(pl_idmatch_new(&f, cands, N(cands)), 0);
				assert_int_equal(pl_identify(f, &e, &a), 0);
				pl_idmatch_free(f);
				assert_int_equal(pl_identify(m, &e, &b), 0);
				same_answer(rows[i].what, &a, &b);
				fast += e.banner == NULL;
			}
	assert_true(fast > 100);
	pl_idmatch_free(m);
}

/* The forms the lookup index gives, for every pattern of cands in the matcher's order
 * (process, command line, banner). */
static struct pl_id_form *
forms_of(const struct pl_id_candidate *c, size_t n, size_t *nforms)
{
	struct pl_id_form *f;
	size_t k = 0, total = 0;

	for (size_t i = 0; i < n; i++)
		total += c[i].nprocess + c[i].ncmdline + c[i].nbanner;
	assert_non_null(f = calloc(total + 1, sizeof(*f)));
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < c[i].nprocess; j++)
			assert_int_equal(pl_id_pattern_form(c[i].process[j], false, &f[k++]), 0);
		for (size_t j = 0; j < c[i].ncmdline; j++)
			assert_int_equal(pl_id_pattern_form(c[i].cmdline[j], false, &f[k++]), 0);
		for (size_t j = 0; j < c[i].nbanner; j++)
			assert_int_equal(pl_id_pattern_form(c[i].banner[j], true, &f[k++]), 0);
	}
	*nforms = k;
	return f;
}

/* With forms, exact names are looked up in a table and command-line hints are passed
 * over when the line lacks one of their byte pairs: the answers must be those of a
 * matcher without forms, which compares every hint, for every row on every port of
 * the table and a few others, on a fresh matcher and on one that answered before. */
static void
test_forms_same_answers(void **state)
{
	static const uint16_t extra[] = { 1, 22, 830, 3333, 8000, 8080, 6379, 40000 };
	/* Command lines that hold some of a hint's byte pairs but not the hint. */
	static const char *const lines[] = { NULL, "python3 -m http.serve 8000",
		"python3 manage.py runserve", "python3 manage.py runserver 0:8000",
		"sshd: /usr/sbin/ssh -D", "airflo webserver", "x --listen 0", "/usr/sbin/sshd -D" };
	struct pl_id_form *f;
	struct pl_idmatch *kept = NULL;
	size_t nf;

	(void)state;
	f = forms_of(cands, N(cands), &nf);
	assert_int_equal(pl_idmatch_new_forms(&kept, cands, N(cands), f), 0);
	for (size_t i = 0; i < N(rows); i++)
		for (size_t l = 0; l < N(lines); l++)
			for (size_t k = 0; k <= N(extra); k++) {
				struct pl_id_evidence e = rows[i].e;
				struct pl_idmatch *plain = NULL, *fresh = NULL;
				struct pl_identified a, b, c;

				if (k < N(extra))
					e.port = extra[k];
				if (l > 0)
					e.cmdline = lines[l];
				assert_int_equal(pl_idmatch_new(&plain, cands, N(cands)), 0);
				assert_int_equal(pl_idmatch_new_forms(&fresh, cands, N(cands), f), 0);
				assert_int_equal(pl_identify(plain, &e, &a), 0);
				assert_int_equal(pl_identify(fresh, &e, &b), 0);
				assert_int_equal(pl_identify(kept, &e, &c), 0);
				same_answer(rows[i].what, &a, &b);
				same_answer(rows[i].what, &a, &c);
				pl_idmatch_free(plain);
				pl_idmatch_free(fresh);
			}
	pl_idmatch_free(kept);
	for (size_t i = 0; i < nf; i++)
		free((void *)f[i].lit);
	free(f);
}

static void
test_generic_banners(void **state)
{
	static const struct { const char *pattern; bool generic; } t[] = {
		{ "^HTTP/1\\.[01] .*", true }, { "^HTTP/1\\.1 200 OK", true }, { "^SSH-2\\.0-", true },
		{ "^SSH-[0-9.]+-", true }, { "^220 ", true }, { "^SSH-2\\.0-OpenSSH_", false },
		{ "Server: SimpleHTTP/[0-9.]+ Python/", false }, { "^\\+PONG", false },
		{ "SERVER: .*UPnP/1\\.[01]", false }, { "([", false },
	};

	(void)state;
	for (size_t i = 0; i < N(t); i++)
		if (pl_id_banner_generic(t[i].pattern) != t[i].generic)
			fail_msg("%s: generic should be %d", t[i].pattern, t[i].generic);
}

/* dpkg's lists through the directory seam: exact paths, merged /usr, arch suffixes. */
static void
test_dpkg(void **state)
{
	char dir[] = "/tmp/pl-dpkg-XXXXXX", path[300];
	const char *paths[] = { "/usr/sbin/sshd", "/usr/bin/true", "/opt/none", NULL };
	char *pkgs[4];
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/openssh-server.list", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("/.\n/usr/sbin\n/usr/sbin/sshd\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/coreutils:amd64.list", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("/bin/true\n", f);
	fclose(f);
	assert_int_equal(pl_dpkg_owners(dir, paths, 4, pkgs), 0);
	assert_string_equal(pkgs[0], "openssh-server");
	assert_string_equal(pkgs[1], "coreutils");
	assert_null(pkgs[2]);
	assert_null(pkgs[3]);
	for (int i = 0; i < 4; i++)
		free(pkgs[i]);
	assert_int_equal(pl_dpkg_owners("/nonexistent/dpkg", paths, 4, pkgs), 0);
	assert_null(pkgs[0]);
	snprintf(path, sizeof(path), "%s/openssh-server.list", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/coreutils:amd64.list", dir);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_no_alphabetical_ties),
		cmocka_unit_test(test_rank),
		cmocka_unit_test(test_generic_banners),
		cmocka_unit_test(test_literal_patterns),
		cmocka_unit_test(test_shared_patterns),
		cmocka_unit_test(test_many_calls),
		cmocka_unit_test(test_forms_same_answers),
		cmocka_unit_test(test_dpkg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
