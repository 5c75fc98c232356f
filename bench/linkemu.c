/*
 * linkemu: a point-to-point link between two network namespaces, in user space, that
 * delays and drops packets (what netem would do, on a kernel without netem).
 *
 * It creates a TUN device in each namespace (named NS_A/NS_B, from /var/run/netns),
 * prints "ready" and then carries every IP packet read from one device to the other:
 * packets from A to B are delayed by -d milliseconds and dropped with probability -l
 * percent; -D and -L do the same from B to A. Delay is per packet and constant, so
 * order is kept. The caller gives the devices their addresses (ip -n NS addr add ...
 * peer ...). Exits after -t seconds, or on SIGTERM.
 *
 *   linkemu [-d MS] [-l PCT] [-D MS] [-L PCT] [-s SEED] [-t SECS] NS_A DEV_A NS_B DEV_B
 */
#ifndef _GNU_SOURCE           /* meson defines it for every file */
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define QLEN 32768            /* packets in flight per direction */
#define PKT 2048

struct pkt { int64_t due; uint16_t len; uint8_t data[PKT]; };

struct dir {
	int in, out;
	int64_t delay_ns;
	uint32_t loss;            /* drop when rand() % 1000000 < loss */
	struct pkt *q;
	size_t head, n;
	unsigned long passed, dropped, overflow;
};

static volatile sig_atomic_t done;
static uint64_t rng = 88172645463325252ull;

static void on_term(int sig) { (void)sig; done = 1; }

static uint32_t
xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Creates a TUN device named dev inside namespace ns; returns its descriptor. */
static int
tun_in(const char *ns, const char *dev)
{
	char path[256];
	struct ifreq ifr = { .ifr_flags = IFF_TUN | IFF_NO_PI };
	int nsfd, fd;

	snprintf(path, sizeof(path), "/var/run/netns/%s", ns);
	if ((nsfd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || setns(nsfd, CLONE_NEWNET) != 0) {
		fprintf(stderr, "linkemu: namespace %s: %s\n", ns, strerror(errno));
		exit(1);
	}
	close(nsfd);
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", dev);
	if ((fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0 ||
	    ioctl(fd, TUNSETIFF, &ifr) != 0) {
		fprintf(stderr, "linkemu: tun %s in %s: %s\n", dev, ns, strerror(errno));
		exit(1);
	}
	return fd;
}

/* Reads what is waiting on d->in (bounded per call) and queues or drops it. */
static void
take(struct dir *d, int64_t now)
{
	for (int k = 0; k < 256; k++) {
		struct pkt *p = &d->q[(d->head + d->n) % QLEN];
		ssize_t n;

		if (d->n == QLEN) {
			uint8_t sink[PKT];

			if (read(d->in, sink, sizeof(sink)) <= 0)
				return;
			d->overflow++;
			continue;
		}
		if ((n = read(d->in, p->data, PKT)) <= 0)
			return;
		if (d->loss && xorshift() % 1000000 < d->loss) {
			d->dropped++;
			continue;
		}
		p->len = (uint16_t)n;
		p->due = now + d->delay_ns;
		d->n++;
	}
}

/* Writes every queued packet that is due; returns ns until the next one (or -1). */
static int64_t
give(struct dir *d, int64_t now)
{
	while (d->n > 0) {
		struct pkt *p = &d->q[d->head];

		if (p->due > now)
			return p->due - now;
		if (write(d->out, p->data, p->len) < 0 && errno == EAGAIN)
			return 100000;   /* the device's queue is full: try again shortly */
		d->head = (d->head + 1) % QLEN;
		d->n--;
		d->passed++;
	}
	return -1;
}

int
main(int argc, char **argv)
{
	struct dir d[2] = { { 0 }, { 0 } };
	double secs = 600;
	int ch, fa, fb;

	while ((ch = getopt(argc, argv, "d:l:D:L:s:t:")) != -1) {
		switch (ch) {
		case 'd': d[0].delay_ns = (int64_t)(atof(optarg) * 1e6); break;
		case 'D': d[1].delay_ns = (int64_t)(atof(optarg) * 1e6); break;
		case 'l': d[0].loss = (uint32_t)(atof(optarg) * 10000); break;
		case 'L': d[1].loss = (uint32_t)(atof(optarg) * 10000); break;
		case 's': rng = strtoull(optarg, NULL, 10) | 1; break;
		case 't': secs = atof(optarg); break;
		default: return 2;
		}
	}
	if (argc - optind != 4) {
		fprintf(stderr, "usage: linkemu [-d MS] [-l PCT] [-D MS] [-L PCT] [-s SEED] [-t SECS] "
		    "NS_A DEV_A NS_B DEV_B\n");
		return 2;
	}
	fa = tun_in(argv[optind], argv[optind + 1]);
	fb = tun_in(argv[optind + 2], argv[optind + 3]);
	d[0].in = d[1].out = fa;
	d[0].out = d[1].in = fb;
	if (!(d[0].q = calloc(QLEN, sizeof(struct pkt))) || !(d[1].q = calloc(QLEN, sizeof(struct pkt))))
		return 1;
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	printf("ready\n");
	fflush(stdout);
	for (int64_t end = now_ns() + (int64_t)(secs * 1e9); !done && now_ns() < end;) {
		struct pollfd pf[2] = { { fa, POLLIN, 0 }, { fb, POLLIN, 0 } };
		int64_t now = now_ns(), w = 100000000;
		struct timespec ts;

		for (int i = 0; i < 2; i++) {
			int64_t t = give(&d[i], now);

			if (t >= 0 && t < w)
				w = t;
		}
		ts = (struct timespec){ w / 1000000000, w % 1000000000 };
		if (ppoll(pf, 2, &ts, NULL) <= 0)
			continue;
		now = now_ns();
		take(&d[0], now);
		take(&d[1], now);
	}
	fprintf(stderr, "linkemu: a->b %lu passed %lu dropped %lu overflow; b->a %lu passed "
	    "%lu dropped %lu overflow\n", d[0].passed, d[0].dropped, d[0].overflow, d[1].passed,
	    d[1].dropped, d[1].overflow);
	return 0;
}
