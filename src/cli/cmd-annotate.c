/* cmd-annotate.c: `portlore annotate [FILE]`, a scanner's or socket lister's output
 * printed back with the registry's and lore's word under each line that has a port. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "portlore/annotate.h"
#include "portlore/json.h"
#include "portlore/report.h"

/* A target is a port and protocol; a slot holds what was said about it once, so that a
 * long input repeating a port builds its report once. Memory is bounded by the number
 * of slots, not by the input. */
#define SLOTS (65536 * PL_PROTO_COUNT)
#define SLOT(port, proto) ((size_t)(port) * PL_PROTO_COUNT + (size_t)(proto))

/* The registry's and lore's short word on one target. */
struct note {
	char *text;                   /* for text: "ssh (...) [iana ...]; lore: ..." */
	enum pl_reg_status status;
	char **names;                 /* registry service names, then lore ids */
	size_t nservices, nlore;
};

struct ann {
	const char *name;             /* the input's name */
	enum pl_ann_format fmt;
	bool json;
	struct pl_store *st;
	struct pl_ann_reader *reader;
	struct pl_err *err;
	struct note **note;           /* per slot, built on first use */
	struct pl_json j;             /* the JSON document being written */
	long lineno;                  /* lines read */
};

static void
note_free(struct note *n)
{
	if (n == NULL)
		return;
	for (size_t i = 0; i < n->nservices + n->nlore; i++)
		free(n->names[i]);
	free(n->names);
	free(n->text);
	free(n);
}

static void
ann_free(struct ann *a)
{
	for (size_t i = 0; a->note != NULL && i < SLOTS; i++)
		note_free(a->note[i]);
	free(a->note);
	pl_ann_reader_free(a->reader);
}

/* "ssh (The Secure Shell (SSH) Protocol)", "unassigned", ... with provenance. */
static int
registry_text(struct pl_buf *b, const struct pl_report *r)
{
	const struct pl_record *sets[2] = { r->records, r->ranges };
	const size_t ns[2] = { r->nrecords, r->nranges };
	int rc = 0, shown = 0;

	if (r->status != PL_REG_ASSIGNED)
		return pl_buf_printf(b, "%s [iana%s%s]", r->status == PL_REG_NONE ?
		    "not in the registry" : pl_reg_status_name(r->status), r->snapshot ? " " : "",
		    r->snapshot ? r->snapshot : "");
	for (int k = 0; k < 2 && shown == 0; k++)
		for (size_t i = 0; i < ns[k] && rc == 0 && shown < 3; i++) {
			const struct pl_record *rec = &sets[k][i];

			if (*rec->service == '\0')
				continue;
			if (rec->lo == rec->hi && *rec->description == '\0')
				rc = pl_buf_printf(b, "%s%s", shown ? ", " : "", rec->service);
			else if (rec->lo == rec->hi)
				rc = pl_buf_printf(b, "%s%s (%s)", shown ? ", " : "", rec->service,
				    rec->description);
			else
				rc = pl_buf_printf(b, "%s%s (%s, range %u-%u)", shown ? ", " : "",
				    rec->service, rec->description, rec->lo, rec->hi);
			shown++;
		}
	return rc ? rc : pl_buf_printf(b, " [iana%s%s]", r->snapshot ? " " : "",
	    r->snapshot ? r->snapshot : "");
}

static int
lore_text(struct pl_buf *b, const struct pl_report *r)
{
	size_t named = 0;
	int rc = 0;

	/* Wide ranges ("any port above 1024") say nothing about this port. */
	for (size_t i = 0; i < r->nuses && rc == 0; i++) {
		if (r->uses[i].broad)
			continue;
		if (named < 3)
			rc = pl_buf_printf(b, "%s%s", named ? ", " : "; lore: ", r->uses[i].name);
		named++;
	}
	if (rc == 0 && named > 3)
		rc = pl_buf_printf(b, " and %zu more", named - 3);
	if (rc == 0 && named > 0)
		rc = pl_buf_adds(b, " [lore]");
	return rc;
}

/* Adds s to n's names; -PL_ENOMEM when out of memory. */
static int
note_name(struct note *n, const char *s)
{
	char **v = realloc(n->names, (n->nservices + n->nlore + 1) * sizeof(*v));

	if (v == NULL)
		return -PL_ENOMEM;
	n->names = v;
	if ((v[n->nservices + n->nlore] = strdup(s)) == NULL)
		return -PL_ENOMEM;
	return 0;
}

/* The note of report r. */
static int
note_build(struct note *n, const struct pl_report *r)
{
	struct pl_buf b = PL_BUF_INIT;
	int rc;

	n->status = r->status;
	rc = registry_text(&b, r);
	rc = rc ? rc : lore_text(&b, r);
	if (rc == 0 && (n->text = strdup(pl_buf_str(&b))) == NULL)
		rc = -PL_ENOMEM;
	pl_buf_free(&b);
	for (size_t i = 0; i < r->nrecords && rc == 0; i++)
		if (*r->records[i].service && (rc = note_name(n, r->records[i].service)) == 0)
			n->nservices++;
	for (size_t i = 0; i < r->nranges && rc == 0; i++)
		if (*r->ranges[i].service && (rc = note_name(n, r->ranges[i].service)) == 0)
			n->nservices++;
	for (size_t i = 0; i < r->nuses && rc == 0; i++)
		if (!r->uses[i].broad && (rc = note_name(n, r->uses[i].id)) == 0)
			n->nlore++;
	return rc;
}

/* What the registry and lore say about port/proto, built on first use. */
static int
target(struct ann *a, uint16_t port, enum pl_proto proto, const struct note **out)
{
	struct pl_report_opts ro = { .no_host = true };
	size_t k = SLOT(port, proto);
	struct pl_report r;
	struct note *n;
	int rc;

	if (a->note[k] == NULL) {
		if ((rc = pl_report_build(a->st, port, proto, &ro, &r, a->err)) != 0)
			return rc;
		if ((n = calloc(1, sizeof(*n))) == NULL || (rc = note_build(n, &r)) != 0) {
			note_free(n);
			pl_report_free(&r);
			return pl_err_set(a->err, -PL_ENOMEM, "out of memory");
		}
		pl_report_free(&r);
		a->note[k] = n;
	}
	*out = a->note[k];
	return 0;
}

/* The protocols an item is reported for: its own, or tcp and udp when it names none. */
static int
item_protos(const struct pl_ann_item *it, enum pl_proto p[2])
{
	if (it->proto != PL_PROTO_ANY) {
		p[0] = it->proto;
		return 1;
	}
	p[0] = PL_PROTO_TCP;
	p[1] = PL_PROTO_UDP;
	return 2;
}

/* The item's port: its number, or the service name resolved through the store;
 * false for a name the store does not know. */
static bool
item_port(struct ann *a, const struct pl_ann_item *it, uint16_t *port)
{
	struct pl_port_ref *refs = NULL;
	struct pl_err ignored;
	int nr;

	*port = it->port;
	if (it->name[0] == '\0')
		return true;
	nr = pl_store_resolve_name(a->st, it->name, it->proto, &refs, &ignored);
	if (nr > 0)
		*port = refs[0].lo;
	free(refs);
	return nr > 0;
}

/* One annotation line for an item, under its input line. */
static int
annotate_line(struct pl_buf *b, struct ann *a, const struct pl_ann_item *it)
{
	struct pl_buf line = PL_BUF_INIT;
	const struct note *n;
	enum pl_proto p[2];
	uint16_t port;
	int np = item_protos(it, p), rc = 0;

	if (!item_port(a, it, &port))
		rc = pl_buf_printf(&line, "%s: not a service name the store knows", it->name);
	else
		for (int k = 0; k < np && rc == 0; k++) {
			rc = target(a, port, p[k], &n);
			rc = rc ? rc : pl_buf_printf(&line, "%s%u/%s %s", k ? " | " : "", port,
			    pl_proto_name(p[k]), n->text);
		}
	if (rc == 0 && a->fmt == PL_ANN_NMAP_XML) {
		/* An XML comment may not hold "--": the annotated file stays well-formed. */
		for (char *s = line.data; s && (s = strstr(s, "--")) != NULL; )
			s[1] = '~';
		rc = pl_buf_printf(b, "<!-- portlore: %s -->\n", pl_buf_str(&line));
	} else if (rc == 0) {
		rc = pl_buf_printf(b, "    # portlore: %s\n", pl_buf_str(&line));
	}
	pl_buf_free(&line);
	return rc;
}

/* A field of the input: null when the input had none (or it is not UTF-8). */
static void
kfield(struct pl_json *j, const char *key, const char *s)
{
	pl_json_key(j, key);
	pl_json_text(j, *s ? s : NULL);
}

/* The registry's and lore's short word on one target, for an item. */
static void
note_json(struct pl_json *j, const struct note *n, uint16_t port, enum pl_proto proto)
{
	pl_json_obj(j);
	pl_json_kint(j, "port", port);
	pl_json_kstr(j, "protocol", pl_proto_name(proto));
	pl_json_kstr(j, "status", pl_reg_status_name(n->status));
	pl_json_karr(j, "services");
	for (size_t i = 0; i < n->nservices; i++)
		pl_json_str(j, n->names[i]);
	pl_json_end(j);
	pl_json_karr(j, "lore");
	for (size_t i = 0; i < n->nlore; i++)
		pl_json_str(j, n->names[n->nservices + i]);
	pl_json_end(j);
	pl_json_end(j);
}

static int
item_json(struct ann *a, const struct pl_ann_item *it)
{
	struct pl_json *j = &a->j;
	const struct note *n;
	enum pl_proto p[2];
	uint16_t port;
	bool known = item_port(a, it, &port);
	int np = item_protos(it, p), rc = 0;

	pl_json_obj(j);
	pl_json_kint(j, "line", (long long)it->line);
	if (known)
		pl_json_kint(j, "port", port);
	else
		pl_json_knull(j, "port");
	kfield(j, "name", it->name);
	kfield(j, "protocol", pl_proto_name(it->proto));
	kfield(j, "address", it->addr);
	kfield(j, "state", it->state);
	kfield(j, "process", it->process);
	if (it->pid < 0)
		pl_json_knull(j, "pid");
	else
		pl_json_kint(j, "pid", it->pid);
	kfield(j, "service", it->service);
	/* What the input says was seen by a scan elsewhere, or on the machine that listed
	 * its sockets. */
	pl_json_kstr(j, "provenance", pl_prov_name(pl_ann_format_is_scan(a->fmt) ?
	    PL_PROV_PROBED : PL_PROV_OBSERVED));
	pl_json_karr(j, "annotations");
	for (int k = 0; k < np && known && rc == 0; k++)
		if ((rc = target(a, port, p[k], &n)) == 0)
			note_json(j, n, port, p[k]);
	pl_json_end(j);
	pl_json_end(j);
	return rc;
}

/* Writes the items a line completed: annotations under the line, or JSON items. */
static int
write_items(struct pl_buf *b, struct ann *a, const struct pl_ann_item *items, long n)
{
	int rc = 0;

	for (long i = 0; i < n && rc == 0; i++)
		rc = a->json ? item_json(a, &items[i]) : annotate_line(b, a, &items[i]);
	/* Stream: a long input never piles up in memory. */
	if (rc == 0)
		rc = pl_buf_error(b);
	if (rc == 0 && b->len > 1 << 16 && cli_flush(b) != 0)
		rc = -PL_EIO;
	return rc;
}

/* One input line (without its line end): echoed in text, then what it holds. */
static int
one_line(struct pl_buf *b, struct ann *a, const char *s, size_t n)
{
	const struct pl_ann_item *items;
	long k;
	int rc = 0;

	if ((k = pl_ann_reader_line(a->reader, s, n, &items)) < 0)
		return (int)k;
	if (!a->json) {
		if (n > 0 && s[n - 1] == '\r')
			n--;
		rc = pl_buf_add(b, s, n);
		rc = rc ? rc : pl_buf_addc(b, '\n');
	}
	return rc ? rc : write_items(b, a, items, k);
}

/*
 * Reads one line into buf[cap] (its line end included); returns its length, 0 at the
 * end of input, -1 when it is longer than cap (what is left of it is not read).
 */
static long
read_line(FILE *f, char *buf, size_t cap)
{
	size_t n = 0;
	int ch;

	while ((ch = getc_unlocked(f)) != EOF) {
		if (n == cap)
			return -1;
		buf[n++] = (char)ch;
		if (ch == '\n')
			break;
	}
	return (long)n;
}

/* The next line's length with its line end, or 0 at the end; a negative code (err
 * set) for a line too long or a read error. */
static long
next_line(FILE *f, struct ann *a, char *buf, size_t cap)
{
	long n = read_line(f, buf, cap);

	if (n < 0)
		return pl_err_set(a->err, -PL_ETOOBIG, "%s:%ld: line of more than %d bytes is too "
		    "long", a->name, a->lineno + 1, PL_ANN_LINE_MAX);
	if (n == 0 && ferror(f))
		return pl_err_set(a->err, -PL_EIO, "%s: read error: %s", a->name, strerror(errno));
	a->lineno += n > 0;
	return n;
}

/*
 * The first lines, kept for detecting the format: up to 40 lines with something on
 * them, or 64 KiB. Returns 0 with *eof set when the input ended there.
 */
static int
read_head(FILE *f, struct ann *a, struct pl_buf *head, char *buf, size_t cap, bool *eof)
{
	int filled = 0;
	long n;

	*eof = false;
	while (filled < 40 && head->len < 65536) {
		if ((n = read_line(f, buf, cap)) < 0)
			return pl_err_set(a->err, -PL_ETOOBIG, "%s:%ld: line of more than %d bytes "
			    "is too long", a->name, a->lineno + 1, PL_ANN_LINE_MAX);
		if (n == 0) {
			*eof = true;
			break;
		}
		a->lineno++;
		/* Said before the format is guessed: it is what is wrong with such input. */
		if (memchr(buf, '\0', (size_t)n) != NULL)
			return pl_err_set(a->err, -PL_EDATA, "%s:%ld: NUL byte: this is not text",
			    a->name, a->lineno);
		for (long i = 0; i < n; i++)
			if (!isspace((unsigned char)buf[i])) {
				filled++;
				break;
			}
		if (pl_buf_add(head, buf, (size_t)n) != 0)
			return pl_err_set(a->err, -PL_ENOMEM, "out of memory");
	}
	if (ferror(f))
		return pl_err_set(a->err, -PL_EIO, "%s: read error: %s", a->name, strerror(errno));
	return 0;
}

static void
json_open(struct pl_buf *b, struct ann *a)
{
	pl_json_init(&a->j, b, 2);
	pl_json_envelope(&a->j, "annotate", 1);
	pl_json_kstr(&a->j, "input", a->name);
	pl_json_kstr(&a->j, "format", pl_ann_format_name(a->fmt));
	pl_json_kstr(&a->j, "snapshot", pl_store_current_snapshot(a->st));
	pl_json_karr(&a->j, "items");
}

/* The reports of every port the items named, in port order, one at a time. */
static int
json_close(struct pl_buf *b, struct ann *a)
{
	struct pl_report_opts ro = { .no_host = true };
	int rc = 0;

	pl_json_end(&a->j);
	pl_json_karr(&a->j, "reports");
	for (size_t k = 0; k < SLOTS && rc == 0; k++) {
		struct pl_report r;

		if (a->note[k] == NULL)
			continue;
		if ((rc = pl_report_build(a->st, (uint16_t)(k / PL_PROTO_COUNT),
		    (enum pl_proto)(k % PL_PROTO_COUNT), &ro, &r, a->err)) != 0)
			break;
		pl_report_json(&a->j, &r);
		pl_report_free(&r);
		if ((rc = pl_buf_error(b)) == 0 && b->len > 1 << 16 && cli_flush(b) != 0)
			rc = -PL_EIO;
	}
	pl_json_end(&a->j);
	pl_json_end(&a->j);
	pl_buf_addc(b, '\n');
	return rc != 0 ? rc : pl_json_done(&a->j);
}

/* Detects the format from the head, then reads everything line by line. */
static int
stream(FILE *f, struct ann *a, enum pl_ann_format fmt, struct pl_buf *out)
{
	static char buf[PL_ANN_LINE_MAX + 2];
	struct pl_buf head = PL_BUF_INIT;
	const struct pl_ann_item *items;
	const char *p, *end;
	bool eof, blank = true;
	long n;
	int rc;

	if ((rc = read_head(f, a, &head, buf, sizeof(buf), &eof)) != 0)
		goto out;
	for (size_t i = 0; i < head.len && blank; i++)
		blank = isspace((unsigned char)head.data[i]);
	/* Nothing at all (a scan that found nothing, an empty file) is no error. */
	if (fmt == PL_ANN_UNKNOWN && eof && blank)
		fmt = PL_ANN_PLAIN;
	if (fmt == PL_ANN_UNKNOWN && (fmt = pl_ann_detect(head.data ? head.data : "", head.len)) ==
	    PL_ANN_UNKNOWN) {
		rc = pl_err_set(a->err, -PL_EDATA, "%s: format not recognised (nmap -oX/-oG, masscan "
		    "-oJ/-oL, ss, lsof, netstat, sockstat or PORT/PROTO lines; see --format)", a->name);
		goto out;
	}
	a->fmt = fmt;
	if ((rc = pl_ann_reader_new(&a->reader, a->name, fmt, a->err)) != 0)
		goto out;
	if (a->json)
		json_open(out, a);
	p = head.data ? head.data : "";
	end = p + head.len;
	while (p < end && rc == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		rc = one_line(out, a, p, (size_t)((nl ? nl : end) - p));
		p = nl ? nl + 1 : end;
	}
	pl_buf_free(&head);
	while (rc == 0 && !eof && (n = next_line(f, a, buf, sizeof(buf))) != 0) {
		if (n < 0)
			rc = (int)n;
		else
			rc = one_line(out, a, buf, (size_t)(buf[n - 1] == '\n' ? n - 1 : n));
	}
	if (rc == 0 && (n = pl_ann_reader_end(a->reader, &items)) < 0)
		rc = (int)n;
	else if (rc == 0)
		rc = write_items(out, a, items, n);
	if (rc == 0 && a->json)
		rc = json_close(out, a);
out:
	pl_buf_free(&head);
	return rc;
}

/* annotate's own options, and the input, opened by the check before the store. */
struct annotate_opts {
	enum pl_ann_format fmt;    /* --format, or PL_ANN_UNKNOWN: detect */
	const char *name;          /* the input's name in messages: the path or "stdin" */
	FILE *f;                   /* stdin, or the file, closed by the done hook */
};

_Static_assert(sizeof(struct annotate_opts) <= CLI_OPTS_MAX, "annotate's options fit");

const struct option cmd_annotate_longopts[] = {
	COMMON_LONGOPTS,
	{ "format", required_argument, NULL, 'f' },
	{ NULL, 0, NULL, 0 }
};

int
cmd_annotate_option(struct cli_ctx *x, int ch, const char *arg)
{
	struct annotate_opts *o = x->opts;

	if (ch != 'f')
		return 1;
	if ((o->fmt = pl_ann_format_parse(arg)) == PL_ANN_UNKNOWN) {
		cli_warn("portlore: --format '%.40s': give one of", arg);
		for (int f = 1; f < PL_ANN_FORMAT_COUNT; f++)
			cli_warn(" %s", pl_ann_format_name((enum pl_ann_format)f));
		fputc('\n', stderr);
		return -1;
	}
	return 0;
}

/* Opens the input (FILE, or - or nothing for standard input) before the store: a
 * file that is not there is the user's mistake, said first. */
int
cmd_annotate_check(struct cli_ctx *x)
{
	struct annotate_opts *o = x->opts;
	const char *path = x->argc > 0 ? x->argv[0] : NULL;
	struct pl_err err = { 0 };

	if (path == NULL || strcmp(path, "-") == 0) {
		o->name = "stdin";
		o->f = stdin;
		return -1;
	}
	o->name = path;
	if ((o->f = fopen(path, "re")) == NULL) {
		pl_err_set(&err, -PL_EIO, "%s: %s", path, strerror(errno));
		return cli_fail(&err, errno == ENOENT ? -PL_EUSAGE : -PL_EIO);
	}
	return -1;
}

void
cmd_annotate_done(struct cli_ctx *x)
{
	struct annotate_opts *o = x->opts;

	if (o->f != NULL && o->f != stdin)
		fclose(o->f);
	o->f = NULL;
}

int
cmd_annotate_run(struct cli_ctx *x)
{
	const struct annotate_opts *o = x->opts;
	struct pl_err err = { 0 };
	struct ann a = { .name = o->name, .json = x->c.json, .err = &err, .st = x->st };
	struct pl_buf out = PL_BUF_INIT;
	int rc, status;

	if ((a.note = calloc(SLOTS, sizeof(*a.note))) == NULL) {
		status = cli_fail(NULL, -PL_ENOMEM);
		goto out;
	}
	rc = stream(o->f, &a, o->fmt, &out);
	status = rc == -PL_EIO && err.code == 0 ? EXIT_SYSTEM : rc ? cli_fail(&err, rc) :
	    cli_flush(&out);
out:
	ann_free(&a);
	pl_buf_free(&out);
	return status;
}
