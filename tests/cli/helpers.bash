# Shared set-up for the command-line tests. The meson test runner sets PORTLORE
# (the built binary), PORTLORE_STORE (the store the build made), PORTLORE_SRC.

: "${PORTLORE:?run through meson test}"
DEBIAN_CSV=/usr/share/ipv6toolkit/service-names-port-numbers.csv
SHARED_IANA="$PORTLORE_SRC/../shared/data/iana"
# In a worktree the shared snapshots are found beside the registry the build imported.
[ -d "$SHARED_IANA" ] || SHARED_IANA=$(dirname "${PORTLORE_IANA_CSV:-/nonexistent/x}")
HEADER='Service Name,Port Number,Transport Protocol,Description,Assignee,Contact,Registration Date,Modification Date,Reference,Service Code,Unauthorized Use Reported,Assignment Notes'

pl() { "$PORTLORE" "$@"; }

# A store built from Debian's 2014 registry copy and the project's lore.
debian_store() {
	local db="$BATS_FILE_TMPDIR/debian.db"
	if [ ! -f "$db" ]; then
		local nmap=()
		[ -f /usr/share/nmap/nmap-services ] && nmap=(--nmap /usr/share/nmap/nmap-services)
		"$PORTLORE" import --quiet --new --db "$db" --iana "$DEBIAN_CSV" \
			--lore "$PORTLORE_SRC/data/lore" "${nmap[@]}" >&2
	fi
	printf '%s\n' "$db"
}

# A small fixture registry, written here, with lore from a fixture folder.
fixture_store() {
	local dir="$BATS_FILE_TMPDIR/fixture" db="$BATS_FILE_TMPDIR/fixture.db"
	if [ ! -f "$db" ]; then
		mkdir -p "$dir/lore"
		printf '%s\r\n' "$HEADER" \
			',0,tcp,Reserved,,,,2024-12-20,[RFC6335],,,' \
			'ssh,22,tcp,The Secure Shell (SSH) Protocol,,,,,[RFC4251],,,' \
			'ssh,22,udp,The Secure Shell (SSH) Protocol,,,,,[RFC4251],,,' \
			'ssh,22,sctp,SSH,[Randall_Stewart],[Randall_Stewart],,,[RFC4960],,,' \
			'http,80,tcp,World Wide Web HTTP,,,,,,,,' \
			'http,80,udp,World Wide Web HTTP,,,,,,,,' \
			',3000-3007,,Unassigned,,,,,,,,' \
			'midnight-tech,3008,tcp,Midnight Technologies,[Kyle_Unice],[Kyle_Unice],,,,,,' \
			'dec-notes,3333,tcp,DEC Notes,[Kim_Moraros],[Kim_Moraros],,,,,,' \
			'BESApi,3408,tcp,BES Api Port,[Colin_Griffiths],[Colin_Griffiths],2002-02,,,,,' \
			'x11,6000-6063,tcp,X Window System,[Stephen_Gildea],[Stephen_Gildea],,,,,Known Unauthorized Use on port 6003,' \
			'nameonly,,,A service with no port,,,2020-01-02,,,,,' >"$dir/fixture.csv"
		cat >"$dir/lore/demo.json" <<'JSON'
{
  "family": "demo",
  "name": "Demo family",
  "entries": [
    {
      "id": "demo-caller",
      "name": "Demo caller ID daemon",
      "vendor": "Demo project",
      "kind": "telephony",
      "ports": [
        { "port": 3333, "proto": "tcp", "role": "caller ID server", "use": "server", "prevalence": "common", "evidence": "demo doc [1]" },
        { "port": 3334, "proto": "tcp", "role": "caller ID relay", "use": "default", "prevalence": "niche", "evidence": "demo doc [1]" }
      ],
      "years": { "from": 2002 },
      "summary": "Sends caller id lines to clients.",
      "risk": { "level": "low", "why": "No authentication." },
      "hints": { "process": ["^democid$"] },
      "sources": [ { "title": "Demo doc", "url": "https://example.org/demo", "published": "2020", "accessed": "2026-11-23", "tier": "primary" } ]
    }
  ]
}
JSON
		"$PORTLORE" import --quiet --new --db "$db" --iana "$dir/fixture.csv" --lore "$dir/lore" >&2
	fi
	printf '%s\n' "$db"
}

# Runs jq on $output and compares with an expected value.
json_is() {
	local got
	got=$(printf '%s' "$output" | jq -r "$1")
	if [ "$got" != "$2" ]; then
		echo "jq '$1': got '$got', want '$2'" >&2
		return 1
	fi
}

# bounded KB CMD...: runs CMD with its address space limited to KB kilobytes. A build
# under AddressSanitizer reserves terabytes of shadow memory and cannot start under any
# such limit: there the command runs unlimited (the sanitizer checks memory instead).
bounded() {
	local kb=$1
	shift
	if bash -c 'ulimit -v "$1" && exec "$2" version' sh "$kb" "$PORTLORE" >/dev/null 2>&1; then
		bash -c 'ulimit -v "$1" && shift && exec "$@"' sh "$kb" "$@"
	else
		"$@"
	fi
}
