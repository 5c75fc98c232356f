/* main.c: the command table, and dispatch to the command named by the first argument;
 * a port spec otherwise. The helpers the commands share are in cli.c. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config.h"

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

const struct cmd cli_cmds[] = {
	{ "port", cmd_port,
	  "portlore [port] [-j] [--db PATH] [--color WHEN] [-w COLS] [--no-host] [-v|--full]\n"
	  "       PORTSPEC...\n"
	  "       portlore [port] [options] -",
	  "what a port is and what holds it here: registry, lore, host (the default)",
	  .run = cmd_port_run, .optstring = "d:jC:w:hHv", .longopts = cmd_port_longopts,
	  .option = cmd_port_option, .check = cmd_port_check, .done = cmd_port_done,
	  /* cmd_port_run opens the lookup index, or the store when there is none. */
	  .min_args = 1, .max_args = INT_MAX, .store = CLI_NO_STORE },
	{ "search", NULL,
	  "portlore search [-j] [--db PATH] [-n LIMIT] TEXT...",
	  "find ports by service name, description, assignee and lore text",
	  .run = cmd_search_run, .optstring = "d:jC:w:hn:", .longopts = cmd_search_longopts,
	  .option = cmd_search_option,
	  .min_args = 1, .max_args = INT_MAX,
	  .store = CLI_STORE_READ },
	{ "import", NULL,
	  "portlore import [--db PATH] [--new] [--iana CSV]... [--lore DIR] [--nmap FILE]\n"
	  "       portlore import --check --lore DIR",
	  "build or update the store from registry CSVs, lore and nmap-services",
	  .run = cmd_import_run, .optstring = "+d:i:l:m:Ncqh", .longopts = cmd_import_longopts,
	  .option = cmd_import_option, .check = cmd_import_check,
	  .min_args = 0, .max_args = 0, .store = CLI_NO_STORE },
	{ "lore", NULL,
	  "portlore lore [-j] [--db PATH] stats",
	  "lore statistics: entries, kinds, sources, coverage of frequent ports",
	  .run = cmd_lore_run, .check = cmd_lore_check, .optstring = "d:jC:w:h",
	  .longopts = cmd_common_longopts,
	  .min_args = 1, .max_args = 1, .store = CLI_STORE_READ },
	{ "history", NULL,
	  "portlore history [-j] [--db PATH] [--color WHEN] [-w COLS] PORTSPEC...",
	  "the registry story of a port across the store's snapshots",
	  .run = cmd_history_run, .optstring = "d:jC:w:h", .longopts = cmd_common_longopts,
	  .min_args = 1, .max_args = INT_MAX, .store = CLI_STORE_READ },
	{ "diff", NULL,
	  "portlore diff [-j] [--db PATH] [--color WHEN] [-w COLS] OLD NEW",
	  "what changed between two registry snapshots (labels, prefixes, current)",
	  .run = cmd_diff_run, .optstring = "d:jC:w:h", .longopts = cmd_common_longopts,
	  .min_args = 2, .max_args = 2, .store = CLI_STORE_READ },
	{ "update", NULL,
	  "portlore update [--db PATH] [--from FILE|URL] [--timeout SECS] [--wait SECS] [--quiet]",
	  "download the current registry and add it as a snapshot, atomically",
	  .run = cmd_update_run, .optstring = "d:f:t:W:qh", .longopts = cmd_update_longopts,
	  .option = cmd_update_option, .check = cmd_update_check,
	  .min_args = 0, .max_args = 0, .store = CLI_NO_STORE },
	{ "probe", NULL,
	  "portlore probe [-j] [--db PATH] [--udp] [--banner] [--banner-wait MS] [--max-rate N]\n"
	  "       [--concurrency N] [--retries N] [--timeout MS] [--top N] [--all] [--yes]\n"
	  "       TARGET [PORTSPEC]",
	  "probe a host's ports over the network: what answers, and what it is",
	  .run = cmd_probe_run, .optstring = "d:jC:w:hubayr:c:R:t:W:T:",
	  .longopts = cmd_probe_longopts, .option = cmd_probe_option, .check = cmd_probe_check,
	  .min_args = 1, .max_args = INT_MAX, .store = CLI_STORE_READ },
	{ "serve", cmd_serve, CLI_SERVE_USAGE, CLI_SERVE_SUMMARY, .run = NULL },
	{ "feedback", NULL,
	  "portlore feedback [-j] [--feedback-db PATH]",
	  "readers' answers to \"Was this page helpful?\", per page",
	  .run = cmd_feedback_run, .optstring = "F:jh", .longopts = cmd_feedback_longopts,
	  .option = cmd_feedback_option,
	  .min_args = 0, .max_args = 0, .store = CLI_NO_STORE },
	{ "pick", NULL,
	  "portlore pick [-j] [--db PATH] [-n|--count N] [-p|--proto tcp|udp] [--near PORT]\n"
	  "              [--range LOW-HIGH] [--seed S] [-v|--full]\n"
	  "       portlore pick [-j] [--db PATH] [-p|--proto tcp|udp] --check PORT",
	  "ports that suit a new service, or why one port does or doesn't",
	  .run = cmd_pick_run, .optstring = "d:jC:w:hn:p:v", .longopts = cmd_pick_longopts,
	  .option = cmd_pick_option, .check = cmd_pick_check,
	  .min_args = 0, .max_args = 0, .store = CLI_STORE_READ },
	{ "annotate", NULL,
	  "portlore annotate [-j] [--db PATH] [--format FORMAT] [FILE|-]",
	  "print nmap, masscan, ss, lsof, netstat or sockstat output with registry and lore",
	  .run = cmd_annotate_run, .optstring = "d:jC:w:hf:", .longopts = cmd_annotate_longopts,
	  .option = cmd_annotate_option, .check = cmd_annotate_check, .done = cmd_annotate_done,
	  .min_args = 0, .max_args = 1, .store = CLI_STORE_READ },
	{ "export", NULL,
	  "portlore export [--db PATH] --format services|csv|json",
	  "write /etc/services, the registry as CSV, or registry and lore as JSON",
	  .run = cmd_export_run, .optstring = "d:f:h", .longopts = cmd_export_longopts,
	  .option = cmd_export_option, .check = cmd_export_check,
	  .min_args = 0, .max_args = 0, .store = CLI_STORE_READ },
	{ "who", NULL,
	  "portlore who [-j] [--db PATH] [--tcp] [--udp] [-4] [-6] [--all] [--procfs] PORT[/PROTO]",
	  "who holds a port on this machine, or why it can't be bound",
	  .run = cmd_who_run, .optstring = "d:jC:w:hatu46", .longopts = cmd_sockets_longopts,
	  .option = cmd_sockets_option, .check = cmd_who_check, .done = cmd_sockets_done,
	  .min_args = 1, .max_args = 1, .store = CLI_NO_STORE },
	{ "ls", NULL,
	  "portlore ls [-j] [--db PATH] [--all] [--tcp] [--udp] [-4] [-6] [--user USER]\n"
	  "       [--unit UNIT] [--container ID] [--procfs] [--format text|json|prometheus]\n"
	  "       [PORTSPEC...]",
	  "list listening sockets (--all: every socket) with their processes",
	  .run = cmd_ls_run, .optstring = "d:jC:w:hatu46", .longopts = cmd_sockets_longopts,
	  .option = cmd_sockets_option, .check = cmd_ls_check, .done = cmd_sockets_done,
	  .min_args = 0, .max_args = INT_MAX, .store = CLI_NO_STORE },
	{ "kill", NULL,
	  "portlore kill [-j] [--signal SIG] [--timeout SECS] [--dry-run] [--yes] [--procfs]\n"
	  "       [--netns NAME|PATH] PORT[/PROTO]",
	  "stop the listeners of a port here (never clients, an init or containers)",
	  .run = cmd_kill_run, .optstring = "d:jC:w:h", .longopts = cmd_kill_longopts,
	  .option = cmd_kill_option, .check = cmd_kill_check,
	  .min_args = 1, .max_args = 1, .store = CLI_NO_STORE },
	{ "audit", NULL,
	  "portlore audit [-j] [--db PATH] [--fail-on SEVERITY]",
	  "every listener here with its exposure, what it is, and findings by severity",
	  .run = cmd_audit_run, .optstring = "d:jC:w:hF:", .longopts = cmd_audit_longopts,
	  .option = cmd_audit_option,
	  .min_args = 0, .max_args = 0, .store = CLI_STORE_READ },
	{ "help", cmd_help, "portlore help [COMMAND]",
	  "this overview, or a command's usage and options", .run = NULL },
	{ "version", cmd_version, "portlore version", "print the version", .run = NULL },
	{ NULL, NULL, NULL, NULL, .run = NULL }
};

const struct option cmd_common_longopts[] = { COMMON_LONGOPTS, { NULL, 0, NULL, 0 } };

static int
cmd_help(int argc, char **argv)
{
	if (argc > 2)
		return cli_usage("help", EXIT_USAGE);
	if (argc == 2) {
		for (const struct cmd *c = cli_cmds; c->name; c++)
			if (strcmp(c->name, argv[1]) == 0)
				return cli_usage(c->name, EXIT_OK);
		cli_warn("portlore: help: no command '%.100s'\n", argv[1]);
		return EXIT_USAGE;
	}
	return cli_usage(NULL, EXIT_OK);
}

static int
cmd_version(int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return cli_usage("version", EXIT_USAGE);
	printf("portlore %s\n", PL_VERSION);
	return EXIT_OK;
}

static const struct cmd *
find_cmd(const char *name)
{
	for (const struct cmd *c = cli_cmds; c->name; c++)
		if (strcmp(name, c->name) == 0)
			return c;
	return NULL;
}

/*
 * Lets common options come before the command ("portlore --db x search redis"): finds
 * the first word that is not an option or an option's value and, if it names a
 * command, moves it to argv[1]. Returns the command, or NULL for a port lookup.
 */
static const struct cmd *
hoist_cmd(int argc, char **argv)
{
	static const char *const with_value[] = { "-d", "--db", "-C", "--color", "--colour",
		"-w", "--width", NULL };
	const struct cmd *c = NULL;
	int i;

	for (i = 1; i < argc; i++) {
		bool takes = false;

		if (strcmp(argv[i], "--") == 0 || argv[i][0] != '-' || argv[i][1] == '\0')
			break;
		for (const char *const *w = with_value; *w; w++)
			takes |= strcmp(argv[i], *w) == 0;
		i += takes;
	}
	if (i >= argc || (c = find_cmd(argv[i])) == NULL)
		return NULL;
	for (char *name = argv[i]; i > 1; i--)
		argv[i] = argv[i - 1], argv[i - 1] = name;
	return c;
}

int
main(int argc, char **argv)
{
	const struct cmd *c;
	int status;

	if (argc < 2)
		return cli_usage(NULL, EXIT_USAGE);
	c = hoist_cmd(argc, argv);
	if (c != NULL)
		status = c->fn ? c->fn(argc - 1, argv + 1) : cli_run(c, argc - 1, argv + 1);
	else if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		status = cli_usage(NULL, EXIT_OK);
	else if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0)
		status = cmd_version(1, argv);
	else if (strcmp(argv[1], "complete") == 0)   /* hidden: for the shells */
		status = cmd_complete(argc - 1, argv + 1);
	else
		status = cmd_port(argc, argv);
	/* jq's rule: output that could not be written is a failure, even at the end. */
	if (fclose(stdout) != 0 && status == EXIT_OK) {
		cli_warn("portlore: write error: %s\n", strerror(errno));
		status = EXIT_SYSTEM;
	}
	return status;
}
