/*
 * dpkg.c: which Debian package owns a file. dpkg keeps one list of installed paths per
 * package, /var/lib/dpkg/info/PACKAGE[:ARCH].list, one absolute path a line; reading
 * them is what `dpkg -S` does, without starting a program for each path.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portlore/identify.h"

#define MAX_LISTS 20000          /* bounds the walk of a hostile or broken directory */

#define MAX_LIST (64 << 20)      /* a file list larger than this is not dpkg's */

/* Debian packages install programs under /usr, /bin, /sbin, /lib and /opt: a program
 * elsewhere (/home, /tmp, a build folder) is nobody's, and needs no walk of the
 * system's lists. Lists given by the caller (any) are asked about every path. */
static bool
system_path(const char *p, bool any)
{
	if (p == NULL || *p != '/')
		return false;
	if (any)
		return true;
	static const char *const prefixes[] = { "/usr/", "/bin/", "/sbin/", "/lib", "/opt/" };

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(*prefixes); i++)
		if (strncmp(p, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

/* Whether text (one path a line) holds the line want. */
static bool
has_line(const char *text, size_t len, const char *want)
{
	size_t n = strlen(want);

	for (const char *p = text, *end = text + len; p < end;) {
		const char *hit = memmem(p, (size_t)(end - p), want, n);

		if (hit == NULL)
			return false;
		if ((hit == text || hit[-1] == '\n') && (hit + n == end || hit[n] == '\n'))
			return true;
		p = hit + 1;
	}
	return false;
}

/* Reads the file list at path; fills pkgs[i] with pkg for each wanted path it names.
 * One read and a substring search per path: the lists of a system hold 150,000 lines,
 * read by every `portlore ls`. */
static int
scan_list(const char *path, const char *pkg, const char *const *paths, size_t n,
    const char *const *alt, bool any, char **pkgs, size_t *left)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t len = 0, cap = 0, got;
	int rc = 0;

	if (f == NULL)
		return 0;
	do {
		if (len == cap) {
			char *t = cap < MAX_LIST ? realloc(text, cap = cap ? cap * 2 : 16384) : NULL;

			if (t == NULL) {
				rc = cap < MAX_LIST ? -PL_ENOMEM : 0;
				goto out;
			}
			text = t;
		}
		got = fread(text + len, 1, cap - len, f);
		len += got;
	} while (got > 0);
	for (size_t i = 0; i < n && *left > 0; i++) {
		if (pkgs[i] != NULL || !system_path(paths[i], any) || (!has_line(text, len, paths[i]) &&
		    (alt[i] == NULL || !has_line(text, len, alt[i]))))
			continue;
		if ((pkgs[i] = strdup(pkg)) == NULL) {
			rc = -PL_ENOMEM;
			break;
		}
		(*left)--;
	}
out:
	free(text);
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
		left += system_path(paths[i], infodir && *infodir);
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
		rc = scan_list(path, pkg, paths, n, alt, infodir && *infodir, pkgs, &left);
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
