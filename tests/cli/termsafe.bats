#!/usr/bin/env bats
# Text for a terminal never carries the control sequences that data brings: a registry
# whose fields hold ESC, OSC, BEL, C1 and bidirectional controls (as a mirror could serve
# through `update --from`), a process whose command line holds them, and arguments and
# standard input that hold them. JSON carries the same text exactly.

load helpers

HELPER="$BATS_TEST_DIRNAME/who-listen.py"

setup_file() {
	local d="$BATS_FILE_TMPDIR"
	{
		printf '%s\r\n' "$HEADER"
		# OSC 0 (window title) ended by BEL; CSI erase-screen; C1 CSI (U+009B); RLO (U+202E).
		printf 'evil\033]0;pwned\007,4444,tcp,Bad \033[2Jdesc \302\23331m and \342\200\256txt.exe,[a\033[5mb],,2001-01-01,2002-02-02,,,,\r\n'
		printf 'evil\033]0;pwned\007,4444,udp,Bad udp,,,2001-01-01,,,,,\r\n'
	} >"$d/old.csv"
	{
		cat "$d/old.csv"
		printf 'later,4445,tcp,Later \033[8mhidden,,,2003-03-03,,,,,\r\n'
	} >"$d/new.csv"
	"$PORTLORE" import --quiet --new --db "$d/esc.db" --iana "$d/old.csv" --iana "$d/new.csv"
}

setup() {
	DB="$BATS_FILE_TMPDIR/esc.db"
	PIDS=()
}

teardown() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
}

# No byte a terminal acts on: C0 controls other than newline and tab, DEL, C1 (as
# UTF-8), RLO; and the visible escapes are there instead.
clean() {
	if printf '%s' "$1" | LC_ALL=C grep -qP '[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80\xae'; then
		printf 'raw control bytes in: %s\n' "$1" | cat -v >&2
		return 1
	fi
}

@test "portlore N, search and history show escapes, not control sequences" {
	for color in never always; do
		run pl --db "$DB" --color "$color" --no-host 4444
		[ "$status" -eq 0 ]
		[[ "$output" == *'evil\x1b]0;pwned\x07'* ]]
		# With colour on, portlore's own colour codes stay; nothing else does.
		if [ "$color" = never ]; then clean "$output"; else
			clean "$(printf '%s' "$output" | sed 's/\x1b\[[0-9;]*m//g')"; fi
		run pl --db "$DB" --color "$color" search bad
		[ "$status" -eq 0 ]
		[[ "$output" == *'\x1b[2Jdesc \u009b31m and \u202etxt.exe'* ]]
		[ "$color" = always ] || clean "$output"
		run pl --db "$DB" --color "$color" history 4444/tcp 4445
		[ "$status" -eq 0 ]
		[[ "$output" == *'evil\x1b]0;pwned\x07'* ]]
		[ "$color" = always ] || clean "$output"
	done
}

@test "JSON carries the text exactly" {
	run pl --db "$DB" --json 4444/tcp
	[ "$status" -eq 0 ]
	json_is '.reports[0].registry.records[0].service' "$(printf 'evil\033]0;pwned\007')"
	json_is '.reports[0].registry.records[0].description' "$(printf 'Bad \033[2Jdesc \302\23331m and \342\200\256txt.exe')"
}

@test "annotate: escapes in the input and in the registry are shown as escapes" {
	printf 'PORT     STATE SERVICE\n4444/tcp open  x\033]52;c;ZXZpbA==\007y\n' >"$BATS_TEST_TMPDIR/scan.txt"
	run pl annotate --db "$DB" "$BATS_TEST_TMPDIR/scan.txt"
	[ "$status" -eq 0 ]
	[[ "$output" == *'\x1b]52;c;ZXZpbA==\x07'* ]]
	clean "$output"
}

@test "error messages echo arguments and input with escapes" {
	run pl --db "$DB" "$(printf 'x\033[2Jy')"
	[ "$status" -eq 2 ]
	[[ "$output" == *'x\x1b[2Jy'* ]]
	clean "$output"
	run pl --db "$DB" search --limit "$(printf '1\033]0;t\007')" x
	[ "$status" -eq 2 ]
	[[ "$output" == *'1\x1b]0;t\x07'* ]]
	clean "$output"
	run pl --db "$(printf '/nonexistent/\033[31mred')" 22
	[ "$status" -eq 3 ]
	clean "$output"
	run pl help "$(printf 'no\007such')"
	[ "$status" -eq 2 ]
	clean "$output"
	run pl --db "$DB" search "$(printf '\033[2J\377')"
	clean "$output"
	run pl --db "$DB" who "$(printf '80\033[2J')"
	[ "$status" -eq 2 ]
	clean "$output"
	run pl --db "$DB" --color "$(printf '\033[2J')" 22
	[ "$status" -eq 2 ]
	clean "$output"
	printf '22\n\033]0;x\007\n' >"$BATS_TEST_TMPDIR/specs"
	run pl --db "$DB" - <"$BATS_TEST_TMPDIR/specs"
	[ "$status" -eq 2 ]
	clean "$output"
}

@test "who and ls: a command line with escapes is shown with escapes" {
	local out="$BATS_TEST_TMPDIR/port"
	bash -c "exec -a \"\$(printf 'evil\\033]0;pwned\\007')\" /usr/bin/python3 \"$HELPER\" listen tcp 127.0.0.1" >"$out" &
	PIDS+=("$!")
	for _ in $(seq 100); do PORT=$(head -1 "$out" 2>/dev/null || true); [ -n "$PORT" ] && break; sleep 0.05; done
	[ -n "$PORT" ]
	run pl who --db "$DB" "$PORT/tcp"
	[ "$status" -eq 0 ]
	# Text read from /proc is made safe where it is read (control bytes become '?').
	[[ "$output" == *"command: evil"?"]0;pwned"?" "* ]]
	clean "$output"
	run pl ls --db "$DB" "$PORT"
	[ "$status" -eq 0 ]
	clean "$output"
}

@test "with colour on, only portlore's own colour codes pass: data's blink and conceal do not" {
	run pl --db "$DB" --color always --full --no-host 4445/tcp
	[ "$status" -eq 0 ]
	[[ "$output" == *'Later \x1b[8mhidden'* ]]
	run pl --db "$DB" --color always --full --no-host 4444/tcp
	[[ "$output" == *'[a\x1b[5mb]'* ]]
	# Every escape sequence left is one of the seven portlore writes.
	left=$(printf '%s' "$output" | LC_ALL=C grep -oP '\x1b\[[0-9;]*m' | sort -u | tr -d '\033' | tr '\n' ' ')
	for s in $left; do
		case "$s" in '[0m'|'[1m'|'[2m'|'[31m'|'[32m'|'[33m'|'[36m') ;; *) echo "unexpected $s"; false ;; esac
	done
}
