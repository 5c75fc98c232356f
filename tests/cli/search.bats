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
	# FTS5's own syntax in the input means nothing: quotes, stars, NEAR( are text.
	run pl --db "$DB" search '"redis*' 'NEAR('
	[ "$status" -eq 1 ]
	[[ "$output" != *"syntax"* ]]
	run pl --db "$DB" search '"redis'
	[ "$status" -eq 0 ]
	[[ "$output" == *"6379"* ]]
	run pl --db "$DB" search
	[ "$status" -eq 2 ]
}
