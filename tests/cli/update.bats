#!/usr/bin/env bats
# `portlore update`: downloads from a loopback server made here (tests/cli/fixtures/
# httpfix.py), imports atomically; failed, cut-off, malformed and interrupted updates
# leave the old store answering.

load helpers

SNAP_2025="$SHARED_IANA/service-names-port-numbers.2025-03.csv"

setup_file() {
	[ -f "$DEBIAN_CSV" ] || skip "Debian's registry copy is not installed"
	command -v python3 >/dev/null || skip "python3 is not installed"
	local www="$BATS_FILE_TMPDIR/www"
	mkdir -p "$www"
	cp "$DEBIAN_CSV" "$www/debian.csv"
	[ -f "$SNAP_2025" ] && cp "$SNAP_2025" "$www/2025-03.csv"
	# Cut at a line end: parses, but holds a third of the registry.
	head -n 5000 "$DEBIAN_CSV" >"$www/short.csv"
	{ printf '%s\r\n' "$HEADER"; printf 'ok,7,tcp,Fine,,,,,,,,\r\n'
	  printf 'bad,70000,tcp,Port out of range,,,,,,,,\r\n'; } >"$www/malformed.csv"
	"$PORTLORE" import --quiet --new --db "$BATS_FILE_TMPDIR/seed.db" --iana "$DEBIAN_CSV"
	python3 "$PORTLORE_SRC/tests/cli/fixtures/httpfix.py" "$www" "$BATS_FILE_TMPDIR/port" \
		>/dev/null 2>&1 3>&- &
	echo $! >"$BATS_FILE_TMPDIR/server.pid"
	for _ in $(seq 100); do
		[ -s "$BATS_FILE_TMPDIR/port" ] && break
		sleep 0.05
	done
	[ -s "$BATS_FILE_TMPDIR/port" ] || { echo "fixture server did not start" >&2; return 1; }
}

teardown_file() {
	[ -f "$BATS_FILE_TMPDIR/server.pid" ] && kill "$(cat "$BATS_FILE_TMPDIR/server.pid")" 2>/dev/null
	true
}

setup() {
	URL="http://127.0.0.1:$(cat "$BATS_FILE_TMPDIR/port")"
	DB="$BATS_TEST_TMPDIR/store/portlore.db"
	mkdir -p "$BATS_TEST_TMPDIR/store"
	cp "$BATS_FILE_TMPDIR/seed.db" "$DB"
	BEFORE=$(sha256sum "$DB" | cut -d' ' -f1)
}

# The store is byte for byte what it was, answers, and no temporary file is left.
unchanged() {
	[ "$(sha256sum "$DB" | cut -d' ' -f1)" = "$BEFORE" ]
	run pl --db "$DB" 3072/tcp --no-host
	[ "$status" -eq 0 ]
	[[ "$output" == *"csd-monitor"* ]]
	# (the index an earlier update wrote may sit beside it)
	[ "$(ls "$BATS_TEST_TMPDIR/store" | grep -vx portlore.idx)" = "portlore.db" ]
}

snapshots() {
	sqlite3 "$1" "SELECT group_concat(label, ' ') FROM (SELECT label FROM snapshot ORDER BY label)"
}

@test "update --from URL adds a newer snapshot, which becomes current" {
	[ -f "$SNAP_2025" ] || skip "no shared registry snapshots"
	run pl update --db "$DB" --from "$URL/2025-03.csv"
	[ "$status" -eq 0 ]
	[[ "$output" == *"snapshot 2025-03-28 imported"*"was 2014-07-09"* ]]
	[ "$(snapshots "$DB")" = "2014-07-09 2025-03-28" ]
	[ "$(sqlite3 "$DB" "SELECT source FROM snapshot WHERE label = '2025-03-28'")" = "$URL/2025-03.csv" ]
	run pl --db "$DB" history 2/tcp --json
	[ "$status" -eq 0 ]
	json_is '.histories[0].events[0].kind' 'de-assigned'
	json_is '.histories[0].events[0].date' '2025-02-13'
	# Beside the store, its lookup index and nothing else.
	[ "$(ls "$BATS_TEST_TMPDIR/store" | tr '\n' ' ')" = "portlore.db portlore.idx " ]
}

@test "the same registry again leaves the store alone" {
	run pl update --db "$DB" --from "$URL/debian.csv"
	[ "$status" -eq 0 ]
	[[ "$output" == *"already current: snapshot 2014-07-09, 13521 records"* ]]
	unchanged
}

@test "without a store, update seeds the user's store from the installed one" {
	[ -f "$SNAP_2025" ] || skip "no shared registry snapshots"
	xdg="$BATS_TEST_TMPDIR/xdg"
	run env XDG_DATA_HOME="$xdg" PORTLORE_DB="$DB" "$PORTLORE" update --from "$URL/2025-03.csv"
	[ "$status" -eq 0 ]
	[[ "$output" == *"$xdg/portlore/portlore.db: created from $DB"* ]]
	[ "$(snapshots "$xdg/portlore/portlore.db")" = "2014-07-09 2025-03-28" ]
	unchanged
	# Lookups now read the user's store.
	run env -u PORTLORE_DB XDG_DATA_HOME="$xdg" "$PORTLORE" diff oldest current --json
	[ "$status" -eq 0 ]
	json_is '.new.label' '2025-03-28'
}

@test "a download cut off mid-transfer is refused" {
	run pl update --db "$DB" --from "$URL/cut/debian.csv"
	[ "$status" -eq 5 ]
	[[ "$output" == *"$URL/cut/debian.csv: download cut off after"* ]]
	[[ "$output" == *"$DB is unchanged"* ]]
	unchanged
}

@test "a file cut at a line end parses but is refused" {
	run pl update --db "$DB" --from "$URL/short.csv"
	[ "$status" -eq 4 ]
	[[ "$output" == *"$URL/short.csv: "*"not imported"* ]]
	unchanged
}

@test "a malformed registry is refused with the line at fault" {
	run pl update --db "$DB" --from "$URL/malformed.csv"
	[ "$status" -eq 4 ]
	[[ "$output" == *"$URL/malformed.csv:3: port '70000' is not a port"* ]]
	unchanged
}

@test "an older registry than the current snapshot is refused" {
	[ -f "$SNAP_2025" ] || skip "no shared registry snapshots"
	pl update --quiet --db "$DB" --from "$SNAP_2025"
	BEFORE=$(sha256sum "$DB" | cut -d' ' -f1)
	run pl update --db "$DB" --from "$URL/debian.csv"
	[ "$status" -eq 4 ]
	[[ "$output" == *"newest date inside is 2014-07-09, older than the current snapshot 2025-03-28"* ]]
	unchanged
}

@test "HTTP errors, oversized and refused connections fail fast and clearly" {
	run pl update --db "$DB" --from "$URL/gone"
	[ "$status" -eq 5 ]
	[[ "$output" == *"the server answered HTTP 404"* ]]
	run pl update --db "$DB" --from "$URL/huge"
	[ "$status" -eq 2 ]
	[[ "$output" == *"larger than 16777216 bytes"* ]]
	# Nothing listens on port 1 of loopback: what an offline machine looks like.
	SECONDS=0
	run pl update --db "$DB" --from "http://127.0.0.1:1/registry.csv"
	[ "$status" -eq 5 ]
	[[ "$output" == *"offline?"* ]]
	[ "$SECONDS" -lt 10 ]
	unchanged
}

@test "a server that never answers times out" {
	SECONDS=0
	run pl update --db "$DB" --timeout 2 --from "$URL/stall"
	[ "$status" -eq 5 ]
	[[ "$output" == *"$URL/stall: "*"imed out"* ]]
	[ "$SECONDS" -lt 10 ]
	unchanged
}

@test "an interrupted update leaves the store as it was" {
	"$PORTLORE" update --db "$DB" --timeout 20 --from "$URL/stall" 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	sleep 0.5
	kill -INT "$pid"
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 130 ]
	grep -q "download interrupted" "$BATS_TEST_TMPDIR/err"
	unchanged
}

@test "--from FILE reads a local copy; other schemes and bad values are refused" {
	run pl update --db "$DB" --from "$BATS_FILE_TMPDIR/www/malformed.csv"
	[ "$status" -eq 4 ]
	run pl update --db "$DB" --from "ftp://127.0.0.1/registry.csv"
	[ "$status" -eq 2 ]
	[[ "$output" == *"only http://, https:// and file://"* ]]
	run pl update --db "$DB" --from "$BATS_TEST_TMPDIR/missing.csv"
	[ "$status" -eq 5 ]
	[[ "$output" == *"missing.csv: No such file or directory"* ]]
	run pl update --db "$DB" --timeout 0
	[ "$status" -eq 2 ]
	run pl update --db "$DB" extra
	[ "$status" -eq 2 ]
	unchanged
	run pl update --db "$DB" --from "file://$BATS_FILE_TMPDIR/www/debian.csv"
	[ "$status" -eq 0 ]
	[[ "$output" == *"already current"* ]]
}

@test "offline, the default URL fails at once with a clear message" {
	# A network namespace of its own, with no interface up: nothing leaves it.
	unshare -n true 2>/dev/null || skip "cannot create a network namespace here"
	SECONDS=0
	run unshare -n "$PORTLORE" update --db "$DB"
	[ "$status" -eq 5 ]
	[[ "$output" == *"https://www.iana.org/assignments/service-names-port-numbers/service-names-port-numbers.csv: "*"(offline? use --from FILE"* ]]
	[[ "$output" == *"$DB is unchanged"* ]]
	[ "$SECONDS" -lt 15 ]
	unchanged
}

@test "two updates at once take turns: both snapshots are kept" {
	[ -f "$SNAP_2025" ] || skip "no shared registry snapshots"
	newer="$SHARED_IANA/service-names-port-numbers.2026-02.csv"
	[ -f "$newer" ] || skip "no shared registry snapshots"
	for i in 1 2 3 4 5; do
		cp "$BATS_FILE_TMPDIR/seed.db" "$DB"
		"$PORTLORE" update --quiet --db "$DB" --from "$SNAP_2025" 2>"$BATS_TEST_TMPDIR/a" &
		a=$!
		"$PORTLORE" update --quiet --db "$DB" --from "$newer" 2>"$BATS_TEST_TMPDIR/b" &
		b=$!
		sa=0; wait "$a" || sa=$?
		sb=0; wait "$b" || sb=$?
		cat "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
		# Both imported: the 2025 file may come second and be refused as older, which
		# says so; a snapshot is never lost silently.
		if [ "$sa" -eq 0 ]; then
			[ "$sb" -eq 0 ]
			[ "$(snapshots "$DB")" = "2014-07-09 2025-03-28 2026-02-13" ]
		else
			[ "$sa" -eq 4 ]
			grep -q "older than the current snapshot 2026-02-13" "$BATS_TEST_TMPDIR/a"
			[ "$(snapshots "$DB")" = "2014-07-09 2026-02-13" ]
		fi
		[ "$(ls "$BATS_TEST_TMPDIR/store" | tr '\n' ' ')" = "portlore.db portlore.idx " ]
	done
}

@test "an update that cannot get the lock in time is refused, naming the holder" {
	exec 8>"$DB.lock"
	flock 8
	echo 4242 >&8
	SECONDS=0
	run pl update --db "$DB" --wait 1 --from "$BATS_FILE_TMPDIR/www/debian.csv"
	exec 8>&-
	[ "$status" -eq 3 ]
	[[ "$output" == *"$DB: another update is running (PID 4242, lock $DB.lock); waited 1 s"* ]]
	[ "$SECONDS" -lt 5 ]
	rm -f "$DB.lock"
	unchanged
	run pl update --db "$DB" --wait -1
	[ "$status" -eq 2 ]
}

@test "an update killed mid-way leaves files the next update removes" {
	[ -f "$SNAP_2025" ] || skip "no shared registry snapshots"
	local left=""
	for _ in $(seq 10); do
		cp "$BATS_FILE_TMPDIR/seed.db" "$DB"
		"$PORTLORE" update --quiet --db "$DB" --from "$SNAP_2025" &
		pid=$!
		for _ in $(seq 2000); do
			[ -e "$DB.update.$pid" ] && { kill -KILL "$pid"; break; }
		done
		wait "$pid" 2>/dev/null || true
		if [ -e "$DB.update.$pid" ]; then
			left=$pid
			break
		fi
	done
	[ -n "$left" ] || skip "could not catch an update mid-way"
	# A file named after a PID that now belongs to another program is stale too: that
	# process does not hold the store's lock.
	sleep 30 &
	other=$!
	echo junk >"$DB.update.$other-journal"
	run pl update --db "$DB" --from "$SNAP_2025"
	kill "$other"
	[ "$status" -eq 0 ]
	[[ "$output" == *"left beside $DB by an interrupted update"* ]]
	[ "$(ls "$BATS_TEST_TMPDIR/store" | tr '\n' ' ')" = "portlore.db portlore.idx " ]
	[ "$(snapshots "$DB")" = "2014-07-09 2025-03-28" ]
}

@test "a read-only (0444) store is not replaced; a writable one keeps its mode and owner" {
	[ -f "$SNAP_2025" ] || skip "no shared registry snapshots"
	chmod 0444 "$DB"
	run pl update --db "$DB" --from "$SNAP_2025"
	[ "$status" -eq 3 ]
	[[ "$output" == *"$DB: read-only (mode 0444); not replaced"* ]]
	[ "$(stat -c %a "$DB")" = 444 ]
	chmod 0644 "$DB"
	unchanged
	chmod 0640 "$DB"
	chown 1:2 "$DB" 2>/dev/null || skip "cannot change owners here"
	chmod g+w,o-rwx "$DB"
	run pl update --db "$DB" --from "$SNAP_2025"
	[ "$status" -eq 0 ]
	[ "$(stat -c '%a %u %g' "$DB")" = "660 1 2" ]
	# Its index: the same mode and owner.
	[ "$(stat -c '%a %u %g' "${DB%.db}.idx")" = "660 1 2" ]
	[ "$(snapshots "$DB")" = "2014-07-09 2025-03-28" ]
}

@test "a full disk is reported as such, and the store is left as it was" {
	[ -f "$SNAP_2025" ] || skip "no shared registry snapshots"
	local mnt="$BATS_TEST_TMPDIR/small"
	mkdir "$mnt"
	mount -t tmpfs -o size=6m tmpfs "$mnt" 2>/dev/null || skip "cannot mount a tmpfs here"
	cp "$BATS_FILE_TMPDIR/seed.db" "$mnt/portlore.db"
	run pl update --db "$mnt/portlore.db" --from "$SNAP_2025"
	ls -la "$mnt"
	local files; files=$(ls "$mnt")
	cmp -s "$mnt/portlore.db" "$BATS_FILE_TMPDIR/seed.db" && same=1 || same=0
	umount "$mnt"
	[ "$status" -eq 5 ]
	[[ "$output" == *"No space left on device"* ]]
	[[ "$output" == *"$mnt/portlore.db is unchanged"* ]]
	[ "$files" = "portlore.db" ]
	[ "$same" -eq 1 ]
}

@test "a download over https refuses a redirect to http" {
	command -v openssl >/dev/null || skip "openssl is not installed"
	unshare -m true 2>/dev/null || skip "cannot make a mount namespace here"
	local bundle=/etc/ssl/certs/ca-certificates.crt d="$BATS_TEST_TMPDIR/tls"
	[ -f "$bundle" ] || skip "no CA bundle at $bundle"
	mkdir "$d"
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1 -keyout "$d/key.pem" -out "$d/cert.pem" 2>/dev/null
	HTTPFIX_CERT="$d/cert.pem:$d/key.pem" HTTPFIX_PLAIN_PORT="$(cat "$BATS_FILE_TMPDIR/port")" \
		python3 "$PORTLORE_SRC/tests/cli/fixtures/httpfix.py" "$BATS_FILE_TMPDIR/www" "$d/port" \
		>/dev/null 2>&1 3>&- &
	local pid=$!
	for _ in $(seq 100); do [ -s "$d/port" ] && break; sleep 0.05; done
	local tls="https://127.0.0.1:$(cat "$d/port")"
	# libcurl trusts the system bundle: in a mount namespace of its own, the test's
	# certificate stands in for it.
	run unshare -m sh -c 'mount --bind "$1" "$2" && shift 2 && exec "$@"' sh "$d/cert.pem" \
		"$bundle" "$PORTLORE" update --db "$DB" --from "$tls/to-http/debian.csv"
	local down_status=$status down_output=$output
	run unshare -m sh -c 'mount --bind "$1" "$2" && shift 2 && exec "$@"' sh "$d/cert.pem" \
		"$bundle" "$PORTLORE" update --db "$DB" --from "$tls/to-https/debian.csv"
	kill "$pid"
	echo "$down_output"
	[ "$down_status" -eq 5 ]
	[[ "$down_output" == *"$tls/to-http/debian.csv: "*"redirect from https:// to another scheme is refused"* ]]
	# The same server's redirect to https is followed.
	[ "$status" -eq 0 ]
	[[ "$output" == *"already current"* ]]
	unchanged
}
