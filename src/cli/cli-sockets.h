/* cli-sockets.h: what the socket commands share (cli-sockets.c): who's and ls's
 * options, parsed by one hook, the collection of this machine's sockets through the
 * socket filter (portlore/sockfilter.h), and the head of the sockets document. */
#ifndef PORTLORE_CLI_SOCKETS_H
#define PORTLORE_CLI_SOCKETS_H

#include "cli.h"
#include "portlore/sockets.h"
#include "portlore/sockfilter.h"

struct sockets_opts {
	struct common c;
	struct pl_sock_query q;
	struct pl_sock_filter f;   /* port specs and --user, --unit, --container */
	const char *format;        /* ls: text, json or prometheus */
};

enum { O_TCP = 't', O_UDP = 'u', O_ALL = 'a', O_USER = 256, O_UNIT, O_CONTAINER, O_PROCFS,
	O_FORMAT };

struct pl_json;

/* Checks the options of cmd (who or ls), parsed by main with cmd_sockets_option into
 * x->opts (a struct sockets_opts); returns -1 to go on, or an exit status. */
int sockets_check(const char *cmd, struct cli_ctx *x);
/* Port specs: numbers and ranges, with an optional protocol; -1 or an exit status. */
int sockets_parse_ports(struct sockets_opts *o, int argc, char **argv);
/* The store annotates; without one (NULL, with a note on stderr) sockets still show. */
struct pl_store *sockets_open_store(const struct common *c);
/* Collects, filters and annotates the sockets; 0 or an exit status (printed). */
int sockets_collect(struct sockets_opts *o, struct pl_store *st, struct pl_socklist *l);
/* Text options of the socket commands: lines wrap at the terminal's width or at -w;
 * into a pipe, without -w or COLUMNS, a socket stays on one line for grep and awk. */
void sockets_text_opts(const struct common *c, struct pl_text_opts *to);
/* Starts the sockets document {schema, version, command, query, "observed": ...}. */
void sockets_json_head(struct pl_json *j, struct pl_buf *b, const char *cmd, int argc,
    char **argv);

#endif
