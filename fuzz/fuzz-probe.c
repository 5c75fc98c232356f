/*
 * libFuzzer target: what a probe takes from outside. The first byte chooses: a target
 * as a user writes it (addresses and CIDR blocks only: a name would be looked up over
 * the network), or a banner, bytes from a service, rendered as text and JSON.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "portlore/json.h"
#include "portlore/probe.h"
#include "portlore/render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
target(const char *s)
{
	struct pl_probe_target t;
	struct pl_err err = { 0 };
	char first[64];

	/* Without '/' or ':' a string that is not an IPv4 address is a hostname. */
	if (strchr(s, '/') == NULL && strchr(s, ':') == NULL && strspn(s, "0123456789.") != strlen(s))
		return;
	if (pl_probe_target_parse(&t, s, true, &err) != 0) {
		if (err.msg[0] == '\0')
			abort();        /* every refusal says why */
		return;
	}
	if (t.nhosts == 0 || t.nhosts > PL_PROBE_MAX_HOSTS)
		abort();
	pl_probe_target_str(&t, t.nhosts - 1, first, sizeof(first));
}

static void
banner(char *bytes, size_t len)
{
	struct pl_probe_host host = { .counts = { 1, 0, 0, 0 }, .srtt_us = -1 };
	struct pl_banner b = { NULL, bytes, len };
	struct pl_probe_result r = { .port = 22, .proto = PL_PROTO_TCP, .state = PL_PORT_OPEN,
		.tries = 1, .rtt_us = 1, .reason = "syn-ack", .banner = &b };
	struct pl_probe_scan s = { .hosts = &host, .results = &r, .nresults = 1, .planned = 1,
		.done = 1, .rate = 1 };
	struct pl_text_opts to = { .width = 80 };
	struct pl_buf out = PL_BUF_INIT;
	struct pl_err err = { 0 };
	struct pl_json jw;
	json_t *j;

	if (pl_probe_target_parse(&s.target, "192.0.2.1", false, &err) != 0)
		abort();
	pl_render_probe_text(&out, &s, &to);
	/* Whatever the bytes, the text holds no control byte but line ends. */
	for (size_t i = 0; i < out.len; i++)
		if ((unsigned char)out.data[i] < 0x20 && out.data[i] != '\n')
			abort();
	pl_buf_free(&out);
	/* And the JSON document is always built, and is JSON. */
	pl_json_init(&jw, &out, 2);
	pl_probe_json(&jw, &s, NULL, 0);
	if (pl_json_done(&jw) != 0 || (j = json_loadb(out.data, out.len, 0, NULL)) == NULL)
		abort();
	json_decref(j);
	pl_buf_free(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size < 1 || (s = malloc(size)) == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	if (data[0] & 1)
		target(s);
	else
		banner(s, size - 1);
	free(s);
	return 0;
}
