/*
 * index.c: the lookup index (include/portlore/index.h), written from the store at
 * import and read by a lookup without opening SQLite.
 *
 * The file, all numbers 32-bit little-endian, every reference a byte offset from the
 * start of the file. Its records:
 *
 *   header (256 bytes): magic, format, file length, the store's size and the first
 *     100 bytes of its SQLite header (change counter, page count, schema cookie and
 *     the user_version nonce set when the index is written), portlore's version,
 *     the snapshot table, the current snapshot, the port table, a check word;
 *   strings: length, check word, bytes, NUL;
 *   registry rows of every snapshot, lore entries (with their sources, CVEs, hints,
 *     risk ports and their family's ports), lore ports and nmap rows, each once;
 *   identification's candidates in one block with one check word: every entry in
 *     lore's order (family, id) with its hints by kind and its lore ports, each port
 *     with its rank among its port's uses, and the strings they name (header: the
 *     block's offset and length; see w_candidates());
 *   per run of ports with the same facts, an entry: the run's first and last port,
 *     its rows (every snapshot, exact and ranges, in snapshot and file order), its
 *     lore ports (in entry id, then port order) and its nmap rows;
 *   the port table: 65,536 entry offsets (0: nothing known).
 *
 * In the file, in this order: the header, the port table, then each port entry
 * followed by what it leads to that no entry before it did (its strings near it),
 * the snapshot table, and the candidates' block (relayout()).
 *
 * Every record, list, entry and the snapshot table end with the check word of their
 * bytes (check()). The reader checks every offset and length against the file before
 * it reads, and every check word when it reads: the file is input like any other, and
 * a bad one is a -PL_EDATA, never a crash or another answer.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "portlore/identify.h"
#include "portlore/sockets.h"
#include "registry/index-internal.h"
#include "registry/store-internal.h"

#define MAGIC "PLINDEX\n"
#define FORMAT 5
#define HEADER_LEN 256
#define DBHEAD_LEN 100
#define VERSION_LEN 32
#define NPORTS 65536
#define NONE 0xffffffffu

/* Header fields (byte offsets). */
enum {
	H_FORMAT = 8, H_LEN = 12, H_DBSIZE = 16, H_DBHEAD = 24, H_VERSION = 124,
	H_NSNAPS = 156, H_SNAPS = 160, H_CURRENT = 164, H_PORTS = 168, H_IDBLOCK = 172,
	H_IDLEN = 176, H_CHECK = 252
};

/* Records, in 32-bit words. */
enum { ROW_SNAP, ROW_STR, ROW_LO = ROW_STR + 10, ROW_HI, ROW_PROTO, ROW_LINE, ROW_WORDS };
enum { LP_ENTRY, LP_LO, LP_HI, LP_PROTO, LP_ROLE, LP_USE, LP_PREV, LP_EVIDENCE, LP_WORDS };
enum { E_STR, E_YFROM = E_STR + 12, E_YTO, E_SOURCES, E_CVES, E_HINTS, E_RISKPORTS,
	E_FAMILY, E_WORDS };
enum { NM_PROTO, NM_NAME, NM_FREQ, NM_RANK = NM_FREQ + 2, NM_RANKED = NM_RANK + 2,
	NM_WORDS = NM_RANKED + 2 };

struct pl_index {
	const unsigned char *p;
	size_t n;
	void *map;                  /* what to munmap, NULL for an index in memory */
	int guard;                  /* its slot in guards[], -1 for none */
	int fd;                     /* the file mapped, -1 for an index in memory */
	struct timespec mtime;      /* its modification time when it was opened */
	uint32_t nsnaps, snaps, current, ports;
	uint32_t idblock, idlen;    /* identification's candidates (pl__index_candidates) */
	char *path;                 /* the index file, for messages */
	char *store_path;           /* NULL for an index in memory */
	struct pl_store *st;        /* opened by pl__index_store() */
};

static void
put32(unsigned char *d, uint32_t v)
{
	d[0] = (unsigned char)v;
	d[1] = (unsigned char)(v >> 8);
	d[2] = (unsigned char)(v >> 16);
	d[3] = (unsigned char)(v >> 24);
}

static uint32_t
get32(const unsigned char *s)
{
	return (uint32_t)s[0] | (uint32_t)s[1] << 8 | (uint32_t)s[2] << 16 | (uint32_t)s[3] << 24;
}

/*
 * The check word of every record, list and string: FNV-1a's multiply taken eight
 * bytes at a time (read little-endian, so the file is the same everywhere), with a
 * shift after each step so that high bits reach low ones, folded to 32 bits. Every
 * step is a bijection of the state, so one changed word always changes the state.
 */
static uint32_t
check(const unsigned char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull ^ n;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t v = (uint64_t)get32(p + i) | (uint64_t)get32(p + i + 4) << 32;

		h = (h ^ v) * 0x100000001b3ull;
		h ^= h >> 29;
	}
	for (; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	h ^= h >> 32;
	return (uint32_t)h;
}

/*
 * A mapped file that another program cuts short (`cp` or `meson install` over it:
 * portlore itself replaces the index by rename) turns every later read of the pages
 * past its new end into SIGBUS, which would kill a lookup. The handler puts a page of
 * zeros in place of the one that faulted and notes it: the read goes on, the index's
 * check words no longer match (-PL_EDATA), and pl_index_check() tells the caller
 * that strings it was lent may have turned to zeros (or, for a file written over
 * without shrinking, which faults nothing, that its size or time changed). A fault
 * outside every index is given back to the handler that was there before.
 */
#define NGUARD 8

static struct guard {
	_Atomic uintptr_t lo, hi;   /* the mapping; lo 0: a free slot */
	atomic_int changed;
} guards[NGUARD];
static struct sigaction guard_prev;
static uintptr_t guard_page;

static void
on_sigbus(int sig, siginfo_t *si, void *ctx)
{
	uintptr_t a = (uintptr_t)si->si_addr, page = guard_page;

	for (int i = 0; i < NGUARD; i++) {
		uintptr_t lo = atomic_load(&guards[i].lo), hi = atomic_load(&guards[i].hi);

		if (lo != 0 && a >= lo && a < hi &&
		    mmap((void *)(a & ~(page - 1)), page, PROT_READ,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED) {
			atomic_store(&guards[i].changed, 1);
			return;
		}
	}
	/* Not an index's: as if this handler had not been there. */
	if (guard_prev.sa_flags & SA_SIGINFO)
		guard_prev.sa_sigaction(sig, si, ctx);
	else if (guard_prev.sa_handler != SIG_DFL && guard_prev.sa_handler != SIG_IGN)
		guard_prev.sa_handler(sig);
	else {
		/* Faults again on return, now with the default action. */
		sigaction(SIGBUS, &guard_prev, NULL);
	}
}

/* A slot for the mapping [p, p + n); -1 when none is free (no guard: as before). The
 * handler is put back when something replaced it since (a test framework does). */
static int
guard_add(const void *p, size_t n)
{
	struct sigaction cur, sa;

	if (sigaction(SIGBUS, NULL, &cur) != 0)
		return -1;
	if (!(cur.sa_flags & SA_SIGINFO) || cur.sa_sigaction != on_sigbus) {
		guard_page = (uintptr_t)sysconf(_SC_PAGESIZE);
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_sigbus;
		sa.sa_flags = SA_SIGINFO | SA_RESTART;
		sigemptyset(&sa.sa_mask);
		guard_prev = cur;
		if (sigaction(SIGBUS, &sa, NULL) != 0)
			return -1;
	}
	for (int i = 0; i < NGUARD; i++) {
		uintptr_t free_slot = 0;

		if (atomic_compare_exchange_strong(&guards[i].lo, &free_slot, (uintptr_t)p)) {
			atomic_store(&guards[i].changed, 0);
			atomic_store(&guards[i].hi, (uintptr_t)p + n);
			return i;
		}
	}
	return -1;
}

static void
guard_drop(int i)
{
	if (i < 0)
		return;
	atomic_store(&guards[i].hi, 0);
	atomic_store(&guards[i].lo, 0);
}

int
pl_index_check(const struct pl_index *ix, struct pl_err *err)
{
	struct stat sb;

	if (ix == NULL)
		return 0;
	if (ix->guard >= 0 && atomic_load(&guards[ix->guard].changed))
		return pl_err_set(err, -PL_EDATA, "index %s: cut short by another program "
		    "while it was read (run the command again once it is written)", ix->path);
	/* Written over in place without shrinking: the mapping shows the new bytes. */
	if (ix->fd >= 0 && (fstat(ix->fd, &sb) != 0 || (size_t)sb.st_size != ix->n ||
	    sb.st_mtim.tv_sec != ix->mtime.tv_sec || sb.st_mtim.tv_nsec != ix->mtime.tv_nsec))
		return pl_err_set(err, -PL_EDATA, "index %s: changed by another program "
		    "while it was read (run the command again once it is written)", ix->path);
	return 0;
}

int
pl_index_path(const char *store_path, char *buf, size_t len, struct pl_err *err)
{
	size_t n = strlen(store_path);
	int w;

	if (n > 3 && strcmp(store_path + n - 3, ".db") == 0)
		w = snprintf(buf, len, "%.*s.idx", (int)(n - 3), store_path);
	else
		w = snprintf(buf, len, "%s.idx", store_path);
	if (w < 0 || (size_t)w >= len)
		return pl_err_set(err, -PL_EUSAGE, "store %s: path too long", store_path);
	return 0;
}

/* The store's identity: its size and the first bytes of its SQLite header. */
static int
store_stamp(const char *path, unsigned char head[DBHEAD_LEN], uint64_t *size)
{
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got;

	if (fd < 0)
		return -1;
	got = fstat(fd, &sb) == 0 ? pread(fd, head, DBHEAD_LEN, 0) : -1;
	close(fd);
	*size = (uint64_t)sb.st_size;
	/* Bytes 18 and 19 are 2 in WAL mode, where commits need not touch this header. */
	return got == DBHEAD_LEN && head[18] == 1 && head[19] == 1 ? 0 : -1;
}

/* ------------------------------------------------------------------ writer */

/*
 * store_stamp() through SQLite's own file handle: opening and closing another
 * descriptor of the file would drop the locks SQLite holds on it (POSIX locks belong
 * to the process and the file, not to the descriptor).
 */
static int
db_stamp(struct pl_store *st, unsigned char head[DBHEAD_LEN], uint64_t *size)
{
	sqlite3_file *f = NULL;
	sqlite3_int64 sz = 0;

	if (sqlite3_file_control(st->db, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK ||
	    f == NULL || f->pMethods == NULL ||
	    f->pMethods->xRead(f, head, DBHEAD_LEN, 0) != SQLITE_OK ||
	    f->pMethods->xFileSize(f, &sz) != SQLITE_OK)
		return -1;
	*size = (uint64_t)sz;
	return head[18] == 1 && head[19] == 1 ? 0 : -1;
}

struct wrow { uint32_t off, snap, lo, hi; long line; };
struct wlp { uint32_t off, lo, hi, entry; long rowid; };
struct wnm { uint32_t off, port; };
struct named { char *key; uint32_t off; };

struct writer {
	struct pl_buf b;
	uint32_t *tab;              /* string offsets by hash, 0 = empty */
	size_t tabcap, tabn;
	struct pl_store *st;
	struct pl_err *err;
	long *snap_ids; char **snap_labels; uint32_t nsnaps;
	struct wrow *rows; size_t nrows;
	struct wlp *lps; size_t nlps;
	struct wnm *nms; size_t nnms;
	struct named *entries; size_t nentries;
	struct named *families; size_t nfamilies;
};

static uint32_t
w_off(const struct writer *w)
{
	return (uint32_t)w->b.len;
}

static void
w_u32(struct writer *w, uint32_t v)
{
	unsigned char d[4];

	put32(d, v);
	pl_buf_add(&w->b, d, 4);
}

/* Ends the record or list that started at start with the check word of its bytes. */
static void
w_seal(struct writer *w, uint32_t start)
{
	if (pl_buf_error(&w->b) == 0)
		w_u32(w, check((const unsigned char *)w->b.data + start, w_off(w) - start));
}

static uint64_t
hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

/* Grows the string table; returns 0 or -1. */
static int
w_rehash(struct writer *w)
{
	size_t ncap = w->tabcap ? w->tabcap * 2 : 1 << 14;
	uint32_t *t = calloc(ncap, sizeof(*t));

	if (t == NULL)
		return -1;
	for (size_t i = 0; i < w->tabcap; i++) {
		uint32_t o = w->tab[i];
		size_t k;

		if (o == 0)
			continue;
		k = hash((const char *)w->b.data + o + 8, get32((unsigned char *)w->b.data + o)) &
		    (ncap - 1);
		while (t[k] != 0)
			k = (k + 1) & (ncap - 1);
		t[k] = o;
	}
	free(w->tab);
	w->tab = t;
	w->tabcap = ncap;
	return 0;
}

/* The offset of string s (NULL as ""), written once. 0 when out of memory. */
static uint32_t
w_str(struct writer *w, const char *s)
{
	size_t n = s ? strlen(s) : 0, k;
	uint32_t o;

	if (s == NULL)
		s = "";
	if (w->tabn * 2 >= w->tabcap && w_rehash(w) != 0)
		return 0;
	for (k = hash(s, n) & (w->tabcap - 1); (o = w->tab[k]) != 0; k = (k + 1) & (w->tabcap - 1))
		if (get32((unsigned char *)w->b.data + o) == n &&
		    memcmp(w->b.data + o + 8, s, n) == 0)
			return o;
	o = w_off(w);
	w_u32(w, (uint32_t)n);
	w_u32(w, check((const unsigned char *)s, n));
	pl_buf_add(&w->b, s, n + 1);
	if (pl_buf_error(&w->b) != 0)
		return 0;
	w->tab[k] = o;
	w->tabn++;
	return o;
}

static uint32_t
w_col(struct writer *w, sqlite3_stmt *s, int i)
{
	return w_str(w, (const char *)sqlite3_column_text(s, i));
}

static int
w_fail(struct writer *w)
{
	if (pl_buf_error(&w->b) != 0)
		return pl_err_set(w->err, -PL_ENOMEM, "index: out of memory");
	return pl_err_set(w->err, -PL_ESTORE, "store %s: %s", w->st->path,
	    sqlite3_errmsg(w->st->db));
}

static sqlite3_stmt *
w_prepare(struct writer *w, const char *sql)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(w->st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		w_fail(w);
		return NULL;
	}
	return s;
}

static void *
w_grow(struct writer *w, void *arr_ptr, size_t *n, size_t sz)
{
	void **arr = arr_ptr;
	char *p;

	/* Doubling at powers of two. */
	if ((*n & (*n - 1)) == 0 || *n == 0) {
		if ((p = realloc(*arr, (*n ? *n * 2 : 16) * sz)) == NULL) {
			pl_err_set(w->err, -PL_ENOMEM, "index: out of memory");
			return NULL;
		}
		*arr = p;
	}
	return (char *)*arr + (*n)++ * sz;
}

static int
w_snapshots(struct writer *w)
{
	sqlite3_stmt *s = w_prepare(w, "SELECT id, label FROM snapshot ORDER BY label");
	int rc;

	if (s == NULL)
		return -PL_ESTORE;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		size_t n = w->nsnaps, m = n;
		long *id = w_grow(w, &w->snap_ids, &n, sizeof(long));
		char **l = id ? w_grow(w, &w->snap_labels, &m, sizeof(char *)) : NULL;

		if (l == NULL || (*l = strdup((const char *)sqlite3_column_text(s, 1))) == NULL) {
			sqlite3_finalize(s);
			return pl_err_set(w->err, -PL_ENOMEM, "index: out of memory");
		}
		*id = sqlite3_column_int64(s, 0);
		w->nsnaps++;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : w_fail(w);
}

static int
snap_index(const struct writer *w, long id)
{
	for (uint32_t i = 0; i < w->nsnaps; i++)
		if (w->snap_ids[i] == id)
			return (int)i;
	return -1;
}

/* Every registry row with a port, of every snapshot. */
static int
w_rows(struct writer *w)
{
	sqlite3_stmt *s = w_prepare(w, "SELECT snapshot, service, description, assignee,"
	    " contact, registered, modified, reference, service_code, unauthorized, notes,"
	    " lo, hi, proto, line FROM record WHERE lo IS NOT NULL AND hi IS NOT NULL");
	int rc;

	if (s == NULL)
		return -PL_ESTORE;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int snap = snap_index(w, sqlite3_column_int64(s, 0));
		long lo = sqlite3_column_int64(s, 11), hi = sqlite3_column_int64(s, 12);
		uint32_t str[10], proto;
		struct wrow *r;

		/* No query of report.c or history.c can match a row outside the ports. */
		if (snap < 0 || lo < 0 || hi < lo || hi > 65535)
			continue;
		for (int i = 0; i < 10; i++)
			str[i] = w_col(w, s, i + 1);
		proto = w_col(w, s, 13);
		if ((r = w_grow(w, &w->rows, &w->nrows, sizeof(*r))) == NULL)
			break;
		*r = (struct wrow){ w_off(w), (uint32_t)snap, (uint32_t)lo, (uint32_t)hi,
			(long)sqlite3_column_int64(s, 14) };
		w_u32(w, (uint32_t)snap);
		for (int i = 0; i < 10; i++)
			w_u32(w, str[i]);
		w_u32(w, (uint32_t)lo);
		w_u32(w, (uint32_t)hi);
		w_u32(w, proto);
		w_u32(w, (uint32_t)r->line);
		w_seal(w, r->off);
	}
	sqlite3_finalize(s);
	if (w->err->code != 0)
		return w->err->code;
	return rc == SQLITE_DONE && pl_buf_error(&w->b) == 0 ? 0 : w_fail(w);
}

/* A list of k-word items from a query's columns: integer columns where ints[i], text
 * otherwise. Returns its offset, 0 on error (err set). */
static uint32_t
w_list(struct writer *w, sqlite3_stmt *s, int k, const bool *ints)
{
	uint32_t items[8 * 64], *v = items, *heap = NULL, off;
	size_t n = 0, cap = sizeof(items) / sizeof(items[0]) / (size_t)k;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			uint32_t *p = realloc(heap, 2 * cap * (size_t)k * sizeof(*p));

			if (p == NULL) {
				free(heap);
				sqlite3_reset(s);
				pl_err_set(w->err, -PL_ENOMEM, "index: out of memory");
				return 0;
			}
			if (heap == NULL)
				memcpy(p, items, sizeof(items));
			heap = v = p;
			cap *= 2;
		}
		for (int i = 0; i < k; i++)
			v[n * (size_t)k + (size_t)i] = ints[i] ? (uint32_t)sqlite3_column_int(s, i) :
			    w_col(w, s, i);
		n++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		free(heap);
		w_fail(w);
		return 0;
	}
	off = w_off(w);
	w_u32(w, (uint32_t)n);
	for (size_t i = 0; i < n * (size_t)k; i++)
		w_u32(w, v[i]);
	w_seal(w, off);
	free(heap);
	return off;
}

static int
named_cmp(const void *a, const void *b)
{
	return strcmp(((const struct named *)a)->key, ((const struct named *)b)->key);
}

static uint32_t
named_find(const struct named *v, size_t n, const char *key)
{
	struct named k = { (char *)key, 0 }, *f;

	/* A store without lore has no entries: no array to search (NULL is not one). */
	if (n == 0 || key == NULL)
		return 0;
	f = bsearch(&k, v, n, sizeof(*v), named_cmp);
	return f ? f->off : 0;
}

/* Each lore family's ports, as report.c's PL_STMT_SIBLINGS orders them. */
static int
w_families(struct writer *w)
{
	static const bool fam_ints[] = { true, true, false, false, false, false };
	sqlite3_stmt *f = w_prepare(w, "SELECT DISTINCT family FROM lore_entry ORDER BY family");
	sqlite3_stmt *s = w_prepare(w, "SELECT p.lo, p.hi, p.proto, p.role, e.id, e.name"
	    " FROM lore_port p JOIN lore_entry e ON e.id = p.entry WHERE e.family = ?1"
	    " ORDER BY p.lo, p.proto, e.id");
	int rc = f && s ? SQLITE_DONE : SQLITE_ERROR;

	while (rc != SQLITE_ERROR && (rc = sqlite3_step(f)) == SQLITE_ROW) {
		struct named *fam = w_grow(w, &w->families, &w->nfamilies, sizeof(*fam));

		if (fam == NULL || (fam->key = strdup((const char *)sqlite3_column_text(f, 0))) == NULL) {
			if (fam)
				w->nfamilies--;
			rc = SQLITE_ERROR;
			break;
		}
		sqlite3_bind_text(s, 1, fam->key, -1, SQLITE_STATIC);
		if ((fam->off = w_list(w, s, 6, fam_ints)) == 0)
			rc = SQLITE_ERROR;
	}
	sqlite3_finalize(f);
	sqlite3_finalize(s);
	if (w->err->code != 0)
		return w->err->code;
	return rc == SQLITE_DONE ? 0 : w_fail(w);
}

/* Every lore entry with its sources, CVEs, hints and risk ports. */
static int
w_entries(struct writer *w)
{
	static const bool strs[] = { false, false, false, false, false, false };
	static const bool ints[] = { true };
	sqlite3_stmt *q[5] = {
		w_prepare(w, "SELECT id, family, family_name, name, vendor, kind, summary, risk,"
		    " risk_why, notes, confidence, confidence_why, year_from, year_to FROM lore_entry"),
		w_prepare(w, "SELECT title, url, published, accessed, publisher, tier"
		    " FROM lore_source WHERE entry = ?1 ORDER BY n"),
		w_prepare(w, "SELECT cve FROM lore_cve WHERE entry = ?1 ORDER BY cve"),
		w_prepare(w, "SELECT kind, pattern FROM lore_hint WHERE entry = ?1 ORDER BY rowid"),
		w_prepare(w, "SELECT port FROM lore_risk_port WHERE entry = ?1"),
	};
	int rc = q[0] && q[1] && q[2] && q[3] && q[4] ? SQLITE_DONE : SQLITE_ERROR;

	while (rc != SQLITE_ERROR && (rc = sqlite3_step(q[0])) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(q[0], 0);
		uint32_t str[12], lists[4], fam;
		struct named *e;

		for (int i = 0; i < 12; i++)
			str[i] = w_col(w, q[0], i);
		for (int i = 1; i < 5; i++)
			sqlite3_bind_text(q[i], 1, id, -1, SQLITE_TRANSIENT);
		if ((lists[0] = w_list(w, q[1], 6, strs)) == 0 ||
		    (lists[1] = w_list(w, q[2], 1, strs)) == 0 ||
		    (lists[2] = w_list(w, q[3], 2, strs)) == 0 ||
		    (lists[3] = w_list(w, q[4], 1, ints)) == 0 ||
		    (e = w_grow(w, &w->entries, &w->nentries, sizeof(*e))) == NULL) {
			rc = SQLITE_ERROR;
			break;
		}
		fam = named_find(w->families, w->nfamilies, (const char *)sqlite3_column_text(q[0], 1));
		e->off = w_off(w);
		if ((e->key = strdup(id)) == NULL) {
			w->nentries--;
			pl_err_set(w->err, -PL_ENOMEM, "index: out of memory");
			rc = SQLITE_ERROR;
			break;
		}
		for (int i = 0; i < 12; i++)
			w_u32(w, str[i]);
		w_u32(w, (uint32_t)sqlite3_column_int(q[0], 12));
		w_u32(w, (uint32_t)sqlite3_column_int(q[0], 13));
		for (int i = 0; i < 4; i++)
			w_u32(w, lists[i]);
		w_u32(w, fam);
		w_seal(w, e->off);
	}
	for (int i = 0; i < 5; i++)
		sqlite3_finalize(q[i]);
	if (w->err->code != 0)
		return w->err->code;
	if (rc != SQLITE_DONE)
		return w_fail(w);
	if (w->nentries > 1)
		qsort(w->entries, w->nentries, sizeof(*w->entries), named_cmp);
	return 0;
}

/* Every lore port, in the order of report.c's PL_STMT_LORE_USES. */
static int
w_lore_ports(struct writer *w)
{
	sqlite3_stmt *s = w_prepare(w, "SELECT e.id, p.lo, p.hi, p.proto, p.role, p.use,"
	    " p.prevalence, p.evidence, p.rowid FROM lore_port p JOIN lore_entry e"
	    " ON e.id = p.entry ORDER BY e.id, p.lo");
	int rc;

	if (s == NULL)
		return -PL_ESTORE;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		long lo = sqlite3_column_int64(s, 1), hi = sqlite3_column_int64(s, 2);
		uint32_t entry = named_find(w->entries, w->nentries,
		    (const char *)sqlite3_column_text(s, 0)), str[5];
		struct wlp *lp;

		if (lo < 0 || hi < lo || hi > 65535 || entry == 0)
			continue;
		for (int i = 0; i < 5; i++)
			str[i] = w_col(w, s, i + 3);
		if ((lp = w_grow(w, &w->lps, &w->nlps, sizeof(*lp))) == NULL)
			break;
		*lp = (struct wlp){ w_off(w), (uint32_t)lo, (uint32_t)hi, entry,
			sqlite3_column_int64(s, 8) };
		w_u32(w, entry);
		w_u32(w, (uint32_t)lo);
		w_u32(w, (uint32_t)hi);
		for (int i = 0; i < 5; i++)
			w_u32(w, str[i]);
		w_seal(w, lp->off);
	}
	sqlite3_finalize(s);
	if (w->err->code != 0)
		return w->err->code;
	return rc == SQLITE_DONE ? 0 : w_fail(w);
}

/* Appends s with its NUL to the block's strings; its offset there, NONE when out of
 * memory. */
static uint32_t
w_idstr(struct pl_buf *strs, const char *s)
{
	uint32_t off = (uint32_t)strs->len;

	pl_buf_add(strs, s ? s : "", (s ? strlen(s) : 0) + 1);
	return pl_buf_error(strs) == 0 ? off : NONE;
}

/*
 * Identification's candidates (pl__index_candidates) as one block, checked by one check
 * word: `who`, `ls` and a lookup that finds a listener read all of it at every run, so
 * it is read in one piece, not string by string. The candidates are the store's own
 * (pl_id_candidates_load(): lore's order, family then id, each with its hints by kind
 * and its ports with their ranks), so that the two paths cannot differ.
 *
 *   ncand, nhint, nport, strings length;
 *   per candidate (ID_WORDS): id, family, name (offsets in the strings), first hint,
 *     process, cmdline and banner hint counts, first port, port count;
 *   per hint: its pattern's offset in the strings, its form (pl_id_pattern_form(): a
 *     plain name's kind of comparison or a real expression) and the form's literal
 *     (an offset in the strings, NONE for none), so that no pattern is parsed at a run;
 *   per port: lo, hi, protocol (enum pl_proto), rank;
 *   the strings, each with its NUL, padded with NULs to four bytes; the check word.
 *
 * *off is the block's offset, *len its length before the check word.
 */
static int
w_candidates(struct writer *w, uint32_t *off, uint32_t *len)
{
	struct pl_id_candidates c;
	struct pl_buf strs = PL_BUF_INIT;
	uint32_t *sv = NULL, *fv = NULL, nh = 0, np = 0, k = 0, f = 0;
	int rc;

	if ((rc = pl_id_candidates_load(w->st, &c, w->err)) != 0)
		return rc;
	for (size_t i = 0; i < c.n; i++) {
		nh += (uint32_t)(c.v[i].nprocess + c.v[i].ncmdline + c.v[i].nbanner);
		np += (uint32_t)c.v[i].nports;
	}
	/* The strings first: 3 per candidate, 1 per hint. */
	if ((sv = malloc((3 * c.n + nh + 1) * sizeof(*sv))) == NULL ||
	    (fv = malloc((2 * (size_t)nh + 1) * sizeof(*fv))) == NULL) {
		free(sv);
		pl_id_candidates_free(&c);
		return pl_err_set(w->err, -PL_ENOMEM, "index: out of memory");
	}
	for (size_t i = 0; i < c.n; i++) {
		const struct pl_id_candidate *x = &c.v[i];
		const char *const *kinds[3] = { x->process, x->cmdline, x->banner };
		size_t nk[3] = { x->nprocess, x->ncmdline, x->nbanner };

		sv[k++] = w_idstr(&strs, x->id);
		sv[k++] = w_idstr(&strs, x->family);
		sv[k++] = w_idstr(&strs, x->name);
		for (int t = 0; t < 3; t++)
			for (size_t h = 0; h < nk[t]; h++) {
				struct pl_id_form form;

				sv[k++] = w_idstr(&strs, kinds[t][h]);
				/* Banner hints match line by line ('^' and '$' at line breaks). */
				if (pl_id_pattern_form(kinds[t][h], t == 2, &form) != 0) {
					rc = pl_err_set(w->err, -PL_ENOMEM, "index: out of memory");
					goto out;
				}
				fv[f++] = (uint32_t)form.kind;
				fv[f++] = form.lit ? w_idstr(&strs, form.lit) : NONE;
				free((void *)form.lit);
			}
	}
	while (strs.len % 4 != 0)
		pl_buf_addc(&strs, '\0');
	if (pl_buf_error(&strs) != 0) {
		rc = pl_err_set(w->err, -PL_ENOMEM, "index: out of memory");
		goto out;
	}
	*off = w_off(w);
	w_u32(w, (uint32_t)c.n);
	w_u32(w, nh);
	w_u32(w, np);
	w_u32(w, (uint32_t)strs.len);
	k = 0;
	for (uint32_t i = 0, hint = 0, port = 0; i < c.n; i++) {
		const struct pl_id_candidate *x = &c.v[i];

		w_u32(w, sv[k]);
		w_u32(w, sv[k + 1]);
		w_u32(w, sv[k + 2]);
		k += 3 + (uint32_t)(x->nprocess + x->ncmdline + x->nbanner);
		w_u32(w, hint);
		w_u32(w, (uint32_t)x->nprocess);
		w_u32(w, (uint32_t)x->ncmdline);
		w_u32(w, (uint32_t)x->nbanner);
		w_u32(w, port);
		w_u32(w, (uint32_t)x->nports);
		hint += (uint32_t)(x->nprocess + x->ncmdline + x->nbanner);
		port += (uint32_t)x->nports;
	}
	k = 0;
	f = 0;
	for (size_t i = 0; i < c.n; i++) {
		size_t nx = c.v[i].nprocess + c.v[i].ncmdline + c.v[i].nbanner;

		for (size_t h = 0; h < nx; h++, f += 2) {
			w_u32(w, sv[k + 3 + h]);
			w_u32(w, fv[f]);
			w_u32(w, fv[f + 1]);
		}
		k += 3 + (uint32_t)nx;
	}
	for (size_t i = 0; i < c.n; i++)
		for (size_t q = 0; q < c.v[i].nports; q++) {
			const struct pl_id_port *x = &c.v[i].ports[q];

			w_u32(w, x->lo);
			w_u32(w, x->hi);
			w_u32(w, (uint32_t)x->proto);
			w_u32(w, (uint32_t)x->rank);
		}
	/* A store without lore has no candidates and no strings (and strs no buffer). */
	if (strs.len > 0)
		pl_buf_add(&w->b, strs.data, strs.len);
	*len = w_off(w) - *off;
	w_seal(w, *off);
	rc = pl_buf_error(&w->b) == 0 ? 0 : w_fail(w);
out:
	free(sv);
	free(fv);
	pl_buf_free(&strs);
	pl_id_candidates_free(&c);
	return rc;
}

static int
w_nmap(struct writer *w)
{
	sqlite3_stmt *s = w_prepare(w, "SELECT port, proto, name, freq, rank,"
	    " (SELECT max(rank) FROM nmap m WHERE m.proto = n.proto) FROM nmap n");
	int rc;

	if (s == NULL)
		return -PL_ESTORE;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		long port = sqlite3_column_int64(s, 0);
		double freq = sqlite3_column_double(s, 3);
		uint64_t bits, rank = (uint64_t)sqlite3_column_int64(s, 4),
		    ranked = (uint64_t)sqlite3_column_int64(s, 5);
		uint32_t proto = w_col(w, s, 1), name = w_col(w, s, 2);
		struct wnm *m;

		if (port < 0 || port > 65535)
			continue;
		if ((m = w_grow(w, &w->nms, &w->nnms, sizeof(*m))) == NULL)
			break;
		*m = (struct wnm){ w_off(w), (uint32_t)port };
		memcpy(&bits, &freq, sizeof(bits));
		w_u32(w, proto);
		w_u32(w, name);
		w_u32(w, (uint32_t)bits);
		w_u32(w, (uint32_t)(bits >> 32));
		w_u32(w, (uint32_t)rank);
		w_u32(w, (uint32_t)(rank >> 32));
		w_u32(w, (uint32_t)ranked);
		w_u32(w, (uint32_t)(ranked >> 32));
		w_seal(w, m->off);
	}
	sqlite3_finalize(s);
	if (w->err->code != 0)
		return w->err->code;
	return rc == SQLITE_DONE ? 0 : w_fail(w);
}

static int
row_cmp(const void *a, const void *b)
{
	const struct wrow *x = a, *y = b;

	if (x->snap != y->snap)
		return x->snap < y->snap ? -1 : 1;
	return (x->line > y->line) - (x->line < y->line);
}

/* Per-port lists of item offsets, built in two passes (count, then fill). */
struct portlists {
	uint32_t *start;            /* NPORTS + 1 prefix sums */
	uint32_t *items;
};

static bool
lp_has(uint32_t lo, uint32_t hi, uint32_t port)
{
	/* (lo = port AND hi = port) OR (lo <> hi AND lo <= port AND hi >= port) */
	return lo <= port && port <= hi;
}

static int
w_portlists(struct writer *w, struct portlists *pl, size_t nitems, const void *items,
    size_t sz, int kind)
{
	uint32_t *fill;

	if ((pl->start = calloc(NPORTS + 1, sizeof(uint32_t))) == NULL ||
	    (fill = calloc(NPORTS, sizeof(uint32_t))) == NULL)
		return pl_err_set(w->err, -PL_ENOMEM, "index: out of memory");
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < nitems; i++) {
			const char *it = (const char *)items + i * sz;
			uint32_t lo, hi, off;

			if (kind == 0) {
				const struct wrow *r = (const void *)it;

				lo = r->lo, hi = r->hi, off = r->off;
			} else if (kind == 1) {
				const struct wlp *l = (const void *)it;

				lo = l->lo, hi = l->hi, off = l->off;
			} else {
				const struct wnm *m = (const void *)it;

				lo = hi = m->port, off = m->off;
			}
			for (uint32_t p = lo; p <= hi && lp_has(lo, hi, p); p++) {
				if (pass == 0)
					pl->start[p + 1]++;
				else
					pl->items[pl->start[p] + fill[p]++] = off;
			}
		}
		if (pass == 0) {
			for (uint32_t p = 0; p < NPORTS; p++)
				pl->start[p + 1] += pl->start[p];
			if ((pl->items = malloc(((size_t)pl->start[NPORTS] + 1) * sizeof(uint32_t))) ==
			    NULL) {
				free(fill);
				return pl_err_set(w->err, -PL_ENOMEM, "index: out of memory");
			}
		}
	}
	free(fill);
	return 0;
}

/* How many items port p has in all three lists. */
static uint32_t
list_len(const struct portlists *pl, uint32_t p)
{
	uint32_t n = 0;

	for (int k = 0; k < 3; k++)
		n += pl[k].start[p + 1] - pl[k].start[p];
	return n;
}

/* Whether ports a and b have the same three lists. */
static bool
same_lists(const struct portlists *pl, uint32_t a, uint32_t b)
{
	for (int k = 0; k < 3; k++) {
		uint32_t na = pl[k].start[a + 1] - pl[k].start[a];

		if (na != pl[k].start[b + 1] - pl[k].start[b] ||
		    memcmp(&pl[k].items[pl[k].start[a]], &pl[k].items[pl[k].start[b]],
		    na * sizeof(uint32_t)) != 0)
			return false;
	}
	return true;
}

/* The port entries and the port table; returns the table's offset or 0. */
static uint32_t
w_ports(struct writer *w)
{
	struct portlists pl[3] = { { 0 } };
	uint32_t *table = calloc(NPORTS, sizeof(uint32_t)), off = 0;

	if (w->nrows > 1)
		qsort(w->rows, w->nrows, sizeof(*w->rows), row_cmp);
	if (table == NULL) {
		pl_err_set(w->err, -PL_ENOMEM, "index: out of memory");
		goto out;
	}
	if (w_portlists(w, &pl[0], w->nrows, w->rows, sizeof(*w->rows), 0) != 0 ||
	    w_portlists(w, &pl[1], w->nlps, w->lps, sizeof(*w->lps), 1) != 0 ||
	    w_portlists(w, &pl[2], w->nnms, w->nms, sizeof(*w->nms), 2) != 0)
		goto out;
	/* A run of ports with the same lists shares one entry, which names the run (lo,
	 * hi) so that a misdirected table slot reads as damage, not as another port. */
	for (uint32_t p = 0, q; p < NPORTS; p = q + 1) {
		uint32_t at;

		for (q = p; q + 1 < NPORTS && same_lists(pl, p, q + 1); q++)
			;
		if (list_len(pl, p) == 0)
			continue;
		at = w_off(w);
		w_u32(w, p);
		w_u32(w, q);
		for (int k = 0; k < 3; k++) {
			uint32_t s0 = pl[k].start[p], n = pl[k].start[p + 1] - s0;

			w_u32(w, n);
			for (uint32_t i = 0; i < n; i++)
				w_u32(w, pl[k].items[s0 + i]);
		}
		w_seal(w, at);
		for (uint32_t x = p; x <= q; x++)
			table[x] = at;
	}
	off = w_off(w);
	for (uint32_t p = 0; p < NPORTS; p++)
		w_u32(w, table[p]);
out:
	for (int k = 0; k < 3; k++) {
		free(pl[k].start);
		free(pl[k].items);
	}
	free(table);
	return w->err->code == 0 ? off : 0;
}

/*
 * The records as w_build() first writes them sit where the writer met them: strings
 * at their first use, lore entries in the store's order, each once. `portlore 3333`
 * then read 57 different 4 KiB pages spread over 5 MB, and each page fault maps the
 * 64 KiB around it. relayout() writes the file again in the order lookups read it:
 * the port table, then for each port entry (in port order) the entry and, depth
 * first, every record it leads to that no earlier entry led to: its registry rows,
 * lore ports with their entries, sources, hints and family lists, nmap rows. A record
 * is still written once. A string is written again when its last copy is neither in
 * the current entry's part nor within NEAR bytes before it: a date or an assignee
 * shared with a port far away would otherwise send the lookup there (the file grows
 * by 5 %). Then the snapshot table and identification's block, whole. The format is
 * the same: only where the records sit changes (docs/performance.md, "The index laid
 * out as lookups read it").
 */
#define NEAR 16384

enum kind { K_STR, K_ROW, K_LP, K_ENTRY, K_NM, K_PORT, K_SNAPS, K_SOURCES, K_CVES,
	K_HINTS, K_RISK, K_FAMILY };

struct relayout {
	const unsigned char *old;
	size_t oldn;
	uint32_t nsnaps;
	struct pl_buf out;
	uint32_t *key, *val;        /* old offset to new, open addressing, key 0: empty */
	size_t cap, n;
	uint32_t part;              /* where the current port entry's part starts */
	bool bad, nomem;            /* stopped: out of memory, or a record at bad_at runs
	                             * outside the file (a fault of the writer's) */
	uint32_t bad_at;
};

static size_t
rl_slot(const struct relayout *r, uint32_t old)
{
	size_t k = (old * 0x9e3779b1u) & (r->cap - 1);

	while (r->key[k] != 0 && r->key[k] != old)
		k = (k + 1) & (r->cap - 1);
	return k;
}

static bool
rl_put(struct relayout *r, uint32_t old, uint32_t at)
{
	size_t k;

	if (r->n * 2 >= r->cap) {
		size_t ocap = r->cap;
		uint32_t *okey = r->key, *oval = r->val;

		r->cap = ocap ? 2 * ocap : 1 << 16;
		r->key = calloc(r->cap, sizeof(*r->key));
		r->val = malloc(r->cap * sizeof(*r->val));
		if (r->key == NULL || r->val == NULL) {
			free(r->key);
			free(r->val);
			r->key = okey, r->val = oval, r->cap = ocap;
			return false;
		}
		for (size_t i = 0; i < ocap; i++)
			if (okey[i] != 0) {
				k = rl_slot(r, okey[i]);
				r->key[k] = okey[i];
				r->val[k] = oval[i];
			}
		free(okey);
		free(oval);
	}
	k = rl_slot(r, old);
	if (r->key[k] == 0)
		r->n++;
	r->key[k] = old;
	r->val[k] = at;
	return true;
}

/* A list kind's items: words per item, and which of them are numbers (a bit each). */
static void
list_shape(enum kind kind, uint32_t *k, unsigned *ints)
{
	static const struct { uint32_t k; unsigned ints; } shape[] = {
		[K_SOURCES] = { 6, 0 }, [K_CVES] = { 1, 0 }, [K_HINTS] = { 2, 0 },
		[K_RISK] = { 1, 1 }, [K_FAMILY] = { 6, 3 },
	};

	*k = shape[kind].k;
	*ints = shape[kind].ints;
}

/* The length of the record of kind at old, check word included; 0 when it runs out
 * of the file. */
static size_t
rl_len(const struct relayout *r, enum kind kind, uint32_t old)
{
	const unsigned char *p = r->old + old;
	size_t left = r->oldn - old, n = 0;
	uint32_t k;
	unsigned ints;

	if (old < HEADER_LEN || old >= r->oldn || left < 8)
		return 0;
	switch (kind) {
	case K_STR: n = 8 + (size_t)get32(p) + 1; break;
	case K_ROW: n = 4 * ROW_WORDS + 4; break;
	case K_LP: n = 4 * LP_WORDS + 4; break;
	case K_ENTRY: n = 4 * E_WORDS + 4; break;
	case K_NM: n = 4 * NM_WORDS + 4; break;
	case K_SNAPS: n = 8 * (size_t)r->nsnaps + 4; break;
	case K_PORT:
		n = 8;
		for (int l = 0; l < 3; l++) {
			if (n + 4 > left)
				return 0;
			n += 4 + 4 * (size_t)get32(p + n);
		}
		n += 4;
		break;
	default:
		list_shape(kind, &k, &ints);
		n = 4 + 4 * (size_t)get32(p) * k + 4;
		break;
	}
	return n <= left ? n : 0;
}

/* The kind of record word i of a record of kind points to; -1 for a number. */
static int
rl_points(enum kind kind, const unsigned char *rec, size_t i)
{
	uint32_t k;
	unsigned ints;

	switch (kind) {
	case K_ROW:
		return (i >= ROW_STR && i < ROW_STR + 10) || i == ROW_PROTO ? K_STR : -1;
	case K_LP:
		return i == LP_ENTRY ? K_ENTRY : i >= LP_PROTO ? K_STR : -1;
	case K_ENTRY:
		if (i < E_YFROM)
			return K_STR;
		return i == E_SOURCES ? K_SOURCES : i == E_CVES ? K_CVES : i == E_HINTS ?
		    K_HINTS : i == E_RISKPORTS ? K_RISK : i == E_FAMILY ? K_FAMILY : -1;
	case K_NM:
		return i == NM_PROTO || i == NM_NAME ? K_STR : -1;
	case K_SNAPS:
		return K_STR;
	case K_PORT: {
		/* lo, hi, then three lists (count, items): rows, lore ports, nmap rows. */
		size_t at = 2;

		if (i < at)
			return -1;
		for (int l = 0; l < 3; l++) {
			size_t n = get32(rec + 4 * at);

			if (i == at)
				return -1;
			if (i <= at + n)
				return l == 0 ? K_ROW : l == 1 ? K_LP : K_NM;
			at += n + 1;
		}
		return -1;
	}
	default:
		list_shape(kind, &k, &ints);
		return i == 0 || ints & 1u << ((i - 1) % k) ? -1 : K_STR;
	}
}

/* Writes the record of kind at old (and what it leads to) unless it is written
 * already; its new offset, 0 for none or on failure. */
static uint32_t
rl_place(struct relayout *r, enum kind kind, uint32_t old)
{
	size_t len, k;
	uint32_t at;

	if (old == 0 || r->bad)
		return 0;
	if (r->cap != 0 && r->key[k = rl_slot(r, old)] == old &&
	    (kind != K_STR || r->val[k] >= r->part || r->out.len - r->val[k] <= NEAR))
		return r->val[k];
	if ((len = rl_len(r, kind, old)) == 0) {
		r->bad = true;
		r->bad_at = old;
		return 0;
	}
	at = (uint32_t)r->out.len;
	if (pl_buf_add(&r->out, r->old + old, len) != 0 || !rl_put(r, old, at)) {
		r->bad = r->nomem = true;
		return 0;
	}
	if (kind == K_STR)
		return at;
	for (size_t i = 0; i < (len - 4) / 4; i++) {
		int to = rl_points(kind, r->old + old, i);
		uint32_t v;

		if (to < 0)
			continue;
		v = rl_place(r, (enum kind)to, get32(r->old + old + 4 * i));
		if (r->bad)
			return 0;
		put32((unsigned char *)r->out.data + at + 4 * i, v);
	}
	put32((unsigned char *)r->out.data + at + len - 4,
	    check((const unsigned char *)r->out.data + at, len - 4));
	return at;
}

/* Writes w's finished index again in lookup order (above); 0, or -PL_ENOMEM, or
 * -PL_EIO when a record of its own runs out of the file (a writer's bug). */
static int
relayout(struct writer *w)
{
	const unsigned char *old = (const unsigned char *)w->b.data;
	struct relayout r = { .old = old, .oldn = w->b.len, .nsnaps = get32(old + H_NSNAPS) };
	uint32_t ports = get32(old + H_PORTS), table, idblock = get32(old + H_IDBLOCK),
	    idlen = get32(old + H_IDLEN), snaps = 0, cands = 0;
	unsigned char *h;

	pl_buf_init(&r.out, (size_t)1 << 31);
	pl_buf_add(&r.out, old, HEADER_LEN);
	table = (uint32_t)r.out.len;
	for (uint32_t p = 0; p < NPORTS; p++)
		pl_buf_add(&r.out, "\0\0\0", 4);
	for (uint32_t p = 0; p < NPORTS && !r.bad; p++) {
		/* A run of ports shares its entry: placed at the run's first port. */
		uint32_t at;

		r.part = (uint32_t)r.out.len;
		/* Placed before the table is written to: placing moves the buffer. */
		at = rl_place(&r, K_PORT, get32(old + ports + 4 * p));
		put32((unsigned char *)r.out.data + table + 4 * p, at);
	}
	if (r.nsnaps > 0) {
		r.part = (uint32_t)r.out.len;
		snaps = rl_place(&r, K_SNAPS, get32(old + H_SNAPS));
	}
	if (!r.bad && idblock != 0) {
		cands = (uint32_t)r.out.len;
		pl_buf_add(&r.out, old + idblock, (size_t)idlen + 4);
	}
	free(r.key);
	free(r.val);
	if (r.bad || pl_buf_error(&r.out) != 0 || r.out.len > 0xffffffffu) {
		int rc = pl_buf_error(&r.out) != 0 || r.nomem ?
		    pl_err_set(w->err, -PL_ENOMEM, "index: out of memory") :
		    pl_err_set(w->err, -PL_EIO, "index: a record runs out of the file at "
		    "offset %u, or the file grew past 4 GiB", r.bad_at);

		pl_buf_free(&r.out);
		return rc;
	}
	h = (unsigned char *)r.out.data;
	put32(h + H_LEN, (uint32_t)r.out.len);
	put32(h + H_SNAPS, snaps);
	put32(h + H_PORTS, table);
	put32(h + H_IDBLOCK, cands);
	put32(h + H_CHECK, check(h, H_CHECK));
	pl_buf_free(&w->b);
	w->b = r.out;
	return 0;
}

static int
w_build(struct writer *w, const unsigned char dbhead[DBHEAD_LEN], uint64_t dbsize)
{
	uint32_t snaps, ports, label, cands[2] = { 0, 0 };
	int rc;
	sqlite3_stmt *s;

	pl_buf_add(&w->b, MAGIC, 8);
	for (size_t i = 8; i < HEADER_LEN; i++)
		pl_buf_addc(&w->b, '\0');
	/* Offset 0 means "nothing" everywhere, so no string may sit there: none does. */
	if ((rc = w_snapshots(w)) != 0 || (rc = w_rows(w)) != 0 || (rc = w_families(w)) != 0 ||
	    (rc = w_entries(w)) != 0 || (rc = w_lore_ports(w)) != 0 ||
	    (rc = w_candidates(w, &cands[0], &cands[1])) != 0 || (rc = w_nmap(w)) != 0)
		return rc;
	if ((s = w_prepare(w, "SELECT label, source FROM snapshot ORDER BY label")) == NULL)
		return -PL_ESTORE;
	{
		/* The strings first: the table's pairs must sit side by side. */
		uint32_t *pairs = calloc(2 * (size_t)w->nsnaps + 2, sizeof(uint32_t));
		uint32_t k = 0;

		if (pairs == NULL) {
			sqlite3_finalize(s);
			return pl_err_set(w->err, -PL_ENOMEM, "index: out of memory");
		}
		while (k < w->nsnaps && sqlite3_step(s) == SQLITE_ROW) {
			label = w_col(w, s, 0);
			pairs[2 * k] = label;
			pairs[2 * k++ + 1] = w_col(w, s, 1);
		}
		sqlite3_finalize(s);
		snaps = w_off(w);
		for (uint32_t i = 0; i < 2 * w->nsnaps; i++)
			w_u32(w, pairs[i]);
		w_seal(w, snaps);
		free(pairs);
	}
	if ((ports = w_ports(w)) == 0)
		return w->err->code ? w->err->code : w_fail(w);
	if (pl_buf_error(&w->b) != 0)
		return w_fail(w);
	{
		unsigned char *h = (unsigned char *)w->b.data;

		put32(h + H_FORMAT, FORMAT);
		put32(h + H_LEN, (uint32_t)w->b.len);
		put32(h + H_DBSIZE, (uint32_t)dbsize);
		put32(h + H_DBSIZE + 4, (uint32_t)(dbsize >> 32));
		memcpy(h + H_DBHEAD, dbhead, DBHEAD_LEN);
		snprintf((char *)h + H_VERSION, VERSION_LEN, "%s", PL_VERSION);
		put32(h + H_NSNAPS, w->nsnaps);
		put32(h + H_SNAPS, snaps);
		put32(h + H_CURRENT, w->nsnaps ? w->nsnaps - 1 : NONE);
		put32(h + H_PORTS, ports);
		put32(h + H_IDBLOCK, cands[0]);
		put32(h + H_IDLEN, cands[1]);
		put32(h + H_CHECK, check(h, H_CHECK));
	}
	return relayout(w);
}

static void
w_free(struct writer *w)
{
	for (uint32_t i = 0; i < w->nsnaps; i++)
		free(w->snap_labels[i]);
	free(w->snap_labels);
	free(w->snap_ids);
	for (size_t i = 0; i < w->nentries; i++)
		free(w->entries[i].key);
	for (size_t i = 0; i < w->nfamilies; i++)
		free(w->families[i].key);
	free(w->entries);
	free(w->families);
	free(w->rows);
	free(w->lps);
	free(w->nms);
	free(w->tab);
	pl_buf_free(&w->b);
}

/* Writes len bytes to a new file beside path and renames it over path. */
static int
write_atomic(const char *path, const void *data, size_t len, const struct stat *like,
    struct pl_err *err)
{
	char tmp[4096];
	const char *p = data;
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return pl_err_set(err, -PL_EIO, "%s: path too long", path);
	if ((fd = mkstemp(tmp)) < 0)
		return pl_err_set(err, -PL_EIO, "%s: %s", path, strerror(errno));
	/* The store's mode and owner (mkstemp makes 0600): whoever may read the store may
	 * read its index, and no one else. Owners only change where we may change them. */
	fchmod(fd, like->st_mode & 0666);
	if (fchown(fd, like->st_uid, like->st_gid) != 0)
		errno = 0;
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		p += n;
		len -= (size_t)n;
	}
	if (len != 0 || fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
		int e = errno;

		if (len != 0)
			close(fd);
		unlink(tmp);
		return pl_err_set(err, -PL_EIO, "%s: %s", path, strerror(e));
	}
	return 0;
}

int
pl_index_write(struct pl_store *st, const char *target, struct pl_err *err)
{
	struct writer w = { .st = st, .err = err };
	struct stat sb;
	char path[4096];
	unsigned char head[DBHEAD_LEN];
	uint64_t size;
	unsigned int nonce = 0;
	int rc;

	if ((rc = pl_index_path(target ? target : st->path, path, sizeof(path), err)) != 0)
		return rc;
	pl_buf_init(&w.b, (size_t)1 << 31);
	/*
	 * A nonce in the header's user_version: two stores that happen to have the same
	 * size and the same number of commits still differ there. Written in its own
	 * transaction; the change counter moves with it.
	 */
	while (nonce == 0)
		sqlite3_randomness(sizeof(nonce), &nonce);
	{
		char sql[64];

		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", (int)(nonce >> 1));
		if ((rc = pl__exec(st, sql, err)) != 0)
			return rc;
	}
	/* A read transaction: the store's file can't change while it is read and stamped. */
	if ((rc = pl__exec(st, "BEGIN; SELECT count(*) FROM snapshot", err)) != 0)
		return rc;
	if (db_stamp(st, head, &size) != 0) {
		rc = pl_err_set(err, -PL_ESTORE, "store %s: its header can't be read, or it is in "
		    "WAL mode (no index is written for it)", st->path);
		goto out;
	}
	if (stat(st->path, &sb) != 0)
		rc = pl_err_set(err, -PL_ESTORE, "store %s: %s", st->path, strerror(errno));
	else if ((rc = w_build(&w, head, size)) == 0)
		rc = write_atomic(path, w.b.data, w.b.len, &sb, err);
out:
	sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	w_free(&w);
	return rc;
}

/* ------------------------------------------------------------------ reader */

static int
bad(const struct pl_index *ix, struct pl_err *err, const char *what, uint32_t off)
{
	return pl_err_set(err, -PL_EDATA, "index %s: %s at offset %u is out of bounds or "
	    "malformed (rebuild it with 'portlore import' or remove it)", ix->path, what, off);
}

/* Reads n words at off into v; false when they are not all inside the file. */
static bool
words(const struct pl_index *ix, uint32_t off, uint32_t *v, size_t n)
{
	if (off < HEADER_LEN || off > ix->n || (ix->n - off) / 4 < n)
		return false;
	for (size_t i = 0; i < n; i++)
		v[i] = get32(ix->p + off + 4 * i);
	return true;
}

/* Whether the n bytes at off are followed by their check word (inside the file). */
static bool
checked(const struct pl_index *ix, uint32_t off, size_t n)
{
	uint32_t c;

	return off <= ix->n && n <= ix->n - off && words(ix, (uint32_t)(off + n), &c, 1) &&
	    c == check(ix->p + off, n);
}

/* The string at off (length, check word, bytes, NUL), or NULL when it is not one. */
static const char *
str_at(const struct pl_index *ix, uint32_t off)
{
	uint32_t h[2];

	if (!words(ix, off, h, 2) || h[0] >= ix->n - off - 8 || ix->p[off + 8 + h[0]] != '\0' ||
	    check(ix->p + off + 8, h[0]) != h[1])
		return NULL;
	return (const char *)ix->p + off + 8;
}

/* A record of n words at off, with its check word: false when damaged. */
static bool
rec_at(const struct pl_index *ix, uint32_t off, uint32_t *v, size_t n)
{
	return words(ix, off, v, n) && checked(ix, off, 4 * n);
}

/* A list of k-word items at off (count, items, check word): *n items, the first at
 * *first. */
static bool
list_at(const struct pl_index *ix, uint32_t off, uint32_t k, uint32_t *n, uint32_t *first)
{
	if (!words(ix, off, n, 1) || (ix->n - off - 4) / 4 / k < *n ||
	    !checked(ix, off, 4 + 4 * (size_t)*n * k))
		return false;
	*first = off + 4;
	return true;
}

static int
open_checked(struct pl_index *ix, struct pl_err *err)
{
	uint32_t v[4];

	if (ix->n < HEADER_LEN || memcmp(ix->p, MAGIC, 8) != 0)
		return pl_err_set(err, -PL_EDATA, "index %s: not a portlore index", ix->path);
	if (get32(ix->p + H_FORMAT) != FORMAT)
		return pl_err_set(err, -PL_EDATA, "index %s: format %u, this portlore reads %u",
		    ix->path, get32(ix->p + H_FORMAT), FORMAT);
	if (get32(ix->p + H_CHECK) != check(ix->p, H_CHECK))
		return pl_err_set(err, -PL_EDATA, "index %s: its header is damaged", ix->path);
	if (get32(ix->p + H_LEN) != ix->n)
		return pl_err_set(err, -PL_EDATA, "index %s: %zu bytes, its header says %u "
		    "(cut short?)", ix->path, ix->n, get32(ix->p + H_LEN));
	memcpy(v, (uint32_t[]){ get32(ix->p + H_NSNAPS), get32(ix->p + H_SNAPS),
	    get32(ix->p + H_CURRENT), get32(ix->p + H_PORTS) }, sizeof(v));
	ix->nsnaps = v[0];
	ix->snaps = v[1];
	ix->current = v[2];
	ix->ports = v[3];
	ix->idblock = get32(ix->p + H_IDBLOCK);
	ix->idlen = get32(ix->p + H_IDLEN);
	if ((ix->nsnaps > 0 && (ix->snaps < HEADER_LEN || ix->snaps > ix->n ||
	    (ix->n - ix->snaps) / 8 < ix->nsnaps)) ||
	    (ix->current != NONE && ix->current >= ix->nsnaps) ||
	    ix->ports < HEADER_LEN || ix->ports > ix->n || (ix->n - ix->ports) / 4 < NPORTS)
		return pl_err_set(err, -PL_EDATA, "index %s: its header points outside the file",
		    ix->path);
	if (ix->nsnaps > 0 && !checked(ix, ix->snaps, 8 * (size_t)ix->nsnaps))
		return pl_err_set(err, -PL_EDATA, "index %s: its snapshot table is damaged",
		    ix->path);
	return 0;
}

int
pl_index_open_mem(struct pl_index **out, const void *data, size_t len, struct pl_err *err)
{
	struct pl_index *ix = calloc(1, sizeof(*ix));
	int rc;

	*out = NULL;
	if (ix == NULL || (ix->path = strdup("(memory)")) == NULL) {
		free(ix);
		return pl_err_set(err, -PL_ENOMEM, "out of memory");
	}
	ix->p = data;
	ix->n = len;
	ix->guard = -1;
	ix->fd = -1;
	if (len > 0xffffffffu)
		rc = pl_err_set(err, -PL_EDATA, "index %s: too large", ix->path);
	else
		rc = open_checked(ix, err);
	if (rc != 0) {
		pl_index_close(ix);
		return rc;
	}
	*out = ix;
	return 0;
}

int
pl_index_open(struct pl_index **out, const char *store_path, struct pl_err *err)
{
	char path[4096];
	struct pl_index *ix = NULL;
	struct stat sb;
	unsigned char head[DBHEAD_LEN];
	uint64_t size;
	int fd = -1, rc;

	*out = NULL;
	if ((rc = pl_index_path(store_path, path, sizeof(path), err)) != 0)
		return rc;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &sb) != 0 ||
	    !S_ISREG(sb.st_mode)) {
		rc = pl_err_set(err, -PL_ENOTFOUND, "index %s: %s", path,
		    fd < 0 ? strerror(errno) : "not a regular file");
		goto fail;
	}
	if ((ix = calloc(1, sizeof(*ix))) != NULL)
		ix->guard = ix->fd = -1;
	if (ix == NULL || (ix->path = strdup(path)) == NULL ||
	    (ix->store_path = strdup(store_path)) == NULL) {
		rc = pl_err_set(err, -PL_ENOMEM, "out of memory");
		goto fail;
	}
	ix->n = (size_t)sb.st_size;
	if (sb.st_size < HEADER_LEN || sb.st_size > 0xffffffffL) {
		rc = pl_err_set(err, -PL_EDATA, "index %s: %lld bytes is not an index", path,
		    (long long)sb.st_size);
		goto fail;
	}
	if ((ix->map = mmap(NULL, ix->n, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
		ix->map = NULL;
		rc = pl_err_set(err, -PL_EIO, "index %s: %s", path, strerror(errno));
		goto fail;
	}
	ix->p = ix->map;
	ix->guard = guard_add(ix->map, ix->n);
	/* Kept open for pl_index_check(). */
	ix->fd = fd;
	ix->mtime = sb.st_mtim;
	fd = -1;
	/* Another build's layout is out of date, not damaged: the store answers. */
	if (memcmp(ix->p, MAGIC, 8) == 0 && get32(ix->p + H_FORMAT) != FORMAT) {
		rc = pl_err_set(err, -PL_ENOTFOUND, "index %s: stale (format %u)", path,
		    get32(ix->p + H_FORMAT));
		goto fail;
	}
	if ((rc = open_checked(ix, err)) != 0)
		goto fail;
	/* Made by this portlore from this store, as it is now. */
	if (strncmp((const char *)ix->p + H_VERSION, PL_VERSION, VERSION_LEN) != 0 ||
	    store_stamp(store_path, head, &size) != 0 ||
	    size != ((uint64_t)get32(ix->p + H_DBSIZE) | (uint64_t)get32(ix->p + H_DBSIZE + 4) << 32) ||
	    memcmp(head, ix->p + H_DBHEAD, DBHEAD_LEN) != 0) {
		rc = pl_err_set(err, -PL_ENOTFOUND, "index %s: stale", path);
		goto fail;
	}
	*out = ix;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	pl_index_close(ix);
	return rc;
}

void
pl_index_close(struct pl_index *ix)
{
	if (ix == NULL)
		return;
	guard_drop(ix->guard);
	if (ix->map != NULL)
		munmap(ix->map, ix->n);
	if (ix->fd >= 0)
		close(ix->fd);
	pl_store_close(ix->st);
	free(ix->path);
	free(ix->store_path);
	free(ix);
}

const char *
pl_index_snapshot(const struct pl_index *ix)
{
	uint32_t label;

	if (ix->current == NONE || !words(ix, ix->snaps + 8 * ix->current, &label, 1))
		return NULL;
	return str_at(ix, label);
}

struct pl_store *
pl__index_store(struct pl_index *ix, struct pl_err *err)
{
	if (ix->st == NULL && ix->store_path == NULL)
		pl_err_set(err, -PL_ENOTFOUND, "index %s: no store beside it", ix->path);
	else if (ix->st == NULL)
		pl_store_open(&ix->st, ix->store_path, PL_STORE_READ, err);
	return ix->st;
}

struct pl_store *
pl_index_store(struct pl_index *ix, struct pl_err *err)
{
	return pl__index_store(ix, err);
}

/* The three lists of port's entry: rows, lore ports, nmap rows (n 0 when none). */
struct portent { uint32_t n[3], first[3]; };

/* The entry (first port, last port, three counted lists, check word) of port. */
static int
port_entry(const struct pl_index *ix, uint16_t port, struct portent *pe, struct pl_err *err)
{
	uint32_t off, at, run[2];

	memset(pe, 0, sizeof(*pe));
	if (!words(ix, ix->ports + 4u * port, &off, 1))
		return bad(ix, err, "port table", ix->ports);
	if (off == 0)
		return 0;
	if (!words(ix, off, run, 2) || run[0] > port || run[1] < port)
		return bad(ix, err, "port entry", off);
	at = off + 8;
	for (int k = 0; k < 3; k++) {
		if (!words(ix, at, &pe->n[k], 1) || (ix->n - at - 4) / 4 < pe->n[k])
			return bad(ix, err, "port entry", off);
		pe->first[k] = at + 4;
		at = pe->first[k] + 4 * pe->n[k];
	}
	if (!checked(ix, off, at - off))
		return bad(ix, err, "port entry", off);
	return 0;
}

/* The string at off, lent to the report (r->strings_lent); -PL_EDATA when bad. */
static int
dup_at(const struct pl_index *ix, uint32_t off, char **dst, struct pl_err *err)
{
	const char *s = str_at(ix, off);

	if (s == NULL)
		return bad(ix, err, "string", off);
	/* The report never writes through its strings; the map is read-only anyway. */
	*dst = (char *)(uintptr_t)s;
	return 0;
}


static int
nomem(struct pl_err *err)
{
	return pl_err_set(err, -PL_ENOMEM, "out of memory");
}

static int
read_record(const struct pl_index *ix, const uint32_t *w, struct pl_record *rec,
    struct pl_err *err)
{
	char **cols[] = { &rec->service, &rec->description, &rec->assignee, &rec->contact,
	    &rec->registered, &rec->modified, &rec->reference, &rec->service_code,
	    &rec->unauthorized, &rec->notes };
	const char *proto = str_at(ix, w[ROW_PROTO]);
	int rc;

	for (int i = 0; i < 10; i++)
		if ((rc = dup_at(ix, w[ROW_STR + i], cols[i], err)) != 0)
			return rc;
	if (proto == NULL)
		return bad(ix, err, "row", w[ROW_PROTO]);
	rec->has_port = true;      /* a report's rows are rows of its port */
	rec->lo = (uint16_t)w[ROW_LO];
	rec->hi = (uint16_t)w[ROW_HI];
	rec->proto = pl_proto_parse(proto, strlen(proto));
	rec->line = (long)w[ROW_LINE];
	return 0;
}

/* Registry rows of the current snapshot: exact ones and the ranges around the port. */
static int
facts_records(const struct pl_index *ix, const struct portent *pe, struct pl_report *r,
    struct pl_err *err)
{
	const char *want = pl_proto_name(r->proto);
	int rc;

	for (uint32_t i = 0; i < pe->n[0]; i++) {
		uint32_t off, w[ROW_WORDS];
		const char *proto;
		struct pl_record *rec;
		bool exact;

		if (!words(ix, pe->first[0] + 4 * i, &off, 1) || !rec_at(ix, off, w, ROW_WORDS))
			return bad(ix, err, "row", pe->first[0] + 4 * i);
		if (w[ROW_SNAP] != ix->current)
			continue;
		if ((proto = str_at(ix, w[ROW_PROTO])) == NULL)
			return bad(ix, err, "row", off);
		if (*proto != '\0' && strcmp(proto, want) != 0)
			continue;
		if (w[ROW_LO] > r->port || w[ROW_HI] < r->port)
			return bad(ix, err, "row (not of this port)", off);
		exact = w[ROW_LO] == w[ROW_HI];
		rec = exact ? pl__grow1(&r->records, &r->nrecords, sizeof(*rec)) :
		    pl__grow1(&r->ranges, &r->nranges, sizeof(*rec));
		if (rec == NULL)
			return nomem(err);
		if ((rc = read_record(ix, w, rec, err)) != 0)
			return rc;
	}
	return 0;
}

/* A list of k strings per item into an array of string pointers. */
static int
strings_list(const struct pl_index *ix, uint32_t off, char ***out, size_t *n,
    struct pl_err *err)
{
	uint32_t cnt, first, s;
	int rc;

	if (!list_at(ix, off, 1, &cnt, &first))
		return bad(ix, err, "list", off);
	for (uint32_t i = 0; i < cnt; i++) {
		char **p = pl__grow1(out, n, sizeof(char *));

		if (p == NULL)
			return nomem(err);
		if (!words(ix, first + 4 * i, &s, 1))
			return bad(ix, err, "list", off);
		if ((rc = dup_at(ix, s, p, err)) != 0)
			return rc;
	}
	return 0;
}

static int
use_sources(const struct pl_index *ix, uint32_t off, struct pl_lore_use *u, struct pl_err *err)
{
	uint32_t cnt, first, w[6];
	int rc;

	if (!list_at(ix, off, 6, &cnt, &first))
		return bad(ix, err, "sources", off);
	for (uint32_t i = 0; i < cnt; i++) {
		struct pl_source *src = pl__grow1(&u->sources, &u->nsources, sizeof(*src));
		char **f[] = { NULL, NULL, NULL, NULL, NULL, NULL };

		if (src == NULL)
			return nomem(err);
		f[0] = &src->title, f[1] = &src->url, f[2] = &src->published;
		f[3] = &src->accessed, f[4] = &src->publisher, f[5] = &src->tier;
		if (!words(ix, first + 24 * i, w, 6))
			return bad(ix, err, "sources", off);
		for (int k = 0; k < 6; k++)
			if ((rc = dup_at(ix, w[k], f[k], err)) != 0)
				return rc;
	}
	u->rank_in.nsources = (int)cnt;
	return 0;
}

static int
use_hints(const struct pl_index *ix, uint32_t off, struct pl_lore_use *u, struct pl_err *err)
{
	uint32_t cnt, first, w[2];
	int rc;

	if (!list_at(ix, off, 2, &cnt, &first))
		return bad(ix, err, "hints", off);
	for (uint32_t i = 0; i < cnt; i++) {
		const char *kind;
		char ***arr;
		size_t *n;
		char **p;

		if (!words(ix, first + 8 * i, w, 2))
			return bad(ix, err, "hints", off);
		if ((kind = str_at(ix, w[0])) == NULL)
			return bad(ix, err, "hint", w[0]);
		arr = strcmp(kind, "process") == 0 ? &u->process :
		    strcmp(kind, "cmdline") == 0 ? &u->cmdline : &u->banner;
		n = strcmp(kind, "process") == 0 ? &u->nprocess :
		    strcmp(kind, "cmdline") == 0 ? &u->ncmdline : &u->nbanner;
		if ((p = pl__grow1(arr, n, sizeof(char *))) == NULL)
			return nomem(err);
		if ((rc = dup_at(ix, w[1], p, err)) != 0)
			return rc;
	}
	return 0;
}

/* The family's other ports: all but those that contain this port and protocol. */
static int
use_siblings(const struct pl_index *ix, uint32_t off, const struct pl_report *r,
    struct pl_lore_use *u, struct pl_err *err)
{
	const char *want = pl_proto_name(r->proto);
	uint32_t cnt, first, w[6];
	int rc;

	if (off == 0)
		return 0;
	if (!list_at(ix, off, 6, &cnt, &first))
		return bad(ix, err, "family", off);
	for (uint32_t i = 0; i < cnt; i++) {
		const char *proto;
		struct pl_lore_port *lp;

		if (!words(ix, first + 24 * i, w, 6))
			return bad(ix, err, "family", off);
		if ((proto = str_at(ix, w[2])) == NULL)
			return bad(ix, err, "family port", w[2]);
		if (w[0] <= r->port && w[1] >= r->port && strcmp(proto, want) == 0)
			continue;
		if ((lp = pl__grow1(&u->siblings, &u->nsiblings, sizeof(*lp))) == NULL)
			return nomem(err);
		lp->lo = (uint16_t)w[0];
		lp->hi = (uint16_t)w[1];
		lp->proto = pl_proto_parse(proto, strlen(proto));
		if ((rc = dup_at(ix, w[3], &lp->role, err)) != 0 ||
		    (rc = dup_at(ix, w[4], &lp->entry_id, err)) != 0 ||
		    (rc = dup_at(ix, w[5], &lp->entry_name, err)) != 0)
			return rc;
	}
	return 0;
}

/* Whether the entry's risk concerns port: it names no ports, or names this one. */
static int
risk_here(const struct pl_index *ix, uint32_t off, uint16_t port, bool *here,
    struct pl_err *err)
{
	uint32_t cnt, first, p;

	if (!list_at(ix, off, 1, &cnt, &first))
		return bad(ix, err, "risk ports", off);
	*here = cnt == 0;
	for (uint32_t i = 0; i < cnt && !*here; i++) {
		if (!words(ix, first + 4 * i, &p, 1))
			return bad(ix, err, "risk ports", off);
		*here = p == port;
	}
	return 0;
}

static int
read_use(const struct pl_index *ix, const uint32_t *lp, struct pl_report *r,
    struct pl_lore_use *u, struct pl_err *err)
{
	uint32_t e[E_WORDS];
	char **cols[] = { &u->id, &u->family, &u->family_name, &u->name, &u->vendor,
	    &u->kind, &u->summary, &u->risk, &u->risk_why, &u->notes, &u->confidence,
	    &u->confidence_why };
	const char *use, *prev;
	int rc, v;

	if (!rec_at(ix, lp[LP_ENTRY], e, E_WORDS))
		return bad(ix, err, "lore entry", lp[LP_ENTRY]);
	for (int i = 0; i < 12; i++)
		if ((rc = dup_at(ix, e[E_STR + i], cols[i], err)) != 0)
			return rc;
	u->year_from = (int)e[E_YFROM];
	u->year_to = (int)e[E_YTO];
	if ((rc = dup_at(ix, lp[LP_ROLE], &u->role, err)) != 0 ||
	    (rc = dup_at(ix, lp[LP_EVIDENCE], &u->evidence, err)) != 0)
		return rc;
	u->lo = (uint16_t)lp[LP_LO];
	u->hi = (uint16_t)lp[LP_HI];
	u->broad = u->hi - u->lo > 64;
	if ((use = str_at(ix, lp[LP_USE])) == NULL || (prev = str_at(ix, lp[LP_PREV])) == NULL)
		return bad(ix, err, "lore port", lp[LP_USE]);
	v = pl_use_parse(use);
	u->use = v < 0 ? PL_USE_UNKNOWN : (enum pl_use)v;
	v = pl_prevalence_parse(prev);
	u->prevalence = v < 0 ? PL_PREV_UNKNOWN : (enum pl_prevalence)v;
	if ((rc = risk_here(ix, e[E_RISKPORTS], r->port, &u->risk_here, err)) != 0 ||
	    (rc = use_sources(ix, e[E_SOURCES], u, err)) != 0 ||
	    (rc = strings_list(ix, e[E_CVES], &u->cves, &u->ncves, err)) != 0 ||
	    (rc = use_hints(ix, e[E_HINTS], u, err)) != 0)
		return rc;
	/* As report.c: a use matched through a wide range lists no siblings. */
	return u->broad ? 0 : use_siblings(ix, e[E_FAMILY], r, u, err);
}

static int
facts_lore(const struct pl_index *ix, const struct portent *pe, struct pl_report *r,
    struct pl_err *err)
{
	const char *want = pl_proto_name(r->proto);
	int rc;

	for (uint32_t i = 0; i < pe->n[1]; i++) {
		uint32_t off, lp[LP_WORDS];
		const char *proto;
		struct pl_lore_use *u;

		if (!words(ix, pe->first[1] + 4 * i, &off, 1) || !rec_at(ix, off, lp, LP_WORDS) ||
		    (proto = str_at(ix, lp[LP_PROTO])) == NULL)
			return bad(ix, err, "lore port", pe->first[1] + 4 * i);
		if (strcmp(proto, want) != 0)
			continue;
		if ((u = pl__grow1(&r->uses, &r->nuses, sizeof(*u))) == NULL)
			return nomem(err);
		if ((rc = read_use(ix, lp, r, u, err)) != 0)
			return rc;
	}
	return 0;
}

static int
facts_nmap(const struct pl_index *ix, const struct portent *pe, struct pl_report *r,
    struct pl_err *err)
{
	const char *want = pl_proto_name(r->proto);

	for (uint32_t i = 0; i < pe->n[2]; i++) {
		uint32_t off, w[NM_WORDS];
		const char *proto;
		uint64_t bits;

		if (!words(ix, pe->first[2] + 4 * i, &off, 1) || !rec_at(ix, off, w, NM_WORDS) ||
		    (proto = str_at(ix, w[NM_PROTO])) == NULL)
			return bad(ix, err, "nmap row", pe->first[2] + 4 * i);
		if (strcmp(proto, want) != 0)
			continue;
		r->nmap.have = true;
		bits = (uint64_t)w[NM_FREQ] | (uint64_t)w[NM_FREQ + 1] << 32;
		memcpy(&r->nmap.freq, &bits, sizeof(bits));
		r->nmap.rank = (long)((uint64_t)w[NM_RANK] | (uint64_t)w[NM_RANK + 1] << 32);
		r->nmap.ranked = (long)((uint64_t)w[NM_RANKED] | (uint64_t)w[NM_RANKED + 1] << 32);
		return dup_at(ix, w[NM_NAME], &r->nmap.name, err);
	}
	return 0;
}

int
pl__index_facts(struct pl_index *ix, struct pl_report *r, struct pl_err *err)
{
	const char *label = pl_index_snapshot(ix);
	struct portent pe;
	int rc;

	r->strings_lent = true;
	if (ix->current != NONE && label == NULL)
		return bad(ix, err, "snapshot table", ix->snaps);
	r->snapshot = (char *)(uintptr_t)label;
	if ((rc = port_entry(ix, r->port, &pe, err)) != 0 ||
	    (rc = facts_records(ix, &pe, r, err)) != 0 || (rc = facts_lore(ix, &pe, r, err)) != 0)
		return rc;
	return facts_nmap(ix, &pe, r, err);
}

int
pl__index_protos(struct pl_index *ix, uint16_t port, bool extra[PL_PROTO_COUNT],
    struct pl_err *err)
{
	struct portent pe;
	int rc;

	memset(extra, 0, PL_PROTO_COUNT * sizeof(bool));
	if ((rc = port_entry(ix, port, &pe, err)) != 0)
		return rc;
	for (int k = 0; k < 2; k++)
		for (uint32_t i = 0; i < pe.n[k]; i++) {
			uint32_t off, w[ROW_WORDS];
			const char *proto;

			if (!words(ix, pe.first[k] + 4 * i, &off, 1) ||
			    !rec_at(ix, off, w, k == 0 ? ROW_WORDS : LP_WORDS) ||
			    (proto = str_at(ix, k == 0 ? w[ROW_PROTO] : w[LP_PROTO])) == NULL)
				return bad(ix, err, k == 0 ? "row" : "lore port", pe.first[k] + 4 * i);
			if (k == 0 && w[ROW_SNAP] != ix->current)
				continue;
			extra[pl_proto_parse(proto, strlen(proto))] = true;
		}
	return 0;
}

int
pl__index_history(struct pl_index *ix, uint16_t port, enum pl_proto proto,
    struct pl_history *out, struct pl_err *err)
{
	struct pl__hist_snaprows *snaps = NULL;
	struct pl_record *rows = NULL;
	struct portent pe;
	uint32_t last = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = port_entry(ix, port, &pe, err)) != 0)
		return rc;
	if ((ix->nsnaps > 0 && (snaps = calloc(ix->nsnaps, sizeof(*snaps))) == NULL) ||
	    (pe.n[0] > 0 && (rows = calloc(pe.n[0], sizeof(*rows))) == NULL)) {
		rc = nomem(err);
		goto out;
	}
	for (uint32_t i = 0; i < ix->nsnaps; i++) {
		uint32_t w[2];

		if (!words(ix, ix->snaps + 8 * i, w, 2) ||
		    (snaps[i].label = str_at(ix, w[0])) == NULL ||
		    (snaps[i].source = str_at(ix, w[1])) == NULL) {
			rc = bad(ix, err, "snapshot table", ix->snaps + 8 * i);
			goto out;
		}
	}
	/* Rows come in snapshot order, each snapshot's in file order. */
	for (uint32_t i = 0; i < pe.n[0]; i++) {
		uint32_t off, w[ROW_WORDS];
		struct pl_record *h = &rows[i];
		char **cols[] = { &h->service, &h->description, &h->assignee, &h->contact,
		    &h->registered, &h->modified, &h->reference, &h->service_code,
		    &h->unauthorized, &h->notes };
		const char *p;

		if (!words(ix, pe.first[0] + 4 * i, &off, 1) || !rec_at(ix, off, w, ROW_WORDS) ||
		    w[ROW_SNAP] >= ix->nsnaps || w[ROW_SNAP] < last ||
		    (p = str_at(ix, w[ROW_PROTO])) == NULL) {
			rc = bad(ix, err, "row", pe.first[0] + 4 * i);
			goto out;
		}
		last = w[ROW_SNAP];
		for (int k = 0; k < 10; k++)
			if ((*cols[k] = (char *)str_at(ix, w[ROW_STR + k])) == NULL) {
				rc = bad(ix, err, "row", off);
				goto out;
			}
		h->has_port = true;
		h->lo = (uint16_t)w[ROW_LO];
		h->hi = (uint16_t)w[ROW_HI];
		h->proto = pl_proto_parse(p, strlen(p));
		h->line = (long)w[ROW_LINE];
		if (snaps[last].rows == NULL)
			snaps[last].rows = h;
		snaps[last].n++;
	}
	rc = pl__history_from_rows(port, proto, snaps, ix->nsnaps, out, err);
out:
	free(rows);
	free(snaps);
	return rc;
}

/* ------------------------------------------------------- identification */

int
pl__index_service(struct pl_index *ix, uint16_t port, enum pl_proto proto,
    const char **name, struct pl_err *err)
{
	const char *want = pl_proto_name(proto);
	struct portent pe;
	long best = -1;
	int rc;

	*name = NULL;
	if (ix->current == NONE || (rc = port_entry(ix, port, &pe, err)) != 0)
		return ix->current == NONE ? 0 : rc;
	/* As hints.c's query: the current snapshot's first exact row of the port (by line)
	 * for this protocol or none, with a service name. */
	for (uint32_t i = 0; i < pe.n[0]; i++) {
		uint32_t off, w[ROW_WORDS];
		const char *p, *service;

		if (!words(ix, pe.first[0] + 4 * i, &off, 1) || !rec_at(ix, off, w, ROW_WORDS))
			return bad(ix, err, "row", pe.first[0] + 4 * i);
		if (w[ROW_SNAP] != ix->current || w[ROW_LO] != port || w[ROW_HI] != port)
			continue;
		if ((p = str_at(ix, w[ROW_PROTO])) == NULL || (service = str_at(ix, w[ROW_STR])) == NULL)
			return bad(ix, err, "row", off);
		if ((*p != '\0' && strcmp(p, want) != 0) || *service == '\0')
			continue;
		if (best < 0 || (long)w[ROW_LINE] < best) {
			best = (long)w[ROW_LINE];
			*name = service;
		}
	}
	return 0;
}


enum { ID_ID, ID_FAMILY, ID_NAME, ID_HINT, ID_NPROCESS, ID_NCMDLINE, ID_NBANNER, ID_PORT,
	ID_NPORTS, ID_WORDS };

int
pl__index_candidates(struct pl_index *ix, struct pl_id_candidates *out, struct pl_err *err)
{
	uint32_t h[4], off = ix->idblock, len = ix->idlen;
	uint64_t recs;
	const unsigned char *rec;
	const char *strs, **slots = NULL;
	struct pl_id_port *ports = NULL;
	struct pl_id_form *forms = NULL;

	memset(out, 0, sizeof(*out));
	out->lent = true;
	/* The block whole and its one check word, then every count and offset in it. */
	if (!words(ix, off, h, 4) || len > ix->n - off || !checked(ix, off, len))
		return bad(ix, err, "candidate block", off);
	recs = 16 + 4 * ((uint64_t)h[0] * ID_WORDS + 3 * (uint64_t)h[1] + 4 * (uint64_t)h[2]);
	if (recs + h[3] != len || (h[3] > 0 && ix->p[off + len - 1] != '\0'))
		return bad(ix, err, "candidate block", off);
	rec = ix->p + off + 16;
	strs = (const char *)ix->p + off + recs;
	if ((h[0] && (out->v = calloc(h[0], sizeof(*out->v))) == NULL) ||
	    (h[1] && ((slots = malloc(h[1] * sizeof(*slots))) == NULL ||
	    (forms = malloc(h[1] * sizeof(*forms))) == NULL)) ||
	    (h[2] && (ports = malloc(h[2] * sizeof(*ports))) == NULL)) {
		free(out->v);
		free(slots);
		free(forms);
		out->v = NULL;
		return nomem(err);
	}
	out->mem[0] = ports;
	out->mem[1] = (void *)slots;
	out->mem[2] = forms;
	out->forms = forms;
	out->n = h[0];
	for (uint32_t i = 0; i < h[1]; i++) {
		const unsigned char *q = rec + 4 * ((size_t)h[0] * ID_WORDS + 3 * (size_t)i);
		uint32_t s = get32(q), kind = get32(q + 4), lit = get32(q + 8);

		/* A plain name's form always has its literal; an expression may have none. */
		if (s >= h[3] || kind < PL_ID_FORM_REGEX || kind > PL_ID_FORM_SUBSTR ||
		    (lit == NONE ? kind != PL_ID_FORM_REGEX : lit >= h[3])) {
			pl_id_candidates_free(out);
			return bad(ix, err, "candidate hint", off);
		}
		slots[i] = strs + s;
		forms[i] = (struct pl_id_form){ (enum pl_id_form_kind)kind,
			lit == NONE ? NULL : strs + lit };
	}
	for (uint32_t i = 0; i < h[2]; i++) {
		const unsigned char *q = rec + 4 * ((size_t)h[0] * ID_WORDS + 3 * (size_t)h[1] +
		    4 * (size_t)i);
		uint32_t lo = get32(q), hi = get32(q + 4), proto = get32(q + 8);

		if (lo > hi || hi > 65535 || proto >= PL_PROTO_COUNT) {
			pl_id_candidates_free(out);
			return bad(ix, err, "candidate port", off);
		}
		ports[i] = (struct pl_id_port){ (uint16_t)lo, (uint16_t)hi, (enum pl_proto)proto,
			(int)(int32_t)get32(q + 12) };
	}
	for (uint32_t i = 0; i < h[0]; i++) {
		struct pl_id_candidate *c = &out->v[i];
		uint32_t v[ID_WORDS];
		uint64_t nhints;

		for (int k = 0; k < ID_WORDS; k++)
			v[k] = get32(rec + 4 * ((size_t)i * ID_WORDS + (size_t)k));
		nhints = (uint64_t)v[ID_NPROCESS] + v[ID_NCMDLINE] + v[ID_NBANNER];
		if (v[ID_ID] >= h[3] || v[ID_FAMILY] >= h[3] || v[ID_NAME] >= h[3] ||
		    v[ID_HINT] > h[1] || nhints > h[1] - v[ID_HINT] || v[ID_PORT] > h[2] ||
		    v[ID_NPORTS] > h[2] - v[ID_PORT]) {
			pl_id_candidates_free(out);
			return bad(ix, err, "candidate", off + 16 + 4 * ID_WORDS * i);
		}
		c->id = strs + v[ID_ID];
		c->family = strs + v[ID_FAMILY];
		c->name = strs + v[ID_NAME];
		c->process = slots ? slots + v[ID_HINT] : NULL;
		c->nprocess = v[ID_NPROCESS];
		c->cmdline = slots ? c->process + c->nprocess : NULL;
		c->ncmdline = v[ID_NCMDLINE];
		c->banner = slots ? c->cmdline + c->ncmdline : NULL;
		c->nbanner = v[ID_NBANNER];
		c->ports = v[ID_NPORTS] ? ports + v[ID_PORT] : NULL;
		c->nports = v[ID_NPORTS];
	}
	return 0;
}

/* An "elsewhere" row while sorting: its family, span and id decide its place. */
struct elsewhere_row { const char *family, *id, *name, *role, *summary; uint32_t span; };

static int
elsewhere_cmp(const void *a, const void *b)
{
	const struct elsewhere_row *x = a, *y = b;
	int c = strcmp(x->family, y->family);

	if (c != 0)
		return c;
	if (x->span != y->span)
		return x->span < y->span ? -1 : 1;
	return strcmp(x->id, y->id);
}

int
pl__index_elsewhere(struct pl_index *ix, struct pl_bind_why *w, struct pl_err *err)
{
	const char *want = pl_proto_name(w->proto);
	struct elsewhere_row *v = NULL;
	struct portent pe;
	size_t n = 0;
	int rc;

	if ((rc = port_entry(ix, w->port, &pe, err)) != 0)
		return rc;
	if (pe.n[1] > 0 && (v = malloc(pe.n[1] * sizeof(*v))) == NULL)
		return nomem(err);
	for (uint32_t i = 0; i < pe.n[1]; i++) {
		uint32_t off, lp[LP_WORDS], e[E_WORDS];
		const char *proto;
		struct elsewhere_row *x = &v[n];

		if (!words(ix, pe.first[1] + 4 * i, &off, 1) || !rec_at(ix, off, lp, LP_WORDS) ||
		    (proto = str_at(ix, lp[LP_PROTO])) == NULL || !rec_at(ix, lp[LP_ENTRY], e, E_WORDS) ||
		    (x->family = str_at(ix, e[E_STR + 1])) == NULL) {
			free(v);
			return bad(ix, err, "lore port", pe.first[1] + 4 * i);
		}
		if (strcmp(proto, want) != 0 || (strncmp(x->family, "macos-", 6) != 0 &&
		    strncmp(x->family, "windows-", 8) != 0))
			continue;
		if ((x->id = str_at(ix, e[E_STR])) == NULL || (x->name = str_at(ix, e[E_STR + 3])) == NULL ||
		    (x->summary = str_at(ix, e[E_STR + 6])) == NULL ||
		    (x->role = str_at(ix, lp[LP_ROLE])) == NULL || lp[LP_HI] < lp[LP_LO]) {
			free(v);
			return bad(ix, err, "lore entry", lp[LP_ENTRY]);
		}
		x->span = lp[LP_HI] - lp[LP_LO];
		n++;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), elsewhere_cmp);
	for (size_t i = 0; i < n && i < 16; i++) {
		struct pl_elsewhere *p = realloc(w->elsewhere, (w->nelsewhere + 1) * sizeof(*p));
		char **s = realloc(w->store_strings, (w->nstore_strings + 3) * sizeof(*s));

		if (p != NULL)
			w->elsewhere = p;
		if (s != NULL)
			w->store_strings = s;
		if (p == NULL || s == NULL) {
			free(v);
			return nomem(err);
		}
		p = &w->elsewhere[w->nelsewhere];
		*p = (struct pl_elsewhere){
			.system = strncmp(v[i].family, "macos-", 6) == 0 ? "macOS" : "Windows" };
		/* Copies: the answer may outlive the index it was read from. */
		if ((s[w->nstore_strings] = strdup(v[i].name)) != NULL)
			p->name = s[w->nstore_strings++];
		if ((s[w->nstore_strings] = strdup(v[i].role)) != NULL)
			p->role = s[w->nstore_strings++];
		if ((s[w->nstore_strings] = strdup(v[i].summary)) != NULL)
			p->summary = s[w->nstore_strings++];
		if (p->name == NULL || p->role == NULL || p->summary == NULL) {
			free(v);
			return nomem(err);
		}
		w->nelsewhere++;
	}
	free(v);
	return 0;
}
