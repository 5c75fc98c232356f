#!/usr/bin/env bats
# kill acts in one network namespace (the caller's, or the one --netns names), never
# signals the init of any PID namespace, and signals a process of another PID namespace
# only when its namespace was named and the user confirmed. Listeners run in a named
# namespace made here (ip netns) and in unshare sandboxes; all are stopped by PID.
# Nothing here may signal a process the test did not start: a port that is asked about
# in this namespace while its listener is elsewhere is first reserved here
# (who-listen.py reserve), and such a kill runs without --yes, so that one that finds
# something unexpected asks (status 2) instead of acting.

load helpers

HELPER="$BATS_TEST_DIRNAME/who-listen.py"
PY=/usr/bin/python3

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (namespaces)"
	[ -x "$PY" ] || skip "no $PY"
	export PORTLORE_DB="$PORTLORE_STORE"
	PIDS=()
	NETNS="plk-$$-$BATS_TEST_NUMBER"
}

teardown() {
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
	ip netns del "$NETNS" 2>/dev/null || true
}

# started FILE: waits (deadline 5 s) for a helper to print its port into FILE; sets PORT.
started() {
	for _ in $(seq 100); do
		PORT=$(head -1 "$1" 2>/dev/null || true)
		[ -n "$PORT" ] && return 0
		sleep 0.05
	done
	echo "helper did not start" >&2
	return 1
}

# child_of PID: the first child of PID (deadline 5 s).
child_of() {
	local c
	for _ in $(seq 100); do
		c=$(cat "/proc/$1/task/$1/children" 2>/dev/null | awk '{print $1}')
		[ -n "$c" ] && { echo "$c"; return 0; }
		sleep 0.05
	done
	return 1
}

# reserve: sets PORT to a TCP port that no listener of this namespace can take.
reserve() {
	"$PY" "$HELPER" reserve >"$BATS_TEST_TMPDIR/r" &
	PIDS+=("$!")
	started "$BATS_TEST_TMPDIR/r"
}

@test "kill: a listener in another network namespace is not touched without --netns" {
	ip netns add "$NETNS" || skip "cannot add a network namespace"
	ip netns exec "$NETNS" ip link set lo up
	reserve
	ip netns exec "$NETNS" "$PY" "$HELPER" listen tcp 127.0.0.1 "$PORT" >"$BATS_TEST_TMPDIR/p" &
	PIDS+=("$!")
	started "$BATS_TEST_TMPDIR/p"
	lst=$(pgrep -f "who-listen.py listen tcp 127.0.0.1 $PORT" -n)
	run pl kill "$PORT/tcp" </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"nothing listens on $PORT/tcp in this network namespace"* ]]
	[[ "$output" == *"listeners in other network namespaces ($NETNS)"* ]]
	[[ "$output" != *"is free"* ]]
	kill -0 "$lst"
	# --dry-run names the namespace of the target, by its ip netns name.
	run pl kill --dry-run --netns "$NETNS" "$PORT"
	[ "$status" -eq 0 ]
	[[ "$output" == *"would send"*"/python3"*"[netns $NETNS, "* ]]
	run pl kill --dry-run --json --netns "$NETNS" "$PORT"
	json_is '.actions[0].netns' "$NETNS"
	json_is '.netns' "$NETNS"
	kill -0 "$lst"
	run pl kill --yes --netns "$NETNS" "$PORT"
	[ "$status" -eq 0 ]
	[[ "$output" == *"port $PORT is free"* ]]
	! kill -0 "$lst" 2>/dev/null || { sleep 0.3; ! kill -0 "$lst" 2>/dev/null; }
	# Namespaces that do not exist, or are not network namespaces.
	run pl kill --netns "no-such-ns-$$" 80
	[ "$status" -eq 2 ]
	[[ "$output" == *"--netns 'no-such-ns-$$'"*"No such file"* ]]
	run pl kill --netns /proc/self/ns/pid 80
	[ "$status" -eq 2 ]
	[[ "$output" == *"not a network namespace"* ]]
}

@test "kill: never signals the init of a PID namespace, even with --netns and KILL" {
	unshare --net --pid --fork true 2>/dev/null || skip "cannot unshare here"
	reserve
	unshare --net --pid --fork --kill-child sh -c \
		"ip link set lo up; exec $PY $HELPER listen tcp 127.0.0.1 $PORT" >"$BATS_TEST_TMPDIR/p" &
	PIDS+=("$!")
	started "$BATS_TEST_TMPDIR/p"
	init=$(child_of "${PIDS[1]}")
	[ "$(awk '/^NSpid:/ {print $NF}' "/proc/$init/status")" = 1 ]
	run pl kill --signal KILL "$PORT/tcp" </dev/null
	[ "$status" -eq 1 ]
	run pl kill --yes --signal KILL --netns "/proc/$init/ns/net" "$PORT"
	[ "$status" -eq 1 ]
	[[ "$output" == *"skip $init/python3"*"PID 1 in its PID namespace"*"never signalled"* ]]
	kill -0 "$init"
	run pl kill --dry-run --json --netns "/proc/$init/ns/net" "$PORT"
	[ "$status" -eq 0 ]
	json_is '.actions[0].pidns_init' true
	json_is '.actions[0].action' 'skipped: namespace init'
	kill -0 "$init"
}

@test "kill: a process of another PID namespace needs --netns and confirmation" {
	unshare --pid --fork true 2>/dev/null || skip "cannot unshare here"
	# Same network namespace as the caller, another PID namespace: not its init.
	unshare --pid --fork --kill-child sh -c "$PY $HELPER listen tcp 127.0.0.1 & wait" \
		>"$BATS_TEST_TMPDIR/p" &
	PIDS+=("$!")
	started "$BATS_TEST_TMPDIR/p"
	sh=$(child_of "${PIDS[0]}")
	lst=$(child_of "$sh")
	run pl kill --yes "$PORT/tcp"
	[ "$status" -eq 1 ]
	[[ "$output" == *"skip $lst/python3"*"in another PID namespace"* ]]
	kill -0 "$lst"
	run pl kill --netns "/proc/$lst/ns/net" "$PORT/tcp" </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"add --yes"* ]]
	kill -0 "$lst"
	run pl kill --yes --netns "/proc/$lst/ns/net" "$PORT/tcp"
	[ "$status" -eq 0 ]
	[[ "$output" == *"sent Terminated to $lst/python3"*"(not yours)"* ]]
}

@test "kill --netns without the privilege to enter a namespace: status 6, said so" {
	command -v setpriv >/dev/null || skip "setpriv not available"
	ip netns add "$NETNS" || skip "cannot add a network namespace"
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$PORTLORE" kill --netns "$NETNS" 80
	[ "$status" -eq 6 ]
	[[ "$output" == *"--netns '$NETNS': entering a network namespace needs root"* ]]
}
