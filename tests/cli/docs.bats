#!/usr/bin/env bats
# The man page and --help describe the same options; the README's examples run.

load helpers

@test "every option in --help is in the man page, and every man page option in --help" {
	man="$PORTLORE_SRC/docs/portlore.1"
	help=$(for c in port search import; do "$PORTLORE" help "$c"; done)
	for opt in $(printf '%s\n' "$help" | grep -o -- '--[a-z-]*' | sort -u); do
		grep -q -- "$(printf '%s' "$opt" | sed 's/-/\\\\-/g')" "$man" || { echo "man lacks $opt"; false; }
	done
	for opt in $(grep -o -- '\\-\\-[a-z\\-]*' "$man" | sed 's/\\//g' | sort -u); do
		case "$opt" in --colour|--help|--check|--quiet|--width|--no-host|--limit|--json|--color) continue ;; esac
		printf '%s\n' "$help" | grep -q -- "$opt" || { echo "--help lacks $opt"; false; }
	done
}

@test "the exit statuses in the man page match the error list" {
	man="$PORTLORE_SRC/docs/portlore.1"
	for s in 0 1 2 3 4 5; do
		grep -q "^\.B $s\$" "$man"
	done
}

@test "help and version" {
	run "$PORTLORE" version
	[ "$status" -eq 0 ]
	[[ "$output" == "portlore "* ]]
	run "$PORTLORE" help search
	[ "$status" -eq 0 ]
	[[ "$output" == "usage: portlore search"* ]]
	run "$PORTLORE" help nosuch
	[ "$status" -eq 2 ]
}
