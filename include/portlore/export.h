/*
 * Exporting the store: a complete services(5) file built from the current registry
 * snapshot (what iana-etc ships as /etc/services), the snapshot's records as CSV with
 * all twelve columns, and registry plus lore as one JSON document.
 */
#ifndef PORTLORE_EXPORT_H
#define PORTLORE_EXPORT_H

#include "portlore/buf.h"
#include "portlore/error.h"
#include "portlore/store.h"

enum pl_export_format { PL_EXPORT_SERVICES, PL_EXPORT_CSV, PL_EXPORT_JSON };

#define PL_EXPORT_SCHEMA "https://portlore.dev/schema/export/1"

/*
 * Appends the export to out (the caller owns it). Returns 0; -PL_ENOTFOUND when the
 * store has no registry snapshot (services and csv); -PL_ESTORE; -PL_ENOMEM or
 * -PL_ETOOBIG when out can't hold it.
 */
int pl_export(struct pl_store *st, enum pl_export_format f, struct pl_buf *out,
    struct pl_err *err);

#endif
