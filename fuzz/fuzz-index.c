/* libFuzzer target: the lookup index reader (registry/index.c). Every offset and length
 * in the file is input; a bad one must read as -PL_EDATA, never outside the buffer.
 * Each input is opened from memory and a few ports' reports (with history) are built
 * and rendered, identification's candidates read (and matched against an sshd, hints by
 * their stored forms) and each port's registry name and
 * lore about other systems asked for; bytes 200-201 of the header, which the format leaves zero, pick one more port
 * so the fuzzer can steer.
 *
 * The seed (corpus/index/seed-small) is the index of a small store: the first 119 rows
 * of the 2026-02 registry, data/lore's citrix-netscaler, macos-airplay and openssh
 * files, and nmap-services' first 300 rows:
 *   portlore import --db s.db --new --iana <(head -120 CSV) --lore DIR --nmap NMAP300 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "portlore/identify.h"
#include "portlore/index.h"
#include "portlore/json.h"
#include "portlore/render.h"
#include "portlore/report.h"
#include "portlore/sockets.h"
#include "registry/index-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint16_t ports[] = { 0, 22, 1000, 1001, 1002, 3868, 65535, 0 };
	struct pl_index *ix = NULL;
	struct pl_err err = { 0 };
	int rc;

	if ((rc = pl_index_open_mem(&ix, data, size, &err)) != 0) {
		if (rc != -PL_EDATA || err.msg[0] == '\0')
			abort();
		return 0;
	}
	if (size > 201)
		ports[7] = (uint16_t)(data[200] | data[201] << 8);
	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++)
		for (int p = PL_PROTO_TCP; p < PL_PROTO_COUNT; p++) {
			struct pl_report_opts ro = { .no_host = true, .history = true };
			struct pl_report r;
			struct pl_buf b = PL_BUF_INIT;
			struct pl_json j;

			rc = pl_report_build_index(ix, ports[i], (enum pl_proto)p, &ro, &r, &err);
			if (rc != 0) {
				if (rc != -PL_EDATA && rc != -PL_ENOMEM)
					abort();
				continue;
			}
			pl_json_init(&j, &b, 0);
			pl_report_json(&j, &r);
			pl_report_free(&r);
			pl_buf_free(&b);
		}
	{
		struct pl_id_candidates c;

		rc = pl__index_candidates(ix, &c, &err);
		if (rc != 0 && rc != -PL_EDATA && rc != -PL_ENOMEM)
			abort();
		/* Every string a candidate holds must be readable. */
		for (size_t i = 0; rc == 0 && i < c.n; i++)
			if (strlen(c.v[i].id) + strlen(c.v[i].name) + strlen(c.v[i].family) == (size_t)-1)
				abort();
		/* And the hints with their stored forms must match without harm. */
		if (rc == 0) {
			struct pl_idmatch *m = NULL;
			struct pl_id_evidence e = { .port = ports[7], .proto = PL_PROTO_TCP,
				.comm = "sshd", .cmdline = "/usr/sbin/sshd -D", .exe = "/usr/sbin/sshd",
				.banner = "SSH-2.0-OpenSSH_9.2\r\n", .banner_len = 21 };
			struct pl_identified id;

			if (pl_idmatch_new_forms(&m, c.v, c.n, c.forms) == 0) {
				(void)pl_identify(m, &e, &id);
				pl_idmatch_free(m);
			}
		}
		pl_id_candidates_free(&c);
	}
	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		const char *name;

		struct pl_socklist none = { 0 };
		struct pl_bind_why w;

		rc = pl__index_service(ix, ports[i], PL_PROTO_TCP, &name, &err);
		if ((rc != 0 && rc != -PL_EDATA) || (rc == 0 && name && strlen(name) == (size_t)-1))
			abort();
		rc = pl_bind_why_build_index(&w, &none, ports[i], PL_PROTO_TCP, NULL, NULL, ix, &err);
		if (rc != 0 && rc != -PL_EDATA && rc != -PL_ENOMEM)
			abort();
		if (rc == 0)
			pl_bind_why_free(&w);
	}
	pl_index_close(ix);
	return 0;
}
