/*
 * Renderers of sockets on this machine (sockets.h): text for terminals, JSON for
 * programs. They only read the collected structs. Output goes into a caller's pl_buf.
 * Every JSON socket and process carries "provenance": "observed".
 */
#ifndef PORTLORE_RENDER_SOCKETS_H
#define PORTLORE_RENDER_SOCKETS_H

#include <stdbool.h>

#include "portlore/buf.h"
#include "portlore/render.h"
#include "portlore/sockets.h"

#define PL_SOCKETS_SCHEMA "https://portlore.dev/schema/sockets/1"

/* One line per socket; with detailed, each owner's command line, start, unit, container
 * and namespace below it. Returns 0 or -PL_ETOOBIG/-PL_ENOMEM. */
int pl_render_sockets_text(struct pl_buf *out, const struct pl_socklist *l, bool detailed,
    const struct pl_text_opts *o);

struct pl_json;

/* The list as one JSON object:
 * {"source", "unavailable", ..., "sockets": [...], "processes": [...], "provenance"}.
 * pl_sockets_json() writes it where the writer stands (a member of a larger document);
 * pl_render_sockets_json() writes it alone, no trailing newline, its lines indented as
 * a member of a document's top object. */
void pl_sockets_json(struct pl_json *j, const struct pl_socklist *l);
int pl_render_sockets_json(struct pl_buf *out, const struct pl_socklist *l);

struct pl_identified;

/* "identified": {"id", "name", "confidence", "why", "candidates", "contradiction",
 * "provenance"}, or null when nothing is identified (docs/json-sockets.md). lore_id and
 * lore_name, when given, name the entry instead of id's own. */
void pl_identified_json(struct pl_json *j, const struct pl_identified *id, const char *lore_id,
    const char *lore_name, enum pl_prov prov);

/* Why a bind fails: text lines, and the JSON object {"port", "protocol", ...}. */
int pl_render_bind_why_text(struct pl_buf *out, const struct pl_bind_why *w,
    const struct pl_socklist *l, const struct pl_text_opts *o);
void pl_bind_why_json(struct pl_json *j, const struct pl_bind_why *w);
/* "list": the host's reserved ports as the kernel lists them, whole (the JSON of a
 * report and of a bind_why share it). */
void pl_json_kreserved(struct pl_json *j, const struct pl_os_ranges *os);
int pl_render_bind_why_json(struct pl_buf *out, const struct pl_bind_why *w,
    const struct pl_socklist *l);

#endif
