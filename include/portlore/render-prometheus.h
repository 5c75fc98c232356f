/*
 * This host's listeners as Prometheus metrics, in the text exposition format (0.0.4),
 * for node_exporter's textfile collector or a scrape of a loopback `portlore serve`.
 * docs/prometheus.md describes the metrics and their labels.
 */
#ifndef PORTLORE_RENDER_PROMETHEUS_H
#define PORTLORE_RENDER_PROMETHEUS_H

#include "portlore/audit.h"
#include "portlore/buf.h"
#include "portlore/sockets.h"

#define PL_PROMETHEUS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/*
 * Appends the metrics of the audited listeners a (built from l) to out: one
 * portlore_listener series per distinct label set, its value the number of sockets
 * that share it, and the collector's own gauges. snapshot (may be NULL) is the store's
 * registry snapshot. Label values hold printable ASCII only: other bytes become '?'.
 * Returns 0, -PL_ENOMEM or -PL_ETOOBIG.
 */
int pl_render_listeners_prometheus(struct pl_buf *out, const struct pl_audit *a,
    const struct pl_socklist *l, const char *snapshot);

#endif
