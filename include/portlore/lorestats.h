/*
 * Lore statistics: how much lore there is, where its sources come from, and how well
 * it covers the ports nmap most often finds open.
 *
 * Ownership: pl_lore_stats_build() fills a caller-owned struct; pl_lore_stats_free()
 * releases what it points to.
 */
#ifndef PORTLORE_LORESTATS_H
#define PORTLORE_LORESTATS_H

#include <stddef.h>

#include "portlore/error.h"
#include "portlore/store.h"

/* A lore port fact counts for coverage only when it names at most this many ports, so
 * that "anything in 49152-65535" does not cover thousands of ports at once. */
#define PL_COVER_MAX_SPAN 64

struct pl_count {
	char *key;
	long n;
};

struct pl_coverage {
	const char *proto;        /* "tcp" or "udp" */
	int top;                  /* how many of nmap's most frequent ports */
	int ports;                /* how many there were (fewer when nmap is absent) */
	int assigned;             /* of them, assigned in the current registry snapshot */
	int with_lore;            /* of them, with a specific lore fact */
	int *missing;             /* up to 50 most frequent without lore, by rank */
	size_t nmissing;
};

struct pl_lore_stats {
	long entries, families, facts, sources, cves;
	struct pl_count *kinds; size_t nkinds;       /* entries per kind, most first */
	struct pl_count *risks; size_t nrisks;       /* entries per risk level */
	struct pl_count *domains; size_t ndomains;   /* sources per web domain, most first */
	struct pl_count *tiers; size_t ntiers;       /* sources per tier: primary, secondary, community */
	struct pl_count *confidence; size_t nconfidence;   /* entries per confidence: high, medium, low */
	long undated;                                 /* sources without a published date */
	char snapshot[32];
	int have_nmap;
	struct pl_coverage cover[4];                  /* tcp 200, tcp 1000, udp 200, udp 1000 */
};

int pl_lore_stats_build(struct pl_store *st, struct pl_lore_stats *out, struct pl_err *err);
void pl_lore_stats_free(struct pl_lore_stats *s);

#endif
