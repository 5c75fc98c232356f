/* libFuzzer: the server's gettext catalog reader and its Accept-Language parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ids[] = { "", "Yes", "Port %u", "On %s, IANA lists port %u as %s: %s.",
		"zzzz" };
	struct catalog c;
	unsigned char *copy = malloc(size + 1);
	char *text = malloc(size + 1);

	if (copy == NULL || text == NULL) {
		free(copy);
		free(text);
		return 0;
	}
	memcpy(copy, data, size);
	if (srv_catalog_parse(&c, copy, size) == 0)
		for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
			(void)srv_tr(&c, ids[i]);
	srv_catalog_free(&c);
	memcpy(text, data, size);
	text[size] = '\0';
	(void)srv_lang_pick(text, text);
	(void)srv_lang_pick(NULL, text);
	free(text);
	return 0;
}
