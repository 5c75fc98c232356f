/* ls-prometheus.c: `portlore ls --format prometheus`, listeners as metrics for
 * node_exporter's textfile collector (docs/prometheus.md). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "portlore/audit.h"
#include "portlore/render-prometheus.h"

int
cli_ls_format(const char *format, bool *json)
{
	if (format == NULL || strcmp(format, "text") == 0 || strcmp(format, "prometheus") == 0)
		return -1;
	if (strcmp(format, "json") == 0) {
		*json = true;
		return -1;
	}
	fprintf(stderr, "portlore: ls: --format '%.40s': use text, json or prometheus\n", format);
	return EXIT_USAGE;
}

int
cli_ls_prometheus(struct pl_store *st, struct pl_socklist *l)
{
	struct pl_audit a = { 0 };
	struct pl_buf b = PL_BUF_INIT;
	struct pl_err err = { 0 };
	int rc;

	/* The severity label needs lore: without a store there is nothing honest to say. */
	if (st == NULL) {
		fprintf(stderr, "portlore: ls: --format prometheus needs the store\n");
		return EXIT_STORE;
	}
	if ((rc = pl_audit_build(st, l, &a, &err)) != 0)
		return cli_fail(&err, rc);
	rc = pl_render_listeners_prometheus(&b, &a, l, pl_store_current_snapshot(st));
	pl_audit_free(&a);
	rc = rc != 0 ? cli_fail(NULL, rc) : cli_flush(&b);
	pl_buf_free(&b);
	return rc;
}
