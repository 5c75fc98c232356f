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
