#!/usr/bin/env bats
# The image of a container holding a port: read from Docker's records through
# PORTLORE_CONTAINER_ROOT (tests/fixtures/containers), shown by ls and who, and weighed
# by the identification. The process is a recorded /proc replayed through
# PORTLORE_PROC_ROOT: no container runtime is needed.

load helpers

DOCKER_ID=3f4e1a2b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f
BROKEN_ID=0badc0ffee0badc0ffee0badc0ffee0badc0ffee0badc0ffee0badc0ffee0bad

setup() {
	export PORTLORE_DB="$PORTLORE_STORE"
	export PORTLORE_CONTAINER_ROOT="$PORTLORE_SRC/tests/fixtures/containers"
	root="$BATS_TEST_TMPDIR/root"
	mkdir -p "$root/proc/net" "$root/proc/4242/fd"
	# One listener, 127.0.0.1:6379, socket inode 5550001.
	{
		echo '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode'
		echo '   0: 0100007F:18EB 00000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 5550001 1 0000000000000000 100 0 0 10 0'
	} >"$root/proc/net/tcp"
	for f in tcp6 udp udp6; do
		head -1 "$root/proc/net/tcp" >"$root/proc/net/$f"
	done
	# The container's entrypoint shell: a name that says nothing of Redis.
	printf 'docker-entrypoi\n' >"$root/proc/4242/comm"
	printf '/bin/sh\0/usr/local/bin/docker-entrypoint.sh\0' >"$root/proc/4242/cmdline"
	echo '4242 (docker-entrypoi) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 1 0 0 20 0 1 0 1000 0 0' \
		>"$root/proc/4242/stat"
	printf 'Name:\tdocker-entrypoi\nUid:\t999\t999\t999\t999\n' >"$root/proc/4242/status"
	ln -s 'socket:[5550001]' "$root/proc/4242/fd/3"
	cgroup "$DOCKER_ID"
}

cgroup() { echo "0::/system.slice/docker-$1.scope" >"$root/proc/4242/cgroup"; }

@test "ls --json shows the container's image and name, and the image names Redis" {
	PORTLORE_PROC_ROOT="$root" run pl ls --json
	[ "$status" -eq 0 ]
	json_is '.observed.processes[0].container.runtime' docker
	json_is '.observed.processes[0].container.id' "$DOCKER_ID"
	json_is '.observed.processes[0].container.image' redis:7
	json_is '.observed.processes[0].container.name' cache
	json_is '.observed.sockets[0].local.port' 6379
	json_is '.observed.sockets[0].identified.id' redis-server
	json_is '.observed.sockets[0].identified.confidence' likely
	json_is '.observed.sockets[0].identified.why[0]' 'container image redis:7'
}

@test "who and ls text name the image next to the container" {
	PORTLORE_PROC_ROOT="$root" run pl ls
	[ "$status" -eq 0 ]
	[[ "$output" == *"docker:3f4e1a2b9c8d (redis:7)"* ]]
	PORTLORE_PROC_ROOT="$root" run pl who 6379
	[ "$status" -eq 0 ]
	[[ "$output" == *"container: docker $DOCKER_ID, name cache, image redis:7"* ]]
	PORTLORE_PROC_ROOT="$root" run pl 6379
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *"here: docker-entrypoi (pid 4242, container docker redis:7)"* ]]
}

@test "without the runtime's records the port alone speaks" {
	PORTLORE_CONTAINER_ROOT="$BATS_TEST_TMPDIR/empty" PORTLORE_PROC_ROOT="$root" run pl ls --json
	[ "$status" -eq 0 ]
	json_is '.observed.processes[0].container.image' null
	json_is '.observed.sockets[0].identified.confidence' 'port only'
}

@test "a malformed config.v2.json gives no image and no failure" {
	cgroup "$BROKEN_ID"
	PORTLORE_PROC_ROOT="$root" run pl ls --json
	[ "$status" -eq 0 ]
	json_is '.observed.processes[0].container.id' "$BROKEN_ID"
	json_is '.observed.processes[0].container.image' null
}

@test "the container object with its image is valid against docs/sockets.schema.json" {
	local check="$PORTLORE_SRC/tests/schema-check.py" docs="$PORTLORE_SRC/docs"
	PORTLORE_PROC_ROOT="$root" pl ls --json >"$BATS_TEST_TMPDIR/doc.json"
	run "$check" "$docs" "$docs/sockets.schema.json" "$BATS_TEST_TMPDIR/doc.json"
	[ "$status" -eq 0 ]
	# The schema does constrain it: an image that is not a string is refused.
	jq '.observed.processes[0].container.image = 7' "$BATS_TEST_TMPDIR/doc.json" \
		>"$BATS_TEST_TMPDIR/bad.json"
	run "$check" "$docs" "$docs/sockets.schema.json" "$BATS_TEST_TMPDIR/bad.json"
	[ "$status" -eq 1 ]
	[[ "$output" == *"container/image"* ]]
}
