#!/usr/bin/env bats
# Golden files (jq's tests and tmux's regress are the model): tests/golden/NAME.cmd holds
# the arguments of one portlore command, NAME.out its expected output (stdout and
# stderr, then the exit status), compared with diff -u. The store is the small fixture
# store (helpers.bash), the sockets a recorded /proc/net, the terminal 80 columns
# without colour: nothing comes from this machine. After an intended change, rewrite
# the files with GOLDEN_UPDATE=1 and read the diff.

load helpers

@test "every golden command prints its golden output" {
	local db dir="$PORTLORE_SRC/tests/golden" cmd name failed=0 n=0
	db=$(fixture_store)
	export PORTLORE_PROC_ROOT="$PORTLORE_SRC/tests/fixtures/procnet" NO_COLOR=1 COLUMNS=80
	for cmd in "$dir"/*.cmd; do
		name=$(basename "$cmd" .cmd)
		n=$((n + 1))
		# Word splitting of the .cmd line is wanted: it holds the arguments.
		# shellcheck disable=SC2046
		{ "$PORTLORE" --db "$db" $(cat "$cmd") 2>&1 && s=0 || s=$?; echo "status $s"; } |
			sed -e "s|$BATS_FILE_TMPDIR|TMP|g" -e "s|$PORTLORE_SRC|SRC|g" >"$BATS_TEST_TMPDIR/$name.out"
		if [ -n "${GOLDEN_UPDATE:-}" ]; then
			cp "$BATS_TEST_TMPDIR/$name.out" "$dir/$name.out"
		elif ! diff -u "$dir/$name.out" "$BATS_TEST_TMPDIR/$name.out"; then
			failed=$((failed + 1))
		fi
	done
	[ "$n" -ge 10 ]
	[ "$failed" -eq 0 ]
}
