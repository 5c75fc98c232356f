/* libFuzzer target: port specifications. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "portlore/portspec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pl_portspec spec = { 0 };
	struct pl_err err = { 0 };
	char *s = malloc(size + 1);

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (pl_portspec_parse(&spec, s, &err) == 0) {
		/* Whatever parses must be a valid item. */
		for (size_t i = 0; i < spec.n; i++)
			if (spec.items[i].name[0] == '\0' && spec.items[i].lo > spec.items[i].hi)
				abort();
	} else if (err.msg[0] == '\0') {
		abort();        /* every refusal says why */
	}
	pl_portspec_free(&spec);
	free(s);
	return 0;
}
