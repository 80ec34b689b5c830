# bash completion for rcr (installed as share/bash-completion/completions/rcr).
# Completes commands, each command's options, the values of --progress and --archive-version,
# and directories where an archive or an output directory goes. Self-contained: it needs only
# bash's compgen, not the bash-completion package's helpers. Options are kept in step with
# 'rcr help COMMAND' by tests/cli/completion_test.sh.

_rcr_options() { # command -> its options, long and short
	case $1 in
	dump)
		echo "-f --file -j --jobs -Z --compress -n --schema -N --exclude-schema -t --table
		      -T --exclude-table --exclude-table-data -e --extension -a --data-only -s --schema-only -O --no-owner -x --no-privileges
		      --no-acl --no-comments --load-via-partition-root --lock-wait-timeout --force --piece-size --base
		      --row-group-size -d --dbname
		      -h --host -p --port -U --username --role -v --verbose -q --quiet --progress --help" ;;
	restore)
		echo "-d --dbname -h --host -p --port -U --username --role -j --jobs -a --data-only
		      --disable-triggers -1 --single-transaction --truncate -c --clean --if-exists --no-extensions --usable-first -n --schema
		      -t --table -O --no-owner
		      -x --no-privileges --no-acl --piece-size --maintenance-work-mem -v --verbose -q --quiet
		      --progress --help" ;;
	verify) echo "-j --jobs --json -q --quiet --progress --help" ;;
	list) echo "--json --help" ;;
	convert)
		echo "-o --output --archive-version -Z --compress --split-size -j --jobs -v --verbose
		      -q --quiet --progress --help" ;;
	esac
}

# Options that take a value (the next word, or after '=').
_rcr_takes_value() {
	case $1 in
	-f|--file|-o|--output|-j|--jobs|-Z|--compress|-n|--schema|-N|--exclude-schema|-t|--table|\
	-T|--exclude-table|--exclude-table-data|-e|--extension|--lock-wait-timeout|--piece-size|--row-group-size|--base|-d|--dbname|-h|--host|\
	-p|--port|-U|--username|--role|--progress|--maintenance-work-mem|--archive-version|--split-size)
		return 0 ;;
	esac
	return 1
}

_rcr_dirs() {
	local IFS=$'\n'
	COMPREPLY=($(compgen -d -- "$1"))
	# Let readline add the slash and quote names (only possible while completing).
	compopt -o filenames 2>/dev/null
	return 0
}

_rcr() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=
	local commands="dump restore verify list convert help"
	COMPREPLY=()
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	if ((COMP_CWORD == 1)); then
		COMPREPLY=($(compgen -W "$commands --help --version" -- "$cur"))
		return 0
	fi
	local cmd=${COMP_WORDS[1]}
	if [[ $cmd == help ]]; then
		((COMP_CWORD == 2)) && COMPREPLY=($(compgen -W "dump restore verify list convert" -- "$cur"))
		return 0
	fi
	# "--opt=value": readline splits at '=' (COMP_WORDBREAKS), giving "--opt" "=" "value".
	local opt=
	if [[ $cur == --*=* ]]; then
		opt=${cur%%=*}
		cur=${cur#*=}
	elif [[ $cur == = ]]; then
		opt=$prev
		cur=
	elif [[ $prev == = ]] && ((COMP_CWORD >= 3)); then
		opt=${COMP_WORDS[COMP_CWORD - 2]}
	elif _rcr_takes_value "$prev"; then
		opt=$prev
	fi
	if [[ -n $opt ]]; then
		case $opt in
		--progress) COMPREPLY=($(compgen -W "auto always never" -- "$cur")) ;;
		--archive-version) COMPREPLY=($(compgen -W "1.14 1.15 1.16" -- "$cur")) ;;
		-f|--file|-o|--output|--base) _rcr_dirs "$cur" ;;
		esac
		return 0
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_rcr_options "$cmd")" -- "$cur"))
		return 0
	fi
	# A positional argument: the archive directory (dump's is a database name).
	case $cmd in
	restore|verify|list|convert) _rcr_dirs "$cur" ;;
	esac
	return 0
}

complete -F _rcr rcr
