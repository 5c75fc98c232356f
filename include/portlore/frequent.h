/*
 * Frequently seen ports, for index pages: nmap's open-frequency ranking when the store
 * has it, else the ports most often named in curated lore.
 */
#ifndef PORTLORE_FREQUENT_H
#define PORTLORE_FREQUENT_H

#include <stdbool.h>
#include <stdint.h>

#include "portlore/error.h"
#include "portlore/portspec.h"
#include "portlore/store.h"

/*
 * Writes up to max ports of proto into out, most frequent first, and sets *from_nmap
 * to say which ranking was used. Returns how many were written, or -PL_ESTORE.
 */
int pl_store_frequent_ports(struct pl_store *st, enum pl_proto proto, uint16_t *out, int max,
    bool *from_nmap, struct pl_err *err);

#endif
