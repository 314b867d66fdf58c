#!/bin/sh
# test_text.sh — text that matters is never cut, driven in tmux against `tarmac sim`
# at 80x24, 120x40 and 200x50: a failed refresh's whole StatusReason in the detail
# view (wrapped under its key where the line is too short) and wrapped in the Refresh
# pane, the Activity cause without AWS's leading "At <time>", a list's scroll
# position and row count on its border (before and after G), and at 80 columns the
# header's user and a long status message wrapped whole. TAP output.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

PLAN=20
echo "1..$PLAN"

skip_all() {
    while [ $T_N -lt $PLAN ]; do skip "text test $((T_N + 1))" "$1"; done
    exit 0
}

command -v tmux > /dev/null || skip_all "tmux is not installed"
command -v curl > /dev/null || skip_all "curl is not installed"
[ -x "$TARMAC_BIN" ] || skip_all "no tarmac binary at $TARMAC_BIN"

# A refresh that fails with a long reason: it watches an alarm with a long name,
# which then goes into ALARM ("Instance refresh failed because alarm NAME went
# into ALARM state.", about 125 characters).
ALARM=web-unhealthy-hosts-behind-the-public-load-balancer-in-us-east-1
REASON="Instance refresh failed because alarm $ALARM went into ALARM state."
sed -e "s/- name: web-unhealthy-hosts/- name: $ALARM/" "$TARMAC_TOP/sim/scenarios/demo.yaml" > "$T_DIR/long.yaml"
sim_start "$T_DIR/long.yaml" || skip_all "$T_SIM_WHY"
sim_has() { sim_get /_sim/state | grep -q "\"status\":\"$1\""; }
wait_sim() { # status [seconds]
    i=0
    while [ $i -lt $(( ${2:-20} * 5 )) ]; do sim_has "$1" && return 0; sleep 0.2; i=$((i + 1)); done
    return 1
}
asg_call StartInstanceRefresh AutoScalingGroupName=web-asg Preferences.SkipMatching=false \
    "Preferences.AlarmSpecification.Alarms.member.1=$ALARM" > "$T_DIR/start.out" 2>&1
# Into ALARM once the refresh runs (before, the alarm's own evaluation may set it back).
wait_sim InProgress 30 || skip_all "the refresh did not start: $(head -c 200 "$T_DIR/start.out")"
sim_post /_sim/alarm "{\"name\":\"$ALARM\",\"state\":\"ALARM\"}"
wait_sim Failed 30 || skip_all "the refresh did not fail"

# The detail view's StatusReason: its lines (the first after the key, the rest
# indented under it) joined without spaces, and how many lines it took.
detail_reason() {
    screen | sed -e 's/^[│|] \{0,1\}//' -e 's/ *[│|]$//' | awk '
        /^StatusReason / { sub(/^StatusReason +/, ""); v = $0; n = 1; on = 1; next }
        on && /^                                 [^ ]/ { sub(/^ +/, ""); v = v $0; n++; next }
        { on = 0 }
        END { gsub(/ /, "", v); print n " " v }'
}
want_joined=$(printf '%s' "$REASON" | tr -d ' ')

for size in 80x24 120x40 200x50; do
    console_start "$size" --repo web
    wait_for "i-0" 15
    keys 5
    wait_for "Failed" 20
    keys Enter
    wait_for "StatusReason" 5
    got=$(detail_reason)
    lines=${got%% *} joined=${got#* }
    check "$size: the detail view shows the failed refresh's whole reason" [ "$joined" = "$want_joined" ]
    case $size in
    200x*) check "$size: the reason fits on the key's line" [ "$lines" = 1 ] ;;
    *) check "$size: the reason wraps under its key ($lines lines), never cut" [ "$lines" -gt 1 ] ;;
    esac
    keys Escape
    wait_gone "StatusReason" 5
    # The Refresh pane: "Reason:" and its next line indented under the text.
    pane_reason_ok() {
        screen | sed -e 's/^[│|]//' | awk '
            /^Reason: Instance refresh failed/ { r = NR }
            r && NR == r + 1 && /^        [^ ]/ { ok = 1 }
            END { exit ok ? 0 : 1 }'
    }
    check "$size: the Refresh pane wraps the reason onto a second line" pane_reason_ok
    keys 6
    cause_ok() {
        case $size in
        # CAUSE has 10 columns at 80 (a tab) and at 120 (the six-pane layout's half-width pane)
        80x*|120x*) wait_for "an instan" 10 ;;
        *) wait_for "an instance was started" 10 ;;   # the wide layout's half-width pane
        esac || return 1
        ! screen | grep -qE "At 20[0-9][0-9]-[0-9][0-9]-"
    }
    check "$size: Activity shows the cause without its leading time" cause_ok
    # The selected row's cut cause, whole, under the rows (CAUSE: ... wrapped).
    cause_whole_ok() {
        screen | sed -e 's/^[│|]//; s/[│|]$//' | tr -s ' ' | tr -d '\n' |
            grep -qE "CAUSE: an instance was (started|taken out of service|terminated)[^:]*(capacity|health|refresh)"
    }
    check "$size: the selected activity's cut cause shows whole under the rows" cause_whole_ok
    if [ "$size" = 80x24 ]; then
        head_ok() { screen | head -n 1 | grep -qF "user/demo-operator"; }
        check "$size: the header keeps the user when room is short" head_ok
        keys :; text "frobnicate"; keys Enter
        msg_ok() {
            wait_for "unknown command 'frobnicate'" 5 &&
                screen | tail -n 3 | tr -d '\n' | grep -qF "promote, q)"
        }
        check "$size: a long status message wraps, whole" msg_ok
    fi
done
console_quit

# ---- a list longer than its pane: where it is scrolled, and how many rows ----
sim_start large || skip_all "$T_SIM_WHY"
for size in 80x24 120x40 200x50; do
    console_start "$size"
    wait_for "i-0" 30
    keys 2
    top_ok() { wait_for "i-0" 5 && screen | grep -qE "─ 1-[0-9]+/50 ─"; }
    keys G
    bottom_ok() {
        i=0
        while [ $i -lt 30 ]; do
            screen | grep -qE "─ ([2-9]|[1-4][0-9])-50/50 ─" && return 0
            sleep 0.1; i=$((i + 1))
        done
        return 1
    }
    check "$size: after G the Instances border says which rows show of the 50" bottom_ok
    keys g
    check "$size: at the top again the border says 1-N/50" top_ok
done
console_quit

# A sanitizer report at exit (status 99) would show here.
if [ -s "$T_DIR/exits" ] && grep -qv '^0$' "$T_DIR/exits"; then
    echo "# console exit statuses: $(tr '\n' ' ' < "$T_DIR/exits")"
    exit 1
fi
