/*
 * identify.c: weigh the evidence about what holds a port against lore's candidates
 * (include/portlore/identify.h has the model and its weights). Pure matching: no store,
 * no report, no I/O; the callers gather the facts.
 */
#include <ctype.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "portlore/identify.h"

enum {
	W_BANNER = 100, W_CMDLINE = 40, W_EXE = 30, W_PACKAGE = 20, W_UNIT = 15, W_IMAGE = 15,
	W_COMM = 10,
	W_CMDLINE_ALONE = 5, W_BANNER_GENERIC = 2, W_PORT = 1
};

/* More candidates than this sharing the best evidence say only "some program of that
 * name": not worth listing. */
#define MAX_TIES 3

enum ev {
	EV_BANNER = 1 << 0, EV_CMDLINE = 1 << 1, EV_EXE = 1 << 2, EV_PACKAGE = 1 << 3,
	EV_UNIT = 1 << 4, EV_COMM = 1 << 5, EV_BANNER_GENERIC = 1 << 6, EV_PORT = 1 << 7,
	EV_CMDLINE_ALONE = 1 << 8, EV_IMAGE = 1 << 9
};

#define NKEYS 6

/* How a pattern is matched, decided at its first use. Most hints are plain names
 * ("^sshd$", "jboss-modules\\.jar"): those are compared as strings, and only patterns
 * with real regular-expression syntax pay for regcomp. */
enum re_state { RE_UNSET, RE_PENDING, RE_REGEX, RE_BAD, RE_EXACT, RE_PREFIX, RE_SUFFIX,
	RE_SUBSTR };

/* A compiled pattern, shared by every candidate whose hint has the same text (lore
 * repeats "^python[0-9.]*$" across a dozen entries), with the answer it last gave. */
struct rx {
	const char *pattern;
	bool lines, ok;
	regex_t re;
	const char *text;          /* the text of that answer, in generation gen */
	unsigned gen;
	bool match;
};

/* A pattern of a candidate, compiled (or reduced to its literal) at its first use. */
struct re {
	const char *pattern;
	struct rx *rx;             /* compiled, for RE_REGEX only: most hints never are */
	const char *lit;           /* the literal text of RE_EXACT/PREFIX/SUFFIX/SUBSTR; of
	                            * RE_PENDING/RE_REGEX, text every match contains */
	unsigned litlen;
	unsigned char state;       /* enum re_state */
	bool lit_owned;            /* lit was allocated (else it points into pattern) */
	signed char generic;       /* banner patterns: 0 not checked, 1 generic, -1 not */
};

struct pl_idmatch {
	const struct pl_id_candidate *c; size_t n;
	struct re *res; size_t nres, capres;
	size_t *first;             /* first[i]: index in res of candidate i's first pattern */
	/* What the last process's facts matched, per candidate (EV_ bits before the port
	 * is considered): a process holding thousands of sockets is matched once. */
	unsigned *procev;
	char *key[NKEYS];          /* copies of comm, cmdline, exe, package, unit, image of
	                            * procev */
	bool have_key;
	struct rx **rx; size_t nrx, caprx;
	unsigned gen;              /* one per pl_identify(): the texts it matches */
	/* For a process that holds many ports (ls): the candidates its facts speak of
	 * (procev not nothing, ascending), and from the PORT_INDEX_AFTER-th call on, the
	 * candidates that list each port (pent chains by (protocol, port), each in
	 * candidate order). Without a banner, no other candidate can score or be here. */
	size_t *procnz; size_t nprocnz;
	unsigned calls;
	/* The byte pairs of the process's command line (a bit per hashed pair): a
	 * command-line hint with a pair the line lacks is not looked for in it. */
	const char *pairs_text;
	uint64_t pairs[64];
	uint32_t *phead;           /* PHASH chain heads: an index in pent + 1, 0 for none */
	struct pent { uint32_t key, cand, next; } *pent;
	size_t *merged;            /* room for one call's candidates */
};

#define PHASH 4096
#define PORT_INDEX_AFTER 16

/* A pair of bytes, hashed to one of 4096 bits. */
static unsigned
pair_bit(const char *p)
{
	return ((unsigned)(unsigned char)p[0] << 5 ^ (unsigned char)p[1] ^
	    (unsigned)(unsigned char)p[0] >> 3) & 4095;
}

/* Whether every byte pair of lit (up to its first eight) is in m's command line. */
static bool
pairs_hold(const struct pl_idmatch *m, const char *lit, size_t len)
{
	for (size_t i = 0; i + 1 < len && i < 8; i++) {
		unsigned b = pair_bit(lit + i);

		if (!(m->pairs[b / 64] >> (b % 64) & 1))
			return false;
	}
	return true;
}

/* The pairs of text, which pat_match() then rules literals out by. */
static void
pairs_of(struct pl_idmatch *m, const char *text)
{
	memset(m->pairs, 0, sizeof(m->pairs));
	m->pairs_text = text;
	for (const char *p = text; p && p[0] && p[1]; p++) {
		unsigned b = pair_bit(p);

		m->pairs[b / 64] |= (uint64_t)1 << (b % 64);
	}
}

static const char *const conf_names[] = { "none", "port only", "ambiguous", "likely",
	"confirmed" };

const char *
pl_id_confidence_name(enum pl_id_confidence c)
{
	return (unsigned)c < 5 ? conf_names[c] : "";
}

/*
 * Greetings any server of a protocol sends. A banner hint that matches one of them says
 * "an HTTP (SSH, FTP, SMTP, POP, IMAP) server", not which product.
 */
static const char *const generic_samples[] = {
	"HTTP/1.1 200 OK\nServer: x\n\n",
	"HTTP/1.0 200 OK\nServer: x\n\n",
	"HTTP/1.1 404 Not Found\nServer: x\n\n",
	"HTTP/1.1 400 Bad Request\n\n",
	"SSH-2.0-x\n",
	"SSH-1.99-x\n",
	"220 x\n",
	"200 x\n",
	"+OK x\n",
	"* OK x\n",
};

bool
pl_id_banner_generic(const char *pattern)
{
	regex_t re;
	bool generic = false;

	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB | REG_NEWLINE) != 0)
		return false;
	for (size_t i = 0; i < sizeof(generic_samples) / sizeof(*generic_samples) && !generic; i++)
		generic = regexec(&re, generic_samples[i], 0, NULL, 0) == 0;
	regfree(&re);
	return generic;
}

static int
add_re(struct pl_idmatch *m, const char *pattern)
{
	if (m->nres == m->capres) {
		size_t cap = m->capres ? m->capres * 2 : 64;
		struct re *p = realloc(m->res, cap * sizeof(*p));

		if (p == NULL)
			return -PL_ENOMEM;
		m->res = p;
		m->capres = cap;
	}
	m->res[m->nres++] = (struct re){ .pattern = pattern };
	return 0;
}

int
pl_idmatch_new(struct pl_idmatch **out, const struct pl_id_candidate *c, size_t n)
{
	return pl_idmatch_new_forms(out, c, n, NULL);
}

int
pl_idmatch_new_forms(struct pl_idmatch **out, const struct pl_id_candidate *c, size_t n,
    const struct pl_id_form *forms)
{
	struct pl_idmatch *m = calloc(1, sizeof(*m));
	int rc = 0;

	*out = NULL;
	if (m == NULL || (n > 0 && ((m->first = calloc(n, sizeof(*m->first))) == NULL ||
	    (m->procev = calloc(n, sizeof(*m->procev))) == NULL))) {
		if (m)
			free(m->first);
		free(m);
		return -PL_ENOMEM;
	}
	m->c = c;
	m->n = n;
	/* Room for every pattern at once: thousands of hints, no growth on the way. */
	for (size_t i = 0; i < n; i++)
		m->capres += c[i].nprocess + c[i].ncmdline + c[i].nbanner;
	if (m->capres > 0 && (m->res = malloc(m->capres * sizeof(*m->res))) == NULL) {
		m->capres = 0;
		pl_idmatch_free(m);
		return -PL_ENOMEM;
	}
	/* One slot per pattern of each candidate, in the order process, cmdline, banner. */
	for (size_t i = 0; i < n && rc == 0; i++) {
		m->first[i] = m->nres;
		for (size_t k = 0; k < c[i].nprocess && rc == 0; k++)
			rc = add_re(m, c[i].process[k]);
		for (size_t k = 0; k < c[i].ncmdline && rc == 0; k++)
			rc = add_re(m, c[i].cmdline[k]);
		for (size_t k = 0; k < c[i].nbanner && rc == 0; k++)
			rc = add_re(m, c[i].banner[k]);
	}
	if (rc != 0) {
		pl_idmatch_free(m);
		return rc;
	}
	/* Forms worked out ahead: no pattern is parsed here (a real expression still
	 * compiles on first use). */
	for (size_t i = 0; forms != NULL && i < m->nres; i++) {
		struct re *r = &m->res[i];

		r->lit = forms[i].lit;
		r->litlen = forms[i].lit ? (unsigned)strlen(forms[i].lit) : 0;
		r->state = forms[i].kind == PL_ID_FORM_REGEX ? RE_PENDING :
		    RE_EXACT + (forms[i].kind - PL_ID_FORM_EXACT);
	}
	*out = m;
	return 0;
}

void
pl_idmatch_free(struct pl_idmatch *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->nres; i++)
		if (m->res[i].lit_owned)
			free((void *)m->res[i].lit);
	for (size_t i = 0; i < m->nrx; i++) {
		if (m->rx[i]->ok)
			regfree(&m->rx[i]->re);
		free(m->rx[i]);
	}
	free(m->rx);
	free(m->res);
	free(m->first);
	free(m->procev);
	free(m->procnz);
	free(m->phead);
	free(m->pent);
	free(m->merged);
	for (int k = 0; k < NKEYS; k++)
		free(m->key[k]);
	free(m);
}

/*
 * The literal an extended regular expression stands for, when it is one: optional '^',
 * characters that are not special or are escaped punctuation ("\\."), optional final
 * '$'. Anything else (classes, repetition, alternation, "\\d") is left to regcomp, and
 * so are anchors when '^' and '$' also match at line breaks (lines).
 */
/* The characters that make a pattern more than a literal ('\n' included: with lines,
 * '^' and '$' match at it). */
static const bool special[256] = {
	['\n'] = true, ['.'] = true, ['['] = true, [']'] = true, ['('] = true, [')'] = true,
	['*'] = true, ['+'] = true, ['?'] = true, ['{'] = true, ['}'] = true, ['|'] = true,
	['^'] = true, ['$'] = true, ['\\'] = true,
};

static enum re_state
literal_of(struct re *r, bool lines)
{
	const char *p = r->pattern, *from;
	size_t len = strlen(p), n = 0;
	bool start = false, end = false, escaped = false;
	char buf[256], *out = buf;

	r->lit = NULL;
	r->lit_owned = false;
	if (*p == '^') {
		start = true;
		p++;
		len--;
	}
	from = p;
	/* Most patterns are short: the heap only for a long one, and a copy only when an
	 * escape must be dropped (else the literal is the pattern's own characters). */
	if (len >= sizeof(buf) && (out = malloc(len + 1)) == NULL)
		return RE_REGEX;
	for (; *p; p++) {
		if (*p == '\\' && p[1] != '\0' && ispunct((unsigned char)p[1]))
			out[n++] = *++p, escaped = true;
		else if (*p == '$' && p[1] == '\0')
			end = true;
		else if (special[(unsigned char)*p])
			break;
		else
			out[n++] = *p;
	}
	out[n] = '\0';
	if (*p != '\0' || (lines && (start || end))) {
		if (out != buf)
			free(out);
		return RE_REGEX;
	}
	r->litlen = n;
	if (!escaped) {
		r->lit = from;
	} else if (out != buf) {
		r->lit = out;
		r->lit_owned = true;
	} else if ((r->lit = strdup(buf)) != NULL) {
		r->lit_owned = true;
	} else {
		return RE_REGEX;
	}
	if (out != buf && !r->lit_owned)
		free(out);
	return start && end ? RE_EXACT : start ? RE_PREFIX : end ? RE_SUFFIX : RE_SUBSTR;
}

/* Skips the interval "{m}", "{m,}" or "{m,n}" at p; its minimum in *min. NULL when p
 * holds no valid one. */
static const char *
skip_interval(const char *p, long *min)
{
	char *e;

	if (*p != '{' || !isdigit((unsigned char)p[1]))
		return NULL;
	*min = strtol(p + 1, &e, 10);
	if (*e == ',')
		for (e++; isdigit((unsigned char)*e); e++)
			;
	return *e == '}' ? e + 1 : NULL;
}

/* Skips the bracket expression at p ('['), with its "[:class:]" parts; NULL when it
 * does not end. */
static const char *
skip_bracket(const char *p)
{
	p++;
	if (*p == '^')
		p++;
	if (*p == ']')
		p++;
	while (*p && *p != ']') {
		if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
			char end[3] = { p[1], ']', '\0' };
			const char *q = strstr(p + 2, end);

			if (q == NULL)
				return NULL;
			p = q + 2;
		} else {
			p++;
		}
	}
	return *p == ']' ? p + 1 : NULL;
}

/* Skips what may follow an atom: '*', '+', '?' or an interval. *optional: the atom may
 * be absent. NULL on a malformed or doubled quantifier. */
static const char *
skip_quantifier(const char *p, bool *optional)
{
	long min = 1;

	*optional = false;
	if (*p == '*' || *p == '?')
		*optional = true, p++;
	else if (*p == '+')
		p++;
	else if (*p == '{') {
		if ((p = skip_interval(p, &min)) == NULL)
			return NULL;
		*optional = min == 0;
	} else
		return p;
	return *p == '*' || *p == '+' || *p == '?' || *p == '{' ? NULL : p;
}

/*
 * Text that every match of the extended regular expression p contains: the longest
 * run of plain or escaped characters outside groups and bracket expressions that no
 * quantifier makes optional or repeats within. NULL (no shortcut) when p is an
 * alternation ("a|b" needs neither; "x(a|b)" still needs "x"), is not understood or
 * is long. A hint is weighed against every process;
 * strstr on this text rules most of them out without compiling the expression.
 */
static char *
required_text(const char *p)
{
	size_t len = strlen(p), n = 0, best = 0;
	char sbuf[2][256], *run = sbuf[0], *out = sbuf[1];
	const char *q;
	bool opt;

	if (len >= sizeof(sbuf[0]))
		return NULL;
	while (*p) {
		char ch;

		if (*p == '\\' && ispunct((unsigned char)p[1])) {
			ch = p[1];
			p += 2;
		} else if (*p == '\\' || *p == '[' || *p == '(' || *p == '.' || *p == '^' ||
		    *p == '$') {
			/* Not a plain character: the run ends here. */
			if (n > best)
				memcpy(out, run, best = n), out[n] = '\0';
			n = 0;
			if (*p == '\\')
				p = p[1] ? p + 2 : NULL;
			else if (*p == '[')
				p = skip_bracket(p);
			else if (*p == '(') {
				int depth = 0;

				do {
					if (*p == '\\' && p[1])
						p++;
					else if (*p == '[' && (p = skip_bracket(p)) != NULL)
						continue;
					else if (*p == '(')
						depth++;
					else if (*p == ')')
						depth--;
					if (p != NULL && *p)
						p++;
				} while (p != NULL && *p && depth > 0);
				if (p == NULL || depth != 0)
					goto none;
			} else
				p++;
			if (p == NULL || (p = skip_quantifier(p, &opt)) == NULL)
				goto none;
			continue;
		} else if (strchr("*+?{)|", *p) != NULL) {
			/* A quantifier with nothing before it, or an alternation of the whole
			 * expression (inside a group, the group was skipped): no shortcut. */
			goto none;
		} else {
			ch = *p++;
		}
		if ((q = skip_quantifier(p, &opt)) == NULL)
			goto none;
		if (!opt)
			run[n++] = ch;
		/* A repeated or optional character ends the run (more of it may follow). */
		if (q != p) {
			if (n > best)
				memcpy(out, run, best = n), out[n] = '\0';
			n = 0;
		}
		p = q;
	}
	if (n > best)
		memcpy(out, run, best = n), out[n] = '\0';
	return best > 0 ? strdup(out) : NULL;
none:
	return NULL;
}

int
pl_id_pattern_form(const char *pattern, bool lines, struct pl_id_form *f)
{
	struct re r = { .pattern = pattern };
	enum re_state st = literal_of(&r, lines);

	if (st == RE_REGEX) {
		/* What a regcomp() refusal or a failed allocation also gives: compiled on
		 * first use, checked for its required text first when it has one. */
		f->kind = PL_ID_FORM_REGEX;
		f->lit = required_text(pattern);
		return 0;
	}
	f->kind = PL_ID_FORM_EXACT + (st - RE_EXACT);
	f->lit = r.lit_owned ? r.lit : strndup(r.lit, r.litlen);
	return f->lit ? 0 : -PL_ENOMEM;
}

/* The compiled form of pattern, compiled at most once per matcher; NULL when out of
 * memory. A pattern regcomp refuses is kept too (ok false), so it is refused once. */
static struct rx *
rx_get(struct pl_idmatch *m, const char *pattern, bool lines)
{
	struct rx *x;

	for (size_t i = 0; i < m->nrx; i++)
		if (m->rx[i]->lines == lines && strcmp(m->rx[i]->pattern, pattern) == 0)
			return m->rx[i];
	if (m->nrx == m->caprx) {
		size_t cap = m->caprx ? m->caprx * 2 : 16;
		struct rx **p = realloc(m->rx, cap * sizeof(*p));

		if (p == NULL)
			return NULL;
		m->rx = p;
		m->caprx = cap;
	}
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return NULL;
	x->pattern = pattern;
	x->lines = lines;
	x->ok = regcomp(&x->re, pattern, REG_EXTENDED | REG_NOSUB | (lines ? REG_NEWLINE : 0)) == 0;
	m->rx[m->nrx++] = x;
	return x;
}

/* regexec, answered from the last call when the text is the one it was asked about in
 * this pl_identify() (each candidate with the hint asks again). */
static bool
rx_exec(struct pl_idmatch *m, struct rx *x, const char *text)
{
	if (x->gen != m->gen || x->text != text) {
		x->match = regexec(&x->re, text, 0, NULL, 0) == 0;
		x->text = text;
		x->gen = m->gen;
	}
	return x->match;
}

static bool
pat_match(struct pl_idmatch *m, struct re *r, const char *text, bool lines)
{
	size_t n, t;

	if (text == NULL)
		return false;
	if (r->state == RE_UNSET && (r->state = literal_of(r, lines)) == RE_REGEX) {
		r->state = RE_PENDING;
		r->lit = required_text(r->pattern);
		r->lit_owned = r->lit != NULL;
	}
	/* A literal with a byte pair the command line lacks is not in it. */
	if (text == m->pairs_text && r->lit != NULL && r->state != RE_EXACT &&
	    r->state != RE_PREFIX && r->state != RE_SUFFIX && r->state != RE_BAD &&
	    !pairs_hold(m, r->lit, r->litlen ? r->litlen : strlen(r->lit)))
		return false;
	/* Compiled only for a text that could match: most processes are ruled out first. */
	if ((r->state == RE_PENDING || r->state == RE_REGEX) && r->lit != NULL &&
	    *r->lit != '\0' && strstr(text, r->lit) == NULL)
		return false;
	if (r->state == RE_PENDING)
		r->state = (r->rx = rx_get(m, r->pattern, lines)) != NULL && r->rx->ok ?
		    RE_REGEX : RE_BAD;
	switch (r->state) {
	case RE_REGEX:
		return rx_exec(m, r->rx, text);
	case RE_EXACT:
		return strlen(text) == r->litlen && memcmp(text, r->lit, r->litlen) == 0;
	case RE_PREFIX:
		return strncmp(text, r->lit, r->litlen) == 0;
	case RE_SUFFIX:
		n = r->litlen;
		t = strlen(text);
		return t >= n && memcmp(text + t - n, r->lit, n) == 0;
	case RE_SUBSTR:
		/* Unescaped, the literal runs to the pattern's end: a C string. */
		return strstr(text, r->lit) != NULL;
	default:
		return false;
	}
}

/* The lore port range of c that lists port specifically (64 ports or fewer), or NULL. */
static const struct pl_id_port *
port_of(const struct pl_id_candidate *c, uint16_t port, enum pl_proto proto)
{
	for (size_t i = 0; i < c->nports; i++)
		if (c->ports[i].proto == proto && c->ports[i].lo <= port && port <= c->ports[i].hi &&
		    c->ports[i].hi - c->ports[i].lo <= 64)
			return &c->ports[i];
	return NULL;
}

static bool
on_port(const struct pl_id_candidate *c, uint16_t port, enum pl_proto proto)
{
	return port_of(c, port, proto) != NULL;
}

/* The leading run of letters of s, lowercased, into buf ("openssh-server" -> "openssh",
 * "python3.11-minimal" -> "python"). */
static void
lead_word(char *buf, size_t len, const char *s)
{
	size_t n = 0;

	while (s && isalpha((unsigned char)*s) && n + 1 < len)
		buf[n++] = (char)tolower((unsigned char)*s++);
	buf[n] = '\0';
}

/* A package is named for c when its leading word is the leading word of c's id or
 * family: openssh-server for openssh-sshd, redis-server for redis-server. An
 * interpreter's package (python3.11-minimal) runs every program written for it and
 * names none of them. */
static bool
package_names(const struct pl_id_candidate *c, const char *word)
{
	char a[32], b[32];

	if (*word == '\0')
		return false;
	lead_word(a, sizeof(a), c->id);
	lead_word(b, sizeof(b), c->family);
	return strcmp(word, a) == 0 || strcmp(word, b) == 0;
}

/* The word of a package that can name a candidate: its leading word, 3 letters or
 * more and not a runtime's; "" when there is none. Once per process. */
static void
package_word(char *p, size_t len, const char *package)
{
	static const char *const runtimes[] = { "python", "perl", "ruby", "nodejs", "node",
		"openjdk", "java", "php", "bash", "dash", "busybox", "dotnet", "mono", "lua",
		"tcl", "erlang", "elixir", "golang", "libc", "coreutils" };

	lead_word(p, len, package);
	for (size_t i = 0; i < sizeof(runtimes) / sizeof(*runtimes); i++)
		if (strcmp(p, runtimes[i]) == 0)
			p[0] = '\0';
	if (strlen(p) < 3)
		p[0] = '\0';
}

/* A unit is named for c when the unit's leading word (3 letters or more, not a generic
 * word) occurs in c's id or family: ssh.service for openssh-sshd. */
static bool
unit_names(const struct pl_id_candidate *c, const char *word)
{
	return *word != '\0' && ((c->id && strstr(c->id, word)) ||
	    (c->family && strstr(c->family, word)));
}

/* The word of a unit that can name a candidate: its leading word, 3 letters or more
 * and not a generic one; "" when there is none. Once per process. */
static void
unit_word(char *u, size_t len, const char *unit)
{
	static const char *const generic[] = { "user", "session", "system", "init", "run",
		"app", "service", "server", "docker", "containerd", "podman", "snap" };

	lead_word(u, len, unit);
	for (size_t i = 0; i < sizeof(generic) / sizeof(*generic); i++)
		if (strcmp(u, generic[i]) == 0)
			u[0] = '\0';
	if (strlen(u) < 3)
		u[0] = '\0';
}

static bool
same_str_ci(const char *a, const char *b)
{
	return a && b && strcasecmp(a, b) == 0;
}

/* The repository name of a container image, lowercased: "redis" of
 * "docker.io/library/redis:7", "postgresql" of "bitnami/postgresql@sha256:...". Empty
 * when it names no program: an operating system or language base image. */
static void
image_repo(char *buf, size_t len, const char *image)
{
	static const char *const bases[] = { "alpine", "ubuntu", "debian", "busybox", "centos",
		"fedora", "rockylinux", "almalinux", "archlinux", "amazonlinux", "scratch",
		"distroless", "static", "base", "python", "node", "ruby", "perl", "php", "golang",
		"openjdk", "eclipse", "java", "dotnet", "mono", "bash", "pause" };
	const char *p = image, *end, *slash;
	size_t n = 0;
	char w[32];

	buf[0] = '\0';
	if (image == NULL)
		return;
	end = strchr(p, '@');
	end = end ? end : p + strlen(p);
	for (slash = p; (slash = memchr(slash, '/', (size_t)(end - slash))) != NULL; p = ++slash)
		;
	for (; p < end && *p != ':' && n + 1 < len; p++)
		buf[n++] = (char)tolower((unsigned char)*p);
	buf[n] = '\0';
	lead_word(w, sizeof(w), buf);
	for (size_t i = 0; i < sizeof(bases) / sizeof(*bases); i++)
		if (strcmp(w, bases[i]) == 0)
			buf[0] = '\0';
	if (strlen(w) < 3)
		buf[0] = '\0';
}

/* An image is named for c when its repository name is c's id or family, or shares
 * their leading word: redis for redis-server, grafana for grafana. (A process hint
 * that matches the name is checked by the caller.) */
static bool
image_names(const struct pl_id_candidate *c, const char *repo, const char *r)
{
	char a[32], b[32];

	if (*repo == '\0')
		return false;
	if (same_str_ci(repo, c->id) || same_str_ci(repo, c->family))
		return true;
	lead_word(a, sizeof(a), c->id);
	lead_word(b, sizeof(b), c->family);
	return strcmp(r, a) == 0 || strcmp(r, b) == 0;
}

static const char *
base_name(const char *path)
{
	const char *s = path ? strrchr(path, '/') : NULL;

	return s ? s + 1 : path;
}

/* The banner as the patterns see it: lines end at "\n", a NUL does not end the text. */
static char *
banner_text(const struct pl_id_evidence *e)
{
	char *t;
	size_t n = 0;

	if (e->banner == NULL || (t = malloc(e->banner_len + 1)) == NULL)
		return NULL;
	for (size_t i = 0; i < e->banner_len; i++)
		if (e->banner[i] != '\r')
			t[n++] = e->banner[i] == '\0' ? '\x01' : e->banner[i];
	t[n] = '\0';
	return t;
}

static char *
dup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static bool
same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* Whether e's process facts are those procev was computed for. */
static bool
same_process(const struct pl_idmatch *m, const struct pl_id_evidence *e)
{
	return m->have_key && same_str(m->key[0], e->comm) && same_str(m->key[1], e->cmdline) &&
	    same_str(m->key[2], e->exe) && same_str(m->key[3], e->package) &&
	    same_str(m->key[4], e->unit) && same_str(m->key[5], e->image);
}

/* A process's facts as every candidate is matched against them, worked out once:
 * texts are NULL when empty, words "" when they can name nothing. */
struct procfacts {
	const char *exe, *comm, *cmdline;
	char repo[64], repo_word[32], package[32], unit[32];
};

static void
procfacts(struct procfacts *f, const struct pl_id_evidence *e)
{
	f->exe = base_name(e->exe);
	f->exe = f->exe && *f->exe ? f->exe : NULL;
	f->comm = e->comm && *e->comm ? e->comm : NULL;
	f->cmdline = e->cmdline && *e->cmdline ? e->cmdline : NULL;
	image_repo(f->repo, sizeof(f->repo), e->image);
	lead_word(f->repo_word, sizeof(f->repo_word), f->repo);
	package_word(f->package, sizeof(f->package), e->package);
	unit_word(f->unit, sizeof(f->unit), e->unit);
}

/* What the process's facts say of candidate i, whatever the port. */
static unsigned
proc_evidence(struct pl_idmatch *m, size_t i, const struct procfacts *f)
{
	const struct pl_id_candidate *c = &m->c[i];
	struct re *r = &m->res[m->first[i]];
	unsigned ev = 0;

	for (size_t k = 0; k < c->nprocess; k++, r++) {
		if (f->exe && pat_match(m, r, f->exe, false))
			ev |= EV_EXE;
		else if (f->comm && pat_match(m, r, f->comm, false))
			ev |= EV_COMM;
		if (*f->repo && pat_match(m, r, f->repo, false))
			ev |= EV_IMAGE;
	}
	for (size_t k = 0; k < c->ncmdline && f->cmdline; k++, r++)
		if (pat_match(m, r, f->cmdline, false))
			ev |= EV_CMDLINE;
	if (ev & EV_EXE)
		ev &= ~(unsigned)EV_COMM;
	/* Command-line hints ("--listen", "webui\.py") are written to tell apart programs
	 * of one process name; when the name is not the candidate's, they only hint. */
	if (ev & EV_CMDLINE && c->nprocess > 0 && !(ev & (EV_EXE | EV_COMM)))
		ev = (ev & ~(unsigned)EV_CMDLINE) | EV_CMDLINE_ALONE;
	if (package_names(c, f->package))
		ev |= EV_PACKAGE;
	if (unit_names(c, f->unit))
		ev |= EV_UNIT;
	if (image_names(c, f->repo, f->repo_word))
		ev |= EV_IMAGE;
	return ev;
}

/* The evidence for candidate i: its score, and which kinds spoke (enum ev). */
static int
score(struct pl_idmatch *m, size_t i, const struct pl_id_evidence *e, const char *banner,
    unsigned *evs)
{
	const struct pl_id_candidate *c = &m->c[i];
	struct re *r = &m->res[m->first[i] + c->nprocess + c->ncmdline];
	bool here = on_port(c, e->port, e->proto);
	unsigned ev = m->procev[i], support = ev & (EV_PACKAGE | EV_UNIT | EV_IMAGE);
	int s = 0;

	ev &= ~support;
	for (size_t k = 0; k < c->nbanner && banner; k++, r++) {
		if (!pat_match(m, r, banner, true))
			continue;
		if (r->generic == 0)
			r->generic = pl_id_banner_generic(r->pattern) ? 1 : -1;
		ev |= r->generic == 1 ? EV_BANNER_GENERIC : EV_BANNER;
	}
	/* A greeting any server sends says nothing about a use lore puts elsewhere. */
	if (!here)
		ev &= ~(unsigned)EV_BANNER_GENERIC;
	/* Package, unit and image support a candidate; on their own, away from its port, they
	 * would name every use of a family. */
	if (here || ev)
		ev |= support;
	if (here)
		ev |= EV_PORT;
	s += ev & EV_BANNER ? W_BANNER : 0;
	s += ev & EV_CMDLINE ? W_CMDLINE : 0;
	s += ev & EV_EXE ? W_EXE : 0;
	s += ev & EV_PACKAGE ? W_PACKAGE : 0;
	s += ev & EV_UNIT ? W_UNIT : 0;
	s += ev & EV_IMAGE ? W_IMAGE : 0;
	s += ev & EV_COMM ? W_COMM : 0;
	s += ev & EV_CMDLINE_ALONE ? W_CMDLINE_ALONE : 0;
	s += ev & EV_BANNER_GENERIC ? W_BANNER_GENERIC : 0;
	s += ev & EV_PORT ? W_PORT : 0;
	*evs = ev;
	return s;
}

static void
why(struct pl_identified *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
why(struct pl_identified *out, const char *fmt, ...)
{
	va_list ap;

	if (out->nwhy >= PL_ID_MAXWHY)
		return;
	va_start(ap, fmt);
	vsnprintf(out->why[out->nwhy++], sizeof(out->why[0]), fmt, ap);
	va_end(ap);
}

/* The reasons for the named candidate, strongest first. */
static void
explain(struct pl_identified *out, const struct pl_id_evidence *e, unsigned ev)
{
	const char *name = out->name;

	if (ev & EV_BANNER)
		why(out, "the banner names %s", name);
	if (ev & EV_CMDLINE)
		why(out, "the command line is %s's", name);
	if (ev & EV_EXE)
		why(out, "executable %.100s", base_name(e->exe));
	if (ev & EV_PACKAGE)
		why(out, "from Debian package %.60s", e->package);
	if (ev & EV_UNIT)
		why(out, "systemd unit %.60s", e->unit);
	if (ev & EV_IMAGE)
		why(out, "container image %.100s", e->image);
	if (ev & EV_COMM)
		why(out, "process name %s", e->comm);
	if (ev & EV_CMDLINE_ALONE)
		why(out, "the command line resembles %s's, the process name does not", name);
	if (ev & EV_BANNER_GENERIC)
		why(out, "the banner fits the protocol, not one product");
	if (ev & EV_PORT)
		why(out, "lore lists %u/%s for it", (unsigned)e->port, pl_proto_name(e->proto));
	else
		why(out, "lore does not list %u/%s for it", (unsigned)e->port, pl_proto_name(e->proto));
}

/* A pattern that is a plain name ("^redis-server$") as that name, else NULL. */
static const char *
literal(char *buf, size_t len, const char *pattern)
{
	size_t n = 0;
	const char *p = pattern;

	if (*p == '^')
		p++;
	for (; *p && n + 1 < len; p++) {
		if (*p == '\\' && p[1] != '\0') {
			buf[n++] = *++p;
			continue;
		}
		if (*p == '$' && p[1] == '\0')
			break;
		if (strchr(".[]()*+?{}|^$", *p))
			return NULL;
		buf[n++] = *p;
	}
	buf[n] = '\0';
	return n > 0 ? buf : NULL;
}

/* Inserts (c, s) into the best-first list; equal scores keep the caller's order. */
static void
keep_best(struct pl_identified *out, const struct pl_id_candidate *c, int s)
{
	size_t at = out->ncand;

	while (at > 0 && out->cand[at - 1].score < s)
		at--;
	if (at >= PL_ID_MAXCAND)
		return;
	if (out->ncand < PL_ID_MAXCAND)
		out->ncand++;
	memmove(&out->cand[at + 1], &out->cand[at], (out->ncand - 1 - at) * sizeof(out->cand[0]));
	out->cand[at] = (struct pl_id_scored){ c->id, c->name, s };
}

static uint32_t
pkey(enum pl_proto proto, unsigned port)
{
	return (uint32_t)proto << 16 | port;
}

/* The port table: every candidate under each port it lists specifically (port_of()'s
 * rule), chains in candidate order. 0, or -PL_ENOMEM (the caller goes on without). */
static int
port_index(struct pl_idmatch *m)
{
	size_t n = 0, k = 0;

	for (size_t i = 0; i < m->n; i++)
		for (size_t j = 0; j < m->c[i].nports; j++)
			if (m->c[i].ports[j].hi - m->c[i].ports[j].lo <= 64)
				n += (size_t)(m->c[i].ports[j].hi - m->c[i].ports[j].lo) + 1;
	if ((m->phead = calloc(PHASH, sizeof(*m->phead))) == NULL ||
	    (m->pent = malloc((n + 1) * sizeof(*m->pent))) == NULL ||
	    (m->merged = malloc((m->n + 1) * sizeof(*m->merged))) == NULL) {
		free(m->phead);
		free(m->pent);
		m->phead = NULL;
		m->pent = NULL;
		return -PL_ENOMEM;
	}
	/* Last candidate first, each put at its chain's head: chains come out ascending. */
	for (size_t i = m->n; i-- > 0; )
		for (size_t j = m->c[i].nports; j-- > 0; ) {
			const struct pl_id_port *p = &m->c[i].ports[j];

			if (p->hi - p->lo > 64)
				continue;
			for (unsigned q = p->lo; q <= p->hi; q++) {
				uint32_t key = pkey(p->proto, q), b = key % PHASH;

				m->pent[k] = (struct pent){ key, (uint32_t)i, m->phead[b] };
				m->phead[b] = (uint32_t)++k;
			}
		}
	return 0;
}

/* The candidates to weigh for e (no banner): those the process's facts speak of and
 * those listing e's port, ascending, each once; into m->merged. Returns the count. */
static size_t
candidates_for(struct pl_idmatch *m, const struct pl_id_evidence *e)
{
	uint32_t key = pkey(e->proto, e->port);
	size_t n = 0, a = 0;
	uint32_t q = m->phead[key % PHASH];

	for (;;) {
		size_t next;

		while (q != 0 && m->pent[q - 1].key != key)
			q = m->pent[q - 1].next;
		next = q != 0 ? m->pent[q - 1].cand : SIZE_MAX;
		if (a < m->nprocnz && m->procnz[a] <= next)
			next = m->procnz[a++];
		else if (q != 0)
			q = m->pent[q - 1].next;
		if (next == SIZE_MAX)
			break;
		if (n == 0 || m->merged[n - 1] != next)
			m->merged[n++] = next;
	}
	return n;
}

int
pl_identify(struct pl_idmatch *m, const struct pl_id_evidence *e, struct pl_identified *out)
{
	char *banner = banner_text(e), lit[64];
	const struct pl_id_candidate *expected = NULL, *first_here = NULL;
	int here_rank = 0, expected_rank = 0;
	unsigned best_ev = 0, holder_ev = 0;
	size_t ties = 0, nweigh = m->n;
	bool fast;
	int best = 0;

	memset(out, 0, sizeof(*out));
	if (e->banner != NULL && banner == NULL)
		return -PL_ENOMEM;
	m->gen++;                  /* the texts may be new ones at old addresses */
	if (!same_process(m, e)) {
		struct procfacts f;
		size_t *nz = realloc(m->procnz, (m->n + 1) * sizeof(*nz));

		if (nz == NULL) {
			free(banner);
			return -PL_ENOMEM;
		}
		m->procnz = nz;
		m->nprocnz = 0;
		procfacts(&f, e);
		pairs_of(m, f.cmdline);
		for (size_t i = 0; i < m->n; i++)
			if ((m->procev[i] = proc_evidence(m, i, &f)) != 0)
				m->procnz[m->nprocnz++] = i;
		m->pairs_text = NULL;       /* the line may be freed before the next call */
		m->have_key = false;
		for (int k = 0; k < NKEYS; k++)
			free(m->key[k]);
		m->key[0] = dup(e->comm), m->key[1] = dup(e->cmdline), m->key[2] = dup(e->exe);
		m->key[3] = dup(e->package), m->key[4] = dup(e->unit), m->key[5] = dup(e->image);
		m->have_key = (!e->comm || m->key[0]) && (!e->cmdline || m->key[1]) &&
		    (!e->exe || m->key[2]) && (!e->package || m->key[3]) && (!e->unit || m->key[4]) &&
		    (!e->image || m->key[5]);
	}
	/* Many ports of one process: only the candidates that can score or be here. */
	if (++m->calls == PORT_INDEX_AFTER && m->phead == NULL)
		(void)port_index(m);
	fast = banner == NULL && m->phead != NULL;
	if (fast)
		nweigh = candidates_for(m, e);
	for (size_t w = 0; w < nweigh; w++) {
		size_t i = fast ? m->merged[w] : w;
		unsigned ev;
		int s = score(m, i, e, banner, &ev);

		if (ev & EV_PORT) {
			int rank = port_of(&m->c[i], e->port, e->proto)->rank;

			if (first_here == NULL || rank < here_rank)
				first_here = &m->c[i], here_rank = rank;
			if (m->c[i].nprocess > 0 && (expected == NULL || rank < expected_rank))
				expected = &m->c[i], expected_rank = rank;
			holder_ev |= ev & ~(unsigned)(EV_PORT | EV_BANNER_GENERIC);
		}
		if (s == 0)
			continue;
		keep_best(out, &m->c[i], s);
		if (s > best)
			best = s, best_ev = ev, ties = 1;
		else if (s == best)
			ties++;
	}
	free(banner);
	if (best >= W_COMM && ties == 1) {
		out->id = out->cand[0].id;
		out->name = out->cand[0].name;
		out->confidence = best_ev & (EV_BANNER | EV_CMDLINE) ||
		    (best_ev & EV_EXE && best_ev & EV_PACKAGE) ? PL_ID_CONFIRMED : PL_ID_LIKELY;
		out->by_banner = (best_ev & EV_BANNER) != 0;
		explain(out, e, best_ev);
		if (out->ncand > 1)
			why(out, "runner-up: %s", out->cand[1].name);
	} else if (best >= W_COMM && ties <= MAX_TIES) {
		out->confidence = PL_ID_AMBIGUOUS;
		why(out, "%zu uses fit the evidence equally; nothing singles one out", ties);
	} else if (best >= W_COMM && first_here == NULL) {
		/* python3 on a port lore does not know: a dozen uses share the name. That
		 * is no identification at all. */
		out->ncand = 0;
		return 0;
	} else if (first_here != NULL) {
		/* Less than a process name: a greeting of the protocol, a command line that
		 * resembles one. The port speaks; the rest is noted. */
		out->confidence = PL_ID_PORT_ONLY;
		out->id = first_here->id;
		out->name = first_here->name;
		if (best_ev & EV_BANNER_GENERIC)
			why(out, "the banner fits the protocol, not one product");
		why(out, "only the port number: %s is the first of %u/%s's uses in lore",
		    first_here->name, (unsigned)e->port, pl_proto_name(e->proto));
	} else {
		out->ncand = 0;
		return 0;
	}
	/* The holder is known and matches none of the uses lore expects on the port. */
	if (expected != NULL && holder_ev == 0 && e->comm && *e->comm) {
		const char *want = expected->nprocess ? literal(lit, sizeof(lit), expected->process[0]) :
		    NULL;

		snprintf(out->contradiction, sizeof(out->contradiction), "%u held by %s, not %s",
		    (unsigned)e->port, e->comm, want ? want : expected->name);
		if (out->confidence == PL_ID_PORT_ONLY)
			out->id = out->name = NULL;
	}
	return 0;
}
