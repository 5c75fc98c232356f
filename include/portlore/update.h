/*
 * Keeping the registry current: download IANA's CSV (libcurl) and import it as a new
 * snapshot into a copy of the store, which replaces the store only when everything
 * succeeded. Whatever fails, the store that was there goes on answering.
 *
 * Ownership: nothing is handed out; results are copied into caller-owned structs.
 */
#ifndef PORTLORE_UPDATE_H
#define PORTLORE_UPDATE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "portlore/error.h"
#include "portlore/store.h"

#define PL_IANA_URL \
	"https://www.iana.org/assignments/service-names-port-numbers/service-names-port-numbers.csv"
#define PL_FETCH_MAX_BYTES (16L * 1024 * 1024)   /* IANA's file is about 1.2 MB */

struct pl_fetch_opts {
	long connect_timeout;      /* seconds to resolve and connect; 0 means 10 */
	long timeout;              /* seconds for the whole transfer; 0 means 120 */
	long max_bytes;            /* 0 means PL_FETCH_MAX_BYTES */
	volatile sig_atomic_t *stop;   /* when set (by a signal handler), give up; may be NULL */
};

/*
 * Downloads url (http, https or file; redirects only to http and https) into the file
 * dest, which is created or truncated. libcurl is loaded when first needed, so that
 * lookups do not pay for loading it. Returns 0, -PL_EUSAGE for another scheme,
 * -PL_EIO (err says why: offline, timeout, HTTP status, truncated transfer),
 * -PL_ETOOBIG past max_bytes, -PL_EINTR when stopped, -PL_ESYS when libcurl is missing.
 */
int pl_fetch(const char *url, const char *dest, const struct pl_fetch_opts *o,
    struct pl_err *err);

struct pl_update_result {
	struct pl_import_stats stats;  /* of the imported file */
	char previous[32];             /* current snapshot before ("" when none) */
	long previous_rows;
	bool seeded;                   /* the target was created from the seed store */
	bool unchanged;                /* the store already had this snapshot: left alone */
	int stale_files;               /* files of killed updates removed beside the store */
	long long stale_bytes;         /* their size */
	long stale_pid;                /* the PID they were named after (the last one seen) */
	bool stale_pid_alive;          /* that PID now belongs to another process */
};

struct pl_update_opts {
	const char *seed;              /* store to start from when target is missing; may be NULL */
	const char *source;            /* what the snapshot records as its origin (a URL) */
	long wait;                     /* seconds to wait for another update; 0: refuse at once */
	volatile sig_atomic_t *stop;   /* when set (by a signal handler), give up; may be NULL */
};

/*
 * Imports csv into target as a new snapshot, atomically: target (or, when target does
 * not exist, o->seed, or else an empty store) is copied beside target, the copy is
 * imported into, checked and renamed over target with target's owner and mode. The
 * file must be at least as new as the current snapshot and, when newer, hold at least
 * 90% of its rows (a cut-off download can still parse).
 *
 * Updates of one store take turns: each holds flock(2) on "target.lock" (removed
 * afterwards) and waits up to o->wait seconds for another. With the lock held, copies
 * and journals that killed updates left beside target ("target.update.PID*") are
 * removed (counted in res).
 *
 * Returns 0, -PL_EDATA (file:line, or the check that failed), -PL_ESTORE (unreadable,
 * or not writable by the caller: a 0444 store is never replaced), -PL_EBUSY when
 * another update held the lock past o->wait, -PL_EIO (with the errno of the call that
 * failed: ENOSPC for a full disk), -PL_EINTR when *o->stop was set before the rename.
 */
int pl_update_store(const char *target, const char *csv, const struct pl_update_opts *o,
    struct pl_update_result *res, struct pl_err *err);

/* The user's store: $XDG_DATA_HOME/portlore/portlore.db or ~/.local/share/...; NULL
 * when neither variable gives an absolute path or buf is too small. */
const char *pl_user_store_path(char *buf, size_t len);

#endif
