#!/usr/bin/env bats
# `portlore history` and `portlore diff`: a port's story across snapshots, and what
# changed between two. Two small registries written here test every kind of event;
# the real snapshots (Debian's 2014 copy and the shared ones) test the known stories.

load helpers

# Two versions of a small registry. Between them: an assignee change dated by the
# Modification Date, a de-assignment and a description change the registry does not
# date, an assignment of an unassigned port, a new service, a removed one.
write_pair() {
	local dir="$BATS_FILE_TMPDIR/pair"
	mkdir -p "$dir"
	printf '%s\r\n' "$HEADER" \
		'alpha,1000,tcp,Alpha service,[A_Person],[A_Person],2019-05-01,,,,,' \
		'alpha,1000,udp,Alpha service,[A_Person],[A_Person],2019-05-01,,,,,' \
		'beta,1001,tcp,Beta,[B_Person],[B_Person],,,,,,' \
		',1002,,Unassigned,,,,,,,,' \
		'gamma,1003,tcp,Gamma,[G],[G],,2020-01-01,,,,' \
		'omega,1005,tcp,Omega,[O],[O],,,,,,' >"$dir/a.csv"
	printf '%s\r\n' "$HEADER" \
		'alpha,1000,tcp,Alpha service,[A_Org],[A_Person],2019-05-01,2021-06-30,,,,' \
		'alpha,1000,udp,Alpha service,[A_Org],[A_Person],2019-05-01,2021-06-30,,,,' \
		',1001,tcp,Reserved,,,,,,,,"De-assigned, previously beta"' \
		'delta,1002,tcp,Delta,[D],[D],2021-03-01,,,,,' \
		'gamma,1003,tcp,Gamma Two,[G],[G],,2020-01-01,,,,' \
		'newname,1004,tcp,New,[N],[N],,2021-01-01,,,,' >"$dir/b.csv"
	printf '%s\n' "$dir"
}

pair_store() {
	local db="$BATS_FILE_TMPDIR/pair.db" dir
	if [ ! -f "$db" ]; then
		dir=$(write_pair)
		"$PORTLORE" import --quiet --new --db "$db" --iana "$dir/a.csv" --iana "$dir/b.csv" >&2
	fi
	printf '%s\n' "$db"
}

# All four snapshots; the test is skipped when the shared ones are not there.
four_store() {
	local db="$BATS_FILE_TMPDIR/four.db" s="$SHARED_IANA/service-names-port-numbers"
	[ -f "$DEBIAN_CSV" ] && [ -f "$s.2024-04.csv" ] && [ -f "$s.2025-03.csv" ] &&
		[ -f "$s.2026-02.csv" ] || return 1
	[ -f "$db" ] || "$PORTLORE" import --quiet --new --db "$db" --iana "$DEBIAN_CSV" \
		--iana "$s.2024-04.csv" --iana "$s.2025-03.csv" --iana "$s.2026-02.csv" >&2
	printf '%s\n' "$db"
}

@test "an assignee change is dated by the Modification Date and merged over tcp and udp" {
	run pl --db "$(pair_store)" history 1000 --json
	[ "$status" -eq 0 ]
	json_is '.histories[0].events | map(.kind) | join(",")' 'registered,changed'
	json_is '.histories[0].events[0].date' '2019-05-01'
	json_is '.histories[0].events[0].date_from' 'registration_date'
	json_is '.histories[0].events[1] | [.field, .old, .new, .date, .date_from] | join(" ")' \
		'assignee [A_Person] [A_Org] 2021-06-30 modification_date'
	json_is '.histories[0].events[1].protocols | join(",")' 'tcp,udp'
	json_is '.histories[0].events[1] | [.after_snapshot, .before_snapshot] | join(" ")' \
		'2020-01-01 2021-06-30'
	json_is '.histories[0].snapshots | map(.rows[0].assignee) | join(" ")' '[A_Person] [A_Org]'
}

@test "a de-assignment the registry does not date is placed between snapshots" {
	run pl --db "$(pair_store)" history 1001/tcp --json
	[ "$status" -eq 0 ]
	json_is '.histories[0].events | length' '1'
	json_is '.histories[0].events[0] | [.kind, .old, .new, .date_from] | join(" ")' \
		'de-assigned beta Reserved snapshots'
	json_is '.histories[0].events[0].date' 'null'
	json_is '.histories[0].events[0].detail' 'De-assigned, previously beta'
	run pl --db "$(pair_store)" history 1001/tcp
	[[ "$output" == *"beta (tcp) de-assigned, now Reserved"* ]]
	[[ "$output" == *"not dated by the registry: between snapshots 2020-01-01 and"*"2021-06-30"* ]]
}

@test "assignment, description change, addition and removal" {
	db=$(pair_store)
	run pl --db "$db" history 1002 --json
	json_is '[.histories[0].events[] | "\(.kind):\(.protocols | join("+")):\(.new // .old):\(.date)"] | join(" ")' \
		'assigned:tcp:delta:2021-03-01 removed:udp:Unassigned:null'
	run pl --db "$db" history 1003 --json
	json_is '.histories[0].events[] | select(.kind == "changed") | [.field, .old, .new, .date_from] | join("|")' \
		'description|Gamma|Gamma Two|snapshots'
	run pl --db "$db" history 1004/tcp --json
	json_is '.histories[0].events | map(.kind + " " + .date) | join(",")' 'added 2021-01-01'
	run pl --db "$db" history 1005/tcp --json
	json_is '.histories[0].events | map(.kind + " " + .service) | join(",")' 'removed omega'
	run pl --db "$db" history 1006/tcp --json
	json_is '.histories[0].events | length' '0'
}

@test "diff lists added, removed and changed rows, keyed by name, port and protocol" {
	db=$(pair_store)
	run pl --db "$db" diff 2020 current --json
	[ "$status" -eq 0 ]
	json_is '[.counts.added, .counts.removed, .counts.changed] | join(" ")' '3 3 3'
	json_is '[.added[] | "\(.service)/\(.port)/\(.protocol)"] | join(" ")' \
		'null/1001/tcp delta/1002/tcp newname/1004/tcp'
	json_is '[.removed[] | "\(.service)/\(.port)/\(.protocol)"] | join(" ")' \
		'null/1002/null beta/1001/tcp omega/1005/tcp'
	json_is '.changed[0] | [.service, .protocol, (.changes | map(.field) | join("+"))] | join(" ")' \
		'alpha tcp assignee+modification_date'
	json_is '[.old.label, .new.label, .old.rows, .new.rows] | join(" ")' '2020-01-01 2021-06-30 6 6'
	run pl --db "$db" diff 2020-01-01 2021-06-30 --color never
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "registry 2020-01-01 -> 2021-06-30: 3 added, 3 removed, 3 changed [iana]" ]]
	[[ "$output" == *"- beta 1001/tcp  Beta [B_Person]"* ]]
	[[ "$output" == *"+ newname 1004/tcp  New [N]"* ]]
	[[ "$output" == *"~ gamma 1003/tcp"*"description: Gamma -> Gamma Two"* ]]
	# The summary comes first, the list after it.
	[[ "${lines[1]}" == "  added    3 rows: 2 with a service name, 3 with a port" ]]
	[[ "${lines[2]}" == "  removed  3 rows: 2 with a service name, 3 with a port" ]]
	[[ "${lines[3]}" == "  changed  3 rows: "*"modification_date "* ]]
	[[ "$output" == *"  below: + added, - removed, ~ changed, in port order"$'\n'"~ alpha"* ||
	   "$output" == *"  below: + added, - removed, ~ changed, in port order"$'\n'"+ "* ||
	   "$output" == *"  below: + added, - removed, ~ changed, in port order"$'\n'"- "* ]]
	# A snapshot against itself: nothing.
	run pl --db "$db" diff current current --json
	json_is '[.counts.added, .counts.removed, .counts.changed] | join(" ")' '0 0 0'
}

@test "diff and history refuse what they cannot answer" {
	db=$(pair_store)
	run pl --db "$db" diff 1999 current
	[ "$status" -eq 1 ]
	[[ "$output" == *"no snapshot '1999' in the store (it has: 2020-01-01, 2021-06-30)"* ]]
	run pl --db "$db" diff 20 current
	[ "$status" -eq 2 ]
	[[ "$output" == *"snapshot '20' is ambiguous: 2020-01-01, 2021-06-30"* ]]
	run pl --db "$db" diff current
	[ "$status" -eq 2 ]
	run pl --db "$db" history
	[ "$status" -eq 2 ]
	run pl --db "$db" history 70000
	[ "$status" -eq 2 ]
	run pl --db "$db" history nosuchservice
	[ "$status" -eq 1 ]
	run pl --db "$db" history 1-100
	[ "$status" -eq 2 ]
	[[ "$output" == *"more than 64 ports"* ]]
	run pl --db "$BATS_FILE_TMPDIR/none.db" history 22
	[ "$status" -eq 3 ]
}

@test "a service name gives the history of its ports" {
	run pl --db "$(pair_store)" history delta --json
	[ "$status" -eq 0 ]
	json_is '[.histories[] | "\(.port)/\(.protocol)"] | join(" ")' '1002/null'
}

@test "one snapshot: a story of what its own columns date" {
	run pl --db "$(fixture_store)" history 3408/tcp --json
	[ "$status" -eq 0 ]
	json_is '.histories[0].events | map(.kind + " " + .date + " " + .date_from) | join(",")' \
		'registered 2002-02 registration_date'
	run pl --db "$(fixture_store)" history 3333/tcp
	[ "$status" -eq 0 ]
	[[ "$output" == *"none: no snapshot records a change or a date for this port"* ]]
}

@test "3072: [Ray_Jantz] then [NetApp], modified 2014-07-18 (real snapshots)" {
	db=$(four_store) || skip "the shared registry snapshots are not there"
	run pl --db "$db" history 3072 --json
	[ "$status" -eq 0 ]
	json_is '.histories[0].snapshots | map(.label) | join(" ")' '2014-07-09 2024-04-30 2025-03-28 2026-02-13'
	json_is '.histories[0].events[] | select(.field == "assignee") | [.old, .new, .date, .date_from, (.protocols | join("+"))] | join(" ")' \
		'[Ray_Jantz] [NetApp] 2014-07-18 modification_date tcp+udp'
	run pl --db "$db" history 3072/tcp --color never
	[[ "$output" == *"2014-07-18  csd-monitor (tcp): assignee [Ray_Jantz] -> [NetApp]"* ]]
}

@test "2: compressnet de-assigned 2025-02-13 (real snapshots)" {
	db=$(four_store) || skip "the shared registry snapshots are not there"
	run pl --db "$db" history 2 --json
	[ "$status" -eq 0 ]
	json_is '.histories[0].events | map(.kind + " " + .old + " " + .date) | join(",")' \
		'de-assigned compressnet 2025-02-13'
	json_is '.histories[0].events[0].detail' 'De-assigned on 2025-02-13, previously compressnet by [Bernie_Volz]'
	json_is '.histories[0].events[0] | [.after_snapshot, .before_snapshot] | join(" ")' '2024-04-30 2025-03-28'
}

@test "5319 is unassigned in every snapshot, and 22/sctp changed its reference (real snapshots)" {
	db=$(four_store) || skip "the shared registry snapshots are not there"
	run pl --db "$db" history 5319 --json
	json_is '.histories[0].events | length' '0'
	json_is '[.histories[0].snapshots[].rows[] | .description] | unique | join(",")' 'Unassigned'
	run pl --db "$db" history 22/sctp --json
	json_is '.histories[0].events | map([.field, .old, .new, .date] | join(" ")) | join(",")' \
		'reference [RFC4960] [RFC9260] 2022-02-07'
}

@test "diff of real snapshots: 2024-04 to 2025-03 (real snapshots)" {
	db=$(four_store) || skip "the shared registry snapshots are not there"
	run pl --db "$db" diff 2024 2025 --json
	[ "$status" -eq 0 ]
	json_is '[.removed[] | select(.port == 2) | .service + "/" + .protocol] | join(" ")' 'compressnet/tcp compressnet/udp'
	json_is '[.added[] | select(.port == 2) | .description + "/" + .protocol] | join(" ")' 'Reserved/tcp Reserved/udp'
	# Counts agree with the lists, and with the row totals.
	printf '%s' "$output" | jq -e '(.added | length) == .counts.added and (.removed | length) == .counts.removed and (.changed | length) == .counts.changed'
	printf '%s' "$output" | jq -e '.new.rows - .old.rows == .counts.added - .counts.removed'
	run pl --db "$db" diff 2014 2024 --json
	json_is '.changed[] | select(.port == 3072 and .protocol == "tcp") | .changes | map(.field) | join(",")' \
		'assignee,contact,modification_date'
}

@test "the man page documents history, diff and update and their options" {
	man="$PORTLORE_SRC/docs/portlore.1"
	for c in history diff update; do
		grep -q "^\.B portlore $c" "$man" || grep -q "portlore $c" "$man" || { echo "man lacks $c"; false; }
		for opt in $("$PORTLORE" help "$c" | grep -o -- '--[a-z-]*' | sort -u); do
			grep -q -- "$(printf '%s' "$opt" | sed 's/-/\\\\-/g')" "$man" || { echo "man lacks $opt"; false; }
		done
	done
}
