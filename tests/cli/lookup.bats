#!/usr/bin/env bats
# `portlore PORTSPEC`: reports, spec forms, text and JSON.

load helpers

setup() {
	DB=$(debian_store)
	FX=$(fixture_store)
	export NO_COLOR=1 COLUMNS=100
}

@test "3408/tcp: BESApi, [Colin_Griffiths], registered 2002-02 (Debian 2014 copy)" {
	run pl --db "$DB" --full 3408/tcp
	[ "$status" -eq 0 ]
	[[ "$output" == *"3408/tcp BESApi: BES Api Port [iana 2014-"* ]]
	[[ "$output" == *"assignee: [Colin_Griffiths]"* ]]
	[[ "$output" == *"registered: 2002-02"* ]]
}

@test "3008: midnight-tech on tcp and udp, NetScaler in lore" {
	run pl --db "$DB" --full 3008
	[ "$status" -eq 0 ]
	[[ "$output" == *"3008/tcp  midnight-tech"* ]]
	[[ "$output" == *"3008/udp  midnight-tech"* ]]
	[[ "$output" == *"assignee: [Kyle_Unice]"* ]]
	[[ "$output" == *"NetScaler"* ]]
}

@test "6010 falls inside x11's range 6000-6063" {
	run pl --db "$DB" --json 6010/tcp
	[ "$status" -eq 0 ]
	json_is '.reports[0].registry.records | length' 0
	json_is '.reports[0].registry.containing_ranges[0].service' x11
	json_is '.reports[0].registry.containing_ranges[0].port' 6000-6063
	json_is '.reports[0].registry.status' assigned
	run pl --db "$DB" --full 6010/tcp
	[[ "$output" == *"inside range 6000-6063/tcp x11: X Window System"* ]]
}

@test "range facts: IANA classes with sizes, browsers' bad ports" {
	run pl --db "$FX" --json 1023/tcp 1024/tcp 49151/tcp 49152/tcp 6000/tcp 6666/tcp 3333/tcp
	[ "$status" -eq 0 ]
	json_is '[.reports[].ranges.iana.class] | join(",")' system,user,user,dynamic,user,user,user
	json_is '.reports[1].ranges.iana.size' 48128
	json_is '.reports[0].ranges.iana.size' 1024
	json_is '.reports[3].ranges.iana.size' 16384
	json_is '[.reports[].ranges.browsers.chromium_blocks] | join(",")' false,false,false,false,true,true,false
	json_is '.reports[5].ranges.browsers.firefox_blocks' true
}

@test "host facts come from the host, through a path seam for tests" {
	root="$BATS_TEST_TMPDIR/root"
	mkdir -p "$root/proc/sys/net/ipv4"
	printf '3000\t4000\n' >"$root/proc/sys/net/ipv4/ip_local_port_range"
	printf '3333,5000-5010\n' >"$root/proc/sys/net/ipv4/ip_local_reserved_ports"
	printf '4000\n' >"$root/proc/sys/net/ipv4/ip_unprivileged_port_start"
	PORTLORE_PROC_ROOT="$root" run pl --db "$FX" --json 3333/tcp 4500/tcp
	[ "$status" -eq 0 ]
	json_is '.reports[0].ranges.host.ephemeral.contains' true
	json_is '.reports[0].ranges.host.reserved.contains' true
	json_is '.reports[0].ranges.host.privileged.privileged' true
	json_is '.reports[1].ranges.host.ephemeral.contains' false
	json_is '.reports[1].ranges.host.reserved.contains' false
	json_is '.reports[1].ranges.host.privileged.privileged' false
	json_is '.reports[0].ranges.host.provenance' observed
	# A list longer than a page (the kernel prints up to every other port) is read
	# whole: its last port is reserved, the JSON lists it all, the text a short form.
	seq -s, 10000 2 12000 >"$root/proc/sys/net/ipv4/ip_local_reserved_ports"
	PORTLORE_PROC_ROOT="$root" run pl --db "$FX" --json 12000/tcp 11999/tcp
	[ "$status" -eq 0 ]
	json_is '.reports[0].ranges.host.reserved.contains' true
	json_is '.reports[1].ranges.host.reserved.contains' false
	json_is '.reports[0].ranges.host.reserved.list' "$(seq -s, 10000 2 12000)"
	PORTLORE_PROC_ROOT="$root" run pl --db "$FX" --full 12000/tcp
	[ "$status" -eq 0 ]
	[[ "$output" == *"(10000,10002,"*"... (1001 ports))"* ]]
	# The real host: what the kernel says.
	run pl --db "$FX" --json 3333/tcp
	read -r lo hi </proc/sys/net/ipv4/ip_local_port_range
	json_is '.reports[0].ranges.host.ephemeral.first' "$lo"
	json_is '.reports[0].ranges.host.ephemeral.last' "$hi"
	# --no-host leaves it out.
	run pl --db "$FX" --json --no-host 3333/tcp
	json_is '.reports[0].ranges.host' null
	# A malformed setting is an error naming the file.
	printf 'garbage\n' >"$root/proc/sys/net/ipv4/ip_local_port_range"
	PORTLORE_PROC_ROOT="$root" run pl --db "$FX" 3333/tcp
	[ "$status" -eq 4 ]
	[[ "$output" == *"$root/proc/sys/net/ipv4/ip_local_port_range: expected two port numbers"* ]]
}

@test "spec forms: 3333, 3333/tcp, 3000-3010, ssh, 22,80,443, http/udp" {
	run pl --db "$FX" --json 3333
	json_is '[.reports[] | "\(.port)/\(.protocol)"] | join(" ")' "3333/tcp 3333/udp"
	run pl --db "$FX" --json 3333/tcp
	json_is '[.reports[] | "\(.port)/\(.protocol)"] | join(" ")' "3333/tcp"
	run pl --db "$FX" --json 3000-3010
	json_is '.reports | length' 22
	json_is '.reports[0].registry.status' unassigned
	run pl --db "$FX" --json ssh
	json_is '[.reports[] | "\(.port)/\(.protocol)"] | join(" ")' "22/tcp 22/udp 22/sctp"
	run pl --db "$FX" --json 22,80,443
	json_is '[.reports[] | "\(.port)/\(.protocol)"] | join(" ")' "22/tcp 22/udp 22/sctp 80/tcp 80/udp 443/tcp 443/udp"
	run pl --db "$FX" --json http/udp
	json_is '[.reports[] | "\(.port)/\(.protocol)"] | join(" ")' "80/udp"
	run pl --db "$FX" --json SSH/TCP
	json_is '[.reports[] | "\(.port)/\(.protocol)"] | join(" ")' "22/tcp"
	# Names of lore entries and families resolve too.
	run pl --db "$FX" --json demo
	json_is '[.reports[] | "\(.port)/\(.protocol)"] | join(" ")' "3333/tcp 3334/tcp"
}

@test "unassigned and reserved are said as the registry says, with its date" {
	run pl --db "$FX" --full 3001/udp 0/tcp
	[ "$status" -eq 0 ]
	[[ "$output" == *"3001/udp  unassigned"* ]]
	[[ "$output" == *"inside range 3000-3007: Unassigned (no service name) [iana 2024-12-20]"* ]]
	[[ "$output" == *"0/tcp  reserved"* ]]
	run pl --db "$FX" --json 3408/udp
	json_is '.reports[0].registry.status' none
	json_is '.reports[0].registry.snapshot' 2024-12-20
}

@test "lore: kind, role, numbered sources, siblings of the family" {
	run pl --db "$FX" --json 3333/tcp
	json_is '.reports[0].lore[0].id' demo-caller
	json_is '.reports[0].lore[0].kind' telephony
	json_is '.reports[0].lore[0].role' "caller ID server"
	json_is '.reports[0].lore[0].sources[0].n' 1
	json_is '.reports[0].lore[0].sources[0].url' https://example.org/demo
	json_is '.reports[0].lore[0].siblings[0].port' 3334
	json_is '.reports[0].lore[0].provenance' lore
	run pl --db "$FX" --full 3333/tcp
	[[ "$output" == *"1. Demo caller ID daemon (Demo project; telephony, since 2002) [lore]"* ]]
	[[ "$output" == *"3334/tcp caller ID relay"* ]]
	[[ "$output" == *"[1] Demo doc, 2020 (primary) <https://example.org/demo>"* ]]
}

@test "every fact in the JSON report carries a provenance" {
	run pl --db "$DB" --json 3333
	[ "$status" -eq 0 ]
	json_is '.schema' https://portlore.dev/schema/report/1
	json_is '.version' 1
	# Every section object that holds facts names its provenance.
	json_is '[.reports[] | .ranges.iana.provenance, .ranges.host.provenance, .ranges.browsers.provenance, .registry.provenance] | unique | join(",")' "fetch-standard,iana,observed"
	json_is '[.reports[].lore[] | .provenance] | unique | join(",")' lore
	json_is '[.reports[].frequency | select(. != null) | .provenance] | unique | join(",")' nmap
	# And text labels every fact line with one.
	run pl --db "$DB" --full --width 200 3333/tcp
	for word in iana lore observed; do
		[[ "$output" == *"[$word"* ]]
	done
}

@test "text: colour only when asked or on a terminal, NO_COLOR honoured, wrapped to width" {
	run pl --db "$DB" 3333/tcp
	[[ "$output" != *$'\033['* ]]
	run pl --db "$DB" --color always 3333/tcp
	[[ "$output" == *$'\033['* ]]
	run pl --db "$DB" --color never 3333/tcp
	[[ "$output" != *$'\033['* ]]
	# On a terminal (script(1) gives one), colour is on unless NO_COLOR is set.
	if command -v script >/dev/null; then
		out=$(env -u NO_COLOR script -qec "$PORTLORE --db $DB 22/tcp" /dev/null)
		[[ "$out" == *$'\033['* ]]
		out=$(NO_COLOR=1 script -qec "$PORTLORE --db $DB 22/tcp" /dev/null)
		[[ "$out" != *$'\033['* ]]
	fi
	for w in 40 60 100; do
		run pl --db "$DB" --width "$w" 3333/tcp
		# Lines are at most w columns, except single words (URLs) longer than a line.
		long=$(printf '%s\n' "$output" | perl -CSD -ne "chomp; print \"\$_\\n\" if length(\$_) > $w && / [^ <]+ / && !/<http/" | wc -l)
		[ "$long" -eq 0 ]
	done
	COLUMNS=50 run pl --db "$DB" 3333/tcp
	[ "$(printf '%s\n' "$output" | perl -CSD -ne 'chomp; print "$_\n" if length($_) > 50 && / [^ <]+ / && !/http/' | wc -l)" -eq 0 ]
}

@test "reads specs from stdin with -" {
	run bash -c "printf '22/tcp 80/tcp\n3408/tcp\n' | '$PORTLORE' --db '$DB' --json -"
	[ "$status" -eq 0 ]
	json_is '[.reports[] | .port] | join(",")' 22,80,3408
}

@test "a large range streams: 0-65535/tcp in text and JSON" {
	run bash -c "'$PORTLORE' --db '$FX' --no-host --json 0-65535/tcp | jq '.reports | length'"
	[ "$status" -eq 0 ]
	[ "$output" -eq 65536 ]
}

@test "options may follow the port spec: portlore 3333 --json" {
	run pl 3333 --json --db "$FX"
	[ "$status" -eq 0 ]
	json_is '.reports | length' 2
	run pl --db "$FX" search demo --json
	[ "$status" -eq 0 ]
	json_is '.hits[0].ref' demo-caller
}
