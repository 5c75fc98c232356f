/*
 * annotate-notes.c: what annotate says about each port an input names (the notes,
 * built once per port and protocol from the report), and the reading of an input
 * line by line with its format detected from the first lines.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portlore/annotate.h"
#include "portlore/report.h"

/* A note per port and protocol, built on first use. */
#define SLOTS (65536 * PL_PROTO_COUNT)
#define SLOT(port, proto) ((size_t)(port) * PL_PROTO_COUNT + (size_t)(proto))

struct pl_ann_notes {
	struct pl_store *st;
	struct pl_ann_note **note;     /* SLOTS of them */
};

static void
note_free(struct pl_ann_note *n)
{
	if (n == NULL)
		return;
	for (size_t i = 0; i < n->nservices; i++) {
		free(n->services[i].service);
		free(n->services[i].description);
	}
	for (size_t i = 0; i < n->nlore; i++) {
		free(n->lore[i].id);
		free(n->lore[i].name);
	}
	free(n->services);
	free(n->lore);
	free(n->snapshot);
	free(n);
}

int
pl_ann_notes_new(struct pl_ann_notes **out, struct pl_store *st, struct pl_err *err)
{
	struct pl_ann_notes *n = calloc(1, sizeof(*n));

	if (n == NULL || (n->note = calloc(SLOTS, sizeof(*n->note))) == NULL) {
		free(n);
		return pl_err_set(err, -PL_ENOMEM, "out of memory");
	}
	n->st = st;
	*out = n;
	return 0;
}

void
pl_ann_notes_free(struct pl_ann_notes *n)
{
	if (n == NULL)
		return;
	for (size_t i = 0; i < SLOTS; i++)
		note_free(n->note[i]);
	free(n->note);
	free(n);
}

/* Adds the named rows of rec[0..nrec) to n; -1 when out of memory. */
static int
add_services(struct pl_ann_note *n, const struct pl_record *rec, size_t nrec)
{
	for (size_t i = 0; i < nrec; i++) {
		struct pl_ann_service *v, *s;

		if (*rec[i].service == '\0')
			continue;
		if ((v = realloc(n->services, (n->nservices + 1) * sizeof(*v))) == NULL)
			return -1;
		n->services = v;
		s = &v[n->nservices++];
		s->lo = rec[i].lo;
		s->hi = rec[i].hi;
		s->description = NULL;
		if ((s->service = strdup(rec[i].service)) == NULL ||
		    (s->description = strdup(rec[i].description)) == NULL)
			return -1;
	}
	return 0;
}

static int
note_build(struct pl_ann_note *n, const struct pl_report *r)
{
	n->status = r->status;
	if (r->snapshot && (n->snapshot = strdup(r->snapshot)) == NULL)
		return -1;
	if (add_services(n, r->records, r->nrecords) != 0)
		return -1;
	n->nexact = n->nservices;
	if (add_services(n, r->ranges, r->nranges) != 0)
		return -1;
	for (size_t i = 0; i < r->nuses; i++) {
		struct pl_ann_lore *v;

		/* Wide ranges ("any port above 1024") say nothing about this port. */
		if (r->uses[i].broad)
			continue;
		if ((v = realloc(n->lore, (n->nlore + 1) * sizeof(*v))) == NULL)
			return -1;
		n->lore = v;
		v[n->nlore].name = NULL;
		if ((v[n->nlore++].id = strdup(r->uses[i].id)) == NULL ||
		    (v[n->nlore - 1].name = strdup(r->uses[i].name)) == NULL)
			return -1;
	}
	return 0;
}

/* The note of port/proto, built on first use. */
static int
note_get(struct pl_ann_notes *a, uint16_t port, enum pl_proto proto,
    const struct pl_ann_note **out, struct pl_err *err)
{
	struct pl_report_opts ro = { .no_host = true };
	size_t k = SLOT(port, proto);
	struct pl_report r;
	struct pl_ann_note *n;
	int rc;

	if (a->note[k] == NULL) {
		if ((rc = pl_report_build(a->st, port, proto, &ro, &r, err)) != 0)
			return rc;
		if ((n = calloc(1, sizeof(*n))) == NULL || note_build(n, &r) != 0) {
			note_free(n);
			pl_report_free(&r);
			return pl_err_set(err, -PL_ENOMEM, "out of memory");
		}
		pl_report_free(&r);
		a->note[k] = n;
	}
	*out = a->note[k];
	return 0;
}

int
pl_ann_annotate(struct pl_ann_notes *n, const struct pl_ann_item *it,
    struct pl_ann_annotated *out, struct pl_err *err)
{
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->item = it;
	out->port = it->port;
	out->known = true;
	if (it->name[0] != '\0') {
		struct pl_port_ref *refs = NULL;
		struct pl_err ignored;
		int nr = pl_store_resolve_name(n->st, it->name, it->proto, &refs, &ignored);

		if (nr > 0)
			out->port = refs[0].lo;
		free(refs);
		out->known = nr > 0;
	}
	if (it->proto != PL_PROTO_ANY) {
		out->protos[0] = it->proto;
		out->nprotos = 1;
	} else {
		out->protos[0] = PL_PROTO_TCP;
		out->protos[1] = PL_PROTO_UDP;
		out->nprotos = 2;
	}
	for (int k = 0; k < out->nprotos && out->known && rc == 0; k++)
		rc = note_get(n, out->port, out->protos[k], &out->notes[k], err);
	return rc;
}

bool
pl_ann_notes_next(const struct pl_ann_notes *n, size_t *pos, uint16_t *port,
    enum pl_proto *proto)
{
	for (size_t k = *pos; k < SLOTS; k++)
		if (n->note[k] != NULL) {
			*port = (uint16_t)(k / PL_PROTO_COUNT);
			*proto = (enum pl_proto)(k % PL_PROTO_COUNT);
			*pos = k + 1;
			return true;
		}
	*pos = SLOTS;
	return false;
}

/* ---- reading ---- */

struct rd {
	FILE *f;
	const char *name;
	long lineno;                  /* lines read */
	struct pl_err *err;
};

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

static int
too_long(struct rd *r)
{
	return pl_err_set(r->err, -PL_ETOOBIG, "%s:%ld: line of more than %d bytes is too long",
	    r->name, r->lineno + 1, PL_ANN_LINE_MAX);
}

static int
read_error(struct rd *r)
{
	return pl_err_set(r->err, -PL_EIO, "%s: read error: %s", r->name, strerror(errno));
}

/* The next line's length with its line end, or 0 at the end; a negative code (err
 * set) for a line too long or a read error. */
static long
next_line(struct rd *r, char *buf, size_t cap)
{
	long n = read_line(r->f, buf, cap);

	if (n < 0)
		return too_long(r);
	if (n == 0 && ferror(r->f))
		return read_error(r);
	r->lineno += n > 0;
	return n;
}

/*
 * The first lines, kept for detecting the format: up to 40 lines with something on
 * them, or 64 KiB. Returns 0 with *eof set when the input ended there.
 */
static int
read_head(struct rd *r, struct pl_buf *head, char *buf, size_t cap, bool *eof)
{
	int filled = 0;
	long n;

	*eof = false;
	while (filled < 40 && head->len < 65536) {
		if ((n = read_line(r->f, buf, cap)) < 0)
			return too_long(r);
		if (n == 0) {
			*eof = true;
			break;
		}
		r->lineno++;
		/* Said before the format is guessed: it is what is wrong with such input. */
		if (memchr(buf, '\0', (size_t)n) != NULL)
			return pl_err_set(r->err, -PL_EDATA, "%s:%ld: NUL byte: this is not text",
			    r->name, r->lineno);
		for (long i = 0; i < n; i++)
			if (!isspace((unsigned char)buf[i])) {
				filled++;
				break;
			}
		if (pl_buf_add(head, buf, (size_t)n) != 0)
			return pl_err_set(r->err, -PL_ENOMEM, "out of memory");
	}
	return ferror(r->f) ? read_error(r) : 0;
}

/* The format: fmt, or detected from the head; PL_ANN_UNKNOWN when nothing fits. */
static enum pl_ann_format
head_format(const struct pl_buf *head, bool eof, enum pl_ann_format fmt)
{
	bool blank = true;

	for (size_t i = 0; i < head->len && blank; i++)
		blank = isspace((unsigned char)head->data[i]);
	/* Nothing at all (a scan that found nothing, an empty file) is no error. */
	if (fmt == PL_ANN_UNKNOWN && eof && blank)
		return PL_ANN_PLAIN;
	if (fmt == PL_ANN_UNKNOWN)
		return pl_ann_detect(head->data ? head->data : "", head->len);
	return fmt;
}

/* One input line (without its line end) through the reader to the sink. */
static int
one_line(struct pl_ann_reader *rd, const struct pl_ann_sink *sink, void *arg, const char *s,
    size_t n)
{
	const struct pl_ann_item *items;
	long k = pl_ann_reader_line(rd, s, n, &items);

	return k < 0 ? (int)k : sink->line(arg, s, n, items, k);
}

int
pl_ann_read(FILE *f, const char *name, enum pl_ann_format fmt,
    const struct pl_ann_sink *sink, void *arg, struct pl_err *err)
{
	size_t cap = PL_ANN_LINE_MAX + 2;
	char *buf = malloc(cap);
	struct rd r = { .f = f, .name = name, .err = err };
	struct pl_ann_reader *rd = NULL;
	struct pl_buf head = PL_BUF_INIT;
	const struct pl_ann_item *items;
	const char *p, *end;
	bool eof;
	long n;
	int rc;

	if (buf == NULL)
		return pl_err_set(err, -PL_ENOMEM, "out of memory");
	if ((rc = read_head(&r, &head, buf, cap, &eof)) != 0)
		goto out;
	if ((fmt = head_format(&head, eof, fmt)) == PL_ANN_UNKNOWN) {
		rc = pl_err_set(err, -PL_EDATA, "%s: format not recognised (nmap -oX/-oG, masscan "
		    "-oJ/-oL, ss, lsof, netstat, sockstat or PORT/PROTO lines; see --format)", name);
		goto out;
	}
	if ((rc = pl_ann_reader_new(&rd, name, fmt, err)) != 0 || (rc = sink->start(arg, fmt)) != 0)
		goto out;
	p = head.data ? head.data : "";
	end = p + head.len;
	while (p < end && rc == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		rc = one_line(rd, sink, arg, p, (size_t)((nl ? nl : end) - p));
		p = nl ? nl + 1 : end;
	}
	while (rc == 0 && !eof && (n = next_line(&r, buf, cap)) != 0) {
		if (n < 0)
			rc = (int)n;
		else
			rc = one_line(rd, sink, arg, buf, (size_t)(buf[n - 1] == '\n' ? n - 1 : n));
	}
	if (rc == 0 && (n = pl_ann_reader_end(rd, &items)) < 0)
		rc = (int)n;
	else if (rc == 0)
		rc = sink->line(arg, NULL, 0, items, n);
out:
	pl_ann_reader_free(rd);
	pl_buf_free(&head);
	free(buf);
	return rc;
}
