#!/bin/sh
# test_console.sh — the console driven in tmux against `tarmac sim`: every pane
# fills, focus / filter / detail / help / command line / themes, resizing, keys
# under 2 s of latency, a failing simulator (STALE, then recovery), hostile text
# from AWS, NO_COLOR and LANG=C screens, and screen fixtures. TAP output.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

PLAN=45
echo "1..$PLAN"

skip_all() {
    while [ $T_N -lt $PLAN ]; do skip "console test $((T_N + 1))" "$1"; done
    exit 0
}

command -v tmux > /dev/null || skip_all "tmux is not installed"
command -v curl > /dev/null || skip_all "curl is not installed"
[ -x "$TARMAC_BIN" ] || skip_all "no tarmac binary at $TARMAC_BIN"
sim_start demo || skip_all "$T_SIM_WHY"

# ---- a healthy simulator, a wide terminal ----
console_start 220x60 --repo web
start=$(date +%s%N)
if ! wait_for "Launching a new EC2 instance" 10; then
    console_missing && skip_all "this tarmac has no console yet (no command prints usage)"
fi
filled() {
    s=$(screen)
    for want in "123456789012" "web-asg" "i-0" "InService" "web-tg" "healthy" "LIVE" "STABLE" \
                "No instance refresh" "Launching a new EC2 instance"; do
        printf '%s' "$s" | grep -qF -- "$want" || { echo "# missing: $want"; return 1; }
    done
}
check "startup fills every pane from a healthy simulator" filled
echo "# time to a full screen: $(( ($(date +%s%N) - start) / 1000000 )) ms (upper bound: polled)"

keys 2
check "2 focuses Instances (its keys in the status line)" wait_for "s ssm shell" 3
keys 1
check "1 focuses Groups again" wait_for "j down" 3

keys 4 /; text prod; keys Enter
# prod's commit tag (2f4a8c6) comes with it; the title counts what is shown.
filter_ok() {
    wait_for "/prod: 4 shown" 3 && wait_gone "8a3c1f9" 3 && screen | grep -qF "prod-stable" &&
        screen | grep -qF "2f4a8c6"
}
check "/ filters the focused pane (Images)" filter_ok
keys Escape
check "Esc clears the filter" wait_for "8a3c1f9" 3

keys 2 Enter
detail_ok() { wait_for "PrivateIpAddress" 3 && wait_for "LaunchTemplate.Version" 1; }
check "Enter opens the detail view with every field" detail_ok
view_keys_ok() { s=$(screen | tail -n 1); case $s in *"/ filter"*"y copy id"*"Esc back"*) ! echo "$s" | grep -q "Enter detail" ;; *) echo "# $s"; return 1 ;; esac; }
check "the status line shows the detail view's keys, not the pane's" view_keys_ok
keys Escape
check "Esc closes the detail view" wait_gone "PrivateIpAddress" 3

keys '?'
help_ok() { wait_for "ssm_shell" 3 && wait_for "focus_next" 1 && wait_for "theme T" 1; }
check "? shows help generated from the keymap" help_ok
keys Escape

# The command word completes from the command table (cli/commands.c), in its order.
keys :; keys Tab
check ": Tab offers the command table's commands" \
    wait_for "asg repo app apps region profile theme deploy deploy-lt rollback cancel promote ..." 3
text de; keys Tab
check ": Tab narrows to the table's commands with that prefix" wait_for ":deploy  deploy deploy-lt" 3
keys Escape

keys :; text as; keys Tab
complete_ok() { wait_for ":asg" 3; }
check ": completes command names with Tab" complete_ok
text api; keys Tab
check "Tab completes group names" wait_for ":asg api-asg" 3
keys Enter
check ":asg switches the watched group" wait_for "api-tg" 10
keys :; text "asg api-agz"; keys Enter
asg_typo_ok() { wait_for "no Auto Scaling group named 'api-agz' among the" 10 && wait_for "still on api-asg" 1 &&
                wait_for "api-tg" 3; }
check ":asg with a name the region lacks is refused and the view stays on its group" asg_typo_ok

keys :; text "theme light"; keys Enter
theme_ok() { wait_for "theme light" 3 && { keys :; text "theme nosuch"; keys Enter; wait_for "no theme named 'nosuch'" 3; }; }
check ":theme switches themes live (and names a missing one)" theme_ok

tmux_ resize-window -t "$T_SESSION" -x 80 -y 24
narrow_ok() { wait_for "3 Targets" 3 && wait_for "4 Images" 1 && wait_for "2 Instances" 1 && wait_for "api-asg" 1; }
check "80x24 folds the bottom panes into tabs" narrow_ok
tmux_ resize-window -t "$T_SESSION" -x 70 -y 20
check "below 80x24 a plain notice" wait_for "terminal too small (need 80x24" 3
tmux_ resize-window -t "$T_SESSION" -x 220 -y 60
wide_ok() { wait_for "6 Activity" 3 && wait_for "5 Refresh" 1 && wait_gone "terminal too small" 1; }
check "220x60 shows all six panes" wide_ok

# ---- NO_COLOR, keys under latency, a failing simulator ----
sim_start demo || skip_all "$T_SIM_WHY"
# A PATH with an `aws` but no session-manager-plugin, for the SSM shell's check.
mkdir -p "$T_DIR/bin"
printf '#!/bin/sh\necho should not run > "%s/aws-ran"\n' "$T_DIR" > "$T_DIR/bin/aws"
chmod +x "$T_DIR/bin/aws"
console_start 100x30 NO_COLOR=1 PATH="$T_DIR/bin" --repo web
wait_for "Launching a new EC2 instance" 10
wait_for "i-0" 5
sleep 0.3
check "100x30 screen matches its fixture" compare_fixture main_100x30
keys '?'
wait_for "ssm_shell" 3
check "the help screen matches its fixture" compare_fixture help_100x30
keys Escape
keys @
log_ok() { wait_for "DescribeAutoScalingGroups" 3 && wait_for "DescribeTargetHealth" 1 && wait_for "OPERATION" 1; }
check "@ shows the API call log" log_ok
keys /; text "TargetHealth"; keys Enter
log_filter_ok() { wait_gone "DescribeAutoScalingGroups" 3 && wait_for "DescribeTargetHealth" 1; }
check "/ in the API log keeps the calls that match" log_filter_ok
keys Enter
log_detail_ok() {
    wait_for "API call · DescribeTargetHealth" 3 && wait_for "TargetGroupArn=arn:aws:elasticloadbalancing:" 1 &&
        wait_for "no: read-only" 1 && wait_for "RequestId" 1
}
check "Enter on a call shows the whole request: its parameters, status and ids" log_detail_ok
keys Escape
check "Esc from a call's detail goes back to the log" wait_for "API calls, newest first" 3
keys /; keys C-u; keys Enter
keys Escape
# No cell of the log may stay behind in the next view: every line of the help's
# box starts with its border and a blank (the log's rows began in that column).
keys '?'
wait_for "ssm_shell" 3
no_leftover_ok() {
    screen | sed -n '3,28p' | grep -v '^│ ' | grep -q . && { screen | sed -n '3,28p' | grep -v '^│ ' | head -3 | sed 's/^/# /'; return 1; }
    return 0
}
check "@, Esc, ?: nothing of the API log is left in the next view's columns" no_leftover_ok
keys Escape
keys @
wait_for "API calls, newest first" 3
keys Escape 4 d
wait_for "Run this plan?" 10
check "@, Esc, d: nothing of the API log is left in the plan dialog's columns" no_leftover_ok
keys Escape
wait_gone "Run this plan?" 5
keys 3   # Targets back in front of the tabs, as the checks below expect
keys '?'
wait_for "ssm_shell" 3
keys /; text "rollback"; keys Enter
help_search_ok() { wait_for "Lines holding 'rollback'" 3 && ! screen | grep -qF "ssm_shell"; }
check "/ in help keeps the lines holding the word" help_search_ok
keys Escape
keys 2 s
ssm_ok() { wait_for "session-manager-plugin is not on PATH; nothing was run" 3 && [ ! -e "$T_DIR/aws-ran" ]; }
check "s without the Session Manager plugin: a clear message, nothing run" ssm_ok
keys 1 2 y
check "y copies the selected id (OSC 52)" wait_for "copied i-0" 3
# Mouse (SGR reports, as xterm sends them): a click on the Groups pane's second
# row focuses Groups and selects api-asg; the other panes follow it.
keys Escape
tmux_ send-keys -t "$T_SESSION" -l "$(printf '\033[<0;5;5M')"
tmux_ send-keys -t "$T_SESSION" -l "$(printf '\033[<0;5;5m')"
check "a click focuses a pane and selects the row (and drives the others)" wait_for "api-tg" 10
no_color_ok() { ! screen_e | grep -qE "$(printf '\033')\\[([0-9;]*;)?(3[0-8]|4[0-8]|9[0-7]|10[0-7])(;[0-9;]*)?m"; }
check "NO_COLOR: attributes only, no colour" no_color_ok

selected_line() { screen_e | grep -n "$(printf '\033')\\[[0-9;]*7[;m].*i-0" | head -n 1 | cut -d: -f1; }
latency_ok() {
    sim_post /_sim/faults '{"rules":[{"operation":"*","latency_ms":2000}]}' || return 1
    keys r 2
    sleep 0.3
    before=$(selected_line)
    [ -n "$before" ] || { echo "# no selected instance row"; return 1; }
    t0=$(date +%s%N)
    keys j
    i=0
    while [ $i -lt 20 ]; do
        now=$(selected_line)
        if [ -n "$now" ] && [ "$now" != "$before" ]; then
            echo "# selection moved after $(( ($(date +%s%N) - t0) / 1000000 )) ms with 2 s latency"
            return 0
        fi
        sleep 0.05; i=$((i + 1))
    done
    return 1
}
check "with 2 s latency on every call the selection moves at once" latency_ok

stale_ok() {
    sim_post /_sim/faults '{"rules":[{"operation":"*","error_5xx_rate":1.0}]}' || return 1
    keys r
    wait_for "STALE" 20 && screen | grep -qF "i-0" && screen | grep -qE "InternalFailure|ServiceUnavailable|500|503"
}
check "a failing simulator: STALE marks and the error, data kept" stale_ok
recover_ok() {
    sim_post /_sim/faults '{"rules":[]}' || return 1
    keys r
    wait_gone "STALE" 20
}
check "the data comes back when the simulator recovers" recover_ok
partly_ok() {
    sim_post /_sim/faults '{"rules":[{"operation":"DescribeInstances","error_5xx_rate":1.0}]}' || return 1
    keys r
    # EC2 details failing while the group's rows keep coming: named, not a STALE pane.
    wait_for "ec2 stale" 20 && ! screen | grep -q "STALE"
}
check "a failing secondary set is named on the pane (ec2 stale), not STALE" partly_ok
sim_post /_sim/faults '{"rules":[]}'
keys r
wait_gone "ec2 stale" 20

# ---- hostile text from AWS ----
sed -e 's/- { tags: \[e5d1f0c\], layers/- { tags: ["\\e]0;pwned\\a\\e[2Jevil"], layers/' \
    -e 's/- name: web-unhealthy-hosts/- name: "web\\e]0;pwned2\\a\\e[2J\\x9b31malarm"/' \
    "$TARMAC_TOP/sim/scenarios/demo.yaml" > "$T_DIR/hostile.yaml"
if sim_start "$T_DIR/hostile.yaml"; then
    console_start 100x30 --repo web
    wait_for "i-0" 10
    keys 4
    title_before=$(tmux_ display-message -p -t "$T_SESSION" '#{pane_title}')
    inert_ok() {
        wait_for '\e]0;pwned\x07\e[2Jevil' 10 || return 1
        title=$(tmux_ display-message -p -t "$T_SESSION" '#{pane_title}')
        [ "$title" = "$title_before" ] || { echo "# title became: $title"; return 1; }
        case $title in *pwned*) return 1 ;; esac
        screen | grep -qF "web-asg"      # ESC[2J did not clear the screen
    }
    check "ESC]0;pwned BEL and ESC[2J show as inert text, the title is unchanged" inert_ok
    # The same bytes in a refresh's StatusReason: a refresh watching the hostile
    # alarm fails when it fires, and AWS's reason names the alarm. XML 1.0 cannot
    # carry C0 controls (they arrive as U+FFFD), but the C1 CSI U+009B it can.
    # (curl, not boto3: an older botocore has no AlarmSpecification and refuses it)
    asg_call StartInstanceRefresh AutoScalingGroupName=web-asg Preferences.SkipMatching=false \
        "Preferences.AlarmSpecification.Alarms.member.1=$(printf 'web\033]0;pwned2\007\033[2J\302\23331malarm')" \
        > "$T_DIR/hostile-refresh.out" 2>&1
    sim_post /_sim/alarm "$(printf '{"name":"web\\u001b]0;pwned2\\u0007\\u001b[2J\\u009b31malarm","state":"ALARM"}')"
    keys 5 r   # r: poll now (a refresh someone else starts shows within one base interval, 30 s)
    reason_ok() {
        wait_for 'pwned2' 15 && wait_for '\u009b31malarm' 5 || { cat "$T_DIR/hostile-refresh.out" | sed 's/^/# /'; return 1; }
        title=$(tmux_ display-message -p -t "$T_SESSION" '#{pane_title}')
        [ "$title" = "$title_before" ] || { echo "# title became: $title"; return 1; }
        screen | grep -qF "web-asg"
    }
    check "a StatusReason with ESC]0; BEL and ESC[2J shows inert, the title unchanged" reason_ok
else
    skip "hostile text" "$T_SIM_WHY"
    skip "hostile StatusReason" "$T_SIM_WHY"
fi

# ---- a refresh waiting at a checkpoint: the bar keeps its width, the ETA says so ----
if sim_start demo; then
    sim_post /_sim/speed '{"speed":50}'
    python3 - "$T_SIM_URL" <<'EOP' > "$T_DIR/checkpoint.out" 2>&1
import sys, boto3
c = boto3.client("autoscaling", endpoint_url=sys.argv[1], region_name="us-east-1",
                 aws_access_key_id="AKIASIMDEMO000000001",
                 aws_secret_access_key="sim/demo/secret/key/0000000000000000000")
for g in ("web-asg", "api-asg"):
    c.start_instance_refresh(AutoScalingGroupName=g, Preferences={
        "SkipMatching": False, "MinHealthyPercentage": 50, "InstanceWarmup": 5,
        "CheckpointPercentages": [50, 100], "CheckpointDelay": 36000})
EOP
    console_start 160x48 --repo web
    keys 5
    checkpoint_ok() {
        wait_for " 50%  elapsed" 60 && wait_for "ETA checkpoint" 5 ||
            { sed 's/^/# /' "$T_DIR/checkpoint.out"; return 1; }
    }
    check "a refresh held at a checkpoint shows ETA checkpoint, not a countdown" checkpoint_ok
    other_ok() {
        i=0
        while [ $i -lt 150 ]; do
            screen | grep -qE 'api-asg +[0-9/]+ +[0-9/]+ +⟳ [0-9]+%' && return 0
            sleep 0.2; i=$((i + 1))
        done
        return 1
    }
    check "Groups shows another group's running refresh (not only the selected one's)" other_ok
else
    skip "checkpoint ETA" "$T_SIM_WHY"
    skip "other group's refresh" "$T_SIM_WHY"
fi

# ---- flags, the SSM shell, switching region ----
sim_start demo || skip_all "$T_SIM_WHY"
mkdir -p "$T_DIR/bin2"
printf '#!/bin/sh\necho "$@" > "%s/aws-args"\n' "$T_DIR" > "$T_DIR/bin2/aws"
printf '#!/bin/sh\nexit 0\n' > "$T_DIR/bin2/session-manager-plugin"
chmod +x "$T_DIR/bin2/aws" "$T_DIR/bin2/session-manager-plugin"
mkdir -p "$T_DIR/home/.config/tarmac"
cat > "$T_DIR/home/.config/tarmac/config.yaml" <<'EOC'
apps:
  web:
    asg: web-asg
    ecr_repository: web
  api:
    asg: api-asg
    ecr_repository: api
keys:
  refresh: R
EOC
console_start 100x30 PATH="$T_DIR/bin2" --asg api-asg --refresh=3 --theme=mono --read-only
flags_ok() {
    wait_for "api-tg" 10 && screen | head -n 1 | grep -qF "api-asg" && screen | head -n 1 | grep -qF "READ-ONLY"
}
check "--asg opens straight onto that group; --read-only shows its badge" flags_ok
keys R
keys_ok() { wait_for "refreshing everything" 3 && wait_for "R refresh" 1; }
check "the config's keys: section rebinds an action (R refreshes)" keys_ok
keys :; text "app web"; keys Enter
app_ok() {
    wait_for "web-tg" 10 && screen | head -n 1 | grep -qF " web web-asg" || return 1
    keys 4
    wait_for "prod-stable" 5
}
check ":app switches to the app's group and repository" app_ok
ssm_run_ok() {
    keys 2
    wait_for "s ssm shell" 3 && keys s || return 1
    wait_for "SSM session ended (exit 0)" 5 || return 1
    grep -qE "^ssm start-session --target i-[0-9a-f]+ --region us-east-1$" "$T_DIR/aws-args" ||
        { echo "# aws got: $(cat "$T_DIR/aws-args" 2>/dev/null)"; return 1; }
    wait_for "2 Instances" 3      # the console is back
}
check "s runs aws ssm start-session for the instance and comes back" ssm_run_ok
keys :; text "region eu-west-1"; keys Enter
region_ok() { wait_for "eu-west-1" 5 && screen | head -n 1 | grep -qF "eu-west-1"; }
check ":region switches region (a new client; the simulator serves only us-east-1)" region_ok
rm -f "$T_DIR/home/.config/tarmac/config.yaml"

# ---- colour depth follows the terminal ----
console_start 100x30 TERM=xterm --repo web
wait_for "i-0" 10
esc=$(printf '\033')
c256_ok() { screen_e | grep -q "${esc}\[[0-9;]*38;5;"; }
c8_ok() {
    screen_e | grep -qE "${esc}\[([0-9;]*;)?3[0-7]m" && ! screen_e | grep -q "${esc}\[[0-9;]*38;5;"
}
check "TERM=xterm: the 8-colour fallbacks" c8_ok
console_start 100x30 --repo web
wait_for "i-0" 10
check "TERM=xterm-256color: the 256-colour palette" c256_ok
# Direct colour: the theme's #rrggbb reach the terminal as they are (pane titles
# are #88c0d0 in the dark theme), no palette entries.
if infocmp xterm-direct > /dev/null 2>&1; then
    console_start 100x30 TERM=xterm-direct --repo web
    wait_for "i-0" 10
    rgb_ok() { screen_e | grep -q "${esc}\[[0-9;]*38;2;136;192;208" && ! screen_e | grep -q "${esc}\[[0-9;]*38;5;"; }
    check "TERM=xterm-direct: true colour from the theme's #rrggbb" rgb_ok
else
    skip "TERM=xterm-direct: true colour" "no xterm-direct terminfo (Debian package ncurses-term)"
fi

# ---- LANG=C: ASCII boxes; fixtures; quitting ----
sim_start demo || skip_all "$T_SIM_WHY"
console_start 80x24 LANG=C --repo web
wait_for "Launching a new EC2" 10
wait_for "i-0" 5
ascii_ok() { screen | grep -qF -- "+-" && ! screen | grep -q "─"; }
check "LANG=C draws ASCII boxes" ascii_ok
keys 4
wait_for "prod-stable" 5
sleep 0.3
check "LANG=C 80x24 screen matches its fixture" compare_fixture langc_80x24
keys q
check "q quits and exits 0" wait_for "CONSOLE-EXIT 0" 5

# Nobody at the keyboard for ten minutes (120 times as fast on the test clock):
# the header says polling slowed; any key brings it back.
console_start 160x40 TARMAC_TEST_CLOCK_RATE=120 --repo web
wait_for "i-0" 10
check "idle for ten minutes: the header says polling slowed" wait_for "idle: polling slowly" 20
keys j
check "a key: full-speed polling again, the header says so" wait_gone "idle: polling slowly" 5
check "... and the console is connected" wait_for "connected" 5
console_quit

exits_ok() {
    console_quit
    [ -s "$T_DIR/exits" ] || return 1
    ! grep -qv '^0$' "$T_DIR/exits" || { echo "# exit statuses: $(tr '\n' ' ' < "$T_DIR/exits")"; return 1; }
}
check "every console quit cleanly with q (exit 0: no sanitizer report)" exits_ok

# A crash leaves a usable terminal: the fatal-signal handler resets it.
console_start 80x24 --repo web
wait_for "i-0" 10
pane_pid=$(tmux_ display-message -p -t "$T_SESSION" '#{pane_pid}')
console_pid=$( (pgrep -P "$pane_pid" 2>/dev/null || ps -o pid= --ppid "$pane_pid") | head -n 1 | tr -d ' ')
crash_ok() {
    [ -n "$console_pid" ] || return 1
    kill -SEGV "$console_pid"
    wait_for "CONSOLE-EXIT 139" 5 || return 1
    [ "$(tmux_ display-message -p -t "$T_SESSION" '#{alternate_on}')" = 0 ] && ! screen | grep -q "Groups"
}
check "SIGSEGV: the terminal is restored (main screen, cursor back)" crash_ok

# --demo: the header says it is the simulator, not an account.
console_quit
tmux_ kill-server >/dev/null 2>&1
i=0
while tmux_ has-session 2>/dev/null && [ $i -lt 20 ]; do sleep 0.1; i=$((i + 1)); done
mkdir -p "$T_DIR/demo-home"
tmux_ new-session -d -s "$T_SESSION" -x 120 -y 30 \
    "HOME='$T_DIR/demo-home' TZ=UTC LANG=C.UTF-8 TERM=xterm-256color '$TARMAC_BIN' --demo 2> '$T_DIR/demo.err'; sleep 30"
demo_badge_ok() { wait_for "i-0" 20 && screen | head -n 1 | grep -qF "DEMO: simulator"; }
check "--demo: the header's badge says it is the simulator" demo_badge_ok
keys q
tmux_ kill-server >/dev/null 2>&1
