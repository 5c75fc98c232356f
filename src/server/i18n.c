/*
 * i18n.c: the interface's languages. The catalogs are gettext's compiled .mo files
 * (the .po files of po/, built by msgfmt), read here directly: glibc's gettext() picks the language
 * from the process locale, and one server answers in six languages at once, so it can't
 * switch the locale per request. The format is documented in the GNU gettext manual,
 * "The Format of GNU MO Files".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server-internal.h"

const struct pl_html_lang srv_langs[NLANGS] = {
	{ "en", "English", false },
	{ "es", "Español", false },
	{ "de", "Deutsch", false },
	{ "cs", "Čeština", false },
	{ "fa", "فارسی", true },
	{ "ms", "Bahasa Melayu", false },
};

#define MO_MAGIC 0x950412deU
#define MO_MAX (4u << 20)

static uint32_t
u32(const struct catalog *c, size_t off)
{
	uint32_t v;

	memcpy(&v, c->data + off, 4);
	return c->swap ? __builtin_bswap32(v) : v;
}

/* The string at table entry i: checks that it lies inside the file and ends in NUL. */
static const char *
mo_str(const struct catalog *c, uint32_t table, uint32_t i)
{
	size_t e = (size_t)table + (size_t)i * 8;
	uint32_t len, off;

	if (e + 8 > c->len)
		return NULL;
	len = u32(c, e);
	off = u32(c, e + 4);
	if ((size_t)off + len >= c->len || c->data[(size_t)off + len] != '\0')
		return NULL;
	return (const char *)c->data + off;
}

static int
read_file(const char *path, unsigned char **out, size_t *len, struct pl_err *err)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	size_t n;

	if (f == NULL)
		return pl_err_set(err, -PL_EIO, "catalog %s: %s", path, strerror(errno));
	if ((buf = malloc(MO_MAX)) == NULL) {
		fclose(f);
		return pl_err_set(err, -PL_ENOMEM, "out of memory");
	}
	n = fread(buf, 1, MO_MAX, f);
	fclose(f);
	if (n == MO_MAX) {
		free(buf);
		return pl_err_set(err, -PL_EDATA, "catalog %s: larger than %u bytes", path, MO_MAX);
	}
	*out = buf;
	*len = n;
	return 0;
}

int
srv_catalog_parse(struct catalog *c, unsigned char *data, size_t len)
{
	uint32_t magic;

	memset(c, 0, sizeof(*c));
	c->data = data;
	c->len = len;
	if (len < 28)
		return -PL_EDATA;
	memcpy(&magic, data, 4);
	if (magic != MO_MAGIC && __builtin_bswap32(magic) != MO_MAGIC)
		return -PL_EDATA;
	c->swap = magic != MO_MAGIC;
	c->n = u32(c, 8);
	c->otab = u32(c, 12);
	c->ttab = u32(c, 16);
	/* Each table entry is checked again when it is read (mo_str); here only that the
	 * tables themselves lie inside the file. */
	if (c->n > 100000 || (size_t)c->otab + (size_t)c->n * 8 > len ||
	    (size_t)c->ttab + (size_t)c->n * 8 > len)
		return -PL_EDATA;
	return 0;
}

int
srv_catalog_load(struct catalog *c, const char *dir, const char *lang, struct pl_err *err)
{
	char path[4096];
	unsigned char *data = NULL;
	size_t len = 0;
	int rc;

	memset(c, 0, sizeof(*c));
	if (snprintf(path, sizeof(path), "%s/%s/LC_MESSAGES/portlore.mo", dir, lang) >=
	    (int)sizeof(path))
		return pl_err_set(err, -PL_EUSAGE, "locale folder %.100s: path too long", dir);
	if ((rc = read_file(path, &data, &len, err)) != 0)
		return rc;
	if (srv_catalog_parse(c, data, len) != 0) {
		srv_catalog_free(c);
		return pl_err_set(err, -PL_EDATA, "catalog %s: not a gettext .mo file", path);
	}
	return 0;
}

void
srv_catalog_free(struct catalog *c)
{
	free(c->data);
	memset(c, 0, sizeof(*c));
}

/* The printf conversions of a format in order ("%s %u" -> "su"): a translation must keep
 * them, or the English text is used instead of a translation that would crash. */
static void
conversions(const char *s, char *out, size_t len)
{
	size_t n = 0;

	for (; *s && n + 1 < len; s++) {
		if (*s != '%')
			continue;
		if (*++s == '%' || *s == '\0') {
			if (*s == '\0')
				break;
			continue;
		}
		while (*s && strchr("0123456789.-+ #'lhzjt", *s))
			s++;
		if (*s == '\0')
			break;
		out[n++] = *s;
	}
	out[n] = '\0';
}

const char *
srv_tr(const void *catalog, const char *msgid)
{
	const struct catalog *c = catalog;
	uint32_t lo = 0, hi;
	char a[32], b[32];

	if (c == NULL || c->data == NULL)
		return msgid;
	hi = c->n;
	/* The original strings are sorted (the format says so): binary search. */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const char *o = mo_str(c, c->otab, mid);
		int cmp;

		if (o == NULL)
			return msgid;
		if ((cmp = strcmp(msgid, o)) == 0) {
			const char *t = mo_str(c, c->ttab, mid);

			if (t == NULL || *t == '\0')
				return msgid;
			conversions(msgid, a, sizeof(a));
			conversions(t, b, sizeof(b));
			return strcmp(a, b) == 0 ? t : msgid;
		}
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return msgid;
}

static int
lang_index(const char *tag, size_t len)
{
	for (int i = 0; i < NLANGS; i++) {
		size_t l = strlen(srv_langs[i].code);

		/* "de", "de-AT", "de_DE" all mean German. */
		if (len >= l && strncasecmp(tag, srv_langs[i].code, l) == 0 &&
		    (len == l || tag[l] == '-' || tag[l] == '_'))
			return i;
	}
	return -1;
}

/* RFC 9110 section 12.5.4: "da, en-gb;q=0.8, en;q=0.7"; the highest q wins, then order. */
static int
accept_language(const char *h)
{
	double best_q = 0;
	int best = -1, items = 0;

	while (h && *h && items++ < 32) {
		size_t len = strcspn(h, ",;");
		const char *end = h + strcspn(h, ","), *semi;
		double q = 1.0;
		int i;

		while (*h == ' ' && len > 0)
			h++, len--;
		while (len > 0 && h[len - 1] == ' ')
			len--;
		i = lang_index(h, len);
		if ((semi = memchr(h, ';', (size_t)(end - h))) != NULL) {
			const char *qs = strstr(semi, "q=");

			if (qs && qs < end)
				q = strtod(qs + 2, NULL);
		}
		if (i >= 0 && q > best_q)
			best_q = q, best = i;
		h = *end ? end + 1 : end;
	}
	return best;
}

int
srv_lang_pick(const char *query_lang, const char *accept)
{
	int i;

	if (query_lang && (i = lang_index(query_lang, strlen(query_lang))) >= 0 &&
	    strlen(query_lang) <= 16)
		return i;
	return (i = accept_language(accept)) >= 0 ? i : 0;
}
