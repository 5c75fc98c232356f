/* cli.h: what the command files share. The program decides here: it prints and exits;
 * the library below it never does. */
#ifndef PORTLORE_CLI_H
#define PORTLORE_CLI_H

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

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;      /* lines after "usage: " */
	const char *summary;
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

/* Handles a common option; returns 1 if handled, 0 if not, -1 on a bad value. */
int cli_common_opt(struct common *c, int opt, const char *arg);

/* Parses the common options of a command that takes no others, and checks that it has
 * from min to max arguments. Returns -1 to go on (optind is the first argument), or
 * the exit status to return: after help (0) or a usage error (2, usage printed). */
int cli_parse_common(const char *name, int argc, char **argv, struct common *c, int min,
    int max);

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

/* ls --format (ls-prometheus.c): checks the name (returns -1 to go on, or
 * EXIT_USAGE), and prints listeners as Prometheus metrics (returns the exit status). */
int cli_ls_format(const char *format, bool *json);
struct pl_socklist;
int cli_ls_prometheus(struct pl_store *st, struct pl_socklist *l);

int cmd_complete(int argc, char **argv);
int cmd_port(int argc, char **argv);
int cmd_search(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_lore(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_pick(int argc, char **argv);
int cmd_annotate(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_feedback(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_update(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_who(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_kill(int argc, char **argv);

extern const struct cmd cli_cmds[];

#endif
