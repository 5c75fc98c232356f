/*
 * feedback.c (render): readers' votes per page (`portlore feedback`), as text and
 * JSON, from src/lib/feedback's totals.
 */
#include "portlore/feedback.h"
#include "portlore/json.h"
#include "portlore/render.h"

int
pl_feedback_text(struct pl_buf *b, const struct pl_feedback_total *t, long n)
{
	pl_buf_printf(b, "%-20s %7s %7s %7s\n", "page", "yes", "partly", "no");
	for (long i = 0; i < n; i++)
		pl_buf_printf(b, "%-20s %7ld %7ld %7ld\n", t[i].page, t[i].n[0], t[i].n[1], t[i].n[2]);
	return pl_buf_error(b);
}

void
pl_feedback_json(struct pl_json *j, const struct pl_feedback_total *t, long n)
{
	pl_json_arr(j);
	for (long i = 0; i < n; i++) {
		pl_json_obj(j);
		pl_json_kstr(j, "page", t[i].page);
		pl_json_kint(j, "yes", t[i].n[0]);
		pl_json_kint(j, "partly", t[i].n[1]);
		pl_json_kint(j, "no", t[i].n[2]);
		pl_json_end(j);
	}
	pl_json_end(j);
}
