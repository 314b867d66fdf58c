#!/bin/sh
# Installs the Debian/Ubuntu packages tarmac needs to build and test, when they are missing.
# On other systems it prints the package names and exits non-zero if something is missing.
# Usage: scripts/deps.sh [--check]   (--check only reports, never installs)
#
# The build and the C tests: a package each, checked by its dpkg name. What the
# conformance and console tests run (python3 with boto3 and PyYAML, the AWS CLI) is
# checked by what works instead, so a machine with its own Python, boto3 or AWS CLI
# outside dpkg gets no second, older copy beside them. moto is not packaged by
# Debian: the tests that need it say they were skipped.
set -u

# gcc is the compiler `make` uses (cc); clang and its runtime build the fuzz targets
# and the clang build; clang-format checks the layout of the sources (CI). procps: ps and pgrep, which the console tests use.
PKGS="
pkg-config
gcc
libc6-dev
libncurses-dev
libcurl4-openssl-dev
libssl-dev
libjson-c-dev
libyaml-dev
libexpat1-dev
libmicrohttpd-dev
libcmocka-dev
clang
clang-format
libclang-rt-14-dev
tmux
ncurses-term
curl
procps
"

missing=""
if command -v dpkg-query >/dev/null 2>&1; then
    for p in $PKGS; do
        st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
        case "$st" in *"install ok installed"*) ;; *) missing="$missing $p" ;; esac
    done
    # By capability, not by dpkg name (see above).
    command -v python3 >/dev/null 2>&1 || missing="$missing python3"
    python3 -c 'import boto3' >/dev/null 2>&1 || missing="$missing python3-boto3"
    python3 -c 'import yaml' >/dev/null 2>&1 || missing="$missing python3-yaml"
    command -v aws >/dev/null 2>&1 || missing="$missing awscli"
else
    echo "deps: not a Debian/Ubuntu system; install the equivalents of:" >&2
    echo "  $PKGS" | tr '\n' ' ' >&2; echo >&2
    echo "  (a C17 compiler, ncursesw, libcurl, OpenSSL 3, json-c, libyaml, expat, libmicrohttpd, cmocka," >&2
    echo "   clang, tmux, ps; for the tests python3 with boto3 and PyYAML, the AWS CLI, moto)" >&2
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
