/* cmd-annotate.c: `portlore annotate [FILE]`, a scanner's or socket lister's output
 * printed back with the registry's and lore's word under each line that has a port. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "portlore/json.h"
#include "portlore/annotate.h"
#include "portlore/report.h"


/* A port and protocol to report on, and the report once built. */
struct target {
	uint16_t port;
	enum pl_proto proto;
	struct pl_report r;
};

struct ann {
	const char *name;             /* the input's name */
	struct pl_ann_doc doc;
	struct target *t;             /* sorted by port, then protocol */
	size_t nt;
	bool *unresolved;             /* per item: a service name the store doesn't know */
};

/* Reads all of f, at most PL_ANN_INPUT_MAX bytes. */
static int
read_input(FILE *f, const char *name, struct pl_buf *b, struct pl_err *err)
{
	char chunk[65536];
	size_t n;

	pl_buf_init(b, (size_t)PL_ANN_INPUT_MAX + 1);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (pl_buf_add(b, chunk, n) != 0)
			return pl_err_set(err, -PL_ETOOBIG, "%s: larger than %ld bytes", name,
			    PL_ANN_INPUT_MAX);
	if (ferror(f))
		return pl_err_set(err, -PL_EIO, "%s: read error", name);
	return pl_buf_add(b, "", 0);
}

static int
cmp_target(const void *a, const void *b)
{
	const struct target *x = a, *y = b;

	return x->port != y->port ? (int)x->port - (int)y->port : (int)x->proto - (int)y->proto;
}

static struct target *
find_target(const struct ann *a, uint16_t port, enum pl_proto proto)
{
	struct target key = { .port = port, .proto = proto };

	return bsearch(&key, a->t, a->nt, sizeof(key), cmp_target);
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

/* Turns service names into ports, collects the distinct targets and builds a report
 * for each: one report per port however often the input repeats it. */
static int
build_reports(struct pl_store *st, struct ann *a, struct pl_err *err)
{
	struct pl_report_opts ro = { .no_host = true };
	size_t cap = a->doc.nitems * 2, n = 0;
	int rc = 0;

	if ((a->t = calloc(cap ? cap : 1, sizeof(*a->t))) == NULL ||
	    (a->unresolved = calloc(a->doc.nitems + 1, sizeof(bool))) == NULL)
		return pl_err_set(err, -PL_ENOMEM, "out of memory");
	for (size_t i = 0; i < a->doc.nitems; i++) {
		struct pl_ann_item *it = &a->doc.items[i];
		enum pl_proto p[2];

		if (it->name[0] != '\0') {
			struct pl_port_ref *refs = NULL;
			struct pl_err ignored;
			int nr = pl_store_resolve_name(st, it->name, it->proto, &refs, &ignored);

			a->unresolved[i] = nr <= 0;
			if (nr > 0)
				it->port = refs[0].lo;
			free(refs);
			if (nr <= 0)
				continue;
		}
		for (int k = item_protos(it, p) - 1; k >= 0; k--)
			a->t[n++] = (struct target){ .port = it->port, .proto = p[k] };
	}
	qsort(a->t, n, sizeof(*a->t), cmp_target);
	a->nt = 0;
	for (size_t i = 0; i < n; i++)
		if (a->nt == 0 || cmp_target(&a->t[a->nt - 1], &a->t[i]) != 0)
			a->t[a->nt++] = a->t[i];
	for (size_t i = 0; i < a->nt; i++) {
		if ((rc = pl_report_build(st, a->t[i].port, a->t[i].proto, &ro, &a->t[i].r, err)) != 0) {
			a->nt = i;   /* ann_free releases the ones built */
			break;
		}
	}
	return rc;
}

static void
ann_free(struct ann *a)
{
	for (size_t i = 0; i < a->nt; i++)
		pl_report_free(&a->t[i].r);
	free(a->t);
	free(a->unresolved);
	pl_ann_doc_free(&a->doc);
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

/* One annotation line for item it under its input line. */
static int
annotate_line(struct pl_buf *b, const struct ann *a, size_t idx, bool xml)
{
	const struct pl_ann_item *it = &a->doc.items[idx];
	struct pl_buf line = PL_BUF_INIT;
	enum pl_proto p[2];
	int np = item_protos(it, p), rc = 0;

	if (a->unresolved[idx])
		rc = pl_buf_printf(&line, "%s: not a service name the store knows", it->name);
	for (int k = 0; k < np && rc == 0 && !a->unresolved[idx]; k++) {
		const struct target *t = find_target(a, it->port, p[k]);

		if (t == NULL)
			continue;
		rc = pl_buf_printf(&line, "%s%u/%s ", k ? " | " : "", it->port, pl_proto_name(p[k]));
		rc = rc ? rc : registry_text(&line, &t->r);
		rc = rc ? rc : lore_text(&line, &t->r);
	}
	if (rc == 0 && xml) {
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

/* The input, line by line, each line with a port followed by its annotations. */
static int
render_text(struct pl_buf *b, const struct ann *a, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	bool xml = a->doc.format == PL_ANN_NMAP_XML;
	size_t k = 0;
	long no = 0;
	int rc = 0;

	while (p < end && rc == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);

		no++;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		/* Stream: a long input never piles up in memory twice. */
		if (b->len > 1 << 16 && cli_flush(b) != 0)
			return -PL_EIO;
		rc = pl_buf_add(b, p, n);
		rc = rc ? rc : pl_buf_addc(b, '\n');
		for (; k < a->doc.nitems && a->doc.items[k].line == no && rc == 0; k++)
			rc = annotate_line(b, a, k, xml);
		p = nl ? nl + 1 : end;
	}
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
target_json(struct pl_json *j, const struct target *t)
{
	pl_json_obj(j);
	pl_json_kint(j, "port", t->port);
	pl_json_kstr(j, "protocol", pl_proto_name(t->proto));
	pl_json_kstr(j, "status", pl_reg_status_name(t->r.status));
	pl_json_karr(j, "services");
	for (size_t i = 0; i < t->r.nrecords; i++)
		if (*t->r.records[i].service)
			pl_json_str(j, t->r.records[i].service);
	for (size_t i = 0; i < t->r.nranges; i++)
		if (*t->r.ranges[i].service)
			pl_json_str(j, t->r.ranges[i].service);
	pl_json_end(j);
	pl_json_karr(j, "lore");
	for (size_t i = 0; i < t->r.nuses; i++)
		if (!t->r.uses[i].broad)
			pl_json_str(j, t->r.uses[i].id);
	pl_json_end(j);
	pl_json_end(j);
}

static void
item_json(struct pl_json *j, const struct ann *a, size_t idx)
{
	const struct pl_ann_item *it = &a->doc.items[idx];
	bool named = it->name[0] != '\0';
	enum pl_proto p[2];
	int np = item_protos(it, p);

	pl_json_obj(j);
	pl_json_kint(j, "line", (long long)it->line);
	if (named && a->unresolved[idx])
		pl_json_knull(j, "port");
	else
		pl_json_kint(j, "port", it->port);
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
	pl_json_kstr(j, "provenance", pl_prov_name(pl_ann_format_is_scan(a->doc.format) ?
	    PL_PROV_PROBED : PL_PROV_OBSERVED));
	pl_json_karr(j, "annotations");
	for (int k = 0; k < np && !a->unresolved[idx]; k++) {
		const struct target *t = find_target(a, it->port, p[k]);

		if (t)
			target_json(j, t);
	}
	pl_json_end(j);
	pl_json_end(j);
}

/* Flushes the buffer when it grows large, so that thousands of reports never pile
 * up in memory. */
static int
maybe_flush(struct pl_buf *b)
{
	int rc = pl_buf_error(b);

	if (rc == 0 && b->len > 1 << 16 && cli_flush(b) != 0)
		rc = -PL_EIO;
	return rc;
}

static int
render_json(struct pl_buf *b, struct pl_store *st, const struct ann *a)
{
	struct pl_json j;
	int rc = 0;

	pl_json_init(&j, b, 2);
	pl_json_envelope(&j, "annotate", 1);
	pl_json_kstr(&j, "input", a->name);
	pl_json_kstr(&j, "format", pl_ann_format_name(a->doc.format));
	pl_json_kstr(&j, "snapshot", pl_store_current_snapshot(st));
	pl_json_karr(&j, "items");
	for (size_t i = 0; i < a->doc.nitems && rc == 0; i++) {
		item_json(&j, a, i);
		rc = maybe_flush(b);
	}
	pl_json_end(&j);
	pl_json_karr(&j, "reports");
	for (size_t i = 0; i < a->nt && rc == 0; i++) {
		pl_report_json(&j, &a->t[i].r);
		rc = maybe_flush(b);
	}
	pl_json_end(&j);
	pl_json_end(&j);
	pl_buf_addc(b, '\n');
	return rc != 0 ? rc : pl_json_done(&j);
}

static int
run(const struct common *c, enum pl_ann_format fmt, const char *path)
{
	bool from_stdin = path == NULL || strcmp(path, "-") == 0;
	struct ann a = { .name = from_stdin ? "stdin" : path };
	struct pl_buf in = PL_BUF_INIT, out = PL_BUF_INIT;
	struct pl_store *st = NULL;
	struct pl_err err = { 0 };
	FILE *f = stdin;
	int rc, status;

	if (!from_stdin && (f = fopen(path, "re")) == NULL) {
		pl_err_set(&err, -PL_EIO, "%s: %s", path, strerror(errno));
		return cli_fail(&err, errno == ENOENT ? -PL_EUSAGE : -PL_EIO);
	}
	rc = read_input(f, a.name, &in, &err);
	if (f != stdin)
		fclose(f);
	if (rc == 0)
		rc = pl_ann_parse(a.name, in.data, in.len, fmt, &a.doc, &err);
	if (rc != 0) {
		status = cli_fail(&err, rc);
		goto out;
	}
	if ((status = cli_open_store(c, &st, PL_STORE_READ)) != 0)
		goto out;
	if ((rc = build_reports(st, &a, &err)) == 0)
		rc = c->json ? render_json(&out, st, &a) : render_text(&out, &a, in.data, in.len);
	if (rc == -PL_ETOOBIG)
		pl_err_set(&err, rc, "%s: the annotated output would exceed 64 MiB; split the input",
		    a.name);
	status = rc == -PL_EIO ? EXIT_SYSTEM : rc ? cli_fail(&err, rc) : cli_flush(&out);
out:
	ann_free(&a);
	pl_store_close(st);
	pl_buf_free(&in);
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
			fprintf(stderr, "portlore: --format '%.40s': give one of", optarg);
			for (int f = 1; f < PL_ANN_FORMAT_COUNT; f++)
				fprintf(stderr, " %s", pl_ann_format_name((enum pl_ann_format)f));
			fputc('\n', stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind > 1)
		return cli_usage("annotate", EXIT_USAGE);
	return run(&c, fmt, optind < argc ? argv[optind] : NULL);
}
