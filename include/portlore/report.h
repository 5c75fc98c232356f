/*
 * The report: the one model of a port and protocol. Commands and HTTP routes build
 * reports and hand them to a renderer (render.h); renderers only format.
 *
 * Ownership: pl_report_build() fills a caller-owned struct pl_report; everything it
 * points to belongs to the report and is released by pl_report_free().
 */
#ifndef PORTLORE_REPORT_H
#define PORTLORE_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portlore/error.h"
#include "portlore/history.h"
#include "portlore/portspec.h"
#include "portlore/ranges.h"
#include "portlore/rank.h"
#include "portlore/sockets.h"
#include "portlore/store.h"

#define PL_REPORT_SCHEMA "https://portlore.dev/schema/report/1"
#define PL_REPORT_SCHEMA_VERSION 1

/* Where a fact comes from. Outside data sets have their own label: NMAP for the open
 * frequencies of nmap-services, FETCH for the browsers' blocked ports (Fetch standard). */
enum pl_prov { PL_PROV_IANA, PL_PROV_LORE, PL_PROV_OBSERVED, PL_PROV_PROBED, PL_PROV_INFERRED,
	PL_PROV_NMAP, PL_PROV_FETCH };
const char *pl_prov_name(enum pl_prov p);


/* The registry's word on this port and protocol. */
enum pl_reg_status {
	PL_REG_ASSIGNED,
	PL_REG_UNASSIGNED,
	PL_REG_RESERVED,
	PL_REG_NONE                /* the snapshot has no row for it (e.g. no sctp row) */
};
const char *pl_reg_status_name(enum pl_reg_status s);

/* A lore source: published is "" when the source gives no date; tier is "primary",
 * "secondary" or "community" (docs/lore-format.md). */
struct pl_source {
	char *title, *url, *published, *accessed, *publisher, *tier;
};

struct pl_lore_port {
	uint16_t lo, hi;
	enum pl_proto proto;
	char *role;
	char *entry_id, *entry_name;   /* for siblings: whose port this is */
};

struct pl_lore_use {
	char *id, *family, *family_name, *name, *vendor, *kind, *summary;
	char *risk, *risk_why, *notes;
	char *confidence, *confidence_why;   /* "high", "medium" or "low"; why ("" for high) */
	bool risk_here;                /* the risk concerns this port (lore may name others) */
	int year_from, year_to;        /* 0 when absent */
	char *role;                    /* the role of this port for this entry */
	uint16_t lo, hi;               /* the lore port range that matched */
	bool broad;                    /* matched through a range of more than 64 ports */
	/* relevance (docs/lore-format.md): uses come ordered by it, rank 1 first */
	enum pl_use use;
	enum pl_prevalence prevalence;
	char *evidence;                /* "" when the lore file does not say */
	struct pl_rank_in rank_in;     /* what the order was computed from */
	int rank;                      /* 1-based position among the report's uses */
	char **cves; size_t ncves;
	char **process, **cmdline, **banner;
	size_t nprocess, ncmdline, nbanner;
	struct pl_source *sources; size_t nsources;
	struct pl_lore_port *siblings; size_t nsiblings;   /* other ports of the family */
};

struct pl_nmap_freq {
	bool have;
	char *name;
	double freq;
	long rank, ranked;             /* rank among ports of this protocol seen open */
};

struct pl_report {
	uint16_t port;
	enum pl_proto proto;

	/* range facts */
	const struct pl_iana_range *iana_range;
	/* This host's settings: the caller's (pl_report_opts.os), or read for this report
	 * alone into os_own; NULL when not asked for (os_read false). */
	const struct pl_os_ranges *os;
	struct pl_os_ranges *os_own;
	bool os_read;                  /* false when the host's settings were not asked for */
	struct pl_browser_block browsers;

	/* registry */
	char *snapshot;                /* label of the snapshot the records come from */
	enum pl_reg_status status;
	struct pl_record *records; size_t nrecords;   /* rows for exactly this port */
	struct pl_record *ranges; size_t nranges;     /* range rows that contain it */

	/* lore */
	struct pl_lore_use *uses; size_t nuses;
	struct pl_nmap_freq nmap;

	/* on this machine: the port's listeners with their processes (provenance observed),
	 * read when opts->sockets asks; sockets_read is false otherwise */
	struct pl_socklist sockets;
	bool sockets_read;
	char sockets_error[PL_ERRMSG];      /* why they could not be read, "" otherwise */
	/* the registry's story of this port and protocol across the store's snapshots
	 * (history.h), built when opts->history asks; history_read is false otherwise */
	struct pl_history history;
	bool history_read;
	/* The strings of the store's facts are lent by the lookup index they came from
	 * (pl_report_build_index): they live as long as the index stays open. */
	bool strings_lent;
};

struct pl_report_opts {
	const char *proc_root;     /* for the host's settings; NULL means "/" */
	bool no_host;              /* leave out this host's settings */
	bool sockets;              /* list this machine's listeners (not with no_host) */
	const char *dpkg_info;     /* dpkg's file lists for identification; NULL: the system's */
	bool history;              /* the port's registry history (pl_history_build) */
	/* Optional: shared by the reports of one command, so that other network
	 * namespaces are looked for once (sockets.h, pl_sock_query). */
	struct pl_netns_memo *netns_memo;
	/* Optional: this host's port settings, read once by the caller for all its reports
	 * (pl_os_ranges_read); NULL: each report reads them. */
	const struct pl_os_ranges *os;
};

/* Builds the report of port/proto (proto must not be PL_PROTO_ANY). */
int pl_report_build(struct pl_store *st, uint16_t port, enum pl_proto proto,
    const struct pl_report_opts *opts, struct pl_report *out, struct pl_err *err);
/* The same report from the lookup index (index.h): byte for byte what the store gives.
 * Its strings are lent by the index: free the report before closing the index. */
struct pl_index;
int pl_report_build_index(struct pl_index *ix, uint16_t port, enum pl_proto proto,
    const struct pl_report_opts *opts, struct pl_report *out, struct pl_err *err);
void pl_report_free(struct pl_report *r);
/* The risk level of use u on its report's port, as every output shows it: lore's
 * level, or "none" when the entry scopes its risk to other ports (a management
 * interface's CVEs on 443 are not its SSH port's). JSON keeps lore's level with
 * "applies_here". */
const char *pl_use_risk(const struct pl_lore_use *u);

/*
 * Expands a parsed spec into (port, proto) pairs, resolving names through the store,
 * in order and without duplicates. For a port without a protocol: tcp and udp, plus
 * sctp and dccp when the registry or lore lists them for that port.
 * Returns the number of pairs (*out owned by the caller, free()) or a negative code:
 * -PL_ETOOBIG past PL_TARGETS_MAX pairs (a spec repeated without end stays bounded).
 */
#define PL_TARGETS_MAX 262144   /* every port of tcp, udp, sctp and dccp once */
struct pl_target { uint16_t port; enum pl_proto proto; };
long pl_targets_expand(struct pl_store *st, const struct pl_portspec *spec,
    struct pl_target **out, struct pl_err *err);
/* The same from the lookup index (names still go to the store, which it opens). */
long pl_targets_expand_index(struct pl_index *ix, const struct pl_portspec *spec,
    struct pl_target **out, struct pl_err *err);

#endif
