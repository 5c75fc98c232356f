/*
 * serve-main.c: portlore-serve, the HTTP server's own small program. `portlore serve`
 * runs it as "portlore serve ARGS..." (serve-exec.c); it links the library, the
 * renderers, the server and only the command-line helpers it needs (cli.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

const struct cmd cli_cmds[] = {
	{ "serve", cmd_serve, CLI_SERVE_USAGE, CLI_SERVE_SUMMARY },
	{ NULL, NULL, NULL, NULL }
};

int
main(int argc, char **argv)
{
	int status;

	/* "portlore-serve serve ARGS" as serve-exec.c runs it, or "portlore-serve ARGS". */
	if (argc > 1 && strcmp(argv[1], "serve") == 0)
		status = cmd_serve(argc - 1, argv + 1);
	else
		status = cmd_serve(argc, argv);
	if (fclose(stdout) != 0 && status == EXIT_OK) {
		cli_warn("portlore: write error: %s\n", strerror(errno));
		status = EXIT_SYSTEM;
	}
	return status;
}
