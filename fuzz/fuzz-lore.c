/* libFuzzer target: one lore file's text through the validator (jansson + checks +
 * the line finder). The file is named after the family it declares, so that inputs
 * get past the file-name check to the entries. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portlore/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pl_err err = { 0 };
	char name[96] = "data/lore/demo.json";
	json_t *doc = json_loadb((const char *)data, size, 0, NULL);
	const char *family = json_string_value(json_object_get(doc, "family"));

	if (family != NULL && strlen(family) < 64 && strspn(family,
	    "abcdefghijklmnopqrstuvwxyz0123456789-") == strlen(family))
		snprintf(name, sizeof(name), "data/lore/%s.json", family);
	json_decref(doc);
	if (pl_lore_check_text(name, (const char *)data, size, &err) != 0 &&
	    err.msg[0] == '\0')
		abort();
	return 0;
}
