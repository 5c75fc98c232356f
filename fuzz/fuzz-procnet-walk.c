/* libFuzzer target: pick's /proc/net reader (host/procnet.c), through a root folder
 * whose proc/net/tcp is the input (PORTLORE_PROC_ROOT's seam). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/procnet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
count(const struct pl__sock *s, void *arg)
{
	if (s->state == NULL || s->file == NULL)
		abort();
	++*(long *)arg;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char root[64], file[96];
	struct pl_err err = { 0 };
	long n = 0;
	int files = 0;
	FILE *f;

	if (root[0] == '\0') {
		char dir[96];

		snprintf(root, sizeof(root), "/tmp/portlore-fuzz-proc-%ld", (long)getpid());
		snprintf(dir, sizeof(dir), "%s/proc", root);
		mkdir(root, 0700);
		mkdir(dir, 0700);
		snprintf(dir, sizeof(dir), "%s/proc/net", root);
		mkdir(dir, 0700);
		snprintf(file, sizeof(file), "%s/proc/net/tcp", root);
	}
	if ((f = fopen(file, "w")) == NULL)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	if (pl__procnet_walk(root, PL_PROTO_TCP, count, &n, &files, &err) != 0 &&
	    err.msg[0] == '\0')
		abort();
	if ((size_t)n > size)
		abort();
	return 0;
}
