/*
 * dpkg.c: which Debian package owns a file. dpkg keeps one list of installed paths per
 * package, /var/lib/dpkg/info/PACKAGE[:ARCH].list, one absolute path a line; reading
 * them is what `dpkg -S` does, without starting a program for each path.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portlore/identify.h"

#define MAX_LISTS 20000          /* bounds the walk of a hostile or broken directory */

/* Whether the file list at path names one of the wanted paths; fills pkgs from name. */
static int
scan_list(const char *path, const char *pkg, const char *const *paths, size_t n,
    const char *const *alt, char **pkgs, size_t *left)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int rc = 0;

	if (f == NULL)
		return 0;
	while (*left > 0 && rc == 0 && (len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		for (size_t i = 0; i < n; i++) {
			if (pkgs[i] != NULL || paths[i] == NULL || (strcmp(line, paths[i]) != 0 &&
			    (alt[i] == NULL || strcmp(line, alt[i]) != 0)))
				continue;
			if ((pkgs[i] = strdup(pkg)) == NULL)
				rc = -PL_ENOMEM;
			else
				(*left)--;
		}
	}
	free(line);
	fclose(f);
	return rc;
}

int
pl_dpkg_owners(const char *infodir, const char *const *paths, size_t n, char **pkgs)
{
	const char *dir = infodir && *infodir ? infodir : "/var/lib/dpkg/info";
	const char **alt = NULL;
	size_t left = 0, seen = 0;
	struct dirent *d;
	DIR *dp;
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		pkgs[i] = NULL;
	for (size_t i = 0; i < n; i++)
		left += paths[i] != NULL && paths[i][0] == '/';
	if (left == 0 || (dp = opendir(dir)) == NULL)
		return 0;
	if ((alt = calloc(n, sizeof(*alt))) == NULL) {
		closedir(dp);
		return -PL_ENOMEM;
	}
	/* With a merged /usr, /usr/bin/x is listed as /bin/x by packages built before it. */
	for (size_t i = 0; i < n; i++)
		if (paths[i] && strncmp(paths[i], "/usr/", 5) == 0)
			alt[i] = paths[i] + 4;
	while (rc == 0 && left > 0 && seen++ < MAX_LISTS && (d = readdir(dp)) != NULL) {
		size_t len = strlen(d->d_name);
		char path[4200], pkg[256];

		if (len <= 5 || strcmp(d->d_name + len - 5, ".list") != 0 || len - 5 >= sizeof(pkg))
			continue;
		snprintf(pkg, sizeof(pkg), "%.*s", (int)(len - 5), d->d_name);
		/* "libc6:amd64" is package libc6 for one architecture. */
		pkg[strcspn(pkg, ":")] = '\0';
		if (snprintf(path, sizeof(path), "%s/%s", dir, d->d_name) >= (int)sizeof(path))
			continue;
		rc = scan_list(path, pkg, paths, n, alt, pkgs, &left);
	}
	closedir(dp);
	free(alt);
	if (rc != 0)
		for (size_t i = 0; i < n; i++) {
			free(pkgs[i]);
			pkgs[i] = NULL;
		}
	return rc;
}
