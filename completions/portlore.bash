# bash completion for portlore. The words come from `portlore complete` (a hidden
# verb): commands and options from the program's own command table, names (registry
# services, lore ids and families) from the store.

_portlore_words() {
	portlore complete "$@" 2>/dev/null
}

_portlore() {
	local cur prev cmd="" cmds i
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=""
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	cmds=$(_portlore_words commands)
	# The command is the first word that is neither an option nor an option's value;
	# any other first word is a port spec (the default command, port).
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-d | --db | -C | --color | --colour | -w | --width) ((i++)) ;;
		-*) ;;
		*)
			cmd=${COMP_WORDS[i]}
			grep -qxF -- "$cmd" <<<"$cmds" || cmd=port
			break
			;;
		esac
	done

	case $prev in
	-d | --db | --feedback-db | --iana | --lore | --nmap | --locale-dir | --from)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return
		;;
	-C | --color | --colour | -f | --format | --fail-on | --signal | -p | --proto)
		mapfile -t COMPREPLY < <(compgen -W "$(_portlore_words values "$prev" "${cmd:-port}")" -- "$cur")
		return
		;;
	-w | --width | -n | --count | --limit | --near | --range | --seed | --check | --timeout | \
		--listen | --threads | --rate | --concurrency | --retries | --top | --banner-wait | \
		--user | --unit | --container)
		return
		;;
	esac

	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_portlore_words options "${cmd:-port}")" -- "$cur")
		return
	fi
	case $cmd in
	"")
		mapfile -t COMPREPLY < <(compgen -W "$cmds $(_portlore_words names "$cur")" -- "$cur")
		;;
	port | history)
		mapfile -t COMPREPLY < <(compgen -W "$(_portlore_words names "$cur")" -- "$cur")
		;;
	help)
		mapfile -t COMPREPLY < <(compgen -W "$cmds" -- "$cur")
		;;
	annotate)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		;;
	esac
}

complete -F _portlore portlore
