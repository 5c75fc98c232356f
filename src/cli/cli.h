/* cli.h: what the command files share. The program decides here: it prints and exits;
 * the library below it never does. */
#ifndef PORTLORE_CLI_H
#define PORTLORE_CLI_H

#include <getopt.h>
#include <stdbool.h>

#include "portlore/buf.h"
#include "portlore/error.h"
#include "portlore/render.h"
#include "portlore/store.h"

/* Exit statuses (docs/portlore.1, EXIT STATUS). */
enum {
	EXIT_OK = 0,
	EXIT_NOTFOUND = 1,
	EXIT_USAGE = 2,
	EXIT_STORE = 3,
	EXIT_DATA = 4,
	EXIT_SYSTEM = 5
};

/* serve's usage, in both programs' command tables (main.c, serve-main.c). */
#define CLI_SERVE_USAGE                                                         \
	"portlore serve [--db PATH] [--listen ADDR:PORT] [--feedback-db PATH]\n"  \
	"       [--locale-dir DIR] [--threads N] [--host-name NAME]... [--show-processes]\n" \
	"       [--reuse-port] [--max-connections N] [--timeout SECONDS] [--cache-size MIB]\n" \
	"       [--trust-proxy HEADER]"
#define CLI_SERVE_SUMMARY "the port reference site and its JSON API (loopback by default)"

/* Options every reading command takes. */
struct common {
	const char *db;
	bool json;
	int color;             /* -1 auto, 0 never, 1 always */
	int width;             /* 0: the terminal's */
};

#define COMMON_LONGOPTS                                                  \
	{ "db", required_argument, NULL, 'd' },                         \
	{ "json", no_argument, NULL, 'j' },                             \
	{ "color", required_argument, NULL, 'C' },                      \
	{ "colour", required_argument, NULL, 'C' },                     \
	{ "width", required_argument, NULL, 'w' },                      \
	{ "help", no_argument, NULL, 'h' }

/* Parses arg, the value of option opt, as a number from lo to hi (pl_strtonum);
 * prints "opt 'arg': give a number from lo to hi" and returns -1 when it is not one. */
int cli_number(const char *opt, const char *arg, long long lo, long long hi, long long *out);

/* The room for a command's own options; each command file checks that its options
 * struct fits (static_assert). */
#define CLI_OPTS_MAX 512

/* What main hands a command it parsed for (struct cmd's run). */
struct cli_ctx {
	struct common c;        /* --db, --json, --color, --width */
	void *opts;             /* the command's own options: CLI_OPTS_MAX bytes, zeroed */
	int argc;               /* the arguments after the options */
	char **argv;
	int wordc;              /* every word after the command's name, options first */
	char **wordv;           /* (as getopt left them): who and ls echo them as "query" */
	struct pl_store *st;    /* opened by main when the entry asks; closed by main */
};

enum cli_store { CLI_NO_STORE, CLI_STORE_READ };

/*
 * A command (tmux's cmd_entry is the model). Commands main parses for give run, their
 * option template (optstring and longopts, the common options among them), a handler
 * for their own options, the bounds of their arguments and whether they read the
 * store: main parses, checks the count, opens the store and reports usage errors.
 * The others give only fn and take argv as it is: help and version, and serve in
 * portlore, which hands its words to portlore-serve (whose table parses them). A
 * command with both (port) runs fn, which hands over to cli_run after a look of its
 * own at argv.
 */
struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;      /* lines after "usage: " */
	const char *summary;
	int (*run)(struct cli_ctx *x);
	const char *optstring;
	const struct option *longopts;
	/* Takes one of the command's own options: 0, -1 after printing why the value is
	 * wrong (status 2), or 1 for an option it does not know (usage, status 2). */
	int (*option)(struct cli_ctx *x, int ch, const char *arg);
	/* Checks the options together, after parsing and before the store is opened:
	 * -1 to go on, or an exit status (having printed why). */
	int (*check)(struct cli_ctx *x);
	/* Releases what option or check took, whatever happened after them. */
	void (*done)(struct cli_ctx *x);
	int min_args, max_args;
	enum cli_store store;
};

/* Runs a table command: parses argv (argv[0] is the command's name) with its template,
 * then calls its run (cli.c: both programs' mains use it). */
int cli_run(const struct cmd *c, int argc, char **argv);

/* Handles a common option; returns 1 if handled, 0 if not, -1 on a bad value. */
int cli_common_opt(struct common *c, int opt, const char *arg);

/* Opens the store named by --db or the default search path; prints the error. */
int cli_open_store(const struct common *c, struct pl_store **st, enum pl_store_mode mode);

void cli_text_opts(const struct common *c, struct pl_text_opts *o);

/* Writes the buffer to stdout (text made safe for a terminal, see portlore/termsafe.h;
 * JSON exactly) and empties it; returns 0 or prints an error and returns EXIT_SYSTEM. */
int cli_flush(struct pl_buf *b);

/* From now on standard output carries JSON (or another format for programs, such as
 * export's): cli_flush() writes it exactly. --json through cli_common_opt() calls it. */
void cli_output_exact(void);

/* printf to stdout through cli_flush(); returns 0 or an exit status. */
int cli_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* printf to stderr, made safe for a terminal: messages echo arguments and input. */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "portlore: msg" and returns the exit status for code. */
int cli_fail(const struct pl_err *err, int code);

/* Prints usage of cmd to stderr (status 2) or stdout (status 0) and returns status. */
int cli_usage(const char *cmd, int status);

/* The commands main parses for: their entries' parts (in their files). */
extern const struct option cmd_common_longopts[];
int cmd_search_run(struct cli_ctx *x);
int cmd_search_option(struct cli_ctx *x, int ch, const char *arg);
extern const struct option cmd_search_longopts[];
int cmd_lore_run(struct cli_ctx *x);
int cmd_lore_check(struct cli_ctx *x);
int cmd_history_run(struct cli_ctx *x);
int cmd_diff_run(struct cli_ctx *x);
int cmd_export_run(struct cli_ctx *x);
int cmd_export_option(struct cli_ctx *x, int ch, const char *arg);
int cmd_export_check(struct cli_ctx *x);
extern const struct option cmd_export_longopts[];
int cmd_pick_run(struct cli_ctx *x);
int cmd_pick_option(struct cli_ctx *x, int ch, const char *arg);
int cmd_pick_check(struct cli_ctx *x);
extern const struct option cmd_pick_longopts[];
int cmd_probe_run(struct cli_ctx *x);
int cmd_probe_option(struct cli_ctx *x, int ch, const char *arg);
int cmd_probe_check(struct cli_ctx *x);
extern const struct option cmd_probe_longopts[];
int cmd_feedback_run(struct cli_ctx *x);
int cmd_feedback_option(struct cli_ctx *x, int ch, const char *arg);
extern const struct option cmd_feedback_longopts[];
int cmd_audit_run(struct cli_ctx *x);
int cmd_audit_option(struct cli_ctx *x, int ch, const char *arg);
extern const struct option cmd_audit_longopts[];
int cmd_kill_run(struct cli_ctx *x);
int cmd_kill_option(struct cli_ctx *x, int ch, const char *arg);
int cmd_kill_check(struct cli_ctx *x);
extern const struct option cmd_kill_longopts[];
int cmd_annotate_run(struct cli_ctx *x);
int cmd_annotate_option(struct cli_ctx *x, int ch, const char *arg);
int cmd_annotate_check(struct cli_ctx *x);
void cmd_annotate_done(struct cli_ctx *x);
extern const struct option cmd_annotate_longopts[];
int cmd_import_run(struct cli_ctx *x);
int cmd_import_option(struct cli_ctx *x, int ch, const char *arg);
int cmd_import_check(struct cli_ctx *x);
extern const struct option cmd_import_longopts[];
int cmd_update_run(struct cli_ctx *x);
int cmd_update_option(struct cli_ctx *x, int ch, const char *arg);
int cmd_update_check(struct cli_ctx *x);
extern const struct option cmd_update_longopts[];
int cmd_serve_run(struct cli_ctx *x);
int cmd_serve_option(struct cli_ctx *x, int ch, const char *arg);
extern const struct option cmd_serve_longopts[];
int cmd_who_run(struct cli_ctx *x);
int cmd_who_check(struct cli_ctx *x);
int cmd_ls_run(struct cli_ctx *x);
int cmd_ls_check(struct cli_ctx *x);
int cmd_sockets_option(struct cli_ctx *x, int ch, const char *arg);
void cmd_sockets_done(struct cli_ctx *x);
extern const struct option cmd_sockets_longopts[];

/* ls --format (ls-prometheus.c): checks the name (returns -1 to go on, or
 * EXIT_USAGE), and prints listeners as Prometheus metrics (returns the exit status). */
int cli_ls_format(const char *format, bool *json);
struct pl_socklist;
int cli_ls_prometheus(struct pl_store *st, struct pl_socklist *l);

int cmd_complete(int argc, char **argv);
int cmd_port(int argc, char **argv);
int cmd_port_run(struct cli_ctx *x);
int cmd_port_option(struct cli_ctx *x, int ch, const char *arg);
int cmd_port_check(struct cli_ctx *x);
void cmd_port_done(struct cli_ctx *x);
extern const struct option cmd_port_longopts[];
int cmd_export(int argc, char **argv);
int cmd_serve(int argc, char **argv);

extern const struct cmd cli_cmds[];

#endif
