/*
 * sockwalk.c: from socket inodes to processes, in one pass over /proc/[pid]/fd.
 *
 * Each descriptor of each process is one readlinkat() relative to that process's fd
 * folder ("socket:[12345]"): no path is resolved from the root again. A one-port query
 * stops once every wanted socket has an owner, then looks only at the owners' parents,
 * children and PID 1, where the other holders of a shared socket usually are (a
 * pre-forking server's workers, systemd's socket activation).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#include "portlore/num.h"

#include "host/sockets-internal.h"

#define MAX_PIDS (1 << 22)          /* pid_max can't exceed 2^22 (PID_MAX_LIMIT) */
#define MAX_RELATED 4096
#define MAX_THREADS 4
#define HELP_AFTER_FDS 512          /* descriptors one thread walks before others help */

/* Open addressing from inode to socket index; inode 0 marks an empty slot. */
struct inomap {
	uint64_t *k;
	size_t *v;
	size_t mask;
};

static int
inomap_init(struct inomap *m, size_t n)
{
	size_t cap = 16;

	while (cap < n * 2)
		cap <<= 1;
	m->k = calloc(cap, sizeof(*m->k));
	m->v = malloc(cap * sizeof(*m->v));
	m->mask = cap - 1;
	return m->k && m->v ? 0 : -PL_ENOMEM;
}

static size_t
inohash(uint64_t ino)
{
	return (size_t)(ino * 0x9E3779B97F4A7C15ull >> 17);
}

static void
inomap_put(struct inomap *m, uint64_t ino, size_t idx)
{
	size_t i = inohash(ino) & m->mask;

	while (m->k[i] != 0 && m->k[i] != ino)
		i = (i + 1) & m->mask;
	m->k[i] = ino;
	m->v[i] = idx;
}

static long
inomap_get(const struct inomap *m, uint64_t ino)
{
	size_t i = inohash(ino) & m->mask;

	while (m->k[i] != 0) {
		if (m->k[i] == ino)
			return (long)m->v[i];
		i = (i + 1) & m->mask;
	}
	return -1;
}

struct hit { size_t sock; pid_t pid; };

/* The directory listing of one process's descriptors: getdents64() batches, growing
 * from 4 KiB (a walk that stops early lists little) to BATCH_MAX. */
#define BATCH_MIN 4096
#define BATCH_MAX 32768
#define CHUNK_FDS 32                /* descriptors a thread takes at a time */

/* Bits of struct shared's flags. */
#define SH_DONE 1                   /* this process's answer is known: it held the last
                                     * wanted socket, or its descriptors are refused */
#define SH_OTHERS 2                 /* another process held the last wanted socket */
#define SH_REFUSED 4                /* counted as refused (once, by whoever saw it) */

/*
 * One batch of a process's descriptors, listed by the thread that opened its folder
 * (the batch's owner) and looked at in chunks of CHUNK_FDS by the owner and by any
 * thread with no process left to take: a few processes with thousands of descriptors
 * each (a pre-forking server's workers) keep every thread busy to the end. Written by
 * the owner before it publishes the batch (worker.pub); the owner unpublishes it and
 * waits for `active` to fall to 0 before it reads the next batch or closes dfd.
 */
struct shared {
	char *buf;                       /* the batch: getdents64() records */
	uint16_t *off;                   /* offsets of the names to look at, n of them */
	size_t n, next;                  /* next: the next chunk's first (atomic) */
	size_t resume;                   /* the first left unlooked at after a stop caused
	                                  * elsewhere: all before it were looked at (atomic) */
	pid_t pid;
	int dfd;
	int flags, active;               /* atomic */
};

/* What one thread of the walk found. */
struct worker {
	struct walk *w;
	struct hit *hits; size_t nhits, caphits;
	long seen, denied, refused;
	long fds, budget;                /* descriptors looked at; call for help at budget */
	int rc;
	bool may_stop;                   /* stop inside a process once all are owned */
	pid_t left;                      /* a process left unfinished: others found all */
	int left_from;                   /* its descriptors below this were looked at */
	struct shared sh;                /* the batch this thread lists and shares */
	struct shared *pub;              /* &sh while others may help with it (atomic) */
	bool listing;                    /* walking a process: more batches may come (atomic) */
};

struct walk {
	struct pl_socklist *l;
	struct inomap map;               /* read-only while the walk runs */
	uint8_t *owned;                  /* per socket: an owner was seen (atomic) */
	size_t wanted, found;            /* found: atomic */
	struct hit *hits; size_t nhits;  /* every worker's, merged */
	int procfd;
	/* the parallel pass */
	const pid_t *pids; size_t npids, next;   /* next: atomic */
	bool stop_early;
	size_t start;                    /* an early-stopping walk begins at pids[start] */
	struct pass *pass;               /* the threads of the pass under way */
	pid_t left[MAX_THREADS];         /* processes the first pass left unfinished */
	int left_from[MAX_THREADS];      /* ... and their descriptors looked at, below */
	int nleft;
};

/* The threads of one pass: k[0] is the caller's, the others start when it calls. */
struct pass {
	struct worker k[MAX_THREADS];
	pthread_t th[MAX_THREADS];
	int n, started;
};

static void *work(void *arg);
static int run_pass(struct walk *w, int n, bool may_stop);
static int threads_for(size_t procs);
static int cmp_hit(const void *a, const void *b);

/*
 * Called by the caller's thread once it has looked at HELP_AFTER_FDS descriptors,
 * inside a process or between two: the other threads start on the processes left.
 * Thread start-up costs more than a few hundred descriptors take, so a short walk
 * never pays it; a long one gets help before its first large process is done.
 */
static void
call_helpers(struct walk *w)
{
	struct pass *p = w->pass;

	p->k[0].budget = 0;
	if (__atomic_load_n(&w->next, __ATOMIC_RELAXED) >= w->npids ||
	    (w->stop_early && __atomic_load_n(&w->found, __ATOMIC_RELAXED) == w->wanted))
		return;
	for (int i = 1; i < p->n; i++, p->started++)
		if (pthread_create(&p->th[i], NULL, work, &p->k[i]) != 0)
			break;
}

static int
add_hit(struct worker *k, size_t sock, pid_t pid)
{
	struct walk *w = k->w;

	if (k->nhits == k->caphits) {
		size_t nc = k->caphits ? k->caphits * 2 : 64;
		struct hit *p = realloc(k->hits, nc * sizeof(*p));

		if (p == NULL)
			return -PL_ENOMEM;
		k->hits = p;
		k->caphits = nc;
	}
	k->hits[k->nhits++] = (struct hit){ sock, pid };
	if (__atomic_exchange_n(&w->owned[sock], 1, __ATOMIC_RELAXED) == 0)
		__atomic_add_fetch(&w->found, 1, __ATOMIC_RELAXED);
	return 0;
}

/* Appends a worker's hits to the walk's and counts its processes. */
static int
merge(struct walk *w, struct worker *k)
{
	struct hit *p;

	w->l->pids_seen += k->seen;
	w->l->fds_seen += k->fds;
	w->l->pids_denied += k->denied;
	w->l->pids_refused += k->refused;
	if (k->left != 0 && w->nleft < MAX_THREADS) {
		w->left_from[w->nleft] = k->left_from;
		w->left[w->nleft++] = k->left;
	}
	if (k->nhits > 0) {
		if ((p = realloc(w->hits, (w->nhits + k->nhits) * sizeof(*p))) == NULL)
			return -PL_ENOMEM;
		w->hits = p;
		memcpy(w->hits + w->nhits, k->hits, k->nhits * sizeof(*p));
		w->nhits += k->nhits;
	}
	free(k->hits);
	free(k->sh.buf);
	k->sh.buf = NULL;
	k->hits = NULL;
	k->nhits = k->caphits = 0;
	return k->rc;
}

/* What a descriptor's link (n bytes of link, n < 0 when unread) says: a socket the
 * walk wants is recorded. Returns 1 when the walk of this process may stop, 0 to go
 * on, or -PL_ENOMEM. */
static int
look_link(struct worker *k, char *link, ssize_t n, pid_t pid)
{
	struct walk *w = k->w;
	char *end;
	unsigned long long ino;
	long idx;

	if (n < 10 || memcmp(link, "socket:[", 8) != 0)
		return 0;
	link[n] = '\0';
	ino = strtoull(link + 8, &end, 10);
	if (*end != ']' || (idx = inomap_get(&w->map, ino)) < 0)
		return 0;
	if (add_hit(k, (size_t)idx, pid) != 0)
		return -PL_ENOMEM;
	/* A one-port query needs one holder per socket; this process's other descriptors
	 * can't change the answer. */
	return k->may_stop && __atomic_load_n(&w->found, __ATOMIC_RELAXED) == w->wanted;
}

/*
 * Looks at sh's descriptors a chunk at a time until none is left or this process's
 * answer is known (see the SH_ flags). Called by the batch's owner and by helpers.
 */
static void
look_chunks(struct worker *k, struct shared *sh)
{
	struct walk *w = k->w;
	size_t i, end;

	while (k->rc == 0 && __atomic_load_n(&sh->flags, __ATOMIC_RELAXED) == 0 &&
	    (i = __atomic_fetch_add(&sh->next, CHUNK_FDS, __ATOMIC_RELAXED)) < sh->n) {
		for (end = i + CHUNK_FDS < sh->n ? i + CHUNK_FDS : sh->n; i < end; i++) {
			char link[64];
			ssize_t n = readlinkat(sh->dfd, sh->buf + sh->off[i], link, sizeof(link) - 1);
			int r;

			k->fds++;
			/* Listing a process's descriptors can be allowed while reading them
			 * is not (ptrace access mode): the first refusal speaks for all. */
			if (n < 0 && (errno == EACCES || errno == EPERM)) {
				if (!(__atomic_fetch_or(&sh->flags, SH_DONE | SH_REFUSED,
				    __ATOMIC_RELAXED) & SH_REFUSED))
					k->refused++;
				break;
			}
			if ((r = look_link(k, link, n, sh->pid)) < 0) {
				k->rc = r;
				break;
			}
			if (r == 1) {
				__atomic_fetch_or(&sh->flags, SH_DONE, __ATOMIC_RELAXED);
				break;
			}
			/* Another process held the last wanted socket: the rest of this one
			 * can't change the answer, unless it is a relative of an owner, which
			 * the relatives pass walks again. */
			if (k->may_stop && __atomic_load_n(&w->found, __ATOMIC_RELAXED) == w->wanted) {
				size_t at = __atomic_load_n(&sh->resume, __ATOMIC_RELAXED);

				while (i + 1 < at && !__atomic_compare_exchange_n(&sh->resume, &at,
				    i + 1, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
					;
				__atomic_fetch_or(&sh->flags, SH_OTHERS, __ATOMIC_RELAXED);
				break;
			}
			if (k->budget > 0 && k->fds >= k->budget)
				call_helpers(w);
		}
	}
}

/*
 * Looks at every descriptor of pid, sharing them with idle threads (struct shared).
 * Returns 0 or -PL_ENOMEM. The directory is read with getdents64() in batches rather
 * than through readdir(): the kernel builds an entry per descriptor it lists, and a
 * walk that stops early (or a process whose descriptors are refused) should not pay
 * for hundreds it never looks at.
 */
static int
walk_fds(struct worker *k, pid_t pid)
{
	struct walk *w = k->w;
	struct shared *sh = &k->sh;
	char path[32], link[64];
	size_t batch = BATCH_MIN;
	int dfd, rc = 0, flags = 0, from = 0, last = -1;
	bool ordered = true;             /* the listing so far in descriptor order */
	ssize_t got, n0 = -1;

	/* A process an earlier pass left unfinished goes on where it stopped. */
	for (int j = 0; j < w->nleft; j++)
		if (w->left[j] == pid)
			from = w->left_from[j];

	snprintf(path, sizeof(path), "%d/fd", (int)pid);
	if ((dfd = openat(w->procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		/* Gone since the listing is fine; refused is counted and reported. */
		if (errno == EACCES || errno == EPERM)
			k->denied++;
		return 0;
	}
	k->seen++;
	/* Descriptor 0 first, before the kernel lists them all: a process whose
	 * descriptors are refused (ptrace access mode, as for PID 1 in some sandboxes)
	 * refuses each alike, and listing its hundreds would cost a tenth of a
	 * millisecond for nothing. */
	if (from == 0)
		n0 = readlinkat(dfd, "0", link, sizeof(link) - 1);
	if (from == 0 && n0 < 0 && (errno == EACCES || errno == EPERM)) {
		k->refused++;
		close(dfd);
		return 0;
	}
	if (n0 >= 0) {
		k->fds++;
		if ((rc = look_link(k, link, n0, pid)) < 0)
			goto out;
		flags = rc == 1 ? SH_DONE : 0;
	}
	if (sh->buf == NULL) {
		if ((sh->buf = malloc(BATCH_MAX + (BATCH_MAX / 24 + 1) * sizeof(*sh->off))) == NULL) {
			rc = -PL_ENOMEM;
			goto out;
		}
		sh->off = (uint16_t *)(void *)(sh->buf + BATCH_MAX);
	}
	sh->pid = pid;
	sh->dfd = dfd;
	__atomic_store_n(&k->listing, true, __ATOMIC_RELEASE);
	while (flags == 0 && k->rc == 0 && (got = getdents64(dfd, sh->buf, batch)) > 0) {
		sh->n = 0;
		for (ssize_t off = 0; off < got; ) {
			struct dirent64 *e = (struct dirent64 *)(void *)(sh->buf + off);
			int fd;

			off += e->d_reclen;
			/* "." and "..", and descriptor 0 when it was read above; a record
			 * is at least 24 bytes, so BATCH_MAX / 24 offsets hold a batch. */
			if (e->d_name[0] == '.' || (n0 >= 0 && strcmp(e->d_name, "0") == 0))
				continue;
			fd = atoi(e->d_name);
			ordered = ordered && fd > last;
			last = fd;
			if (fd >= from)
				sh->off[sh->n++] = (uint16_t)(e->d_name - sh->buf);
		}
		sh->next = 0;
		sh->resume = SIZE_MAX;
		sh->flags = 0;
		/* Help comes as soon as one process shows more descriptors than a batch
		 * holds, when all of them will be looked at, or more than two batches
		 * (some 850), when the walk may stop at the next one. */
		if (k->budget > 0 && (size_t)got + 256 > batch && (!k->may_stop || batch > BATCH_MIN))
			call_helpers(w);
		__atomic_store_n(&k->pub, sh, __ATOMIC_SEQ_CST);
		look_chunks(k, sh);
		/* No helper may be inside the batch once it is taken back (see help()). */
		__atomic_store_n(&k->pub, NULL, __ATOMIC_SEQ_CST);
		while (__atomic_load_n(&sh->active, __ATOMIC_SEQ_CST) != 0)
			sched_yield();
		flags = __atomic_load_n(&sh->flags, __ATOMIC_RELAXED);
		batch = batch * 4 < BATCH_MAX ? batch * 4 : BATCH_MAX;
	}
	__atomic_store_n(&k->listing, false, __ATOMIC_RELEASE);
	/* Left unfinished: when /proc listed them in their order, as it does, the
	 * descriptors before the first not looked at need not be read again. */
	if ((flags & SH_OTHERS) && !(flags & SH_DONE)) {
		k->left = pid;
		k->left_from = !ordered ? 0 : sh->resume < sh->n ?
		    atoi(sh->buf + sh->off[sh->resume]) : last + 1;
	}
	rc = 0;
out:
	close(dfd);
	return rc < 0 ? rc : k->rc;
}

/*
 * A thread with no process left to take helps with the batches others are looking at,
 * until no thread is listing one. Entering a batch is announced in its `active`
 * before the batch is checked to be still published, and its owner takes it back
 * before it waits for `active` to fall to 0: of the two, one sees the other.
 */
static void
help(struct worker *k)
{
	struct walk *w = k->w;
	struct pass *p = w->pass;

	for (;;) {
		bool listing = false;

		for (int i = 0; i < p->n; i++) {
			struct worker *o = &p->k[i];
			struct shared *sh;

			if (o == k || !__atomic_load_n(&o->listing, __ATOMIC_ACQUIRE))
				continue;
			listing = true;
			if ((sh = __atomic_load_n(&o->pub, __ATOMIC_SEQ_CST)) == NULL)
				continue;
			__atomic_add_fetch(&sh->active, 1, __ATOMIC_SEQ_CST);
			if (__atomic_load_n(&o->pub, __ATOMIC_SEQ_CST) == sh)
				look_chunks(k, sh);
			__atomic_sub_fetch(&sh->active, 1, __ATOMIC_SEQ_CST);
		}
		if (!listing || k->rc != 0 || (w->stop_early &&
		    __atomic_load_n(&w->found, __ATOMIC_RELAXED) == w->wanted))
			return;
		/* The owners are between two batches. */
		sched_yield();
	}
}

static int
cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/* The index in pids of the i-th process an early-stopping walk visits (see fd_pass). */
static size_t
order(const struct walk *w, size_t i)
{
	return w->stop_early ? (w->start + w->npids - i % w->npids) % w->npids : i;
}

/* Whether an early-stopping walk that visited `walked` processes has seen pid. */
static bool
visited(const struct walk *w, pid_t pid, size_t walked)
{
	const pid_t *p = bsearch(&pid, w->pids, w->npids, sizeof(pid), cmp_pid);
	size_t j;

	if (p == NULL)
		return false;
	j = (size_t)(p - w->pids);
	return (w->start + w->npids - j) % w->npids < walked;
}

/* One read of the file at path under dirfd into buf, NUL-terminated: its length, or 0
 * when it can't be opened or read or is empty. */
static ssize_t
read_at(int dirfd, const char *path, char *buf, size_t len)
{
	ssize_t got;
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	got = read(fd, buf, len - 1);
	close(fd);
	if (got <= 0)
		return 0;
	buf[got] = '\0';
	return got;
}

/* Appends pid to the growing array *v (*n used of *cap); 0, or -1 out of memory (*v
 * is left as it was). */
static int
push_pid(pid_t **v, size_t *n, size_t *cap, pid_t pid)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 256;
		pid_t *p = realloc(*v, c * sizeof(*p));

		if (p == NULL)
			return -1;
		*v = p;
		*cap = c;
	}
	(*v)[(*n)++] = pid;
	return 0;
}

/*
 * Lists the numeric entries of procdir, sorted. Returns the count or -PL_E*. Read with
 * getdents64() on procfd itself (from its start) into a buffer on the stack: readdir()
 * would dup the descriptor, stat it and allocate a 32 KiB buffer of fresh pages, all
 * for a listing of a few dozen entries on most hosts.
 */
static long
list_pids(int procfd, pid_t **out)
{
	union { char b[8192]; struct dirent64 align; } buf;
	pid_t *v = NULL;
	size_t n = 0, cap = 0;
	ssize_t got;

	if (lseek(procfd, 0, SEEK_SET) != 0)
		return -PL_ESYS;
	while ((got = getdents64(procfd, buf.b, sizeof(buf.b))) > 0 && n < MAX_PIDS) {
		for (ssize_t off = 0; off < got && n < MAX_PIDS; ) {
			struct dirent64 *e = (struct dirent64 *)(buf.b + off);
			const char *c = e->d_name;
			long pid = 0;

			off += e->d_reclen;
			/* Digits only, no sign or blank (strtol per entry was a third of this). */
			if (*c < '1' || *c > '9')
				continue;
			for (; *c >= '0' && *c <= '9' && pid <= 0x7fffffff; c++)
				pid = pid * 10 + (*c - '0');
			if (*c != '\0' || pid > 0x7fffffff)
				continue;
			if (push_pid(&v, &n, &cap, (pid_t)pid) != 0) {
				free(v);
				return -PL_ENOMEM;
			}
		}
	}
	if (got < 0) {
		free(v);
		return -PL_ESYS;
	}
	/* Linux lists /proc in pid order already: sort only when it did not. */
	for (size_t i = 1; i < n; i++)
		if (v[i - 1] > v[i]) {
			qsort(v, n, sizeof(*v), cmp_pid);
			break;
		}
	*out = v;
	return (long)n;
}

/* Reads the namespace inode of pid's network namespace; 0 when unreadable. */
static uint64_t
netns_of(int procfd, pid_t pid)
{
	char path[32], link[64], *p = path + 12;
	uint64_t ino = 0;
	ssize_t n;

	/* "PID/ns/net", written from the right: this runs once per process. */
	memcpy(p, "/ns/net", 8);
	for (unsigned v = (unsigned)pid; p > path; v /= 10) {
		*--p = (char)('0' + v % 10);
		if (v < 10)
			break;
	}
	if ((n = readlinkat(procfd, p, link, sizeof(link) - 1)) < 6)
		return 0;
	link[n] = '\0';
	if (strncmp(link, "net:[", 5) != 0)
		return 0;
	for (const char *c = link + 5; *c >= '0' && *c <= '9'; c++)
		ino = ino * 10 + (uint64_t)(*c - '0');
	return ino;
}

/*
 * The kernel's threads, which all share the network namespace of kthreadd (pid 2,
 * their parent): the children listed in 2/task/2/children when pid 2 is kthreadd
 * (PF_KTHREAD in its stat flags, which no user process can carry: in a pid namespace
 * pid 2 is an ordinary process), sorted. On a quiet host most processes are kernel
 * threads, and each costs a readlink the namespace search need not make: kthreadd is
 * looked at, its children are not. Returns the count (0 when unknown) or -PL_ENOMEM.
 *
 * What this gives up: the kernel's user-mode helpers (a core-dump handler, modprobe)
 * are kthreadd's children too; one that moved into a network namespace of its own
 * while no other process was in it would not be found.
 */
long
pl__kernel_threads(int procfd, pid_t **out)
{
	char buf[512], *p, *end;
	pid_t *v = NULL;
	size_t n = 0, cap = 0, len = 0, size = 0;
	unsigned long flags;
	char *text = NULL;
	ssize_t got;
	int fd;

	*out = NULL;
	if (read_at(procfd, "2/stat", buf, sizeof(buf)) == 0)
		return 0;
	/* "2 (kthreadd) S 0 0 0 0 -1 FLAGS ...": the flags are the sixth field after ')'. */
	if (strncmp(buf, "2 (kthreadd) ", 13) != 0 ||
	    sscanf(buf + 13, "%*c %*d %*d %*d %*d %*d %lu", &flags) != 1 ||
	    !(flags & 0x00200000UL))         /* PF_KTHREAD */
		return 0;
	if ((fd = openat(procfd, "2/task/2/children", O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	for (;;) {
		if (len + 1 >= size) {
			/* 8 MiB holds 2^22 pids of up to 7 digits; more is not the kernel. */
			char *t = size < (8u << 20) ? realloc(text, size ? size * 2 : 4096) : NULL;

			if (t == NULL) {
				free(text);
				close(fd);
				return size < (8u << 20) ? -PL_ENOMEM : 0;
			}
			text = t;
			size = size ? size * 2 : 4096;
		}
		if ((got = read(fd, text + len, size - len - 1)) <= 0)
			break;
		len += (size_t)got;
	}
	close(fd);
	if (got < 0) {
		free(text);
		return 0;
	}
	text[len] = '\0';
	for (p = text; *p != '\0'; p = end) {
		long pid;

		while (*p == ' ' || *p == '\n')
			p++;
		if (*p == '\0')
			break;
		pid = strtol(p, &end, 10);
		if (end == p || pid <= 2 || pid > 0x7fffffff) {
			/* Not the format the kernel writes: trust none of it. */
			free(text);
			free(v);
			return 0;
		}
		if (push_pid(&v, &n, &cap, (pid_t)pid) != 0) {
			free(text);
			free(v);
			return -PL_ENOMEM;
		}
	}
	free(text);
	qsort(v, n, sizeof(*v), cmp_pid);
	*out = v;
	return (long)n;
}

/*
 * Removes the kernel threads (pl__kernel_threads()) from the sorted pids, keeping
 * kthreadd itself: they hold no descriptors, and their namespace is kthreadd's, so
 * neither the namespace search nor the descriptor walk need look at them (on a quiet
 * host most processes are kernel threads, and each costs a directory read). Returns
 * the new count, or -PL_ENOMEM.
 */
static long
drop_kernel_threads(int procfd, pid_t *pids, size_t npids)
{
	pid_t *kt = NULL;
	long nkt = pl__kernel_threads(procfd, &kt);
	size_t j = 0, n = 0;

	if (nkt <= 0)
		return nkt < 0 ? nkt : (long)npids;
	for (size_t i = 0; i < npids; i++) {
		/* Both lists are sorted. */
		while (j < (size_t)nkt && kt[j] < pids[i])
			j++;
		if (j < (size_t)nkt && kt[j] == pids[i])
			continue;
		pids[n++] = pids[i];
	}
	free(kt);
	return (long)n;
}

/* Netlink inside the namespace pid is in (root only); -1 when that can't be done. */
static int
nl_in_ns(const struct pl_sock_query *q, struct pl_socklist *l, int procfd, pid_t pid,
    uint64_t ns, size_t *cap)
{
	char path[32];
	struct mnl_socket *nl;
	int nsfd, ownfd, rc = -1;

	snprintf(path, sizeof(path), "%d/ns/net", (int)pid);
	if ((nsfd = openat(procfd, path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	if ((ownfd = openat(procfd, "self/ns/net", O_RDONLY | O_CLOEXEC)) >= 0) {
		if ((nl = pl__nl_open_in(nsfd, ownfd)) != NULL) {
			rc = pl__nl_collect(nl, q, l, cap, ns) == 0 ? 0 : -1;
			mnl_socket_close(nl);
		}
		close(ownfd);
	}
	close(nsfd);
	return rc;
}

void
pl_netns_memo_free(struct pl_netns_memo *m)
{
	if (m->nl != NULL)
		mnl_socket_close(m->nl);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/* The other network namespaces, one process in each: from the memo when an earlier
 * collect of the command filled it, else from every process's /proc/PID/ns/net. */
static int
find_namespaces(const struct pl_sock_query *q, const struct pl_socklist *l, int procfd,
    const pid_t *pids, size_t npids, struct pl_netns_memo *m)
{
	if (m->filled)
		return 0;
	/* pids holds no kernel thread (drop_kernel_threads()): each is in kthreadd's
	 * namespace, which pid 2 stands for. */
	for (size_t i = 0; i < npids; i++) {
		uint64_t ns;
		bool known;
		struct pl_netns_memo_ns *p;

		ns = netns_of(procfd, pids[i]);
		known = ns == 0 || ns == l->own_netns;
		for (size_t k = 0; k < m->n && !known; k++)
			known = m->v[k].ns == ns;
		if (known)
			continue;
		if ((p = realloc(m->v, (m->n + 1) * sizeof(*p))) == NULL)
			return -PL_ENOMEM;
		m->v = p;
		m->v[m->n++] = (struct pl_netns_memo_ns){ pids[i], ns };
	}
	/* Kept only for the caller's memo (q's); a private one is filled anew each time. */
	m->filled = q->netns_memo == m;
	return 0;
}

static int
other_namespaces(const struct pl_sock_query *q, struct pl_socklist *l, int procfd,
    const char *procdir, const pid_t *pids, size_t npids, size_t *cap, struct pl_err *err)
{
	struct pl_netns_memo own = { 0 }, *m = q->netns_memo ? q->netns_memo : &own;
	int rc;

	if ((rc = find_namespaces(q, l, procfd, pids, npids, m)) != 0) {
		pl_netns_memo_free(&own);
		return rc;
	}
	for (size_t i = 0; i < m->n && rc == 0; i++) {
		pid_t pid = (pid_t)m->v[i].pid;
		uint64_t ns = m->v[i].ns;
		char dir[4200];

		/* A namespace with thousands of sockets prints them all into its
		 * /proc/PID/net files; netlink filters by port in the kernel. */
		if (!q->no_netlink && nl_in_ns(q, l, procfd, pid, ns, cap) == 0)
			continue;
		snprintf(dir, sizeof(dir), "%s/%d", procdir, (int)pid);
		*cap = l->n;
		for (int k = 0; k < 4 && rc == 0; k++) {
			enum pl_proto proto = k < 2 ? PL_PROTO_TCP : PL_PROTO_UDP;
			int family = k % 2 ? AF_INET6 : AF_INET;

			if ((q->tcp && !q->udp && proto != PL_PROTO_TCP) ||
			    (q->udp && !q->tcp && proto != PL_PROTO_UDP) ||
			    (q->family && q->family != family))
				continue;
			rc = pl__procnet_read(l, dir, proto, family, q, ns, err);
			/* A process that exits meanwhile takes its view with it: skip it. */
			if (rc == -PL_ESYS || rc == -PL_EPERM)
				rc = 0;
		}
	}
	l->namespaces = m->n;
	pl_netns_memo_free(&own);
	return rc;
}

/* Reads the parent pid from pid/stat (the field after the parenthesised name). */
static pid_t
parent_of(int procfd, pid_t pid)
{
	char path[32], buf[512], *p;
	long pp;

	snprintf(path, sizeof(path), "%d/stat", (int)pid);
	if (read_at(procfd, path, buf, sizeof(buf)) == 0)
		return 0;
	if ((p = strrchr(buf, ')')) == NULL || sscanf(p + 1, " %*c %ld", &pp) != 1)
		return 0;
	return (pid_t)pp;
}

/* Appends pid's children (from task/PID/children) to rel. */
static void
children_of(int procfd, pid_t pid, pid_t *rel, size_t *n)
{
	char path[48], buf[8192], *save = NULL;

	snprintf(path, sizeof(path), "%d/task/%d/children", (int)pid, (int)pid);
	if (read_at(procfd, path, buf, sizeof(buf)) == 0)
		return;
	for (char *t = strtok_r(buf, " \n", &save); t && *n < MAX_RELATED;
	    t = strtok_r(NULL, " \n", &save))
		rel[(*n)++] = (pid_t)strtol(t, NULL, 10);
}

/* After an early stop: the owners' relatives and PID 1, unless walked already. */
static int
walk_related(struct walk *w, size_t walked)
{
	pid_t *rel = malloc(MAX_RELATED * sizeof(*rel));
	size_t n = 0, m = 0, nowners = w->nhits;
	int rc;

	if (rel == NULL)
		return -PL_ENOMEM;
	rel[n++] = 1;
	for (size_t i = 0; i < nowners && n < MAX_RELATED - 1; i++) {
		pid_t pp;

		if (i > 0 && w->hits[i].pid == w->hits[i - 1].pid)
			continue;
		pp = parent_of(w->procfd, w->hits[i].pid);

		children_of(w->procfd, w->hits[i].pid, rel, &n);
		if (pp > 1 && n < MAX_RELATED) {
			rel[n++] = pp;
			children_of(w->procfd, pp, rel, &n);
		}
	}
	qsort(rel, n, sizeof(*rel), cmp_pid);
	/* The relatives the first pass did not walk, each once. */
	for (size_t i = 0; i < n; i++) {
		bool again = !visited(w, rel[i], walked);

		for (int j = 0; j < w->nleft && !again; j++)
			again = w->left[j] == rel[i];
		if (!(i > 0 && rel[i] == rel[i - 1]) && again)
			rel[m++] = rel[i];
	}
	/* A pre-forking server's relatives can hold thousands of descriptors each: they
	 * are walked whole, on as many threads as the first pass had. */
	w->pids = rel;
	w->npids = m;
	w->next = 0;
	w->stop_early = false;
	rc = run_pass(w, threads_for(m), false);
	w->pids = NULL;
	w->npids = 0;
	/* Their owners after the first pass's, in pid order whatever thread found them. */
	if (rc == 0 && w->nhits > nowners)
		qsort(w->hits + nowners, w->nhits - nowners, sizeof(*w->hits), cmp_hit);
	free(rel);
	return rc;
}

/* Turns (socket, pid) hits into processes and owner lists. */
static int
make_owners(struct walk *w, const char *root)
{
	struct pl_socklist *l = w->l;
	pid_t last = 0;
	size_t pidx = 0;

	for (size_t i = 0; i < w->nhits; i++) {
		struct pl_socket *s = &l->v[w->hits[i].sock];
		size_t *o;

		if (w->hits[i].pid != last) {
			last = w->hits[i].pid;
			for (pidx = 0; pidx < l->nprocs && l->procs[pidx].pid != last; pidx++)
				;
			if (pidx == l->nprocs) {
				struct pl_proc *p = realloc(l->procs, (l->nprocs + 1) * sizeof(*p));

				if (p == NULL)
					return -PL_ENOMEM;
				l->procs = p;
				memset(&p[l->nprocs], 0, sizeof(*p));
				p[l->nprocs].pid = last;
				l->nprocs++;
			}
		}
		/* The same process can hold one socket through several descriptors, and a
		 * process left unfinished by one pass is walked again by the relatives'. */
		for (o = s->owners; o != NULL && o < s->owners + s->nowners && *o != pidx; o++)
			;
		if (o != NULL && o < s->owners + s->nowners)
			continue;
		if ((o = realloc(s->owners, (s->nowners + 1) * sizeof(*o))) == NULL)
			return -PL_ENOMEM;
		s->owners = o;
		s->owners[s->nowners++] = pidx;
	}
	for (size_t i = 0; i < l->nprocs; i++) {
		int rc = pl__proc_read_dir(&l->procs[i], root, l->procs[i].pid);

		if (rc == -PL_ENOMEM)
			return rc;
	}
	return 0;
}

/* /proc mounted with hidepid= (other than 0/off) hides other users' processes. */
static bool
hidepid_on(const char *procdir)
{
	char path[4200], *text, *line, *save = NULL;
	bool on = false;

	snprintf(path, sizeof(path), "%s/self/mountinfo", procdir);
	if ((text = pl__read_file(path, NULL)) == NULL)
		return false;
	for (line = strtok_r(text, "\n", &save); line && !on; line = strtok_r(NULL, "\n", &save)) {
		char *h = strstr(line, "hidepid=");

		on = strstr(line, " /proc ") && h && strncmp(h + 8, "0", 1) != 0 &&
		    strncmp(h + 8, "off", 3) != 0;
	}
	free(text);
	return on;
}

static void
add_notes(struct pl_socklist *l, const char *procdir)
{
	/* Root sees every process whatever the mount says: mountinfo is read only when
	 * the note could apply. */
	l->hidepid = geteuid() != 0 && hidepid_on(procdir);
	if (l->hidepid)
		pl__note(l, "/proc is mounted with hidepid: other users' processes are invisible.");
	if (l->pids_denied > 0)
		pl__note(l, "The descriptors of %ld processes could not be read (other users'; "
		    "run as root to see them).", l->pids_denied);
	if (l->unowned > 0 && l->pids_refused > 0)
		pl__note(l, "%zu socket%s no visible owner: held by a process whose descriptors "
		    "the kernel refuses to show under its ptrace access rules, by one outside "
		    "this PID namespace, or just closed.", l->unowned,
		    l->unowned == 1 ? " has" : "s have");
	else if (l->unowned > 0)
		pl__note(l, "%zu socket%s no visible owner (held by a process outside this "
		    "PID namespace, or just closed).", l->unowned, l->unowned == 1 ? " has" : "s have");
}

/* One thread of the pass: takes the next process until none is left, or until every
 * wanted socket has an owner (a one-port query). pids[0..next) are the processes
 * walked, but for those left unfinished once another thread found the last owner
 * (w->left). */
static void *
work(void *arg)
{
	struct worker *k = arg;
	struct walk *w = k->w;

	while (k->rc == 0) {
		size_t i;

		if (w->stop_early && __atomic_load_n(&w->found, __ATOMIC_RELAXED) == w->wanted)
			break;
		if ((i = __atomic_fetch_add(&w->next, 1, __ATOMIC_RELAXED)) >= w->npids)
			break;
		k->rc = walk_fds(k, w->pids[order(w, i)]);
	}
	if (k->rc == 0 && w->pass->n > 1)
		help(k);
	return NULL;
}

static int
cmp_hit(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	if (x->pid != y->pid)
		return (x->pid > y->pid) - (x->pid < y->pid);
	return (x->sock > y->sock) - (x->sock < y->sock);
}

/* Runs the pass over w->pids (from w->next) on up to n threads and merges what they
 * found into w->hits. */
static int
run_pass(struct walk *w, int n, bool may_stop)
{
	struct pass p = { .n = n, .started = 1 };
	int rc = 0;

	for (int i = 0; i < n; i++)
		p.k[i] = (struct worker){ .w = w, .may_stop = may_stop };
	p.k[0].budget = n > 1 ? HELP_AFTER_FDS : 0;
	w->pass = &p;
	work(&p.k[0]);
	for (int i = 1; i < p.started; i++)
		pthread_join(p.th[i], NULL);
	w->pass = NULL;
	for (int i = 0; i < n; i++) {
		int r = merge(w, &p.k[i]);

		rc = rc ? rc : r;
	}
	return rc;
}

/* How many threads a pass may use: one per CPU, at most MAX_THREADS and procs. */
static int
threads_for(size_t procs)
{
	/* Read once per process; every reader writes the same number. */
	static long usable;
	long cpus = __atomic_load_n(&usable, __ATOMIC_RELAXED);

	if (cpus == 0) {
		cpus = pl_cpus();
		__atomic_store_n(&usable, cpus, __ATOMIC_RELAXED);
	}

	if (cpus < 2 || procs < 2)
		return 1;
	cpus = cpus < MAX_THREADS ? cpus : MAX_THREADS;
	return (size_t)cpus < procs ? (int)cpus : (int)procs;
}

/*
 * The pass over every process's descriptors. Reading /proc/[pid]/fd is one system call
 * per descriptor and nothing else, so it scales with CPUs: with many processes, up to
 * MAX_THREADS threads share it (each takes the next pid), and so do the relatives
 * an early stop leads to.
 *
 * A walk that may stop early (one port asked about) visits the newest processes first:
 * the kernel hands out pids cyclically upward, so counting down from our own pid (the
 * newest of all), wrapping past the lowest to the highest, goes from young to old. The
 * port a user asks about is most often held by something started recently (a dev
 * server, a container's proxy, a test), while the oldest processes are boot-time
 * daemons and kernel threads, which hold no descriptors but still cost a directory
 * read. The answer is the same in any order; only the time to it changes.
 */
static int
fd_pass(const struct pl_sock_query *q, struct walk *w, const pid_t *pids, size_t npids)
{
	int rc;
	size_t walked;

	w->pids = pids;
	w->npids = npids;
	w->next = 0;
	w->stop_early = q->stop_early;
	w->start = npids - 1;
	for (size_t i = 0, self = (size_t)getpid(); w->stop_early && i < npids &&
	    (size_t)w->pids[i] <= self; i++)
		w->start = i;
	/* Helpers start only once HELP_AFTER_FDS descriptors are walked (call_helpers()):
	 * a small walk runs on this thread alone whatever the count of processes, and a
	 * big one gets help even among few (kernel threads are no longer counted). */
	if ((rc = run_pass(w, threads_for(npids), q->stop_early)) != 0)
		return rc;
	/* Per process, in pid order: owners come out in a stable order. */
	if (w->nhits > 0)
		qsort(w->hits, w->nhits, sizeof(*w->hits), cmp_hit);
	walked = w->next < npids ? w->next : npids;
	if (walked < npids || w->nleft > 0) {
		w->l->early_stop = true;
		rc = walk_related(w, walked);
	}
	return rc;
}

int
pl__walk(const struct pl_sock_query *q, struct pl_socklist *l, const char *procdir,
    size_t *cap, struct pl_err *err)
{
	struct walk w = { .l = l, .procfd = -1 };
	pid_t *pids = NULL;
	long npids = 0;
	int rc = 0;

	if ((w.procfd = open(*procdir ? procdir : "/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return pl_err_set(err, -PL_ESYS, "%s: %s", procdir, strerror(errno));
	/* The process list is read only when something needs it: the search for other
	 * namespaces (not when an earlier collect of the command left them in its memo)
	 * or owners to find. A port nobody listens on costs no directory read. */
	if (q->other_netns && l->own_netns != 0) {
		if (!(q->netns_memo && q->netns_memo->filled) &&
		    ((npids = list_pids(w.procfd, &pids)) < 0 ||
		    (npids = drop_kernel_threads(w.procfd, pids, (size_t)npids)) < 0))
			goto nolist;
		rc = other_namespaces(q, l, w.procfd, procdir, pids, (size_t)npids, cap, err);
	}
	if (rc == 0 && q->owners) {
		if (inomap_init(&w.map, l->n) != 0 || (w.owned = calloc(l->n + 1, 1)) == NULL)
			rc = pl_err_set(err, -PL_ENOMEM, "out of memory");
		for (size_t i = 0; rc == 0 && i < l->n; i++)
			if (l->v[i].inode != 0) {
				inomap_put(&w.map, l->v[i].inode, i);
				w.wanted++;
			}
		if (rc == 0 && w.wanted > 0 && pids == NULL &&
		    ((npids = list_pids(w.procfd, &pids)) < 0 ||
		    (npids = drop_kernel_threads(w.procfd, pids, (size_t)npids)) < 0))
			goto nolist;
		if (rc == 0 && w.wanted > 0)
			rc = fd_pass(q, &w, pids, (size_t)npids);
		if (rc == 0)
			rc = make_owners(&w, procdir);
		if (rc == 0)
			pl__resolve_proxies(l, procdir, pids, (size_t)npids);
		l->unowned = w.wanted - w.found;
		if (rc == -PL_ENOMEM)
			pl_err_set(err, rc, "out of memory");
		add_notes(l, procdir);
	}
	free(w.map.k);
	free(w.map.v);
	free(w.owned);
	free(w.hits);
	free(pids);
	close(w.procfd);
	return rc;
nolist:
	free(pids);
	free(w.map.k);
	free(w.map.v);
	free(w.owned);
	close(w.procfd);
	return pl_err_set(err, (int)npids, "%s: cannot list processes", procdir);
}
