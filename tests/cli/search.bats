#!/usr/bin/env bats
# `portlore search`: ranked full-text search over registry and lore.

load helpers

setup() {
	DB=$(debian_store)
	export NO_COLOR=1
}

@test "search redis finds port 6379" {
	run pl --db "$DB" search --json redis
	[ "$status" -eq 0 ]
	json_is '[.hits[] | .ports] | map(select(test("6379"))) | length > 0' true
}

@test "search netscaler finds the HA ports from lore" {
	run pl --db "$DB" search --json netscaler
	[ "$status" -eq 0 ]
	json_is '.hits[0].provenance' lore
	json_is '[.hits[].ports] | join(" ") | test("3008/tcp")' true
	json_is '[.hits[].ports] | join(" ") | test("3003/udp")' true
}

@test "search \"caller id\" finds NCID on 3333" {
	run pl --db "$DB" search caller id
	[ "$status" -eq 0 ]
	[[ "$output" == *"3333/tcp"* ]]
	run pl --db "$DB" search --json "caller id"
	json_is '[.hits[] | select(.ref | test("ncid"))] | length > 0' true
}

@test "search by assignee and description in the registry" {
	run pl --db "$DB" search --json Colin_Griffiths
	json_is '.hits[0].ref' BESApi
	json_is '.hits[0].ports' "3408/tcp, 3408/udp"
	json_is '.hits[0].provenance' iana
	run pl --db "$DB" search --json "ContinuStor Monitor"
	json_is '.hits[0].ref' csd-monitor
}

@test "search ranks and limits" {
	run pl --db "$DB" search --json --limit 3 http
	json_is '.hits | length' 3
	json_is '[.hits[].rank] | join(",")' 1,2,3
}

@test "search: nothing found is status 1; empty and syntax characters are handled" {
	run pl --db "$DB" search qqqqzzzzxxxx
	[ "$status" -eq 1 ]
	[[ "$output" == *"no match for 'qqqqzzzzxxxx'"* ]]
	run pl --db "$DB" search '***'
	[ "$status" -eq 2 ]
	[[ "$output" == *"has no words"* ]]
	# FTS5's own syntax in the input means nothing: quotes, stars, NEAR( are text
	# (no entry has both words, so any word will do: redis).
	run pl --db "$DB" search '"redis*' 'NEAR('
	[ "$status" -eq 0 ]
	[[ "$output" != *"syntax"* ]]
	[[ "$output" == *"6379"* ]]
	run pl --db "$DB" search '"redis'
	[ "$status" -eq 0 ]
	[[ "$output" == *"6379"* ]]
	run pl --db "$DB" search
	[ "$status" -eq 2 ]
}

@test "search: any word when no hit has them all; prefixes and stems; names before mentions" {
	run pl --db "$DB" search --json "docker daemon"
	[ "$status" -eq 0 ]
	json_is '.hits[0].ports | test("^237[56]/tcp")' true
	run pl --db "$DB" search --json memcache
	json_is '.hits[0].ports | test("11211")' true
	# "servers" finds what says "server"; the registry's own "vnc" name ranks first.
	run pl --db "$DB" search --json "redis servers"
	json_is '[.hits[].ports] | join(" ") | test("6379")' true
	run pl --db "$DB" search --json vnc
	json_is '.hits[0].ports | test("5900")' true
}

@test "search: snippets come from the summary, matches between « and », IANA brackets plain" {
	run pl --db "$DB" search --json redis
	json_is '[.hits[].snippet | select(test("«[Rr]edis»"))] | length > 0' true
	json_is '[.hits[].snippet | select(test("\\[[Rr]edis\\]"))] | length' 0
	run pl --db "$DB" search redis
	[[ "$output" == *"«"* ]]
}

@test "search: each hit's first line fits the width; a list of ports is cut between ports" {
	# A long title, many ports and a long lore id ran past 80 columns (145 for
	# NetScaler management's five ports). The title gives way first, then the ports,
	# at an item's end: "2200-22..." would read as another range.
	for q in ssh mirai "windows rpc" netscaler; do
		run pl --db "$DB" -w 80 search $q
		[ "$status" -eq 0 ]
		long=$(printf '%s\n' "$output" | python3 -c 'import sys; print(sum(len(l) > 80 for l in sys.stdin.read().split("\n")))')
		[ "$long" -eq 0 ] || { echo "$q: $long lines past 80 columns"; printf '%s\n' "$output"; false; }
		! printf '%s\n' "$output" | grep -qE '^ ?[0-9]+\. .*[0-9]\.\.\.  \['
	done
	# The whole line where there is room.
	run pl --db "$DB" -w 200 search netscaler
	[[ "$output" == *"80/tcp, 443/tcp, 22/tcp, 3010/tcp, 3008/tcp  [lore citrix-netscaler-mgmt]"* ]]
}
