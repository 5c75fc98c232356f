/*
 * metrics-host.c: this host's listeners in /metrics, beside the server's own counters,
 * when the server listens on loopback only (the pages leave host facts out otherwise,
 * and so does this). The same renderer as `portlore ls --format prometheus`.
 */
#include "server-internal.h"
#include "portlore/audit.h"
#include "portlore/render-prometheus.h"

int
srv_metrics_host(struct pl_server *s, struct pl_buf *b)
{
	struct pl_sock_query q = { .owners = true, .other_netns = true, .root = s->proc_root };
	struct pl_socklist l = { 0 };
	struct pl_audit a = { 0 };
	struct pl_err err = { 0 };
	struct pl_buf t = PL_BUF_INIT;   /* all of it or nothing: no half series */
	int rc;

	if (!s->loopback)
		return 0;
	if ((rc = pl_sockets_collect(&q, &l, &err)) != 0)
		return rc;
	srv_data_check(s);
	pthread_mutex_lock(&s->store_mu);
	if ((rc = pl_sockets_identify(s->st, &l, NULL, &err)) == 0 &&
	    (rc = pl_audit_build(s->st, &l, &a, &err)) == 0)
		rc = pl_render_listeners_prometheus(&t, &a, &l, s->snapshot[0] ? s->snapshot : NULL);
	pthread_mutex_unlock(&s->store_mu);
	if (rc == 0 && t.len > 0)
		rc = pl_buf_add(b, t.data, t.len);
	pl_buf_free(&t);
	pl_audit_free(&a);
	pl_socklist_free(&l);
	return rc;
}
