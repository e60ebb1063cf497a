#!/usr/bin/env bash
# Installs the system packages sandpit builds and runs against, only those that are missing.
# Called by `make deps` (and so by `make demo`, `make test`, `make bench`); safe to run again.
set -euo pipefail

need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

for pkg in libseccomp-dev libsqlite3-dev pkg-config "$@"; do
    have_pkg "$pkg" || need+=("$pkg")
done

[ ${#need[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "sandpit: missing system packages: ${need[*]} (no apt-get here; install them by hand)" >&2
    exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
        echo "sandpit: missing system packages: ${need[*]}; run as root or install them: apt-get install ${need[*]}" >&2
        exit 1
    fi
fi
echo "sandpit: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >&2
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
