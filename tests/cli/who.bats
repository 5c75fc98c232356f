#!/usr/bin/env bats
# who, ls and kill on real sockets: TCP and UDP, IPv4 and IPv6, loopback and wildcard,
# a socket shared by two processes, a listener in a namespace made here, a listener of
# another user; ss as the oracle of the live set; a recorded /proc/net through the seam.

load helpers

HELPER="$BATS_TEST_DIRNAME/who-listen.py"

setup() {
	export PORTLORE_DB="$PORTLORE_STORE"
	PIDS=()
	NETNS=""
}

teardown() {
	for p in "${PIDS[@]}"; do
		pkill -P "$p" 2>/dev/null || true   # a forked child of our own helper
		kill "$p" 2>/dev/null || true
	done
	[ -z "$NETNS" ] || ip netns del "$NETNS" 2>/dev/null || true
}

# start CMD...: runs a helper in the background; sets PORT to what it prints (deadline
# 20 s: a loaded machine can take seconds to start Python).
start() {
	local out="$BATS_TEST_TMPDIR/port.$RANDOM"
	"$@" >"$out" &
	PIDS+=("$!")
	LASTPID=$!
	for _ in $(seq 400); do
		PORT=$(head -1 "$out" 2>/dev/null || true)
		[ -n "$PORT" ] && return 0
		sleep 0.05
	done
	echo "helper did not start: $*" >&2
	return 1
}

# start_alone CMD...: start, retried (at most 20 times) until the helper's socket is the
# only one of any protocol and family on its port: a test that counts the sockets on
# that number must not meet another program's (a machine with thousands of listeners).
start_alone() {
	for _ in $(seq 20); do
		start "$@"
		[ "$(ss -Htuan "sport = :$PORT" | wc -l)" -le 1 ] && return 0
		kill "$LASTPID" 2>/dev/null || true
	done
	echo "no port without other sockets: $*" >&2
	return 1
}

# The system's python: a per-user one (pyenv) may be out of another user's reach.
PY=$(command -v /usr/bin/python3 || command -v python3)

need_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (CI runs as root)"
}

@test "who: a TCP IPv4 loopback listener, with its process" {
	start python3 "$HELPER" listen tcp 127.0.0.1
	run pl who --db "$(fixture_store)" "$PORT/tcp"
	[ "$status" -eq 0 ]
	[[ "$output" == *"tcp LISTEN"*"127.0.0.1:$PORT"*"loopback only"*"$LASTPID/python3 (root"* ]]
	[[ "$output" == *"command: "*"who-listen.py listen tcp 127.0.0.1"* ]]
	run pl who --db "$(fixture_store)" --json "$PORT/tcp"
	[ "$status" -eq 0 ]
	json_is '.observed.sockets[0].scope' loopback
	json_is '.observed.sockets[0].family' ipv4
	json_is '.observed.sockets[0].provenance' observed
	json_is ".observed.sockets[0].pids[0]" "$LASTPID"
	json_is ".observed.processes[0].user" "$(id -un)"
	json_is '.bind[0].listening' true
	# Its start, as ps works it out: /proc/stat's btime and the clock ticks after boot
	# in the process's stat (the 22nd field; its name may hold spaces).
	btime=$(awk '/^btime / {print $2}' /proc/stat)
	ticks=$(sed 's/.*) //' "/proc/$LASTPID/stat" | awk '{print $20}')
	json_is ".observed.processes[0].start" \
		"$(date -u -d "@$((btime + ticks / $(getconf CLK_TCK)))" +%Y-%m-%dT%H:%M:%SZ)"
}

@test "who: TCP IPv6 wildcard (IPv4 too), UDP IPv4 wildcard and UDP IPv6 loopback" {
	start python3 "$HELPER" listen tcp ::
	run pl who --json "$PORT/tcp"
	[ "$status" -eq 0 ]
	json_is '.observed.sockets[0].family' ipv6
	json_is '.observed.sockets[0].scope' all
	json_is '.observed.sockets[0].v6only' false
	start python3 "$HELPER" listen udp 0.0.0.0
	run pl who "$PORT/udp"
	[ "$status" -eq 0 ]
	[[ "$output" == *"udp UNCONN"*"*:$PORT"*"all interfaces"*"/python3"* ]]
	start_alone python3 "$HELPER" listen udp ::1
	run pl who --json "$PORT"
	[ "$status" -eq 0 ]
	json_is '.observed.sockets[0].protocol' udp
	json_is '.observed.sockets[0].local.address' ::1
	json_is '.observed.sockets[0].scope' loopback
}

@test "who: a socket shared by two processes names both" {
	start python3 "$HELPER" listen tcp 127.0.0.1 fork
	sleep 0.2
	child=$(pgrep -P "$LASTPID" | head -1)
	[ -n "$child" ]
	run pl who --json "$PORT/tcp"
	[ "$status" -eq 0 ]
	json_is '.observed.sockets[0].pids | length' 2
	json_is ".observed.sockets[0].pids | sort | map(tostring) | join(\",\")" \
		"$(printf '%s\n' "$LASTPID" "$child" | sort -n | paste -sd,)"
	# ls walks every process, and agrees.
	run pl ls --json "$PORT"
	json_is '.observed.sockets[0].pids | length' 2
}

@test "who: a pre-forking server, one worker holding the listener behind 3,000 descriptors" {
	# The newest worker (walked first) holds the listener only after 3,000 other
	# descriptors: a helper thread starts on the next worker and finds it at once, the
	# first thread leaves the newest unfinished, and the relatives pass must walk it
	# again. ss, which reads every descriptor, is the oracle.
	start python3 "$HELPER" prefork 3 3000
	for _ in $(seq 100); do
		[ "$(pgrep -c -P "$LASTPID")" -eq 3 ] && [ "$(ss -Htlnp "sport = :$PORT" |
		    grep -o 'pid=' | wc -l)" -eq 4 ] && break
		sleep 0.05
	done
	want=$(ss -Htlnp "sport = :$PORT" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -n | paste -sd,)
	[ "$(echo "$want" | tr , '\n' | wc -l)" -eq 4 ]       # the master and three workers
	run pl who --json "$PORT/tcp"
	[ "$status" -eq 0 ]
	json_is '.observed.sockets[0].pids | sort | map(tostring) | join(",")' "$want"
	run pl ls --json "$PORT"
	json_is '.observed.sockets[0].pids | sort | map(tostring) | join(",")' "$want"
}

@test "ls: the live set of listeners is the set ss reports" {
	start python3 "$HELPER" listen tcp 127.0.0.1
	start python3 "$HELPER" listen udp ::
	own=$(readlink /proc/self/ns/net)
	ss_set() { ss -Htuln | awk '{ n = split($5, a, ":"); print $1, a[n] }' | sort -u; }
	# Other tests open and close sockets meanwhile: ls must see every socket ss sees
	# both before and after it, and none that ss sees neither before nor after.
	for try in 1 2 3; do
		before=$(ss_set)
		mine=$(pl ls --json | jq -r --arg ns "$own" \
			'.observed.sockets[] | select(.netns == $ns) | "\(.protocol) \(.local.port)"' | sort -u)
		after=$(ss_set)
		both=$(comm -12 <(echo "$before") <(echo "$after"))
		either=$(sort -u <(echo "$before") <(echo "$after"))
		missing=$(comm -23 <(echo "$both") <(echo "$mine"))
		extra=$(comm -13 <(echo "$either") <(echo "$mine"))
		[ -z "$missing" ] && [ -z "$extra" ] && break
	done
	[ -z "$missing" ] || { echo "ls misses: $missing"; false; }
	[ -z "$extra" ] || { echo "ls invents: $extra"; false; }
	[[ "$mine" == *"tcp $PORT"* || "$mine" == *"udp $PORT"* ]]
}

@test "ls: owners agree with ss -tulnp" {
	start python3 "$HELPER" listen tcp 127.0.0.1
	ss_pid=$(ss -Htlnp "sport = :$PORT" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
	run pl ls --json --tcp "$PORT"
	json_is '.observed.sockets[0].pids[0]' "$ss_pid"
}

@test "ls: filters by protocol, family, user and port" {
	start_alone python3 "$HELPER" listen tcp ::1
	tcp=$PORT
	run pl ls --json --udp "$tcp"
	json_is '.observed.sockets | length' 0
	run pl ls --json -4 "$tcp"
	json_is '.observed.sockets | length' 0
	run pl ls --json -6 --tcp "$tcp"
	json_is '.observed.sockets | length' 1
	run pl ls --json --user "$(id -un)" "$tcp"
	json_is '.observed.sockets | length' 1
	# A user that does not exist is a mistake to name, not an empty answer.
	run pl ls --json --user nosuchuser "$tcp"
	[ "$status" -eq 2 ]
	run pl ls --json --user 4242424 "$tcp"
	json_is '.observed.sockets | length' 0
	run pl ls --json --container nosuch "$tcp"
	json_is '.observed.sockets | length' 0
}

@test "ls and who: lore hints name the process (a fixture daemon called democid)" {
	cp "$(command -v nc)" "$BATS_TEST_TMPDIR/democid"
	# Port 3333 is the fixture lore's port; skip when something here holds it.
	ss -Htln 'sport = :3333' | grep -q . && skip "3333 is busy on this machine"
	"$BATS_TEST_TMPDIR/democid" -l 127.0.0.1 3333 </dev/null >/dev/null &
	PIDS+=("$!")
	for _ in $(seq 100); do ss -Htln 'sport = :3333' | grep -q . && break; sleep 0.05; done
	run pl ls --db "$(fixture_store)" 3333/tcp
	[[ "$output" == *"democid"*"[dec-notes]"*"= Demo caller ID daemon"* ]]
	run pl --db "$(fixture_store)" --full 3333/tcp
	[ "$status" -eq 0 ]
	[[ "$output" == *"here"*"127.0.0.1:3333 LISTEN, loopback only:"*"/democid"*"lore: Demo caller ID daemon (likely)"* ]]
	run pl --db "$(fixture_store)" --width 200 3333/tcp
	[ "$status" -eq 0 ]
	[[ "$output" == *"here: democid (pid "* ]]
	[[ "$output" == *"here"*"127.0.0.1:3333/tcp loopback only: democid (pid "*"= Demo caller ID daemon (likely)"* ]]
	run pl --db "$(fixture_store)" --json 3333/tcp
	json_is '.reports[0].on_this_machine.sockets[0].lore.id' demo-caller
	json_is '.reports[0].on_this_machine.provenance' observed
	run pl --db "$(fixture_store)" --no-host --json 3333/tcp
	json_is '.reports[0] | has("on_this_machine")' false
}

@test "port report: nothing listens says so, and --no-host leaves the section out" {
	start python3 "$HELPER" timewait
	run pl --db "$(fixture_store)" "$PORT/udp"
	[ "$status" -eq 0 ]
	[[ "$output" == *"here"*"nothing listens on $PORT on this machine"* ]]
	run pl --db "$(fixture_store)" --full "$PORT/udp"
	[[ "$output" == *"here"*"nothing listens on $PORT/udp on this machine"* ]]
	run pl --db "$(fixture_store)" --no-host "$PORT/udp"
	[[ "$output" != *"on this machine"* ]]
}

@test "who: nothing listens; a connection and TIME-WAIT explain a failing bind" {
	start python3 "$HELPER" listen tcp 127.0.0.1
	start python3 "$HELPER" connect "$PORT"
	client=$PORT
	run pl who "$client/tcp"
	[ "$status" -eq 1 ]
	[[ "$output" == *"nothing listens on $client/tcp"* ]]
	[[ "$output" == *"a connection 127.0.0.1:$client -> 127.0.0.1:"*"uses $client as its local port"* ]]
	[[ "$output" == *"held by $LASTPID/python3"* ]]
	start python3 "$HELPER" timewait
	run pl who --json "$PORT/tcp"
	[ "$status" -eq 1 ]
	# At least the helper's: on a busy machine another connection may have used the
	# same local port and be in TIME-WAIT too.
	json_is '.bind[0].time_wait >= 1' true
	json_is '.bind[0].listening' false
	run pl who "$PORT/tcp"
	[[ "$output" == *" in TIME-WAIT on port $PORT"* ]]
}

@test "who: host settings and other systems' occupants" {
	run pl who --db "$(debian_store)" 5000/sctp
	[ "$status" -eq 2 ]
	run pl who --db "$(debian_store)" --json 7000/tcp
	if [ "$status" -eq 0 ]; then skip "something listens on 7000 here"; fi
	json_is '[.bind[0].elsewhere[] | select(.system == "macOS")] | length > 0' true
	unpriv=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)
	v6only=$(cat /proc/sys/net/ipv6/bindv6only)
	json_is '.bind[0].privileged.unprivileged_port_start' "$unpriv"
	json_is '.bind[0].bindv6only' "$v6only"
	if [ "$unpriv" -gt 1 ] && ! ss -Htln 'sport = :1' | grep -q .; then
		run pl who 1/tcp
		[[ "$output" == *"below ip_unprivileged_port_start"* ]]
	fi
}

@test "who: when tcp and udp say the same of a free port, it is said once" {
	# Port 1 is below ip_unprivileged_port_start on a default host: both protocols give
	# that reason, and the fixture store knows no other system on it.
	unpriv=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)
	[ "$unpriv" -gt 1 ] || skip "ip_unprivileged_port_start is $unpriv"
	ss -Htuln 'sport = :1' | grep -q . && skip "something holds port 1 here"
	run pl who --db "$(fixture_store)" 1
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "nothing listens on 1/tcp or 1/udp here." ]
	[ "$(printf '%s\n' "$output" | grep -c 'below ip_unprivileged_port_start')" -eq 1 ]
	# Asked for one protocol, it names that one.
	run pl who --db "$(fixture_store)" 1/udp
	[ "${lines[0]}" = "nothing listens on 1/udp here." ]
}

@test "who: a listener in a network namespace made here" {
	need_root
	NETNS="plwho$$"
	ip netns add "$NETNS"
	ip -n "$NETNS" link set lo up
	# The port reserved here first: no listener of this namespace shares its number.
	start python3 "$HELPER" reserve
	start ip netns exec "$NETNS" python3 "$HELPER" listen tcp 127.0.0.1 "$PORT"
	ns=$(readlink "/proc/$LASTPID/ns/net")
	[ "$ns" != "$(readlink /proc/self/ns/net)" ]
	run pl who --json "$PORT/tcp"
	[ "$status" -eq 0 ]
	json_is '.observed.sockets[0].netns' "$ns"
	json_is '.observed.processes[0].netns' "$ns"
	run pl who "$PORT/tcp"
	[[ "$output" == *"network namespace: $ns (not this shell's)"* ]]
}

@test "who and ls: a listener held on descriptor 0 only (inetd, StandardInput=socket)" {
	# The walk reads descriptor 0 before listing the others (a process that refuses
	# one refuses all); it must still count as one of them.
	start python3 "$HELPER" listen tcp 127.0.0.1 stdin
	[[ "$(readlink "/proc/$LASTPID/fd/0")" == socket:* ]]
	run pl who --json "$PORT/tcp"
	[ "$status" -eq 0 ]
	json_is ".observed.sockets[0].pids[0]" "$LASTPID"
	json_is '.observed.sockets | length' 1
	run pl ls --json
	[ "$status" -eq 0 ]
	json_is "[.observed.sockets[] | select(.local.port == $PORT) | .pids[0]] | .[0]" "$LASTPID"
}

@test "who: a listener of another user; without root, what is hidden is said" {
	need_root
	start setpriv --reuid=nobody --regid=nogroup --clear-groups "$PY" "$HELPER" listen tcp 127.0.0.1
	run pl who --json "$PORT/tcp"
	[ "$status" -eq 0 ]
	json_is '.observed.processes[0].user' nobody
	json_is '.observed.sockets[0].uid' 65534
	start python3 "$HELPER" listen tcp 127.0.0.1
	run setpriv --reuid=nobody --regid=nogroup --clear-groups "$PORTLORE" who "$PORT/tcp"
	[ "$status" -eq 0 ]
	[[ "$output" == *"owner not visible"* ]]
	[[ "$output" == *"could not be read"*"run as root"* ]]
}

@test "kill: stops the listener only, never its client; asks or needs --yes" {
	start python3 "$HELPER" listen tcp 127.0.0.1
	srv=$LASTPID
	lport=$PORT
	start python3 "$HELPER" connect "$lport"
	cli=$LASTPID
	run pl kill "$lport/tcp" </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"add --yes"* ]]
	kill -0 "$srv"
	run pl kill --dry-run "$lport"
	[ "$status" -eq 0 ]
	[[ "$output" == *"would send"*"$srv/python3"* ]]
	kill -0 "$srv"
	run pl kill --yes --json "$lport/tcp"
	[ "$status" -eq 0 ]
	json_is '.freed' true
	json_is '.actions[0].pid' "$srv"
	json_is '.actions[0].action' signalled
	json_is '.actions | length' 1
	! kill -0 "$srv" 2>/dev/null || { sleep 0.2; ! kill -0 "$srv" 2>/dev/null; }
	kill -0 "$cli"
	run pl kill --yes "$lport/tcp"
	[ "$status" -eq 1 ]
}

@test "kill: bad options and a port nothing holds" {
	run pl kill --signal NOPE 1
	[ "$status" -eq 2 ]
	run pl kill --timeout 0 1
	[ "$status" -eq 2 ]
	run pl kill 1-5
	[ "$status" -eq 2 ]
	run pl who ssh
	[ "$status" -eq 2 ]
	run pl who
	[ "$status" -eq 2 ]
	# Another command's options are refused, not ignored.
	run pl ls --yes
	[ "$status" -eq 2 ]
	run pl who --user root 22
	[ "$status" -eq 2 ]
	run pl kill --all 22
	[ "$status" -eq 2 ]
	start python3 "$HELPER" timewait
	# Without --yes: should a socket of another program hold this number on UDP, kill
	# asks (status 2) instead of signalling it.
	run pl kill "$PORT/udp" </dev/null
	[ "$status" -eq 1 ]
}

@test "a recorded /proc/net replayed through PORTLORE_PROC_ROOT" {
	root="$BATS_TEST_TMPDIR/root"
	mkdir -p "$root/proc"
	cp -r "$PORTLORE_SRC/tests/fixtures/procnet/proc/net" "$root/proc/net"
	PORTLORE_PROC_ROOT="$root" run pl ls --json --db "$(fixture_store)"
	[ "$status" -eq 0 ]
	json_is '.observed.source' /proc/net
	json_is '[.observed.sockets[] | "\(.protocol)/\(.family)/\(.local.port)/\(.scope)"] | join(" ")' \
		"tcp/ipv4/3333/loopback tcp/ipv6/8080/all udp/ipv4/5000/all udp/ipv6/5000/loopback"
	json_is '.observed.sockets[0].registry' dec-notes
	PORTLORE_PROC_ROOT="$root" run pl ls --all --tcp 3333
	[[ "$output" == *"tcp ESTAB      127.0.0.1:3333           -> 127.0.0.1:44194"* ]]
	printf 'garbage\nnot a line\n' >"$root/proc/net/tcp"
	PORTLORE_PROC_ROOT="$root" run pl ls
	[ "$status" -eq 4 ]
	[[ "$output" == *"proc/net/tcp:2: not a socket line"* ]]
}

@test "ls --procfs reads /proc/net and finds the same listener" {
	start python3 "$HELPER" listen tcp 127.0.0.1
	run pl ls --procfs --json --tcp "$PORT"
	json_is '.observed.source' /proc/net
	json_is '.observed.sockets[0].pids[0]' "$LASTPID"
}

@test "ls and who name a listener from the lookup index; a damaged candidate block is set aside for the store" {
	ss -Htln 'sport = :3333' | grep -q . && skip "3333 is busy on this machine"
	local db="$BATS_TEST_TMPDIR/s.db" idx="$BATS_TEST_TMPDIR/s.idx" off
	cp "$(fixture_store)" "$db"
	cp "$BATS_FILE_TMPDIR/fixture.idx" "$idx"
	cp "$(command -v nc)" "$BATS_TEST_TMPDIR/democid"
	"$BATS_TEST_TMPDIR/democid" -l 127.0.0.1 3333 </dev/null >/dev/null &
	PIDS+=("$!")
	for _ in $(seq 100); do ss -Htln 'sport = :3333' | grep -q . && break; sleep 0.05; done
	run bash -c '"$PORTLORE" ls --db "$1" 3333/tcp 2>&1' - "$db"
	[ "$status" -eq 0 ]
	[[ "$output" == *"democid"*"[dec-notes]"*"= Demo caller ID daemon"* ]]
	[[ "$output" != *"using the store"* ]]
	# The header's word at byte 172 is the offset of the candidate block: break its
	# count, so that the block no longer matches its check word.
	off=$(od -An -tu4 -j172 -N4 "$idx" | tr -d ' ')
	[ "$off" -gt 256 ]
	printf '\377\377\377\177' | dd of="$idx" bs=1 seek="$off" conv=notrunc status=none
	for cmd in ls who; do
		run bash -c '"$PORTLORE" "$1" --db "$2" 3333/tcp 2>"$3"' - "$cmd" "$db" "$BATS_TEST_TMPDIR/err"
		[ "$status" -eq 0 ]
		[[ "$output" == *"democid"*"Demo caller ID daemon"* ]]
		grep -q "index $idx: candidate block at offset $off is out of bounds or malformed" \
		    "$BATS_TEST_TMPDIR/err"
		grep -q "using the store" "$BATS_TEST_TMPDIR/err"
	done
	# A port's report names the holder from the store then, with nothing lost.
	run pl --db "$db" --width 200 3333/tcp
	[ "$status" -eq 0 ]
	[[ "$output" == *"127.0.0.1:3333/tcp loopback only: democid (pid "*"= Demo caller ID daemon (likely)"* ]]
}
