/* kill.c: the kill policy and the namespaces it depends on (see portlore/kill.h); the
 * namespaces are read through host/platform.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "portlore/kill.h"
#include "portlore/netns.h"
#include "host/platform.h"

int
pl_kill_facts(const struct pl_proc *p, const char *root, struct pl_kill_facts *f)
{
	const char *ns = p->netns;
	int same, rc;

	memset(f, 0, sizeof(*f));
	if ((rc = pl_plat_pidns(root, p->pid, &f->nspid, &same)) != 0)
		return rc;
	/* Unknown counts as an init: never signalled. */
	f->ns_init = f->nspid == 1 || f->nspid == 0 || p->pid == 1;
	f->other_pidns = same != 1;
	if (ns != NULL && strncmp(ns, "net:[", 5) == 0)
		pl_netns_name(strtoull(ns + 5, NULL, 10), f->netns, sizeof(f->netns));
	else
		snprintf(f->netns, sizeof(f->netns), "%s", ns ? ns : "?");
	return 0;
}

enum pl_kill_verdict
pl_kill_judge(const struct pl_proc *p, const struct pl_kill_facts *f, bool netns_named)
{
	if (f->ns_init)
		return PL_KILL_NS_INIT;
	if (p->pid == getpid())
		return PL_KILL_SELF;
	if (p->proxy_target != NULL || strcmp(p->comm, "docker-proxy") == 0)
		return PL_KILL_PROXY;
	if (p->container_kind != NULL)
		return PL_KILL_CONTAINER;
	if (f->other_pidns)
		return netns_named ? PL_KILL_SIGNAL : PL_KILL_OTHER_PIDNS;
	return PL_KILL_SIGNAL;
}

const char *
pl_kill_reason(enum pl_kill_verdict v)
{
	switch (v) {
	case PL_KILL_SIGNAL:
		return "may be signalled";
	case PL_KILL_OTHER_PIDNS:
		return "in another PID namespace (name its network namespace with --netns to act on it)";
	case PL_KILL_NS_INIT:
		return "PID 1 of its PID namespace is never signalled (it would take everything "
		    "in the namespace down; for a socket-activated service, stop its .socket unit)";
	case PL_KILL_SELF:
		return "portlore itself";
	case PL_KILL_CONTAINER:
		return "it runs in a container";
	case PL_KILL_PROXY:
		return "docker-proxy publishes a container's port";
	}
	return "?";
}

void
pl_kill_stop_command(char *buf, size_t len, const struct pl_proc *p, uint16_t port)
{
	const char *k = p->container_kind ? p->container_kind : "docker";

	if (p->proxy_target != NULL || strcmp(p->comm, "docker-proxy") == 0)
		snprintf(buf, len, "docker stop $(docker ps -q --filter publish=%u)", (unsigned)port);
	else if (strcmp(k, "kubernetes") == 0)
		snprintf(buf, len, "kubectl get pods -A -o wide | grep %s   # then kubectl delete pod",
		    p->pod ? p->pod : "?");
	else if (strcmp(k, "podman") == 0)
		snprintf(buf, len, "podman stop %.12s", p->container_id ? p->container_id : "?");
	else if (strcmp(k, "containerd") == 0 || strcmp(k, "crio") == 0)
		snprintf(buf, len, "crictl stop %.12s", p->container_id ? p->container_id : "?");
	else
		snprintf(buf, len, "docker stop %.12s", p->container_id ? p->container_id : "?");
}
