/* annotate-internal.h: what the annotate parsers share. Not installed. */
#ifndef PORTLORE_ANNOTATE_INTERNAL_H
#define PORTLORE_ANNOTATE_INTERNAL_H

#include "portlore/annotate.h"

struct pl__ann_ctx {
	const char *name;          /* the input's name, for messages */
	struct pl_ann_doc *doc;
	size_t cap;                /* allocated items */
	struct pl_err *err;
};

/* Appends a zeroed item (pid -1) for input line; NULL when out of memory (err set). */
struct pl_ann_item *pl__ann_add(struct pl__ann_ctx *c, long line);

/* Copies s[0..n) into dst[cap] as printable UTF-8, truncating on a character
 * boundary; control bytes and bytes of malformed UTF-8 become '?'. */
void pl__ann_copy(char *dst, size_t cap, const char *s, size_t n);

/* Records "name:line: reason" in c->err and returns code. */
int pl__ann_fail(struct pl__ann_ctx *c, int code, long line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* nmap -oX, read with expat's streaming API (annotate-nmapxml.c): a parser, fed the
 * document in pieces (final on the last), which appends an item to c->doc at each
 * </port>. feed returns 0 or the first error (-PL_EDATA "name:line: XML: ...",
 * -PL_ENOMEM); new returns NULL when out of memory (c->err set). */
struct pl__ann_xml;
struct pl__ann_xml *pl__ann_xml_new(struct pl__ann_ctx *c);
int pl__ann_xml_feed(struct pl__ann_xml *x, const char *s, size_t n, bool final);
void pl__ann_xml_free(struct pl__ann_xml *x);

#endif
