/*
 * iana.c: import IANA's "Service Name and Transport Protocol Port Number Registry"
 * CSV (https://www.iana.org/assignments/service-names-port-numbers/) as a snapshot.
 *
 * What the file holds (RFC 6335 section 8.1 lists the fields): twelve columns, quoted
 * fields that span lines, UTF-8, CRLF or LF line ends, port ranges ("6000-6063"),
 * rows with no port (service names only) or no protocol (unassigned ranges). Older
 * copies name the eleventh column "Known Unauthorized Uses" instead of
 * "Unauthorized Use Reported". Everything is checked; the first problem stops the
 * import with "file:line: reason" and the transaction is rolled back.
 */
#include <csv.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "registry/store-internal.h"
#include "core/utf8.h"

#define NCOLS 12
#define FIELD_MAX 65536      /* the longest field IANA has is about 1.5 KB */

static const char *const header[NCOLS] = {
	"Service Name", "Port Number", "Transport Protocol", "Description", "Assignee",
	"Contact", "Registration Date", "Modification Date", "Reference", "Service Code",
	"Unauthorized Use Reported", "Assignment Notes",
};
static const char col11_old[] = "Known Unauthorized Uses";

struct imp {
	struct pl_store *st;
	struct pl_err *err;
	const char *file;
	long line;               /* physical line being fed to the parser */
	long row_line;           /* line where the current row began */
	char *f[NCOLS];
	size_t nf;
	long nfields_seen;       /* fields in this row, including ones past NCOLS */
	bool header_done;
	char col11[32];
	char newest[11];         /* newest date seen, YYYY-MM-DD or YYYY-MM */
	sqlite3_stmt *ins;
	long snap;
	struct pl_import_stats *stats;
	int rc;
};

static int
fail(struct imp *im, long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
fail(struct imp *im, long line, const char *fmt, ...)
{
	char why[400];
	va_list ap;

	if (im->rc != 0)
		return im->rc;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	im->rc = pl_err_set(im->err, -PL_EDATA, "%s:%ld: %s", im->file, line, why);
	return im->rc;
}

static void
clear_row(struct imp *im)
{
	for (size_t i = 0; i < im->nf; i++)
		free(im->f[i]);
	im->nf = 0;
	im->nfields_seen = 0;
}

/* libcsv: one field ended. */
static void
on_field(void *data, size_t len, void *arg)
{
	struct imp *im = arg;
	char *copy, *w;

	if (im->rc != 0)
		return;
	if (im->nfields_seen++ == 0)
		im->row_line = im->line;
	if (im->nf >= NCOLS)
		return;                          /* counted; reported at the row's end */
	if (len > FIELD_MAX) {
		fail(im, im->row_line, "field %zu is %zu bytes long (at most %d)", im->nf + 1,
		    len, FIELD_MAX);
		return;
	}
	if (!pl__utf8_valid(data, len)) {
		fail(im, im->row_line, "field %zu is not valid UTF-8", im->nf + 1);
		return;
	}
	if ((copy = malloc(len + 1)) == NULL) {
		im->rc = pl_err_set(im->err, -PL_ENOMEM, "out of memory");
		return;
	}
	/* Line ends inside quoted fields follow the file's own (CRLF or LF); keep LF. */
	w = copy;
	for (size_t i = 0; i < len; i++) {
		const char c = ((const char *)data)[i];

		if (c == '\r' && i + 1 < len && ((const char *)data)[i + 1] == '\n')
			continue;
		*w++ = c;
	}
	*w = '\0';
	im->f[im->nf++] = copy;
}

static bool
valid_date(const char *d)
{
	size_t n = strlen(d);

	/* "YYYY-MM" or "YYYY-MM-DD" */
	if (n != 7 && n != 10)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (i == 4 || i == 7) {
			if (d[i] != '-')
				return false;
		} else if (!isdigit((unsigned char)d[i]))
			return false;
	}
	if (atoi(d + 5) < 1 || atoi(d + 5) > 12)
		return false;
	return n == 7 || (atoi(d + 8) >= 1 && atoi(d + 8) <= 31);
}

static int
check_header(struct imp *im)
{
	for (int i = 0; i < NCOLS; i++) {
		const char *want = header[i];

		if (i == 10 && strcmp(im->f[i], col11_old) == 0)
			want = col11_old;
		if (strcmp(im->f[i], want) != 0)
			return fail(im, im->row_line, "not an IANA port registry CSV: column %d is "
			    "'%.60s', expected '%s'", i + 1, im->f[i], want);
	}
	snprintf(im->col11, sizeof(im->col11), "%s", im->f[10]);
	im->header_done = true;
	return 0;
}

/* Parses "N" or "N-M" (0-65535, N <= M). */
static int
parse_ports(const char *s, long *lo, long *hi)
{
	char *end;

	errno = 0;
	if (!isdigit((unsigned char)*s))
		return -1;
	*lo = strtol(s, &end, 10);
	*hi = *lo;
	if (*end == '-') {
		if (!isdigit((unsigned char)end[1]))
			return -1;
		*hi = strtol(end + 1, &end, 10);
	}
	if (*end != '\0' || errno != 0 || *lo < 0 || *hi > 65535 || *lo > *hi)
		return -1;
	return 0;
}

static void
note_date(struct imp *im, const char *d)
{
	if (*d != '\0' && strcmp(d, im->newest) > 0)
		snprintf(im->newest, sizeof(im->newest), "%s", d);
}

static int
insert_row(struct imp *im)
{
	sqlite3_stmt *s = im->ins;
	long lo = -1, hi = -1;
	char **f = im->f;

	if (*f[1] != '\0' && parse_ports(f[1], &lo, &hi) != 0)
		return fail(im, im->row_line, "port '%.40s' is not a port or range within 0-65535",
		    f[1]);
	if (*f[2] != '\0' && pl_proto_parse(f[2], strlen(f[2])) == PL_PROTO_ANY)
		return fail(im, im->row_line, "unknown transport protocol '%.40s'", f[2]);
	if (*f[0] == '\0' && *f[1] == '\0')
		return fail(im, im->row_line, "row has neither a service name nor a port");
	for (int i = 6; i <= 7; i++) {
		if (*f[i] != '\0' && !valid_date(f[i]))
			return fail(im, im->row_line, "%s '%.40s' is not a date (YYYY-MM or YYYY-MM-DD)",
			    header[i], f[i]);
		note_date(im, f[i]);
	}

	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, im->snap);
	sqlite3_bind_int64(s, 2, im->row_line);
	sqlite3_bind_text(s, 3, f[0], -1, SQLITE_STATIC);
	if (lo >= 0) {
		sqlite3_bind_int64(s, 4, lo);
		sqlite3_bind_int64(s, 5, hi);
		im->stats->ports++;
	} else {
		sqlite3_bind_null(s, 4);
		sqlite3_bind_null(s, 5);
		im->stats->names_only++;
	}
	/* The registry writes protocols in lower case; store them so. */
	for (char *p = f[2]; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	for (int i = 2; i < NCOLS; i++)
		sqlite3_bind_text(s, i + 4, f[i], -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		im->rc = pl_err_set(im->err, -PL_ESTORE, "store %s: %s", im->st->path,
		    sqlite3_errmsg(im->st->db));
		return im->rc;
	}
	im->stats->rows++;
	return 0;
}

/* libcsv: one row ended. */
static void
on_row(int c, void *arg)
{
	struct imp *im = arg;

	if (im->rc == 0) {
		if (im->nfields_seen != NCOLS)
			fail(im, im->row_line, "expected %d fields, found %ld", NCOLS, im->nfields_seen);
		else if (!im->header_done)
			check_header(im);
		else
			insert_row(im);
	}
	clear_row(im);
}

static int
begin_snapshot(struct imp *im, const char *path)
{
	sqlite3_stmt *s = NULL;
	char now[32];
	time_t t = time(NULL);
	struct tm tm;
	int rc;

	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	rc = sqlite3_prepare_v2(im->st->db, "INSERT INTO snapshot(label, source, imported, rows, col11)"
	    " VALUES('(importing)', ?, ?, 0, '')", -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 1, path, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, now, -1, SQLITE_STATIC);
		rc = sqlite3_step(s);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return pl_err_set(im->err, -PL_ESTORE, "store %s: %s", im->st->path,
		    sqlite3_errmsg(im->st->db));
	im->snap = sqlite3_last_insert_rowid(im->st->db);
	if (sqlite3_prepare_v2(im->st->db, "INSERT INTO record VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	    -1, &im->ins, NULL) != SQLITE_OK)
		return pl_err_set(im->err, -PL_ESTORE, "store %s: %s", im->st->path,
		    sqlite3_errmsg(im->st->db));
	return 0;
}

/* Names the snapshot after the newest date inside it, replacing an older import. */
static int
finish_snapshot(struct imp *im)
{
	sqlite3_stmt *s = NULL;
	int rc;

	snprintf(im->stats->label, sizeof(im->stats->label), "%s", im->newest);
	rc = sqlite3_prepare_v2(im->st->db, "DELETE FROM snapshot WHERE label = ?1 AND id <> ?2",
	    -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 1, im->newest, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, im->snap);
		rc = sqlite3_step(s);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		goto err;
	rc = sqlite3_prepare_v2(im->st->db, "UPDATE snapshot SET label = ?1, rows = ?2, col11 = ?3"
	    " WHERE id = ?4", -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 1, im->newest, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, im->stats->rows);
		sqlite3_bind_text(s, 3, im->col11, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, im->snap);
		rc = sqlite3_step(s);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		goto err;
	return 0;
err:
	return pl_err_set(im->err, -PL_ESTORE, "store %s: %s", im->st->path,
	    sqlite3_errmsg(im->st->db));
}

static int
feed(struct imp *im, struct csv_parser *p, FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	/* Feed one physical line at a time so that rows and errors know their line. */
	while (im->rc == 0 && (n = getline(&line, &cap, f)) > 0) {
		im->line++;
		if (csv_parse(p, line, (size_t)n, on_field, on_row, im) != (size_t)n) {
			fail(im, im->line, "%s", csv_strerror(csv_error(p)));
			break;
		}
	}
	if (im->rc == 0 && ferror(f))
		im->rc = pl_err_set(im->err, -PL_EIO, "%s: %s", im->file, strerror(errno));
	if (im->rc == 0 && csv_fini(p, on_field, on_row, im) != 0)
		fail(im, im->line, "%s (a quoted field is not closed)", csv_strerror(csv_error(p)));
	clear_row(im);
	free(line);
	rc = im->rc;
	if (rc == 0 && !im->header_done)
		rc = fail(im, 1, "empty file: no header row");
	if (rc == 0 && im->stats->rows == 0)
		rc = fail(im, im->line, "no records after the header");
	return rc;
}

int
pl_store_import_iana(struct pl_store *st, const char *csv_path, struct pl_import_stats *stats,
    struct pl_err *err)
{
	struct pl_import_stats local;
	struct imp im;
	struct csv_parser p;
	FILE *f = NULL;
	bool parser = false;
	int rc;

	memset(&im, 0, sizeof(im));
	if (stats == NULL)
		stats = &local;
	memset(stats, 0, sizeof(*stats));
	im.st = st;
	im.err = err;
	im.file = csv_path;
	im.stats = stats;

	if ((f = fopen(csv_path, "re")) == NULL)
		return pl_err_set(err, -PL_EIO, "%s: %s", csv_path, strerror(errno));
	/* CSV_STRICT: a quote inside an unquoted field, or text after a closing quote, is
	 * an error rather than something to guess about. */
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0) {
		fclose(f);
		return pl_err_set(err, -PL_ENOMEM, "out of memory");
	}
	parser = true;
	if ((rc = pl__exec(st, "SAVEPOINT iana", err)) != 0)
		goto out;
	if ((rc = begin_snapshot(&im, csv_path)) == 0 && (rc = feed(&im, &p, f)) == 0 &&
	    (rc = finish_snapshot(&im)) == 0)
		rc = pl__exec(st, "RELEASE iana", err);
	sqlite3_finalize(im.ins);
	im.ins = NULL;
	if (rc != 0)
		sqlite3_exec(st->db, "ROLLBACK TO iana; RELEASE iana", NULL, NULL, NULL);
	else
		rc = pl__store_refresh(st, err);
out:
	if (parser)
		csv_free(&p);
	fclose(f);
	return rc;
}
