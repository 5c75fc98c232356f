#!/usr/bin/env bats
# Listeners as Prometheus metrics: `ls --format prometheus` checked by promtool, the
# example rules in docs/prometheus/ checked and unit-tested by promtool, and a real
# Prometheus server (Debian's) started here on loopback that scrapes a loopback
# `portlore serve` and answers through its HTTP API. A Docker API port is opened on
# all interfaces of a network namespace made here (nothing is reachable from outside).

load helpers

HELPER="$BATS_TEST_DIRNAME/who-listen.py"
RULES="$PORTLORE_SRC/docs/prometheus"

setup() {
	export PORTLORE_DB="$PORTLORE_STORE"
	PIDS=()
	NETNS=""
}

teardown() {
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	[ -z "$NETNS" ] || ip netns del "$NETNS" 2>/dev/null || true
}

# start OUT CMD...: runs CMD in the background writing to OUT; waits at most 10 s for a
# first line and sets LINE to it.
start() {
	local out=$1 i
	shift
	: >"$out"   # before the command opens it: the first look must find a file
	"$@" >"$out" 2>"$out.err" &
	PIDS+=("$!")
	for i in $(seq 200); do
		LINE=$(head -1 "$out" 2>/dev/null || true)
		[ -n "$LINE" ] && return 0
		kill -0 "${PIDS[-1]}" 2>/dev/null || break
		sleep 0.05
	done
	echo "did not start: $*" >&2
	cat "$out.err" >&2
	return 1
}

need_promtool() {
	command -v promtool >/dev/null || skip "promtool missing (Debian package prometheus)"
}

# A namespace with only a loopback interface, and Docker's API port open on all its
# interfaces.
docker_port_in_netns() {
	[ "$(id -u)" -eq 0 ] || skip "needs root to make a network namespace (CI runs as root)"
	NETNS="plprom$$"
	ip netns add "$NETNS"
	ip -n "$NETNS" link set lo up
	start "$BATS_TEST_TMPDIR/ns.out" ip netns exec "$NETNS" python3 -c '
import socket, time
s = socket.socket(); s.bind(("0.0.0.0", 2375)); s.listen(1)
print(2375, flush=True); time.sleep(60)'
}

@test "ls --format prometheus: one series per listener, labels for port, scope and severity" {
	need_promtool
	start "$BATS_TEST_TMPDIR/l.out" python3 "$HELPER" listen tcp 127.0.0.1
	local port=$LINE
	docker_port_in_netns
	run pl ls --format prometheus
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/m.prom"
	# The exposition format parses (promtool prints lint advice, not errors, for gauges).
	run promtool check metrics <"$BATS_TEST_TMPDIR/m.prom"
	[[ "$output" != *"error"* ]] || { echo "$output" >&2; false; }
	grep -E "^portlore_listener\{protocol=\"tcp\",port=\"$port\",family=\"ipv4\",address=\"127.0.0.1\",scope=\"loopback\",netns=\"host\",process=\"python3\",user=\"root\",.*severity=\"none\"\} 1$" \
		"$BATS_TEST_TMPDIR/m.prom"
	# Docker's port on all interfaces, by the port alone: the audit's high, inferred.
	grep -E '^portlore_listener\{protocol="tcp",port="2375",family="ipv4",address="\*",scope="all",netns="other",process="python3",.*confidence="port-only",severity="high"\} 1$' \
		"$BATS_TEST_TMPDIR/m.prom"
	grep -E '^portlore_audit_worst_severity [4-5]$' "$BATS_TEST_TMPDIR/m.prom"
	# No two samples of one series.
	[ -z "$(grep '^portlore_listener{' "$BATS_TEST_TMPDIR/m.prom" | sed 's/ [0-9]*$//' | sort | uniq -d)" ]
}

@test "ls --format: a bad name is a usage error; prometheus without a store says so" {
	run pl ls --format yaml
	[ "$status" -eq 2 ]
	[[ "$output" == *"--format 'yaml': use text, json or prometheus"* ]]
	run pl ls --format prometheus --db "$BATS_TEST_TMPDIR/none.db"
	[ "$status" -eq 3 ]
	[[ "$output" == *"needs the store"* ]]
	run pl who --format prometheus 22
	[ "$status" -eq 2 ]
}

@test "the example rules load in promtool and their alerts fire on the right series" {
	need_promtool
	run promtool check rules "$RULES/rules.yml"
	[ "$status" -eq 0 ]
	[[ "$output" == *"SUCCESS: 6 rules found"* ]]
	run promtool test rules "$RULES/rules-test.yml"
	[ "$status" -eq 0 ]
}

@test "a real Prometheus scrapes a loopback serve's /metrics and answers which hosts expose 2375" {
	command -v prometheus >/dev/null || skip "prometheus missing (Debian package prometheus)"
	docker_port_in_netns
	local t=$BATS_TEST_TMPDIR i ppid got=""
	start "$t/serve.out" "$PORTLORE" serve --db "$PORTLORE_STORE" --feedback-db "$t/fb.db" \
		--locale-dir "$PORTLORE_LOCALEDIR" --listen 127.0.0.1:0
	local url=${LINE#portlore: serving } target
	[[ "$url" == http://127.0.0.1:* ]]
	target=${url#http://}
	target=${target%/}
	run curl -s --max-time 10 "${url}metrics"
	[[ "$output" == *'portlore_listener{protocol="tcp",port="2375"'* ]]
	[[ "$output" == *"portlore_http_requests_total"* ]]
	# A free loopback port for Prometheus: the kernel picks one, then it is let go.
	local pport
	pport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	cat >"$t/prometheus.yml" <<YML
global:
  # Generous: /metrics looks at every listener of every namespace (thousands on a
  # busy test machine), slower still under the sanitizers.
  scrape_interval: 5s
  scrape_timeout: 5s
  evaluation_interval: 1s
rule_files:
  - $RULES/rules.yml
scrape_configs:
  - job_name: portlore
    metrics_path: /metrics
    static_configs:
      - targets: ['$target']
YML
	prometheus --config.file="$t/prometheus.yml" --storage.tsdb.path="$t/tsdb" \
		--web.listen-address="127.0.0.1:$pport" >"$t/prom.log" 2>&1 &
	ppid=$!
	PIDS+=("$ppid")
	# The one PromQL query of the issue, through the HTTP API; at most 60 s.
	for i in $(seq 120); do
		got=$(curl -s --max-time 2 "http://127.0.0.1:$pport/api/v1/query" \
			--data-urlencode 'query=portlore_listener{port="2375", scope="all"}' || true)
		[[ "$got" == *'"result":[{'* ]] && break
		kill -0 "$ppid" 2>/dev/null || break
		sleep 0.5
	done
	echo "$got" | jq . >&2 || { echo "$got"; tail -20 "$t/prom.log"; } >&2
	[ "$(echo "$got" | jq -r '.data.result[0].metric.job')" = portlore ]
	[ "$(echo "$got" | jq -r '.data.result[0].metric.severity')" = high ]
	[ "$(echo "$got" | jq -r '.data.result[0].metric.process')" = python3 ]
	# At least this test's listener: another test running at the same time may hold 2375
	# in a namespace of its own, and sockets with the same labels are one series.
	[ "$(echo "$got" | jq -r '.data.result[0].value[1]')" -ge 1 ]
	# The recording rules evaluate over the scraped series too.
	for i in $(seq 20); do
		got=$(curl -s --max-time 2 "http://127.0.0.1:$pport/api/v1/query" \
			--data-urlencode 'query=instance_severity:portlore_listeners:count{severity="high"}' || true)
		[[ "$got" == *'"result":[{'* ]] && break
		sleep 0.5
	done
	[ "$(echo "$got" | jq -r '.data.result[0].value[1]')" -ge 1 ]
}
