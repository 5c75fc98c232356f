/*
 * Relevance of lore uses: the one order in which every list of uses is shown
 * (reports, JSON, annotate, probe, audit, the pages and search). The model is
 * documented in docs/lore-format.md ("Relevance") and docs/json.md.
 *
 * Nothing here allocates; inputs are lent and outputs are caller-owned buffers.
 */
#ifndef PORTLORE_RANK_H
#define PORTLORE_RANK_H

#include <stdbool.h>
#include <stddef.h>

/* The role a use plays on its port, most relevant first. */
enum pl_use {
	PL_USE_SERVER,        /* listens there by design: the protocol's own port */
	PL_USE_DEFAULT,       /* a vendor's or an application's default */
	PL_USE_CLIENT,        /* a client or script that connects to the port */
	PL_USE_TARGET,        /* a target of scans or malware, or malware's own C2 port */
	PL_USE_HISTORICAL,    /* no longer in use */
	PL_USE_UNKNOWN        /* the lore file does not say */
};

/* How often the use is what holds the port, most common first. */
enum pl_prevalence {
	PL_PREV_DOMINANT, PL_PREV_COMMON, PL_PREV_NICHE, PL_PREV_HISTORICAL, PL_PREV_UNKNOWN
};

/* Parse the lore file's words; return the value, or -1 for an unknown word (or NULL). */
int pl_use_parse(const char *s);
int pl_prevalence_parse(const char *s);
/* The lore file's word for a value ("" for the unknown ones). */
const char *pl_use_name(enum pl_use u);
const char *pl_prevalence_name(enum pl_prevalence p);

/* What the ranking looks at for one use of one port. */
struct pl_rank_in {
	const char *id;                 /* lore id: only the last, documented tie-break */
	enum pl_use use;
	enum pl_prevalence prevalence;
	bool registry_agrees;           /* the entry names the registry's service of the port */
	bool exact;                     /* listed for this very port, not through a range */
	bool broad;                     /* matched through a range of more than 64 ports */
	double nmap_freq;               /* the port's open frequency (lists across ports), or 0 */
	int nsources;                   /* sources the entry cites */
};

/*
 * The relevance score of a use: lower comes first. Role weighs most, then
 * prevalence; a dominant use outranks a niche one of the next better role.
 */
int pl_rank_score(const struct pl_rank_in *in);

/*
 * Orders two uses: score, then the port's open frequency (higher first), then the
 * number of sources (more first), then the lore id (a deterministic tie-break only).
 * Returns <0, 0 or >0 like strcmp.
 */
int pl_rank_cmp(const struct pl_rank_in *a, const struct pl_rank_in *b);

/*
 * Whether a registry (or nmap) service name names this entry: it equals a
 * hyphen-separated word of the id or family, is contained in one of them (at least
 * three letters: "ssh" in "openssh-sshd"), or is the first word of the name.
 * Case-insensitive.
 */
bool pl_rank_names_agree(const char *service, const char *id, const char *family,
    const char *name);

/*
 * Writes the reasons behind in's score as short phrases ("role: server (listens there
 * by design)") into out[0..max); each is cut to PL_RANK_REASON_MAX - 1 bytes.
 * Returns the number written.
 */
#define PL_RANK_REASON_MAX 96
size_t pl_rank_reasons(const struct pl_rank_in *in, char out[][PL_RANK_REASON_MAX], size_t max);

#endif
