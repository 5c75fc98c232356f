/* fixture.h: temporary folders and files for unit tests. */
#ifndef PORTLORE_TEST_FIXTURE_H
#define PORTLORE_TEST_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Makes a fresh temporary folder; the path is static storage. */
static inline const char *
fx_dir(void)
{
	static char dir[64];

	snprintf(dir, sizeof(dir), "/tmp/portlore-test-XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	return dir;
}

/* Writes len bytes (strlen when len is -1) to dir/name; returns the path (static). */
static inline const char *
fx_write(const char *dir, const char *name, const char *data, long len)
{
	static char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL) {
		perror(path);
		exit(1);
	}
	fwrite(data, 1, len < 0 ? strlen(data) : (size_t)len, f);
	fclose(f);
	return path;
}

/* The header line of IANA's registry CSV, for fixture registries. */
#define FX_IANA_HEADER "Service Name,Port Number,Transport Protocol,Description,Assignee," \
	"Contact,Registration Date,Modification Date,Reference,Service Code," \
	"Unauthorized Use Reported,Assignment Notes\r\n"

static inline void
fx_rmrf(const char *dir)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

#endif
