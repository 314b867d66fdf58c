# lib.sh — helpers for the tmux-driven console tests: a simulator on a free port,
# the console in a private tmux server of a fixed size, bounded waits on the
# screen, TAP output. Sourced by tests/tui/test_*.sh (POSIX sh).
#
# Environment: TARMAC_BIN (the binary under test), TARMAC_TOP (the repo),
# TARMAC_UPDATE_FIXTURES=1 rewrites the screen fixtures instead of comparing.

: "${TARMAC_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${TARMAC_BIN:=$TARMAC_TOP/tarmac}"
FIXTURES="$TARMAC_TOP/tests/tui/fixtures"
T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tarmac-tui.XXXXXX")
T_SOCK="tarmac-tui-$$"
T_SESSION=console
T_N=0
T_SIM_PID=""
T_SIM_URL=""
T_SIM_WHY=""
# The demo scenario's keys (sim/scenarios/demo.yaml).
T_AKID=AKIASIMDEMO000000001
T_SECRET=sim/demo/secret/key/0000000000000000000
T_SIM_HDR="$T_DIR/sim-token.hdr"   # the control token as a header, for curl -H @file

tmux_() { tmux -L "$T_SOCK" -f /dev/null "$@"; }

t_cleanup() {
    tmux_ kill-server >/dev/null 2>&1
    [ -n "$T_SIM_PID" ] && kill "$T_SIM_PID" 2>/dev/null && wait "$T_SIM_PID" 2>/dev/null
    rm -rf "$T_DIR"
}
trap t_cleanup EXIT INT TERM

ok()      { T_N=$((T_N + 1)); echo "ok $T_N - $1"; }
not_ok()  { T_N=$((T_N + 1)); echo "not ok $T_N - $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/# /'; }
skip()    { T_N=$((T_N + 1)); echo "not ok $T_N - $1 # SKIP $2"; }
check()   { # description, then a command; ok when it succeeds
    d=$1; shift
    if "$@"; then ok "$d"; else not_ok "$d" "$(screen | head -n 60)"; fi
}

# Starts `tarmac sim` on a free port with the scenario $1 (default demo). Sets
# T_SIM_URL and the control token's header file (T_SIM_HDR), or T_SIM_WHY when it
# cannot start.
sim_start() {
    scenario=${1:-demo}
    if [ -n "$T_SIM_PID" ]; then kill "$T_SIM_PID" 2>/dev/null; wait "$T_SIM_PID" 2>/dev/null; fi
    T_SIM_PID="" T_SIM_URL=""
    : > "$T_DIR/sim.out"
    "$TARMAC_BIN" sim --port 0 --scenario "$scenario" --speed 10 --seed 1 \
        > "$T_DIR/sim.out" 2> "$T_DIR/sim.err" &
    T_SIM_PID=$!
    i=0
    while [ $i -lt 50 ]; do
        token=$(sed -n 's/^control token: \([^ ]*\)$/\1/p' "$T_DIR/sim.out")
        if [ -n "$token" ]; then
            T_SIM_URL=$(sed -n 's/^listening on \(http:\/\/127\.0\.0\.1:[0-9][0-9]*\).*/\1/p' "$T_DIR/sim.out")
            printf 'X-Tarmac-Sim-Token: %s\n' "$token" > "$T_SIM_HDR"
            [ -n "$T_SIM_URL" ] && return 0
            break
        fi
        kill -0 "$T_SIM_PID" 2>/dev/null || break
        sleep 0.1; i=$((i + 1))
    done
    T_SIM_WHY="tarmac sim did not start: $(head -c 200 "$T_DIR/sim.err" | tr '\n' ' ')"
    T_SIM_PID=""
    return 1
}

# The simulator's control API, with its token (from a file: not in curl's argv).
sim_post() { # path, json body
    curl -s -m 5 -X POST -H @"$T_SIM_HDR" -H 'Content-Type: application/json' --data "$2" "$T_SIM_URL$1" > /dev/null
}
sim_get() { # path; the answer on stdout
    curl -s -m 5 -H @"$T_SIM_HDR" "$T_SIM_URL$1"
}

# asg_call ACTION NAME=VALUE...: an Auto Scaling call (Query protocol) to the
# simulator, signed by curl's SigV4 with the demo keys, so that a request does not
# depend on what the installed botocore's model knows. The answer goes to stdout.
asg_call() {
    action=$1; shift
    n=$#
    for a in "$@"; do set -- "$@" --data-urlencode "$a"; done
    shift "$n"
    curl -s -m 10 --fail-with-body --aws-sigv4 "aws:amz:us-east-1:autoscaling" --user "$T_AKID:$T_SECRET" \
        --data-urlencode "Action=$action" --data-urlencode "Version=2011-01-01" "$@" "$T_SIM_URL/"
}

# Starts the console: $1 = WxH, then extra environment assignments and flags
# (ENV=... words first). The screen is the tmux pane.
console_start() {
    size=$1; shift
    envs="" flags=""
    for a in "$@"; do
        case $a in *=*) case $a in --*) flags="$flags $a" ;; *) envs="$envs $a" ;; esac ;; *) flags="$flags $a" ;; esac
    done
    console_quit
    tmux_ kill-server >/dev/null 2>&1
    i=0
    while tmux_ has-session 2>/dev/null && [ $i -lt 20 ]; do sleep 0.1; i=$((i + 1)); done
    mkdir -p "$T_DIR/home"
    cat > "$T_DIR/run.sh" <<EOS
#!/bin/sh
export HOME='$T_DIR/home' TZ=UTC LANG=C.UTF-8 LC_ALL= TERM=xterm-256color
unset NO_COLOR AWS_PROFILE AWS_DEFAULT_PROFILE
export AWS_ACCESS_KEY_ID=$T_AKID
export AWS_SECRET_ACCESS_KEY=$T_SECRET
export AWS_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
env $envs '$TARMAC_BIN' --endpoint-url '$T_SIM_URL' $flags 2> '$T_DIR/console.err'
echo "CONSOLE-EXIT \$?"
sleep 60
EOS
    w=${size%x*} h=${size#*x}
    # A server that is still shutting down can refuse the new session: retry.
    for attempt in 1 2 3 4 5; do
        tmux_ new-session -d -s "$T_SESSION" -x "$w" -y "$h" "sh '$T_DIR/run.sh'" 2>/dev/null &&
            tmux_ has-session -t "$T_SESSION" 2>/dev/null && return 0
        sleep 0.2
    done
    return 1
}

# Quits the running console with q (if any) and records its exit status in
# $T_DIR/exits, so a sanitizer report at exit (status 99) is caught. While a plan
# runs or a deploy is watched, q asks first: y answers it.
console_quit() {
    tmux_ has-session -t "$T_SESSION" 2>/dev/null || return 0
    if ! screen | grep -q "CONSOLE-EXIT"; then
        keys Escape Escape q
        i=0
        while [ $i -lt 100 ] && ! screen | grep -q "CONSOLE-EXIT"; do
            screen | grep -qF "y: quit    any other key: stay" && keys y
            sleep 0.1; i=$((i + 1))
        done
    fi
    screen | sed -n 's/.*CONSOLE-EXIT \([0-9]*\).*/\1/p' | head -n 1 >> "$T_DIR/exits"
}

screen()   { tmux_ capture-pane -p -t "$T_SESSION" 2>/dev/null; }
screen_e() { tmux_ capture-pane -p -e -t "$T_SESSION" 2>/dev/null; }
keys()     { tmux_ send-keys -t "$T_SESSION" "$@"; }
text()     { tmux_ send-keys -t "$T_SESSION" -l "$1"; }

# wait_for TEXT [SECONDS]: polls the screen (fixed strings) until TEXT shows.
wait_for() {
    limit=$(( ${2:-10} * 10 )) i=0
    while [ $i -lt $limit ]; do
        screen | grep -qF -- "$1" && return 0
        sleep 0.1; i=$((i + 1))
    done
    return 1
}
# wait_gone TEXT [SECONDS]
wait_gone() {
    limit=$(( ${2:-10} * 10 )) i=0
    while [ $i -lt $limit ]; do
        screen | grep -qF -- "$1" || return 0
        sleep 0.1; i=$((i + 1))
    done
    return 1
}

# Masks what changes from run to run: the clock, the simulator's port (an
# ephemeral one: always 5 digits), ages and the border dashes that shift with an
# age's width.
mask() {
    sed -e 's/[0-9][0-9]:[0-9][0-9] UTC/HH:MM UTC/' \
        -e 's/ENDPOINT 127\.0\.0\.1:[0-9][0-9]*/ENDPOINT 127.0.0.1:PORT/' \
        -e 's/[-─]*\( STALE\)\{0,1\} \(\(≤\|<=\)\{0,1\}[0-9][0-9]*[smhd]\|loading\) \([+┐]\)/-\1 # \4/g' \
        -e 's/  *[0-9][0-9]*[smhd]\([ |│]\)/ #\1/g' \
        -e 's/  *[0-9][0-9]*[smhd]\([ |│]\)/ #\1/g'
}

# compare_fixture NAME: the masked screen against tests/tui/fixtures/NAME.txt.
compare_fixture() {
    screen | mask > "$T_DIR/$1.txt"
    if [ "${TARMAC_UPDATE_FIXTURES:-0}" = 1 ]; then
        cp "$T_DIR/$1.txt" "$FIXTURES/$1.txt"
        return 0
    fi
    [ -f "$FIXTURES/$1.txt" ] || { echo "# missing fixture $1.txt"; return 1; }
    if ! diff -u "$FIXTURES/$1.txt" "$T_DIR/$1.txt" > "$T_DIR/$1.diff"; then
        sed 's/^/# /' "$T_DIR/$1.diff" | head -n 40
        return 1
    fi
}

# True when this tarmac has no console (it printed its usage and exited).
console_missing() {
    grep -q '^usage: tarmac' "$T_DIR/console.err" 2>/dev/null && screen | grep -q 'CONSOLE-EXIT 2'
}
