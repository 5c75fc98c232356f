/*
 * update.c: download IANA's registry and import it as a new snapshot, atomically.
 *
 * libcurl is loaded with dlopen() when a download starts. Linking it would make every
 * lookup load libcurl and its thirty-odd libraries (TLS, HTTP/2, IDN, ...) at start:
 * about 6 ms on our machines, several times the whole lookup (bench/lookup).
 */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "portlore/update.h"
#include "portlore/index.h"
#include "registry/store-internal.h"

/* The few libcurl functions portlore calls, resolved at run time. */
struct curl_api {
	CURL *(*init)(void);
	CURLcode (*setopt)(CURL *, CURLoption, ...);
	CURLcode (*perform)(CURL *);
	CURLcode (*getinfo)(CURL *, CURLINFO, ...);
	void (*cleanup)(CURL *);
	const char *(*strerror)(CURLcode);
};

static int
curl_load(struct curl_api *api, struct pl_err *err)
{
	static void *lib;
	const char *why;

	/* Debian's libcurl4 (OpenSSL) first, then the GnuTLS build of the same ABI. */
	if (lib == NULL && (lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL)) == NULL)
		lib = dlopen("libcurl-gnutls.so.4", RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL) {
		why = dlerror();
		return pl_err_set(err, -PL_ESYS, "cannot load libcurl to download (%s); install "
		    "libcurl4, or use --from FILE", why ? why : "not found");
	}
	*(void **)&api->init = dlsym(lib, "curl_easy_init");
	*(void **)&api->setopt = dlsym(lib, "curl_easy_setopt");
	*(void **)&api->perform = dlsym(lib, "curl_easy_perform");
	*(void **)&api->getinfo = dlsym(lib, "curl_easy_getinfo");
	*(void **)&api->cleanup = dlsym(lib, "curl_easy_cleanup");
	*(void **)&api->strerror = dlsym(lib, "curl_easy_strerror");
	if (!api->init || !api->setopt || !api->perform || !api->getinfo || !api->cleanup ||
	    !api->strerror)
		return pl_err_set(err, -PL_ESYS, "libcurl lacks curl_easy_* functions");
	return 0;
}

struct sink {
	FILE *f;
	long n, max;
	bool too_big, write_failed;
	int write_errno;          /* saved where fwrite failed: later calls change errno */
	volatile sig_atomic_t *stop;
};

static size_t
on_data(char *p, size_t size, size_t nmemb, void *arg)
{
	struct sink *k = arg;
	size_t len = size * nmemb;

	/* Chunked replies announce no length: the limit is enforced here too. */
	if ((long)len > k->max - k->n) {
		k->too_big = true;
		return 0;
	}
	if (fwrite(p, 1, len, k->f) != len) {
		k->write_errno = errno;
		k->write_failed = true;
		return 0;
	}
	k->n += (long)len;
	return len;
}

static int
on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct sink *k = arg;

	(void)dt, (void)dn, (void)ut, (void)un;
	return k->stop && *k->stop ? 1 : 0;
}

/* Only these schemes: a registry URL has no business reaching ftp, ldap, smb, ... */
static bool
scheme_allowed(const char *url)
{
	return strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0 ||
	    strncasecmp(url, "file://", 7) == 0;
}

static void
setup(const struct curl_api *c, CURL *h, const char *url, const struct pl_fetch_opts *o,
    struct sink *k, char *errbuf)
{
	c->setopt(h, CURLOPT_URL, url);
	c->setopt(h, CURLOPT_PROTOCOLS_STR, "http,https,file");
	/* A download asked for over https never continues in the clear: a redirect to
	 * http:// (a downgrade an attacker on the path could then rewrite) is refused. */
	c->setopt(h, CURLOPT_REDIR_PROTOCOLS_STR,
	    strncasecmp(url, "https://", 8) == 0 ? "https" : "http,https");
	c->setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	c->setopt(h, CURLOPT_MAXREDIRS, 5L);
	c->setopt(h, CURLOPT_FAILONERROR, 1L);
	c->setopt(h, CURLOPT_NOSIGNAL, 1L);
	c->setopt(h, CURLOPT_CONNECTTIMEOUT, o->connect_timeout > 0 ? o->connect_timeout : 10L);
	c->setopt(h, CURLOPT_TIMEOUT, o->timeout > 0 ? o->timeout : 120L);
	/* A server that stalls mid-transfer is given up after 30 s under 1 byte/s. */
	c->setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	c->setopt(h, CURLOPT_LOW_SPEED_TIME, 30L);
	c->setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)k->max);
	c->setopt(h, CURLOPT_USERAGENT, "portlore (registry update)");
	c->setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	c->setopt(h, CURLOPT_WRITEDATA, k);
	c->setopt(h, CURLOPT_NOPROGRESS, 0L);
	c->setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	c->setopt(h, CURLOPT_XFERINFODATA, k);
	c->setopt(h, CURLOPT_ERRORBUFFER, errbuf);
}

/* Turns a transfer's outcome into one sentence naming the URL. */
static int
fetch_result(const struct curl_api *c, CURL *h, CURLcode cc, const char *url,
    const struct sink *k, const char *errbuf, struct pl_err *err)
{
	long status = 0;
	const char *why = *errbuf ? errbuf : c->strerror(cc);

	if (cc == CURLE_OK)
		return 0;
	if (k->too_big || cc == CURLE_FILESIZE_EXCEEDED)
		return pl_err_set(err, -PL_ETOOBIG, "%s: larger than %ld bytes; not a registry file?",
		    url, k->max);
	if (k->write_failed)
		return pl_err_set(err, -PL_EIO, "%s: cannot write the download: %s", url,
		    strerror(k->write_errno));
	if (cc == CURLE_ABORTED_BY_CALLBACK)
		return pl_err_set(err, -PL_EINTR, "%s: download interrupted", url);
	c->getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	switch (cc) {
	case CURLE_HTTP_RETURNED_ERROR:
		return pl_err_set(err, -PL_EIO, "%s: the server answered HTTP %ld", url, status);
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
		return pl_err_set(err, -PL_EIO, "%s: %s (offline? use --from FILE with a copy of "
		    "the registry)", url, why);
	case CURLE_UNSUPPORTED_PROTOCOL:
		return pl_err_set(err, -PL_EIO, "%s: %s (a redirect from https:// to another "
		    "scheme is refused)", url, why);
	case CURLE_PARTIAL_FILE:
		return pl_err_set(err, -PL_EIO, "%s: download cut off after %ld bytes (%s)", url,
		    k->n, why);
	default:
		return pl_err_set(err, -PL_EIO, "%s: %s", url, why);
	}
}

int
pl_fetch(const char *url, const char *dest, const struct pl_fetch_opts *o, struct pl_err *err)
{
	struct curl_api c = { 0 };
	struct sink k = { .max = o->max_bytes > 0 ? o->max_bytes : PL_FETCH_MAX_BYTES,
		.stop = o->stop };
	char errbuf[CURL_ERROR_SIZE] = "";
	CURL *h = NULL;
	int rc;

	if (!scheme_allowed(url))
		return pl_err_set(err, -PL_EUSAGE, "'%.200s': only http://, https:// and file:// "
		    "URLs can be downloaded", url);
	if ((rc = curl_load(&c, err)) != 0)
		return rc;
	if ((k.f = fopen(dest, "we")) == NULL)
		return pl_err_set(err, -PL_EIO, "%s: %s", dest, strerror(errno));
	if ((h = c.init()) == NULL) {
		rc = pl_err_set(err, -PL_ENOMEM, "out of memory (libcurl)");
		goto out;
	}
	setup(&c, h, url, o, &k, errbuf);
	rc = fetch_result(&c, h, c.perform(h), url, &k, errbuf, err);
out:
	if (h != NULL)
		c.cleanup(h);
	if (fclose(k.f) != 0 && rc == 0)
		rc = pl_err_set(err, -PL_EIO, "%s: %s", dest, strerror(errno));
	return rc;
}

/* ------------------------------------------------------------------ the store */

const char *
pl_user_store_path(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	int n = -1;

	/* The XDG Base Directory spec ignores relative values; so does store.c. */
	if (xdg != NULL && *xdg == '/')
		n = snprintf(buf, len, "%s/portlore/portlore.db", xdg);
	else if (home != NULL && *home == '/')
		n = snprintf(buf, len, "%s/.local/share/portlore/portlore.db", home);
	return n > 0 && (size_t)n < len ? buf : NULL;
}

/*
 * Writes all of buf, going on after a short write: the kernel may accept part of a
 * buffer and report ENOSPC or EIO only at the next call. Returns 0, or -1 with errno
 * set by the call that failed.
 */
static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Copies src (already open as in, described by sb) to dst, which must not exist, with
 * src's mode and owner, and flushes it to disk. errno is saved where each call fails,
 * so a full disk is reported as such, not as whatever a later call left in errno.
 */
static int
copy_file(int in, const struct stat *sb, const char *src, const char *dst, struct pl_err *err)
{
	char buf[65536];
	int out = -1, rc = 0, e;
	ssize_t n = 0;

	if ((out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
		return pl_err_set(err, -PL_EIO, "%s: %s", dst, strerror(errno));
	/* The new store replaces the old one: it keeps its owner and mode. */
	if ((sb->st_uid != geteuid() || sb->st_gid != getegid()) &&
	    fchown(out, sb->st_uid, sb->st_gid) != 0) {
		rc = pl_err_set(err, -PL_ESTORE, "store %s: cannot keep its owner %ld:%ld (%s); "
		    "not replaced", src, (long)sb->st_uid, (long)sb->st_gid, strerror(errno));
		goto done;
	}
	if (fchmod(out, sb->st_mode & 07777) != 0) {
		rc = pl_err_set(err, -PL_EIO, "%s: %s", dst, strerror(errno));
		goto done;
	}
	/* Bounded by the file's size: a store that grows meanwhile is copied as it was. */
	for (off_t left = sb->st_size; left > 0 && rc == 0; left -= n) {
		n = read(in, buf, (size_t)(left < (off_t)sizeof(buf) ? left : (off_t)sizeof(buf)));
		e = errno;
		if (n < 0 && e == EINTR) {
			n = 0;
			continue;
		}
		if (n <= 0)
			rc = pl_err_set(err, -PL_EIO, "reading %s: %s", src,
			    n == 0 ? "file shrank" : strerror(e));
		else if (write_all(out, buf, (size_t)n) != 0)
			rc = pl_err_set(err, -PL_EIO, "copying %s to %s: %s", src, dst,
			    strerror(errno));
	}
	if (rc == 0 && fsync(out) != 0)
		rc = pl_err_set(err, -PL_EIO, "%s: %s", dst, strerror(errno));
done:
	if (close(out) != 0 && rc == 0)
		rc = pl_err_set(err, -PL_EIO, "%s: %s", dst, strerror(errno));
	return rc;
}

/* Creates the folders above path (like mkdir -p), mode 0755. */
static int
make_parents(const char *path, struct pl_err *err)
{
	char dir[PATH_MAX];

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return pl_err_set(err, -PL_EUSAGE, "%s: path too long", path);
	for (char *p = dir + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(dir, 0755) != 0 && errno != EEXIST)
			return pl_err_set(err, -PL_EIO, "%s: %s", dir, strerror(errno));
		*p = '/';
	}
	return 0;
}

/* Reads the current snapshot's row count (0 when there is none). */
static long
current_rows(struct pl_store *st)
{
	sqlite3_stmt *s = NULL;
	long n = 0;

	if (st->current_id != 0 && sqlite3_prepare_v2(st->db,
	    "SELECT rows FROM snapshot WHERE id = ?1", -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, st->current_id);
		if (sqlite3_step(s) == SQLITE_ROW)
			n = (long)sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	return n;
}

/*
 * The checks a parsed file must still pass: a download cut at a line end parses, so
 * the newest date inside and the number of rows are compared with what the store has.
 */
static int
check_import(const struct pl_update_result *res, const char *csv, struct pl_err *err)
{
	const struct pl_import_stats *s = &res->stats;
	int c = strcmp(s->label, res->previous);

	if (*res->previous == '\0')
		return 0;
	if (c < 0)
		return pl_err_set(err, -PL_EDATA, "%s: newest date inside is %s, older than the "
		    "current snapshot %s; not imported (add older snapshots with 'portlore import "
		    "--iana')", csv, s->label, res->previous);
	if (s->rows * 10 < res->previous_rows * 9)
		return pl_err_set(err, -PL_EDATA, "%s: only %ld records, the current snapshot %s "
		    "has %ld; a cut-off download? not imported", csv, s->rows, res->previous,
		    res->previous_rows);
	return 0;
}

static int
set_source(struct pl_store *st, const char *label, const char *source, struct pl_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(st->db, "UPDATE snapshot SET source = ?1 WHERE label = ?2", -1,
	    &s, NULL) != SQLITE_OK)
		return pl_err_set(err, -PL_ESTORE, "store %s: %s", st->path, sqlite3_errmsg(st->db));
	sqlite3_bind_text(s, 1, source, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, label, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : pl_err_set(err, -PL_ESTORE, "store %s: %s", st->path,
	    sqlite3_errmsg(st->db));
}

/* Imports csv into the store at tmp, in one transaction, and checks the result. */
static int
import_into(const char *tmp, const char *target, const char *csv, const char *source,
    struct pl_update_result *res, struct pl_err *err)
{
	struct pl_store *st = NULL;
	int rc;

	if ((rc = pl_store_open(&st, tmp, PL_STORE_CREATE, err)) != 0)
		return rc;
	snprintf(res->previous, sizeof(res->previous), "%s", st->current);
	res->previous_rows = current_rows(st);
	if ((rc = pl_store_begin(st, err)) != 0)
		goto out;
	if ((rc = pl_store_import_iana(st, csv, &res->stats, err)) == 0 &&
	    (rc = check_import(res, csv, err)) == 0) {
		res->unchanged = strcmp(res->stats.label, res->previous) == 0 &&
		    res->stats.rows == res->previous_rows;
		if (!res->unchanged && (rc = set_source(st, res->stats.label, source, err)) == 0)
			rc = pl_store_reindex(st, err);
	}
	if (rc != 0 || res->unchanged)
		pl_store_rollback(st);
	else if ((rc = pl_store_commit(st, err)) == 0)
		/* The lookup index, stamped with the store's content: valid once renamed. */
		rc = pl_index_write(st, target, err);
out:
	pl_store_close(st);
	return rc;
}

/* Makes the rename durable: the folder's entry is what a crash could lose. */
static void
sync_dir(const char *path)
{
	char dir[PATH_MAX];
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* The lock file beside target: "portlore.db.lock". */
static int
lock_path(char *buf, size_t len, const char *target, struct pl_err *err)
{
	if (snprintf(buf, len, "%s.lock", target) >= (int)len)
		return pl_err_set(err, -PL_EUSAGE, "%s: path too long", target);
	return 0;
}

/* The PID the holder wrote into the lock file, or 0. */
static long
lock_holder(int fd)
{
	char buf[24];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	char *end;
	long pid;

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	pid = strtol(buf, &end, 10);
	return end != buf && pid > 0 ? pid : 0;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Takes the update lock of target: flock(2) on target.lock, waiting up to wait seconds
 * for another update to finish. The file is removed when the lock is given up, so a
 * lock taken on a file that was removed meanwhile (its inode is no longer the path's)
 * is dropped and taken again on the new file. flock locks go with the process: a
 * killed update leaves no lock behind. Returns the descriptor, or a negative code.
 */
static int
lock_store(const char *target, const char *path, long wait, volatile sig_atomic_t *stop,
    struct pl_err *err)
{
	long deadline = now_ms() + wait * 1000, pid;
	struct stat a, b;
	char buf[24];
	int fd, n;

	for (;;) {
		if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644)) < 0)
			return pl_err_set(err, -PL_ESTORE, "store %s: cannot create its lock file "
			    "%s: %s", target, path, strerror(errno));
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			if (fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
			    a.st_ino == b.st_ino)
				break;
			close(fd);
			if (now_ms() < deadline)
				continue;
			return pl_err_set(err, -PL_EBUSY, "store %s: its lock file %s keeps being "
			    "replaced; try again later", target, path);
		}
		if (errno != EWOULDBLOCK && errno != EINTR) {
			pl_err_set(err, -PL_ESTORE, "store %s: cannot lock %s: %s", target, path,
			    strerror(errno));
			close(fd);
			return -PL_ESTORE;
		}
		pid = lock_holder(fd);
		close(fd);
		if (stop && *stop)
			return pl_err_set(err, -PL_EINTR, "interrupted while waiting for another "
			    "update; %s is left as it was", target);
		if (now_ms() >= deadline)
			return pl_err_set(err, -PL_EBUSY, "store %s: another update is running "
			    "(PID %ld, lock %s); waited %ld s; try again later, or wait longer with "
			    "--wait SECS", target, pid, path, wait);
		sleep_ms(100);
	}
	/* Who holds the lock, for the message a waiting update prints. */
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
		/* Only the message of a waiting update would lack the PID. */
	}
	return fd;
}

static void
unlock_store(int fd, const char *path)
{
	if (fd < 0)
		return;
	unlink(path);
	close(fd);
}

/*
 * Whether name is "BASE.update.PID" or that with a SQLite journal suffix, the files an
 * update leaves when it is killed; *pid receives PID.
 */
static bool
is_update_file(const char *name, const char *base, long *pid)
{
	static const char *const tails[] = { "", "-journal", "-wal", "-shm", NULL };
	size_t n = strlen(base);
	char *end;

	if (strncmp(name, base, n) != 0 || strncmp(name + n, ".update.", 8) != 0)
		return false;
	name += n + 8;
	if (*name < '1' || *name > '9')
		return false;
	*pid = strtol(name, &end, 10);
	for (const char *const *t = tails; *t; t++)
		if (strcmp(end, *t) == 0)
			return true;
	return false;
}

/*
 * Removes what killed updates left beside target (copies and their journals). Called
 * with the lock held: no update of this store runs, so a file is stale whether its
 * PID is gone or now belongs to another program (which does not hold the lock).
 */
static void
clean_stale(const char *target, struct pl_update_result *res)
{
	char dir[PATH_MAX], name[PATH_MAX];
	const char *base;
	struct dirent *e;
	struct stat sb;
	DIR *d;
	long pid;

	snprintf(dir, sizeof(dir), "%s", target);
	snprintf(name, sizeof(name), "%s", target);
	base = basename(name);
	if ((d = opendir(dirname(dir))) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (!is_update_file(e->d_name, base, &pid) || pid == (long)getpid())
			continue;
		if (fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(sb.st_mode) || unlinkat(dirfd(d), e->d_name, 0) != 0)
			continue;
		res->stale_files++;
		res->stale_bytes += (long long)sb.st_size;
		res->stale_pid = pid;
		res->stale_pid_alive = kill((pid_t)pid, 0) == 0 || errno == EPERM;
	}
	closedir(d);
}

/*
 * Whether the caller may replace the store: the mode's write bit for the caller's
 * class, not access(2) alone, which says yes to root whatever the mode. A store made
 * 0444 was made read-only on purpose; root honours any write bit.
 */
static bool
may_replace(const char *path, const struct stat *sb)
{
	mode_t bit = geteuid() == 0 ? 0222 : sb->st_uid == geteuid() ? S_IWUSR :
	    sb->st_gid == getegid() ? S_IWGRP : S_IWOTH;

	return (sb->st_mode & bit) != 0 && access(path, W_OK) == 0;
}

/* Opens the store to copy from, after the checks that it may be replaced. */
static int
open_source(const char *path, bool is_target, struct stat *sb, struct pl_err *err)
{
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, sb) != 0) {
		pl_err_set(err, -PL_ESTORE, "store %s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(sb->st_mode)) {
		pl_err_set(err, -PL_ESTORE, "store %s: not a regular file", path);
		goto fail;
	}
	if (is_target && !may_replace(path, sb)) {
		pl_err_set(err, -PL_ESTORE, "store %s: read-only (mode %04o); not replaced: make "
		    "it writable (chmod u+w), or update another store with --db PATH", path,
		    (unsigned)(sb->st_mode & 07777));
		goto fail;
	}
	return fd;
fail:
	if (fd >= 0)
		close(fd);
	return err->code;
}

int
pl_update_store(const char *target, const char *csv, const struct pl_update_opts *o,
    struct pl_update_result *res, struct pl_err *err)
{
	char tmp[PATH_MAX], lock[PATH_MAX];
	const char *from = target;
	struct stat sb;
	int rc, lk = -1, in = -1;

	memset(res, 0, sizeof(*res));
	if (snprintf(tmp, sizeof(tmp), "%s.update.%ld", target, (long)getpid()) >= (int)sizeof(tmp))
		return pl_err_set(err, -PL_EUSAGE, "%s: path too long", target);
	if ((rc = lock_path(lock, sizeof(lock), target, err)) != 0 ||
	    (rc = make_parents(target, err)) != 0)
		return rc;
	/* Refused before waiting: a read-only store will not become writable meanwhile. */
	if (access(target, F_OK) == 0) {
		if ((in = open_source(target, true, &sb, err)) < 0)
			return in;
		close(in);
		in = -1;
	}
	if ((lk = lock_store(target, lock, o->wait, o->stop, err)) < 0)
		return lk;
	clean_stale(target, res);
	/* Under the lock: the store another update just renamed into place is copied. */
	if (access(target, F_OK) != 0) {
		from = o->seed != NULL && access(o->seed, R_OK) == 0 ? o->seed : NULL;
		res->seeded = from != NULL;
	}
	unlink(tmp);
	if (from != NULL) {
		if ((rc = in = open_source(from, from == target, &sb, err)) < 0)
			goto out;
		if (from != target)
			sb.st_mode = 0644, sb.st_uid = geteuid(), sb.st_gid = getegid();
		if ((rc = copy_file(in, &sb, from, tmp, err)) != 0)
			goto out;
	}
	if ((rc = import_into(tmp, target, csv, o->source, res, err)) != 0 || res->unchanged)
		goto out;
	if (o->stop && *o->stop) {
		rc = pl_err_set(err, -PL_EINTR, "interrupted; %s is left as it was", target);
		goto out;
	}
	if (rename(tmp, target) != 0) {
		rc = pl_err_set(err, -PL_EIO, "%s: %s", target, strerror(errno));
		goto out;
	}
	sync_dir(target);
	rc = 0;
	goto done;
out:
	unlink(tmp);
done:
	if (in >= 0)
		close(in);
	unlock_store(lk, lock);
	return rc;
}
