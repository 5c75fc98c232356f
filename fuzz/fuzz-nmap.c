/* libFuzzer target: the nmap-services reader (registry/nmap.c), into an in-memory
 * store. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "portlore/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pl_store *st;
	static char path[64];
	struct pl_err err = { 0 };
	long rows = 0;
	FILE *f;

	if (st == NULL) {
		snprintf(path, sizeof(path), "/tmp/portlore-fuzz-nmap-%ld", (long)getpid());
		if (pl_store_open(&st, ":memory:", PL_STORE_CREATE, &err) != 0)
			abort();
	}
	if ((f = fopen(path, "w")) == NULL)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	/* A refused file says why; an accepted one counts no more rows than lines. */
	if (pl_store_import_nmap(st, path, &rows, &err) != 0 && err.msg[0] == '\0')
		abort();
	if (rows < 0 || (size_t)rows > size)
		abort();
	return 0;
}
