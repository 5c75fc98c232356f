/*
 * rank.c: the relevance of lore uses (include/portlore/rank.h). One function orders
 * every list of uses the program shows, so the report, JSON, annotate, probe, audit,
 * the pages and search agree on what comes first.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "portlore/rank.h"

static const char *const use_names[] = {
	"server", "default", "client", "target", "historical", NULL
};
static const char *const prev_names[] = { "dominant", "common", "niche", "historical", NULL };
static const char *const use_why[] = {
	"listens there by design", "a vendor or application default",
	"a client or script that connects to it", "a target of scans or malware",
	"no longer in use", "not said"
};

/*
 * The weights. Role steps are 10 apart (client and target are one step: which of
 * them matters more depends on the port, so prevalence decides); prevalence steps
 * 8 to 12. So a use one role step better wins unless the other is two prevalence
 * steps more common: a dominant default (10) beats a niche server (20), a common
 * server (8) beats a dominant default (10).
 */
static const int use_weight[] = { 0, 10, 30, 30, 40, 35 };
static const int prev_weight[] = { 0, 8, 20, 30, 25 };
#define AGREE_BONUS 5        /* the registry names the same service */
#define RANGE_COST 3         /* listed through a range, not for this very port */
#define BROAD_COST 1000      /* through a range of more than 64 ports: always last */

static int
parse(const char *const *names, const char *s)
{
	for (int i = 0; s != NULL && names[i] != NULL; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

int
pl_use_parse(const char *s)
{
	return parse(use_names, s);
}

int
pl_prevalence_parse(const char *s)
{
	return parse(prev_names, s);
}

const char *
pl_use_name(enum pl_use u)
{
	return (unsigned)u < PL_USE_UNKNOWN ? use_names[u] : "";
}

const char *
pl_prevalence_name(enum pl_prevalence p)
{
	return (unsigned)p < PL_PREV_UNKNOWN ? prev_names[p] : "";
}

int
pl_rank_score(const struct pl_rank_in *in)
{
	unsigned u = (unsigned)in->use <= PL_USE_UNKNOWN ? (unsigned)in->use : PL_USE_UNKNOWN;
	unsigned p = (unsigned)in->prevalence <= PL_PREV_UNKNOWN ? (unsigned)in->prevalence :
	    PL_PREV_UNKNOWN;
	int score = use_weight[u] + prev_weight[p];

	if (in->registry_agrees)
		score -= AGREE_BONUS;
	if (!in->exact)
		score += RANGE_COST;
	if (in->broad)
		score += BROAD_COST;
	return score;
}

int
pl_rank_cmp(const struct pl_rank_in *a, const struct pl_rank_in *b)
{
	int sa = pl_rank_score(a), sb = pl_rank_score(b);

	if (sa != sb)
		return sa < sb ? -1 : 1;
	if (a->nmap_freq != b->nmap_freq)
		return a->nmap_freq > b->nmap_freq ? -1 : 1;
	if (a->nsources != b->nsources)
		return a->nsources > b->nsources ? -1 : 1;
	/* Not a criterion: only so that equal uses always come in the same order. */
	return strcmp(a->id ? a->id : "", b->id ? b->id : "");
}

/* Whether word (n bytes) equals one hyphen-separated part of s, or is contained in
 * one when it has at least three characters. */
static bool
in_parts(const char *s, const char *word, size_t n)
{
	while (s != NULL && *s) {
		size_t len = strcspn(s, "-");

		if (len == n && strncasecmp(s, word, n) == 0)
			return true;
		if (n >= 3 && len > n)
			for (size_t i = 0; i + n <= len; i++)
				if (strncasecmp(s + i, word, n) == 0)
					return true;
		s += len;
		s += *s == '-';
	}
	return false;
}

/* Whether word (n bytes) is the first word of text: names often mention other
 * protocols further on ("NetScaler management over SSH"). */
static bool
first_word(const char *text, const char *word, size_t n)
{
	return text != NULL && strncasecmp(text, word, n) == 0 &&
	    !isalnum((unsigned char)text[n]);
}

bool
pl_rank_names_agree(const char *service, const char *id, const char *family,
    const char *name)
{
	size_t n = service ? strlen(service) : 0;

	/* One or two letters ("x", "ip") would agree with anything. */
	if (n < 2)
		return false;
	return in_parts(id, service, n) || in_parts(family, service, n) ||
	    first_word(name, service, n);
}

size_t
pl_rank_reasons(const struct pl_rank_in *in, char out[][PL_RANK_REASON_MAX], size_t max)
{
	unsigned u = (unsigned)in->use <= PL_USE_UNKNOWN ? (unsigned)in->use : PL_USE_UNKNOWN;
	size_t n = 0;

	if (n < max)
		snprintf(out[n++], PL_RANK_REASON_MAX, "role: %s (%s)",
		    u == PL_USE_UNKNOWN ? "unknown" : use_names[u], use_why[u]);
	if (n < max)
		snprintf(out[n++], PL_RANK_REASON_MAX, "prevalence: %s",
		    (unsigned)in->prevalence < PL_PREV_UNKNOWN ? prev_names[in->prevalence] :
		    "unknown");
	if (in->registry_agrees && n < max)
		snprintf(out[n++], PL_RANK_REASON_MAX, "agrees with the registry's service name");
	if (!in->exact && n < max)
		snprintf(out[n++], PL_RANK_REASON_MAX, "%s",
		    in->broad ? "listed through a wide range (ranked last)" :
		    "listed through a range around the port");
	return n;
}
