/* cmd-annotate.c: `portlore annotate [FILE]`, a scanner's or socket lister's output
 * printed back with the registry's and lore's word under each line that has a port. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "portlore/annotate.h"
#include "portlore/report.h"

#define ANNOTATE_SCHEMA "https://portlore.dev/schema/annotate/1"

/* A target is a port and protocol; a slot holds what was said about it once, so that a
 * long input repeating a port builds its report once. Memory is bounded by the number
 * of slots, not by the input. */
#define SLOTS (65536 * PL_PROTO_COUNT)
#define SLOT(port, proto) ((size_t)(port) * PL_PROTO_COUNT + (size_t)(proto))

struct ann {
	const char *name;             /* the input's name */
	enum pl_ann_format fmt;
	bool json;
	struct pl_store *st;
	struct pl_ann_reader *reader;
	struct pl_err *err;
	char **note;                  /* per slot: the registry's and lore's word, text */
	json_t **jnote;               /* per slot: the same as JSON */
	size_t nitems;                /* items written so far */
	long lineno;                  /* lines read */
};

static void
ann_free(struct ann *a)
{
	for (size_t i = 0; a->note != NULL && i < SLOTS; i++) {
		free(a->note[i]);
		json_decref(a->jnote[i]);
	}
	free(a->note);
	free(a->jnote);
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

static json_t *
jstr(const char *s)
{
	json_t *j = *s ? json_string(s) : json_null();

	return j ? j : json_null();
}

/* The registry's and lore's short word on one target, for an item. */
static json_t *
target_json(const struct pl_report *r, uint16_t port, enum pl_proto proto)
{
	json_t *services = json_array(), *lore = json_array();

	for (size_t i = 0; i < r->nrecords; i++)
		if (*r->records[i].service)
			json_array_append_new(services, jstr(r->records[i].service));
	for (size_t i = 0; i < r->nranges; i++)
		if (*r->ranges[i].service)
			json_array_append_new(services, jstr(r->ranges[i].service));
	for (size_t i = 0; i < r->nuses; i++)
		if (!r->uses[i].broad)
			json_array_append_new(lore, jstr(r->uses[i].id));
	return json_pack("{s:i, s:s, s:s, s:o, s:o}", "port", port, "protocol",
	    pl_proto_name(proto), "status", pl_reg_status_name(r->status),
	    "services", services, "lore", lore);
}

/* What the registry and lore say about port/proto, built on first use. */
static int
target(struct ann *a, uint16_t port, enum pl_proto proto, const char **text, json_t **json)
{
	struct pl_report_opts ro = { .no_host = true };
	size_t k = SLOT(port, proto);
	struct pl_buf b = PL_BUF_INIT;
	struct pl_report r;
	json_t *j;
	int rc;

	if (a->note[k] == NULL) {
		if ((rc = pl_report_build(a->st, port, proto, &ro, &r, a->err)) != 0)
			return rc;
		rc = registry_text(&b, &r);
		rc = rc ? rc : lore_text(&b, &r);
		j = rc ? NULL : target_json(&r, port, proto);
		pl_report_free(&r);
		if (rc == 0 && (a->jnote[k] = j) == NULL)
			rc = -PL_ENOMEM;
		if (rc == 0 && (a->note[k] = strdup(pl_buf_str(&b))) == NULL)
			rc = -PL_ENOMEM;
		pl_buf_free(&b);
		if (rc != 0) {
			json_decref(a->jnote[k]);
			a->jnote[k] = NULL;
			return pl_err_set(a->err, rc, "out of memory");
		}
	}
	*text = a->note[k];
	*json = a->jnote[k];
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
	const char *text;
	json_t *json;
	enum pl_proto p[2];
	uint16_t port;
	int np = item_protos(it, p), rc = 0;

	if (!item_port(a, it, &port))
		rc = pl_buf_printf(&line, "%s: not a service name the store knows", it->name);
	else
		for (int k = 0; k < np && rc == 0; k++) {
			rc = target(a, port, p[k], &text, &json);
			rc = rc ? rc : pl_buf_printf(&line, "%s%u/%s %s", k ? " | " : "", port,
			    pl_proto_name(p[k]), text);
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

static json_t *
item_json(struct ann *a, const struct pl_ann_item *it, int *rc)
{
	json_t *o, *ann = json_array(), *json;
	const char *text;
	enum pl_proto p[2];
	uint16_t port;
	bool known = item_port(a, it, &port);
	int np = item_protos(it, p);

	for (int k = 0; k < np && known && *rc == 0; k++)
		if ((*rc = target(a, port, p[k], &text, &json)) == 0)
			json_array_append(ann, json);   /* shared: one object per port */
	o = json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:o}",
	    "line", (json_int_t)it->line,
	    "port", known ? json_integer(port) : json_null(),
	    "name", jstr(it->name),
	    "protocol", jstr(pl_proto_name(it->proto)),
	    "address", jstr(it->addr), "state", jstr(it->state), "process", jstr(it->process),
	    "pid", it->pid < 0 ? json_null() : json_integer(it->pid),
	    "service", jstr(it->service),
	    /* What the input says was seen by a scan elsewhere, or on the machine that
	     * listed its sockets. */
	    "provenance", pl_prov_name(pl_ann_format_is_scan(a->fmt) ? PL_PROV_PROBED :
	    PL_PROV_OBSERVED), "annotations", ann);
	return o ? o : json_null();
}

/* jansson dump callback: appends to a pl_buf, indenting each new line by 4 spaces so
 * that the value sits inside the document's arrays. */
static int
dump_indented(const char *s, size_t len, void *arg)
{
	struct pl_buf *b = arg;

	while (len > 0) {
		const char *nl = memchr(s, '\n', len);
		size_t n = nl ? (size_t)(nl - s) + 1 : len;

		if (pl_buf_add(b, s, n) != 0 || (nl && pl_buf_add(b, "    ", 4) != 0))
			return -1;
		s += n;
		len -= n;
	}
	return 0;
}

/* Appends one array element (taking j) and flushes the buffer when it grows large,
 * so that thousands of reports never pile up in memory. */
static int
emit(struct pl_buf *b, json_t *j, size_t i)
{
	int rc = pl_buf_adds(b, i > 0 ? ",\n    " : "\n    ");

	if (rc == 0 && (j == NULL || json_dump_callback(j, dump_indented, b,
	    JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0))
		rc = -PL_ENOMEM;
	json_decref(j);
	if (rc == 0 && b->len > 1 << 16 && cli_flush(b) != 0)
		rc = -PL_EIO;
	return rc;
}

/* Writes the items a line completed: annotations under the line, or JSON items. */
static int
write_items(struct pl_buf *b, struct ann *a, const struct pl_ann_item *items, long n)
{
	int rc = 0;

	for (long i = 0; i < n && rc == 0; i++) {
		if (a->json) {
			json_t *j = item_json(a, &items[i], &rc);

			rc = rc ? (json_decref(j), rc) : emit(b, j, a->nitems);
		} else {
			rc = annotate_line(b, a, &items[i]);
		}
		a->nitems++;
	}
	/* Stream: a long input never piles up in memory. */
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

static int
json_open(struct pl_buf *b, struct ann *a)
{
	const char *snap = pl_store_current_snapshot(a->st);
	json_t *head = json_pack("{s:s, s:i, s:s, s:s, s:o}", "schema", ANNOTATE_SCHEMA,
	    "version", 1, "input", a->name, "format", pl_ann_format_name(a->fmt),
	    "snapshot", snap ? json_string(snap) : json_null());
	char *s = head ? json_dumps(head, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	size_t n = s ? strlen(s) : 0;
	int rc = 0;

	json_decref(head);
	if (s == NULL || n < 2)
		rc = -PL_ENOMEM;
	/* The small head object, left open, then the two arrays streamed into it. */
	if (rc == 0)
		rc = pl_buf_printf(b, "%.*s,\n  \"items\": [", (int)(n - 2), s);
	free(s);
	return rc;
}

/* The reports of every port the items named, in port order, one at a time. */
static int
json_close(struct pl_buf *b, struct ann *a)
{
	struct pl_report_opts ro = { .no_host = true };
	size_t n = 0;
	int rc = pl_buf_adds(b, a->nitems ? "\n  ],\n  \"reports\": [" : "],\n  \"reports\": [");

	for (size_t k = 0; k < SLOTS && rc == 0; k++) {
		struct pl_report r;

		if (a->note[k] == NULL)
			continue;
		if ((rc = pl_report_build(a->st, (uint16_t)(k / PL_PROTO_COUNT),
		    (enum pl_proto)(k % PL_PROTO_COUNT), &ro, &r, a->err)) != 0)
			break;
		rc = emit(b, pl_report_json(&r), n++);
		pl_report_free(&r);
	}
	return rc ? rc : pl_buf_adds(b, n ? "\n  ]\n}\n" : "]\n}\n");
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
	if ((rc = pl_ann_reader_new(&a->reader, a->name, fmt, a->err)) != 0 ||
	    (a->json && (rc = json_open(out, a)) != 0))
		goto out;
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

static int
run(const struct common *c, enum pl_ann_format fmt, const char *path)
{
	bool from_stdin = path == NULL || strcmp(path, "-") == 0;
	struct pl_err err = { 0 };
	struct ann a = { .name = from_stdin ? "stdin" : path, .json = c->json, .err = &err };
	struct pl_buf out = PL_BUF_INIT;
	FILE *f = stdin;
	int rc, status;

	if (!from_stdin && (f = fopen(path, "re")) == NULL) {
		pl_err_set(&err, -PL_EIO, "%s: %s", path, strerror(errno));
		return cli_fail(&err, errno == ENOENT ? -PL_EUSAGE : -PL_EIO);
	}
	if ((status = cli_open_store(c, &a.st, PL_STORE_READ)) != 0)
		goto out;
	if ((a.note = calloc(SLOTS, sizeof(*a.note))) == NULL ||
	    (a.jnote = calloc(SLOTS, sizeof(*a.jnote))) == NULL) {
		status = cli_fail(NULL, -PL_ENOMEM);
		goto out;
	}
	rc = stream(f, &a, fmt, &out);
	status = rc == -PL_EIO && err.code == 0 ? EXIT_SYSTEM : rc ? cli_fail(&err, rc) :
	    cli_flush(&out);
out:
	if (f != stdin)
		fclose(f);
	ann_free(&a);
	pl_store_close(a.st);
	pl_buf_free(&out);
	return status;
}

int
cmd_annotate(int argc, char **argv)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	struct common c = { .color = -1 };
	enum pl_ann_format fmt = PL_ANN_UNKNOWN;
	int ch, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "d:jC:w:hf:", longopts, NULL)) != -1) {
		if ((rc = cli_common_opt(&c, ch, optarg)) < 0)
			return EXIT_USAGE;
		if (rc > 0)
			continue;
		if (ch == 'h')
			return cli_usage("annotate", EXIT_OK);
		if (ch != 'f')
			return cli_usage("annotate", EXIT_USAGE);
		if ((fmt = pl_ann_format_parse(optarg)) == PL_ANN_UNKNOWN) {
			cli_warn("portlore: --format '%.40s': give one of", optarg);
			for (int f = 1; f < PL_ANN_FORMAT_COUNT; f++)
				cli_warn(" %s", pl_ann_format_name((enum pl_ann_format)f));
			fputc('\n', stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind > 1)
		return cli_usage("annotate", EXIT_USAGE);
	return run(&c, fmt, optind < argc ? argv[optind] : NULL);
}
