/* libFuzzer target: one lore file's text through the validator (jansson + checks +
 * the line finder). */
#include <stdint.h>
#include <stdlib.h>

#include "portlore/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pl_err err = { 0 };

	if (pl_lore_check_text("data/lore/demo.json", (const char *)data, size, &err) != 0 &&
	    err.msg[0] == '\0')
		abort();
	return 0;
}
