/*
 * probe-listen: the services that probe tests and benchmarks scan. Listens on the TCP
 * and UDP ports it is given, on every address of the namespace it runs in, prints
 * "ready" once all are bound, and exits after -t seconds (at most a day; so that a
 * test that dies leaves nothing running for long).
 *
 *   probe-listen [-t SECONDS] [-b PORT=TEXT] [-H PORT=SERVER] [-u PORT] [PORT...]
 *
 * -b: send TEXT (with "\r\n" added) as soon as a connection is accepted, like SSH or
 *     SMTP; -H: answer the first request with an HTTP response naming SERVER;
 * -u: answer every datagram with "pong"; other ports accept and close.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXL 8192

struct listener {
	int fd, port;
	int udp;
	const char *banner;      /* -b */
	const char *server;      /* -H */
};

static struct listener ls[MAXL];
static int nls;

static int
open_listener(int port, int udp)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port),
		.sin6_addr = IN6ADDR_ANY_INIT };
	int one = 1, zero = 0;
	int fd = socket(AF_INET6, udp ? SOCK_DGRAM : SOCK_STREAM, 0);

	/* One dual-stack socket answers on IPv4 and IPv6. */
	if (fd < 0 || setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || (!udp && listen(fd, 1024) != 0)) {
		fprintf(stderr, "probe-listen: port %d: %s\n", port, strerror(errno));
		exit(1);
	}
	return fd;
}

static void
add(const char *arg, int udp, char kind)
{
	char *eq, *end;
	long port = strtol(arg, &end, 10);

	if (nls == MAXL || port < 1 || port > 65535 || (*end != '\0' && *end != '=')) {
		fprintf(stderr, "probe-listen: bad port '%s'\n", arg);
		exit(2);
	}
	eq = strchr(arg, '=');
	ls[nls] = (struct listener){ .fd = open_listener((int)port, udp), .port = (int)port,
		.udp = udp, .banner = kind == 'b' && eq ? eq + 1 : NULL,
		.server = kind == 'H' && eq ? eq + 1 : NULL };
	nls++;
}

/* Serves one event; connections are handled to the end right here, bounded by a
 * one-second poll, which is enough for tests. */
static void
serve(struct listener *l)
{
	char buf[2048], out[512];
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);
	struct pollfd pf;
	int c;

	if (l->udp) {
		if (recvfrom(l->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen) >= 0)
			sendto(l->fd, "pong", 4, 0, (struct sockaddr *)&from, flen);
		return;
	}
	if ((c = accept(l->fd, NULL, NULL)) < 0)
		return;
	if (l->banner) {
		snprintf(out, sizeof(out), "%s\r\n", l->banner);
		send(c, out, strlen(out), MSG_NOSIGNAL);
	} else if (l->server) {
		pf = (struct pollfd){ c, POLLIN, 0 };
		if (poll(&pf, 1, 1000) == 1 && recv(c, buf, sizeof(buf), 0) > 0) {
			snprintf(out, sizeof(out), "HTTP/1.0 200 OK\r\nServer: %s\r\n"
			    "Content-Length: 0\r\n\r\n", l->server);
			send(c, out, strlen(out), MSG_NOSIGNAL);
		}
	}
	close(c);
}

int
main(int argc, char **argv)
{
	struct pollfd pf[MAXL];
	long secs = 60;
	time_t end;
	int ch;

	while ((ch = getopt(argc, argv, "t:b:H:u:")) != -1) {
		if (ch == 't')
			secs = strtol(optarg, NULL, 10);
		else if (ch == 'u')
			add(optarg, 1, 'u');
		else if (ch == 'b' || ch == 'H')
			add(optarg, 0, (char)ch);
		else
			return 2;
	}
	for (int i = optind; i < argc; i++)
		add(argv[i], 0, 'p');
	printf("ready\n");
	fflush(stdout);
	end = time(NULL) + (secs > 0 && secs <= 86400 ? secs : 60);
	while (time(NULL) < end) {
		for (int i = 0; i < nls; i++)
			pf[i] = (struct pollfd){ ls[i].fd, POLLIN, 0 };
		if (poll(pf, (nfds_t)nls, 500) <= 0)
			continue;
		for (int i = 0; i < nls; i++)
			if (pf[i].revents & POLLIN)
				serve(&ls[i]);
	}
	return 0;
}
