# fish completion for portlore. The words come from `portlore complete` (a hidden
# verb): commands and options from the program's own command table, names (registry
# services, lore ids and families) from the store.

function __portlore_cmd
	# The first word that is neither an option nor an option's value; any other first
	# word is a port spec (the default command, port).
	set -l words (commandline -opc)
	set -l cmds (portlore complete commands 2>/dev/null)
	set -l skip 0
	for w in $words[2..-1]
		if test $skip -eq 1
			set skip 0
			continue
		end
		switch $w
			case -d --db -C --color --colour -w --width
				set skip 1
			case '-*'
			case '*'
				if contains -- $w $cmds
					echo $w
				else
					echo port
				end
				return
		end
	end
end

function __portlore_complete
	set -l cmd (__portlore_cmd)
	set -l words (commandline -opc)
	set -l prev $words[-1]
	set -l cur (commandline -ct)
	test -n "$cmd"; or set -l bare 1
	test -n "$cmd"; or set cmd port
	switch $prev
		case -d --db --feedback-db --iana --lore --nmap --locale-dir --from
			__fish_complete_path $cur
			return
		case -C --color --colour -f --format --fail-on --signal -p --proto
			portlore complete values $prev $cmd 2>/dev/null
			return
		case -w --width -n --count --limit --near --range --seed --check --timeout --listen --threads --rate --concurrency --retries --top --banner-wait --user --unit --container
			return
	end
	if string match -q -- '-*' $cur
		portlore complete options $cmd 2>/dev/null
		return
	end
	if set -q bare
		portlore complete commands 2>/dev/null
		portlore complete names $cur 2>/dev/null
		return
	end
	switch $cmd
		case port history
			portlore complete names $cur 2>/dev/null
		case help
			portlore complete commands 2>/dev/null
		case annotate
			__fish_complete_path $cur
	end
end

complete -c portlore -f -a '(__portlore_complete)'
