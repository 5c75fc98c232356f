/*
 * json.c: the streaming JSON writer (json.h). It keeps, per open container, its style,
 * its kind and whether it holds anything yet: all a separator or a closing line needs.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "portlore/error.h"
#include "portlore/json.h"
#include "buf-internal.h"
#include "utf8.h"

void
pl_json_init(struct pl_json *j, struct pl_buf *b, int indent)
{
	memset(j, 0, sizeof(*j));
	j->b = b;
	j->indent = indent;
	j->next = PL_JSON_PRETTY;
}

void
pl_json_style(struct pl_json *j, enum pl_json_style s)
{
	j->next = s;
}

/* Writes prefix (0 for none), then a line break and the indentation of depth, in one
 * reservation: most of a document's bytes are these. */
static void
newline_after(struct pl_json *j, char prefix, int depth)
{
	size_t n = (size_t)(j->margin + j->indent * depth), len = n + 1 + (prefix != 0);
	char *p = pl__buf_reserve(j->b, len);

	if (p == NULL || j->margin < 0 || j->indent < 0)
		return;
	if (prefix != 0)
		*p++ = prefix;
	*p++ = '\n';
	memset(p, ' ', n);
	j->b->len += len;
	j->b->data[j->b->len] = '\0';
}

static void
newline(struct pl_json *j, int depth)
{
	newline_after(j, 0, depth);
}

/* What comes before a key, or before a value that has no key: the comma and the line
 * break or space of the container's style. */
static void
before(struct pl_json *j)
{
	int style = j->lv[j->depth].style;
	bool any;

	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth == 0)
		return;
	any = j->lv[j->depth].any;
	if (style == PL_JSON_PRETTY)
		newline_after(j, any ? ',' : 0, j->depth);
	else if (style == PL_JSON_LINE && any)
		pl_buf_add(j->b, ", ", 2);
	else if (any)
		pl_buf_addc(j->b, ',');
	j->lv[j->depth].any = true;
}

/* Appends '"', the n plain bytes of s, '"' and then tail (tn bytes). */
static void
add_quoted(struct pl_buf *b, const char *s, size_t n, const char *tail, size_t tn)
{
	char *p = pl__buf_reserve(b, n + 2 + tn);

	if (p == NULL)
		return;
	*p++ = '"';
	memcpy(p, s, n);
	p[n] = '"';
	memcpy(p + n + 1, tail, tn);
	b->len += n + 2 + tn;
	b->data[b->len] = '\0';
}

static void
open_container(struct pl_json *j, bool array)
{
	enum pl_json_style style = j->next;

	before(j);
	if (j->depth >= PL_JSON_MAXDEPTH) {
		pl_buf_fail(j->b, -PL_EDATA);
		return;
	}
	/* One-line containers hold only one-line containers. */
	if (j->depth > 0 && j->lv[j->depth].style != PL_JSON_PRETTY && style == PL_JSON_PRETTY)
		style = (enum pl_json_style)j->lv[j->depth].style;
	pl_buf_addc(j->b, array ? '[' : '{');
	j->depth++;
	j->lv[j->depth].style = (unsigned char)style;
	j->lv[j->depth].array = array;
	j->lv[j->depth].any = false;
	j->next = style;
}

void
pl_json_obj(struct pl_json *j)
{
	open_container(j, false);
}

void
pl_json_arr(struct pl_json *j)
{
	open_container(j, true);
}

void
pl_json_end(struct pl_json *j)
{
	if (j->depth == 0) {
		pl_buf_fail(j->b, -PL_EDATA);
		return;
	}
	if (j->lv[j->depth].any && j->lv[j->depth].style == PL_JSON_PRETTY)
		newline(j, j->depth - 1);
	pl_buf_addc(j->b, j->lv[j->depth].array ? ']' : '}');
	j->depth--;
	j->next = j->depth > 0 ? (enum pl_json_style)j->lv[j->depth].style : PL_JSON_PRETTY;
	j->after_key = false;
}

void
pl_json_key(struct pl_json *j, const char *key)
{
	bool compact = j->lv[j->depth].style == PL_JSON_COMPACT;
	size_t n;

	before(j);
	if (pl__json_plain(key, &n))
		add_quoted(j->b, key, n, ": ", compact ? 1 : 2);
	else {
		pl_buf_add_json(j->b, key);
		pl_buf_add(j->b, ": ", compact ? 1 : 2);
	}
	j->after_key = true;
}

void
pl_json_str(struct pl_json *j, const char *s)
{
	size_t n;

	before(j);
	if (s != NULL && pl__json_plain(s, &n))
		add_quoted(j->b, s, n, "", 0);
	else
		pl_buf_add_json(j->b, s);
}

void
pl_json_text(struct pl_json *j, const char *s)
{
	pl_json_str(j, s && pl__utf8_valid(s, strlen(s)) ? s : NULL);
}

void
pl_json_int(struct pl_json *j, long long v)
{
	char t[24], *p = t + sizeof(t);
	unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;

	/* Digits from the right: printf's formatting machinery costs more than the
	 * number. */
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	before(j);
	pl_buf_add(j->b, p, (size_t)(t + sizeof(t) - p));
}

/* As jansson writes a real: "%.17g" (or the writer's precision), then ".0" when that reads as an integer, and the
 * exponent without "+" or leading zeros ("1e-05" becomes "1e-5"). */
void
pl_json_real(struct pl_json *j, double v)
{
	char t[64], *e;
	int n;

	if (!isfinite(v)) {
		pl_json_null(j);
		return;
	}
	n = snprintf(t, sizeof(t) - 2, "%.*g", j->precision > 0 ? j->precision : 17, v);
	if (n < 0 || (size_t)n >= sizeof(t) - 2) {
		pl_buf_fail(j->b, -PL_EDATA);
		return;
	}
	if (strpbrk(t, ".e") == NULL)
		memcpy(t + n, ".0", 3);
	if ((e = strchr(t, 'e')) != NULL) {
		char *from = e + 1, *to = e + 1;

		if (*from == '+')
			from++;
		else if (*from == '-')
			from++, to++;
		while (*from == '0' && from[1] != '\0')
			from++;
		memmove(to, from, strlen(from) + 1);
	}
	before(j);
	pl_buf_adds(j->b, t);
}

void
pl_json_bool(struct pl_json *j, bool v)
{
	before(j);
	pl_buf_adds(j->b, v ? "true" : "false");
}

void
pl_json_null(struct pl_json *j)
{
	before(j);
	pl_buf_add(j->b, "null", 4);
}

void
pl_json_kstr(struct pl_json *j, const char *key, const char *s)
{
	pl_json_key(j, key);
	pl_json_str(j, s);
}

void
pl_json_kint(struct pl_json *j, const char *key, long long v)
{
	pl_json_key(j, key);
	pl_json_int(j, v);
}

void
pl_json_kreal(struct pl_json *j, const char *key, double v)
{
	pl_json_key(j, key);
	pl_json_real(j, v);
}

void
pl_json_kbool(struct pl_json *j, const char *key, bool v)
{
	pl_json_key(j, key);
	pl_json_bool(j, v);
}

void
pl_json_knull(struct pl_json *j, const char *key)
{
	pl_json_key(j, key);
	pl_json_null(j);
}

void
pl_json_kobj(struct pl_json *j, const char *key)
{
	pl_json_key(j, key);
	pl_json_obj(j);
}

void
pl_json_karr(struct pl_json *j, const char *key)
{
	pl_json_key(j, key);
	pl_json_arr(j);
}

void
pl_json_kstrz(struct pl_json *j, const char *key, const char *s)
{
	pl_json_kstr(j, key, s && *s ? s : NULL);
}

void
pl_json_kports(struct pl_json *j, const char *key, unsigned lo, unsigned hi)
{
	char buf[24];

	pl_json_key(j, key);
	if (lo == hi) {
		pl_json_int(j, lo);
		return;
	}
	snprintf(buf, sizeof(buf), "%u-%u", lo, hi);
	pl_json_str(j, buf);
}

void
pl_json_envelope(struct pl_json *j, const char *doc, int version)
{
	pl_json_obj(j);
	pl_json_key(j, "schema");
	before(j);
	pl_buf_printf(j->b, "\"" PL_SCHEMA_BASE "%s/%d\"", doc, version);
	pl_json_kint(j, "version", version);
}

int
pl_json_done(const struct pl_json *j)
{
	int rc = pl_buf_error(j->b);

	return rc != 0 ? rc : j->depth != 0 ? -PL_EDATA : 0;
}
