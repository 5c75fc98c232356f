#!/usr/bin/env bats
# portlore serve as a service: the systemd units in dist/systemd pass
# `systemd-analyze verify`; serve starts with no options on a fresh account (no home
# folders yet) and creates where its votes go; socket activation hands it descriptor 3
# (systemd-socket-activate plays systemd); StateDirectory= is honoured.

load helpers

setup() {
	export PORTLORE_DB="$PORTLORE_STORE"
	PIDS=()
}

teardown() {
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# activate PORT ARGS...: systemd-socket-activate holding 127.0.0.1:PORT for
# `portlore serve ARGS`, with an environment of a fresh account.
activate() {
	local port=$1
	shift
	command -v systemd-socket-activate >/dev/null ||
		skip "systemd-socket-activate missing (Debian package systemd)"
	systemd-socket-activate -l "127.0.0.1:$port" -E HOME="$BATS_TEST_TMPDIR/home" \
		-E PORTLORE_DB="$PORTLORE_STORE" -E PORTLORE_LOCALEDIR="$PORTLORE_LOCALEDIR" \
		"${ENVS[@]}" "$PORTLORE" serve "$@" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	PIDS+=("$!")
	local i
	for i in $(seq 100); do
		grep -q "Listening on" "$BATS_TEST_TMPDIR/err" && return 0
		sleep 0.05
	done
	return 1
}

@test "the units pass systemd-analyze verify" {
	command -v systemd-analyze >/dev/null || skip "systemd-analyze missing (Debian package systemd)"
	local d=$BATS_TEST_TMPDIR/units f
	mkdir -p "$d"
	for f in "$PORTLORE_SRC"/dist/systemd/*.service.in; do
		sed "s|@bindir@/portlore|$(realpath "$PORTLORE")|g" "$f" >"$d/$(basename "$f" .in)"
	done
	cp "$PORTLORE_SRC"/dist/systemd/*.socket "$PORTLORE_SRC"/dist/systemd/*.timer "$d/"
	run systemd-analyze verify --man=no "$d"/*.service "$d"/*.socket "$d"/*.timer
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	grep -qx 'DynamicUser=yes' "$d/portlore.service"
	grep -qx 'StateDirectory=portlore' "$d/portlore.service"
	grep -qx 'ProtectSystem=strict' "$d/portlore.service"
	grep -qx 'ExecStart=/bin/sh -c .*ls --format prometheus.*' "$d/portlore-textfile.service"
}

@test "socket activation: serve with no options takes descriptor 3; a fresh account gets its vote folder" {
	local port
	port=$(free_port)
	ENVS=()
	activate "$port"
	[ ! -e "$BATS_TEST_TMPDIR/home" ]
	run curl -s --max-time 10 "http://127.0.0.1:$port/healthz"
	[ "$output" = ok ]
	run curl -s --max-time 10 -H 'Content-Type: application/json' \
		--data '{"page":"/port/22","vote":"yes"}' "http://127.0.0.1:$port/api/v1/feedback"
	[[ "$output" == *'"mine": "yes"'* ]]
	[ -f "$BATS_TEST_TMPDIR/home/.local/share/portlore/feedback.db" ]
	grep -q "^portlore: serving http://127.0.0.1:$port/" "$BATS_TEST_TMPDIR/out"
	# The passed socket is the one served: the server bound nothing of its own.
	[ "$(ss -Htlnp "sport = :$port" | wc -l)" -eq 1 ]
}

@test "StateDirectory: the votes go to \$STATE_DIRECTORY, created when missing" {
	local port
	port=$(free_port)
	ENVS=(-E STATE_DIRECTORY="$BATS_TEST_TMPDIR/state/portlore")
	activate "$port"
	run curl -s --max-time 10 -H 'Content-Type: application/json' \
		--data '{"page":"/","vote":"no"}' "http://127.0.0.1:$port/api/v1/feedback"
	[[ "$output" == *'"mine": "no"'* ]]
	[ -f "$BATS_TEST_TMPDIR/state/portlore/feedback.db" ]
	[ ! -e "$BATS_TEST_TMPDIR/home/.local/share/portlore" ]
	run pl feedback --feedback-db "$BATS_TEST_TMPDIR/state/portlore/feedback.db"
	[[ "$output" == *"/ "*"0"*"0"*"1"* ]]
}

@test "a passed socket and --listen together are a usage error" {
	local port
	port=$(free_port)
	ENVS=()
	activate "$port" --listen 127.0.0.1:0
	curl -s --max-time 5 "http://127.0.0.1:$port/healthz" || true
	for _ in $(seq 100); do
		grep -q "conflicts" "$BATS_TEST_TMPDIR/err" && break
		sleep 0.05
	done
	grep -q -- "--listen conflicts with the socket systemd passed" "$BATS_TEST_TMPDIR/err"
}
