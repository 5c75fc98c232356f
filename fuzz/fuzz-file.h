/* fuzz-file.h: for targets whose parser reads a file: writes the input to this
 * process's own temporary file and returns its path (NULL when it can't). */
#ifndef PORTLORE_FUZZ_FILE_H
#define PORTLORE_FUZZ_FILE_H

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

/* Writes p[0..n) to dir/name, or removes that file when p is NULL (a missing file is
 * input too). Aborts when it can't write: the fuzzer would test nothing. */
static inline void
fuzz_put(const char *dir, const char *name, const uint8_t *p, size_t n)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (p == NULL) {
		unlink(path);
		return;
	}
	if ((f = fopen(path, "w")) == NULL)
		abort();
	fwrite(p, 1, n, f);
	fclose(f);
}

static char fuzz_tree[128];

static inline int
fuzz_rm_one(const char *path, const struct stat *sb, int type, struct FTW *f)
{
	(void)sb, (void)type, (void)f;
	remove(path);
	return 0;
}

static inline void
fuzz_rm_tree(void)
{
	nftw(fuzz_tree, fuzz_rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* Removes dir (a folder the target made for its files) when the fuzzer exits. */
static inline void
fuzz_rm_at_exit(const char *dir)
{
	snprintf(fuzz_tree, sizeof(fuzz_tree), "%s", dir);
	atexit(fuzz_rm_tree);
}

#endif
