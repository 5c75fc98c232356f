#!/usr/bin/env bats
# Identification from evidence (identify.h) on real processes, loopback only: a program
# run as sshd with sshd's command line, python3 -m http.server, nc where lore expects
# Redis, a fake Redis that answers PING, a listener named like a miner on 3333. Every
# process is started here and stopped by its PID.

load helpers

HELPER="$BATS_TEST_DIRNAME/ident-listen.py"
PY=$(readlink -f /usr/bin/python3 2>/dev/null || command -v python3)

setup() {
	export PORTLORE_DB="$PORTLORE_STORE"
	PIDS=()
}

teardown() {
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
}

# start CMD...: runs a listener in the background; PORT is the port it prints (10 s;
# a python started from a copied binary is slow to start on a loaded machine).
start() {
	local out="$BATS_TEST_TMPDIR/port.$RANDOM"
	"$@" >"$out" 2>/dev/null &
	PIDS+=("$!")
	LASTPID=$!
	for _ in $(seq 400); do     # 20 s: a loaded machine can take seconds to start Python
		PORT=$(head -1 "$out" 2>/dev/null || true)
		[ -n "$PORT" ] && return 0
		sleep 0.05
	done
	echo "listener did not start: $*" >&2
	return 1
}

# wait_listen PORT: until something listens on 127.0.0.1:PORT (5 s).
wait_listen() {
	for _ in $(seq 100); do
		ss -Htln "sport = :$1" | grep -q . && return 0
		sleep 0.05
	done
	return 1
}

busy() { ss -Htln "sport = :$1" | grep -q .; }

@test "identify: sshd's command line names OpenSSH, on any port" {
	cp "$PY" "$BATS_TEST_TMPDIR/sshd"
	# The name of the executable and the command line of a running OpenSSH daemon.
	start bash -c 'exec -a "sshd: /usr/sbin/sshd -D [listener]" "$0" "$1" 0' \
		"$BATS_TEST_TMPDIR/sshd" "$HELPER"
	run pl who "$PORT"
	[ "$status" -eq 0 ]
	[[ "$output" == *"$LASTPID/sshd"*"= OpenSSH sshd (confirmed)"* ]]
	[[ "$output" != *"Junos NETCONF-over-SSH service (confirmed)"* ]]
	run pl who --json "$PORT"
	json_is '.observed.sockets[0].identified.id' openssh-sshd
	json_is '.observed.sockets[0].identified.confidence' confirmed
	json_is '.observed.sockets[0].identified.candidates[0].id' openssh-sshd
	# The runner-up shares the process name only: it scores lower.
	[ "$(printf '%s' "$output" | jq '.observed.sockets[0].identified.candidates[1].score < .observed.sockets[0].identified.candidates[0].score')" = true ]
}

@test "identify: a binary merely named sshd is not confirmed as OpenSSH" {
	cp "$PY" "$BATS_TEST_TMPDIR/sshd"
	start "$BATS_TEST_TMPDIR/sshd" "$HELPER" 0
	run pl who --json "$PORT"
	[ "$status" -eq 0 ]
	# Several uses list sshd as their process name; none has more: nothing is named.
	json_is '.observed.sockets[0].identified.confidence' ambiguous
	json_is '.observed.sockets[0].identified.id' null
	[ "$(printf '%s' "$output" | jq '[.observed.sockets[0].identified.candidates[].id] | index("openssh-sshd") != null')" = true ]
}

@test "identify: python3 -m http.server by its command line, not the first python use" {
	start python3 -u -m http.server 0 --bind 127.0.0.1
	PORT=$(sed -n 's/.* port \([0-9]*\) .*/\1/p' "$BATS_TEST_TMPDIR"/port.* | head -1)
	[ -n "$PORT" ] || wait_listen "$PORT"
	run pl who --json "$PORT"
	[ "$status" -eq 0 ]
	json_is '.observed.sockets[0].identified.id' python-http-server
	json_is '.observed.sockets[0].identified.confidence' confirmed
	[[ "$(printf '%s' "$output" | jq -r '.observed.sockets[0].identified.why[0]')" == "the command line is "* ]]
}

@test "identify: on 8080, among many python uses, the command line decides" {
	busy 8080 && skip "8080 is busy on this machine"
	python3 -m http.server 8080 --bind 127.0.0.1 >/dev/null 2>&1 &
	PIDS+=("$!")
	wait_listen 8080
	run pl who 8080
	[ "$status" -eq 0 ]
	[[ "$output" == *"= python -m http.server (SimpleHTTPServer) (confirmed)"* ]]
	[[ "$output" != *"Apache Airflow"*"(confirmed)"* ]]
	run pl ls 8080
	[[ "$output" == *"= python -m http.server (SimpleHTTPServer) (confirmed)"* ]]
	run pl -w 200 8080/tcp
	# The headline names what holds the port, not the port's most usual use.
	[[ "${lines[0]}" == "8080/tcp http-alt: python -m http.server (SimpleHTTPServer) (confirmed), here: python3 (pid "* ]]
	[[ "$output" == *"= python -m http.server (SimpleHTTPServer) (confirmed)"* ]]
}

@test "identify: nc where lore expects Redis is flagged" {
	local port=""
	for p in 6379 16379 26379; do busy "$p" || { port=$p; break; }; done
	[ -n "$port" ] || skip "6379, 16379 and 26379 are all busy"
	nc -l 127.0.0.1 "$port" </dev/null >/dev/null 2>&1 &
	PIDS+=("$!")
	wait_listen "$port"
	run pl who "$port"
	[ "$status" -eq 0 ]
	[[ "$output" == *"! $port held by nc, not redis-"* ]]
	[[ "$output" != *"= Redis"* ]]
	run pl who --json "$port"
	[[ "$(printf '%s' "$output" | jq -r '.observed.sockets[0].identified.contradiction')" == "$port held by nc, not redis-"* ]]
	json_is '.observed.sockets[0].identified.id' null
}

@test "identify: a fake Redis answering PING is Redis to a probe, not to who" {
	busy 6379 && skip "6379 is busy on this machine"
	start python3 "$HELPER" 6379 redis
	# Over the network, the answer to PING names Redis.
	run pl probe --json --banner 127.0.0.1 6379
	[ "$status" -eq 0 ]
	json_is '.hosts[0].ports[0].identified.id' redis-server
	json_is '.hosts[0].ports[0].identified.confidence' confirmed
	json_is '.hosts[0].ports[0].identified.provenance' probed
	# On the host, the process is python3, which no Redis use expects.
	run pl who 6379
	[[ "$output" == *"! 6379 held by python3, not redis-server"* ]]
}

@test "identify: a listener named like Claymore's miner on 3333" {
	busy 3333 && skip "3333 is busy on this machine"
	cp "$PY" "$BATS_TEST_TMPDIR/ethdcrminer64"
	start "$BATS_TEST_TMPDIR/ethdcrminer64" "$HELPER" 3333
	run pl who --json 3333
	[ "$status" -eq 0 ]
	json_is '.observed.sockets[0].identified.id' claymore-miner-api
	run pl who 3333
	[[ "$output" == *"ethdcrminer64"*"= Claymore's"* ]]
}

@test "identify: probe --banner never confirms a product from a generic HTTP reply" {
	busy 2375 && skip "2375 is busy on this machine"
	python3 -m http.server 2375 --bind 127.0.0.1 >/dev/null 2>&1 &
	PIDS+=("$!")
	wait_listen 2375
	run pl probe --json --banner 127.0.0.1 2375
	[ "$status" -eq 0 ]
	# Docker's hint matches any HTTP reply; the Server header names Python's server.
	[ "$(printf '%s' "$output" | jq -r '.hosts[0].ports[0].identified.id')" != docker-api-plain ]
	json_is '.hosts[0].ports[0].identified.id' python-http-server
	json_is '.hosts[0].ports[0].identified.provenance' probed
	run pl probe --banner 127.0.0.1 2375
	[[ "$output" != *"Docker Engine API"*"(confirmed)"* ]]
}

@test "identify: the Debian package of the executable is found through a dpkg seam" {
	local info="$BATS_TEST_TMPDIR/dpkg" exe
	cp "$PY" "$BATS_TEST_TMPDIR/sshd"
	exe=$(readlink -f "$BATS_TEST_TMPDIR/sshd")
	mkdir -p "$info"
	printf '/.\n/usr\n%s\n' "$exe" >"$info/openssh-server.list"
	printf '/bin/true\n' >"$info/coreutils:amd64.list"
	start "$BATS_TEST_TMPDIR/sshd" "$HELPER" 0
	PORTLORE_DPKG_INFO="$info" run pl who "$PORT"
	[ "$status" -eq 0 ]
	[[ "$output" == *"executable: $exe (Debian package openssh-server)"* ]]
	# Name and package together single OpenSSH out.
	[[ "$output" == *"= OpenSSH sshd (confirmed)"* ]]
}
