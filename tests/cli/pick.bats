#!/usr/bin/env bats
# portlore pick: ports for a new service, with reasons; --check for one port. The
# host's settings and sockets come from a fixture folder (PORTLORE_PROC_ROOT), except
# in the tests that open a real listener on loopback.

load helpers

TCP_HEADER='  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode'

# A fake /proc: ephemeral range $1, reserved ports $2; tcp 3001 (IPv4) and 3002 (IPv6)
# listening; udp 3003 bound.
make_proc() {
	local root="$BATS_TEST_TMPDIR/root"
	mkdir -p "$root/proc/sys/net/ipv4" "$root/proc/net"
	printf '%s\n' "$1" >"$root/proc/sys/net/ipv4/ip_local_port_range"
	printf '%s\n' "$2" >"$root/proc/sys/net/ipv4/ip_local_reserved_ports"
	printf '1024\n' >"$root/proc/sys/net/ipv4/ip_unprivileged_port_start"
	printf '%s\n%s\n' "$TCP_HEADER" \
		'   0: 00000000:0BB9 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1001 1 0000000000000000 100 0 0 10 0' \
		>"$root/proc/net/tcp"
	printf '%s\n%s\n' "$TCP_HEADER" \
		'   0: 00000000000000000000000000000000:0BBA 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1002 1 0000000000000000 100 0 0 10 0' \
		>"$root/proc/net/tcp6"
	printf '%s\n%s\n' '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops' \
		'  100: 00000000:0BBB 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1003 2 0000000000000000 0' \
		>"$root/proc/net/udp"
	export PORTLORE_PROC_ROOT="$root"
}

teardown() {
	[ -z "${LPID:-}" ] || kill "$LPID" 2>/dev/null || true
}

@test "--near: closest good ports first, skipping bound and assigned ones" {
	db=$(fixture_store)
	make_proc "40000	60999" ""
	run pl pick --db "$db" --range 3000-3010 --near 3001 --count 3 --json
	[ "$status" -eq 0 ]
	json_is '[.ports[].port] | join(",")' '3000,3003,3004'
	json_is '[.ports[].good] | unique | join(",")' 'true'
	json_is '.ports[0].criteria | map(.key) | join(",")' 'unassigned,no-lore,rare,not-dynamic,not-ephemeral,unprivileged,browsers,not-bound'
	# The fixture store has no nmap frequencies: unknown, said so, not a failure.
	json_is '.ports[0].criteria[2].verdict' unknown
	json_is '.ports[0].criteria[0].provenance' iana
	json_is '.ports[0].criteria[0].snapshot' 2024-12-20
	json_is '.ports[0].criteria[7].provenance' observed
	# Outside data sets carry their own labels: nmap's frequencies, the Fetch standard.
	json_is '.ports[0].criteria[2].provenance' nmap
	json_is '.ports[0].criteria[6].provenance' fetch-standard
	# udp: 3003 is bound there, 3001 and 3002 are free.
	run pl pick --db "$db" --range 3000-3010 --near 3003 --count 4 --proto udp --json
	[ "$status" -eq 0 ]
	json_is '[.ports[].port] | join(",")' '3002,3004,3001,3005'
	json_is '.query.protocol' udp
}

@test "fewer good ports than asked: those found, a word on stderr; none: status 1" {
	db=$(fixture_store)
	make_proc "40000	60999" ""
	run pl pick --db "$db" --range 3005-3010 --count 5
	[ "$status" -eq 0 ]
	[[ "$output" == *"only 3 of 5 ports in 3005-3010 meet every criterion"* ]]
	run pl pick --db "$db" --range 3008-3010
	[ "$status" -eq 1 ]
	[[ "$output" == *"none of the 0 of 5 ports"* ]]
}

@test "--check: each criterion with its fact; status 1 when the port is a poor choice" {
	db=$(fixture_store)
	make_proc "3004	3006" "3005"
	run pl pick --db "$db" --check 3005 --json
	[ "$status" -eq 0 ]
	json_is '.check' true
	json_is '.ports[0].good' true
	json_is '.ports[0].criteria[4].fact' 'inside the ephemeral range 3004-3006 but listed in ip_local_reserved_ports (3005)'
	run pl pick --db "$db" --check 3004 --json
	[ "$status" -eq 1 ]
	json_is '.ports[0].criteria[4].verdict' fail
	run pl pick --db "$db" --check 3008 --width 200
	[ "$status" -eq 1 ]
	[[ "$output" == *"3008/tcp: not a good choice (1 of 8 criteria fail)"* ]]
	[[ "$output" == *'fail    unassigned    assigned: 3008/tcp is "midnight-tech" (Midnight Technologies)'* ]]
	run pl pick --db "$db" --check 3333 --json
	json_is '.ports[0].criteria[1].verdict' fail
	json_is '.ports[0].criteria[1].fact' 'lore: Demo caller ID daemon (demo-caller)'
	run pl pick --db "$db" --check 3001 --json
	json_is '.ports[0].criteria[7].fact' "a tcp socket holds it now: 0.0.0.0 port 3001, LISTEN ($PORTLORE_PROC_ROOT/proc/net/tcp)"
	run pl pick --db "$db" --check 3002 --json
	json_is '.ports[0].criteria[7].fact' "a tcp socket holds it now: :: port 3002, LISTEN ($PORTLORE_PROC_ROOT/proc/net/tcp6)"
	run pl pick --db "$db" --check 6000 --json
	json_is '.ports[0].criteria[6].verdict' fail
	run pl pick --db "$db" --check 80 --json
	json_is '.ports[0].criteria[5].fact' 'below ip_unprivileged_port_start 1024: binding it needs root or CAP_NET_BIND_SERVICE'
	run pl pick --db "$db" --check 50000 --json
	json_is '.ports[0].criteria[3].verdict' fail
}

@test "the same seed gives the same ports; another seed others; all pass on Debian's registry" {
	db=$(debian_store)
	a=$(pl pick --db "$db" --seed 7 --json)
	b=$(pl pick --db "$db" --seed 7 --json)
	c=$(pl pick --db "$db" --seed 8 --json)
	[ "$a" = "$b" ]
	[ "$(printf '%s' "$a" | jq -c '[.ports[].port]')" != "$(printf '%s' "$c" | jq -c '[.ports[].port]')" ]
	output=$a
	json_is '.ports | length' 5
	json_is '[.ports[].criteria[] | select(.verdict == "fail")] | length' 0
	json_is '[.ports[].criteria[] | select(.key == "rare") | .verdict] | unique | join(",")' pass
	# Cross-check with the port report: each pick is unassigned, outside 1024-49151 never.
	for p in $(printf '%s' "$a" | jq -r '.ports[].port'); do
		[ "$p" -ge 1024 ] && [ "$p" -le 49151 ]
		run pl --db "$db" --json --no-host "$p/tcp"
		json_is '.reports[0].registry.status' unassigned
		json_is '.reports[0].lore | map(select(.port | type == "number")) | length' 0
	done
}

@test "a real listener on loopback makes its port a poor choice" {
	db=$(fixture_store)
	python3 -c '
import socket, time
t = socket.socket(); t.bind(("127.0.0.1", 0)); t.listen()
print(t.getsockname()[1], flush=True)
time.sleep(60)' >"$BATS_TEST_TMPDIR/port" &
	LPID=$!
	for _ in $(seq 50); do [ -s "$BATS_TEST_TMPDIR/port" ] && break; sleep 0.1; done
	port=$(cat "$BATS_TEST_TMPDIR/port")
	run pl pick --db "$db" --check "$port" --json
	[ "$status" -eq 1 ]
	json_is '.ports[0].criteria[7].verdict' fail
	[[ "$(printf '%s' "$output" | jq -r '.ports[0].criteria[7].fact')" == "a tcp socket holds it now: 127.0.0.1 port $port, LISTEN (/proc/net/tcp)" ]]
}

@test "bad arguments and a malformed /proc file" {
	db=$(fixture_store)
	make_proc "40000	60999" ""
	run pl pick --db "$db" --check 3005 --count 2
	[ "$status" -eq 2 ]
	run pl pick --db "$db" --range 5000-4000
	[ "$status" -eq 2 ]
	[[ "$output" == *"--range '5000-4000': the low end is above the high end"* ]]
	run pl pick --db "$db" --proto sctp
	[ "$status" -eq 2 ]
	run pl pick --db "$db" --count 0
	[ "$status" -eq 2 ]
	run pl pick --db "$db" --near 70000
	[ "$status" -eq 2 ]
	run pl pick --db "$db" --seed -1
	[ "$status" -eq 2 ]
	run pl pick --db "$db" extra
	[ "$status" -eq 2 ]
	printf 'header\n   0: zz:0BB9 00000000:0000 0A\n' >"$PORTLORE_PROC_ROOT/proc/net/tcp"
	run pl pick --db "$db" --check 3005
	[ "$status" -eq 4 ]
	[[ "$output" == *"$PORTLORE_PROC_ROOT/proc/net/tcp:2: not a socket line"* ]]
	# No /proc/net at all: the sockets are unknown, said so, and picking goes on.
	rm -r "$PORTLORE_PROC_ROOT/proc/net"
	run pl pick --db "$db" --check 3005 --json
	[ "$status" -eq 0 ]
	json_is '.ports[0].criteria[7].verdict' unknown
}

@test "text: one line per candidate, every criterion with --full or -v, within -w" {
	db=$(fixture_store)
	make_proc "40000	60999" ""
	run pl pick --db "$db" --range 3000-3010 --near 3001 --count 3 -w 40
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | grep -c '^300[0-9]/tcp ')" -eq 3 ]
	[[ "$output" == *"3000/tcp    passes 7 of 8; unknown: rare"* ]]
	[ "$(printf '%s\n' "$output" | awk '{ print length($0) }' | sort -n | tail -1)" -le 40 ]
	run pl pick --db "$db" --range 3000-3010 --near 3001 --count 3 --full
	[[ "$output" == *"  pass    unassigned"* ]]
	full=$output
	run pl pick --db "$db" --range 3000-3010 --near 3001 --count 3 -v
	[ "$output" = "$full" ]
}
