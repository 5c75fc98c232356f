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
	listen 0.0.0.0 2375
	run pl audit --db "$DB" --json
	[ "$status" -eq 0 ]
	json_is '[.listeners[] | select(.port == 2375) | .exposure] | first' all
	json_is '[.listeners[] | select(.port == 2375) | .findings[] | .severity] | map(select(. == "high" or . == "critical")) | length > 0' true
	json_is '[.listeners[] | select(.port == 2375) | .process.pid] | first' "${pids[0]}"
	run pl audit --db "$DB" --fail-on high
	[ "$status" -eq 1 ]
	[[ "$output" == *"*:2375"* ]]
	kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true
	pids=()
	listen 127.0.0.1 2375
	run pl audit --db "$DB" --json
	json_is '[.listeners[] | select(.port == 2375) | .exposure] | first' loopback
	json_is '[.listeners[] | select(.port == 2375) | .findings[]] | length' 0
}

@test "an unknown service on all interfaces is a low finding" {
	# A free port that neither the registry assigns nor lore knows.
	port=""
	for p in $(seq 47690 47720); do
		ss -Htln "sport = :$p" | grep -q . && continue
		out=$(pl --db "$DB" --json --no-host "$p/tcp")
		[ "$(printf '%s' "$out" | jq '[.reports[0].lore[] | select(.broad | not)] | length')" -eq 0 ] || continue
		[ "$(printf '%s' "$out" | jq -r '.reports[0].registry.status')" = assigned ] && continue
		port=$p; break
	done
	[ -n "$port" ] || skip "no unknown free port in 47690-47720"
	listen 0.0.0.0 "$port"
	run pl audit --db "$DB" --json
	json_is "[.listeners[] | select(.port == $port) | .findings[] | .severity] | index(\"low\") != null" true
}

@test "audit: bad --fail-on is a usage error" {
	run pl audit --db "$DB" --fail-on dire
	[ "$status" -eq 2 ]
	[[ "$output" == *"--fail-on 'dire'"* ]]
}
