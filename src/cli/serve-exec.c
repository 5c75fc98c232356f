/*
 * serve-exec.c: `portlore serve` in the main program runs the separate portlore-serve
 * program. The HTTP server links libmicrohttpd and, through it, GnuTLS and a dozen
 * more shared libraries; resolving their symbols at every start made each port lookup
 * cost about 3.6 million more instructions (bench/lookup). Keeping the server in its
 * own executable keeps lookups fast and the server unchanged.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"

/* Looks for portlore-serve beside this program (a build tree), then in libexecdir. */
static const char *
server_path(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	char *slash;

	if (n > 0) {
		buf[n] = '\0';
		if ((slash = strrchr(buf, '/')) != NULL &&
		    (size_t)(slash - buf) + sizeof("/portlore-serve") <= len) {
			strcpy(slash, "/portlore-serve");
			if (access(buf, X_OK) == 0)
				return buf;
		}
	}
	return PL_LIBEXECDIR "/portlore-serve";
}

int
cmd_serve(int argc, char **argv)
{
	char path[PATH_MAX];
	const char *exe = server_path(path, sizeof(path));
	char **args = calloc((size_t)argc + 2, sizeof(char *));

	if (args == NULL) {
		cli_warn("portlore: serve: out of memory\n");
		return EXIT_SYSTEM;
	}
	args[0] = (char *)"portlore";
	for (int i = 0; i < argc; i++)
		args[i + 1] = argv[i];          /* argv[0] is "serve" */
	fflush(stdout);
	execv(exe, args);
	cli_warn("portlore: serve: cannot run %s: %s\n", exe, strerror(errno));
	free(args);
	return EXIT_SYSTEM;
}
