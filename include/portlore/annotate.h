/*
 * Reading what users already have: the output of port scanners (nmap -oX and -oG,
 * masscan -oJ and -oL) and of socket listers (ss -tulnp, lsof -nP -i, netstat -tulpn,
 * Windows netstat -ano, FreeBSD sockstat -l), or plain "PORT[/PROTO]" lines. The
 * format is detected; every port found becomes an item that names its input line, so
 * that the program can print the input back with registry and lore next to each line.
 *
 * Ownership: pl_ann_parse() fills a caller-owned struct pl_ann_doc; its items belong
 * to it and are released by pl_ann_doc_free() (safe on a zeroed doc). Parsers never
 * keep pointers into the text they were given.
 */
#ifndef PORTLORE_ANNOTATE_H
#define PORTLORE_ANNOTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "portlore/error.h"
#include "portlore/portspec.h"
#include "portlore/report.h"

/* Input limits: a line longer than this is refused; pl_ann_parse(), which holds the
 * whole input in memory, refuses more bytes in all. The reader has no total limit. */
#define PL_ANN_LINE_MAX 65536
#define PL_ANN_INPUT_MAX (32L << 20)

enum pl_ann_format {
	PL_ANN_UNKNOWN = 0,
	PL_ANN_NMAP_XML,        /* nmap -oX */
	PL_ANN_NMAP_GREP,       /* nmap -oG */
	PL_ANN_MASSCAN_JSON,    /* masscan -oJ */
	PL_ANN_MASSCAN_LIST,    /* masscan -oL */
	PL_ANN_SS,              /* ss -tulnp (iproute2) */
	PL_ANN_LSOF,            /* lsof -nP -i */
	PL_ANN_NETSTAT,         /* netstat -tulpn (net-tools) */
	PL_ANN_NETSTAT_WIN,     /* Windows netstat -ano */
	PL_ANN_SOCKSTAT,        /* FreeBSD sockstat -l */
	PL_ANN_PLAIN,           /* "22/tcp", "8080", one per line, '#' comments */
	PL_ANN_FORMAT_COUNT
};

/* Returns the format's name ("nmap-xml", "ss", ...; "unknown" for PL_ANN_UNKNOWN). */
const char *pl_ann_format_name(enum pl_ann_format f);

/* Returns the format named name, or PL_ANN_UNKNOWN. */
enum pl_ann_format pl_ann_format_parse(const char *name);

/* Whether the format reports a network scan (ports probed from elsewhere) rather
 * than sockets listed on the machine that produced it. */
bool pl_ann_format_is_scan(enum pl_ann_format f);

/* One port found in the input. Text fields are "" when the input has none; they are
 * truncated to their size and hold printable UTF-8 only (other bytes become '?'). */
struct pl_ann_item {
	long line;                    /* 1-based input line */
	uint16_t port;                /* valid when name is "" */
	char name[PL_NAME_MAX + 1];   /* a service name where a number should be
	                               * ("*:ssh" from lsof without -P), "" otherwise */
	enum pl_proto proto;          /* PL_PROTO_ANY: plain lines that name none */
	char addr[72];                /* local address, or the scanned host */
	char state[24];               /* "LISTEN", "open", ... */
	char process[64];             /* program that owns the socket */
	long pid;                     /* -1 when unknown */
	char service[48];             /* the scanner's own service guess (nmap) */
};

struct pl_ann_doc {
	enum pl_ann_format format;
	struct pl_ann_item *items;
	size_t nitems;
};

/*
 * Guesses the format of text[0..len) from its first 40 non-blank lines (at most the
 * first 64 KiB): a line characteristic of a format, or else plain PORT/PROTO lines
 * when all of those read as such. However long the input, the answer is the same.
 * Returns PL_ANN_UNKNOWN when nothing fits.
 */
enum pl_ann_format pl_ann_detect(const char *text, size_t len);

/*
 * Parses text[0..len) (need not be NUL-terminated) as fmt, or as the detected format
 * when fmt is PL_ANN_UNKNOWN, into doc. name labels messages ("scan.xml", "stdin").
 * Returns 0; -PL_ETOOBIG when the input or a line exceeds the limits above;
 * -PL_EDATA for malformed input or an undetectable format (err is "name:line:
 * reason"); -PL_ENOMEM. On failure doc is left empty.
 */
int pl_ann_parse(const char *name, const char *text, size_t len, enum pl_ann_format fmt,
    struct pl_ann_doc *doc, struct pl_err *err);

void pl_ann_doc_free(struct pl_ann_doc *doc);

/*
 * Reading line by line, for inputs of any length in memory bounded by the longest
 * line: the reader keeps only the state of the format (nmap -oX goes through expat's
 * streaming parser). fmt must be known (pl_ann_detect() on the first lines).
 *
 * pl_ann_reader_line() reads the next line (its line end may be included or not) and
 * returns the number of items it completed, lent through *items until the next call
 * (nmap -oX: ports whose element ended on this line; their .line is where it began),
 * or a negative code: -PL_ETOOBIG for a line over PL_ANN_LINE_MAX, -PL_EDATA ("name:
 * line: reason"), -PL_ENOMEM; err is the one given to pl_ann_reader_new().
 * pl_ann_reader_end() says the input ended (nmap -oX must be complete) and returns the
 * same way.
 */
struct pl_ann_reader;
int pl_ann_reader_new(struct pl_ann_reader **out, const char *name, enum pl_ann_format fmt,
    struct pl_err *err);
long pl_ann_reader_line(struct pl_ann_reader *r, const char *s, size_t n,
    const struct pl_ann_item **items);
long pl_ann_reader_end(struct pl_ann_reader *r, const struct pl_ann_item **items);
void pl_ann_reader_free(struct pl_ann_reader *r);

/*
 * Annotating: the registry's and lore's short word on each port the items name. The
 * notes are built on first use, one per port and protocol, so that a long input that
 * repeats a port looks it up once; memory is bounded by the number of ports, not by
 * the input. The renderers of render-annotate.h write them as text or JSON.
 *
 * Ownership: pl_ann_notes_new() gives the caller the set (pl_ann_notes_free()); the
 * notes and the annotated items it fills are lent until the set is freed.
 */

/* A registry row that names a service. */
struct pl_ann_service {
	char *service, *description;
	uint16_t lo, hi;
};

/* A lore use of the port (uses through ranges wider than 64 ports are left out). */
struct pl_ann_lore {
	char *id, *name;
};

struct pl_ann_note {
	enum pl_reg_status status;
	char *snapshot;                /* the registry snapshot's label, NULL when none */
	/* the named rows of exactly this port and protocol (the first nexact), then the
	 * named ranges that hold it */
	struct pl_ann_service *services; size_t nservices, nexact;
	struct pl_ann_lore *lore; size_t nlore;
};

/* An item with its port resolved and the notes of each of its protocols. */
struct pl_ann_annotated {
	const struct pl_ann_item *item;
	bool known;                    /* false: a service name the store does not know */
	uint16_t port;
	int nprotos;                   /* its protocol, or tcp and udp when it names none */
	enum pl_proto protos[2];
	const struct pl_ann_note *notes[2];
};

struct pl_ann_notes;
int pl_ann_notes_new(struct pl_ann_notes **out, struct pl_store *st, struct pl_err *err);
void pl_ann_notes_free(struct pl_ann_notes *n);

/* Resolves it (a service name through the store) and fills out with its notes. Returns
 * 0, or -PL_ENOMEM, -PL_ESTORE (err set). */
int pl_ann_annotate(struct pl_ann_notes *n, const struct pl_ann_item *it,
    struct pl_ann_annotated *out, struct pl_err *err);

/* The ports noted so far, in port then protocol order: starting from *pos (0 at
 * first), returns true with the next one's port and protocol, false after the last. */
bool pl_ann_notes_next(const struct pl_ann_notes *n, size_t *pos, uint16_t *port,
    enum pl_proto *proto);

/*
 * Reads f (named name in messages) line by line, at most PL_ANN_LINE_MAX bytes a line:
 * detects the format from the first lines when fmt is PL_ANN_UNKNOWN, calls start
 * with it, then line with each input line (without its line end) and the items that
 * line completed, and line once more with s NULL for the items the end of the input
 * completed. A non-zero return of a callback stops the reading and is returned.
 * Returns 0; -PL_EDATA (a NUL byte, malformed input, a format not recognised),
 * -PL_ETOOBIG (a line too long), -PL_EIO (a read error), -PL_ENOMEM, with err set.
 */
struct pl_ann_sink {
	int (*start)(void *arg, enum pl_ann_format fmt);
	int (*line)(void *arg, const char *s, size_t n, const struct pl_ann_item *items,
	    long nitems);
};
int pl_ann_read(FILE *f, const char *name, enum pl_ann_format fmt,
    const struct pl_ann_sink *sink, void *arg, struct pl_err *err);

#endif
