/* cli.c: what the command files share: common options, numbers, the store, text
 * options, usage, output and errors. portlore and portlore-serve both link it; each
 * has its own command table (cli_cmds). */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"
#include "portlore/num.h"
#include "portlore/termsafe.h"

/*
 * What standard output carries: JSON (or export's formats) is written exactly as the
 * renderer made it; text goes through pl_termsafe(), keeping only the colour codes
 * portlore writes itself when colour is on (cli_text_opts). Standard error is always
 * text: messages echo arguments and input.
 */
static bool out_exact;
static unsigned out_flags;

int
cli_usage(const char *name, int status)
{
	FILE *f = status == 0 ? stdout : stderr;

	/* A command's own usage; without one, an overview that fits a screen: the default
	 * command's usage, the commands one line each, and where each one's options are. */
	for (const struct cmd *c = cli_cmds; c->name; c++) {
		if (name != NULL ? strcmp(c->name, name) != 0 : strcmp(c->name, "port") != 0)
			continue;
		fprintf(f, "usage: %s\n", c->usage);
		if (name != NULL)
			return status;
	}
	fprintf(f, "       portlore COMMAND [OPTIONS] [ARGS...]\n"
	    "\nPORTSPEC: 3333, 3333/tcp, 3000-3010, ssh, 22,80,443, http/udp.\n"
	    "\ncommands:\n");
	for (const struct cmd *c = cli_cmds; c->name; c++)
		fprintf(f, "  %-8s %s\n", c->name, c->summary);
	fprintf(f, "\nA command's options: portlore help COMMAND. See portlore(1).\n");
	return status;
}

int
cli_common_opt(struct common *c, int opt, const char *arg)
{
	long long v;

	switch (opt) {
	case 'd':
		c->db = arg;
		return 1;
	case 'j':
		c->json = out_exact = true;
		return 1;
	case 'C':
		if (strcmp(arg, "auto") == 0)
			c->color = -1;
		else if (strcmp(arg, "always") == 0)
			c->color = 1;
		else if (strcmp(arg, "never") == 0)
			c->color = 0;
		else {
			cli_warn("portlore: --color '%.40s': use auto, always or never\n", arg);
			return -1;
		}
		return 1;
	case 'w':
		if (cli_number("--width", arg, 40, 1000, &v) != 0)
			return -1;
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
	const char *env, *errstr;
	bool tty = isatty(STDOUT_FILENO) == 1;

	o->width = c->width;
	if (o->width == 0 && tty && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		o->width = ws.ws_col;
	if (o->width == 0 && (env = getenv("COLUMNS")) != NULL)
		o->width = (int)pl_strtonum(env, 40, 1000, &errstr);   /* 0 when it is not */
	if (o->width < 40 || o->width > 1000)
		o->width = 80;
	/* https://no-color.org: NO_COLOR set and non-empty turns colour off, unless asked for. */
	env = getenv("NO_COLOR");
	if (c->color >= 0)
		o->color = c->color == 1;
	else
		o->color = tty && !(env && *env) && !((env = getenv("TERM")) && strcmp(env, "dumb") == 0);
	out_flags = o->color ? PL_TERM_SGR : 0;
}

void
cli_output_exact(void)
{
	out_exact = true;
}

/* Writes s to f, made safe for a terminal with flags; returns 0 or -1 (errno set). */
static int
write_safe(FILE *f, const char *s, size_t len, unsigned flags)
{
	struct pl_buf b = PL_BUF_INIT;
	int rc = 0;

	if (pl_termsafe(&b, s, len, flags) != 0)
		rc = -1, errno = ENOMEM;
	else if (b.len > 0 && fwrite(b.data, 1, b.len, f) != b.len)
		rc = -1;
	pl_buf_free(&b);
	return rc;
}

void
cli_warn(const char *fmt, ...)
{
	struct pl_buf b = PL_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	if (pl_buf_vprintf(&b, fmt, ap) == 0)
		write_safe(stderr, b.data, b.len, 0);
	else
		fputs("portlore: out of memory\n", stderr);
	va_end(ap);
	pl_buf_free(&b);
}

int
cli_printf(const char *fmt, ...)
{
	struct pl_buf b = PL_BUF_INIT;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = pl_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	rc = rc == 0 ? cli_flush(&b) : cli_fail(NULL, rc);
	pl_buf_free(&b);
	return rc;
}

int
cli_number(const char *opt, const char *arg, long long lo, long long hi, long long *out)
{
	const char *errstr;
	long long v = pl_strtonum(arg, lo, hi, &errstr);

	if (errstr != NULL) {
		cli_warn("portlore: %s '%.40s': give a number from %lld to %lld\n", opt, arg,
		    lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

int
cli_flush(struct pl_buf *b)
{
	int rc = pl_buf_error(b);

	/* A writer that ran out of room (or memory) poisoned its buffer: print nothing
	 * rather than a document cut short. */
	if (rc != 0) {
		cli_warn("portlore: output: %s\n", pl_strerror(rc));
		return pl_exit_status(rc);
	}
	if (b->len > 0 && (out_exact ? fwrite(b->data, 1, b->len, stdout) != b->len :
	    write_safe(stdout, b->data, b->len, out_flags) != 0)) {
		cli_warn("portlore: write error: %s\n", strerror(errno));
		return EXIT_SYSTEM;
	}
	pl_buf_reset(b);
	return 0;
}

int
cli_fail(const struct pl_err *err, int code)
{
	cli_warn("portlore: %s\n", err && err->msg[0] ? err->msg : pl_strerror(code));
	return pl_exit_status(code);
}

int
cli_run(const struct cmd *c, int argc, char **argv)
{
	union {
		max_align_t align;
		unsigned char space[CLI_OPTS_MAX];
	} opts;
	struct cli_ctx x = { .c = { .color = -1 }, .opts = &opts };
	int ch, rc, status = -1;

	memset(&opts, 0, sizeof(opts));
	optind = 1;
	while (status < 0 && (ch = getopt_long(argc, argv, c->optstring, c->longopts, NULL)) != -1) {
		if (ch == 'h')
			status = cli_usage(c->name, EXIT_OK);
		else if ((rc = cli_common_opt(&x.c, ch, optarg)) < 0)
			status = EXIT_USAGE;
		else if (rc == 0 && (c->option == NULL ||
		    (rc = c->option(&x, ch, optarg)) != 0))
			status = rc < 0 ? EXIT_USAGE : cli_usage(c->name, EXIT_USAGE);
	}
	x.argc = argc - optind;
	x.argv = argv + optind;
	x.wordc = argc - 1;
	x.wordv = argv + 1;
	if (status < 0 && (x.argc < c->min_args || x.argc > c->max_args))
		status = cli_usage(c->name, EXIT_USAGE);
	if (status < 0 && c->check != NULL)
		status = c->check(&x);
	if (status < 0 && c->store == CLI_STORE_READ &&
	    (rc = cli_open_store(&x.c, &x.st, PL_STORE_READ)) != 0)
		status = rc;
	if (status < 0)
		status = c->run(&x);
	if (c->done != NULL)
		c->done(&x);
	pl_store_close(x.st);
	return status;
}
