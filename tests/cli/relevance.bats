#!/usr/bin/env bats
# The relevance order of lore uses: one order for the report, JSON, annotate and probe.

load helpers

setup() {
	DB="$PORTLORE_STORE"
	export NO_COLOR=1
}

@test "JSON: uses come ranked 1..n with the reasons and the lore file's evidence" {
	run pl --db "$DB" --no-host --json 22/tcp
	[ "$status" -eq 0 ]
	json_is '.reports[0].lore[0].id' openssh-sshd
	json_is '[.reports[0].lore[].rank] == ([range(1; (.reports[0].lore | length) + 1)])' true
	json_is '.reports[0].lore[0].use' server
	json_is '.reports[0].lore[0].prevalence' dominant
	json_is '.reports[0].lore[0].rank_reasons[0]' "role: server (listens there by design)"
	json_is '.reports[0].lore[0].rank_reasons | index("agrees with the registry'"'"'s service name") != null' true
	json_is '.reports[0].lore[0].evidence | test("\\[1\\]")' true
	# A client script that connects to 22 comes after every server there.
	json_is '([.reports[0].lore[] | select(.use == "client") | .rank] | min) > ([.reports[0].lore[] | select(.use == "server") | .rank] | max)' true
}

@test "the most common use first on ports everyone knows" {
	run pl --db "$DB" --no-host --json 80/tcp,2049/tcp,11211/tcp,6000/tcp,9090/tcp,4444/tcp
	[ "$status" -eq 0 ]
	json_is '[.reports[].lore[0].id] | join(" ")' \
		"http-server nfs-server memcached-server x11-server-tcp prometheus-server metasploit-handler"
	# Wide ranges ("any dynamic port") stay last.
	run pl --db "$DB" --no-host --json 49160/tcp
	json_is '[.reports[0].lore[] | .broad] | . == (sort_by(.))' true
}

@test "annotate names the first use first" {
	run sh -c "printf '22/tcp\n2049/tcp\n' | '$PORTLORE' --db '$DB' annotate"
	[ "$status" -eq 0 ]
	[[ "$output" == *"lore: OpenSSH sshd,"* ]]
	[[ "$output" == *"lore: NFS server (nfsd),"* ]]
}
