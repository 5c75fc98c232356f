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

/* The line a report adds when its registry snapshot ("YYYY-MM-DD") is over a year old:
 * how old, and the command that refreshes it. Writes "" otherwise; returns buf. */
const char *pl_snapshot_stale_note(char *buf, size_t len, const char *snapshot);
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
 * JSON, through the one writer (json.h); errors stick in the writer's buffer.
 *
 * The port document ({schema, version, query, snapshot, reports: [...]}) is written by
 * pl_report_doc_begin(), one pl_report_json() per report, and pl_report_doc_end(),
 * which returns 0 or the buffer's error. The caller may flush the buffer between
 * reports. The command line's --json and the HTTP API both print it so.
 */
struct pl_json;
struct pl_history;
void pl_report_doc_begin(struct pl_json *j, struct pl_buf *b, char *const *query, int nquery,
    const char *snapshot);
/* One report object; with its "history" when the report was built with it. */
void pl_report_json(struct pl_json *j, const struct pl_report *r);
int pl_report_doc_end(struct pl_json *j);
/* The search document {schema, version, query, hits}. */
void pl_hits_json(struct pl_json *j, const struct pl_hit *hits, int n, const char *query);

/*
 * The other documents, each as <document>_text (into a buffer: 0 or its error) and
 * <document>_json (through the writer, where it stands).
 */
struct pl_pick_opts;
struct pl_pick_result;
struct pl_lore_stats;
struct pl_feedback_total;
/* `portlore pick` (check: `pick --check`, whose lines say whether the port is good). */
/* One line per candidate (how many criteria pass; which fail or are unknown). */
int pl_pick_lines(struct pl_buf *out, const struct pl_pick_result *res, int n,
    const struct pl_text_opts *to);
int pl_pick_text(struct pl_buf *out, const struct pl_pick_result *res, int n, bool check,
    const struct pl_text_opts *o);
void pl_pick_json(struct pl_json *j, const struct pl_pick_opts *p, bool check,
    const struct pl_pick_result *res, int n);
/* `portlore lore stats`. */
int pl_lorestats_text(struct pl_buf *out, const struct pl_lore_stats *s, int width);
void pl_lorestats_json(struct pl_json *j, const struct pl_lore_stats *s);
/* `portlore feedback`: votes per page. */
int pl_feedback_text(struct pl_buf *out, const struct pl_feedback_total *t, long n);
void pl_feedback_json(struct pl_json *j, const struct pl_feedback_total *t, long n);

/* Wraps text at width columns, indenting continuation lines by indent spaces. */
int pl_wrap(struct pl_buf *out, const char *text, int indent, int first_col, int width);
/* Appends s cut to at most width display columns (code points), "..." marking a cut;
 * nothing of a cut s when width is below 3. */
int pl_cut(struct pl_buf *out, const char *s, int width);

#endif
