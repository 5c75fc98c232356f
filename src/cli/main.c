/* main.c: dispatch to the command named by the first argument; a port spec otherwise. */
#include <errno.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

const struct cmd cli_cmds[] = {
	{ "port", cmd_port,
	  "portlore [port] [-j] [--db PATH] [--color WHEN] [-w COLS] [--no-host] PORTSPEC...\n"
	  "       portlore [port] [options] -",
	  "report what a port is: registry, ranges, lore (the default command)" },
	{ "search", cmd_search,
	  "portlore search [-j] [--db PATH] [-n LIMIT] TEXT...",
	  "find ports by service name, description, assignee and lore text" },
	{ "import", cmd_import,
	  "portlore import [--db PATH] [--new] [--iana CSV]... [--lore DIR] [--nmap FILE]\n"
	  "       portlore import --check --lore DIR",
	  "build or update the store from registry CSVs, lore and nmap-services" },
	{ "lore", cmd_lore,
	  "portlore lore [-j] [--db PATH] stats",
	  "lore statistics: entries, kinds, sources, coverage of frequent ports" },
	{ "history", cmd_history,
	  "portlore history [-j] [--db PATH] [--color WHEN] [-w COLS] PORTSPEC...",
	  "the registry story of a port across the store's snapshots" },
	{ "diff", cmd_diff,
	  "portlore diff [-j] [--db PATH] [--color WHEN] [-w COLS] OLD NEW",
	  "what changed between two registry snapshots (labels, prefixes, current)" },
	{ "update", cmd_update,
	  "portlore update [--db PATH] [--from FILE|URL] [--timeout SECS] [--quiet]",
	  "download the current registry and add it as a snapshot, atomically" },
	{ "probe", cmd_probe,
	  "portlore probe [-j] [--db PATH] [--udp] [--banner] [--banner-wait MS] [--rate N]\n"
	  "       [--concurrency N] [--retries N] [--timeout MS] [--top N] [--all] [--yes]\n"
	  "       TARGET [PORTSPEC]",
	  "probe a host's ports over the network: what answers, and what it is" },
	{ "serve", cmd_serve,
	  "portlore serve [--db PATH] [--listen ADDR:PORT] [--feedback-db PATH]\n"
	  "       [--locale-dir DIR] [--threads N]",
	  "the port reference site and its JSON API (loopback by default)" },
	{ "feedback", cmd_feedback,
	  "portlore feedback [-j] [--feedback-db PATH]",
	  "readers' answers to \"Was this page helpful?\", per page" },
	{ "pick", cmd_pick,
	  "portlore pick [-j] [--db PATH] [-n|--count N] [-p|--proto tcp|udp] [--near PORT]\n"
	  "              [--range LOW-HIGH] [--seed S]\n"
	  "       portlore pick [-j] [--db PATH] [-p|--proto tcp|udp] --check PORT",
	  "ports that suit a new service, or why one port does or doesn't" },
	{ "annotate", cmd_annotate,
	  "portlore annotate [-j] [--db PATH] [--format FORMAT] [FILE|-]",
	  "print nmap, masscan, ss, lsof, netstat or sockstat output with registry and lore" },
	{ "export", cmd_export,
	  "portlore export [--db PATH] --format services|csv|json",
	  "write /etc/services, the registry as CSV, or registry and lore as JSON" },
	{ "who", cmd_who,
	  "portlore who [-j] [--db PATH] [--tcp] [--udp] [-4] [-6] [--all] [--procfs] PORT[/PROTO]",
	  "who holds a port on this machine, or why it can't be bound" },
	{ "ls", cmd_ls,
	  "portlore ls [-j] [--db PATH] [--all] [--tcp] [--udp] [-4] [-6] [--user USER]\n"
	  "       [--unit UNIT] [--container ID] [--procfs] [--format text|json|prometheus]\n"
	  "       [PORTSPEC...]",
	  "list listening sockets (--all: every socket) with their processes" },
	{ "kill", cmd_kill,
	  "portlore kill [-j] [--signal SIG] [--timeout SECS] [--dry-run] [--yes] [--procfs]\n"
	  "       PORT[/PROTO]",
	  "stop the listeners of a port (never clients, PID 1 or containers)" },
	{ "audit", cmd_audit,
	  "portlore audit [-j] [--db PATH] [--fail-on SEVERITY]",
	  "every listener here with its exposure, what it is, and findings by severity" },
	{ "help", cmd_help, "portlore help [COMMAND]", "show usage" },
	{ "version", cmd_version, "portlore version", "print the version" },
	{ NULL, NULL, NULL, NULL }
};

int
cli_usage(const char *name, int status)
{
	FILE *f = status == 0 ? stdout : stderr;

	for (const struct cmd *c = cli_cmds; c->name; c++) {
		if (name != NULL && strcmp(c->name, name) != 0)
			continue;
		fprintf(f, "usage: %s\n", c->usage);
		if (name != NULL)
			return status;
	}
	if (name == NULL) {
		fprintf(f, "\ncommands:\n");
		for (const struct cmd *c = cli_cmds; c->name; c++)
			fprintf(f, "  %-8s %s\n", c->name, c->summary);
		fprintf(f, "\nPORTSPEC: 3333, 3333/tcp, 3000-3010, ssh, 22,80,443, http/udp.\n"
		    "See portlore(1).\n");
	}
	return status;
}

static int
cmd_help(int argc, char **argv)
{
	if (argc > 2)
		return cli_usage("help", EXIT_USAGE);
	if (argc == 2) {
		for (const struct cmd *c = cli_cmds; c->name; c++)
			if (strcmp(c->name, argv[1]) == 0)
				return cli_usage(c->name, EXIT_OK);
		fprintf(stderr, "portlore: help: no command '%.100s'\n", argv[1]);
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

int
cli_common_opt(struct common *c, int opt, const char *arg)
{
	char *end;
	long v;

	switch (opt) {
	case 'd':
		c->db = arg;
		return 1;
	case 'j':
		c->json = true;
		return 1;
	case 'C':
		if (strcmp(arg, "auto") == 0)
			c->color = -1;
		else if (strcmp(arg, "always") == 0)
			c->color = 1;
		else if (strcmp(arg, "never") == 0)
			c->color = 0;
		else {
			fprintf(stderr, "portlore: --color '%.40s': use auto, always or never\n", arg);
			return -1;
		}
		return 1;
	case 'w':
		errno = 0;
		v = strtol(arg, &end, 10);
		if (*arg == '\0' || *end != '\0' || errno != 0 || v < 40 || v > 1000) {
			fprintf(stderr, "portlore: --width '%.40s': give a number from 40 to 1000\n", arg);
			return -1;
		}
		c->width = (int)v;
		return 1;
	}
	return 0;
}

int
cli_open_store(const struct common *c, struct pl_store **st, enum pl_store_mode mode)
{
	char buf[PATH_MAX];
	struct pl_err err = { 0 };
	const char *path = c->db ? c->db : pl_store_default_path(buf, sizeof(buf));
	int rc = pl_store_open(st, path, mode, &err);

	if (rc != 0)
		return cli_fail(&err, rc);
	return 0;
}

void
cli_text_opts(const struct common *c, struct pl_text_opts *o)
{
	struct winsize ws;
	const char *env;
	bool tty = isatty(STDOUT_FILENO) == 1;

	o->width = c->width;
	if (o->width == 0 && tty && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		o->width = ws.ws_col;
	if (o->width == 0 && (env = getenv("COLUMNS")) != NULL)
		o->width = atoi(env);
	if (o->width < 40 || o->width > 1000)
		o->width = 80;
	/* https://no-color.org: NO_COLOR set and non-empty turns colour off, unless asked for. */
	env = getenv("NO_COLOR");
	if (c->color >= 0)
		o->color = c->color == 1;
	else
		o->color = tty && !(env && *env) && !((env = getenv("TERM")) && strcmp(env, "dumb") == 0);
}

int
cli_flush(struct pl_buf *b)
{
	if (b->len > 0 && fwrite(b->data, 1, b->len, stdout) != b->len) {
		fprintf(stderr, "portlore: write error: %s\n", strerror(errno));
		return EXIT_SYSTEM;
	}
	pl_buf_reset(b);
	return 0;
}

int
cli_fail(const struct pl_err *err, int code)
{
	fprintf(stderr, "portlore: %s\n", err && err->msg[0] ? err->msg : pl_strerror(code));
	return pl_exit_status(code);
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
		status = c->fn(argc - 1, argv + 1);
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
		fprintf(stderr, "portlore: write error: %s\n", strerror(errno));
		status = EXIT_SYSTEM;
	}
	return status;
}
