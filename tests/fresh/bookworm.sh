#!/bin/sh
# bookworm.sh — README's two commands on a fresh Debian 12 (bookworm): a minimal
# system from debootstrap with only make and ca-certificates added, a clean clone of
# this repository's HEAD in it (and ../shared beside it when the repository has one:
# the tests read ../shared/testdata), then, as root there, `make check`, and
# `make demo` in tmux until the console shows the demo's instances and quits on q.
# Needs root, debootstrap, git and the network; too slow and too privileged for
# `make check` or CI. Prints make check's summary line, what was skipped and why, and
# how long each step took; every log stays in DIR. Exit status 0 when both worked.
#
# Usage: tests/fresh/bookworm.sh DIR [MIRROR]
#   DIR     a new or empty directory; the system is built in DIR/root
#   MIRROR  a Debian mirror URL (default: the first bookworm one of this host's apt sources)
set -eu

die() { echo "bookworm.sh: $*" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: $0 DIR [MIRROR]"
[ "$(id -u)" = 0 ] || die "run as root (debootstrap, chroot, mount)"
command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install debootstrap)"
command -v git >/dev/null || die "git is not installed"

top=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$1"
dir=$(cd "$1" && pwd)
root=$dir/root
[ -z "$(ls -A "$dir")" ] || die "$dir is not empty"

# The bookworm mirrors of this host's apt sources, one-line and deb822 styles.
host_mirrors() {
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] && sed -n 's/^deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]\{1,\}\)\{0,1\}\([^[:space:]]\{1,\}\)[[:space:]]\{1,\}bookworm[[:space:]].*/\2/p' "$f"
    done
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        { cat "$f"; echo; } | {
            uris="" suites=""
            while IFS= read -r line; do
                case $line in
                    URIs:*) uris=${line#URIs:} ;;
                    Suites:*) suites=" ${line#Suites:} " ;;
                    "") case $suites in *[[:space:]]bookworm[[:space:]]*) printf '%s\n' $uris ;; esac
                        uris="" suites="" ;;
                esac
            done
        }
    done
}
mirror=${2:-$(host_mirrors | head -n 1)}
[ -n "$mirror" ] || die "no bookworm mirror in this host's apt sources: give one as MIRROR"

commit=$(git -C "$top" rev-parse HEAD)
[ -z "$(git -C "$top" status --porcelain --untracked-files=no)" ] ||
    echo "note: uncommitted changes are not in the clone (it is $commit)"

mounted=""
cleanup() {
    # Whatever still runs inside (a simulator, a tmux server) is stopped before unmounting.
    for p in /proc/[0-9]*; do
        [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && kill "${p#/proc/}" 2>/dev/null
    done
    sleep 1
    for m in $mounted; do umount "$m" 2>/dev/null || umount -l "$m"; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { printf '== %s\n' "$*"; }
t0=$(date +%s)
since() { echo "$(( $(date +%s) - $1 ))s"; }

step "debootstrap --variant=minbase bookworm $root $mirror"
debootstrap --variant=minbase bookworm "$root" "$mirror" > "$dir/debootstrap.log" 2>&1 ||
    { tail -n 20 "$dir/debootstrap.log"; die "debootstrap failed (log: $dir/debootstrap.log)"; }
mnt() { # type, options, where (unmounted in reverse order at exit)
    mount -t "$1" -o "$2" "$1" "$3" || die "mount -t $1 $3 failed"
    mounted="$3 $mounted"
}
# /proc for ps and the tests, a pty instance of its own for tmux, /dev/shm.
mnt proc defaults "$root/proc"
mnt devpts newinstance,ptmxmode=0666 "$root/dev/pts"
mnt tmpfs mode=1777 "$root/dev/shm"
[ -L "$root/dev/ptmx" ] || { rm -f "$root/dev/ptmx"; ln -s pts/ptmx "$root/dev/ptmx"; }
cp /etc/resolv.conf "$root/etc/resolv.conf"

# What a root shell on the new system has: no variables of this one.
inside() {
    chroot "$root" /usr/bin/env -i HOME=/root TERM=xterm \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin /bin/bash -lc "$1"
}

step "apt-get install make ca-certificates"
inside 'export DEBIAN_FRONTEND=noninteractive; apt-get update -qq &&
        apt-get install -y -qq --no-install-recommends make ca-certificates' > "$dir/apt.log" 2>&1 ||
    { tail -n 20 "$dir/apt.log"; die "apt-get failed (log: $dir/apt.log)"; }

step "clone $commit to /src/tarmac"
git clone -q --no-hardlinks "$top" "$root/src/tarmac"
git -C "$root/src/tarmac" checkout -q "$commit"
[ -d "$top/../shared" ] && cp -a "$top/../shared" "$root/src/shared"
echo "   (fresh: $(since "$t0"))"

step "make check"
t1=$(date +%s)
check_rc=0
inside 'cd /src/tarmac && make check' > "$dir/check.log" 2>&1 || check_rc=$?
check_time=$(since "$t1")
grep -E ' FAIL |^failed suites|^ +[0-9]+ skipped: ' "$dir/check.log" || true
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$dir/check.log" | tail -n 1)
echo "   ${summary:-no summary line (log: $dir/check.log)}  (exit $check_rc, $check_time)"

step "make demo (in tmux, until the console shows the demo's instances; then q)"
t2=$(date +%s)
cat > "$root/root/demo-check.sh" <<'EOS'
cd /src/tarmac
tmux_() { tmux -L demo -f /dev/null "$@"; }
shown() { tmux_ capture-pane -p -t demo 2>/dev/null | grep -qF "$1"; }
tmux_ new-session -d -s demo -x 160 -y 48 "make demo; echo DEMO-EXIT \$?; sleep 600"
i=0   # the build, when make check did not run before: up to 10 minutes
while ! shown InService && ! shown DEMO-EXIT && [ $i -lt 1200 ]; do sleep 0.5; i=$((i + 1)); done
tmux_ capture-pane -p -t demo > /root/demo-screen.txt
shown InService || { tmux_ kill-server; exit 1; }
tmux_ send-keys -t demo q
i=0
while ! shown DEMO-EXIT && [ $i -lt 40 ]; do sleep 0.5; i=$((i + 1)); done
tmux_ capture-pane -p -t demo > /root/demo-exit.txt
tmux_ kill-server
grep -q "DEMO-EXIT 0" /root/demo-exit.txt
EOS
demo_rc=0
inside 'sh /root/demo-check.sh' > "$dir/demo.log" 2>&1 || demo_rc=$?
cp "$root/root/demo-screen.txt" "$root/root/demo-exit.txt" "$dir/" 2>/dev/null || true
if [ $demo_rc -eq 0 ]; then
    echo "   the console showed the demo's instances and quit on q with exit 0 ($(since "$t2"))"
else
    sed 's/^/   | /' "$dir/demo-screen.txt" 2>/dev/null | head -n 30
    echo "   make demo did not show the console, or did not quit cleanly (screens in $dir)"
fi

echo "== total $(since "$t0"); logs in $dir"
[ $check_rc -eq 0 ] && [ -n "$summary" ] && [ $demo_rc -eq 0 ]
