/*
 * The HTTP server of `portlore serve`: the port reference pages, the JSON API and
 * reader feedback, on libmicrohttpd.
 *
 * Ownership: pl_server_start() returns a running server; pl_server_stop() stops it and
 * frees everything (NULL is fine). Strings in the options are copied.
 */
#ifndef PORTLORE_SERVER_H
#define PORTLORE_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "portlore/error.h"

#define PL_SERVE_DEFAULT_LISTEN "127.0.0.1:8080"

struct pl_server_opts {
	const char *db_path;        /* the store (required) */
	const char *feedback_path;  /* the feedback file, created when missing (required) */
	const char *locale_dir;     /* holds LANG/LC_MESSAGES/portlore.mo; NULL: installed */
	const char *listen;         /* "ADDR:PORT", "[ADDR]:PORT" or "PORT"; NULL: default */
	const char *proc_root;      /* where the host's settings are read; NULL: "/" */
	unsigned threads;           /* worker threads; 0: one per CPU */
	const char *const *host_names;   /* more names the site answers to (Host header) */
	size_t nhost_names;
	bool show_processes;        /* show other users' command lines on loopback pages */
	bool reuse_port;            /* SO_REUSEPORT: several servers share the address */
	unsigned max_connections;   /* 0: from the file-descriptor limit */
	unsigned timeout;           /* seconds for a request head and for idleness; 0: 10 */
	unsigned cache_mib;         /* page cache size in MiB; 0: 64 */
	/* A header a reverse proxy in front sets to the client's address ("X-Forwarded-For",
	 * "X-Real-IP"); the votes' rate limit then counts that address. NULL: the
	 * connection's own address (the default: a header is trusted only when told). */
	const char *trust_proxy;
	/* A listening socket to serve instead of binding listen (socket activation: fd 3
	 * from systemd); 0: none. */
	int listen_fd;
};

struct pl_server;

/* Where the installed catalogs are (prefix/share/locale). */
extern const char pl_server_default_locale_dir[];

/*
 * Parses the listen address, opens the store and the feedback file, loads the
 * catalogs and starts serving. Returns 0, -PL_EUSAGE (bad address or host name, err
 * names it), -PL_ESTORE, or -PL_ESYS (cannot listen: err says why, e.g. the address is
 * in use by another server).
 */
int pl_server_start(struct pl_server **out, const struct pl_server_opts *o, struct pl_err *err);

/* Lent: the URL served ("http://127.0.0.1:8080/"), with the port actually bound. */
const char *pl_server_url(const struct pl_server *s);

/* Whether the server listens on a loopback address only. */
bool pl_server_loopback(const struct pl_server *s);

/* Lent: languages whose catalogs were not found (comma-separated, "" when none). */
const char *pl_server_missing_langs(const struct pl_server *s);

void pl_server_stop(struct pl_server *s);

#endif
