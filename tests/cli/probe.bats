#!/usr/bin/env bats
# portlore probe, against hosts inside network namespaces this file creates: a scanner
# namespace and a target namespace joined by a veth pair, own addresses (198.18.0.0/15,
# RFC 2544's benchmarking block), no default route, so nothing can leave. "Filtered"
# ports are made with nftables drops inside the target. Needs root; CI runs as root.

load helpers

A4=198.18.7.2
A6=fd00:7::2
DROPALL=198.18.7.3   # the target's second address, where every packet is dropped

setup_file() {
	# Exported, so that every test (a process of its own) sees the same names.
	export S="plt$$s" T="plt$$t"
	[ "$(id -u)" -eq 0 ] || return 0
	command -v nft >/dev/null || return 0
	ip netns add "$S"
	ip netns add "$T"
	ip -n "$S" link set lo up
	ip -n "$T" link set lo up
	ip link add "${S}v" netns "$S" type veth peer name "${T}v" netns "$T"
	ip -n "$S" addr add 198.18.7.1/29 dev "${S}v"
	ip -n "$T" addr add "$A4/29" dev "${T}v"
	ip -n "$T" addr add "$DROPALL/29" dev "${T}v"
	ip -n "$S" addr add fd00:7::1/64 dev "${S}v" nodad
	ip -n "$T" addr add "$A6/64" dev "${T}v" nodad
	ip -n "$S" link set "${S}v" up
	ip -n "$T" link set "${T}v" up
	# Every closed UDP port answers with ICMP, not only the first few a second.
	ip netns exec "$T" sysctl -qw net.ipv4.icmp_ratelimit=0
	ip netns exec "$T" nft -f - <<-'NFT'
	table inet plt {
		chain input {
			type filter hook input priority 0;
			tcp dport { 81, 82 } drop
			ip daddr 198.18.7.3 drop
			udp dport 55 drop
		}
	}
	NFT
	ip netns exec "$T" "$PROBE_LISTEN" -t 240 -b 22="SSH-2.0-OpenSSH_9.2p1 Debian-2" \
		-H 80=nginx/1.22.1 -u 53 5000 >"$BATS_FILE_TMPDIR/listen.out" 2>&1 3>&- &
	echo $! >"$BATS_FILE_TMPDIR/listen.pid"
	for _ in $(seq 50); do
		grep -q ready "$BATS_FILE_TMPDIR/listen.out" && break
		sleep 0.1
	done
}

teardown_file() {
	[ -f "$BATS_FILE_TMPDIR/listen.pid" ] && kill "$(cat "$BATS_FILE_TMPDIR/listen.pid")" 2>/dev/null
	ip netns del "$S" 2>/dev/null || true
	ip netns del "$T" 2>/dev/null || true
}

setup() {
	[ "$(id -u)" -eq 0 ] || skip "network namespaces need root"
	command -v nft >/dev/null || skip "nft (nftables) is not installed"
	DB=$(debian_store)
}

# Runs portlore inside the scanner namespace.
probe() { run ip netns exec "$S" "$PORTLORE" probe --db "$DB" "$@"; }

state_of() {   # state_of PORT [PROTO]: the state of one port in $output (JSON)
	printf '%s' "$output" | jq -r --argjson p "$1" --arg proto "${2:-tcp}" \
		'.hosts[0].ports[] | select(.port == $p and .protocol == $proto) | .state'
}

@test "open, closed and filtered TCP ports are told apart" {
	probe --json --timeout 200 --retries 1 "$A4" 22,80,81,82,5000,6000
	[ "$status" -eq 0 ]
	[ "$(state_of 22)" = open ]
	[ "$(state_of 80)" = open ]
	[ "$(state_of 5000)" = open ]
	[ "$(state_of 6000)" = closed ]
	[ "$(state_of 81)" = filtered ]
	[ "$(state_of 82)" = filtered ]
	json_is '.schema' 'https://portlore.dev/schema/probe/1'
	json_is '.hosts[0].counts.open' 3
	json_is '.hosts[0].counts.filtered' 2
	json_is '[.hosts[0].ports[] | select(.port == 81) | .tries][0]' 2
	json_is '[.hosts[0].ports[] | select(.port == 22) | .reason][0]' syn-ack
	json_is '[.hosts[0].ports[] | select(.port == 22) | .service.name][0]' ssh
	json_is '[.hosts[0].ports[] | select(.port == 22) | .service.provenance][0]' iana
	# Without --banner, what runs there is only inferred from the number.
	json_is '[.hosts[0].ports[] | select(.port == 22) | .identified.provenance][0]' inferred
}

@test "the text table names ports, states and registry services" {
	probe --timeout 200 --retries 0 "$A4" 22,81,6000
	[ "$status" -eq 0 ]
	[[ "$output" == *"1 open, 1 closed, 1 filtered"* ]]
	[[ "$output" == *"22/tcp"*"open"*"ssh"* ]]
	[[ "$output" == *"6000/tcp"*"closed"* ]]
	[[ "$output" == *"81/tcp"*"filtered"* ]]
}

@test "--banner confirms services from lore's banner hints" {
	probe --json --banner --banner-wait 300 "$A4" 22,80,5000
	[ "$status" -eq 0 ]
	json_is '[.hosts[0].ports[] | select(.port == 22) | .identified.id][0]' openssh-sshd
	json_is '[.hosts[0].ports[] | select(.port == 22) | .identified.provenance][0]' probed
	json_is '[.hosts[0].ports[] | select(.port == 22) | .banner.probe][0]' null
	json_is '[.hosts[0].ports[] | select(.port == 80) | .identified.id][0]' web-nginx
	json_is '[.hosts[0].ports[] | select(.port == 80) | .banner.probe][0]' http-head
	# 5000 accepts and closes without a word: no banner, nothing confirmed.
	json_is '[.hosts[0].ports[] | select(.port == 5000) | .banner][0]' null
	[ "$(printf '%s' "$output" | jq -r '[.hosts[0].ports[] | select(.port == 5000) | .identified.provenance // "none"][0]')" != probed ]
}

@test "IPv6 targets are probed too" {
	probe --json --timeout 200 --retries 0 "$A6" 22,6000
	[ "$status" -eq 0 ]
	json_is '.hosts[0].address' "$A6"
	[ "$(state_of 22)" = open ]
	[ "$(state_of 6000)" = closed ]
}

@test "a CIDR block lists the addresses that answered" {
	probe --json --timeout 200 --retries 0 198.18.7.0/29 22
	[ "$status" -eq 0 ]
	json_is '.target.addresses' 8
	json_is '[.hosts[].address] | join(",")' "198.18.7.1,$A4"
	json_is '[.hosts[] | select(.address == "198.18.7.2") | .counts.open][0]' 1
	json_is '[.hosts[] | select(.address == "198.18.7.1") | .counts.closed][0]' 1
}

@test "UDP: open only on a reply, open|filtered on silence, closed on ICMP" {
	probe --json --udp --timeout 200 --retries 1 "$A4" 53,54,55
	[ "$status" -eq 0 ]
	[ "$(state_of 53 udp)" = open ]
	[ "$(state_of 54 udp)" = closed ]
	[ "$(state_of 55 udp)" = "open|filtered" ]
	json_is '[.hosts[0].ports[] | select(.port == 53) | .reason][0]' udp-response
}

@test "the default port set is nmap's top 1000" {
	[ -f /usr/share/nmap/nmap-services ] || skip "nmap-services is not installed"
	probe --json --timeout 200 --retries 1 "$A4"
	[ "$status" -eq 0 ]
	json_is '.scan.planned' 1000
	json_is '.hosts[0].counts.open + .hosts[0].counts.closed + .hosts[0].counts.filtered' 1000
	json_is '[.hosts[0].ports[].port] | sort | join(",")' "22,80,5000"
}

@test "Ctrl-C prints what was found so far and exits 130" {
	ip netns exec "$S" "$PORTLORE" probe --db "$DB" --json --max-rate 2000 "$A4" 1-65535 \
		>"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	sleep 1.5
	kill -INT "$pid"
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 130 ]
	output=$(cat "$BATS_TEST_TMPDIR/out")
	json_is '.scan.interrupted' true
	json_is '.hosts[0].ports[0].port' 22
	[ "$(printf '%s' "$output" | jq '.scan.done < 65535')" = true ]
	grep -q "interrupted" "$BATS_TEST_TMPDIR/err"
}

@test "the defaults find every open port of the whole range, and nothing else" {
	probe --json "$A4" 1-65535
	[ "$status" -eq 0 ]
	json_is '[.hosts[0].ports[] | select(.state == "open") | .port] | join(",")' "22,80,5000"
	json_is '.hosts[0].counts.open' 3
	json_is '.hosts[0].counts.filtered' 2
	json_is '.hosts[0].counts.closed' 65530
	json_is '.scan.done' 65535
	# No rate cap unless one is asked for.
	json_is '.scan.rate' null
}

@test "a target that drops everything is done in bounded time, every port filtered" {
	# Each port gets its tries one timeout each (no back-off: nothing ever answered), and
	# the window grows with every timeout, so 1000 silent ports take a few seconds.
	SECONDS=0
	probe --json "$DROPALL" 1-1000
	[ "$status" -eq 0 ]
	echo "took $SECONDS s"
	[ "$SECONDS" -lt 30 ]
	json_is '.hosts[0].counts.filtered' 1000
	json_is '.hosts[0].counts.open + .hosts[0].counts.closed' 0
	json_is '.scan.done' 1000
	json_is '.hosts[0].srtt_ms' null
}

@test "progress goes to a terminal's stderr only, never into JSON or a pipe" {
	# stderr a terminal (script(1) gives the command a pty), stdout a file: the status
	# line is on the terminal, the JSON is clean.
	cmd="ip netns exec $S $PORTLORE probe --db $DB --json --max-rate 2000 $A4 1-2000"
	script -qec "$cmd >$BATS_TEST_TMPDIR/out.json" /dev/null >"$BATS_TEST_TMPDIR/tty"
	grep -q "ports, .* open, .*/s, ETA" "$BATS_TEST_TMPDIR/tty"
	! grep -q ETA "$BATS_TEST_TMPDIR/out.json"
	jq -e '.scan.done == 2000 and .scan.rate == 2000' "$BATS_TEST_TMPDIR/out.json"
	# stderr a pipe or a file: nothing at all on it.
	ip netns exec "$S" "$PORTLORE" probe --db "$DB" --json --max-rate 2000 "$A4" 1-2000 \
		>"$BATS_TEST_TMPDIR/out2.json" 2>"$BATS_TEST_TMPDIR/err"
	[ ! -s "$BATS_TEST_TMPDIR/err" ]
	jq -e '.scan.elapsed >= 0.9' "$BATS_TEST_TMPDIR/out2.json"
}

@test "bad targets and options are refused with the input named" {
	probe 198.18.0.0/16 22
	[ "$status" -eq 2 ]
	[[ "$output" == *"198.18.0.0/16"*"--yes"* ]]
	probe 198.18.7.2/40 22
	[ "$status" -eq 2 ]
	probe "$A4" 22/sctp
	[ "$status" -eq 2 ]
	[[ "$output" == *"only tcp and udp"* ]]
	probe --max-rate 0 "$A4" 22
	[ "$status" -eq 2 ]
	[[ "$output" == *"--max-rate '0'"* ]]
	probe no-such-host.invalid 22
	[ "$status" -eq 1 ]
	[[ "$output" == *"no-such-host.invalid"* ]]
	run "$PORTLORE" probe
	[ "$status" -eq 2 ]
	run "$PORTLORE" help probe
	[ "$status" -eq 0 ]
	[[ "$output" == "usage: portlore probe"* ]]
}
