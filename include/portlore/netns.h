/*
 * Network namespaces by name: what `ip netns` calls them, and entering one.
 *
 * Ownership: nothing is allocated; names are written into caller-owned buffers.
 */
#ifndef PORTLORE_NETNS_H
#define PORTLORE_NETNS_H

#include <stddef.h>
#include <stdint.h>

#include "portlore/error.h"

/*
 * Names the network namespace of inode ino: its `ip netns` name (a file under
 * /run/netns bound to it) when there is one, else "net:[INODE]". Writes into buf.
 */
void pl_netns_name(uint64_t ino, char *buf, size_t len);

/*
 * Moves the calling thread into the network namespace spec names: an `ip netns` name
 * (/run/netns/NAME) or a path (/proc/PID/ns/net, a bind mount). Needs CAP_SYS_ADMIN.
 * Returns 0, -PL_ENOTFOUND (no such namespace), -PL_EUSAGE (not a network namespace),
 * -PL_EPERM; err names spec.
 */
int pl_netns_enter(const char *spec, struct pl_err *err);

#endif
