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
/* What annotates the sockets: the lookup index when it is fresh (names and candidates
 * without opening SQLite), else the store; with neither (a note on stderr) sockets
 * still show. */
struct sockets_db {
	struct pl_index *ix;
	struct pl_store *st;       /* without an index; with one, the index holds it */
	bool ix_bad;               /* the index turned out damaged: the store answers */
};
void sockets_db_open(const struct common *c, struct sockets_db *d);
/* The store itself, for what the index does not hold (opened on first use); NULL when
 * there is none. */
struct pl_store *sockets_db_store(struct sockets_db *d);
void sockets_db_close(struct sockets_db *d);
/* Collects, filters and annotates the sockets; 0 or an exit status (printed). */
int sockets_collect(struct sockets_opts *o, struct sockets_db *d, struct pl_socklist *l);
/* Text options of the socket commands: lines wrap at the terminal's width or at -w;
 * into a pipe, without -w or COLUMNS, a socket stays on one line for grep and awk. */
void sockets_text_opts(const struct common *c, struct pl_text_opts *to);
/* Starts the sockets document {schema, version, command, query, "observed": ...}. */
void sockets_json_head(struct pl_json *j, struct pl_buf *b, const char *cmd, int argc,
    char **argv);

#endif
