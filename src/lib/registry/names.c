/* names.c: the names a port spec may use, for shell completion (portlore complete). */
#include <stdlib.h>
#include <string.h>

#include "registry/store-internal.h"

long
pl_store_names(struct pl_store *st, const char *prefix, long max, char ***out,
    struct pl_err *err)
{
	/* LIKE with '\' escaping the prefix's own % and _; case-insensitive for ASCII. */
	static const char sql[] =
	    "SELECT service FROM record WHERE snapshot = ?1 AND service <> ''"
	    "  AND service LIKE ?2 ESCAPE '\\'"
	    " UNION SELECT id FROM lore_entry WHERE id LIKE ?2 ESCAPE '\\'"
	    " UNION SELECT family FROM lore_entry WHERE family LIKE ?2 ESCAPE '\\'"
	    " ORDER BY 1 LIMIT ?3";
	sqlite3_stmt *s = NULL;
	char pat[256], **v = NULL;
	size_t o = 0;
	long n = 0;
	int rc;

	*out = NULL;
	for (const char *p = prefix; *p && o + 3 < sizeof(pat); p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			pat[o++] = '\\';
		pat[o++] = *p;
	}
	pat[o++] = '%';
	pat[o] = '\0';
	if (max < 1 || (v = calloc((size_t)max, sizeof(*v))) == NULL)
		return max < 1 ? 0 : pl_err_set(err, -PL_ENOMEM, "out of memory");
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		free(v);
		return pl_err_set(err, -PL_ESTORE, "store %s: %s", st->path, sqlite3_errmsg(st->db));
	}
	sqlite3_bind_int64(s, 1, st->current_id);
	sqlite3_bind_text(s, 2, pat, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, max);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && n < max) {
		if ((v[n] = pl__col(s, 0)) == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		n++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		while (n > 0)
			free(v[--n]);
		free(v);
		return pl_err_set(err, -PL_ESTORE, "store %s: %s", st->path,
		    rc == SQLITE_NOMEM ? "out of memory" : sqlite3_errmsg(st->db));
	}
	*out = v;
	return n;
}
