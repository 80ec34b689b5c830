#!/usr/bin/env bash
# completion_test.sh: the bash completion, sourced into bash and called the way readline calls
# it (COMP_WORDS, COMP_CWORD): commands, every long option that `rcr help COMMAND` prints,
# option values, and directories (not files) where an archive or output directory goes.
set -euo pipefail
: "${RCR:?}" "${RCR_SRC:?}"
T=$(mktemp -d /tmp/rcr-completion.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok - $*"; }

# shellcheck source=/dev/null
. "$RCR_SRC/completion/rcr.bash"
complete -p rcr | grep -q -- '-F _rcr' || fail "completion not registered for rcr"

comp() { # words... (the last is the word being completed) -> candidates, one a line
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_rcr rcr "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	[ ${#COMPREPLY[@]} -eq 0 ] || printf '%s\n' "${COMPREPLY[@]}" | sort
}
expect() { # label, expected (newline-separated, sorted), words...
	local label=$1 want=$2
	shift 2
	local got
	got=$(comp "$@")
	# shellcheck disable=SC2086,SC2116 # unquoted on purpose: the message shows the words on one line
	[ "$got" = "$want" ] || fail "$label: got [$(echo $got)], want [$(echo $want)]"
}

expect "commands" "$(printf '%s\n' --help --version convert dump help list restore verify | sort)" rcr ""
expect "command prefix" "restore" rcr re
expect "help COMMAND" "verify" rcr help ve
pass "commands"

for cmd in dump restore verify list convert; do
	got=$(comp rcr "$cmd" --)
	for o in $("$RCR" help "$cmd" | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
		grep -qx -- "$o" <<<"$got" || fail "rcr $cmd --<TAB> does not offer $o"
	done
	# and nothing rcr does not accept
	for o in $got; do
		set +e
		"$RCR" "$cmd" "$o" x y z >/dev/null 2>"$T/err"
		set -e
		! grep -q "unknown option" "$T/err" || fail "completion offers $o, which rcr $cmd does not know"
	done
done
expect "short and long options" "$(printf '%s\n' --help --jobs --json --progress --quiet -j -q | sort)" rcr verify -
expect "option prefix" "$(printf '%s\n' --schema --schema-only | sort)" rcr dump --schema
pass "each command's options: all of 'rcr help COMMAND', none unknown"

expect "--progress VALUE" "$(printf '%s\n' always auto never | sort)" rcr dump --progress ""
expect "--progress=VALUE (split at =)" "always" rcr restore --progress = al
expect "--progress= (nothing typed)" "$(printf '%s\n' always auto never | sort)" rcr verify --progress =
expect "--archive-version" "$(printf '%s\n' 1.14 1.15 1.16 | sort)" rcr convert --archive-version ""
expect "-j takes a number: no candidates" "" rcr dump -j ""
pass "option values"

mkdir -p "$T/arch-2026" "$T/arch-old" "$T/other"
touch "$T/arch-file"
dirs="$(printf '%s\n' "$T/arch-2026" "$T/arch-old" | sort)"
expect "verify ARCHIVE: directories only" "$dirs" rcr verify "$T/arch"
expect "list ARCHIVE" "$dirs" rcr list --json "$T/arch"
expect "restore ARCHIVE after -d db" "$dirs" rcr restore -d app "$T/arch"
expect "convert ARCHIVE" "$dirs" rcr convert -Z 0 "$T/arch"
expect "dump -f DIR" "$dirs" rcr dump -d app -f "$T/arch"
expect "convert -o DIR" "$dirs" rcr convert "$T/other" -o "$T/arch"
pass "directory arguments"
