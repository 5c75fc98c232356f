/* The audit as text and JSON: summary counts first, then each listener, most severe
 * first, with every finding and its remedy. Each returns 0 or the buffer's error. */
#ifndef PORTLORE_RENDER_AUDIT_H
#define PORTLORE_RENDER_AUDIT_H

#include "portlore/audit.h"
#include "portlore/buf.h"
#include "portlore/render.h"

/* notes: what could not be seen (the socket list's notes), may be "". */
int pl_render_audit_text(struct pl_buf *out, const struct pl_audit *a, const char *notes,
    const struct pl_text_opts *o);
int pl_render_audit_json(struct pl_buf *out, const struct pl_audit *a, const char *notes);

#endif
