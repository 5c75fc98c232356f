#!/usr/bin/env bats
# The lookup index beside the store (portlore.idx): written by import, used by a lookup
# only while it matches the store, and never a wrong answer or a crash when it doesn't.

load helpers

setup() {
	db="$BATS_TEST_TMPDIR/s.db"
	idx="$BATS_TEST_TMPDIR/s.idx"
	cp "$(fixture_store)" "$db"
	# A copy keeps the old stamp's content; import writes a fresh index.
	pl import --quiet --db "$db" --lore "$BATS_FILE_TMPDIR/fixture/lore"
}

# The answer of the store alone, the index moved aside. Lookups here leave out the
# host's facts (--no-host): they are live, not the index's, and change between runs.
store_answer() {
	mv "$idx" "$idx.aside"
	pl --db "$db" "$@"
	mv "$idx.aside" "$idx"
}

@test "import writes the index beside the store, and a lookup reads the same answer" {
	[ -s "$idx" ]
	for spec in 3333 22 3000-3008 0 65535 ssh; do
		want=$(store_answer --no-host --json "$spec")
		run pl --db "$db" --no-host --json "$spec"
		[ "$status" -eq 0 ]
		[ "$output" = "$want" ]
		want=$(store_answer --no-host -w 100 "$spec")
		run pl --db "$db" --no-host -w 100 "$spec"
		[ "$output" = "$want" ]
	done
}

@test "a store changed after its index was written is read from SQLite, silently" {
	sqlite3 "$db" "UPDATE record SET description = 'Changed meanwhile' WHERE lo = 3333"
	run pl --db "$db" --json 3333/tcp
	[ "$status" -eq 0 ]
	[ "$(jq -r '.reports[0].registry.records[0].description' <<<"$output")" = "Changed meanwhile" ]
	# Silent: nothing on stderr.
	run bash -c '"$PORTLORE" --db "$1" 3333/tcp 2>&1 >/dev/null' - "$db"
	[ -z "$output" ]
}

@test "a cut-short index: a warning naming it, then the store's answer" {
	want=$(store_answer --no-host --json 3333)
	truncate -s 5000 "$idx"
	run pl --db "$db" --no-host --json 3333
	[ "$status" -eq 0 ]
	[[ "$output" == *"index $idx"*"using the store"* ]]
	run bash -c '"$PORTLORE" --db "$1" --no-host --json 3333 2>/dev/null' - "$db"
	[ "$output" = "$want" ]
}

@test "a damaged index never crashes a lookup and never gives another answer" {
	want=$(store_answer --no-host --json 22)
	size=$(stat -c %s "$idx")
	# Overwrite 64 bytes at offsets through the file; the header's stamp still matches.
	for off in 300 4096 20000 $((size / 2)) $((size - 300000)) $((size - 70000)); do
		[ "$off" -gt 256 ] || continue
		cp "$idx" "$idx.good"
		head -c 64 /dev/urandom | dd of="$idx" bs=1 seek="$off" conv=notrunc status=none
		run bash -c '"$PORTLORE" --db "$1" --no-host --json 22 2>"$2"' - "$db" "$BATS_TEST_TMPDIR/err"
		[ "$status" -eq 0 ]
		# Either the index still read right there, or it was refused with a warning:
		# damage elsewhere in the file does not change this port's answer.
		if [ "$output" != "$want" ]; then
			grep -q "using the store" "$BATS_TEST_TMPDIR/err" || {
				echo "offset $off changed the answer without a warning"; false; }
		fi
		mv "$idx.good" "$idx"
	done
}

@test "not an index at all: a warning and the store's answer" {
	want=$(store_answer --no-host --json 80/tcp)
	printf 'hello' >"$idx"
	run bash -c '"$PORTLORE" --db "$1" --json 80/tcp 2>&1 >/dev/null' - "$db"
	[[ "$output" == *"not a portlore index"*"using the store"* ]] || [[ "$output" == *"is not an index"* ]]
	run bash -c '"$PORTLORE" --db "$1" --no-host --json 80/tcp 2>/dev/null' - "$db"
	[ "$output" = "$want" ]
}

@test "two imports at once leave a store and an index that agree" {
	lore="$BATS_FILE_TMPDIR/fixture/lore"
	pl import --quiet --db "$db" --lore "$lore" &
	a=$!
	pl import --quiet --db "$db" --lore "$lore" &
	b=$!
	wait "$a"
	wait "$b"
	want=$(store_answer --no-host --json 3333)
	run pl --db "$db" --no-host --json 3333
	[ "$output" = "$want" ]
	# No temporary file is left behind.
	[ -z "$(find "$BATS_TEST_TMPDIR" -name 's.idx.*')" ]
}

@test "the index of an installed store: a copy of store and index together is used" {
	mkdir -p "$BATS_TEST_TMPDIR/inst"
	cp -p "$db" "$idx" "$BATS_TEST_TMPDIR/inst/"
	want=$(store_answer --no-host --json 3408)
	# Readable by everyone, like the store (mkstemp alone would make it 0600).
	[ "$(stat -c %a "$idx")" = "$(stat -c %a "$db")" ] || [ "$(stat -c %a "$idx")" = 644 ]
	run pl --db "$BATS_TEST_TMPDIR/inst/s.db" --no-host --json 3408
	[ "$output" = "$want" ]
	# A store copied over with another one's content is not read through the old index.
	cp "$(debian_store)" "$BATS_TEST_TMPDIR/inst/s.db"
	run pl --db "$BATS_TEST_TMPDIR/inst/s.db" --no-host --json 3408
	[ "$output" = "$(mv "$BATS_TEST_TMPDIR/inst/s.idx" "$BATS_TEST_TMPDIR/x"; pl --db "$BATS_TEST_TMPDIR/inst/s.db" --no-host --json 3408)" ]
}
