/* libFuzzer target: the nmap-services reader (registry/nmap.c), into an in-memory
 * store. */
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
	long rows = 0;

	if (st == NULL && pl_store_open(&st, ":memory:", PL_STORE_CREATE, &err) != 0)
		abort();
	if ((path = fuzz_file("nmap", data, size)) == NULL)
		return 0;
	/* A refused file says why; an accepted one counts no more rows than lines. */
	if (pl_store_import_nmap(st, path, &rows, &err) != 0 && err.msg[0] == '\0')
		abort();
	if (rows < 0 || (size_t)rows > size)
		abort();
	return 0;
}
