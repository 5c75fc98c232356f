#!/usr/bin/env bats
# `portlore import`: the registry snapshots, lore validation, atomicity.

load helpers

setup() {
	export NO_COLOR=1
}

# Records counted by an independent CSV reader (Python's csv module) when the
# snapshot files were added; lines differ because fields span lines.
@test "Debian's 2014 copy: 13521 records, old eleventh column name" {
	db="$BATS_TEST_TMPDIR/d.db"
	run pl import --new --db "$db" --iana "$DEBIAN_CSV"
	[ "$status" -eq 0 ]
	[[ "$output" == *"snapshot 2014-"*", 13521 records"* ]]
	[ "$(sqlite3 "$db" "SELECT col11 FROM snapshot")" = "Known Unauthorized Uses" ]
	run pl --db "$db" --json 3072/tcp
	json_is '.reports[0].registry.records[0].assignee' '[Ray_Jantz]'
}

@test "the shared snapshots: counts, 3072 NetApp since 2014-07-18, what is new in 2026-02" {
	[ -f "$SHARED_IANA/service-names-port-numbers.2026-02.csv" ] || skip "no ../shared/data/iana"
	db="$BATS_TEST_TMPDIR/h.db"
	run pl import --new --db "$db" --iana "$DEBIAN_CSV" \
		--iana "$SHARED_IANA/service-names-port-numbers.2024-04.csv" \
		--iana "$SHARED_IANA/service-names-port-numbers.2025-03.csv" \
		--iana "$SHARED_IANA/service-names-port-numbers.2026-02.csv"
	[ "$status" -eq 0 ]
	[[ "$output" == *"2024-04.csv: snapshot 2024-04-30, 14447 records"* ]]
	[[ "$output" == *"2025-03.csv: snapshot 2025-03-28, 14474 records"* ]]
	[[ "$output" == *"2026-02.csv: snapshot 2026-02-13, 14499 records"* ]]
	[ "$(sqlite3 "$db" "SELECT count(*) FROM snapshot")" -eq 4 ]
	# CRLF (2026-02, 2024-04) and LF (2025-03) files give the same text.
	[ "$(sqlite3 "$db" "SELECT count(DISTINCT notes) FROM record WHERE lo = 2 AND proto = 'tcp' AND notes <> ''")" -eq 1 ]
	run pl --db "$db" --json 3072/tcp
	json_is '.reports[0].registry.snapshot' 2026-02-13
	json_is '.reports[0].registry.records[0].assignee' '[NetApp]'
	json_is '.reports[0].registry.records[0].modification_date' 2014-07-18
	# The report carries the port's history across the four snapshots.
	json_is '[.reports[0].history.events[] | select(.field == "assignee")][0] | "\(.old) \(.new) \(.date)"' '[Ray_Jantz] [NetApp] 2014-07-18'
	json_is '.reports[0].history.provenance' iana
	# Port 2: de-assigned on 2025-02-13.
	run pl --db "$db" --json 2/tcp
	json_is '.reports[0].registry.status' reserved
	json_is '.reports[0].registry.records[0].assignment_notes' 'De-assigned on 2025-02-13, previously compressnet by [Bernie_Volz]'
	# UTF-8 kept.
	run pl --db "$db" --json 4413/tcp
	json_is '.reports[0].registry.records[0].assignee' '[FORTÉ]'
	# Ollama (11434) was registered on 2025-09-26: only the 2026-02 snapshot has it.
	[ "$(sqlite3 "$db" "SELECT group_concat(s.label) FROM record r JOIN snapshot s ON s.id = r.snapshot WHERE r.service = 'ollama'")" = "2026-02-13" ]
	# 5319: no snapshot assigns it (no "roughtime" row exists in any of them).
	[ "$(sqlite3 "$db" "SELECT count(*) FROM record WHERE service LIKE '%roughtime%'")" -eq 0 ]
	[ "$(sqlite3 "$db" "SELECT group_concat(DISTINCT description) FROM record WHERE lo = 5319")" = "Unassigned" ]
}

@test "a malformed CSV is refused with file:line and the store is left as it was" {
	db="$BATS_TEST_TMPDIR/s.db"
	cp "$(fixture_store)" "$db"
	before=$(sha256sum "$db" | cut -d' ' -f1)
	printf '%s\n%s\n%s\n' "$HEADER" 'a,1,tcp,x,,,,,,,,' 'b,99999,tcp,y,,,,,,,,' >"$BATS_TEST_TMPDIR/bad.csv"
	run pl import --db "$db" --iana "$BATS_TEST_TMPDIR/bad.csv"
	[ "$status" -eq 4 ]
	[ "$output" = "portlore: $BATS_TEST_TMPDIR/bad.csv:3: port '99999' is not a port or range within 0-65535" ]
	[ "$(sha256sum "$db" | cut -d' ' -f1)" = "$before" ]
	# A good CSV with a bad lore folder in the same import: nothing lands either.
	mkdir -p "$BATS_TEST_TMPDIR/lore"
	printf '{"family": "x", "name": "X", "entries": []}\n' >"$BATS_TEST_TMPDIR/lore/x.json"
	printf '%s\n%s\n' "$HEADER" 'zz,7,tcp,x,,,2030-01-01,,,,,' >"$BATS_TEST_TMPDIR/good.csv"
	run pl import --db "$db" --iana "$BATS_TEST_TMPDIR/good.csv" --lore "$BATS_TEST_TMPDIR/lore"
	[ "$status" -eq 4 ]
	[[ "$output" == *"x.json:1: entries: must be a non-empty array"* ]]
	[ "$(sha256sum "$db" | cut -d' ' -f1)" = "$before" ]
	# --new with a bad file leaves no half-built store behind.
	run pl import --new --db "$BATS_TEST_TMPDIR/n.db" --iana "$BATS_TEST_TMPDIR/bad.csv"
	[ "$status" -eq 4 ]
	[ ! -e "$BATS_TEST_TMPDIR/n.db" ]
	[ -z "$(ls "$BATS_TEST_TMPDIR" | grep 'n.db.new')" ]
}

@test "lore: the project's files validate; --check writes nothing" {
	run pl import --check --lore "$PORTLORE_SRC/data/lore"
	[ "$status" -eq 0 ]
	[[ "$output" == *"port facts: valid"* ]]
	run pl import --check --lore "$BATS_TEST_TMPDIR/none"
	[ "$status" -eq 5 ]
	[[ "$output" == *"none: No such file or directory"* ]]
	run pl import --check --db x --lore y
	[ "$status" -eq 2 ]
}

@test "lore: every entry has a source URL, ids are unique, no fact twice" {
	db=$(debian_store)
	[ "$(sqlite3 "$db" "SELECT count(*) FROM lore_entry e WHERE NOT EXISTS (SELECT 1 FROM lore_source s WHERE s.entry = e.id AND s.url LIKE 'http%')")" -eq 0 ]
	[ "$(sqlite3 "$db" "SELECT count(*) FROM (SELECT entry, lo, hi, proto FROM lore_port GROUP BY 1,2,3,4 HAVING count(*) > 1)")" -eq 0 ]
	[ "$(sqlite3 "$db" "SELECT count(*) - count(DISTINCT id) FROM lore_entry")" -eq 0 ]
}

@test "nmap frequencies: imported from the system file, ranked per protocol" {
	[ -f /usr/share/nmap/nmap-services ] || skip "nmap-common not installed"
	db="$BATS_TEST_TMPDIR/n.db"
	run pl import --new --db "$db" --iana "$DEBIAN_CSV" --nmap /usr/share/nmap/nmap-services
	[ "$status" -eq 0 ]
	top=$(awk '!/^#/ && $2 ~ /\/tcp$/ {print $3, $2}' /usr/share/nmap/nmap-services | sort -gr | head -1 | cut -d' ' -f2)
	run pl --db "$db" --json "$top"
	json_is '.reports[0].frequency.rank' 1
	printf 'http\t80/tcp\tnotanumber\n' >"$BATS_TEST_TMPDIR/bad-services"
	run pl import --db "$db" --nmap "$BATS_TEST_TMPDIR/bad-services"
	[ "$status" -eq 4 ]
	[[ "$output" == *"bad-services:1: expected 'name port/proto frequency'"* ]]
}

@test "lore stats: counts agree with the store; coverage of nmap's frequent ports" {
	db=$(debian_store)
	run pl lore stats --db "$db" --json
	[ "$status" -eq 0 ]
	json_is '.entries' "$(sqlite3 "$db" 'SELECT count(*) FROM lore_entry')"
	json_is '.families' "$(sqlite3 "$db" 'SELECT count(DISTINCT family) FROM lore_entry')"
	json_is '.port_facts' "$(sqlite3 "$db" 'SELECT count(*) FROM lore_port')"
	json_is '[.kinds[]] | add' "$(sqlite3 "$db" 'SELECT count(*) FROM lore_entry')"
	json_is '[.source_domains[]] | add' "$(sqlite3 "$db" 'SELECT count(*) FROM lore_source')"
	if [ -f /usr/share/nmap/nmap-services ]; then
		json_is '.coverage[0].ports' 200
		json_is '.coverage[1].ports' 1000
		# Port 80 is the most frequent tcp port and must be covered by lore.
		json_is '.coverage[0].most_frequent_without_lore | index(80)' null
		# The count agrees with an independent query.
		json_is '.coverage[1].with_lore' "$(sqlite3 "$db" "SELECT count(*) FROM nmap n WHERE n.proto = 'tcp' AND n.rank BETWEEN 1 AND 1000 AND EXISTS (SELECT 1 FROM lore_port p WHERE p.proto = 'tcp' AND p.lo <= n.port AND p.hi >= n.port AND p.hi - p.lo < 64)")"
	fi
	run pl lore stats --db "$db"
	[ "$status" -eq 0 ]
	[[ "$output" == "lore: "*" entries in "*" families"* ]]
	run pl lore --db "$db"
	[ "$status" -eq 2 ]
}
