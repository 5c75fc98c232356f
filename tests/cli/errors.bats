#!/usr/bin/env bats
# Bad input: a clear error that names the input, and a documented exit status
# (docs/portlore.1, EXIT STATUS): 1 not found, 2 usage, 3 store, 4 data.

load helpers

setup() {
	FX=$(fixture_store)
	export NO_COLOR=1
}

@test "65536: out of range, status 2" {
	run pl --db "$FX" 65536
	[ "$status" -eq 2 ]
	[ "$output" = "portlore: port spec '65536': out of range (ports are 0-65535)" ]
}

@test "-1: not a port, status 2 (not an unknown option)" {
	run pl --db "$FX" -1
	[ "$status" -eq 2 ]
	[ "$output" = "portlore: port spec '-1': not a port (ports are 0-65535)" ]
}

@test "3000-2000: reversed range, status 2" {
	run pl --db "$FX" 3000-2000
	[ "$status" -eq 2 ]
	[ "$output" = "portlore: port spec '3000-2000': range is reversed (3000 > 2000)" ]
}

@test "nosuchservice: not found, status 1, with a hint" {
	run pl --db "$FX" nosuchservice
	[ "$status" -eq 1 ]
	[[ "$output" == "portlore: 'nosuchservice': no such port or service name in the registry (2024-12-20) or lore; try 'portlore search nosuchservice'" ]]
	run pl --db "$FX" nameonly
	[ "$status" -eq 1 ]
	[[ "$output" == *"'nameonly' is registered as a service name without a port number"* ]]
}

@test "empty spec: status 2" {
	run pl --db "$FX" ''
	[ "$status" -eq 2 ]
	[[ "$output" == "portlore: port spec '': empty"* ]]
}

@test "other malformed specs: status 2, naming the spec" {
	for spec in 80/icmp 22,,80 'a;b' 3000- /tcp 1-2-3; do
		run pl --db "$FX" "$spec"
		[ "$status" -eq 2 ]
		[[ "$output" == "portlore: port spec '"* ]]
	done
}

@test "a 100 KB argument and a 10 MB line on stdin: refused, status 2, no crash" {
	big=$(head -c 100000 /dev/zero | tr '\0' '1')
	run pl --db "$FX" "$big"
	[ "$status" -eq 2 ]
	[ "$output" = "portlore: port spec of 100000 bytes is too long (at most 4096)" ]
	# The kernel refuses arguments over 128 KiB before portlore runs, so the 10 MB
	# case goes through standard input.
	run bash -c "head -c 10485760 /dev/zero | tr '\0' '2' | '$PORTLORE' --db '$FX' -"
	[ "$status" -eq 2 ]
	[ "$output" = "portlore: stdin:1: line of 10485760 bytes is too long (at most 4096)" ]
	run bash -c "printf '\n\n' | '$PORTLORE' --db '$FX' -"
	[ "$status" -eq 2 ]
	[ "$output" = "portlore: stdin: no port specs" ]
	run bash -c "printf '22\n99999\n' | '$PORTLORE' --db '$FX' -"
	[ "$status" -eq 2 ]
	[ "$output" = "portlore: stdin:2: port spec '99999': out of range (ports are 0-65535)" ]
}

@test "bad options: usage on stderr, status 2; help on stdout, status 0" {
	run pl --db "$FX" --bogus 22
	[ "$status" -eq 2 ]
	[[ "$output" == *"usage: portlore [port]"* ]]
	run pl --color sometimes 22
	[ "$status" -eq 2 ]
	[[ "$output" == *"--color 'sometimes': use auto, always or never"* ]]
	run pl --width 5 22
	[ "$status" -eq 2 ]
	run pl
	[ "$status" -eq 2 ]
	run pl --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"commands:"* ]]
	# An overview that fits a screen: the default command's usage, the commands one
	# line each; each command's options are in `portlore help COMMAND`.
	[ "${#lines[@]}" -le 30 ]
	[[ "$output" == *"portlore help COMMAND"* ]]
	[[ "$output" != *"usage: portlore search"* ]]
	run pl help search
	[[ "$output" == "usage: portlore search"* ]]
	run pl search --limit 0 x
	[ "$status" -eq 2 ]
}

@test "store missing: status 3, names the path" {
	run pl --db "$BATS_TEST_TMPDIR/none.db" 22
	[ "$status" -eq 3 ]
	[[ "$output" == "portlore: store $BATS_TEST_TMPDIR/none.db: No such file or directory"* ]]
	PORTLORE_DB="$BATS_TEST_TMPDIR/none.db" run pl 22
	[ "$status" -eq 3 ]
}

@test "store corrupt or not a store: status 3" {
	head -c 8192 /dev/urandom >"$BATS_TEST_TMPDIR/junk.db"
	run pl --db "$BATS_TEST_TMPDIR/junk.db" 22
	[ "$status" -eq 3 ]
	[[ "$output" == *"junk.db: file is not a database"* ]]
	# A real SQLite file that is not a portlore store.
	sqlite3 "$BATS_TEST_TMPDIR/other.db" 'CREATE TABLE t(x); INSERT INTO t VALUES(1);'
	run pl --db "$BATS_TEST_TMPDIR/other.db" 22
	[ "$status" -eq 3 ]
	[[ "$output" == *"other.db: not a portlore store"* ]]
	# A store truncated in the middle.
	head -c 65536 "$FX" >"$BATS_TEST_TMPDIR/cut.db"
	run pl --db "$BATS_TEST_TMPDIR/cut.db" 3333
	[ "$status" -eq 3 ]
	[[ "$output" == "portlore: store $BATS_TEST_TMPDIR/cut.db: "* ]]
	# A folder is not a store.
	run pl --db "$BATS_TEST_TMPDIR" 22
	[ "$status" -eq 3 ]
	[[ "$output" == *"not a regular file"* ]]
}

@test "store read-only: lookups work; writing is refused with status 3" {
	cp "$FX" "$BATS_TEST_TMPDIR/ro.db"
	chmod 0444 "$BATS_TEST_TMPDIR/ro.db"
	chmod 0555 "$BATS_TEST_TMPDIR"
	as=()
	# root writes through file modes, so try as an unprivileged user when root.
	if [ "$(id -u)" -eq 0 ]; then
		command -v setpriv >/dev/null || skip "setpriv not available"
		as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
		chmod o+rx "$BATS_TEST_TMPDIR" "$(dirname "$BATS_TEST_TMPDIR")" 2>/dev/null || true
		"${as[@]}" test -r "$BATS_TEST_TMPDIR/ro.db" || skip "temp folder not readable by nobody"
	fi
	run "${as[@]}" "$PORTLORE" --db "$BATS_TEST_TMPDIR/ro.db" 3333/tcp
	[ "$status" -eq 0 ]
	[[ "$output" == *"dec-notes"* ]]
	run "${as[@]}" "$PORTLORE" import --db "$BATS_TEST_TMPDIR/ro.db" --lore "$BATS_FILE_TMPDIR/fixture/lore"
	[ "$status" -eq 3 ]
	[[ "$output" == *"ro.db: "*"read-only"* || "$output" == *"ro.db: "*"readonly"* ]]
	chmod 0755 "$BATS_TEST_TMPDIR"
}

@test "a store missing one of its tables is refused at open: status 3, naming it" {
	for t in lore_entry record snapshot; do
		cp "$FX" "$BATS_TEST_TMPDIR/$t.db"
		sqlite3 "$BATS_TEST_TMPDIR/$t.db" "DROP TABLE $t"
		run pl --db "$BATS_TEST_TMPDIR/$t.db" 3333
		[ "$status" -eq 3 ]
		[[ "$output" == "portlore: store $BATS_TEST_TMPDIR/$t.db: table '$t' is missing"* ]]
		run pl --db "$BATS_TEST_TMPDIR/$t.db" search notes
		[ "$status" -eq 3 ]
		# The server refuses to start on it rather than answer 500 to every page.
		run timeout 10 "$PORTLORE" serve --db "$BATS_TEST_TMPDIR/$t.db" --listen 127.0.0.1:0
		[ "$status" -eq 3 ]
		[[ "$output" == *"table '$t' is missing"* ]]
	done
}

@test "search with text that is not UTF-8: status 2, naming the text" {
	for j in "" --json; do
		run pl --db "$FX" search $j "$(printf 'caller\377id')"
		[ "$status" -eq 2 ]
		[ "$output" = "portlore: search text 'caller\\xffid' is not valid UTF-8" ]
	done
}

@test "ls --user with a user that does not exist: status 2, naming the user" {
	run pl ls --db "$FX" --user nosuchuser
	[ "$status" -eq 2 ]
	[ "$output" = "portlore: ls: --user 'nosuchuser': no such user" ]
	# A UID need not have a name; a known user is fine.
	run pl ls --db "$FX" --user 4242424
	[ "$status" -eq 0 ]
	run pl ls --db "$FX" --user root
	[ "$status" -eq 0 ]
}

@test "portlore - reads at most 10000 specs, and streams its output" {
	# 10 MB of specs: refused at the limit, at once, within a bounded address space.
	yes 1-65535 | head -c 10485760 >"$BATS_TEST_TMPDIR/big"
	SECONDS=0
	run bounded 300000 "$PORTLORE" --db "$FX" --no-host - <"$BATS_TEST_TMPDIR/big"
	[ "$status" -eq 2 ]
	[ "$output" = "portlore: stdin:10001: more than 10000 port specs (the most '-' reads); split the input" ]
	[ "$SECONDS" -lt 10 ]
	# 10000 specs are answered, in the same bound: the output is written as it goes.
	seq 1 10000 >"$BATS_TEST_TMPDIR/10k"
	bounded 300000 "$PORTLORE" --db "$FX" --no-host - <"$BATS_TEST_TMPDIR/10k" >"$BATS_TEST_TMPDIR/out"
	[ "$(grep -c '^[0-9]*/tcp' "$BATS_TEST_TMPDIR/out")" -eq 10000 ]
	# Ranges repeated without end stop at a bound too.
	printf '0-65535\n%.0s' $(seq 5) >"$BATS_TEST_TMPDIR/ranges"
	run bounded 300000 "$PORTLORE" --db "$FX" --no-host --json - <"$BATS_TEST_TMPDIR/ranges"
	[ "$status" -eq 2 ]
	[[ "$output" == *"more than 262144 reports"* ]]
}
