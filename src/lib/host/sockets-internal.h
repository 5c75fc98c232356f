/* sockets-internal.h: what sockets.c, sockwalk.c and procinfo.c share. Not installed. */
#ifndef PORTLORE_SOCKETS_INTERNAL_H
#define PORTLORE_SOCKETS_INTERNAL_H

#include "portlore/sockets.h"

/* Appends a zeroed socket (cap: the array's capacity); NULL when out of memory. */
struct pl_socket *pl__sock_add(struct pl_socklist *l, size_t *cap);
/* Sets the derived fields (scope) of a socket whose addresses are filled. */
void pl__sock_finish(struct pl_socket *s);
/* Whether the query wants a socket of this protocol, state and local port. */
bool pl__sock_wanted(const struct pl_sock_query *q, enum pl_proto proto, int state,
    uint16_t lport);
/* Appends a sentence to the list's notes (bounded; extra text is dropped). */
void pl__note(struct pl_socklist *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reads a whole file; NULL with errno set. The caller frees. */
char *pl__read_file(const char *path, size_t *len);
/* Reads dir/net/{tcp,udp}[6] into l, marking the sockets with netns. */
int pl__procnet_read(struct pl_socklist *l, const char *dir, enum pl_proto proto, int family,
    const struct pl_sock_query *q, uint64_t netns, struct pl_err *err);
/* This namespace's sockets: netlink first, procdir/net for what it can't give. */
int pl__collect_own(const struct pl_sock_query *q, struct pl_socklist *l, const char *procdir,
    size_t *cap, struct pl_err *err);
struct mnl_socket;
/* Runs the dumps q asks for over nl, marking sockets with netns; 0 or -errno. */
int pl__nl_collect(struct mnl_socket *nl, const struct pl_sock_query *q, struct pl_socklist *l,
    size_t *cap, uint64_t netns);
/* A sock_diag socket inside the namespace of nsfd (needs CAP_SYS_ADMIN), or NULL. */
struct mnl_socket *pl__nl_open_in(int nsfd, int ownfd);
/* The walk over procdir/[pid]: other namespaces, then descriptors to owners (sockwalk.c). */
/* The kernel threads (kthreadd's children) listed in procfd, sorted; 0 when unknown. */
long pl__kernel_threads(int procfd, pid_t **out);
int pl__walk(const struct pl_sock_query *q, struct pl_socklist *l, const char *procdir,
    size_t *cap, struct pl_err *err);
/* Fills p for pid from procdir ("/proc" or "<root>/proc"); see pl_proc_read(). */
int pl__proc_read_dir(struct pl_proc *p, const char *procdir, pid_t pid);
/* Names the container each docker-proxy of l forwards to (by the container address
 * in a container process's fib_trie), walking pids. */
void pl__resolve_proxies(struct pl_socklist *l, const char *procdir, const pid_t *pids,
    size_t npids);

#endif
