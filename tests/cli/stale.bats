#!/usr/bin/env bats
# A report whose registry snapshot is more than a year old says so, in one line, with
# the command that refreshes it; a newer snapshot says nothing of the kind.

load helpers

# age_days LABEL: days from LABEL (YYYY-MM-DD) to now, by date(1).
age_days() {
	echo $(( ($(date -u +%s) - $(date -u -d "$1" +%s)) / 86400 ))
}

@test "Debian's 2014 registry: one line says how old, and 'portlore update'" {
	db=$(debian_store)
	run pl --db "$db" -w 200 3333/tcp
	[ "$status" -eq 0 ]
	[[ "$output" == *"[iana $(pl --db "$db" --json 3333/tcp | jq -r '.reports[0].registry.snapshot')]"* ]]
	snap=$(pl --db "$db" --json 3333/tcp | jq -r '.reports[0].registry.snapshot')
	[ "$(age_days "$snap")" -gt 365 ]
	[ "$(printf '%s\n' "$output" | grep -c "snapshot over a year old: run 'portlore update'")" -eq 1 ]
	# One line in the one-screen answer at 80 columns, and in each report of --full.
	run pl --db "$db" -w 80 3333
	[ "$(printf '%s\n' "$output" | grep -c "snapshot over a year old: run 'portlore update'$")" -eq 1 ]
	run pl --db "$db" -w 200 --full 3333
	[ "$(printf '%s\n' "$output" | grep -c "portlore update")" -eq 2 ]
}

@test "a snapshot less than a year old gets no such line" {
	snap=$(pl --db "$PORTLORE_STORE" --json 22/tcp | jq -r '.reports[0].registry.snapshot')
	[ "$(age_days "$snap")" -le 365 ] || skip "the build's registry ($snap) is itself over a year old"
	run pl --db "$PORTLORE_STORE" -w 200 --full 22/tcp
	[ "$status" -eq 0 ]
	[[ "$output" != *"portlore update"* ]]
	run pl --db "$PORTLORE_STORE" -w 200 22/tcp
	[[ "$output" != *"portlore update"* ]]
}
