/* libFuzzer target: the annotate format detector and parsers. The first byte picks a
 * format (or detection), the rest is the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "portlore/annotate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_field(const char *s, size_t cap)
{
	if (strnlen(s, cap) >= cap)
		abort();        /* every text field is terminated inside its array */
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			abort();    /* and holds no control bytes */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pl_ann_doc doc;
	struct pl_err err = { 0 };
	enum pl_ann_format fmt;
	const char *text;

	if (size == 0)
		return 0;
	fmt = (enum pl_ann_format)(data[0] % PL_ANN_FORMAT_COUNT);
	text = (const char *)data + 1;
	(void)pl_ann_detect(text, size - 1);
	if (pl_ann_parse("fuzz", text, size - 1, fmt, &doc, &err) != 0) {
		if (err.msg[0] == '\0' || doc.items != NULL)
			abort();    /* every refusal says why and leaves nothing behind */
		return 0;
	}
	for (size_t i = 0; i < doc.nitems; i++) {
		const struct pl_ann_item *it = &doc.items[i];

		if (it->line < 1 || (it->name[0] != '\0' && it->port != 0))
			abort();
		check_field(it->name, sizeof(it->name));
		check_field(it->addr, sizeof(it->addr));
		check_field(it->state, sizeof(it->state));
		check_field(it->process, sizeof(it->process));
		check_field(it->service, sizeof(it->service));
	}
	pl_ann_doc_free(&doc);
	return 0;
}
