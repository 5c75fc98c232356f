#!/usr/bin/env bats
# portlore annotate: the real tools' output (nmap against a listener this test opens
# on loopback, only that port; ss, lsof and netstat listing it), hand-made files for
# the rest (tests/fixtures/annotate), and malformed input.

load helpers

FIX="$PORTLORE_SRC/tests/fixtures/annotate"

# Opens a TCP and a UDP socket on loopback (kernel-chosen ports), for at most 60 s.
start_listener() {
	python3 -c '
import socket, time
t = socket.socket(); t.bind(("127.0.0.1", 0)); t.listen()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0))
print(t.getsockname()[1], u.getsockname()[1], flush=True)
time.sleep(60)' >"$BATS_TEST_TMPDIR/ports" &
	LPID=$!
	for _ in $(seq 50); do
		[ -s "$BATS_TEST_TMPDIR/ports" ] && break
		sleep 0.1
	done
	read -r TPORT UPORT <"$BATS_TEST_TMPDIR/ports"
	[ -n "$TPORT" ] && [ -n "$UPORT" ]
}

teardown() {
	[ -z "${LPID:-}" ] || kill "$LPID" 2>/dev/null || true
}

@test "nmap -oX: each port line is followed by an XML comment, and the file stays XML" {
	command -v nmap >/dev/null || skip "nmap is not installed"
	db=$(fixture_store)
	start_listener
	nmap -sT -Pn -p "$TPORT" 127.0.0.1 -oX "$BATS_TEST_TMPDIR/scan.xml" >/dev/null
	run pl annotate --db "$db" "$BATS_TEST_TMPDIR/scan.xml"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | grep -A1 "portid=\"$TPORT\"" | tail -1 |
		grep -qx "<!-- portlore: $TPORT/tcp not in the registry \[iana 2024-12-20\] -->"
	printf '%s\n' "$output" | python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.stdin)'
	run pl annotate --db "$db" --json "$BATS_TEST_TMPDIR/scan.xml"
	[ "$status" -eq 0 ]
	json_is '.format' nmap-xml
	json_is '.items | length' 1
	json_is '.items[0].port' "$TPORT"
	json_is '.items[0].state' open
	json_is '.items[0].address' 127.0.0.1
	json_is '.items[0].provenance' probed
	json_is '.items[0].annotations[0].status' none
	json_is '.reports[0].port' "$TPORT"
}

@test "nmap -oG: the Ports line is annotated" {
	command -v nmap >/dev/null || skip "nmap is not installed"
	db=$(fixture_store)
	start_listener
	nmap -sT -Pn -p "$TPORT" 127.0.0.1 -oG "$BATS_TEST_TMPDIR/scan.gnmap" >/dev/null
	run pl annotate --db "$db" --json "$BATS_TEST_TMPDIR/scan.gnmap"
	[ "$status" -eq 0 ]
	json_is '.format' nmap-grep
	json_is '[.items[] | select(.port == '"$TPORT"')] | .[0].state' open
	run pl annotate --db "$db" "$BATS_TEST_TMPDIR/scan.gnmap"
	printf '%s\n' "$output" | grep -A1 "Ports: $TPORT/open/tcp" | tail -1 |
		grep -q "^    # portlore: $TPORT/tcp not in the registry"
}

@test "ss -tulnp: the listener's rows carry its process and pid" {
	db=$(fixture_store)
	start_listener
	ss -tulnp >"$BATS_TEST_TMPDIR/ss.txt"
	run pl annotate --db "$db" --json "$BATS_TEST_TMPDIR/ss.txt"
	[ "$status" -eq 0 ]
	json_is '.format' ss
	json_is '[.items[] | select(.port == '"$TPORT"' and .protocol == "tcp")] | .[0].pid' "$LPID"
	json_is '[.items[] | select(.port == '"$TPORT"' and .protocol == "tcp")] | .[0].process' python3
	json_is '[.items[] | select(.port == '"$TPORT"' and .protocol == "tcp")] | .[0].state' LISTEN
	json_is '[.items[] | select(.port == '"$UPORT"' and .protocol == "udp")] | .[0].state' UNCONN
	json_is '[.items[] | select(.port == '"$UPORT"')] | .[0].provenance' observed
	# Text: the input comes back line for line, with annotations in between.
	run pl annotate --db "$db" "$BATS_TEST_TMPDIR/ss.txt"
	[ "$status" -eq 0 ]
	diff <(printf '%s\n' "$output" | grep -v '^    # portlore: ') "$BATS_TEST_TMPDIR/ss.txt"
	printf '%s\n' "$output" | grep -A1 "127.0.0.1:$TPORT " | tail -1 | grep -q "# portlore: $TPORT/tcp"
}

@test "lsof -nP -i: the listener's row" {
	command -v lsof >/dev/null || skip "lsof is not installed"
	db=$(fixture_store)
	start_listener
	lsof -nP -a -p "$LPID" -i >"$BATS_TEST_TMPDIR/lsof.txt"
	run pl annotate --db "$db" --json - <"$BATS_TEST_TMPDIR/lsof.txt"
	[ "$status" -eq 0 ]
	json_is '.input' stdin
	json_is '.format' lsof
	json_is '.items | length' 2
	json_is '[.items[] | select(.protocol == "tcp")] | .[0].port' "$TPORT"
	json_is '[.items[] | select(.protocol == "udp")] | .[0].port' "$UPORT"
	json_is '.items[0].pid' "$LPID"
}

@test "netstat -tulpn: the listener's rows" {
	command -v netstat >/dev/null || skip "net-tools is not installed"
	db=$(fixture_store)
	start_listener
	netstat -tulpn >"$BATS_TEST_TMPDIR/netstat.txt" 2>/dev/null
	run pl annotate --db "$db" --json "$BATS_TEST_TMPDIR/netstat.txt"
	[ "$status" -eq 0 ]
	json_is '.format' netstat
	json_is '[.items[] | select(.port == '"$TPORT"' and .protocol == "tcp")] | .[0].pid' "$LPID"
	json_is '[.items[] | select(.port == '"$UPORT"' and .protocol == "udp")] | .[0].pid' "$LPID"
}

@test "masscan -oJ and -oL: registry and lore for each port" {
	db=$(fixture_store)
	run pl annotate --db "$db" "$FIX/masscan.json"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | grep -qx '    # portlore: 3333/tcp dec-notes (DEC Notes) \[iana 2024-12-20\]; lore: Demo caller ID daemon \[lore\]'
	printf '%s\n' "$output" | grep -qx '    # portlore: 3005/tcp unassigned \[iana 2024-12-20\]'
	run pl annotate --db "$db" --json "$FIX/masscan.txt"
	[ "$status" -eq 0 ]
	json_is '.format' masscan-list
	json_is '[.items[].port] | join(",")' '3333,22,80'
	json_is '.items[2].protocol' udp
	json_is '.items[1].annotations[0].services[0]' ssh
	json_is '.items[0].annotations[0].lore[0]' demo-caller
	json_is '.items[0].address' 192.0.2.10
}

@test "Windows netstat -ano and FreeBSD sockstat -l" {
	db=$(fixture_store)
	run pl annotate --db "$db" --json "$FIX/netstat-windows.txt"
	[ "$status" -eq 0 ]
	json_is '.format' netstat-windows
	json_is '[.items[] | "\(.port)/\(.protocol)/\(.pid)"] | join(" ")' '22/tcp/2212 3333/tcp/5120 3008/tcp/4 80/udp/1432'
	json_is '.items[2].annotations[0].services[0]' midnight-tech
	run pl annotate --db "$db" --json "$FIX/sockstat.txt"
	[ "$status" -eq 0 ]
	json_is '.format' sockstat
	json_is '[.items[] | "\(.port)/\(.protocol)/\(.process)"] | join(" ")' '22/tcp/sshd 22/tcp/sshd 3333/tcp/ncidd 3006/udp/syslogd'
	json_is '.reports | length' 3
}

@test "plain PORT/PROTO lines; a port without a protocol is looked up as tcp and udp" {
	db=$(fixture_store)
	run pl annotate --db "$db" --json "$FIX/ports.txt"
	[ "$status" -eq 0 ]
	json_is '.format' plain
	json_is '.items[1].annotations | map(.protocol) | join(",")' 'tcp,udp'
	json_is '.items[3].name' http
	json_is '.items[3].port' 80
	json_is '.items[3].annotations[0].services[0]' http
	run pl annotate --db "$db" "$FIX/ports.txt"
	printf '%s\n' "$output" | grep -qx '    # portlore: 3333/tcp dec-notes (DEC Notes) \[iana 2024-12-20\]; lore: Demo caller ID daemon \[lore\] | 3333/udp not in the registry \[iana 2024-12-20\]'
	run pl annotate --db "$db" --format plain --json - <<<"nosuchname/tcp"
	[ "$status" -eq 0 ]
	json_is '.items[0].port' null
	json_is '.items[0].annotations | length' 0
}

@test "--format forces a format; a wrong one is refused with the line" {
	db=$(fixture_store)
	run pl annotate --db "$db" --format ss --json "$FIX/malformed-ss.txt"
	[ "$status" -eq 4 ]
	[[ "$output" == *"malformed-ss.txt:3: '0.0.0.0:99999' is not an address:port"* ]]
	run pl annotate --db "$db" --format lsof "$FIX/ports.txt"
	[ "$status" -eq 4 ]
	[[ "$output" == *"ports.txt:1: expected an lsof -i row"* ]]
	run pl annotate --db "$db" --format nosuch "$FIX/ports.txt"
	[ "$status" -eq 2 ]
	[[ "$output" == *"give one of nmap-xml nmap-grep"* ]]
}

@test "malformed, unknown, huge and missing input: an error with its place, never a crash" {
	db=$(fixture_store)
	run pl annotate --db "$db" "$FIX/malformed-nmap.xml"
	[ "$status" -eq 4 ]
	[[ "$output" == *"malformed-nmap.xml:5: XML: mismatched tag"* ]]
	run pl annotate --db "$db" - <<<"just some words here"
	[ "$status" -eq 4 ]
	[[ "$output" == *"stdin: format not recognised"* ]]
	head -c 70000 /dev/zero | tr '\0' 'x' >"$BATS_TEST_TMPDIR/long"
	run pl annotate --db "$db" "$BATS_TEST_TMPDIR/long"
	[ "$status" -eq 2 ]
	[[ "$output" == *"long:1: line of more than 65536 bytes is too long"* ]]
	printf '22/tcp\n\0\n' >"$BATS_TEST_TMPDIR/nul"
	run pl annotate --db "$db" "$BATS_TEST_TMPDIR/nul"
	[ "$status" -eq 4 ]
	[[ "$output" == *"nul:2: NUL byte"* ]]
	run pl annotate --db "$db" "$BATS_TEST_TMPDIR/nosuch"
	[ "$status" -eq 2 ]
	[[ "$output" == *"nosuch: No such file"* ]]
	run pl annotate --db "$db" a b
	[ "$status" -eq 2 ]
	[ -z "$(pl annotate --db "$db" /dev/null)" ] || false
}

@test "annotate streams: 30 MB in bounded memory, and plain lists of any length" {
	db=$(fixture_store)
	# Plain lists are recognised however long they are (there was a limit of 40 lines).
	seq 1 1000 >"$BATS_TEST_TMPDIR/list"
	run pl annotate --db "$db" "$BATS_TEST_TMPDIR/list"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | grep -c '# portlore: ')" -eq 1000 ]
	# 30 MB of ports, read line by line under a 256 MiB address-space limit (the whole
	# input in memory took about 300 times its size).
	python3 -c "
import sys
out, n, i = [], 0, 0
while n < 30 * 1024 * 1024:
    l = '%d/tcp open\n' % (3300 + i % 200); out.append(l); n += len(l); i += 1
sys.stdout.write(''.join(out))" >"$BATS_TEST_TMPDIR/big"
	lines=$(wc -l <"$BATS_TEST_TMPDIR/big")
	bounded 262144 "$PORTLORE" annotate --db "$db" "$BATS_TEST_TMPDIR/big" >"$BATS_TEST_TMPDIR/out"
	[ "$(grep -c '^    # portlore: 3[0-9]*/tcp' "$BATS_TEST_TMPDIR/out")" -eq "$lines" ]
	grep -q '^    # portlore: 3333/tcp dec-notes (DEC Notes)' "$BATS_TEST_TMPDIR/out"
	# The JSON document streams too, and stays one valid document.
	head -n 20000 "$BATS_TEST_TMPDIR/big" >"$BATS_TEST_TMPDIR/some"
	bounded 262144 "$PORTLORE" annotate --json --db "$db" "$BATS_TEST_TMPDIR/some" \
		>"$BATS_TEST_TMPDIR/out.json"
	[ "$(jq '.items | length' "$BATS_TEST_TMPDIR/out.json")" -eq 20000 ]
	[ "$(jq '.reports | length' "$BATS_TEST_TMPDIR/out.json")" -eq 200 ]
}

@test "nmap XML is read as a stream: ports of an element split across lines" {
	db=$(fixture_store)
	printf '%s\n' '<?xml version="1.0"?>' '<nmaprun>' '<host><address addr="192.0.2.1" addrtype="ipv4"/>' \
		'<ports><port protocol="tcp"' 'portid="3333"><state state="open"/>' \
		'<service name="dec-notes"/></port></ports></host>' '</nmaprun>' >"$BATS_TEST_TMPDIR/split.xml"
	run pl annotate --db "$db" --json "$BATS_TEST_TMPDIR/split.xml"
	[ "$status" -eq 0 ]
	json_is '.items[0].port' 3333
	json_is '.items[0].line' 4
	json_is '.items[0].state' open
	json_is '.items[0].service' dec-notes
	json_is '.items[0].address' 192.0.2.1
	printf '<nmaprun><host><ports><port protocol="tcp" portid="22">\n' >"$BATS_TEST_TMPDIR/cut.xml"
	run pl annotate --db "$db" "$BATS_TEST_TMPDIR/cut.xml"
	[ "$status" -eq 4 ]
	[[ "$output" == *"cut.xml:2: XML: "* ]]
}
