/* fuzz-file.h: for targets whose parser reads a file: writes the input to this
 * process's own temporary file and returns its path (NULL when it can't). */
#ifndef PORTLORE_FUZZ_FILE_H
#define PORTLORE_FUZZ_FILE_H

#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

static inline const char *
fuzz_file(const char *tag, const uint8_t *data, size_t size)
{
	static char path[96];
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/portlore-fuzz-%s-%ld", tag, (long)getpid());
	if ((f = fopen(path, "w")) == NULL)
		return NULL;
	fwrite(data, 1, size, f);
	return fclose(f) == 0 ? path : NULL;
}

#endif
