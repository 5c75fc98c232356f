/* libFuzzer target: the /proc/net/{tcp,udp}[6] parser of the socket collector
 * (host/sockets.c, pl_procnet_parse). The first byte picks the file's protocol and
 * family; the rest is its text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "portlore/sockets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pl_sock_query q = { .all = true, .tcp = true, .udp = true };
	struct pl_socklist l = { 0 };
	struct pl_err err = { 0 };
	char *text;
	int rc;

	if (size < 1 || (text = malloc(size)) == NULL)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	rc = pl_procnet_parse(&l, "tcp", text, data[0] & 1 ? PL_PROTO_UDP : PL_PROTO_TCP,
	    data[0] & 2 ? AF_INET6 : AF_INET, &q, &err);
	if (rc != 0 && err.msg[0] == '\0')
		abort();
	/* Every socket parsed is one line of the text. */
	if (l.n > size)
		abort();
	pl_socklist_free(&l);
	free(text);
	return 0;
}
