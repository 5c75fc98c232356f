/*
 * Exporting the store: the model of `portlore export`. pl_export_build() reads what a
 * format needs from the store (registry rows of the current snapshot, the services(5)
 * lines' rows with aliases folded, lore entries); the renderers in render-export.h
 * write it as a services(5) file (what iana-etc ships as /etc/services), as CSV with
 * all twelve columns, or as one JSON document. The model owns every string in it;
 * pl_export_free() releases them.
 */
#ifndef PORTLORE_EXPORT_H
#define PORTLORE_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portlore/error.h"
#include "portlore/history.h"
#include "portlore/report.h"
#include "portlore/store.h"

enum pl_export_format { PL_EXPORT_SERVICES, PL_EXPORT_CSV, PL_EXPORT_JSON };

#define PL_EXPORT_SCHEMA "https://portlore.dev/schema/export/1"

/*
 * A services(5) row: a named row with a port and a protocol, cleaned for the format
 * (blanks and '#' in the name become '-', the description keeps its first line and
 * control characters become spaces). aliases: the names the registry calls aliases of
 * this one, blank-separated ("" when none); those rows are not in the list themselves.
 */
struct pl_export_service {
	char *name, *desc;
	uint16_t lo, hi;
	char proto[8];
	char aliases[160];
};

/* A lore entry's port, its words as the store has them ("" where the file says none). */
struct pl_export_lore_port {
	uint16_t lo, hi;
	char *proto, *role, *use, *prevalence, *evidence;
};

/* The hint patterns of one kind ("process", "banner", ...), in the file's order. */
struct pl_export_hints {
	char *kind;
	char **patterns; size_t n;
};

/* A lore entry with everything the store holds of it. */
struct pl_export_lore {
	char *id, *family, *family_name, *name, *vendor, *kind, *summary;
	char *risk, *risk_why, *notes, *confidence, *confidence_why;
	int year_from, year_to;        /* 0 when absent (the format allows 1960 to 2100) */
	struct pl_export_lore_port *ports; size_t nports;
	struct pl_source *sources; size_t nsources;    /* publisher is NULL */
	char **cves; size_t ncves;
	struct pl_export_hints *hints; size_t nhints;  /* the kinds in first-seen order */
};

struct pl_export {
	enum pl_export_format format;
	char snapshot[32];             /* the current snapshot's label, "" when none */
	/* PL_EXPORT_SERVICES */
	struct pl_export_service *services; size_t nservices;
	long left;                     /* named rows without a port or a protocol */
	/* PL_EXPORT_CSV: the eleventh column's name, as the snapshot's file spelled it
	 * ("Unauthorized Use Reported" when the store does not know it) */
	char *col11;
	/* PL_EXPORT_CSV and PL_EXPORT_JSON: the snapshot's rows in the file's order
	 * (history.h's registry row; strings "" where the file has none) */
	struct pl_record *rows; size_t nrows;
	/* PL_EXPORT_JSON, by family and id */
	struct pl_export_lore *lore; size_t nlore;
};

/*
 * Fills x (zeroed first) with what format f needs. Returns 0; -PL_ENOTFOUND when the
 * store has no registry snapshot (services and csv); -PL_ESTORE; -PL_ENOMEM. On
 * failure x holds what was read so far: pl_export_free() it all the same.
 */
int pl_export_build(struct pl_store *st, enum pl_export_format f, struct pl_export *x,
    struct pl_err *err);
void pl_export_free(struct pl_export *x);

#endif
