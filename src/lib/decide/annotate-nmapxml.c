/*
 * annotate-nmapxml.c: ports from nmap's XML output (-oX), read with expat.
 *
 * nmap writes <nmaprun><host><address addr=".." addrtype="ipv4"/>...<ports><port
 * protocol="tcp" portid="22"><state state="open" .../><service name="ssh" .../></port>
 * (nmap.dtd in nmap-common). Each <port> becomes an item on the line where it starts,
 * added once its element ends. The document is fed in pieces (expat's streaming API),
 * so memory is bounded by the longest piece, not by the document.
 */
#include <expat.h>
#include <stdlib.h>
#include <string.h>

#include "decide/annotate-internal.h"

struct pl__ann_xml {
	struct pl__ann_ctx *c;
	XML_Parser p;
	int rc;
	bool root_seen;
	bool in_port;
	char addr[72];
	struct pl_ann_item cur;    /* the <port> being read */
};

static const char *
attr(const XML_Char **atts, const char *name)
{
	for (size_t i = 0; atts[i] != NULL && atts[i + 1] != NULL; i += 2)
		if (strcmp(atts[i], name) == 0)
			return atts[i + 1];
	return NULL;
}

static void
stop(struct pl__ann_xml *x, int rc)
{
	x->rc = rc;
	XML_StopParser(x->p, XML_FALSE);
}

static void
start_port(struct pl__ann_xml *x, const XML_Char **atts)
{
	const char *proto = attr(atts, "protocol"), *id = attr(atts, "portid");
	long line = (long)XML_GetCurrentLineNumber(x->p);
	struct pl_ann_item *it = &x->cur;
	char *end;
	long v;

	v = id ? strtol(id, &end, 10) : -1;
	if (id == NULL || *id == '\0' || *end != '\0' || v < 0 || v > 65535 || proto == NULL) {
		stop(x, pl__ann_fail(x->c, -PL_EDATA, line, "<port> needs protocol and a portid "
		    "of 0-65535"));
		return;
	}
	memset(it, 0, sizeof(*it));
	it->line = line;
	it->pid = -1;
	it->port = (uint16_t)v;
	it->proto = pl_proto_parse(proto, strlen(proto));
	memcpy(it->addr, x->addr, sizeof(it->addr));
	x->in_port = true;
}

static void XMLCALL
on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct pl__ann_xml *x = ud;
	const char *v;

	if (!x->root_seen) {
		x->root_seen = true;
		if (strcmp(name, "nmaprun") != 0)
			stop(x, pl__ann_fail(x->c, -PL_EDATA, (long)XML_GetCurrentLineNumber(x->p),
			    "root element is <%.40s>, not nmap's <nmaprun>", name));
		return;
	}
	if (strcmp(name, "host") == 0) {
		x->addr[0] = '\0';
	} else if (strcmp(name, "address") == 0 && x->addr[0] == '\0' &&
	    (v = attr(atts, "addrtype")) != NULL && strncmp(v, "ipv", 3) == 0 &&
	    (v = attr(atts, "addr")) != NULL) {
		pl__ann_copy(x->addr, sizeof(x->addr), v, strlen(v));
	} else if (strcmp(name, "port") == 0) {
		start_port(x, atts);
	} else if (x->in_port) {
		struct pl_ann_item *it = &x->cur;

		if (strcmp(name, "state") == 0 && (v = attr(atts, "state")) != NULL)
			pl__ann_copy(it->state, sizeof(it->state), v, strlen(v));
		else if (strcmp(name, "service") == 0 && (v = attr(atts, "name")) != NULL)
			pl__ann_copy(it->service, sizeof(it->service), v, strlen(v));
	}
}

static void XMLCALL
on_end(void *ud, const XML_Char *name)
{
	struct pl__ann_xml *x = ud;

	struct pl_ann_item *it;

	if (strcmp(name, "port") != 0 || !x->in_port)
		return;
	x->in_port = false;
	if ((it = pl__ann_add(x->c, x->cur.line)) == NULL) {
		stop(x, -PL_ENOMEM);
		return;
	}
	*it = x->cur;
}

/* nmap declares no entities; a document that does is refused, so that no entity
 * expansion ("billion laughs") can blow up memory or time. */
static void XMLCALL
on_entity(void *ud, const XML_Char *name, int is_param, const XML_Char *value, int len,
    const XML_Char *base, const XML_Char *system_id, const XML_Char *public_id,
    const XML_Char *notation)
{
	struct pl__ann_xml *x = ud;

	stop(x, pl__ann_fail(x->c, -PL_EDATA, (long)XML_GetCurrentLineNumber(x->p),
	    "entity declarations are not accepted in nmap XML"));
}

struct pl__ann_xml *
pl__ann_xml_new(struct pl__ann_ctx *c)
{
	struct pl__ann_xml *x = calloc(1, sizeof(*x));

	if (x == NULL || (x->p = XML_ParserCreate(NULL)) == NULL) {
		free(x);
		pl_err_set(c->err, -PL_ENOMEM, "out of memory");
		return NULL;
	}
	x->c = c;
	XML_SetUserData(x->p, x);
	XML_SetElementHandler(x->p, on_start, on_end);
	XML_SetEntityDeclHandler(x->p, on_entity);
	return x;
}

int
pl__ann_xml_feed(struct pl__ann_xml *x, const char *s, size_t n, bool final)
{
	if (x->rc != 0)
		return x->rc;
	if (XML_Parse(x->p, s, (int)n, final) == XML_STATUS_ERROR && x->rc == 0)
		x->rc = pl__ann_fail(x->c, -PL_EDATA, (long)XML_GetCurrentLineNumber(x->p),
		    "XML: %s", XML_ErrorString(XML_GetErrorCode(x->p)));
	if (final && x->rc == 0 && !x->root_seen)
		x->rc = pl__ann_fail(x->c, -PL_EDATA, 0, "no XML element found");
	return x->rc;
}

void
pl__ann_xml_free(struct pl__ann_xml *x)
{
	if (x == NULL)
		return;
	XML_ParserFree(x->p);
	free(x);
}
