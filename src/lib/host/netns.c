/* netns.c: network namespaces by name: ip-netns(8)'s names, and entering one. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "portlore/netns.h"

/* ip-netns(8) keeps a bind mount of each named namespace here. */
#define NETNS_RUN_DIR "/run/netns"

void
pl_netns_name(uint64_t ino, char *buf, size_t len)
{
	char path[512];
	struct dirent *e;
	struct stat sb;
	DIR *d;

	snprintf(buf, len, "net:[%llu]", (unsigned long long)ino);
	if ((d = opendir(NETNS_RUN_DIR)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, e->d_name);
		if (stat(path, &sb) == 0 && (uint64_t)sb.st_ino == ino) {
			snprintf(buf, len, "%s", e->d_name);
			break;
		}
	}
	closedir(d);
}

int
pl_netns_enter(const char *spec, struct pl_err *err)
{
	char path[4200];
	int fd, e;

	if (spec == NULL || *spec == '\0')
		return pl_err_set(err, -PL_EUSAGE, "--netns needs a name or a path");
	/* A bare name is one of ip-netns(8)'s; anything with a slash is a path. */
	if (strchr(spec, '/') == NULL) {
		if (strcmp(spec, ".") == 0 || strcmp(spec, "..") == 0)
			return pl_err_set(err, -PL_EUSAGE, "--netns '%s': not a namespace name", spec);
		snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, spec);
	} else if (snprintf(path, sizeof(path), "%s", spec) >= (int)sizeof(path))
		return pl_err_set(err, -PL_EUSAGE, "--netns: path too long");
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		e = errno;
		return pl_err_set(err, e == ENOENT ? -PL_ENOTFOUND : e == EACCES ? -PL_EPERM :
		    -PL_ESYS, "--netns '%s': %s: %s%s", spec, path, strerror(e),
		    e == ENOENT && strchr(spec, '/') == NULL ? " (see 'ip netns list')" : "");
	}
	if (setns(fd, CLONE_NEWNET) != 0) {
		e = errno;
		close(fd);
		return pl_err_set(err, e == EINVAL ? -PL_EUSAGE : e == EPERM ? -PL_EPERM :
		    -PL_ESYS, "--netns '%s': %s", spec, e == EINVAL ?
		    "not a network namespace" : e == EPERM ? "entering a network namespace needs "
		    "root (CAP_SYS_ADMIN)" : strerror(e));
	}
	close(fd);
	return 0;
}
