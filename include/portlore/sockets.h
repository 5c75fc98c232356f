/*
 * Sockets on this machine: who holds a port, and why a bind fails.
 *
 * The collector asks the kernel (netlink sock_diag, /proc/net files as the fallback), maps
 * socket inodes to processes in one pass over /proc/[pid]/fd, and describes each owner
 * (command line, user, start time, systemd unit, container, network namespace). It
 * fills plain structs; renderers (render-sockets.h) only read them.
 *
 * Ownership: pl_sockets_collect() fills a caller-owned struct pl_socklist; everything
 * it points to belongs to the list and is released by pl_socklist_free() (safe on a
 * zeroed list). Strings in struct pl_proc are owned by the list.
 */
#ifndef PORTLORE_SOCKETS_H
#define PORTLORE_SOCKETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "portlore/error.h"
#include "portlore/identify.h"
#include "portlore/portspec.h"
#include "portlore/ranges.h"

struct pl_store;

/* TCP states as the kernel numbers them (include/net/tcp_states.h). An unconnected UDP
 * socket is in state 7 (CLOSE): for UDP that is what "listening" means. */
enum pl_tcp_state {
	PL_TCP_ESTABLISHED = 1, PL_TCP_SYN_SENT, PL_TCP_SYN_RECV, PL_TCP_FIN_WAIT1,
	PL_TCP_FIN_WAIT2, PL_TCP_TIME_WAIT, PL_TCP_CLOSE, PL_TCP_CLOSE_WAIT, PL_TCP_LAST_ACK,
	PL_TCP_LISTEN, PL_TCP_CLOSING, PL_TCP_NEW_SYN_RECV
};

/* Returns "LISTEN", "ESTAB", "TIME-WAIT", ..., or "UNCONN" for an unconnected UDP socket. */
const char *pl_sock_state_name(enum pl_proto proto, int state);

/* Where a bound address can be reached from. */
enum pl_sock_scope {
	PL_SCOPE_LOOPBACK,     /* 127.0.0.0/8 or ::1 (or ::ffff:127.x): this machine only */
	PL_SCOPE_ALL,          /* 0.0.0.0 or :: : every interface */
	PL_SCOPE_ADDRESS       /* one address of one interface */
};
const char *pl_sock_scope_name(enum pl_sock_scope s);

/* A process that holds at least one socket of the list. */
struct pl_proc {
	pid_t pid, ppid;
	uid_t uid;
	char comm[16];             /* the kernel's process name (at most 15 bytes) */
	char *cmdline;             /* arguments joined by spaces; "" for kernel threads */
	char *user;                /* user name, or the uid in decimal */
	long long start;           /* start time, seconds since the epoch; 0 if unknown */
	char *unit;                /* systemd unit ("nginx.service"), NULL when none */
	char *container_kind;      /* "docker", "podman", "containerd", "crio", "kubernetes" */
	char *container_id;        /* container id (shortened to 12 characters for display) */
	char *container_image;     /* the image it runs ("redis:7"), from the runtime's
	                            * records (image.c), NULL when not found */
	char *container_name;      /* the container's name ("cache"), NULL when not found */
	char *pod;                 /* Kubernetes pod uid, NULL when none */
	char *netns;               /* "net:[4026531840]" */
	char *exe;                 /* the executable (/proc/PID/exe), NULL when unreadable */
	char *package;             /* the Debian package owning exe (pl_sockets_annotate) */
	/* docker-proxy: the container address it forwards to ("172.17.0.2:80"), else NULL */
	char *proxy_target;
	char *proxy_container;     /* the container owning proxy_target, when found */
	/* lore: the known use this process matches (lent from the hint table), or NULL */
	const char *lore_id, *lore_name;
};

struct pl_socket {
	enum pl_proto proto;       /* PL_PROTO_TCP or PL_PROTO_UDP */
	int family;                /* AF_INET or AF_INET6 */
	int state;                 /* enum pl_tcp_state */
	uint8_t laddr[16], raddr[16];
	uint16_t lport, rport;
	uid_t uid;                 /* the socket's owner as the kernel records it */
	uint64_t inode;            /* 0 for sockets no file refers to (TIME-WAIT) */
	int v6only;                /* 1, 0, or -1 when unknown (/proc/net has no such column) */
	enum pl_sock_scope scope;
	uint64_t netns_ino;        /* network namespace inode; 0: the collector's own */
	size_t *owners; size_t nowners;   /* indexes into the list's procs */
	const char *registry;      /* registry service name (lent from the list), or NULL */
	const char *lore_id, *lore_name;  /* the use identified (ident->id), or NULL */
	/* what holds a listener, weighed from its first owner's evidence (identify.h);
	 * NULL for other sockets and before pl_sockets_annotate(); owned by the list */
	struct pl_identified *ident;
};

struct pl_socklist {
	struct pl_socket *v; size_t n;
	struct pl_proc *procs; size_t nprocs;
	const char *source;        /* "netlink" or "/proc/net" */
	uint64_t own_netns;        /* inode of the collector's network namespace */
	size_t namespaces;         /* other network namespaces that were looked into */
	long pids_seen;            /* processes walked */
	long fds_seen;             /* descriptors read, a process left unfinished and
	                            * walked again counted twice */
	long pids_denied;          /* processes whose descriptors could not be read */
	long pids_refused;         /* ... listed, but refused one by one (ptrace access
	                            * rules, even to root: a sandbox's supervisor) */
	size_t unowned;            /* sockets (with an inode) whose owner was not found */
	bool hidepid;              /* /proc is mounted with hidepid */
	bool early_stop;           /* the walk stopped once every wanted socket had an owner */
	char notes[512];           /* what could not be seen, in sentences; "" when all */
	char **strings; size_t nstrings;   /* storage behind the lent registry names */
};

struct pl_sock_query {
	bool tcp, udp;             /* both false: both */
	int family;                /* 0, AF_INET or AF_INET6 */
	bool all;                  /* every state; otherwise listeners only */
	uint16_t lo, hi;           /* local port range; both 0: every port */
	const char *root;          /* file system root holding proc/; NULL or "" for "/" */
	bool no_netlink;           /* read /proc/net even when netlink works */
	bool owners;               /* map sockets to processes */
	bool stop_early;           /* one-port query: stop the walk once all are owned */
	bool other_netns;          /* also list sockets of other network namespaces */
	/* Optional, caller-owned and zeroed before the first use: the other network
	 * namespaces the first collect found (one process in each), reused by the next
	 * collects of the same command instead of reading every process's namespace
	 * again. Free with pl_netns_memo_free(). */
	struct pl_netns_memo *netns_memo;
};

struct pl_netns_memo {
	bool filled;
	size_t n;
	struct pl_netns_memo_ns { int pid; uint64_t ns; } *v;
	/* Kept between the command's collects on the live system: its sock_diag socket
	 * (a struct mnl_socket) and this process's network namespace (0: not read yet). */
	void *nl;
	uint64_t own_netns;
};
void pl_netns_memo_free(struct pl_netns_memo *m);

/*
 * Collects the sockets q asks for. Returns 0 (a list, possibly empty, with notes on
 * what could not be seen), or -PL_ESYS / -PL_EDATA when neither netlink nor /proc/net
 * could be read (err names the file), -PL_ENOMEM.
 */
int pl_sockets_collect(const struct pl_sock_query *q, struct pl_socklist *out,
    struct pl_err *err);
void pl_socklist_free(struct pl_socklist *l);

/* Formats an address with its port: "127.0.0.1:80", "[::1]:80", "*:80" for a wildcard. */
void pl_sock_addr(char *buf, size_t len, int family, const uint8_t addr[16], uint16_t port);

/* Whether a socket is a listener: TCP LISTEN or unconnected UDP. */
bool pl_sock_is_listener(const struct pl_socket *s);

/*
 * Process details (host/platform.h; on Linux procinfo.c). Fills p for pid from root's
 * proc/ (NULL or "" for "/").
 * Returns 0, or -PL_ENOTFOUND when the process is gone, -PL_ENOMEM.
 */
int pl_proc_read(struct pl_proc *p, const char *root, pid_t pid);
void pl_proc_free(struct pl_proc *p);

/* Parses a cgroup path into unit and container (exposed for tests). Strings are new. */
void pl_cgroup_parse(const char *path, char **unit, char **kind, char **id, char **pod);

/*
 * Container images (image.c): what Docker's and Podman's records on disk under root
 * (NULL or "" for "/"; PORTLORE_CONTAINER_ROOT) say each container process of l runs.
 * Sets container_image and container_name where found; a record that is missing,
 * unreadable, over 4 MiB or not JSON just gives none. Returns 0 or -PL_ENOMEM.
 */
int pl_container_images(struct pl_socklist *l, const char *root);

/* The lookups behind it, remembered per container id (exposed for tests). kind is
 * "docker" or "podman", id the full id; uid the process owner (for a user's own podman
 * storage). Returns 0 with *image (never NULL) and *name (may be NULL) lent from c,
 * -PL_ENOTFOUND, -PL_ETOOBIG (a record over 4 MiB), -PL_EDATA (not JSON, or no image
 * in it), -PL_ENOMEM. */
struct pl_imgcache;
struct pl_imgcache *pl_imgcache_new(const char *root);
int pl_imgcache_lookup(struct pl_imgcache *c, const char *kind, const char *id, uid_t uid,
    const char **image, const char **name);
void pl_imgcache_free(struct pl_imgcache *c);

/*
 * Parses one /proc/net/{tcp,tcp6,udp,udp6} file's text. Appends matching sockets to
 * l (q filters state and port). Returns 0, -PL_EDATA with err naming name and line.
 */
int pl_procnet_parse(struct pl_socklist *l, const char *name, const char *text,
    enum pl_proto proto, int family, const struct pl_sock_query *q, struct pl_err *err);

/*
 * Annotates sockets with registry names and identifies what holds each listener
 * (hints.c, identify.h): the registry's current service name for the port and protocol;
 * each owner's executable package from dpkg's lists in dpkg_info (NULL: the system's);
 * the lore use the evidence singles out. Sets the lent pointers of sockets and
 * processes. Returns 0, -PL_ESTORE or -PL_ENOMEM.
 */
int pl_sockets_identify(struct pl_store *st, struct pl_socklist *l, const char *dpkg_info,
    struct pl_err *err);
/* pl_sockets_identify() from the lookup index (index.h) instead of the store: the same
 * names and candidates, without opening SQLite. A damaged index gives -PL_EDATA. */
struct pl_index;
int pl_sockets_identify_index(struct pl_index *ix, struct pl_socklist *l,
    const char *dpkg_info, struct pl_err *err);
/* pl_sockets_identify() with the system's dpkg lists. */
int pl_sockets_annotate(struct pl_store *st, struct pl_socklist *l, struct pl_err *err);

/* Why a bind to a port fails when nothing listens there. */
struct pl_bind_why {
	uint16_t port;
	enum pl_proto proto;
	struct pl_os_ranges os;
	int bindv6only;              /* /proc/sys/net/ipv6/bindv6only, -1 when unknown */
	size_t timewait;             /* TIME-WAIT sockets on the port */
	size_t *outgoing; size_t noutgoing;   /* indexes of connections using it locally */
	size_t *listeners; size_t nlisteners; /* indexes of listeners */
	/* Lore about other systems ("macos-", "windows-" families): lent strings. */
	struct pl_elsewhere { const char *system, *name, *role, *summary; } *elsewhere;
	size_t nelsewhere;
	char **store_strings; size_t nstore_strings;
};

/*
 * Fills w from l (sockets of one port, every state), the host's settings under root
 * (or those of host, an answer built earlier by the same command: one read of them for
 * both protocols), and lore about other systems from st (may be NULL). Returns 0 or a
 * negative code.
 */
int pl_bind_why_build(struct pl_bind_why *w, const struct pl_socklist *l, uint16_t port,
    enum pl_proto proto, const char *root, const struct pl_bind_why *host,
    struct pl_store *st, struct pl_err *err);
/* The same, with the lore about other systems from the lookup index (index.h): the
 * same entries in the same order, without opening SQLite. -PL_EDATA for a damaged
 * index. */
int pl_bind_why_build_index(struct pl_bind_why *w, const struct pl_socklist *l,
    uint16_t port, enum pl_proto proto, const char *root, const struct pl_bind_why *host,
    struct pl_index *ix, struct pl_err *err);
void pl_bind_why_free(struct pl_bind_why *w);

#endif
