/*
 * portlist.c: a range of ports as a download, CSV or JSON (the /ports.csv and
 * /ports.json documents); pl_html_list() in html.c is the same list as a page.
 */
#include <stdio.h>

#include "portlore/html.h"
#include "portlore/json.h"
#include "portlore/render-export.h"
#include "portlore/report.h"

#define NCOLS 8

static const char *const head[NCOLS] = { "port", "protocol", "status", "service",
	"description", "assignee", "registered", "top_use" };

/* The first specific lore use of a report, or "". */
static const char *
top_use(const struct pl_report *r)
{
	for (size_t i = 0; i < r->nuses; i++)
		if (!r->uses[i].broad)
			return r->uses[i].name;
	return "";
}

/* The columns of report r in v (port[] holds the number's text); false when neither
 * the registry nor lore knows the port on this protocol (no row). */
static bool
row_of(const struct pl_report *r, char port[8], const char *v[NCOLS])
{
	const struct pl_record *rec = r->nrecords ? &r->records[0] : NULL;

	if (r->status == PL_REG_NONE && *top_use(r) == '\0')
		return false;
	snprintf(port, 8, "%u", (unsigned)r->port);
	v[0] = port;
	v[1] = pl_proto_name(r->proto);
	v[2] = pl_reg_status_name(r->status);
	v[3] = rec ? rec->service : "";
	v[4] = rec ? rec->description : "";
	v[5] = rec ? rec->assignee : "";
	v[6] = rec ? rec->registered : "";
	v[7] = top_use(r);
	return true;
}

int
pl_port_list_csv(struct pl_buf *out, const struct pl_report *const by_proto[PL_LIST_PROTOS],
    unsigned step)
{
	for (size_t k = 0; k < NCOLS; k++)
		pl_csv_field(out, head[k], k == NCOLS - 1);
	for (unsigned i = 0; i < step; i++)
		for (int p = 0; p < PL_LIST_PROTOS; p++) {
			char port[8];
			const char *v[NCOLS];

			if (row_of(&by_proto[p][i], port, v))
				for (size_t k = 0; k < NCOLS; k++)
					pl_csv_field(out, v[k], k == NCOLS - 1);
		}
	return pl_buf_error(out);
}

int
pl_port_list_json(struct pl_buf *out, const struct pl_report *const by_proto[PL_LIST_PROTOS],
    unsigned step)
{
	struct pl_json j;

	pl_json_init(&j, out, 2);
	pl_json_arr(&j);
	for (unsigned i = 0; i < step; i++)
		for (int p = 0; p < PL_LIST_PROTOS; p++) {
			const struct pl_report *r = &by_proto[p][i];
			char port[8];
			const char *v[NCOLS];

			if (!row_of(r, port, v))
				continue;
			pl_json_obj(&j);
			pl_json_kint(&j, head[0], r->port);
			for (size_t k = 1; k < NCOLS; k++)
				pl_json_kstr(&j, head[k], v[k]);
			pl_json_end(&j);
		}
	pl_json_end(&j);
	pl_buf_adds(out, "\n");
	return pl_buf_error(out);
}
