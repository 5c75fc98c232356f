#!/usr/bin/env bats
# The man page and --help describe the same options; the README's examples run.

load helpers

@test "every option in --help is in the man page, and every man page option in --help" {
	man="$PORTLORE_SRC/docs/portlore.1"
	help=$(for c in port search import history diff update pick annotate export serve feedback probe who ls kill audit lore; do "$PORTLORE" help "$c"; done)
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

@test "the JSON report has every field docs/report.schema.json requires" {
	schema="$PORTLORE_SRC/docs/report.schema.json"
	db=$(debian_store)
	run pl --db "$db" --json 3333 6010/tcp
	[ "$status" -eq 0 ]
	doc="$output"
	check() {   # check JQ_PATH_TO_OBJECTS SCHEMA_DEF_PATH
		local req missing
		req=$(jq -c "$2.required" "$schema")
		missing=$(printf '%s' "$doc" | jq -r --argjson req "$req" \
			"[$1 | select(. != null) | . as \$o | \$req[] | . as \$k | select(\$o | has(\$k) | not)] | unique | join(\",\")")
		[ -z "$missing" ] || { echo "$1 lacks $missing"; return 1; }
	}
	check '.' ''
	check '.reports[]' '.["$defs"].report'
	check '.reports[].registry' '.["$defs"].report.properties.registry'
	check '.reports[].registry.records[], .reports[].registry.containing_ranges[]' '.["$defs"].record'
	check '.reports[].lore[]' '.["$defs"].lore_use'
	check '.reports[].ranges.iana' '.["$defs"].report.properties.ranges.properties.iana'
	check '.reports[].ranges.host' '.["$defs"].report.properties.ranges.properties.host'
	check '.reports[].frequency' '.["$defs"].report.properties.frequency'
	# And statuses and classes are among the values the schema allows.
	printf '%s' "$doc" | jq -e '[.reports[].registry.status] - ["assigned","unassigned","reserved","none"] | length == 0'
}

@test "the man page renders without run-together words" {
	command -v groff >/dev/null || skip "groff is not installed"
	# A font macro (.BR, .IR, ...) joins its arguments without spaces: words given to
	# one by mistake come out as one long word. No real word of the page is 20 letters.
	out=$(groff -man -Tutf8 -rLL=80n "$PORTLORE_SRC/docs/portlore.1" 2>&1 | col -b)
	[ -n "$out" ]
	long=$(printf '%s\n' "$out" | grep -oE '[[:alnum:]]{20,}' || true)
	[ -z "$long" ] || { echo "run-together words: $long"; false; }
	# And groff has no complaint about the page.
	warn=$(groff -man -Tutf8 -ww -z "$PORTLORE_SRC/docs/portlore.1" 2>&1 || true)
	[ -z "$warn" ] || { echo "$warn"; false; }
}
