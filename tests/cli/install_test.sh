#!/usr/bin/env bash
# install_test.sh: `cmake --install` into a temporary DESTDIR puts the binary, a manual page per
# command, the bash completion and the JSON schemas where GNUInstallDirs says; every page
# renders without a groff warning; every long option that `rcr help COMMAND` prints is in that
# command's page, and every option a page documents is one rcr accepts (so the help and the
# manual cannot drift apart). Needs no server.
set -euo pipefail
: "${RCR:?}" "${RCR_SRC:?}" "${RCR_BUILD:?}"
T=$(mktemp -d /tmp/rcr-install.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok - $*"; }
commands="dump restore verify list convert"

DESTDIR="$T/root" cmake --install "$RCR_BUILD" --prefix /usr/local >"$T/log" 2>&1 ||
	{ cat "$T/log" >&2; fail "cmake --install failed"; }
P="$T/root/usr/local"
[ -x "$P/bin/rcr" ] || fail "no bin/rcr"
"$P/bin/rcr" --version | grep -q '^rcr [0-9]' || fail "installed rcr does not run"
# shellcheck disable=SC2086 # $commands is a list of words
for page in rcr $(printf 'rcr-%s ' $commands); do
	f="$P/share/man/man1/$page.1"
	[ -f "$f" ] || fail "no man page $f"
	cmp -s "$f" "$RCR_SRC/doc/man/$page.1" || fail "$page.1 differs from doc/man"
done
n=$(find "$P/share/man/man1" -name '*.1' | wc -l)
[ "$n" -eq 6 ] || fail "expected 6 man pages, found $n"
[ -f "$P/share/bash-completion/completions/rcr" ] || fail "no bash completion"
[ -f "$P/share/rcr/rcr-list.schema.json" ] && [ -f "$P/share/rcr/rcr-verify.schema.json" ] ||
	fail "no JSON schemas"
pass "cmake --install: bin/rcr, 6 pages in share/man/man1, completion, JSON schemas"

command -v groff >/dev/null || fail "groff is missing (apt-get install groff-base)"
for f in "$RCR_SRC"/doc/man/*.1; do
	groff -man -ww -z "$f" >"$T/groff" 2>&1 || fail "groff failed on $f: $(cat "$T/groff")"
	[ ! -s "$T/groff" ] || fail "groff warns on $(basename "$f"): $(cat "$T/groff")"
	# What a reader sees: the page renders to text with its sections.
	MANWIDTH=80 man -l "$f" 2>/dev/null | grep -q '^EXIT STATUS' || fail "$(basename "$f") has no EXIT STATUS"
done
pass "every page renders without warnings (groff -man -ww) and has EXIT STATUS"

# Long options in roff source: \- is a hyphen.
page_opts() { sed 's/\\-/-/g' "$RCR_SRC/doc/man/rcr-$1.1" | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u; }
help_opts() { "$RCR" help "$1" | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u; }
checked=0
for cmd in $commands; do
	help_opts "$cmd" >"$T/help.$cmd"
	[ -s "$T/help.$cmd" ] || fail "rcr help $cmd lists no option"
	page_opts "$cmd" >"$T/page.$cmd"
	missing=$(comm -23 "$T/help.$cmd" "$T/page.$cmd")
	[ -z "$missing" ] || fail "rcr-$cmd.1 lacks options that 'rcr help $cmd' prints: $missing"
	# Every option the page documents exists: rcr does not call it unknown. Extra arguments
	# make each run stop at a usage error before it connects or writes anything.
	while read -r o; do
		set +e
		"$RCR" "$cmd" "$o" x y z >/dev/null 2>"$T/err"
		set -e
		! grep -q "unknown option" "$T/err" || fail "rcr-$cmd.1 documents $o, which rcr $cmd does not know"
		checked=$((checked + 1))
	done <"$T/page.$cmd"
done
# The general page names every command and exit status 0-6.
for cmd in $commands; do grep -q "rcr\\\\-$cmd (1)\|^\.B $cmd$" "$RCR_SRC/doc/man/rcr.1" || fail "rcr.1 lacks $cmd"; done
for s in 0 1 2 3 4 5 6; do grep -q "^\.B $s$" "$RCR_SRC/doc/man/rcr.1" || fail "rcr.1 lacks exit status $s"; done
pass "each page has every long option of its 'rcr help' ($checked documented options all accepted)"
