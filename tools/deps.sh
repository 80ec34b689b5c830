#!/usr/bin/env bash
# deps.sh: installs what building and testing rcr needs on Debian 12 (run as root).
# Quiet when everything is already there; apt-get is only called for what is missing.
set -euo pipefail
pkgs=(build-essential cmake pkg-config clang libclang-rt-14-dev groff-base man-db python3 python3-jsonschema bsdutils
      postgresql-15 postgresql-client-15 postgresql-server-dev-15
      libpq-dev libssl-dev libzstd-dev libxxhash-dev zlib1g-dev libdeflate-dev zstd shellcheck time
      locales)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps.sh: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
