/*
 * probe-udp.c: datagrams that make UDP services answer. A UDP port that says nothing
 * is indistinguishable from a filtered one, so the scan calls it open only when a
 * reply comes back; these payloads are the smallest well-formed requests that a
 * service of each kind replies to. Every other port gets an empty datagram.
 */
#include <stddef.h>
#include <stdint.h>

#include "portlore/probe.h"

/* RFC 1035 section 4.1: query id "PL", recursion desired, one question: ". IN NS". */
static const uint8_t dns[] = {
	0x50, 0x4c, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x02, 0x00, 0x01,
};

/* RFC 6762 section 6.7: a query from a port other than 5353 gets a unicast reply;
 * asks "_services._dns-sd._udp.local PTR" (RFC 6763 section 9). */
static const uint8_t mdns[] = {
	0x50, 0x4c, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	9, '_', 's', 'e', 'r', 'v', 'i', 'c', 'e', 's',
	7, '_', 'd', 'n', 's', '-', 's', 'd',
	4, '_', 'u', 'd', 'p',
	5, 'l', 'o', 'c', 'a', 'l', 0,
	0x00, 0x0c, 0x00, 0x01,
};

/* RFC 5905 section 7.3: 48 bytes, LI 3 (unsynchronised), version 4, mode 3 (client). */
static const uint8_t ntp[48] = { 0xe3 };

/* RFC 3416 GetRequest, SNMPv2c, community "public", for sysDescr.0 (1.3.6.1.2.1.1.1.0). */
static const uint8_t snmp[] = {
	0x30, 0x29, 0x02, 0x01, 0x01, 0x04, 0x06, 'p', 'u', 'b', 'l', 'i', 'c',
	0xa0, 0x1c, 0x02, 0x04, 0x50, 0x4c, 0x50, 0x4c, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00,
	0x30, 0x0e, 0x30, 0x0c, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00,
	0x05, 0x00,
};

/* UPnP Device Architecture 2.0 section 1.3.2: a search for every device, sent unicast. */
static const char ssdp[] =
	"M-SEARCH * HTTP/1.1\r\n"
	"HOST: 239.255.255.250:1900\r\n"
	"MAN: \"ssdp:discover\"\r\n"
	"MX: 1\r\n"
	"ST: ssdp:all\r\n"
	"\r\n";

/* RFC 1002 section 4.2.17: node status request for the wildcard name "*". */
static const uint8_t netbios[] = {
	0x50, 0x4c, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x20, 'C', 'K', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A',
	'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 0x00,
	0x00, 0x21, 0x00, 0x01,
};

/* RFC 3261 section 11: OPTIONS asks a SIP server what it supports. */
static const char sip[] =
	"OPTIONS sip:portlore@invalid SIP/2.0\r\n"
	"Via: SIP/2.0/UDP portlore.invalid;branch=z9hG4bK-portlore-probe\r\n"
	"Max-Forwards: 70\r\n"
	"To: <sip:portlore@invalid>\r\n"
	"From: <sip:portlore@invalid>;tag=portlore\r\n"
	"Call-ID: portlore-probe@invalid\r\n"
	"CSeq: 1 OPTIONS\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

/* memcached protocol.txt, "UDP protocol": an 8-byte frame header, then "version". */
static const uint8_t memcached[] = {
	0x50, 0x4c, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
	'v', 'e', 'r', 's', 'i', 'o', 'n', '\r', '\n',
};

/* RFC 5531 and RFC 1833: an ONC RPC call of procedure 0 (NULL) of portmapper v2. */
static const uint8_t rpcbind[] = {
	0x50, 0x4c, 0x50, 0x4c, 0, 0, 0, 0, 0, 0, 0, 2, 0x00, 0x01, 0x86, 0xa0,
	0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

#define P(n, d) { n, (const uint8_t *)(d), sizeof(d) }
#define T(n, d) { n, (const uint8_t *)(d), sizeof(d) - 1 }   /* text: without the NUL */

static const struct pl_udp_payload table[] = {
	P("dns", dns), P("mdns", mdns), P("ntp", ntp), P("snmp", snmp), T("ssdp", ssdp),
	P("netbios-ns", netbios), T("sip", sip), P("memcached", memcached),
	P("rpcbind", rpcbind),
};
static const uint16_t table_ports[] = { 53, 5353, 123, 161, 1900, 137, 5060, 11211, 111 };

static const struct pl_udp_payload empty = { "empty", (const uint8_t *)"", 0 };

const struct pl_udp_payload *
pl_udp_payload_for(uint16_t port)
{
	for (size_t i = 0; i < sizeof(table_ports) / sizeof(table_ports[0]); i++)
		if (table_ports[i] == port)
			return &table[i];
	return &empty;
}

size_t
pl_udp_payloads(const struct pl_udp_payload **out, const uint16_t **ports)
{
	_Static_assert(sizeof(table) / sizeof(table[0]) ==
	    sizeof(table_ports) / sizeof(table_ports[0]), "one port per payload");
	*out = table;
	*ports = table_ports;
	return sizeof(table) / sizeof(table[0]);
}
