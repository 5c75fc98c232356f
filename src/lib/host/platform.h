/*
 * platform.h: what the host layer asks of the operating system. Not installed.
 *
 * Everything src/lib/host learns from the kernel, and where it finds container
 * engines' records, comes through these calls. One backend file defines them all:
 * platform-linux.c today, which answers from netlink and /proc through sockets.c,
 * sockwalk.c, procinfo.c and procnet.c, and from /run/netns and /var/lib. A backend for another system
 * (macOS through libproc, FreeBSD through sysctl) would be one more file beside it,
 * chosen in src/lib/meson.build; docs/layout.md says what each would read.
 *
 * root is "" for the live system, or a folder that stands in for it (PORTLORE_PROC_ROOT,
 * the tests' fixtures); a backend that has no such seam treats any other root as
 * "nothing readable".
 */
#ifndef PORTLORE_HOST_PLATFORM_H
#define PORTLORE_HOST_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "portlore/error.h"
#include "portlore/portspec.h"
#include "portlore/ranges.h"
#include "portlore/sockets.h"

/* One local socket as pick sees it (pl_plat_port_walk). */
struct pl__sock {
	enum pl_proto proto;
	char addr[48];          /* local address, printable */
	uint16_t port;          /* local port */
	const char *state;      /* "LISTEN", "ESTABLISHED", "UNCONN", ... */
	const char *file;       /* where it was read from */
};

/* Called for each socket; a negative return (-PL_E*) stops the walk and is returned. */
typedef int (*pl__sock_fn)(const struct pl__sock *s, void *arg);

/*
 * Which sockets exist: appends this network namespace's sockets that q asks for to l
 * (cap: l's capacity, see pl__sock_add), and sets l->source and l->own_netns.
 * Returns 0 or -PL_E* with err set.
 */
int pl_plat_sockets(const struct pl_sock_query *q, struct pl_socklist *l, const char *root,
    size_t *cap, struct pl_err *err);

/*
 * Which process holds each socket: fills the owners of l's sockets and l->procs (and,
 * when q->other_netns, adds the sockets of other network namespaces). Returns 0 or
 * -PL_E* with err set.
 */
int pl_plat_owners(const struct pl_sock_query *q, struct pl_socklist *l, const char *root,
    size_t *cap, struct pl_err *err);

/* What a process is (see pl_proc_read()): 0, -PL_ENOTFOUND when it is gone, -PL_ENOMEM. */
int pl_plat_proc_read(struct pl_proc *p, const char *root, pid_t pid);

/* This system's port ranges (see pl_os_ranges_read()). */
int pl_plat_ranges(struct pl_os_ranges *os, const char *root, struct pl_err *err);

/*
 * The local sockets of proto (tcp or udp), both families, one call of fn each: the
 * cheap view pick needs. *nfiles (may be NULL) receives how many sources could be
 * read (0: sockets unknown). Returns 0, fn's negative value or -PL_E* with err set.
 */
int pl_plat_port_walk(const char *root, enum pl_proto proto, pl__sock_fn fn, void *arg,
    int *nfiles, struct pl_err *err);

/*
 * Whether an IPv6 wildcard listener also takes IPv4 by default (Linux's
 * net.ipv6.bindv6only): 1 (it does not), 0 (it does), -1 when unknown.
 */
int pl_plat_bindv6only(const char *root);

/*
 * Process pid's PID namespace, for the kill policy: *nspid is its PID inside its own
 * namespace (0 when unknown), *same 1 when that namespace is the caller's, 0 when it
 * is another, -1 when unknown. Returns 0, or -PL_ENOTFOUND when the process is gone.
 */
int pl_plat_pidns(const char *root, pid_t pid, pid_t *nspid, int *same);

/*
 * Network namespaces by name (Linux: ip-netns(8)'s). pl_plat_netns_name() writes the
 * name of the namespace with inode ino into buf and returns 0, or -PL_ENOTFOUND when
 * it has none. pl_plat_netns_enter() moves the calling thread into the namespace spec
 * names (a name, or a path with a slash): 0, or -PL_ENOTFOUND, -PL_EPERM, -PL_EUSAGE
 * (not a namespace), -PL_ESYS with err set.
 */
int pl_plat_netns_name(uint64_t ino, char *buf, size_t len);
int pl_plat_netns_enter(const char *spec, struct pl_err *err);

/*
 * Where container engines keep their records on this system, under root: the path of
 * Docker's record of container id (config.v2.json), and the folder of the Podman
 * storage of uid's containers (root's for uid 0, else the user's own under the home
 * folder). 0, or -PL_ENOTFOUND when the system has no such place (or the path does
 * not fit len).
 */
int pl_plat_docker_record(const char *root, const char *id, char *path, size_t len);
int pl_plat_podman_storage(const char *root, uid_t uid, char *dir, size_t len);

/* For backends: an unsigned decimal number at *p, at most max, ending at a separator
 * (*p is left on it); -1 when malformed (ranges.c). */
long pl__port_num(const char **p, long max);

#endif
