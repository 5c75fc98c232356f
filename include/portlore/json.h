/*
 * The JSON writer: documents are streamed into a pl_buf as they are walked, with no
 * tree of objects in between. The layout is jansson's JSON_INDENT(2) (what portlore
 * has always printed): a member per line, "key": value, [] and {} when empty.
 *
 *     struct pl_json j;
 *     pl_json_init(&j, buf, 2);
 *     pl_json_envelope(&j, "report", 1);      opens {"schema": ..., "version": 1
 *     pl_json_kint(&j, "port", 22);
 *     pl_json_end(&j);                        closes the document's object
 *     rc = pl_json_done(&j);                  0, or the buffer's first error
 *
 * Errors stick in the buffer (buf.h): nesting past PL_JSON_MAXDEPTH, or a close with
 * nothing open, poisons it with -PL_EDATA. Strings are written as they are (UTF-8 is
 * checked where text enters portlore), with jansson's escapes.
 */
#ifndef PORTLORE_JSON_H
#define PORTLORE_JSON_H

#include <stdbool.h>

#include "portlore/buf.h"

#define PL_JSON_MAXDEPTH 24
/* Every document is stamped "schema": PL_SCHEMA_BASE doc "/" version (docs/json.md). */
#define PL_SCHEMA_BASE "https://portlore.dev/schema/"

enum pl_json_style {
	PL_JSON_PRETTY,     /* a member per line, indented */
	PL_JSON_LINE,       /* on one line: {"a": 1, "b": [1, 2]} */
	PL_JSON_COMPACT,    /* on one line, no spaces: ["a","b"] */
};

struct pl_json {
	struct pl_buf *b;
	int indent;                 /* spaces per level (PRETTY) */
	int margin;                 /* spaces before every line but the first */
	int precision;              /* significant digits of reals; 0 means 17 */
	int depth;                  /* open containers */
	bool after_key;             /* a key was written; its value comes next */
	enum pl_json_style next;    /* the style of the next container opened */
	struct {
		unsigned char style;    /* enum pl_json_style */
		bool array;
		bool any;               /* something was written in it */
	} lv[PL_JSON_MAXDEPTH + 1];
};

/* Writes into b (the caller's), indent spaces per level; margin 0. */
void pl_json_init(struct pl_json *j, struct pl_buf *b, int indent);
/* The style of the next container opened; its own containers inherit it. */
void pl_json_style(struct pl_json *j, enum pl_json_style s);

void pl_json_obj(struct pl_json *j);
void pl_json_arr(struct pl_json *j);
void pl_json_end(struct pl_json *j);            /* closes the innermost container */
void pl_json_key(struct pl_json *j, const char *key);

void pl_json_str(struct pl_json *j, const char *s);     /* NULL: null */
void pl_json_int(struct pl_json *j, long long v);
void pl_json_real(struct pl_json *j, double v);         /* not finite: null */
void pl_json_bool(struct pl_json *j, bool v);
void pl_json_null(struct pl_json *j);

/* Text from outside (a file the user gave): s, or null when it is not UTF-8. */
void pl_json_text(struct pl_json *j, const char *s);

/* A member: key and value. */
void pl_json_kstr(struct pl_json *j, const char *key, const char *s);
void pl_json_kint(struct pl_json *j, const char *key, long long v);
void pl_json_kreal(struct pl_json *j, const char *key, double v);
void pl_json_kbool(struct pl_json *j, const char *key, bool v);
void pl_json_knull(struct pl_json *j, const char *key);
void pl_json_kobj(struct pl_json *j, const char *key);
void pl_json_karr(struct pl_json *j, const char *key);

/* Opens a document's object with its "schema" (PL_SCHEMA_BASE doc/version) and
 * "version" members: every document portlore prints starts so. */
void pl_json_envelope(struct pl_json *j, const char *doc, int version);

/* 0 when every container was closed and nothing failed; else the buffer's error, or
 * -PL_EDATA for a container left open. */
int pl_json_done(const struct pl_json *j);

#endif
