/*
 * cmd-complete.c: `portlore complete`, the hidden verb the shell completions of
 * completions/ call. It answers from the command table (so the words are the ones
 * --help and the man page show) and from the store (service names, lore ids and
 * families), one word a line, quickly: no report is built.
 *
 *   portlore complete commands            command names
 *   portlore complete options COMMAND     its options, from its usage text
 *   portlore complete values OPTION [COMMAND]   the fixed values an option takes
 *   portlore complete names [PREFIX]      names a port spec may use (at most 200)
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "portlore/annotate.h"

#define MAX_NAMES 200

static const struct cmd *
find(const char *name)
{
	for (const struct cmd *c = cli_cmds; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* Every "-x" and "--long-name" of the usage text, once each, in order: a word that
 * starts after a space, '[' or '|' with one or two dashes. */
static void
options(const struct cmd *c, struct pl_buf *b)
{
	static const char word_chars[] = "abcdefghijklmnopqrstuvwxyz0123456789-";
	struct pl_buf seen = PL_BUF_INIT;   /* " -j --db ..." */

	for (const char *p = c->usage; *p; p++) {
		char word[64];
		size_t n;

		if (*p != '-' || (p != c->usage && !strchr(" [|", p[-1])))
			continue;
		n = strspn(p, word_chars);
		if (n < 2 || n >= sizeof(word) - 2 || (p[1] == '-' && n < 3) ||
		    (p[1] != '-' && n != 2)) {
			p += n ? n - 1 : 0;
			continue;
		}
		snprintf(word, sizeof(word), " %.*s ", (int)n, p);
		if (strstr(pl_buf_str(&seen), word) == NULL) {
			pl_buf_adds(&seen, word);
			pl_buf_printf(b, "%.*s\n", (int)n, p);
		}
		p += n - 1;
	}
	pl_buf_adds(b, "--help\n");
	pl_buf_free(&seen);
}

static int
values(const char *opt, const char *cmd, struct pl_buf *b)
{
	static const struct { const char *opt, *cmd, *words; } v[] = {
		{ "--color", NULL, "auto always never" },
		{ "--colour", NULL, "auto always never" },
		{ "-C", NULL, "auto always never" },
		{ "--format", "ls", "text json prometheus" },
		{ "--format", "export", "services csv json" },
		{ "--fail-on", NULL, "info low medium high critical" },
		{ "--signal", NULL, "TERM INT HUP KILL QUIT USR1 USR2" },
		{ "--proto", NULL, "tcp udp" },
		{ "-p", NULL, "tcp udp" },
	};

	if ((strcmp(opt, "--format") == 0 || strcmp(opt, "-f") == 0) && cmd != NULL &&
	    strcmp(cmd, "annotate") == 0) {
		for (int f = PL_ANN_UNKNOWN + 1; f < PL_ANN_FORMAT_COUNT; f++)
			pl_buf_printf(b, "%s\n", pl_ann_format_name((enum pl_ann_format)f));
		return 0;
	}
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		if (strcmp(v[i].opt, opt) != 0 || (v[i].cmd && (cmd == NULL ||
		    strcmp(v[i].cmd, cmd) != 0)))
			continue;
		for (const char *w = v[i].words; *w; ) {
			size_t n = strcspn(w, " ");

			pl_buf_printf(b, "%.*s\n", (int)n, w);
			w += n + (w[n] == ' ');
		}
		return 0;
	}
	return 0;
}

static int
names(const char *prefix, struct pl_buf *b)
{
	struct common c = { .color = 0 };
	struct pl_store *st = NULL;
	struct pl_err err = { 0 };
	char **v = NULL;
	long n;

	/* A digit starts a port number: nothing to offer, and no store to open. */
	if (isdigit((unsigned char)*prefix))
		return EXIT_OK;
	if (cli_open_store(&c, &st, PL_STORE_READ) != 0)
		return EXIT_STORE;
	n = pl_store_names(st, prefix, MAX_NAMES, &v, &err);
	pl_store_close(st);
	if (n < 0)
		return cli_fail(&err, (int)n);
	for (long i = 0; i < n; i++) {
		/* Only words a shell can take as they are. */
		if (strspn(v[i], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789-_.+") == strlen(v[i]))
			pl_buf_printf(b, "%s\n", v[i]);
		free(v[i]);
	}
	free(v);
	return EXIT_OK;
}

int
cmd_complete(int argc, char **argv)
{
	struct pl_buf b = PL_BUF_INIT;
	const struct cmd *c;
	int status = EXIT_OK;

	if (argc >= 2 && strcmp(argv[1], "commands") == 0 && argc == 2) {
		for (c = cli_cmds; c->name; c++)
			pl_buf_printf(&b, "%s\n", c->name);
	} else if (argc == 3 && strcmp(argv[1], "options") == 0) {
		options((c = find(argv[2])) != NULL ? c : find("port"), &b);
	} else if ((argc == 3 || argc == 4) && strcmp(argv[1], "values") == 0) {
		status = values(argv[2], argc == 4 ? argv[3] : NULL, &b);
	} else if ((argc == 2 || argc == 3) && strcmp(argv[1], "names") == 0) {
		status = names(argc == 3 ? argv[2] : "", &b);
	} else {
		fprintf(stderr, "usage: portlore complete commands | options COMMAND | "
		    "values OPTION [COMMAND] | names [PREFIX]\n");
		status = EXIT_USAGE;
	}
	if (status == EXIT_OK)
		status = cli_flush(&b);
	pl_buf_free(&b);
	return status;
}
