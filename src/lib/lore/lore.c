/*
 * lore.c: validate and import data/lore/ *.json (format: docs/lore-format.md).
 *
 * jansson parses; this file checks every rule of the format and reports the first
 * problem as "file:line: reason", with the line found by jsonpos.c.
 */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/jsonpos.h"
#include "registry/store-internal.h"
#include "core/utf8.h"
#include "portlore/rank.h"

#define LORE_FILE_MAX (4L << 20)
#define DEPTH_MAX 8

static const char *const kinds[] = {
	"vendor", "dev-default", "database", "cache", "broker", "search", "infrastructure",
	"remote-access", "management", "os-service", "ics-iot", "gaming", "media", "p2p",
	"malware", "amplification", "telephony", "monitoring", "web", "mail", "directory",
	"file-sharing", "vpn", "crypto", "application", NULL
};
static const char *const risks[] = { "none", "low", "medium", "high", "critical", NULL };
static const char *const top_keys[] = { "family", "name", "entries", NULL };
static const char *const entry_keys[] = {
	"id", "name", "vendor", "kind", "ports", "years", "summary", "risk", "cves", "hints",
	"confidence", "sources", "notes", NULL
};
static const char *const port_keys[] = {
	"port", "proto", "role", "use", "prevalence", "evidence", NULL
};
static const char *const port_required[] = {
	"port", "proto", "role", "use", "prevalence", "evidence", NULL
};
static const char *const years_keys[] = { "from", "to", NULL };
static const char *const risk_keys[] = { "level", "why", "ports", NULL };
static const char *const risk_required[] = { "level", "why", NULL };
static const char *const hint_keys[] = { "process", "cmdline", "banner", NULL };
static const char *const source_keys[] = {
	"title", "url", "published", "accessed", "publisher", "tier", NULL
};
static const char *const tiers[] = { "primary", "secondary", "community", NULL };
static const char *const confidences[] = { "high", "medium", "low", NULL };
static const char *const confidence_keys[] = { "level", "why", NULL };

struct chk {
	const char *name;        /* file name for messages */
	const char *text;
	size_t len;
	struct pl_err *err;
	struct pl__jstep path[DEPTH_MAX];
	size_t depth;
	json_t *ids;             /* id -> "file:line", across files; may be NULL */
};

static void
push_key(struct chk *c, const char *key)
{
	if (c->depth < DEPTH_MAX)
		c->path[c->depth] = (struct pl__jstep){ key, 0 };
	c->depth++;
}

static void
push_index(struct chk *c, size_t i)
{
	if (c->depth < DEPTH_MAX)
		c->path[c->depth] = (struct pl__jstep){ NULL, i };
	c->depth++;
}

static void
pop(struct chk *c)
{
	c->depth--;
}

static long
cur_line(const struct chk *c)
{
	return pl__json_line(c->text, c->len, c->path, c->depth < DEPTH_MAX ? c->depth : DEPTH_MAX);
}

/* Renders the current path as "entries[3].ports[0]" into buf. */
static const char *
path_str(const struct chk *c, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < c->depth && i < DEPTH_MAX && used < len; i++) {
		int n = c->path[i].key ?
		    snprintf(buf + used, len - used, "%s%s", used ? "." : "", c->path[i].key) :
		    snprintf(buf + used, len - used, "[%zu]", c->path[i].index);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	return buf;
}

static int
bad(struct chk *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
bad(struct chk *c, const char *fmt, ...)
{
	char why[300], where[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	path_str(c, where, sizeof(where));
	return pl_err_set(c->err, -PL_EDATA, "%s:%ld: %s%s%s", c->name, cur_line(c), where,
	    *where ? ": " : "", why);
}

static bool
in_list(const char *const *list, const char *s)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

static int
check_keys(struct chk *c, json_t *obj, const char *what, const char *const *allowed,
    const char *const *required)
{
	const char *key;
	json_t *v;

	if (!json_is_object(obj))
		return bad(c, "%s must be an object", what);
	json_object_foreach(obj, key, v) {
		if (!in_list(allowed, key)) {
			int rc;

			push_key(c, key);
			rc = bad(c, "unknown key '%s' in %s", key, what);
			pop(c);
			return rc;
		}
	}
	for (; required && *required; required++)
		if (json_object_get(obj, *required) == NULL)
			return bad(c, "%s lacks required key '%s'", what, *required);
	return 0;
}

/* Checks obj[key] is a non-empty string of at most max bytes; sets *out (lent). */
static int
get_str(struct chk *c, json_t *obj, const char *key, size_t max, bool required,
    const char **out)
{
	json_t *v = json_object_get(obj, key);
	int rc = 0;

	*out = NULL;
	if (v == NULL)
		return required ? bad(c, "'%s' is required", key) : 0;
	push_key(c, key);
	if (!json_is_string(v))
		rc = bad(c, "must be a string");
	else if (json_string_length(v) == 0)
		rc = bad(c, "must not be empty");
	else if (json_string_length(v) > max)
		rc = bad(c, "is %zu bytes long (at most %zu)", json_string_length(v), max);
	else if (strlen(json_string_value(v)) != json_string_length(v))
		rc = bad(c, "contains a NUL character");
	else
		*out = json_string_value(v);
	pop(c);
	return rc;
}

static bool
valid_slug(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return false;
	return true;
}

static bool
valid_date(const char *d)
{
	size_t n = strlen(d);

	if (n != 4 && n != 7 && n != 10)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((i == 4 || i == 7) ? d[i] != '-' : (d[i] < '0' || d[i] > '9'))
			return false;
	if (n >= 7 && (atoi(d + 5) < 1 || atoi(d + 5) > 12))
		return false;
	return n < 10 || (atoi(d + 8) >= 1 && atoi(d + 8) <= 31);
}

/* True when date a (YYYY[-MM[-DD]]) may lie after date b: compared on the parts both have. */
static bool
date_after(const char *a, const char *b)
{
	size_t n = strlen(a) < strlen(b) ? strlen(a) : strlen(b);

	return strncmp(a, b, n) > 0;
}

static bool
valid_cve(const char *s)
{
	size_t n = strlen(s), digits = 0;

	if (n < 13 || strncmp(s, "CVE-", 4) != 0 || s[8] != '-')
		return false;
	for (size_t i = 4; i < n; i++) {
		if (i == 8)
			continue;
		if (s[i] < '0' || s[i] > '9')
			return false;
		if (i > 8)
			digits++;
	}
	return digits >= 4 && digits <= 7;
}

static bool
valid_url(const char *u)
{
	if (strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0)
		return false;
	if (u[strncmp(u, "https://", 8) == 0 ? 8 : 7] == '\0')
		return false;
	for (; *u; u++)
		if ((unsigned char)*u <= ' ' || *u == '"' || *u == '<' || *u == '>')
			return false;
	return true;
}

/* Parses a lore port value: an integer or "lo-hi". */
static int
lore_port(json_t *v, long *lo, long *hi)
{
	if (json_is_integer(v)) {
		*lo = *hi = (long)json_integer_value(v);
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;

		if (*s < '0' || *s > '9')
			return -1;
		*lo = strtol(s, &end, 10);
		if (*end != '-' || end[1] < '0' || end[1] > '9')
			return -1;
		*hi = strtol(end + 1, &end, 10);
		if (*end != '\0')
			return -1;
	} else {
		return -1;
	}
	return (*lo < 0 || *hi > 65535 || *lo > *hi) ? -1 : 0;
}

/*
 * Checks that evidence cites only sources the entry has: every "[n]" must have
 * 1 <= n <= nsources (docs/lore-format.md, "Relevance").
 */
static int
check_evidence(struct chk *c, const char *ev, size_t nsources)
{
	const char *p = ev;
	int rc = 0;

	push_key(c, "evidence");
	/* No sources at all is the sources rule's to report. */
	while (rc == 0 && nsources > 0 && (p = strchr(p, '[')) != NULL) {
		char *end;
		long n;

		p++;
		if (*p < '0' || *p > '9')
			continue;
		n = strtol(p, &end, 10);
		if (*end != ']')
			continue;
		if (n < 1 || (size_t)n > nsources)
			rc = bad(c, "cites [%ld] but the entry has %zu source%s", n, nsources,
			    nsources == 1 ? "" : "s");
		p = end;
	}
	pop(c);
	return rc;
}

static int
check_relevance(struct chk *c, json_t *p, size_t nsources)
{
	const char *use, *prev, *ev;
	int rc;

	if ((rc = get_str(c, p, "use", 16, true, &use)) != 0 ||
	    (rc = get_str(c, p, "prevalence", 16, true, &prev)) != 0 ||
	    (rc = get_str(c, p, "evidence", 500, true, &ev)) != 0)
		return rc;
	if (pl_use_parse(use) < 0) {
		push_key(c, "use");
		rc = bad(c, "'%s' is not server, default, client, target or historical", use);
		pop(c);
	} else if (pl_prevalence_parse(prev) < 0) {
		push_key(c, "prevalence");
		rc = bad(c, "'%s' is not dominant, common, niche or historical", prev);
		pop(c);
	} else {
		rc = check_evidence(c, ev, nsources);
	}
	return rc;
}

static int
check_port(struct chk *c, json_t *p, size_t nsources)
{
	const char *proto, *role;
	long lo, hi;
	int rc;

	if ((rc = check_keys(c, p, "a port", port_keys, port_required)) != 0)
		return rc;
	push_key(c, "port");
	rc = lore_port(json_object_get(p, "port"), &lo, &hi) != 0 ?
	    bad(c, "must be a port 0-65535 or a range \"lo-hi\" with lo <= hi") : 0;
	pop(c);
	if (rc != 0)
		return rc;
	if ((rc = get_str(c, p, "proto", 8, true, &proto)) != 0)
		return rc;
	if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0 && strcmp(proto, "sctp") != 0 &&
	    strcmp(proto, "dccp") != 0) {
		push_key(c, "proto");
		rc = bad(c, "'%s' is not tcp, udp, sctp or dccp", proto);
		pop(c);
		return rc;
	}
	if ((rc = get_str(c, p, "role", 500, true, &role)) != 0)
		return rc;
	return check_relevance(c, p, nsources);
}

static int
check_ports(struct chk *c, json_t *ports, size_t nsources)
{
	size_t i, j;
	json_t *p, *q;
	int rc;

	push_key(c, "ports");
	if (!json_is_array(ports) || json_array_size(ports) == 0) {
		rc = bad(c, "must be a non-empty array of ports");
		goto out;
	}
	json_array_foreach(ports, i, p) {
		push_index(c, i);
		rc = check_port(c, p, nsources);
		if (rc == 0) {
			/* The same port and protocol twice in one entry is a duplicated fact. */
			for (j = 0; j < i && rc == 0; j++) {
				q = json_array_get(ports, j);
				if (json_equal(json_object_get(p, "port"), json_object_get(q, "port")) &&
				    json_equal(json_object_get(p, "proto"), json_object_get(q, "proto")))
					rc = bad(c, "duplicates ports[%zu] (same port and protocol)", j);
			}
		}
		pop(c);
		if (rc != 0)
			goto out;
	}
	rc = 0;
out:
	pop(c);
	return rc;
}

static int
check_years(struct chk *c, json_t *y)
{
	json_t *from, *to;
	int rc;

	push_key(c, "years");
	if ((rc = check_keys(c, y, "years", years_keys, (const char *const[]){ "from", NULL })) != 0)
		goto out;
	from = json_object_get(y, "from");
	to = json_object_get(y, "to");
	if (!json_is_integer(from) || json_integer_value(from) < 1960 ||
	    json_integer_value(from) > 2100)
		rc = bad(c, "'from' must be a year between 1960 and 2100");
	else if (to != NULL && (!json_is_integer(to) || json_integer_value(to) < json_integer_value(from) ||
	    json_integer_value(to) > 2100))
		rc = bad(c, "'to' must be a year from 'from' to 2100");
out:
	pop(c);
	return rc;
}

static int
check_risk(struct chk *c, json_t *r)
{
	const char *level, *why;
	json_t *ports, *p;
	size_t i;
	int rc;

	push_key(c, "risk");
	if ((rc = check_keys(c, r, "risk", risk_keys, risk_required)) == 0 &&
	    (rc = get_str(c, r, "level", 16, true, &level)) == 0 &&
	    (rc = get_str(c, r, "why", 2000, true, &why)) == 0 && !in_list(risks, level))
		rc = bad(c, "level '%s' is not none, low, medium, high or critical", level);
	/* "ports": the risk concerns these ports of the entry only (a management
	 * interface's CVEs are not its HA port's); absent, every port of the entry. */
	if (rc == 0 && (ports = json_object_get(r, "ports")) != NULL) {
		push_key(c, "ports");
		if (!json_is_array(ports) || json_array_size(ports) == 0 ||
		    json_array_size(ports) > 64)
			rc = bad(c, "must be an array of 1 to 64 port numbers");
		json_array_foreach(ports, i, p)
			if (rc == 0 && (!json_is_integer(p) || json_integer_value(p) < 0 ||
			    json_integer_value(p) > 65535))
				rc = bad(c, "item %zu is not a port number from 0 to 65535", i + 1);
		pop(c);
	}
	pop(c);
	return rc;
}

/* Checks that v is an array of strings, each passing ok() (may be NULL). */
static int
check_str_array(struct chk *c, json_t *v, const char *key, size_t max,
    int (*ok)(struct chk *, const char *))
{
	size_t i;
	json_t *s;
	int rc = 0;

	push_key(c, key);
	if (!json_is_array(v)) {
		rc = bad(c, "must be an array of strings");
		goto out;
	}
	json_array_foreach(v, i, s) {
		push_index(c, i);
		if (!json_is_string(s) || json_string_length(s) == 0)
			rc = bad(c, "must be a non-empty string");
		else if (json_string_length(s) > max)
			rc = bad(c, "is longer than %zu bytes", max);
		else if (ok != NULL)
			rc = ok(c, json_string_value(s));
		pop(c);
		if (rc != 0)
			break;
	}
out:
	pop(c);
	return rc;
}

static int
ok_cve(struct chk *c, const char *s)
{
	return valid_cve(s) ? 0 : bad(c, "'%s' is not a CVE id (CVE-YYYY-NNNN)", s);
}

static int
ok_regex(struct chk *c, const char *s)
{
	regex_t re;
	char msg[128];
	int rc = regcomp(&re, s, REG_EXTENDED | REG_NOSUB);

	if (rc == 0) {
		regfree(&re);
		return 0;
	}
	regerror(rc, &re, msg, sizeof(msg));
	return bad(c, "pattern '%s' does not compile: %s", s, msg);
}

static int
check_hints(struct chk *c, json_t *h)
{
	const char *key;
	json_t *v;
	int rc;

	push_key(c, "hints");
	rc = check_keys(c, h, "hints", hint_keys, NULL);
	if (rc == 0) {
		json_object_foreach(h, key, v)
			if ((rc = check_str_array(c, v, key, 200, ok_regex)) != 0)
				break;
	}
	pop(c);
	return rc;
}

/* Checks a CVE id that a source's URL or title names, against its published date. */
static int
check_source_cve(struct chk *c, const char *text, const char *published)
{
	const char *p = text;

	while ((p = strstr(p, "CVE-")) != NULL) {
		char id[24];
		size_t n = strspn(p + 4, "0123456789-");

		if (n > 0 && p[4] >= '0' && p[4] <= '9') {
			snprintf(id, sizeof(id), "CVE-%.*s", (int)(n < 19 ? n : 19), p + 4);
			while (id[strlen(id) - 1] == '-')
				id[strlen(id) - 1] = '\0';
			if (!valid_cve(id))
				return bad(c, "'%s' is not a CVE id (CVE-YYYY-NNNN)", id);
			if (published != NULL && strncmp(id + 4, published, 4) > 0)
				return bad(c, "%s is dated after the source's published date %s", id,
				    published);
		}
		p += 4;
	}
	return 0;
}

/* "RFC 1234" in a title and ".../rfc1234" in a URL must be well-formed and agree. */
static int
check_source_rfc(struct chk *c, const char *title, const char *url)
{
	const char *t = strstr(title, "RFC "), *u = NULL;
	long tn = -1, un = -1;
	char *end;

	if (strstr(url, "rfc-editor.org") != NULL || strstr(url, "ietf.org") != NULL) {
		const char *p = url;

		while ((p = strstr(p, "rfc")) != NULL && !(p[3] >= '0' && p[3] <= '9'))
			p += 3;
		u = p;
	}
	if (t != NULL && t[4] >= '0' && t[4] <= '9') {
		tn = strtol(t + 4, &end, 10);
		if (t[4] == '0' || tn < 1 || tn > 99999)
			return bad(c, "'%.*s' is not an RFC number", (int)(end - t), t);
	}
	if (u != NULL) {
		un = strtol(u + 3, &end, 10);
		if (u[3] == '0' || un < 1 || un > 99999 || (*end != '\0' && *end != '.' &&
		    *end != '#' && *end != '/' && *end != '-'))
			return bad(c, "'%s' does not name an RFC (rfcNNNN)", url);
	}
	if (tn > 0 && un > 0 && tn != un)
		return bad(c, "title names RFC %ld but the URL is RFC %ld", tn, un);
	return 0;
}

static int
check_source(struct chk *c, json_t *s, bool *primary)
{
	const char *title, *url, *published, *accessed, *publisher, *tier;
	const char *bad_key = NULL, *why = NULL;
	int rc;

	if ((rc = check_keys(c, s, "a source", source_keys,
	    (const char *const[]){ "title", "url", "accessed", "tier", NULL })) != 0 ||
	    (rc = get_str(c, s, "title", 400, true, &title)) != 0 ||
	    (rc = get_str(c, s, "url", 1000, true, &url)) != 0 ||
	    (rc = get_str(c, s, "published", 10, false, &published)) != 0 ||
	    (rc = get_str(c, s, "accessed", 10, true, &accessed)) != 0 ||
	    (rc = get_str(c, s, "publisher", 200, false, &publisher)) != 0 ||
	    (rc = get_str(c, s, "tier", 16, true, &tier)) != 0)
		return rc;
	if (!valid_url(url))
		bad_key = "url", why = "is not an http(s) URL";
	else if (published != NULL && !valid_date(published))
		bad_key = "published", why = "is not a date (YYYY, YYYY-MM or YYYY-MM-DD)";
	else if (!valid_date(accessed) || strlen(accessed) != 10)
		bad_key = "accessed", why = "is not a day (YYYY-MM-DD)";
	else if (published != NULL && date_after(published, accessed))
		bad_key = "published", why = "is after the day the source was accessed";
	else if (!in_list(tiers, tier))
		bad_key = "tier", why = "is not primary, secondary or community";
	if (bad_key != NULL) {
		push_key(c, bad_key);
		rc = bad(c, "'%s' %s", json_string_value(json_object_get(s, bad_key)), why);
		pop(c);
		return rc;
	}
	if ((rc = check_source_cve(c, url, published)) != 0 ||
	    (rc = check_source_cve(c, title, published)) != 0 ||
	    (rc = check_source_rfc(c, title, url)) != 0)
		return rc;
	if (strcmp(tier, "primary") == 0)
		*primary = true;
	return 0;
}

static int
check_sources(struct chk *c, json_t *srcs, bool *primary)
{
	size_t i;
	json_t *s;
	int rc = 0;

	*primary = false;
	push_key(c, "sources");
	if (!json_is_array(srcs) || json_array_size(srcs) == 0) {
		rc = bad(c, "at least one source is required");
		goto out;
	}
	json_array_foreach(srcs, i, s) {
		push_index(c, i);
		rc = check_source(c, s, primary);
		pop(c);
		if (rc != 0)
			break;
	}
out:
	pop(c);
	return rc;
}

/* Confidence: optional {"level", "why"}; an entry without a primary source must say
 * "low" and why. Sets *level to the level in force. */
static int
check_confidence(struct chk *c, json_t *conf, bool primary, const char **level)
{
	const char *why;
	int rc = 0;

	*level = NULL;
	if (conf != NULL) {
		push_key(c, "confidence");
		if ((rc = check_keys(c, conf, "confidence", confidence_keys, confidence_keys)) == 0 &&
		    (rc = get_str(c, conf, "level", 16, true, level)) == 0 &&
		    (rc = get_str(c, conf, "why", 1000, true, &why)) == 0 &&
		    !in_list(confidences, *level))
			rc = bad(c, "level '%s' is not high, medium or low", *level);
		pop(c);
		if (rc != 0)
			return rc;
	}
	if (!primary && (*level == NULL || strcmp(*level, "low") != 0)) {
		push_key(c, "sources");
		rc = bad(c, "no primary source (the project, vendor, standard, registry or CVE "
		    "record): cite one, or set \"confidence\": {\"level\": \"low\", \"why\": ...}");
		pop(c);
	}
	return rc;
}

static int
check_entry(struct chk *c, json_t *e)
{
	const char *id, *s, *kind, *level;
	json_t *v, *seen;
	bool primary;
	int rc;

	if ((rc = check_keys(c, e, "an entry", entry_keys, (const char *const[]){
	    "id", "name", "vendor", "kind", "ports", "summary", "risk", "sources",
	    NULL })) != 0)
		return rc;
	if ((rc = get_str(c, e, "id", 64, true, &id)) != 0)
		return rc;
	push_key(c, "id");
	if (!valid_slug(id))
		rc = bad(c, "'%s' must be lowercase letters, digits and hyphens", id);
	else if (c->ids != NULL && (seen = json_object_get(c->ids, id)) != NULL)
		rc = bad(c, "duplicate id '%s' (first at %s)", id, json_string_value(seen));
	else if (c->ids != NULL) {
		char where[300];

		snprintf(where, sizeof(where), "%s:%ld", c->name, cur_line(c));
		json_object_set_new(c->ids, id, json_string(where));
	}
	pop(c);
	if (rc != 0)
		return rc;
	if ((rc = get_str(c, e, "name", 200, true, &s)) != 0 ||
	    (rc = get_str(c, e, "vendor", 200, true, &s)) != 0 ||
	    (rc = get_str(c, e, "kind", 32, true, &kind)) != 0 ||
	    (rc = get_str(c, e, "summary", 2000, true, &s)) != 0 ||
	    (rc = get_str(c, e, "notes", 4000, false, &s)) != 0)
		return rc;
	if (!in_list(kinds, kind)) {
		push_key(c, "kind");
		rc = bad(c, "'%s' is not a known kind (see docs/lore-format.md)", kind);
		pop(c);
		return rc;
	}
	if ((rc = check_ports(c, json_object_get(e, "ports"),
	    json_array_size(json_object_get(e, "sources")))) != 0 ||
	    (json_object_get(e, "years") != NULL &&
	    (rc = check_years(c, json_object_get(e, "years"))) != 0) ||
	    (rc = check_risk(c, json_object_get(e, "risk"))) != 0 ||
	    (rc = check_sources(c, json_object_get(e, "sources"), &primary)) != 0 ||
	    (rc = check_confidence(c, json_object_get(e, "confidence"), primary, &level)) != 0)
		return rc;
	if ((v = json_object_get(e, "cves")) != NULL &&
	    (rc = check_str_array(c, v, "cves", 20, ok_cve)) != 0)
		return rc;
	if ((v = json_object_get(e, "hints")) != NULL && (rc = check_hints(c, v)) != 0)
		return rc;
	return 0;
}

/* Returns the family a file name implies: "data/lore/ncid.json" -> "ncid". */
static void
family_of(const char *name, char *out, size_t len)
{
	const char *base = strrchr(name, '/');
	size_t n;

	base = base ? base + 1 : name;
	n = strlen(base);
	if (n > 5 && strcmp(base + n - 5, ".json") == 0)
		n -= 5;
	snprintf(out, len, "%.*s", (int)n, base);
}

static int
check_doc(struct chk *c, json_t *doc)
{
	const char *family, *name;
	char want[256];
	json_t *entries, *e;
	size_t i;
	int rc;

	if ((rc = check_keys(c, doc, "the file", top_keys, top_keys)) != 0)
		return rc;
	if ((rc = get_str(c, doc, "family", 64, true, &family)) != 0 ||
	    (rc = get_str(c, doc, "name", 200, true, &name)) != 0)
		return rc;
	family_of(c->name, want, sizeof(want));
	push_key(c, "family");
	if (!valid_slug(family))
		rc = bad(c, "'%s' must be lowercase letters, digits and hyphens", family);
	else if (strcmp(family, want) != 0)
		rc = bad(c, "'%s' must match the file name ('%s')", family, want);
	pop(c);
	if (rc != 0)
		return rc;
	entries = json_object_get(doc, "entries");
	push_key(c, "entries");
	if (!json_is_array(entries) || json_array_size(entries) == 0)
		rc = bad(c, "must be a non-empty array");
	json_array_foreach(entries, i, e) {
		if (rc != 0)
			break;
		push_index(c, i);
		rc = check_entry(c, e);
		pop(c);
	}
	pop(c);
	return rc;
}

/* Parses and checks one file's text. Returns the document (caller owns) or NULL. */
static json_t *
load_text(const char *name, const char *text, size_t len, json_t *ids, struct pl_err *err)
{
	struct chk c = { .name = name, .text = text, .len = len, .err = err, .ids = ids };
	json_error_t je;
	json_t *doc;

	if (!pl__utf8_valid(text, len)) {
		pl_err_set(err, -PL_EDATA, "%s: not valid UTF-8 (or contains a NUL byte)", name);
		return NULL;
	}
	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (doc == NULL) {
		pl_err_set(err, -PL_EDATA, "%s:%d:%d: %s", name, je.line, je.column, je.text);
		return NULL;
	}
	if (check_doc(&c, doc) != 0) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

int
pl_lore_check_text(const char *name, const char *text, size_t len, struct pl_err *err)
{
	json_t *ids = json_object(), *doc;

	if (ids == NULL)
		return pl_err_set(err, -PL_ENOMEM, "out of memory");
	doc = load_text(name, text, len, ids, err);
	json_decref(ids);
	if (doc == NULL)
		return err && err->code ? err->code : -PL_EDATA;
	json_decref(doc);
	return 0;
}

static char *
read_file(const char *path, size_t *len, struct pl_err *err)
{
	struct stat sb;
	char *buf = NULL;
	FILE *f = fopen(path, "re");

	if (f == NULL) {
		pl_err_set(err, -PL_EIO, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode))
		pl_err_set(err, -PL_EIO, "%s: not a regular file", path);
	else if (sb.st_size > LORE_FILE_MAX)
		pl_err_set(err, -PL_ETOOBIG, "%s: %lld bytes is too large (at most %ld)", path,
		    (long long)sb.st_size, LORE_FILE_MAX);
	else if ((buf = malloc((size_t)sb.st_size + 1)) == NULL)
		pl_err_set(err, -PL_ENOMEM, "out of memory");
	else if (fread(buf, 1, (size_t)sb.st_size, f) != (size_t)sb.st_size) {
		pl_err_set(err, -PL_EIO, "%s: short read", path);
		free(buf);
		buf = NULL;
	} else {
		buf[sb.st_size] = '\0';
		*len = (size_t)sb.st_size;
	}
	fclose(f);
	return buf;
}

/* Inserting. */

static int
step_done(struct pl_store *st, sqlite3_stmt *s, struct pl_err *err)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return pl_err_set(err, -PL_ESTORE, "store %s: %s", st->path, sqlite3_errmsg(st->db));
	return 0;
}

static const char *
str_or_empty(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

struct ins {
	sqlite3_stmt *entry, *port, *source, *cve, *hint, *risk_port;
};

static int
insert_entry(struct pl_store *st, struct ins *in, const char *file, json_t *doc, json_t *e,
    long *facts, struct pl_err *err)
{
	const char *id = str_or_empty(e, "id"), *key;
	json_t *y = json_object_get(e, "years"), *r = json_object_get(e, "risk"), *v, *a;
	size_t i, j;
	int rc;

	sqlite3_bind_text(in->entry, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(in->entry, 2, str_or_empty(doc, "family"), -1, SQLITE_STATIC);
	sqlite3_bind_text(in->entry, 3, str_or_empty(doc, "name"), -1, SQLITE_STATIC);
	sqlite3_bind_text(in->entry, 4, file, -1, SQLITE_STATIC);
	sqlite3_bind_text(in->entry, 5, str_or_empty(e, "name"), -1, SQLITE_STATIC);
	sqlite3_bind_text(in->entry, 6, str_or_empty(e, "vendor"), -1, SQLITE_STATIC);
	sqlite3_bind_text(in->entry, 7, str_or_empty(e, "kind"), -1, SQLITE_STATIC);
	sqlite3_bind_text(in->entry, 8, str_or_empty(e, "summary"), -1, SQLITE_STATIC);
	sqlite3_bind_text(in->entry, 9, str_or_empty(r, "level"), -1, SQLITE_STATIC);
	sqlite3_bind_text(in->entry, 10, str_or_empty(r, "why"), -1, SQLITE_STATIC);
	sqlite3_bind_text(in->entry, 11, str_or_empty(e, "notes"), -1, SQLITE_STATIC);
	/* No years: no source dates the entry, and readers see none. */
	if ((v = json_object_get(y, "from")) != NULL)
		sqlite3_bind_int64(in->entry, 12, json_integer_value(v));
	else
		sqlite3_bind_null(in->entry, 12);
	if ((v = json_object_get(y, "to")) != NULL)
		sqlite3_bind_int64(in->entry, 13, json_integer_value(v));
	else
		sqlite3_bind_null(in->entry, 13);
	/* The validator made sure an entry without a stated confidence has a primary source. */
	v = json_object_get(e, "confidence");
	sqlite3_bind_text(in->entry, 14, v ? str_or_empty(v, "level") : "high", -1, SQLITE_STATIC);
	sqlite3_bind_text(in->entry, 15, v ? str_or_empty(v, "why") : "", -1, SQLITE_STATIC);
	if ((rc = step_done(st, in->entry, err)) != 0)
		return rc;

	json_array_foreach(json_object_get(e, "ports"), i, v) {
		long lo, hi;

		lore_port(json_object_get(v, "port"), &lo, &hi);
		sqlite3_bind_text(in->port, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(in->port, 2, lo);
		sqlite3_bind_int64(in->port, 3, hi);
		sqlite3_bind_text(in->port, 4, str_or_empty(v, "proto"), -1, SQLITE_STATIC);
		sqlite3_bind_text(in->port, 5, str_or_empty(v, "role"), -1, SQLITE_STATIC);
		sqlite3_bind_text(in->port, 6, str_or_empty(v, "use"), -1, SQLITE_STATIC);
		sqlite3_bind_text(in->port, 7, str_or_empty(v, "prevalence"), -1, SQLITE_STATIC);
		sqlite3_bind_text(in->port, 8, str_or_empty(v, "evidence"), -1, SQLITE_STATIC);
		if ((rc = step_done(st, in->port, err)) != 0)
			return rc;
		(*facts)++;
	}
	json_array_foreach(json_object_get(e, "sources"), i, v) {
		sqlite3_bind_text(in->source, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(in->source, 2, (sqlite3_int64)i + 1);
		sqlite3_bind_text(in->source, 3, str_or_empty(v, "title"), -1, SQLITE_STATIC);
		sqlite3_bind_text(in->source, 4, str_or_empty(v, "url"), -1, SQLITE_STATIC);
		sqlite3_bind_text(in->source, 5, str_or_empty(v, "published"), -1, SQLITE_STATIC);
		sqlite3_bind_text(in->source, 6, str_or_empty(v, "accessed"), -1, SQLITE_STATIC);
		sqlite3_bind_text(in->source, 7, str_or_empty(v, "publisher"), -1, SQLITE_STATIC);
		sqlite3_bind_text(in->source, 8, str_or_empty(v, "tier"), -1, SQLITE_STATIC);
		if ((rc = step_done(st, in->source, err)) != 0)
			return rc;
	}
	json_array_foreach(json_object_get(r, "ports"), i, v) {
		sqlite3_bind_text(in->risk_port, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(in->risk_port, 2, json_integer_value(v));
		if ((rc = step_done(st, in->risk_port, err)) != 0)
			return rc;
	}
	json_array_foreach(json_object_get(e, "cves"), i, v) {
		sqlite3_bind_text(in->cve, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(in->cve, 2, json_string_value(v), -1, SQLITE_STATIC);
		if ((rc = step_done(st, in->cve, err)) != 0)
			return rc;
	}
	json_object_foreach(json_object_get(e, "hints"), key, a) {
		json_array_foreach(a, j, v) {
			sqlite3_bind_text(in->hint, 1, id, -1, SQLITE_STATIC);
			sqlite3_bind_text(in->hint, 2, key, -1, SQLITE_STATIC);
			sqlite3_bind_text(in->hint, 3, json_string_value(v), -1, SQLITE_STATIC);
			if ((rc = step_done(st, in->hint, err)) != 0)
				return rc;
		}
	}
	return 0;
}

static int
prepare_ins(struct pl_store *st, struct ins *in, struct pl_err *err)
{
	static const char *const sql[] = {
		"INSERT INTO lore_entry VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
		"INSERT INTO lore_port VALUES(?,?,?,?,?,?,?,?)",
		"INSERT INTO lore_source VALUES(?,?,?,?,?,?,?,?)",
		"INSERT INTO lore_cve VALUES(?,?)",
		"INSERT INTO lore_hint VALUES(?,?,?)",
		"INSERT INTO lore_risk_port VALUES(?,?)",
	};
	sqlite3_stmt **slots[] = { &in->entry, &in->port, &in->source, &in->cve, &in->hint,
		&in->risk_port };

	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
		if (sqlite3_prepare_v2(st->db, sql[i], -1, slots[i], NULL) != SQLITE_OK)
			return pl_err_set(err, -PL_ESTORE, "store %s: %s", st->path,
			    sqlite3_errmsg(st->db));
	return 0;
}

static void
finalize_ins(struct ins *in)
{
	sqlite3_finalize(in->entry);
	sqlite3_finalize(in->port);
	sqlite3_finalize(in->source);
	sqlite3_finalize(in->cve);
	sqlite3_finalize(in->hint);
	sqlite3_finalize(in->risk_port);
}

static int
json_file(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 5 && strcmp(d->d_name + n - 5, ".json") == 0;
}

int
pl_lore_import_dir(struct pl_store *st, const char *dir, long *entries, long *facts,
    struct pl_err *err)
{
	struct dirent **names = NULL;
	json_t *ids = json_object(), *docs = json_array();
	struct ins in = { 0 };
	long nent = 0, nfacts = 0;
	int n, rc = 0;

	if (ids == NULL || docs == NULL) {
		rc = pl_err_set(err, -PL_ENOMEM, "out of memory");
		goto out;
	}
	if ((n = scandir(dir, &names, json_file, alphasort)) < 0) {
		rc = pl_err_set(err, -PL_EIO, "%s: %s", dir, strerror(errno));
		goto out;
	}
	/* Check every file before writing anything. */
	for (int i = 0; i < n && rc == 0; i++) {
		char path[4096];
		size_t len = 0;
		char *text;
		json_t *doc;

		if (snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name) >= (int)sizeof(path)) {
			rc = pl_err_set(err, -PL_EIO, "%s: path too long", dir);
			break;
		}
		if ((text = read_file(path, &len, err)) == NULL) {
			rc = err && err->code ? err->code : -PL_EIO;
			break;
		}
		doc = load_text(path, text, len, ids, err);
		free(text);
		if (doc == NULL) {
			rc = err && err->code ? err->code : -PL_EDATA;
			break;
		}
		json_object_set_new(doc, "$file", json_string(names[i]->d_name));
		json_array_append_new(docs, doc);
	}
	if (rc != 0 || st == NULL)
		goto count;

	if ((rc = pl__exec(st, "SAVEPOINT lore; DELETE FROM lore_hint; DELETE FROM lore_cve;"
	    "DELETE FROM lore_source; DELETE FROM lore_port; DELETE FROM lore_entry;", err)) != 0)
		goto out;
	if ((rc = prepare_ins(st, &in, err)) == 0) {
		size_t i, j;
		json_t *doc, *e;

		json_array_foreach(docs, i, doc) {
			json_array_foreach(json_object_get(doc, "entries"), j, e) {
				rc = insert_entry(st, &in, str_or_empty(doc, "$file"), doc, e, &nfacts, err);
				if (rc != 0)
					break;
			}
			if (rc != 0)
				break;
		}
	}
	finalize_ins(&in);
	if (rc == 0)
		rc = pl__exec(st, "RELEASE lore", err);
	else
		sqlite3_exec(st->db, "ROLLBACK TO lore; RELEASE lore", NULL, NULL, NULL);
count:
	if (rc == 0) {
		size_t i;
		json_t *doc;

		nfacts = 0;
		json_array_foreach(docs, i, doc) {
			size_t j;
			json_t *e;

			json_array_foreach(json_object_get(doc, "entries"), j, e) {
				nent++;
				nfacts += (long)json_array_size(json_object_get(e, "ports"));
			}
		}
		if (entries)
			*entries = nent;
		if (facts)
			*facts = nfacts;
	}
out:
	for (int i = 0; names != NULL && i < n; i++)
		free(names[i]);
	free(names);
	json_decref(ids);
	json_decref(docs);
	return rc;
}
