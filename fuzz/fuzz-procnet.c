/* libFuzzer target: the one /proc/net/{tcp,udp}[6] parser (host/sockets.c,
 * pl_procnet_parse), reached two ways. The first byte picks the file's protocol (bit 0:
 * udp) and family (bit 1: IPv6) and, with bit 2, goes through pick's reader
 * (host/procnet.c, pl__procnet_walk) over a root folder whose proc/net file is the
 * input (PORTLORE_PROC_ROOT's seam) instead of calling the parser directly; the rest is
 * the file's text. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "portlore/sockets.h"
#include "host/procnet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
count(const struct pl__sock *s, void *arg)
{
	if (s->state == NULL || s->file == NULL || memchr(s->addr, '\0', sizeof(s->addr)) == NULL)
		abort();
	++*(long *)arg;
	return 0;
}

/* Writes the text to ROOT/proc/net/<file> (the only file there) and walks it. */
static void
walk(const uint8_t *text, size_t len, enum pl_proto proto, int v6)
{
	static char root[64];
	char path[128];
	struct pl_err err = { 0 };
	long n = 0;
	int files = 0;
	FILE *f;

	if (root[0] == '\0') {
		snprintf(root, sizeof(root), "/tmp/portlore-fuzz-proc-%ld", (long)getpid());
		mkdir(root, 0700);
		snprintf(path, sizeof(path), "%s/proc", root);
		mkdir(path, 0700);
		snprintf(path, sizeof(path), "%s/proc/net", root);
		mkdir(path, 0700);
	}
	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/proc/net/%s%s", root, i & 1 ? "udp" : "tcp",
		    i & 2 ? "6" : "");
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/proc/net/%s%s", root,
	    proto == PL_PROTO_UDP ? "udp" : "tcp", v6 ? "6" : "");
	if ((f = fopen(path, "w")) == NULL)
		return;
	fwrite(text, 1, len, f);
	fclose(f);
	if (pl__procnet_walk(root, proto, count, &n, &files, &err) != 0 && err.msg[0] == '\0')
		abort();
	/* Every socket is one line of the text. */
	if ((size_t)n > len || files > 1)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pl_sock_query q = { .all = true, .tcp = true, .udp = true };
	struct pl_socklist l = { 0 };
	struct pl_err err = { 0 };
	enum pl_proto proto;
	char *text;
	int rc;

	if (size < 1)
		return 0;
	proto = data[0] & 1 ? PL_PROTO_UDP : PL_PROTO_TCP;
	if (data[0] & 4) {
		walk(data + 1, size - 1, proto, data[0] & 2);
		return 0;
	}
	if ((text = malloc(size)) == NULL)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	rc = pl_procnet_parse(&l, "tcp", text, proto, data[0] & 2 ? AF_INET6 : AF_INET, &q, &err);
	if (rc != 0 && err.msg[0] == '\0')
		abort();
	/* Every socket parsed is one line of the text. */
	if (l.n > size)
		abort();
	pl_socklist_free(&l);
	free(text);
	return 0;
}
