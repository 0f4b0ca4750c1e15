#!/bin/sh
# scripts/deps.sh: installs the Debian packages topo needs to build, test and
# run its demo, when they are missing. As root it runs apt-get; otherwise it
# says what to run. Quiet and quick when everything is there.
set -eu

PACKAGES="make gcc pkg-config ca-certificates
libncurses-dev libcurl4-openssl-dev libcjson-dev libhiredis-dev libyaml-dev
libpcre2-dev libplist-dev libcmocka-dev libmicrohttpd-dev libssl-dev
redis-server redis-tools caddy tmux jq procps psmisc curl netcat-openbsd python3 python3-jsonschema bsdutils openssl libplist-utils
clang libclang-rt-14-dev libxml2-utils valgrind monitoring-plugins-basic time git man-db gdb
prometheus chromium zsh"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "topo needs these Debian packages:$missing" >&2
	echo "run: sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "topo: installing Debian packages:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
# Debian starts redis-server as a service on install; tests start their own.
if command -v systemctl >/dev/null 2>&1; then
	systemctl disable --now redis-server caddy >/dev/null 2>&1 || true
fi
