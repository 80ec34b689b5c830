#!/usr/bin/env bash
# Runs shellcheck over every shell script in tools/, tests/ and .ci/ (a *.sh file, or any
# file whose first line is a sh or bash shebang), with the settings and the reasoned
# exceptions of .shellcheckrc. A new script is checked without being listed here.
# Skipped (exit 77) when shellcheck is not installed; tools/deps.sh installs it.
# Usage: shellcheck_test.sh [SOURCE_DIR] (default: this checkout).
set -euo pipefail
src=${1:-${RCR_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}}
cd "$src"
if ! command -v shellcheck >/dev/null; then
	echo "shellcheck not installed: skipped" >&2
	exit 77
fi

scripts=()
while IFS= read -r -d '' f; do
	if [[ $f == *.sh ]] || head -n1 "$f" | grep -Eq '^#!.*[/ ](ba|da)?sh([[:space:]]|$)'; then
		scripts+=("$f")
	fi
done < <(find tools tests .ci -type f ! -path '*/results/*' -print0 | sort -z)
if [ ${#scripts[@]} -eq 0 ]; then
	echo "shellcheck: no script found under $src" >&2
	exit 1
fi
shellcheck --version | sed -n 2p
if ! shellcheck -f gcc "${scripts[@]}"; then
	echo "shellcheck: fix the findings above, or disable a check for one line with a reason" \
		"(# shellcheck disable=SCnnnn # why); .shellcheckrc holds the tree-wide exceptions" >&2
	exit 1
fi
echo "shellcheck: ${#scripts[@]} scripts clean"
