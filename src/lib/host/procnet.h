/* procnet.h: sockets of this host from /proc/net/{tcp,tcp6,udp,udp6}. Not installed.
 *
 * A walk for the commands that only need to know whether a local port is in use (pick),
 * over the socket collector's parser (sockets.c, pl_procnet_parse); the Linux answer to
 * pl_plat_port_walk() (platform.h). */
#ifndef PORTLORE_PROCNET_H
#define PORTLORE_PROCNET_H

#include "host/platform.h"

/*
 * Walks ROOT/proc/net/<proto> and <proto>6 (proto tcp or udp; root NULL or "" for /).
 * Files that don't exist are skipped; *nfiles (may be NULL) receives how many were
 * read. Returns 0, fn's negative value, or -PL_EDATA with "path:line: reason",
 * -PL_EIO with the path when a file exists but can't be read.
 */
int pl__procnet_walk(const char *root, enum pl_proto proto, pl__sock_fn fn, void *arg,
    int *nfiles, struct pl_err *err);

#endif
