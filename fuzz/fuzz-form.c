/* libFuzzer target: the server's form decoder (server/form.c). The value always fits
 * the buffer and is NUL-terminated, whatever the body. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "page", "vote", "lang", "" };
	char *body, out[16];

	if ((body = malloc(size + 1)) == NULL)
		return 0;
	memcpy(body, data, size);
	body[size] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		memset(out, 'x', sizeof(out));
		if (srv_form_value(body, names[i], out, sizeof(out)) &&
		    memchr(out, '\0', sizeof(out)) == NULL)
			abort();
	}
	free(body);
	return 0;
}
