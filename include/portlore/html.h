/*
 * HTML renderer: the pages of `portlore serve`, built from reports and search hits.
 * Like the other renderers it only reads what it is given; every piece of text from
 * data is escaped. Interface text goes through the page's translation function; text
 * that comes from data stays as it is.
 *
 * Output goes into a pl_buf the caller owns. Functions return 0 or -PL_ENOMEM /
 * -PL_ETOOBIG (the buffer's limit).
 */
#ifndef PORTLORE_HTML_H
#define PORTLORE_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portlore/buf.h"
#include "portlore/report.h"

struct pl_html_lang {
	const char *code;          /* "en", "fa", ... */
	const char *name;          /* the language's own name: "Deutsch" */
	bool rtl;                  /* written right to left */
};

struct pl_html_ctx {
	const struct pl_html_lang *lang;
	const struct pl_html_lang *langs;   /* all languages, for the switcher */
	size_t nlangs;
	/* Translates an interface string (msgid); returns msgid when there is none. */
	const char *(*tr)(const void *catalog, const char *msgid);
	const void *catalog;
	const char *snapshot;      /* the registry snapshot label, or NULL */
	const char *path;          /* this page's path ("/port/3333"), for links */
	const char *asset_tag;     /* appended to asset URLs so caches see new versions */
	bool host;                 /* this host's facts are shown (loopback only) */
};

struct pl_history;

/* What a port page shows beside its reports; every member may be NULL. */
struct pl_html_port_extra {
	const struct pl_history *history;   /* the registry's story of the port */
	const char *here_time;              /* when the reports' sockets were read */
	const char *voted;                  /* the reader's vote just saved ("yes", ...) */
};

/*
 * The page of one port: reports of each protocol the port has (n >= 1). The "On this
 * server" panel lists the reports' sockets, and appears only when h->host is set and
 * the reports read them.
 */
int pl_html_port(struct pl_buf *out, const struct pl_html_ctx *h, uint16_t port,
    const struct pl_report *r, size_t n, const struct pl_html_port_extra *x);

/* The front page: search, the ranges explained, frequently seen ports (tcp reports). */
int pl_html_home(struct pl_buf *out, const struct pl_html_ctx *h, const struct pl_report *freq,
    size_t n, bool from_nmap);

/* A list of ports from..to: by_proto[p][i] is the report of port from + i on tcp, udp,
 * sctp and dccp (p = 0..3), for step ports. */
#define PL_LIST_PROTOS 4
int pl_html_list(struct pl_buf *out, const struct pl_html_ctx *h, unsigned from, unsigned to,
    const struct pl_report *const by_proto[PL_LIST_PROTOS], unsigned step);
/* The same list as CSV (a header line, then a row per port and protocol the registry
 * or lore knows) or as a JSON array of those rows (src/render/portlist.c). */
int pl_port_list_csv(struct pl_buf *out, const struct pl_report *const by_proto[PL_LIST_PROTOS],
    unsigned step);
int pl_port_list_json(struct pl_buf *out, const struct pl_report *const by_proto[PL_LIST_PROTOS],
    unsigned step);

/* Search results. */
int pl_html_search(struct pl_buf *out, const struct pl_html_ctx *h, const char *q,
    const struct pl_hit *hits, int n);

/* An error page: status is the HTTP status, message is interface text (translated). */
int pl_html_error(struct pl_buf *out, const struct pl_html_ctx *h, int status,
    const char *message);

#endif
