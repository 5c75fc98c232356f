/* frequent.c: the ports index pages list first. */
#include "portlore/frequent.h"
#include "registry/store-internal.h"

static int
collect(struct pl_store *st, const char *sql, const char *proto, uint16_t *out, int max,
    struct pl_err *err)
{
	sqlite3_stmt *s = NULL;
	int n = 0, rc;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return pl_err_set(err, -PL_ESTORE, "store %s: %s", st->path, sqlite3_errmsg(st->db));
	sqlite3_bind_text(s, 1, proto, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, max);
	while (n < max && (rc = sqlite3_step(s)) == SQLITE_ROW)
		out[n++] = (uint16_t)sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return n;
}

int
pl_store_frequent_ports(struct pl_store *st, enum pl_proto proto, uint16_t *out, int max,
    bool *from_nmap, struct pl_err *err)
{
	int n;

	if (max <= 0)
		return 0;
	n = collect(st, "SELECT port FROM nmap WHERE proto = ?1 AND rank > 0 AND port > 0"
	    " ORDER BY rank LIMIT ?2", pl_proto_name(proto), out, max, err);
	*from_nmap = n > 0;
	if (n != 0)
		return n;
	/* Without nmap's measurements, the ports lore talks about most are the next best
	 * guess of what readers look up. */
	return collect(st, "SELECT lo FROM lore_port WHERE proto = ?1 AND lo = hi"
	    " GROUP BY lo ORDER BY count(*) DESC, lo LIMIT ?2", pl_proto_name(proto), out, max, err);
}
