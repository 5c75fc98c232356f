/*
 * prometheus.c: listeners as metrics in Prometheus' text exposition format.
 *
 * One gauge, portlore_listener, carries what a fleet asks about in its labels (port,
 * protocol, address and its scope, network namespace, process, user, unit, container, identified service
 * with its confidence, and the audit's worst severity), so that one PromQL query
 * answers "which hosts expose 2375 on all interfaces":
 *   portlore_listener{port="2375", scope="all"}
 * Sockets with the same labels (SO_REUSEPORT groups, forked workers) are one series
 * whose value is their number: a scrape must not hold two samples of one series.
 * Process ids are left out on purpose: a label that changes at every restart would
 * make a new series each time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "portlore/render-prometheus.h"

/* Appends name="value" with the format's escapes (backslash, double quote, newline);
 * bytes outside printable ASCII become '?', so every value is valid UTF-8. */
static int
label(struct pl_buf *b, const char *name, const char *value, bool first)
{
	int rc = pl_buf_printf(b, "%s%s=\"", first ? "" : ",", name);

	for (const unsigned char *p = (const unsigned char *)(value ? value : "");
	    *p && rc == 0; p++) {
		if (*p == '\\' || *p == '"')
			rc = pl_buf_printf(b, "\\%c", *p);
		else if (*p == '\n')
			rc = pl_buf_adds(b, "\\n");
		else
			rc = pl_buf_addc(b, *p >= 0x20 && *p < 0x7f ? (char)*p : '?');
	}
	return rc ? rc : pl_buf_addc(b, '"');
}

/*
 * What a listener is, and how sure: the use identification named, with its confidence
 * (identify.h), else the registry's name for the port ("port-only"), else nothing
 * ("unknown"). Confidence words are one token each, for labels and queries.
 */
static void
identity(const struct pl_socket *s, const char **service, const char **confidence)
{
	static const char *const conf[] = { "unknown", "port-only", "ambiguous", "likely",
		"confirmed" };
	const struct pl_identified *id = s->ident;

	if (id != NULL && id->id != NULL) {
		*service = id->id;
		*confidence = (unsigned)id->confidence < 5 ? conf[id->confidence] : "unknown";
	} else {
		*service = s->registry ? s->registry : "";
		*confidence = id != NULL && id->confidence == PL_ID_AMBIGUOUS ? "ambiguous" :
		    s->registry ? "port-only" : "unknown";
	}
}

static const char *
sev_label(int sev)
{
	return sev < 0 ? "none" : pl_sev_name((enum pl_sev)sev);
}

/* The label set of one listener, "{...}", as a new string in *out. */
static int
series(const struct pl_audit_listener *al, char **out)
{
	const char *service, *confidence;
	const struct pl_socket *s = al->s;
	const struct pl_proc *p = al->p;
	struct pl_buf b = PL_BUF_INIT;
	char addr[80], port[8], *colon;
	int rc;

	/* The address without its port: "*:80" -> "*", "[::1]:80" -> "::1". */
	pl_sock_addr(addr, sizeof(addr), s->family, s->laddr, s->lport);
	if ((colon = strrchr(addr, ':')) != NULL)
		*colon = '\0';
	if (addr[0] == '[') {
		memmove(addr, addr + 1, strlen(addr));
		addr[strcspn(addr, "]")] = '\0';
	}
	snprintf(port, sizeof(port), "%u", (unsigned)s->lport);
	rc = pl_buf_addc(&b, '{');
	rc = rc ? rc : label(&b, "protocol", pl_proto_name(s->proto), true);
	rc = rc ? rc : label(&b, "port", port, false);
	rc = rc ? rc : label(&b, "family", s->family == AF_INET6 ? "ipv6" : "ipv4", false);
	rc = rc ? rc : label(&b, "address", addr, false);
	rc = rc ? rc : label(&b, "scope", pl_sock_scope_name(s->scope), false);
	/* A wildcard in a container's own network namespace is not this host's interfaces. */
	rc = rc ? rc : label(&b, "netns", al->own_netns ? "host" : "other", false);
	rc = rc ? rc : label(&b, "process", p ? p->comm : "", false);
	rc = rc ? rc : label(&b, "user", p ? p->user : "", false);
	rc = rc ? rc : label(&b, "unit", p ? p->unit : "", false);
	rc = rc ? rc : label(&b, "container", p ? p->container_id : "", false);
	identity(s, &service, &confidence);
	rc = rc ? rc : label(&b, "service", service, false);
	rc = rc ? rc : label(&b, "confidence", confidence, false);
	rc = rc ? rc : label(&b, "severity", sev_label(al->worst), false);
	rc = rc ? rc : pl_buf_addc(&b, '}');
	if (rc != 0) {
		pl_buf_free(&b);
		return rc;
	}
	*out = b.data;
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
pl_render_listeners_prometheus(struct pl_buf *out, const struct pl_audit *a,
    const struct pl_socklist *l, const char *snapshot)
{
	char **v = a->n ? calloc(a->n, sizeof(*v)) : NULL;
	size_t n = 0;
	int rc = 0;

	if (a->n > 0 && v == NULL)
		return -PL_ENOMEM;
	for (size_t i = 0; i < a->n && rc == 0; i++)
		if ((rc = series(&a->v[i], &v[i])) == 0)
			n++;
	if (rc == 0) {
		qsort(v, n, sizeof(*v), cmp_str);
		rc = pl_buf_adds(out, "# HELP portlore_listener Listening sockets of this host by "
		    "what they are and how far they are reachable (value: sockets with these "
		    "labels).\n# TYPE portlore_listener gauge\n");
	}
	for (size_t i = 0; i < n && rc == 0; ) {
		size_t k = i + 1;

		while (k < n && strcmp(v[k], v[i]) == 0)
			k++;
		rc = pl_buf_printf(out, "portlore_listener%s %zu\n", v[i], k - i);
		i = k;
	}
	if (rc == 0)
		rc = pl_buf_printf(out, "# HELP portlore_listener_sockets_unowned Listening sockets "
		    "whose process could not be seen (run as root to see every process).\n"
		    "# TYPE portlore_listener_sockets_unowned gauge\n"
		    "portlore_listener_sockets_unowned %zu\n"
		    "# HELP portlore_audit_worst_severity Worst audit finding over every listener: "
		    "0 none, 1 info, 2 low, 3 medium, 4 high, 5 critical.\n"
		    "# TYPE portlore_audit_worst_severity gauge\n"
		    "portlore_audit_worst_severity %d\n", l->unowned, a->worst + 1);
	if (rc == 0 && snapshot != NULL) {
		rc = pl_buf_adds(out, "# HELP portlore_registry_info The IANA registry snapshot "
		    "the store holds.\n# TYPE portlore_registry_info gauge\nportlore_registry_info");
		rc = rc ? rc : pl_buf_addc(out, '{');
		rc = rc ? rc : label(out, "snapshot", snapshot, true);
		rc = rc ? rc : pl_buf_adds(out, "} 1\n");
	}
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return rc;
}
