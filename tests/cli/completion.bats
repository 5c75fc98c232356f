#!/usr/bin/env bats
# Shell completions: the hidden `portlore complete` verb, and the bash, zsh and fish
# scripts of completions/ driven as each shell drives them (bash: the completion
# function with COMP_WORDS; zsh: the function with compadd recorded; fish: complete -C).

load helpers

setup() {
	export PORTLORE_DB="$PORTLORE_STORE"
	# The scripts call `portlore` from PATH: the one under test.
	BIN=$(dirname "$(realpath "$PORTLORE")")
	export PATH="$BIN:$PATH"
	COMP="$PORTLORE_SRC/completions"
}

@test "complete commands: the commands of help, and nothing else" {
	run pl complete commands
	[ "$status" -eq 0 ]
	want=$(pl help | sed -n 's/^  \([a-z]\+\) .*/\1/p')
	[ "$output" = "$want" ]
	[[ "$output" != *complete* ]]
}

@test "complete options: every long option of each command's usage, and only those" {
	for c in $(pl complete commands) 3333; do
		got=$(pl complete options "$c" | grep -- '^--' | sort -u)
		name=$c
		[ "$c" = 3333 ] && name=port
		want=$( (pl help "$name" | grep -o -- '--[a-z0-9-]*'; echo --help) | sort -u)
		[ "$got" = "$want" ] || { echo "$c: got [$got] want [$want]"; false; }
	done
	run pl complete options ls
	[[ "$output" == *"--format"* ]]
	[[ "$output" == *"-4"* ]]
}

@test "complete names: services, lore ids and families from the store, by prefix" {
	run pl complete names redi
	[ "$status" -eq 0 ]
	[[ "$output" == *$'\n'redis$'\n'* || "$output" == redis$'\n'* ]]
	# Every word starts with the prefix (case aside).
	[ -z "$(printf '%s\n' "$output" | grep -vi '^redi')" ]
	# A lore id that is not a registry name, and a lore family.
	id=$(sqlite3 "$PORTLORE_STORE" "SELECT id FROM lore_entry WHERE id NOT IN (SELECT service FROM record) AND id GLOB '[a-z]*' ORDER BY id LIMIT 1")
	run pl complete names "$id"
	[[ "$output" == *"$id"* ]]
	# LIKE's wildcards are literal; a number has no names; at most 200.
	run pl complete names '%'
	[ -z "$output" ]
	run pl complete names 22
	[ -z "$output" ]
	n=$(pl complete names | wc -l)
	[ "$n" -le 200 ] && [ "$n" -ge 150 ]
	run pl complete names r --db x
	[ "$status" -eq 2 ]
	run pl complete values --format ls
	[ "$output" = $'text\njson\nprometheus' ]
	run pl complete values --format annotate
	[[ "$output" == *nmap-xml* ]]
	run pl complete names r
	PORTLORE_DB=$BATS_TEST_TMPDIR/none.db run pl complete names r
	[ "$status" -eq 3 ]
}

# bash_complete WORDS...: the completions bash offers for the last word.
bash_complete() {
	bash -c '
		source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_portlore
		printf "%s\n" "${COMPREPLY[@]}"' - "$COMP/portlore.bash" "$@"
}

@test "bash: commands and names first, options, option values, names after a command" {
	run bash_complete portlore sea
	[[ "$output" == search$'\n'* ]]
	[[ "$output" == *$'\n'seaview* ]]
	run bash_complete portlore redis-s
	[[ "$output" == *redis-sentinel* ]]
	run bash_complete portlore ls --f
	[ "$output" = --format ]
	run bash_complete portlore ls --format ""
	[ "$output" = $'text\njson\nprometheus' ]
	run bash_complete portlore audit --fail-on h
	[ "$output" = high ]
	run bash_complete portlore history ss
	[[ "$output" == *$'\n'ssh$'\n'* ]]
	run bash_complete portlore --db x.db history --c
	[ "$output" = --color ]
	run bash_complete portlore 22 --no
	[ "$output" = --no-host ]
	run bash_complete portlore help ki
	[ "$output" = kill ]
}

@test "zsh: the script parses and offers the same words" {
	command -v zsh >/dev/null || skip "zsh missing (Debian package zsh)"
	zsh -n "$COMP/_portlore"
	# The function outside the completion system: compadd and _files recorded.
	zsh_complete() {
		zsh -f -c '
			compadd() { [[ $1 == -a ]] && print -l ${(P)2}; }
			_files() { print FILES; }
			source "$1"; shift
			words=("$@"); CURRENT=$#; PREFIX=${words[CURRENT]}
			_portlore' - "$COMP/_portlore" "$@" 2>&1 | grep -i -- "^${@: -1}" || true
	}
	run zsh_complete portlore ls --format pro
	[ "$output" = prometheus ]
	run zsh_complete portlore sea
	[[ "$output" == search$'\n'* ]]
	run zsh_complete portlore history redis-se
	[[ "$output" == *redis-sentinel* ]]
}

@test "fish: the script parses and complete -C offers the same words" {
	command -v fish >/dev/null || skip "fish missing (Debian package fish)"
	fish -n "$COMP/portlore.fish"
	fish_complete() {
		fish -N -c "source '$COMP/portlore.fish'; complete -C '$1'"
	}
	run fish_complete "portlore ls --format "
	[ "$(printf '%s\n' "$output" | sort)" = $'json\nprometheus\ntext' ]
	run fish_complete "portlore sea"
	[[ "$output" == *search* ]]
	[[ "$output" == *seaview* ]]
	run fish_complete "portlore audit --fa"
	[ "$output" = --fail-on ]
	run fish_complete "portlore history redis-se"
	[[ "$output" == *redis-sentinel* ]]
}
