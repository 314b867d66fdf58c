#!/bin/sh
# test_confirm.sh — what a plan dialog says and which keys run it, driven in tmux
# against `tarmac sim`: at 80x24 the dialog's first line is the plan's summary,
# the aws commands are folded until a shows them, Enter (twice, as a tired hand
# does after d) runs nothing while y runs it; a cancel's n/Esc keep the refresh
# running and say so; q while a deploy is watched, or while a plan runs, asks
# first and n keeps the console running; at 120x40 a protected app's dialog says
# it is protected and Tab shows the commands while the name is typed; a rebound
# confirm key is the one the hints name and the one that runs. Tags are checked
# with `tarmac status --json` and the simulator's state. TAP output.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

PLAN=34
echo "1..$PLAN"

skip_all() {
    while [ $T_N -lt $PLAN ]; do skip "confirm test $((T_N + 1))" "$1"; done
    exit 0
}

command -v tmux > /dev/null || skip_all "tmux is not installed"
command -v curl > /dev/null || skip_all "curl is not installed"
command -v python3 > /dev/null || skip_all "python3 is not installed"
[ -x "$TARMAC_BIN" ] || skip_all "no tarmac binary at $TARMAC_BIN"

CFG="$T_DIR/tarmac.yaml"
cat > "$CFG" <<'EOC'
defaults:
  region: us-east-1
ui:
  refresh_seconds: 5
  refresh_active_seconds: 1
apps:
  web:
    asg: web-asg
    ecr_repository: web
    refresh:
      min_healthy_percentage: 50
      instance_warmup: 10
  webp:
    asg: web-asg
    ecr_repository: web
    protected: true
EOC
CFG_KEYS="$T_DIR/tarmac-keys.yaml"
{ cat "$CFG"; printf 'keys:\n  confirm: Y\n'; } > "$CFG_KEYS"

fresh() { # case name [simulator speed, default 50]
    sim_start demo || skip_all "$T_SIM_WHY"
    sim_post /_sim/speed "{\"speed\":${2:-50}}"
    STATE="$T_DIR/state-$1"
    mkdir -p "$STATE"
}
open_console() { # size, app, then more flags
    size=$1 app=$2; shift 2
    console_start "$size" XDG_STATE_HOME="$STATE" --config "$CFG" --app "$app" "$@"
    wait_for "a9f3c21" 15 && wait_for "i-0" 10
}
tm() {
    env HOME="$T_DIR/home" XDG_STATE_HOME="$STATE" TZ=UTC LANG=C.UTF-8 \
        AWS_ACCESS_KEY_ID=AKIASIMDEMO000000001 AWS_SECRET_ACCESS_KEY=sim/demo/secret/key/0000000000000000000 \
        AWS_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
        "$TARMAC_BIN" --endpoint-url "$T_SIM_URL" --config "$CFG" "$@"
}
digest() {
    tm status --json --repo web --asg web-asg 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
for r in d.get("Repositories", []):
    for im in r.get("imageDetails", []):
        if sys.argv[1] in (im.get("imageTags") or []):
            print(im["imageDigest"])' "$1"
}
refresh_status() {
    sim_get /_sim/state | python3 -c '
import json, sys
for g in json.load(sys.stdin)["groups"]:
    if g["name"] == "web-asg" and g["refresh"]:
        print(g["refresh"]["status"])'
}
refreshes_started() { sim_get '/_sim/events?since=0' | grep -c '"status":"Pending"'; }
wait_until() {
    limit=$(( $1 * 5 )); shift
    i=0
    while [ $i -lt "$limit" ]; do
        "$@" && return 0
        sleep 0.2; i=$((i + 1))
    done
    return 1
}
digest_is() { [ "$(digest "$1")" = "$2" ]; }
status_is() { [ "$(refresh_status)" = "$1" ]; }
select_tag() { keys 4 /; text "$1"; keys Enter; wait_for "/$1" 3; }
# The dialog's first line: the screen's third row (header, the box's top border),
# without the box's side.
first_line() { screen | sed -n 3p | sed 's/^[│|] //; s/ *[│|]$//'; }
hints_line() { screen | tail -n 1; }
still_running() { ! screen | grep -q "CONSOLE-EXIT"; }

# ---- 80x24: the summary first, commands folded, Enter runs nothing, y runs ----
fresh small 4      # slow enough that the refresh is still watched when q is pressed
old_live=$(digest prod); new=$(digest a9f3c21)
[ -n "$old_live" ] && [ -n "$new" ] || skip_all "cannot read the simulator's tags with tarmac status --json"
open_console 80x24 web || { console_missing && skip_all "this tarmac has no console"; }
select_tag a9f3c21
keys d
wait_for "Run this plan?" 10
summary_first() {
    case "$(first_line)" in
    "Deploy a9f3c21 to web-asg: 4 instances, rolling, min healthy 50 %; prod"*) ;;
    *) echo "# first line: $(first_line)"; return 1 ;;
    esac
    screen | grep -qF "2f4a8c6 -> a9f3c21"
}
check "80x24: the deploy dialog's first line is the summary (group, instances, how, the tag's move)" summary_first
folded_ok() {
    ! screen | grep -qF '$ aws' && screen | grep -qF "(a shows the aws commands)" &&
        screen | grep -qF "[pending] StartInstanceRefresh on web-asg"
}
check "80x24: the steps follow it, the aws commands folded" folded_ok
hints_ok() { hints_line | grep -qF " y run  n/Esc cancel  a aws commands"; }
check "80x24: the hints say y runs, n/Esc cancel, a shows the commands" hints_ok
keys Enter
sleep 1
keys Enter
enter_note_ok() { wait_for "Enter does not run a plan: y runs it" 5 && wait_for "Run this plan?" 1; }
check "Enter, twice: the plan stays on screen and says y runs it" enter_note_ok
sleep 1
check "Enter ran nothing: live is where it was" digest_is prod "$old_live"
check "Enter ran nothing: no refresh started" [ "$(refreshes_started)" = 0 ]
keys a
shown_ok() { wait_for '$ aws ecr batch-get-image' 5 && hints_line | grep -qF "a hide aws commands"; }
check "a shows the aws commands" shown_ok
keys a
check "a again folds them" wait_gone '$ aws ecr batch-get-image' 5
keys y
check "y runs it" wait_for "Done: every step done or skipped." 30
check "y ran it: live moved to the tag" digest_is prod "$new"
done_first() { case "$(first_line)" in "Deploy a9f3c21 to web-asg:"*) return 0 ;; *) return 1 ;; esac; }
check "the finished plan's dialog still starts with its summary" done_first
keys Escape
wait_for "watching the deploy on web-asg" 10
# The deploy started here: Refresh in front of the tabs, Targets under it.
rollout_ok() { wait_for "To update:" 10 && wait_for "web-tg i-" 5 && screen | grep -q "^┌─ 3 Targets"; }
check "80x24: after d, Refresh comes to the front with Targets under it" rollout_ok
keys q
ask_ok() { wait_for "watching web's deploy" 5 && wait_for "quit and stop guarding?" 1 && wait_for "y: quit    any other key: stay" 1; }
check "q while the deploy is watched asks first" ask_ok
keys n
stay_ok() { wait_for "not quitting: still watching web's deploy" 5 && sleep 1 && still_running && wait_gone "Quit tarmac?" 2; }
check "n keeps the console running, and says so" stay_ok
check "the deploy is still watched after n" wait_for "watching the deploy on web-asg" 10
keys q
wait_for "quit and stop guarding?" 5 && keys y
quit_ok() { wait_for "CONSOLE-EXIT 0" 10; }
check "q then y quits (exit 0)" quit_ok
tmux_ kill-server >/dev/null 2>&1

# ---- 80x24: a cancel says that n and Esc keep the refresh running ----
fresh cancel 4
tm deploy a9f3c21 --app web --yes > "$T_DIR/deploy.out" 2>&1
open_console 80x24 web
keys 5
wait_for "InProgress" 30
keys c
wait_for "cancel plan" 10
cancel_first() {
    case "$(first_line)" in "Cancel refresh "*" % done) on web-asg:"*) ;; *) echo "# $(first_line)"; return 1 ;; esac
    screen | sed -n 4p | grep -qF "the instances it replaced keep the new image"
}
check "the cancel dialog's first line says which refresh it cancels and what stays" cancel_first
check "the cancel plan names what live stays on" wait_for "prod stays on a9f3c21" 3
cancel_words_ok() { wait_for "y: cancel the refresh    n/Esc: keep the refresh running" 2 && ! screen | grep -qF "n/Esc: cancel"; }
check "the cancel dialog: n/Esc: keep the refresh running" cancel_words_ok
cancel_hints_ok() { hints_line | grep -qF " y cancel the refresh  n/Esc keep the refresh running  a aws commands"; }
check "its hints say the same" cancel_hints_ok
keys Enter
sleep 1
check "Enter does not cancel the refresh" status_is InProgress
keys n
kept_ok() { wait_for "cancel: not run, nothing was changed (the refresh keeps running)" 5 && status_is InProgress; }
check "n keeps the refresh running, and says so" kept_ok
console_quit

# ---- q while a plan runs asks; n lets it finish ----
fresh running
open_console 80x24 web
sim_post /_sim/faults '{"rules":[{"operation":"PutImage","latency_ms":1500}]}'
select_tag a9f3c21
keys d
wait_for "Run this plan?" 10 && keys y
wait_for "[running]" 10
keys Escape q
run_ask_ok() { wait_for "the deploy of web is running (step" 5 && wait_for "quit and stop it at the next" 1; }
check "q while a plan runs asks first" run_ask_ok
keys n
check "n: the plan keeps running to its end" wait_for "not quitting: the deploy keeps running" 5
sim_post /_sim/faults '{"rules":[]}'
run_end_ok() { wait_until 30 digest_is prod "$(digest a9f3c21)" && still_running; }
check "the plan ended, the console still runs" run_end_ok
console_quit

# ---- 120x40: a protected app ----
fresh protected
old_live=$(digest prod)
open_console 120x40 webp
select_tag a9f3c21
keys d
wait_for "type the group's name (web-asg)" 10
prot_first() {
    [ "$(first_line)" = "Deploy a9f3c21 to web-asg (protected): 4 instances, rolling, min healthy 90 % (AWS default); prod 2f4a8c6 -> a9f3c21" ] ||
        { echo "# first line: $(first_line)"; return 1; }
}
check "120x40: the protected deploy's summary fits its first line and says protected" prot_first
badges_ok() { screen | head -n 1 | grep -qF "PROTECTED" && screen | head -n 1 | grep -qF "ENDPOINT 127.0.0.1:"; }
check "120x40: the header badges a protected app and a custom endpoint" badges_ok
prot_hints_ok() { hints_line | grep -qF "Enter run  Esc cancel  Tab aws commands"; }
check "120x40: the hints name Tab for the commands while the name is typed" prot_hints_ok
keys Enter Enter y
sleep 1
prot_nothing() { [ "$(refreshes_started)" = 0 ] && digest_is prod "$old_live"; }
check "Enter, Enter, y: nothing runs" prot_nothing
keys Tab
check "Tab shows the commands" wait_for '$ aws autoscaling start-instance-refresh' 5
keys C-u; text "web-asg"; keys Enter
prot_run_ok() { wait_for "Done: every step done or skipped." 30 && digest_is prod "$(digest a9f3c21)"; }
check "the group's name and Enter run it" prot_run_ok
console_quit

# ---- a rebound confirm key: the hints name it, and only it runs ----
fresh rebound
old_live=$(digest prod)
console_start 120x40 XDG_STATE_HOME="$STATE" --config "$CFG_KEYS" --app web
wait_for "a9f3c21" 15 && wait_for "i-0" 10
select_tag a9f3c21
keys d
wait_for "Run this plan?" 10
rebound_ok() { wait_for "Y: run    n/Esc: cancel" 2 && hints_line | grep -qF " Y run  n/Esc cancel"; }
check "confirm: Y in the config: the dialog and its hints say Y" rebound_ok
keys y
sleep 1
check "y no longer runs the plan" digest_is prod "$old_live"
keys Y
check "Y runs it" wait_for "Done: every step done or skipped." 30
console_quit

exits_ok() {
    console_quit
    [ -s "$T_DIR/exits" ] || return 1
    ! grep -qv '^0$' "$T_DIR/exits" || { echo "# exit statuses: $(tr '\n' ' ' < "$T_DIR/exits")"; return 1; }
}
check "every console exited 0 (no sanitizer report)" exits_ok
