#!/usr/bin/env bats
# The one-screen text of a few ports, compared with tests/golden/PORT.txt (diff -u).
# Deterministic: Debian's 2014 registry copy and the project's lore (debian_store),
# no host facts, 80 columns, no colour. After an intended change of the text or of the
# lore, regenerate with PORTLORE_GOLDEN_UPDATE=1 and review the diff.

load helpers

GOLDEN="$PORTLORE_SRC/tests/golden"

golden() {   # golden PORT
	local got="$BATS_TEST_TMPDIR/$1.txt"
	"$PORTLORE" --db "$(debian_store)" --no-host --color never -w 80 "$1" >"$got"
	if [ -n "${PORTLORE_GOLDEN_UPDATE:-}" ]; then
		cp "$got" "$GOLDEN/$1.txt"
	fi
	diff -u "$GOLDEN/$1.txt" "$got"
}

@test "golden: 22" { golden 22; }
@test "golden: 3333" { golden 3333; }
@test "golden: 3408" { golden 3408; }
@test "golden: 8080" { golden 8080; }

@test "one screen: every line within the width, 24 lines at most, for the golden ports" {
	for p in 22 3333 3408 8080; do
		for w in 40 80 132; do
			run pl --db "$(debian_store)" --no-host --color never -w "$w" "$p"
			[ "$status" -eq 0 ]
			[ "$(printf '%s\n' "$output" | wc -l)" -le 24 ]
			[ "$(printf '%s\n' "$output" | awk '{ print length($0) }' | sort -n | tail -1)" -le "$w" ]
		done
	done
}

@test "--full and -v print the whole report, hint patterns only there" {
	run pl --db "$(debian_store)" --no-host 3333
	[[ "$output" != *"process:"* ]]
	[[ "$output" != *"command line:"* ]]
	[[ "$output" != *"banner:"* ]]
	[[ "$output" == *"more: portlore 3333 --full"* ]]
	run pl --db "$(debian_store)" --no-host --full 3333
	[[ "$output" == *"process: ^ethdcrminer64\$"* ]]
	full=$output
	run pl --db "$(debian_store)" --no-host -v 3333
	[ "$output" = "$full" ]
}

@test "protocols with the same registry row are merged, not repeated" {
	run pl --db "$(debian_store)" --no-host 3408
	[[ "$output" == *"3408/tcp,udp BESApi: BES Api Port"* ]]
	[ "$(printf '%s\n' "$output" | grep -c 'BES Api Port')" -eq 1 ]
	[ "$(printf '%s\n' "$output" | grep -c 'User Ports')" -eq 1 ]
}

@test "the README shows tests/golden/3333.txt as it is" {
	awk '/^`portlore 3333` on a machine/ { on = 1; next }
	     on && /^```$/ { if (in_block) exit; in_block = 1; next }
	     in_block { print }' "$PORTLORE_SRC/README.md" >"$BATS_TEST_TMPDIR/readme.txt"
	diff -u "$GOLDEN/3333.txt" "$BATS_TEST_TMPDIR/readme.txt"
}

# Golden commands (jq's tests and tmux's regress are the model): tests/golden/NAME.cmd
# holds the arguments of one portlore command, NAME.out its expected output (stdout and
# stderr, then the exit status). The store is the small fixture store (helpers.bash),
# the sockets a recorded /proc/net, 80 columns without colour: nothing comes from this
# machine. PORTLORE_GOLDEN_UPDATE=1 rewrites these files too.
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
		if [ -n "${PORTLORE_GOLDEN_UPDATE:-}" ]; then
			cp "$BATS_TEST_TMPDIR/$name.out" "$dir/$name.out"
		elif ! diff -u "$dir/$name.out" "$BATS_TEST_TMPDIR/$name.out"; then
			failed=$((failed + 1))
		fi
	done
	[ "$n" -ge 10 ]
	[ "$failed" -eq 0 ]
}
