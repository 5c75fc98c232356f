/*
 * Identification: which known use (a lore entry) holds a socket or answered a probe,
 * weighed from evidence, with how sure portlore is and why.
 *
 * The identifier takes lore candidates (plain structs: id, name, ports, hints) and host
 * facts (process name, command line, executable, its Debian package, systemd unit,
 * container image, banner); it never reads a report or the store. Evidence, strongest
 * first:
 *
 *   banner naming a product  100   a banner hint that no generic greeting matches
 *   command line              40   a `cmdline` hint matches the process's command line
 *   executable                30   a `process` hint matches the executable's file name
 *   Debian package            20   the package owning the executable is named for it
 *   systemd unit              15   the unit is named for it
 *   container image           15   the image's repository name ("redis" of
 *                                  "docker.io/library/redis:7") is its id, family or
 *                                  the leading word of either, or a `process` hint
 *                                  matches it (not a base image: alpine, python)
 *   process name              10   a `process` hint matches comm (when the executable
 *                                  gave no match)
 *   command line alone         5   a `cmdline` hint matches, but the candidate's process
 *                                  names do not ("--listen" in any program)
 *   generic banner             2   a hint any server of the protocol would match (only
 *                                  for uses lore lists on the port)
 *   the port alone             1   lore lists the port for it
 *
 * Package, unit and image count only for a candidate on its port or with other
 * evidence; an interpreter's package (python3.11-minimal) names no program.
 *
 * A candidate is named when it scores at least a process name (10) and beats every
 * other: `confirmed` with a product-naming banner, a command-line match, or the
 * executable with its package; `likely` otherwise. When two or three share the best
 * score nothing is named (`ambiguous`) and they are listed; more than three sharing
 * it (python3 fits a dozen uses) is no identification. Ties are never broken by name.
 * Otherwise the port's first use (pl_id_port.rank, then the candidates' order) is
 * named `port only` - unless the holder is known and matches none of the port's uses
 * that have process hints: then nothing is named and `contradiction` says so.
 *
 * Ownership: a matcher copies nothing; the candidates passed to pl_idmatch_new() must
 * outlive it. Results lend the candidates' id and name strings.
 */
#ifndef PORTLORE_IDENTIFY_H
#define PORTLORE_IDENTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portlore/error.h"
#include "portlore/portspec.h"

/* A lore port range of a candidate. */
struct pl_id_port {
	uint16_t lo, hi;
	enum pl_proto proto;
	int rank;                  /* the use's place among the port's uses, lower first;
	                            * equal ranks keep the candidates' order */
};

/* One known use. Arrays of POSIX extended regular expressions (docs/lore-format.md). */
struct pl_id_candidate {
	const char *id, *name, *family;
	const struct pl_id_port *ports; size_t nports;
	const char *const *process; size_t nprocess;
	const char *const *cmdline; size_t ncmdline;
	const char *const *banner; size_t nbanner;
};

/* What is known about the holder of a port. Any field may be NULL (not known). */
struct pl_id_evidence {
	uint16_t port;
	enum pl_proto proto;
	const char *comm;          /* the kernel's process name */
	const char *cmdline;       /* arguments joined by spaces */
	const char *exe;           /* executable path (/proc/PID/exe) */
	const char *package;       /* Debian package owning exe */
	const char *unit;          /* systemd unit, "ssh.service" */
	const char *banner;        /* bytes a probe read, banner_len of them */
	size_t banner_len;
	const char *image;         /* container image, "docker.io/library/redis:7" */
};

enum pl_id_confidence {
	PL_ID_NONE,                /* nothing known for the port */
	PL_ID_PORT_ONLY,           /* only the port number speaks for it */
	PL_ID_AMBIGUOUS,           /* evidence, but two or more candidates share the best */
	PL_ID_LIKELY,              /* singled out by process name, package, unit or image */
	PL_ID_CONFIRMED            /* singled out by a product banner, command line or executable */
};
const char *pl_id_confidence_name(enum pl_id_confidence c);

#define PL_ID_MAXWHY 6
#define PL_ID_MAXCAND 5

struct pl_id_scored {
	const char *id, *name;     /* lent from the candidate */
	int score;
};

struct pl_identified {
	const char *id, *name;     /* the use named (lent from its candidate), NULL when none */
	enum pl_id_confidence confidence;
	char why[PL_ID_MAXWHY][200]; size_t nwhy;
	/* the best-scored candidates, best first (the named one included); when tied, in
	 * the caller's order */
	struct pl_id_scored cand[PL_ID_MAXCAND]; size_t ncand;
	/* "6379 held by nc, not redis-server": the holder matches none of the uses lore
	 * expects on the port; "" otherwise */
	char contradiction[200];
	bool by_banner;            /* a banner that names a product spoke for the one named */
};

struct pl_idmatch;

/*
 * Prepares matching over n candidates. The `port only` answer and the use a holder is
 * said to contradict are the port's first use by pl_id_port.rank, then by the
 * candidates' order; neither order ever breaks a tie of evidence. Patterns compile on
 * first use; one that does not compile never matches. Returns 0, -PL_ENOMEM.
 */
int pl_idmatch_new(struct pl_idmatch **out, const struct pl_id_candidate *c, size_t n);
void pl_idmatch_free(struct pl_idmatch *m);

/*
 * How a hint pattern is matched, worked out once ahead (the lookup index stores it):
 * a plain name is compared as a string (exact, prefix, suffix or substring of lit);
 * a real expression is compiled, and only for text holding lit (NULL: no such text).
 */
enum pl_id_form_kind { PL_ID_FORM_REGEX = 1, PL_ID_FORM_EXACT, PL_ID_FORM_PREFIX,
	PL_ID_FORM_SUFFIX, PL_ID_FORM_SUBSTR };
struct pl_id_form {
	enum pl_id_form_kind kind;
	const char *lit;
};
/* The form of pattern (lines: '^' and '$' also match at line breaks, as for banner
 * hints); f->lit is allocated, the caller frees it. Returns 0 or -PL_ENOMEM. */
int pl_id_pattern_form(const char *pattern, bool lines, struct pl_id_form *f);
/* pl_idmatch_new() with every pattern's form given (forms: one per pattern, candidate
 * by candidate, process then cmdline then banner hints; lent, kept while m lives). */
int pl_idmatch_new_forms(struct pl_idmatch **out, const struct pl_id_candidate *c, size_t n,
    const struct pl_id_form *forms);

/*
 * Weighs e against every candidate and fills out. Candidates that lore does not list on
 * e's port take part only through process, command-line or banner evidence. Returns 0,
 * or -PL_ENOMEM (out is then empty).
 */
int pl_identify(struct pl_idmatch *m, const struct pl_id_evidence *e, struct pl_identified *out);

/* Whether a banner pattern matches a greeting that any server of its protocol sends
 * ("HTTP/1.1 200 OK", "SSH-2.0-x", "220 x"): such a hint never names a product. */
bool pl_id_banner_generic(const char *pattern);

/*
 * The Debian packages owning paths, from dpkg's file lists (infodir/ *.list; NULL means
 * /var/lib/dpkg/info). pkgs[i] receives a new string or NULL. A path under /usr is also
 * looked up without /usr (merged-/usr systems list the old path); with the system's
 * lists, a path outside /usr, /bin, /sbin, /lib* and /opt is nobody's. Returns 0 (a missing directory just finds
 * nothing) or -PL_ENOMEM.
 */
int pl_dpkg_owners(const char *infodir, const char *const *paths, size_t n, char **pkgs);

/*
 * Every lore entry as a candidate, with its ports and hints (lore/candidates.c), in
 * lore's order. Returns 0, -PL_ESTORE or -PL_ENOMEM; pl_id_candidates_free() releases
 * it (safe on a zeroed set).
 */
struct pl_store;
struct pl_id_candidates {
	struct pl_id_candidate *v; size_t n;
	bool lent;                 /* strings lent by the lookup index; ports, hint
	                            * arrays and forms in the blocks of mem */
	void *mem[3];
	const struct pl_id_form *forms;   /* the index's forms of the patterns, in
	                                   * pl_idmatch_new_forms() order; NULL: none */
};
int pl_id_candidates_load(struct pl_store *st, struct pl_id_candidates *out, struct pl_err *err);
void pl_id_candidates_free(struct pl_id_candidates *c);

/* A lore port's place among its port's uses for identification (rank.h's score from
 * use, prevalence and range, then more sources first): lower is better. */
int pl_id_port_rank(int lo, int hi, const char *use, const char *prevalence, int nsources);

#endif
