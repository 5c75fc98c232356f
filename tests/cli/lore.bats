#!/usr/bin/env bats
# The project's lore, end to end: a sample of families across kinds, through the
# report and search, on a store built from Debian's registry copy.

load helpers

setup() {
	DB=$(debian_store)
	export NO_COLOR=1
}

# has_use PORT/PROTO ENTRY-ID: the report of PORT/PROTO lists the lore entry.
has_use() {
	run pl --db "$DB" --json "$1"
	[ "$status" -eq 0 ]
	printf '%s' "$output" | jq -e --arg id "$2" '[.reports[0].lore[].id] | index($id) != null' >/dev/null ||
		{ echo "$1 lacks lore entry $2"; return 1; }
}

@test "databases and caches: redis 6379, mongodb 27017, memcached 11211" {
	has_use 6379/tcp redis-server
	has_use 27017/tcp mongodb-server
	has_use 11211/udp memcached-server
}

@test "infrastructure: docker 2375, kubelet 10250" {
	has_use 2375/tcp docker-api-plain
	has_use 10250/tcp kubelet-api
	json_is '.reports[0].lore[] | select(.id == "kubelet-api") | .risk.level | test("high|critical")' true
}

@test "ICS: modbus 502, bacnet 47808/udp" {
	has_use 502/tcp modbus-tcp
	has_use 47808/udp bacnet-ip
}

@test "remote access and vendor HA: rdp 3389, NetScaler heartbeat 3003/udp with its siblings" {
	has_use 3389/tcp rdp-termservice
	has_use 3003/udp citrix-netscaler-ha
	json_is '[.reports[0].lore[] | select(.id == "citrix-netscaler-ha") | .siblings[] | "\(.port)/\(.protocol)"] | join(" ") | test("3008/tcp") and test("3011/tcp")' true
}

@test "OS services on common ports: AirPlay on 5000 and 7000, systemd-resolved on 53" {
	has_use 5000/tcp macos-airplay-receiver
	has_use 7000/tcp macos-airplay-receiver
	has_use 53/udp systemd-resolved-stub
}

@test "malware and amplification: NetBus 12345, Back Orifice 31337/udp, DNS reflection" {
	has_use 12345/tcp netbus
	json_is '.reports[0].lore[] | select(.id == "netbus") | .kind' malware
	has_use 31337/udp back-orifice
	has_use 53/udp dns-amplification
}

@test "3333: every use, with hints that tell them apart on a host" {
	has_use 3333/tcp ncid-server
	has_use 3333/tcp claymore-miner-api
	json_is '.reports[0].lore[] | select(.id == "ncid-server") | .hints.process | index("^ncidd$") != null' true
	json_is '.reports[0].lore[] | select(.id == "claymore-miner-api") | .cves | index("CVE-2017-16930") != null' true
	# The registry's own word stays first: 3333 is dec-notes.
	json_is '.reports[0].registry.records[0].service' dec-notes
}

@test "every lore use in a report has numbered sources with URLs" {
	run pl --db "$DB" --json 3333 5000 8080 53
	[ "$status" -eq 0 ]
	json_is '[.reports[].lore[] | .sources | length >= 1] | all' true
	json_is '[.reports[].lore[].sources[] | .url | test("^https?://")] | all' true
	json_is '[.reports[].lore[].sources[] | .n] | min' 1
}

@test "search reaches lore text: mining, modbus, kubelet" {
	run pl --db "$DB" search --json claymore
	json_is '[.hits[] | select(.provenance == "lore")] | length > 0' true
	run pl --db "$DB" search --json modbus
	json_is '[.hits[].ports] | join(" ") | test("502/tcp")' true
}

@test "every commit-pinned URL in the lore is in the allow-list that records how it was verified" {
	list="$PORTLORE_SRC/data/lore-pinned.tsv"
	[ -f "$list" ]
	pinned=$(grep -hoE 'https?://github\.com/[^/]+/[^/]+/(commit|blob|tree)/[0-9a-f]{7,40}[^"]*' \
		"$PORTLORE_SRC"/data/lore/*.json | sort -u)
	[ -n "$pinned" ]
	missing=0
	while read -r u; do
		awk -F'\t' -v u="$u" '$1 == u && $2 ~ /verified|cat-file|read at this commit/ { f = 1 } END { exit !f }' "$list" ||
			{ echo "pinned URL not in $list: $u"; missing=1; }
	done <<<"$pinned"
	[ "$missing" -eq 0 ]
	# The commit that never existed in Katello's installer stays out.
	! grep -rq 0edbce0e90173722c4b55d417ffb42b4072df8be "$PORTLORE_SRC/data/lore"
}

@test "a report shows a lore use's confidence and each source's tier and dates" {
	run pl --db "$DB" --json 3072/tcp 3010/tcp
	[ "$status" -eq 0 ]
	json_is '[.reports[].lore[] | .confidence.level | test("^(high|medium|low)$")] | all' true
	json_is '[.reports[].lore[].sources[] | .tier | test("^(primary|secondary|community)$")] | all' true
	json_is '[.reports[].lore[].sources[] | .accessed | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}$")] | all' true
	json_is '[.reports[].lore[] | select(.id == "irc-bot-3072") | .confidence.level] | .[0]' low
	json_is '[.reports[].lore[] | select(.id == "citrix-netscaler-ha") | .confidence.level] | .[0]' medium
	run pl --db "$DB" --full 3072/tcp
	[[ "$output" == *"confidence: low"* ]]
	[[ "$output" == *"[nmap]"* || "$output" != *"frequency"* ]]
	[[ "$output" == *"[fetch-standard]"* ]]
}

@test "the one-screen answer shows a scoped risk only on the ports it concerns" {
	# The first screen put lore's level beside every use, in red when high: 3008 showed
	# NetScaler management as "critical" for CVEs of its 443 endpoints.
	run pl --db "$DB" 3008/tcp
	[ "$status" -eq 0 ]
	line=$(printf '%s\n' "$output" | grep 'NetScaler management')
	[[ "$line" == *". none "* ]]
	[[ "$line" != *critical* ]]
	# Where the risk applies, it is shown: RouterOS's on Winbox (8291), not on its SSH.
	run pl --db "$DB" 8291/tcp
	[[ "$(printf '%s\n' "$output" | grep 'RouterOS IP services')" == *". critical "* ]]
	run pl --db "$DB" --full 22/tcp
	[[ "$output" == *"risk on its other ports: critical"* ]]
}

@test "the one-screen answer tags another protocol's uses before their name" {
	# "... on udp" after the name was cut off with it: 1433/tcp showed the UDP twins
	# entry as if it were a use of 1433/tcp.
	run pl --db "$DB" -w 80 1433
	[ "$status" -eq 0 ]
	[[ "$(printf '%s\n' "$output" | grep 'UDP twins')" == *". none     [udp] UDP twins"* ]]
}

@test "a risk that lore scopes to some ports is not shown on the entry's others" {
	# NetScaler management's CVEs concern the Gateway/AAA endpoints on 443, not 3008.
	run pl --db "$DB" 3008/tcp --json
	[ "$status" -eq 0 ]
	json_is '[.. | objects | select(.id? == "citrix-netscaler-mgmt") | .risk.applies_here][0]' false
	run pl --db "$DB" 443/tcp --json
	json_is '[.. | objects | select(.id? == "citrix-netscaler-mgmt") | .risk.applies_here][0]' true
	# The validator refuses ports that are not port numbers.
	mkdir -p "$BATS_TEST_TMPDIR/lore"
	jq '.entries[0].risk.ports = [70000]' "$PORTLORE_SRC/data/lore/citrix-netscaler.json" \
		>"$BATS_TEST_TMPDIR/lore/citrix-netscaler.json"
	run pl import --check --lore "$BATS_TEST_TMPDIR/lore"
	[ "$status" -ne 0 ]
	[[ "$output" == *"citrix-netscaler.json:"*"ports"*"not a port number"* ]]
}
