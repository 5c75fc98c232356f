/* libFuzzer target: what 'portlore update' does with a downloaded registry file
 * (registry/update.c, pl_update_store), past the CSV parser fuzz-iana covers: the copy
 * of a store that already holds a snapshot, the checks against it (the newest date
 * inside must not be older than the current snapshot; a newer file must keep 90% of
 * its rows, or it is taken for a cut-off download), and the replacement. The input is
 * the downloaded file. Whatever it holds: a refused file leaves the store byte for
 * byte as it was with an error message, an accepted one makes the store's current
 * snapshot the file's newest date, and no update.PID copy is left beside the store. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz-file.h"
#include "portlore/store.h"
#include "portlore/update.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The store every run starts from: 12 records, snapshot 2020-06-01. */
static const char base_csv[] =
    "Service Name,Port Number,Transport Protocol,Description,Assignee,Contact,"
    "Registration Date,Modification Date,Reference,Service Code,"
    "Unauthorized Use Reported,Assignment Notes\n"
    "ssh,22,tcp,The Secure Shell (SSH) Protocol,,,,,[RFC4251],,,\n"
    "ssh,22,udp,The Secure Shell (SSH) Protocol,,,,,[RFC4251],,,\n"
    "http,80,tcp,World Wide Web HTTP,,,,,[RFC9110],,,\n"
    "https,443,tcp,http protocol over TLS/SSL,,,,,[RFC9110],,,\n"
    "demo,3333,tcp,A demo service,Someone,Someone,2001-01-01,2020-06-01,,,,\n"
    "demo,3333,udp,A demo service,Someone,Someone,2001-01-01,2020-06-01,,,,\n"
    ",3334,tcp,Unassigned,,,,,,,,\n"
    ",3334,udp,Unassigned,,,,,,,,\n"
    "x11,6000-6063,tcp,X Window System,,,,,,,,\n"
    "x11,6000-6063,udp,X Window System,,,,,,,,\n"
    "postgresql,5432,tcp,PostgreSQL Database,,,,,,,,\n"
    "redis,6379,tcp,An advanced key-value cache and store,,,2011-08-02,,,,,\n";

static char dir[80], pristine[128], target[128], csv[128];
static uint8_t *pbytes;
static size_t plen;

static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (buf = malloc((size_t)n + 1)) == NULL ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n)
		abort();
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void
spill(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0)
		abort();
}

static void
init(void)
{
	struct pl_update_opts o = { .source = "fuzz" };
	struct pl_update_result res;
	struct pl_err err = { 0 };

	/* tmpfs when there is one: the update flushes its copy to disk. */
	snprintf(dir, sizeof(dir), "%s/portlore-fuzz-update-%ld",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp", (long)getpid());
	mkdir(dir, 0700);
	fuzz_rm_at_exit(dir);
	snprintf(pristine, sizeof(pristine), "%s/base.db", dir);
	snprintf(target, sizeof(target), "%s/portlore.db", dir);
	snprintf(csv, sizeof(csv), "%s/download.csv", dir);
	unlink(pristine);
	spill(csv, base_csv, sizeof(base_csv) - 1);
	if (pl_update_store(pristine, csv, &o, &res, &err) != 0) {
		fprintf(stderr, "fuzz-update: %s\n", err.msg);
		abort();
	}
	pbytes = slurp(pristine, &plen);
}

/* No update.PID file of this process may be left beside the store. */
static void
no_leftovers(void)
{
	char pat[64];
	struct dirent *e;
	DIR *d = opendir(dir);

	snprintf(pat, sizeof(pat), ".update.%ld", (long)getpid());
	if (d == NULL)
		abort();
	while ((e = readdir(d)) != NULL)
		if (strstr(e->d_name, pat) != NULL) {
			fprintf(stderr, "fuzz-update: %s left behind\n", e->d_name);
			abort();
		}
	closedir(d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pl_update_opts o = { .source = "https://example.invalid/registry.csv" };
	struct pl_update_result res;
	struct pl_err err = { 0 };
	struct pl_store *st = NULL;
	uint8_t *now;
	size_t nlen;
	int rc;

	if (pbytes == NULL)
		init();
	spill(target, pbytes, plen);
	spill(csv, data, size);
	rc = pl_update_store(target, csv, &o, &res, &err);
	no_leftovers();
	if (rc != 0 || res.unchanged) {
		if (rc != 0 && err.msg[0] == '\0')
			abort();
		now = slurp(target, &nlen);
		if (nlen != plen || memcmp(now, pbytes, plen) != 0) {
			fprintf(stderr, "fuzz-update: refused (%s) but the store changed\n", err.msg);
			abort();
		}
		free(now);
		return 0;
	}
	/* Accepted: not older, not much smaller, and now the current snapshot. */
	if (strcmp(res.stats.label, res.previous) < 0 ||
	    res.stats.rows * 10 < res.previous_rows * 9)
		abort();
	if (pl_store_open(&st, target, PL_STORE_READ, &err) != 0) {
		fprintf(stderr, "fuzz-update: accepted, then %s\n", err.msg);
		abort();
	}
	if (pl_store_current_snapshot(st) == NULL ||
	    strcmp(pl_store_current_snapshot(st), res.stats.label) != 0)
		abort();
	pl_store_close(st);
	return 0;
}
