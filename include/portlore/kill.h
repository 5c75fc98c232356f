/*
 * The kill policy: which holders of a port `portlore kill` may signal, and the
 * namespaces that decision depends on.
 *
 * kill acts in one network namespace: the caller's, or one the user names (an
 * `ip netns` name or a path such as /proc/PID/ns/net). Whatever the namespace, it never
 * signals PID 1 of any PID namespace (the machine's init, a container's or a sandbox's
 * init: killing it takes everything inside down), portlore itself, or a container's
 * process (its runtime would restart it); a process in another PID namespace only
 * when the namespace was named and the user confirmed.
 *
 * Ownership: nothing is allocated; results go into caller-owned structs and buffers.
 */
#ifndef PORTLORE_KILL_H
#define PORTLORE_KILL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "portlore/error.h"
#include "portlore/sockets.h"

enum pl_kill_verdict {
	PL_KILL_SIGNAL,        /* may be signalled, once confirmed */
	PL_KILL_OTHER_PIDNS,   /* in another PID namespace: needs --netns and confirmation */
	PL_KILL_NS_INIT,       /* PID 1 of its PID namespace: never */
	PL_KILL_SELF,          /* portlore itself: never */
	PL_KILL_CONTAINER,     /* in a container: stop the container instead */
	PL_KILL_PROXY          /* docker-proxy: stop the container that publishes the port */
};

/* What the policy knows about one process, beyond struct pl_proc. */
struct pl_kill_facts {
	pid_t nspid;           /* its PID in its own PID namespace (NSpid); 0 if unknown */
	bool ns_init;          /* nspid is 1: the init of its PID namespace */
	bool other_pidns;      /* its PID namespace is not the caller's */
	char netns[96];        /* its network namespace: an `ip netns` name, or net:[INODE] */
};

/*
 * Reads the facts of p from the system under root (NULL or "" for the live one, or a
 * fixture root holding proc/; host/platform.h). A process whose
 * NSpid cannot be read counts as an init (the safe side). Returns 0 or -PL_ENOTFOUND
 * when the process is gone.
 */
int pl_kill_facts(const struct pl_proc *p, const char *root, struct pl_kill_facts *f);

/* The verdict for p; netns_named: the user named the network namespace (--netns). */
enum pl_kill_verdict pl_kill_judge(const struct pl_proc *p, const struct pl_kill_facts *f,
    bool netns_named);

/* Why a verdict other than PL_KILL_SIGNAL skips a process, in a few words. */
const char *pl_kill_reason(enum pl_kill_verdict v);

/* The command that stops p's container properly (its runtime would restart a killed
 * process, or the port stays published); port is the port being freed. */
void pl_kill_stop_command(char *buf, size_t len, const struct pl_proc *p, uint16_t port);

#endif
