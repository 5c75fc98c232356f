/*
 * `portlore export` written out (export.h builds the model): services(5), CSV and
 * JSON, each into a caller's pl_buf. They only read the model. Each returns 0 or the
 * buffer's first error (-PL_ENOMEM, -PL_ETOOBIG).
 */
#ifndef PORTLORE_RENDER_EXPORT_H
#define PORTLORE_RENDER_EXPORT_H

#include "portlore/buf.h"
#include "portlore/export.h"

/* A services(5) file: a comment naming the snapshot, then a line per name, port and
 * protocol (a range has a line per port; a line the registry repeats is written once). */
int pl_export_services(struct pl_buf *out, const struct pl_export *x);
/* RFC 4180 CSV with IANA's twelve columns in its order, CRLF line ends. */
int pl_export_csv(struct pl_buf *out, const struct pl_export *x);
/* One CSV field as RFC 4180 wants it (quoted only when it holds a comma, quote or line
 * break), then "," or, for the last of a line, CRLF: every CSV portlore writes. */
void pl_csv_field(struct pl_buf *out, const char *s, bool last);
/* {schema, version, snapshot, registry: [...], lore: [...]} and a newline
 * (docs/export.schema.json). */
int pl_export_json(struct pl_buf *out, const struct pl_export *x);

#endif
