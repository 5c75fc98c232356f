/*
 * Renderers: text for terminals, JSON for programs and the HTTP API. They only read a
 * report; they never query. Output goes into a pl_buf the caller owns.
 */
#ifndef PORTLORE_RENDER_H
#define PORTLORE_RENDER_H

#include <stdbool.h>

#include "portlore/buf.h"
#include "portlore/report.h"

struct pl_text_opts {
	int width;          /* wrap at this many columns (>= 40) */
	bool color;         /* ANSI colours */
};

int pl_render_text(struct pl_buf *out, const struct pl_report *r, const struct pl_text_opts *o);
/*
 * One port on one screen (brief.c): the n reports of one port number (its protocols,
 * in order) as one block: headline, registry rows merged across protocols, range,
 * listeners with their identification, the top uses one line each, and the command
 * that shows the rest. Every line fits o->width.
 */
int pl_render_brief(struct pl_buf *out, const struct pl_report *const *r, size_t n,
    const struct pl_text_opts *o);
int pl_render_hits_text(struct pl_buf *out, const struct pl_hit *hits, int n,
    const char *query, const struct pl_text_opts *o);

/*
 * JSON: pl_report_json() returns a new jansson object (caller owns, json_decref) or
 * NULL when out of memory. The type is kept opaque here so that callers without
 * jansson can still use the text renderer.
 */
struct json_t;
struct json_t *pl_report_json(const struct pl_report *r);
struct json_t *pl_hits_json(const struct pl_hit *hits, int n, const char *query);

/* Wraps text at width columns, indenting continuation lines by indent spaces. */
int pl_wrap(struct pl_buf *out, const char *text, int indent, int first_col, int width);

#endif
