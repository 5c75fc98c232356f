/* libFuzzer target: the registry CSV importer, into an in-memory store. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz-file.h"
#include "portlore/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pl_store *st;
	const char *path;
	struct pl_err err = { 0 };

	if (st == NULL && pl_store_open(&st, ":memory:", PL_STORE_CREATE, &err) != 0)
		abort();
	if ((path = fuzz_file("iana", data, size)) == NULL)
		return 0;
	if (pl_store_import_iana(st, path, NULL, &err) != 0 && err.msg[0] == '\0')
		abort();
	return 0;
}
