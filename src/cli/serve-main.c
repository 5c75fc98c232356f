/*
 * serve-main.c: portlore-serve, the HTTP server's own small program. `portlore serve`
 * runs it as "portlore serve ARGS..." (serve-exec.c); it links the library, the
 * renderers, the server and only the command-line helpers it needs (cli.c). Its one
 * command is parsed by cli_run, like the table commands of portlore.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

const struct cmd cli_cmds[] = {
	{ "serve", NULL, CLI_SERVE_USAGE, CLI_SERVE_SUMMARY,
	  .run = cmd_serve_run, .optstring = "d:F:l:L:t:h", .longopts = cmd_serve_longopts,
	  .option = cmd_serve_option,
	  .min_args = 0, .max_args = 0, .store = CLI_NO_STORE },
	{ NULL, NULL, NULL, NULL, .run = NULL }
};

int
main(int argc, char **argv)
{
	int status;

	/* "portlore-serve serve ARGS" as serve-exec.c runs it, or "portlore-serve ARGS". */
	if (argc > 1 && strcmp(argv[1], "serve") == 0)
		status = cli_run(&cli_cmds[0], argc - 1, argv + 1);
	else
		status = cli_run(&cli_cmds[0], argc, argv);
	if (fclose(stdout) != 0 && status == EXIT_OK) {
		cli_warn("portlore: write error: %s\n", strerror(errno));
		status = EXIT_SYSTEM;
	}
	return status;
}
