/* netns.c: network namespaces by name: ip-netns(8)'s names, and entering one (the
 * system's side through host/platform.h). */
#include <stdio.h>
#include <string.h>

#include "portlore/netns.h"
#include "host/platform.h"

void
pl_netns_name(uint64_t ino, char *buf, size_t len)
{
	snprintf(buf, len, "net:[%llu]", (unsigned long long)ino);
	pl_plat_netns_name(ino, buf, len);
}

int
pl_netns_enter(const char *spec, struct pl_err *err)
{
	if (spec == NULL || *spec == '\0')
		return pl_err_set(err, -PL_EUSAGE, "--netns needs a name or a path");
	if (strchr(spec, '/') == NULL && (strcmp(spec, ".") == 0 || strcmp(spec, "..") == 0))
		return pl_err_set(err, -PL_EUSAGE, "--netns '%s': not a namespace name", spec);
	return pl_plat_netns_enter(spec, err);
}
