#!/usr/bin/env bats
# portlore export: services(5), CSV and JSON from the store.

load helpers

# A registry with an alias pair, a range, a row without a port and quoting to do.
alias_store() {
	local dir="$BATS_TEST_TMPDIR" db="$BATS_TEST_TMPDIR/alias.db"
	printf '%s\r\n' "$HEADER" \
		'whoispp,63,tcp,"whois++",[A_B],[A_B],,,,,,' \
		'whois++,63,tcp,"whois++",[A_B],[A_B],,,,,,"This entry is an alias to ""whoispp""."' \
		'lonely+,64,tcp,Alias of nothing here,,,,,,,,"This entry is an alias to ""nosuch""."' \
		'x11,6000-6002,tcp,"X Window System, ""X""",,,2001-05-06,,,,,' \
		'x11,6000-6002,tcp,"X Window System, ""X""",,,2001-05-06,,,,,' \
		'multi,7000,udp,"first line' 'second line",,,,,,,,' \
		'noport,,,A name without a port,,,,,,,,' \
		',7001-7010,,Unassigned,,,,,,,,' >"$dir/alias.csv"
	"$PORTLORE" import --quiet --new --db "$db" --iana "$dir/alias.csv" >&2
	printf '%s\n' "$db"
}

@test "services: one line per name, port and protocol; aliases after their name" {
	db=$(alias_store)
	run pl export --db "$db" --format services
	[ "$status" -eq 0 ]
	body=$(printf '%s\n' "$output" | grep -v '^#')
	[ "$(printf '%s\n' "$body" | wc -l)" -eq 6 ]
	printf '%s\n' "$body" | grep -qx 'whoispp         63/tcp      whois++  # whois++'
	printf '%s\n' "$body" | grep -qx 'lonely+         64/tcp       # Alias of nothing here'
	printf '%s\n' "$body" | grep -qx 'x11             6001/tcp     # X Window System, "X" (ports 6000-6002)'
	[ "$(printf '%s\n' "$body" | grep -c '^x11 ')" -eq 3 ]
	printf '%s\n' "$body" | grep -qx 'multi           7000/udp     # first line'
	! printf '%s\n' "$body" | grep -q -e noport -e '^whois++'
	[[ "$output" == *"Left out: 1 named rows"* ]]
	[[ "$output" == *"snapshot 2001-05-06"* ]]
}

@test "services from Debian's registry: well-formed, no duplicates, agrees with netbase" {
	db=$(debian_store)
	pl export --db "$db" --format services >"$BATS_TEST_TMPDIR/services"
	body=$(grep -v '^#' "$BATS_TEST_TMPDIR/services")
	# Every line: NAME PORT/PROTO [ALIASES] [# comment].
	[ -z "$(printf '%s\n' "$body" | awk '$2 !~ /^[0-9]+\/(tcp|udp|sctp|dccp)$/' | head -3)" ]
	[ -z "$(printf '%s\n' "$body" | awk '{print $1, $2}' | sort | uniq -d | head -3)" ]
	for e in "ssh 22/tcp" "domain 53/udp" "http 80/tcp" "https 443/tcp" "mysql 3306/tcp"; do
		printf '%s\n' "$body" | awk '{print $1, $2}' | grep -qx "$e"
		[ ! -f /etc/services ] || awk '{print $1, $2}' /etc/services | grep -qx "$e"
	done
	printf '%s\n' "$body" | awk '$1 == "whoispp" && $2 == "63/tcp" && $3 == "whois++"' | grep -q .
}

@test "csv: every row and column, quoted, and it imports back to the same" {
	db=$(alias_store)
	run pl export --db "$db" --format csv
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | head -1 | tr -d '\r')" = "$HEADER" ]
	printf '%s\n' "$output" | grep -q '^x11,6000-6002,tcp,"X Window System, ""X""",,,2001-05-06,,,,,'
	pl export --db "$db" --format csv >"$BATS_TEST_TMPDIR/a.csv"
	"$PORTLORE" import --quiet --new --db "$BATS_TEST_TMPDIR/b.db" --iana "$BATS_TEST_TMPDIR/a.csv"
	pl export --db "$BATS_TEST_TMPDIR/b.db" --format csv >"$BATS_TEST_TMPDIR/b.csv"
	cmp "$BATS_TEST_TMPDIR/a.csv" "$BATS_TEST_TMPDIR/b.csv"
}

@test "csv of Debian's registry equals the file it came from, row for row" {
	db=$(debian_store)
	pl export --db "$db" --format csv | tr -d '\r' >"$BATS_TEST_TMPDIR/out.csv"
	# The registry writes some single ports as N-N; the store keeps a port as a port.
	tr -d '\r' <"$DEBIAN_CSV" | sed -E 's/^([^,]*),([0-9]+)-\2,/\1,\2,/' >"$BATS_TEST_TMPDIR/in.csv"
	diff "$BATS_TEST_TMPDIR/in.csv" "$BATS_TEST_TMPDIR/out.csv"
}

@test "json: registry records and lore entries with their ports and sources" {
	db=$(fixture_store)
	run pl export --db "$db" --format json
	[ "$status" -eq 0 ]
	json_is '.schema' https://portlore.dev/schema/export/1
	json_is '.snapshot' 2024-12-20
	json_is '.registry | length' 12
	json_is '[.registry[] | select(.service == "x11")][0].port' 6000-6063
	json_is '[.registry[] | select(.service == "x11")][0].unauthorized_use' 'Known Unauthorized Use on port 6003'
	json_is '[.registry[].provenance] | unique | join(",")' iana
	json_is '.lore | length' 1
	json_is '.lore[0].id' demo-caller
	json_is '.lore[0].ports | map("\(.port)/\(.protocol)") | join(",")' '3333/tcp,3334/tcp'
	json_is '.lore[0].sources[0].url' https://example.org/demo
	json_is '.lore[0].hints.process[0]' '^democid$'
	json_is '.lore[0].provenance' lore
}

@test "bad arguments and a missing store" {
	db=$(fixture_store)
	run pl export --db "$db"
	[ "$status" -eq 2 ]
	run pl export --db "$db" --format xml
	[ "$status" -eq 2 ]
	[[ "$output" == *"--format 'xml': give services, csv or json"* ]]
	run pl export --db "$BATS_TEST_TMPDIR/nosuch.db" --format csv
	[ "$status" -eq 3 ]
	run pl export --db "$db" --format csv extra
	[ "$status" -eq 2 ]
}
