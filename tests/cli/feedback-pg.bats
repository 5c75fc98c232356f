#!/usr/bin/env bats
# Votes shared by two `portlore serve` replicas through one PostgreSQL database: a real
# cluster started here (tests/cli/pg.bash), two servers on loopback port 0, votes of
# several readers (each its own portlore_reader cookie, from its own loopback address)
# through both, totals checked from either side, from `portlore feedback` and in SQL;
# the one-vote-per-reader-page-and-day rule enforced by the database itself; no
# acknowledgement while the database is down.

load helpers
load pg

setup_file() {
	export PORTLORE_DB="$PORTLORE_STORE"
}

setup() {
	PIDS=()
	pg_start
}

teardown() {
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	pg_stop
	for f in "$BATS_TEST_TMPDIR"/*.err; do
		if [ -f "$f" ] && grep -E "AddressSanitizer|runtime error|LeakSanitizer" "$f"; then
			return 1
		fi
	done
}

# replica NAME: starts a server on the shared database; sets URL_NAME (deadline 10 s).
replica() {
	local out="$BATS_TEST_TMPDIR/$1.out" i url
	: >"$out"   # before the server opens it: the first look must find a file
	"$PORTLORE" serve --db "$PORTLORE_STORE" --feedback-db "$PGURL" \
		--locale-dir "$PORTLORE_LOCALEDIR" --listen 127.0.0.1:0 >"$out" 2>"$BATS_TEST_TMPDIR/$1.err" &
	PIDS+=("$!")
	for i in $(seq 100); do
		url=$(sed -n 's/^portlore: serving //p' "$out")
		if [ -n "$url" ]; then
			printf -v "URL_$1" '%s' "$url"
			return 0
		fi
		kill -0 "${PIDS[-1]}" 2>/dev/null || break
		sleep 0.1
	done
	cat "$BATS_TEST_TMPDIR/$1.err" >&2
	return 1
}

# reader N: the cookie of reader N (a 32-hex-digit id, as the site hands out).
reader() {
	printf 'portlore_reader=%032x' "$1"
}

# vote URL N PAGE VOTE: reader N votes, from loopback address 127.0.0.N (the rate
# limit is per address); prints the HTTP status.
vote() {
	curl -s -o "$BATS_TEST_TMPDIR/vote.json" -w '%{http_code}' --max-time 15 \
		--interface "127.0.0.$2" -H "Cookie: $(reader "$2")" \
		-H 'Content-Type: application/json' --data "{\"page\":\"$3\",\"vote\":\"$4\"}" \
		"${1}api/v1/feedback"
}

# totals URL PAGE [N]: [yes, partly, no, mine] as reader N sees them (none: no reader).
totals() {
	local c=()
	[ -z "${3:-}" ] || c=(-H "Cookie: $(reader "$3")")
	curl -s --max-time 15 "${c[@]}" "${1}api/v1/feedback?page=$2" |
		jq -c '[.totals.yes, .totals.partly, .totals.no, .mine]'
}

@test "two replicas share votes: one per client, page and day, whichever replica took it" {
	replica a
	replica b
	[ "$(vote "$URL_a" 2 /port/22 yes)" = 200 ]
	[ "$(vote "$URL_b" 3 /port/22 no)" = 200 ]
	# The same reader again, through the other replica: its vote is replaced.
	[ "$(vote "$URL_b" 2 /port/22 partly)" = 200 ]
	[ "$(vote "$URL_a" 4 /port/80 yes)" = 200 ]
	[ "$(totals "$URL_a" /port/22)" = '[0,1,1,null]' ]
	[ "$(totals "$URL_b" /port/22)" = '[0,1,1,null]' ]
	# Both replicas key a reader the same way (the salt is in the database).
	[ "$(totals "$URL_a" /port/22 2)" = '[0,1,1,"partly"]' ]
	[ "$(totals "$URL_b" /port/22 3)" = '[0,1,1,"no"]' ]
	[ "$(psql_q 'SELECT count(*) FROM portlore_vote')" = 3 ]
	run pl feedback --feedback-db "$PGURL" --json
	[ "$status" -eq 0 ]
	json_is '[(.pages? // .)[] | select(.page == "/port/22") | .yes, .partly, .no] | join(",")' "0,1,1"
}

@test "votes racing through both replicas all count, once each" {
	replica a
	replica b
	local i codes
	# 40 readers, each voting twice at once, once through each replica.
	codes=$(for i in $(seq 10 49); do
		printf '%s %s %032x\n' "$URL_a" "127.0.1.$i" "$i" "$URL_b" "127.0.1.$i" "$i"
	done | xargs -P 8 -n 3 sh -c 'curl -s -o /dev/null -w "%{http_code}\n" --max-time 15 \
		--interface "$1" -H "Cookie: portlore_reader=$2" -H "Content-Type: application/json" \
		--data "{\"page\":\"/port/443\",\"vote\":\"yes\"}" "${0}api/v1/feedback"' | sort | uniq -c)
	[ "$(echo $codes)" = "80 200" ]
	[ "$(totals "$URL_b" /port/443)" = '[40,0,0,null]' ]
	[ "$(psql_q "SELECT count(*) FROM portlore_vote WHERE page = '/port/443'")" = 40 ]
}

@test "the database enforces one vote per client, page and day, and the vote names" {
	replica a
	[ "$(vote "$URL_a" 2 / yes)" = 200 ]
	run psql_q "INSERT INTO portlore_vote(page, client, day, vote) SELECT page, client, day, 'no' FROM portlore_vote"
	[ "$status" -ne 0 ]
	[[ "$output" == *"duplicate key value violates unique constraint"* ]]
	run psql_q "INSERT INTO portlore_vote(page, client, day, vote) VALUES ('/', 'x', current_date, 'maybe')"
	[ "$status" -ne 0 ]
	[[ "$output" == *"check constraint"* ]]
}

@test "no acknowledgement while the database is down; the replica reconnects after" {
	replica a
	[ "$(vote "$URL_a" 2 /port/25 yes)" = 200 ]
	pg_ctl_stop
	[ "$(vote "$URL_a" 3 /port/25 no)" = 503 ]
	pg_ctl_start
	[ "$(vote "$URL_a" 3 /port/25 no)" = 200 ]
	[ "$(psql_q "SELECT string_agg(vote, ',' ORDER BY vote) FROM portlore_vote")" = "no,yes" ]
	# The password of a URL never shows in an error.
	run pl feedback --feedback-db "postgresql://portlore:s3cret@/postgres?host=$PGDIR/none"
	[ "$status" -eq 3 ]
	[[ "$output" != *s3cret* ]]
	[[ "$output" == *"postgresql://portlore@/postgres"* ]]
}
