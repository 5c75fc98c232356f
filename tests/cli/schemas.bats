#!/usr/bin/env bats
# Every JSON document portlore prints, checked against its schema in docs/ with
# jsonschema (tests/schema-check.py): real output, not examples.

load helpers

setup() {
	DB=$(debian_store)
	export PORTLORE_PROC_ROOT="$PORTLORE_SRC/tests/fixtures/procnet"
	CHECK="$PORTLORE_SRC/tests/schema-check.py"
	DOCS="$PORTLORE_SRC/docs"
}

# valid SCHEMA_NAME COMMAND...: the command's output is valid against the schema (status 1,
# "not found" or "not a good choice", still prints its document).
valid() {
	local name=$1
	shift
	pl --db "$DB" "$@" >"$BATS_TEST_TMPDIR/doc.json" || [ $? -eq 1 ]
	"$CHECK" "$DOCS" "$DOCS/$name.schema.json" "$BATS_TEST_TMPDIR/doc.json"
}

@test "the checker refuses a document that breaks its schema" {
	pl --db "$DB" 22 --json | jq 'del(.reports[0].registry)' >"$BATS_TEST_TMPDIR/bad.json"
	run "$CHECK" "$DOCS" "$DOCS/report.schema.json" "$BATS_TEST_TMPDIR/bad.json"
	[ "$status" -eq 1 ]
	[[ "$output" == *"'registry' is a required property"* ]]
	pl --db "$DB" search --json ssh | jq '.hits[0].rank = "one"' >"$BATS_TEST_TMPDIR/bad.json"
	run "$CHECK" "$DOCS" "$DOCS/search.schema.json" "$BATS_TEST_TMPDIR/bad.json"
	[ "$status" -eq 1 ]
}

@test "report, search, history, diff, export" {
	valid report 3333 22,80 6010/tcp --json
	valid search search --json netscaler
	valid history history 3072 22 --json
	valid diff diff oldest current --json
	valid export export --format json
}

@test "ls, who, pick, lore stats, annotate" {
	valid sockets ls --json
	valid sockets who 3333 --json
	valid pick pick --seed 1 --count 3 --json
	valid pick pick --check 3000 --json
	valid lore-stats lore stats --json
	printf '22/tcp open ssh\n3333/tcp open x\n' >"$BATS_TEST_TMPDIR/scan.txt"
	valid annotate annotate --json "$BATS_TEST_TMPDIR/scan.txt"
}

@test "probe of a closed loopback port" {
	local port
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	valid probe probe --json 127.0.0.1 "$port"
	jq -e '.hosts[0].ports[0].state == "closed"' "$BATS_TEST_TMPDIR/doc.json"
}

@test "every schema in docs/ is checked here" {
	local f name
	for f in "$DOCS"/*.schema.json; do
		name=$(basename "$f" .schema.json)
		case $name in
		feedback | portlist) grep -q "$name.schema.json" "$PORTLORE_SRC/tests/cli/serve.bats" ;;
		*) grep -q "valid $name " "$BATS_TEST_FILENAME" ;;
		esac || { echo "no test uses $name.schema.json"; return 1; }
	done
}

@test "audit" {
	valid audit audit --json
	# Severity order and counts are part of the document's promise.
	pl --db "$DB" audit --json >"$BATS_TEST_TMPDIR/audit.json"
	jq -e '([.listeners[].findings[]] | length) == .summary.findings' "$BATS_TEST_TMPDIR/audit.json"
}
