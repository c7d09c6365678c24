#!/usr/bin/env bash
# Installs the Debian packages the editions need, when they are missing.
# As root it runs apt-get itself; otherwise it names the command to run and fails,
# or, with --optional, names it and goes on (what needs no package still works).
# --check: only says, by its exit status, whether all are installed.
set -euo pipefail
mode=required
case "${1:-}" in --optional|--check) mode="${1#--}"; shift ;; esac
for pkg in "$@"; do  # a package name, never an option apt-get would obey
  [[ "$pkg" =~ ^[a-z0-9][a-z0-9.+-]+$ ]] || { echo "not a Debian package name: $pkg" >&2; exit 2; }
done
missing=()
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
[ "$mode" = check ] && exit 1
if [ "$(id -u)" -eq 0 ]; then
  echo "Installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends -- "${missing[@]}" >/dev/null
else
  echo "citepress needs these Debian packages: ${missing[*]}" >&2
  echo "Install them with:  sudo apt-get update && sudo apt-get install ${missing[*]}" >&2
  [ "$mode" = optional ] && exit 0
  exit 1
fi
