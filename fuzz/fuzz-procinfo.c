/* libFuzzer target: what portlore reads about a process (host/procinfo.c): comm, stat,
 * status, cgroup and cmdline of a pid, and the btime line of proc/stat, through a root
 * folder (pl_proc_read's root seam). The input is those six files in that order,
 * separated by lines of "%%" (missing ones are absent); the cgroup part also goes
 * straight to pl_cgroup_parse. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz-file.h"
#include "portlore/sockets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PID 4242

static const char *const files[] = { "4242/comm", "4242/stat", "4242/status", "4242/cgroup",
	"4242/cmdline", "stat" };
#define NFILES (sizeof(files) / sizeof(files[0]))

static char root[64];

/* One of the files under the fake root (NULL p: the file is missing). */
static void
put(const char *name, const uint8_t *p, size_t n)
{
	char dir[128];

	snprintf(dir, sizeof(dir), "%s/proc", root);
	fuzz_put(dir, name, p, n);
}

/* A text field the library filled must be a NUL-terminated string without control bytes. */
static void
check(const char *s)
{
	if (s == NULL)
		return;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	struct pl_proc pr;
	char *cg, *unit, *kind, *id, *pod;
	const uint8_t *cgp = NULL;
	size_t cgn = 0;

	if (root[0] == '\0') {
		char dir[128];

		snprintf(root, sizeof(root), "/tmp/portlore-fuzz-procinfo-%ld", (long)getpid());
		mkdir(root, 0700);
		fuzz_rm_at_exit(root);
		snprintf(dir, sizeof(dir), "%s/proc", root);
		mkdir(dir, 0700);
		snprintf(dir, sizeof(dir), "%s/proc/%d", root, PID);
		mkdir(dir, 0700);
	}
	for (size_t i = 0; i < NFILES; i++) {
		const uint8_t *sep = NULL;

		if (p == NULL) {
			put(files[i], NULL, 0);
			continue;
		}
		for (const uint8_t *q = p; q + 4 <= end; q++)
			if (memcmp(q, "\n%%\n", 4) == 0) {
				sep = q;
				break;
			}
		put(files[i], p, sep ? (size_t)(sep - p) : (size_t)(end - p));
		if (i == 3)
			cgp = p, cgn = sep ? (size_t)(sep - p) : (size_t)(end - p);
		p = sep ? sep + 4 : NULL;
	}

	memset(&pr, 0, sizeof(pr));
	pl_proc_read(&pr, root, PID);
	if (pr.pid != PID || memchr(pr.comm, '\0', sizeof(pr.comm)) == NULL)
		abort();
	check(pr.comm);
	check(pr.cmdline);
	check(pr.unit);
	check(pr.proxy_target);
	if (pr.container_id != NULL && pr.container_kind == NULL)
		abort();
	pl_proc_free(&pr);

	if ((cg = malloc(cgn + 1)) == NULL)
		return 0;
	if (cgn > 0)
		memcpy(cg, cgp, cgn);
	cg[cgn] = '\0';
	pl_cgroup_parse(cg, &unit, &kind, &id, &pod);
	if ((id != NULL && kind == NULL) || (pod != NULL && kind == NULL))
		abort();
	check(unit);
	free(unit), free(kind), free(id), free(pod);
	free(cg);
	return 0;
}
