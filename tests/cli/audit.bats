#!/usr/bin/env bats
# `portlore audit`: real listeners opened here, findings by severity, --fail-on.

load helpers

PY=$(command -v /usr/bin/python3 || command -v python3)

setup() {
	DB=$(debian_store)
	export NO_COLOR=1
	pids=()
}

teardown() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
}

# listen ADDR PORT: a TCP listener for at most 60 s; waits until it listens.
listen() {
	"$PY" -c "import socket,sys,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(); print('up', flush=True); time.sleep(60)" "$1" "$2" >"$BATS_TEST_TMPDIR/l.$2" &
	pids+=($!)
	for _ in $(seq 50); do grep -q up "$BATS_TEST_TMPDIR/l.$2" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}

@test "Docker's API port open on all interfaces is a finding; on loopback it is not" {
	ss -Htln 'sport = :2375' | grep -q . && skip "2375 is in use here"
	# Listeners of this namespace: audit also covers others (marked own_netns false).
	listen 0.0.0.0 2375
	run pl audit --db "$DB" --json
	[ "$status" -eq 0 ]
	json_is '[.listeners[] | select(.port == 2375 and .own_netns) | .exposure] | first' all
	json_is '[.listeners[] | select(.port == 2375 and .own_netns) | .findings[] | .severity] | map(select(. == "high" or . == "critical")) | length > 0' true
	json_is '[.listeners[] | select(.port == 2375 and .own_netns) | .process.pid] | first' "${pids[0]}"
	run pl audit --db "$DB" --fail-on high
	[ "$status" -eq 1 ]
	[[ "$output" == *"*:2375"* ]]
	kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true
	pids=()
	listen 127.0.0.1 2375
	run pl audit --db "$DB" --json
	json_is '[.listeners[] | select(.port == 2375 and .own_netns) | .exposure] | first' loopback
	json_is '[.listeners[] | select(.port == 2375 and .own_netns) | .findings[]] | length' 0
}

@test "a risk lore scopes to an entry's other ports is no finding on this one" {
	# NetScaler management's CVEs concern the Gateway/AAA endpoints on 443; its entry
	# also lists 3010, where the HA pair's own risk applies and the management's must
	# not (it was reported as a high finding naming 443's exploits).
	ss -Htln 'sport = :3010' | grep -q . && skip "3010 is in use here"
	listen 0.0.0.0 3010
	run pl audit --db "$DB" --json
	[ "$status" -eq 0 ]
	json_is '[.listeners[] | select(.port == 3010 and .own_netns) | .findings[] | .lore] | index("citrix-netscaler-ha") != null' true
	json_is '[.listeners[] | select(.port == 3010 and .own_netns) | .findings[] | .lore] | index("citrix-netscaler-mgmt")' null
	json_is '[.listeners[] | select(.port == 3010 and .own_netns) | .findings[] | .reason] | map(select(test("443"))) | length' 0
}

@test "an unknown service on all interfaces is a low finding" {
	# A free port that neither the registry assigns nor lore knows.
	port=""
	for p in $(seq 47690 47720); do
		# Any socket on the port (a client's ephemeral port too) would refuse the bind.
		ss -Htan "sport = :$p" | grep -q . && continue
		out=$(pl --db "$DB" --json --no-host "$p/tcp")
		[ "$(printf '%s' "$out" | jq '[.reports[0].lore[] | select(.broad | not)] | length')" -eq 0 ] || continue
		[ "$(printf '%s' "$out" | jq -r '.reports[0].registry.status')" = assigned ] && continue
		listen 0.0.0.0 "$p" || continue
		port=$p; break
	done
	[ -n "$port" ] || skip "no unknown free port in 47690-47720"
	run pl audit --db "$DB" --json
	json_is "[.listeners[] | select(.port == $port and .own_netns) | .findings[] | .severity] | index(\"low\") != null" true
}

@test "audit: bad --fail-on is a usage error" {
	run pl audit --db "$DB" --fail-on dire
	[ "$status" -eq 2 ]
	[[ "$output" == *"--fail-on 'dire'"* ]]
}

@test "audit keeps every finding: telnet on *:23, sorted, summary first, a remedy each" {
	[ "$(id -u)" -eq 0 ] || skip "port 23 needs root"
	ss -Htln 'sport = :23' | grep -q . && skip "23 is in use here"
	listen 0.0.0.0 23
	run pl audit --db "$DB" --json
	[ "$status" -eq 0 ]
	# Lore knows five uses of 23/tcp with a risk: none is dropped (there was a cap of four).
	json_is '[.listeners[] | select(.port == 23 and .own_netns) | .findings[] | .lore] | index("telnet-server") != null' true
	json_is '[.listeners[] | select(.port == 23 and .own_netns) | .findings[] | select(.lore == "telnet-server") | .lore_risk] | first' critical
	json_is '[.listeners[] | select(.port == 23 and .own_netns) | .findings | length] | first > 4' true
	# Most severe first, within a listener and across listeners.
	json_is '[.listeners[] | select(.port == 23 and .own_netns) | .findings[] | {"info":0,"low":1,"medium":2,"high":3,"critical":4}[.severity]] | . == (sort | reverse)' true
	json_is '[.listeners[] | {"info":0,"low":1,"medium":2,"high":3,"critical":4}[.worst // "info"] // -1] | . == (sort | reverse)' true
	# Every finding has a remedy; the summary counts them all.
	json_is '[.listeners[].findings[] | select((.remedy // "") == "")] | length' 0
	json_is '([.listeners[].findings[]] | length) == .summary.findings' true
	json_is '([.listeners[].findings[] | select(.severity == "high")] | length) == .summary.by_severity.high' true
	json_is '[.listeners[] | select(.port == 23 and .own_netns) | .findings[] | select(.rule == "exposed-risk") | .remedy] | first | test("bind it to 127.0.0.1")' true
	run pl audit --db "$DB"
	[ "$status" -eq 0 ]
	# Text: the summary line comes first, then the listeners.
	[[ "${lines[0]}" =~ ^[0-9]+\ findings?:\ [0-9]+\ critical,\ [0-9]+\ high, ]]
	[[ "$output" == *"*:23"*"Telnet"*"remedy: bind it to 127.0.0.1"* ]]
}

@test "audit covers listeners in other network namespaces, marking which" {
	[ "$(id -u)" -eq 0 ] || skip "needs root (ip netns)"
	ns="pla-$$"
	ip netns add "$ns" || skip "cannot add a network namespace"
	ip netns exec "$ns" ip link set lo up
	ip netns exec "$ns" "$PY" -c "import socket,time
s=socket.socket(); s.bind(('0.0.0.0', 2375)); s.listen(); print('up', flush=True); time.sleep(60)" >"$BATS_TEST_TMPDIR/ns" &
	pids+=($!)
	for _ in $(seq 50); do grep -q up "$BATS_TEST_TMPDIR/ns" 2>/dev/null && break; sleep 0.1; done
	run pl audit --db "$DB" --json
	kill "${pids[@]}" 2>/dev/null || true
	ip netns del "$ns"
	[ "$status" -eq 0 ]
	json_is "[.listeners[] | select(.netns == \"$ns\") | .port] | index(2375) != null" true
	json_is "[.listeners[] | select(.netns == \"$ns\") | .own_netns] | first" false
	json_is "[.listeners[] | select(.netns == \"$ns\" and .port == 2375) | .findings[] | .severity] | map(select(. == \"high\" or . == \"critical\")) | length > 0" true
	json_is '.summary.namespaces >= 2' true
}
