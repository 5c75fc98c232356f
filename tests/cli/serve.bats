#!/usr/bin/env bats
# `portlore serve` over HTTP with curl, and `portlore feedback`. Each test starts its own
# server on 127.0.0.1 port 0 with its own feedback file, and stops it by PID.

load helpers

setup() {
	DB=$(debian_store)
	FB="$BATS_TEST_TMPDIR/feedback.db"
	: "${PORTLORE_LOCALEDIR:?run through meson test}"
}

teardown() {
	if [ -n "${OTHER_PID:-}" ]; then
		kill "$OTHER_PID" 2>/dev/null || true
	fi
	if [ -n "${SERVER_PID:-}" ]; then
		kill "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
	fi
	# Under the sanitizers, a report from the server fails the test it ran in.
	for f in "$BATS_TEST_TMPDIR"/serve.err "$BATS_TEST_TMPDIR"/err; do
		if [ -f "$f" ] && grep -E "AddressSanitizer|runtime error|LeakSanitizer" "$f"; then
			return 1
		fi
	done
}

# start_server [ARGS...]: starts the server and sets URL; waits at most 10 s for it.
start_server() {
	local out="$BATS_TEST_TMPDIR/serve.out" i
	: >"$out"
	"$PORTLORE" serve --db "$DB" --feedback-db "$FB" --locale-dir "$PORTLORE_LOCALEDIR" \
		--listen 127.0.0.1:0 "$@" >"$out" 2>"$BATS_TEST_TMPDIR/serve.err" &
	SERVER_PID=$!
	for i in $(seq 100); do
		URL=$(sed -n 's/^portlore: serving //p' "$out")
		[ -n "$URL" ] && return 0
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$BATS_TEST_TMPDIR/serve.err" >&2
	return 1
}

# status_of URL [CURL ARGS...]: prints the HTTP status.
status_of() {
	local u=$1
	shift
	curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@" "$u"
}

# One reader: the cookie jar keeps the reader id the server gives on the first vote.
vote() {
	curl -s --max-time 10 -b "$BATS_TEST_TMPDIR/jar" -c "$BATS_TEST_TMPDIR/jar" \
		-H 'Content-Type: application/json' \
		--data "{\"page\":\"$1\",\"vote\":\"$2\"}" "${URL}api/v1/feedback"
}

@test "serve prints a loopback URL and answers /healthz" {
	start_server
	[[ "$URL" == http://127.0.0.1:* ]]
	run curl -s --max-time 10 "${URL}healthz"
	[ "$output" = ok ]
	! grep -q warning "$BATS_TEST_TMPDIR/serve.err"
}

@test "serve refuses a bad --listen with status 2" {
	run pl serve --db "$DB" --listen 127.0.0.1:99999
	[ "$status" -eq 2 ]
	[[ "$output" == *"--listen '127.0.0.1:99999'"* ]]
	run pl serve --db "$DB" --listen example.org:80
	[ "$status" -eq 2 ]
	run pl serve --db "$DB" --threads 0
	[ "$status" -eq 2 ]
}

@test "serve warns on a non-loopback address and leaves this host's facts out" {
	"$PORTLORE" serve --db "$DB" --feedback-db "$FB" --locale-dir "$PORTLORE_LOCALEDIR" \
		--listen 0.0.0.0:0 >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	: >>"$BATS_TEST_TMPDIR/out"
	SERVER_PID=$!
	for i in $(seq 100); do
		grep -q serving "$BATS_TEST_TMPDIR/out" && break
		sleep 0.1
	done
	grep -q "warning: serving on a non-loopback address" "$BATS_TEST_TMPDIR/err"
	port=$(sed -n 's/.*:\([0-9]*\)\/$/\1/p' "$BATS_TEST_TMPDIR/out")
	run curl -s --max-time 10 "http://127.0.0.1:$port/port/3333?lang=en"
	[[ "$output" == *"What port 3333 is"* ]]
	[[ "$output" != *"ephemeral range"* ]]
	[[ "$output" != *'prov-observed'* ]]
	[[ "$output" != *'<section id="here">'* ]]
	run curl -s --max-time 10 "http://127.0.0.1:$port/api/v1/ports/3333"
	json_is '[.reports[] | has("on_this_machine")] | any' false
	json_is '.reports[0].ranges.host' null
}

@test "the port page has its sections, and this host's facts on loopback" {
	start_server
	run curl -s --max-time 10 "${URL}port/3333?lang=en"
	for id in what range runs security check faq references feedback; do
		[[ "$output" == *"<section id=\"$id\""* ]] || { echo "no section $id"; return 1; }
	done
	[[ "$output" == *"NCID"* ]]
	[[ "$output" == *"ephemeral range"* ]]
	[[ "$output" == *"Get-NetTCPConnection -LocalPort 3333"* ]]
	[[ "$output" == *'<li id="ref-1">IANA Service Name'* ]]
	# An unassigned port (4 in the 2014 registry) gets the section on why that matters.
	run curl -s --max-time 10 "${URL}port/4?lang=en"
	[[ "$output" == *'<section id="unassigned">'* ]]
}

@test "security headers are on every answer" {
	start_server
	for path in / port/22 api/v1/ports/22 search?q=ssh nowhere; do
		run curl -s -D - -o /dev/null --max-time 10 "${URL}$path"
		[[ "$output" == *"Content-Security-Policy: default-src 'none'"*"frame-ancestors 'none'"* ]]
		[[ "$output" == *"X-Content-Type-Options: nosniff"* ]]
	done
}

@test "the API answers the same JSON as the command line" {
	start_server
	# The live sockets of this machine may change between the two calls (other tests
	# make network namespaces): both must have them, the rest must be equal.
	local live='[.reports[] | .on_this_machine | type] | unique'
	[ "$(curl -s --max-time 10 "${URL}api/v1/ports/3333" | jq -c "$live")" = '["object"]' ]
	[ "$(pl --db "$DB" 3333 --json | jq -c "$live")" = '["object"]' ]
	curl -s --max-time 10 "${URL}api/v1/ports/3333" | jq -S 'del(.reports[].on_this_machine)' \
		>"$BATS_TEST_TMPDIR/api.json"
	pl --db "$DB" 3333 --json | jq -S 'del(.reports[].on_this_machine)' >"$BATS_TEST_TMPDIR/cli.json"
	diff -u "$BATS_TEST_TMPDIR/cli.json" "$BATS_TEST_TMPDIR/api.json"
	curl -s --max-time 10 "${URL}api/v1/search?q=netscaler" | jq -S . >"$BATS_TEST_TMPDIR/api.json"
	pl --db "$DB" search --json netscaler | jq -S . >"$BATS_TEST_TMPDIR/cli.json"
	diff -u "$BATS_TEST_TMPDIR/cli.json" "$BATS_TEST_TMPDIR/api.json"
}

@test "bad paths and methods get 404, 405, 414" {
	start_server
	[ "$(status_of "${URL}port/65536")" = 404 ]
	[ "$(status_of "${URL}port/03333")" = 404 ]
	[ "$(status_of "${URL}port/-1")" = 404 ]
	[ "$(status_of "${URL}api/v1/ports/70000")" = 404 ]
	# The API's error body is what docs/openapi.yaml's ErrorBody says.
	curl -s --max-time 10 "${URL}api/v1/ports/70000" |
		"$PORTLORE_SRC/tests/openapi-check.py" "$PORTLORE_SRC/docs/openapi.yaml" ErrorBody
	[ "$(status_of "${URL}port/22" -X DELETE)" = 405 ]
	[ "$(status_of "${URL}$(head -c 2000 /dev/zero | tr '\0' a)")" = 414 ]
	code=$(status_of "${URL}" -H "X-Big: $(head -c 40000 /dev/zero | tr '\0' a)")
	[ "$code" -ge 400 ]
	[ "$(status_of "${URL}ports?from=10&to=5")" = 400 ]
	[ "$(status_of "${URL}ports?from=0&to=999")" = 400 ]
	[ "$(status_of "${URL}api/v1/search?q=")" = 400 ]
	[ "$(status_of "${URL}api/v1/search?q=%ff%fe")" = 400 ]
	[ "$(status_of "${URL}healthz")" = 200 ]
}

@test "search results escape what they show" {
	start_server
	run curl -s --max-time 10 "${URL}search?q=%3Cscript%3Ealert(1)%3C/script%3E"
	[[ "$output" == *"&lt;script&gt;alert(1)&lt;/script&gt;"* ]]
	[[ "$output" != *"<script>alert"* ]]
	[ "$(status_of "${URL}search?q=3333")" = 303 ]
	[ "$(status_of "${URL}search?q=ssh")" = 303 ]
	run curl -s -D - -o /dev/null --max-time 10 "${URL}search?q=secure+shell"
	[[ "$output" == *" 200 "* ]]
}

@test "languages come from ?lang= and Accept-Language" {
	start_server
	run curl -s -D - --max-time 10 -H 'Accept-Language: fr;q=0.9, de-AT;q=0.8, en;q=0.1' "${URL}port/22"
	[[ "$output" == *"Content-Language: de"* ]]
	[[ "$output" == *"Was Port 22 ist"* ]]
	run curl -s --max-time 10 "${URL}port/22?lang=fa"
	[[ "$output" == *'<html lang="fa" dir="rtl"'* ]]
	for l in es cs ms; do
		run curl -s --max-time 10 "${URL}port/22?lang=$l"
		[[ "$output" == *"<html lang=\"$l\" dir=\"ltr\""* ]]
		[[ "$output" != *"How to check what is listening"* ]]
	done
	# Data stays as it is: the registry's English description in every language.
	[[ "$output" == *"The Secure Shell (SSH) Protocol"* ]]
}

@test "a vote is committed, counted once per client and day, and listed" {
	start_server
	run vote /port/3333 yes
	json_is '.totals.yes' 1
	json_is '.mine' yes
	run vote /port/3333 no
	json_is '.totals.yes' 0
	json_is '.totals.no' 1
	run vote / partly
	json_is '.totals.partly' 1
	run curl -s --max-time 10 -b "$BATS_TEST_TMPDIR/jar" "${URL}api/v1/feedback?page=/port/3333"
	json_is '.totals.no' 1
	json_is '.mine' no
	# The vote state is what docs/openapi.yaml's FeedbackState says.
	printf '%s' "$output" | "$PORTLORE_SRC/tests/openapi-check.py" \
		"$PORTLORE_SRC/docs/openapi.yaml" FeedbackState
	run pl feedback --feedback-db "$FB"
	[ "$status" -eq 0 ]
	[[ "$output" == *"/port/3333"*"0"*"0"*"1"* ]]
	run pl feedback --feedback-db "$FB" --json
	json_is '[.[] | select(.page == "/port/3333") | .no] | .[0]' 1
	json_is 'length' 2
	# The document is what docs/feedback.schema.json says (tests/cli/schemas.bats).
	printf '%s' "$output" | "$PORTLORE_SRC/tests/schema-check.py" "$PORTLORE_SRC/docs" \
		"$PORTLORE_SRC/docs/feedback.schema.json"
	run pl feedback --feedback-db "$BATS_TEST_TMPDIR/none.db"
	[ "$status" -eq 3 ]
}

@test "feedback refuses cross-site, malformed and oversized requests" {
	start_server
	[ "$(status_of "${URL}api/v1/feedback" -H 'Origin: http://evil.example' \
		-H 'Content-Type: application/json' --data '{"page":"/","vote":"yes"}')" = 403 ]
	[ "$(status_of "${URL}api/v1/feedback" -H 'Sec-Fetch-Site: cross-site' \
		-H 'Content-Type: application/json' --data '{"page":"/","vote":"yes"}')" = 403 ]
	[ "$(status_of "${URL}api/v1/feedback" -H 'Content-Type: text/plain' --data 'x')" = 415 ]
	[ "$(status_of "${URL}api/v1/feedback" -H 'Content-Type: application/json' \
		--data '{"page":"/port/99999","vote":"yes"}')" = 400 ]
	[ "$(status_of "${URL}api/v1/feedback" -H 'Content-Type: application/json' \
		--data '{"page":"/","vote":"maybe"}')" = 400 ]
	head -c 10000 /dev/zero | tr '\0' a >"$BATS_TEST_TMPDIR/big"
	[ "$(status_of "${URL}api/v1/feedback" -H 'Content-Type: application/json' \
		--data-binary @"$BATS_TEST_TMPDIR/big")" = 413 ]
	# Same origin, as a browser's form post without script sends it: saved, then back.
	run curl -s -D - -o /dev/null --max-time 10 -H "Origin: ${URL%/}" \
		--data 'page=%2Fport%2F22&vote=yes&lang=de' "${URL}api/v1/feedback"
	[[ "$output" == *"303"* ]]
	[[ "$output" == *"Location: /port/22?lang=de&voted=yes#feedback"* ]]
	run pl feedback --feedback-db "$FB" --json
	json_is '.[0].yes' 1
}

@test "votes are rate-limited per client" {
	start_server
	codes=""
	for i in $(seq 14); do
		codes="$codes $(status_of "${URL}api/v1/feedback" -H 'Content-Type: application/json' \
			--data "{\"page\":\"/port/$i\",\"vote\":\"yes\"}")"
	done
	[[ "$codes" == *" 200"* ]]
	[[ "$codes" == *" 429"* ]]
	run curl -s --max-time 10 "${URL}metrics"
	[[ "$output" == *'portlore_feedback_rate_limited_total '[1-9]* ]]
}

@test "/metrics counts requests in Prometheus text" {
	start_server
	curl -s -o /dev/null --max-time 10 "${URL}port/22"
	curl -s -o /dev/null --max-time 10 "${URL}port/22"
	curl -s -o /dev/null --max-time 10 "${URL}nowhere"
	run curl -s -D - --max-time 10 "${URL}metrics"
	[[ "$output" == *"Content-Type: text/plain; version=0.0.4"* ]]
	[[ "$output" == *'portlore_http_requests_total{route="port",code="200"} 2'* ]]
	[[ "$output" == *'portlore_http_requests_total{route="other",code="404"} 1'* ]]
	[[ "$output" == *"# TYPE portlore_page_cache_hits_total counter"* ]]
	[[ "$output" == *"portlore_page_cache_hits_total 1"* ]]
}

@test "a replaced store is served after at most a few seconds" {
	cp "$(fixture_store)" "$BATS_TEST_TMPDIR/served.db"
	DB="$BATS_TEST_TMPDIR/served.db"
	start_server
	run curl -s --max-time 10 "${URL}port/3333?lang=en"
	[[ "$output" == *"Demo caller ID daemon"* ]]
	cp "$(debian_store)" "$BATS_TEST_TMPDIR/new.db"
	mv "$BATS_TEST_TMPDIR/new.db" "$BATS_TEST_TMPDIR/served.db"
	for i in $(seq 50); do
		run curl -s --max-time 10 "${URL}port/3333?lang=en"
		[[ "$output" == *"NCID"* ]] && break
		sleep 0.1
	done
	[[ "$output" == *"NCID"* ]]
	[[ "$output" != *"Demo caller ID daemon"* ]]
}

@test "on loopback, the page shows what listens on the port now" {
	start_server
	port=${URL##*:}
	port=${port%/}
	run curl -s --max-time 10 "${URL}port/$port?lang=en"
	[[ "$output" == *'<section id="here"><h2>On this server</h2>'* ]]
	[[ "$output" == *"<code>127.0.0.1:$port</code>"* ]]
	[[ "$output" == *"(pid $SERVER_PID, "* ]]
	# The API has them too, as the command line's report does.
	run curl -s --max-time 10 "${URL}api/v1/ports/$port"
	json_is "[.reports[].on_this_machine.processes[].pid] | index($SERVER_PID) != null" true
}

@test "on loopback, the page says what the listener was identified as" {
	ss -Htln 'sport = :8000' | grep -q . && skip "8000 is busy on this machine"
	python3 -m http.server 8000 --bind 127.0.0.1 >/dev/null 2>&1 &
	OTHER_PID=$!
	for _ in $(seq 100); do ss -Htln 'sport = :8000' | grep -q . && break; sleep 0.05; done
	start_server
	run curl -s --max-time 10 "${URL}port/8000?lang=en"
	# The summary's "Here" line and the table (under the process, so that the table
	# fits a phone), as the command line says it.
	[[ "$output" == *'<span class="muted">Identified as: '*'python -m http.server (SimpleHTTPServer)'*' (confirmed)</span>'* ]]
	[[ "$output" == *"(pid $OTHER_PID, "*" · "*"python -m http.server (SimpleHTTPServer)"*" (confirmed)"* ]]
	run curl -s --max-time 10 "${URL}port/8000?lang=de"
	[[ "$output" == *"Erkannt als"* ]]
	[[ "$output" == *"(bestätigt)"* ]]
}

@test "the registry's history of a port is a section of its page" {
	DB=$(fixture_store)
	start_server
	run curl -s --max-time 10 "${URL}port/3408?lang=de"
	[[ "$output" == *'<section id="history"><h2>Geschichte</h2>'* ]]
	[[ "$output" == *"2002-02"* ]]
}

@test "a second serve on a taken address fails; --reuse-port shares it on purpose" {
	start_server
	port=${URL##*:}
	port=${port%/}
	run pl serve --db "$DB" --feedback-db "$BATS_TEST_TMPDIR/fb2.db" \
		--locale-dir "$PORTLORE_LOCALEDIR" --listen "127.0.0.1:$port"
	[ "$status" -eq 5 ]
	[[ "$output" == *"cannot listen on 127.0.0.1:$port: the address is in use"* ]]
	# The first one still answers alone.
	[ "$(status_of "${URL}healthz")" = 200 ]
	kill "$SERVER_PID"
	wait "$SERVER_PID" || true
	SERVER_PID=""
	start_server --reuse-port
	port=${URL##*:}
	port=${port%/}
	"$PORTLORE" serve --db "$DB" --feedback-db "$BATS_TEST_TMPDIR/fb2.db" \
		--locale-dir "$PORTLORE_LOCALEDIR" --listen "127.0.0.1:$port" --reuse-port \
		>"$BATS_TEST_TMPDIR/second.out" 2>&1 &
	second=$!
	for i in $(seq 100); do
		grep -q serving "$BATS_TEST_TMPDIR/second.out" && break
		sleep 0.1
	done
	kill "$second"
	wait "$second" || true
	grep -q "serving http://127.0.0.1:$port/" "$BATS_TEST_TMPDIR/second.out"
}

@test "other users' command lines stay off the site unless --show-processes" {
	command -v setpriv >/dev/null || skip "needs setpriv"
	[ "$(id -u)" -eq 0 ] || skip "needs root to run a listener as another user"
	# A listener of user nobody with a secret on its command line.
	setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 -c '
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print(s.getsockname()[1], flush=True); time.sleep(60)
' --db-password=hunter2-secret >"$BATS_TEST_TMPDIR/nport" &
	OTHER_PID=$!
	for i in $(seq 50); do
		[ -s "$BATS_TEST_TMPDIR/nport" ] && break
		sleep 0.1
	done
	nport=$(cat "$BATS_TEST_TMPDIR/nport")
	start_server
	run curl -s --max-time 10 "${URL}port/$nport?lang=en"
	[[ "$output" == *"<code>127.0.0.1:$nport</code>"* ]]
	[[ "$output" != *"hunter2"* ]]
	run curl -s --max-time 10 "${URL}api/v1/ports/$nport"
	json_is "[.reports[].on_this_machine.processes[].pid] | index($OTHER_PID) != null" true
	[[ "$output" != *"hunter2"* ]]
	kill "$SERVER_PID"
	wait "$SERVER_PID" || true
	SERVER_PID=""
	start_server --show-processes
	run curl -s --max-time 10 "${URL}api/v1/ports/$nport"
	[[ "$output" == *"hunter2-secret"* ]]
}

@test "a vote belongs to the reader's cookie, not to the address" {
	start_server
	run vote /port/80 yes
	json_is '.mine' yes
	grep -q 'portlore_reader' "$BATS_TEST_TMPDIR/jar"
	grep -q '#HttpOnly_' "$BATS_TEST_TMPDIR/jar"
	# Another reader from the same address, without the cookie: no "mine", and a vote of
	# their own adds to the totals instead of replacing the first reader's.
	run curl -s --max-time 10 "${URL}api/v1/feedback?page=/port/80"
	json_is '.mine' null
	run curl -s --max-time 10 -H 'Content-Type: application/json' \
		--data '{"page":"/port/80","vote":"no"}' "${URL}api/v1/feedback"
	json_is '.totals.yes' 1
	json_is '.totals.no' 1
	# A forged or malformed cookie is not a reader id.
	run curl -s --max-time 10 -H 'Cookie: portlore_reader=../../x' \
		"${URL}api/v1/feedback?page=/port/80"
	json_is '.mine' null
}

@test "a form vote as Chromium sends it is accepted and the page says thanks" {
	start_server
	run curl -s -D - --max-time 10 "${URL}port/22"
	[[ "$output" == *"Referrer-Policy: same-origin"* ]]
	# No-referrer pages made Chromium send Origin: null; Sec-Fetch-Site decides.
	run curl -s -D - -o /dev/null --max-time 10 -H 'Origin: null' \
		-H 'Sec-Fetch-Site: same-origin' -c "$BATS_TEST_TMPDIR/jar" \
		--data 'page=%2Fport%2F22&vote=partly&lang=cs' "${URL}api/v1/feedback"
	[[ "$output" == *" 303 "* ]]
	[[ "$output" == *"Location: /port/22?lang=cs&voted=partly#feedback"* ]]
	[[ "$output" == *"Set-Cookie: portlore_reader="*"HttpOnly; SameSite=Lax"* ]]
	run curl -s --max-time 10 "${URL}port/22?lang=cs&voted=partly"
	[[ "$output" == *'value="partly" aria-pressed="true"'* ]]
	[[ "$output" == *'value="yes" aria-pressed="false"'* ]]
	[[ "$output" != *"Thank you. Your answer is saved."* ]]
	grep -q 'Děkujeme' <<<"$output"
	# A same-origin Referer without Origin is accepted; a foreign one, or an opaque
	# origin with nothing else, is refused.
	[ "$(status_of "${URL}api/v1/feedback" -H "Referer: ${URL}port/22" \
		--data 'page=%2Fport%2F22&vote=yes')" = 303 ]
	[ "$(status_of "${URL}api/v1/feedback" -H 'Referer: http://evil.example/port/22' \
		--data 'page=%2Fport%2F22&vote=yes')" = 403 ]
	[ "$(status_of "${URL}api/v1/feedback" -H 'Origin: null' \
		--data 'page=%2Fport%2F22&vote=yes')" = 403 ]
	[ "$(status_of "${URL}api/v1/feedback" -H "Origin: ${URL%/}.evil.example" \
		--data 'page=%2Fport%2F22&vote=yes')" = 403 ]
}

@test "site search sends port queries straight to their page or list, and keeps the query" {
	start_server
	loc() { curl -s -o /dev/null -w '%{redirect_url}' --max-time 10 "${URL}search?q=$1&lang=de"; }
	[ "$(loc 80/tcp)" = "${URL}port/80?lang=de" ]
	[ "$(loc 3333)" = "${URL}port/3333?lang=de" ]
	[ "$(loc 3008-3011)" = "${URL}ports?from=3008&to=3011&lang=de" ]
	[ "$(loc ssh)" = "${URL}port/22?lang=de" ]
	[ "$(loc 0-65535)" = "${URL}ports?from=0&to=255&lang=de" ]
	# A word that names many ports is a text search, and the box still holds it.
	run curl -s --max-time 10 "${URL}search?q=netscaler"
	[[ "$output" == *'name="q" required maxlength="200" value="netscaler"'* ]]
	[[ "$output" == *'href="/api/v1/search?q=netscaler"'* ]]
}

@test "a port out of range gets a 404 that says what ports are" {
	start_server
	run curl -s -w '\n%{http_code}' --max-time 10 "${URL}port/65536"
	[[ "$output" == *"Port numbers go from 0 to 65535"* ]]
	[[ "$output" == *$'\n404' ]]
	run curl -s -w '\n%{http_code}' --max-time 10 "${URL}port/ssh"
	[[ "$output" == *"use the search box"* ]]
	[[ "$output" == *$'\n404' ]]
	run curl -s -D - --max-time 10 "${URL}favicon.ico"
	[[ "$output" == *"Content-Type: image/svg+xml"* ]]
	[[ "$output" == *"<svg"* ]]
}

@test "a range downloads as CSV and JSON with every protocol" {
	start_server
	run curl -s -D - --max-time 10 "${URL}ports.csv?from=3008&to=3011"
	[[ "$output" == *"Content-Type: text/csv"* ]]
	[[ "$output" == *$'port,protocol,status,service,description,assignee,registered,top_use\r\n'* ]]
	[[ "$output" == *'3008,tcp,assigned,midnight-tech,Midnight Technologies,'* ]]
	run curl -s --max-time 10 "${URL}ports.json?from=3333&to=3333"
	json_is '.[0].service' dec-notes
	json_is '[.[].protocol] | join(",")' tcp,udp
	# The document is what docs/portlist.schema.json says, on a range with every status.
	curl -s --max-time 10 "${URL}ports.json?from=0&to=255" | "$PORTLORE_SRC/tests/schema-check.py" \
		"$PORTLORE_SRC/docs" "$PORTLORE_SRC/docs/portlist.schema.json"
	[ "$(status_of "${URL}ports.csv?from=10&to=5")" = 400 ]
	# The table has a column per protocol and sorts with a script.
	run curl -s --max-time 10 "${URL}ports?from=130&to=140"
	[[ "$output" == *'<table class="ports sortable">'* ]]
	[[ "$output" == *'<th scope="col">sctp</th><th scope="col">dccp</th>'* ]]
}

@test "a port page leads with the summary and shows readers' text only" {
	start_server
	run curl -s --max-time 10 "${URL}port/3333?lang=en"
	# The summary box comes before every other section.
	summary=${output%%<section id=\"summary\"*}
	[ "${#summary}" -lt "${#output}" ]
	[[ "$summary" != *"<section id="* ]]
	[[ "$output" == *'<meta name="description" content="Port 3333: dec-notes (DEC Notes).'* ]]
	[[ "$output" == *'<link rel="canonical" href="/port/3333?lang=en">'* ]]
	[[ "$output" == *'<link rel="alternate" hreflang="fa" href="/port/3333?lang=fa">'* ]]
	[[ "$output" == *'rel="prev" href="/port/3332?lang=en"'* ]]
	# tcp and udp say the same in the registry: one paragraph for both.
	[[ "$output" == *"On tcp and udp, IANA lists port 3333 as dec-notes: DEC Notes."* ]]
	[[ "$output" != *"On udp, IANA lists port 3333"* ]]
	# No hint regexes, no curator notes, no "2018-2018".
	[[ "$output" != *'^ethdcrminer64$'* ]]
	[[ "$output" != *"Process names"* ]]
	! grep -Eq '([0-9]{4})-\1<' <<<"$output"
	# Security notes most serious first.
	sec=${output#*<ul class=\"security\">}
	sec=${sec%%</ul>*}
	levels=$(grep -o 'class="risk risk-[0-9]"' <<<"$sec" | tr -dc '0-9\n' | tr '\n' ' ')
	[ "$levels" = "$(tr ' ' '\n' <<<"$levels" | grep . | sort -rn | tr '\n' ' ')" ]
	# References to RFCs are links.
	run curl -s --max-time 10 "${URL}port/22?lang=en"
	[[ "$output" == *'<a href="https://www.rfc-editor.org/rfc/rfc4251"'* ]]
	[[ "$output" == *'<pre tabindex="0">'* ]]
}

@test "the API's port document is the command line's, byte for byte" {
	# Both read the same recorded /proc/net, so the sockets on the port are the same;
	# both print the document through the same functions (render/json.c).
	export PORTLORE_PROC_ROOT="$PORTLORE_SRC/tests/fixtures/procnet"
	start_server
	curl -s --max-time 10 -o "$BATS_TEST_TMPDIR/api.json" "${URL}api/v1/ports/3333"
	pl --db "$DB" 3333 --json >"$BATS_TEST_TMPDIR/cli.json"
	# Not a trivial equality: the document has the fixture's listener on 3333.
	jq -e '.reports[0].on_this_machine.sockets[0].local.port == 3333' "$BATS_TEST_TMPDIR/cli.json"
	cmp "$BATS_TEST_TMPDIR/cli.json" "$BATS_TEST_TMPDIR/api.json"
	curl -s --max-time 10 -o "$BATS_TEST_TMPDIR/api.json" "${URL}api/v1/search?q=netscaler"
	pl --db "$DB" search --json netscaler >"$BATS_TEST_TMPDIR/cli.json"
	cmp "$BATS_TEST_TMPDIR/cli.json" "$BATS_TEST_TMPDIR/api.json"
}

@test "text answers are gzip-compressed for clients that ask, with Vary" {
	start_server
	curl -s -D "$BATS_TEST_TMPDIR/h" -o "$BATS_TEST_TMPDIR/gz" -H 'Accept-Encoding: gzip, br' \
		--max-time 10 "${URL}port/3333"
	grep -qi '^Content-Encoding: gzip' "$BATS_TEST_TMPDIR/h"
	grep -qi '^Vary: Accept-Language, Accept-Encoding' "$BATS_TEST_TMPDIR/h"
	curl -s -o "$BATS_TEST_TMPDIR/plain" --max-time 10 "${URL}port/3333"
	gunzip -c "$BATS_TEST_TMPDIR/gz" | cmp - "$BATS_TEST_TMPDIR/plain"
	[ "$(stat -c %s "$BATS_TEST_TMPDIR/gz")" -lt "$(( $(stat -c %s "$BATS_TEST_TMPDIR/plain") / 2 ))" ]
	# Refused with q=0, or not asked for: the plain body.
	run curl -s -D - -o /dev/null -H 'Accept-Encoding: gzip;q=0' --max-time 10 "${URL}port/3333"
	[[ "$output" != *"Content-Encoding"* ]]
	run curl -s -D - -o /dev/null -H 'Accept-Encoding: gzip' --max-time 10 "${URL}api/v1/ports/22"
	[[ "$output" == *"Content-Encoding: gzip"* ]]
}

@test "--trust-proxy counts votes by the address the proxy names" {
	# Without it, a forged header changes nothing: all these votes come from one address.
	start_server
	codes=""
	for i in $(seq 1 14); do
		codes="$codes $(status_of "${URL}api/v1/feedback" -H "X-Forwarded-For: 198.51.100.$i" \
			-H 'Content-Type: application/json' --data "{\"page\":\"/port/$i\",\"vote\":\"yes\"}")"
	done
	[[ "$codes" == *429* ]]
	kill "$SERVER_PID"
	wait "$SERVER_PID" 2>/dev/null || true
	# With it, fourteen readers behind one proxy each have their own allowance.
	start_server --trust-proxy X-Forwarded-For
	codes=""
	for i in $(seq 1 14); do
		codes="$codes $(status_of "${URL}api/v1/feedback" -H "X-Forwarded-For: 203.0.113.9, 198.51.100.$i" \
			-H 'Content-Type: application/json' --data "{\"page\":\"/port/$i\",\"vote\":\"yes\"}")"
	done
	[[ "$codes" != *429* ]]
	run pl serve --db "$DB" --trust-proxy 'X-Bad: header' --listen 127.0.0.1:0
	[ "$status" -eq 2 ]
	[[ "$output" == *"--trust-proxy"* ]]
}
