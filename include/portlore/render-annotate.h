/*
 * `portlore annotate` written out (annotate.h builds the notes): the input printed
 * back with a line of registry and lore under each line that names a port, or one
 * JSON document of items and the reports of their ports. Output goes into a caller's
 * pl_buf; errors stick in it.
 */
#ifndef PORTLORE_RENDER_ANNOTATE_H
#define PORTLORE_RENDER_ANNOTATE_H

#include "portlore/annotate.h"
#include "portlore/buf.h"

struct pl_json;

/* Text: an input line (s[0..n), a trailing '\r' dropped) as it was, and the line
 * under it for each of its items: "    # portlore: 22/tcp ssh (...) [iana ...]; lore:
 * ..." (an XML comment for nmap -oX, with no "--" in it). Return the buffer's error. */
int pl_annotate_input_text(struct pl_buf *out, const char *s, size_t n);
int pl_annotate_text(struct pl_buf *out, enum pl_ann_format fmt,
    const struct pl_ann_annotated *a);

/*
 * JSON ({schema, version, input, format, snapshot, items, reports};
 * docs/annotate.schema.json): pl_annotate_json_begin() opens the document and its
 * items, pl_annotate_json() writes one item, pl_annotate_json_reports() closes the
 * items and opens the reports (one pl_report_json() each), pl_annotate_json_end()
 * closes the document and returns 0 or the buffer's error.
 */
void pl_annotate_json_begin(struct pl_json *j, struct pl_buf *b, const char *input,
    enum pl_ann_format fmt, const char *snapshot);
void pl_annotate_json(struct pl_json *j, enum pl_ann_format fmt,
    const struct pl_ann_annotated *a);
void pl_annotate_json_reports(struct pl_json *j);
int pl_annotate_json_end(struct pl_json *j);

#endif
