#!/bin/sh
# Installs the Debian/Ubuntu packages tarmac needs to build and test, when they are missing.
# On other systems it prints the package names and exits non-zero if something is missing.
# Usage: scripts/deps.sh [--check]   (--check only reports, never installs)
set -u

# pkg-config name / header-or-command check : Debian package
PKGS="
pkg-config
libncurses-dev
libcurl4-openssl-dev
libssl-dev
libjson-c-dev
libyaml-dev
libexpat1-dev
libmicrohttpd-dev
libcmocka-dev
clang
libclang-rt-14-dev
tmux
ncurses-term
curl
"

missing=""
if command -v dpkg-query >/dev/null 2>&1; then
    for p in $PKGS; do
        st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
        case "$st" in *"install ok installed"*) ;; *) missing="$missing $p" ;; esac
    done
else
    echo "deps: not a Debian/Ubuntu system; install the equivalents of:" >&2
    echo "  $PKGS" | tr '\n' ' ' >&2; echo >&2
    echo "  (ncursesw, libcurl, OpenSSL 3, json-c, libyaml, expat, libmicrohttpd, cmocka, clang, tmux)" >&2
    for pc in ncursesw libcurl libcrypto json-c yaml-0.1 expat libmicrohttpd cmocka; do
        pkg-config --exists "$pc" 2>/dev/null || { echo "deps: missing pkg-config module $pc" >&2; exit 1; }
    done
    exit 0
fi

[ -z "$missing" ] && exit 0
if [ "${1:-}" = "--check" ]; then
    echo "deps: missing:$missing" >&2
    exit 1
fi
echo "deps: installing:$missing" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# Refresh package lists only when an install from the current lists fails.
if ! $SUDO apt-get install -y --no-install-recommends $missing >/dev/null 2>&1; then
    $SUDO apt-get update -qq || true
    $SUDO apt-get install -y --no-install-recommends $missing || {
        echo "deps: apt-get install failed for:$missing" >&2; exit 1; }
fi
