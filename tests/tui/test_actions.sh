#!/bin/sh
# test_actions.sh — the console's actions driven in tmux against `tarmac sim`: a
# deploy by keys (plan dialog, confirmation, live step states, the refresh, tags
# moved), a protected app's typed confirmation, a bad tag's rollback offer and R,
# auto_rollback, cancel by c, promote by p, the : commands, read-only, unfinished
# plans from a killed headless deploy (abandon and resume), SIGTERM during a plan,
# and the journal in the Activity pane. Each case has its own XDG_STATE_HOME, so
# journals never mix. Tags are checked with `tarmac status --json` and the
# simulator's state. TAP output.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

PLAN=72
echo "1..$PLAN"

skip_all() {
    while [ $T_N -lt $PLAN ]; do skip "actions test $((T_N + 1))" "$1"; done
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
  webauto:
    asg: web-asg
    ecr_repository: web
    auto_rollback: true
    refresh:
      min_healthy_percentage: 50
      instance_warmup: 10
  webtypo:
    asg: web-asg
    ecr_repository: web
    alarms: [web-unhealthy-hosts, web-unhealty-hosts]
EOC

# A fresh simulator (fast: refreshes take seconds) and a state directory per case.
fresh() { # case name [simulator speed, default 50]
    sim_start demo || skip_all "$T_SIM_WHY"
    sim_post /_sim/speed "{\"speed\":${2:-50}}"
    STATE="$T_DIR/state-$1"
    mkdir -p "$STATE"
}
open_console() { # app, then more flags
    app=$1; shift
    console_start 160x48 XDG_STATE_HOME="$STATE" --config "$CFG" --app "$app" "$@"
    wait_for "a9f3c21" 15 && wait_for "i-0" 10
}
# The headless tarmac with the console's environment.
tm() {
    env HOME="$T_DIR/home" XDG_STATE_HOME="$STATE" TZ=UTC LANG=C.UTF-8 \
        AWS_ACCESS_KEY_ID=AKIASIMDEMO000000001 AWS_SECRET_ACCESS_KEY=sim/demo/secret/key/0000000000000000000 \
        AWS_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
        "$TARMAC_BIN" --endpoint-url "$T_SIM_URL" --config "$CFG" "$@"
}
# digest TAG: the image digest the tag points at now (empty: none).
digest() {
    tm status --json --repo web --asg web-asg 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
for r in d.get("Repositories", []):
    for im in r.get("imageDetails", []):
        if sys.argv[1] in (im.get("imageTags") or []):
            print(im["imageDigest"])' "$1"
}
# refresh_status: the newest refresh of web-asg in the simulator (empty: none).
refresh_status() {
    sim_get /_sim/state | python3 -c '
import json, sys
for g in json.load(sys.stdin)["groups"]:
    if g["name"] == "web-asg" and g["refresh"]:
        print(g["refresh"]["status"])'
}
refreshes_started() { sim_get '/_sim/events?since=0' | grep -c '"status":"Pending"'; }
# wait_until SECONDS COMMAND...: polls a command until it succeeds.
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
journal_has() { grep -q -- "$1" "$STATE/tarmac/journal.jsonl" 2>/dev/null; }
# select_tag TAG: the Images pane filtered down to TAG (so it is the selected row).
select_tag() { keys 4 /; text "$1"; keys Enter; wait_for "/$1" 3; }
console_pid() {
    pane_pid=$(tmux_ display-message -p -t "$T_SESSION" '#{pane_pid}')
    (pgrep -P "$pane_pid" 2>/dev/null || ps -o pid= --ppid "$pane_pid") | head -n 1 | tr -d ' '
}

# ---- 1. a good tag by keys: plan, confirm, live steps, the refresh, tags moved ----
fresh good 4      # slow enough to see the refresh being watched
old_live=$(digest prod); new=$(digest a9f3c21)
[ -n "$old_live" ] && [ -n "$new" ] || skip_all "cannot read the simulator's tags with tarmac status --json"
open_console web || { console_missing && skip_all "this tarmac has no console"; }
select_tag a9f3c21
keys d
plan_ok() {
    wait_for "Run this plan?" 10 || return 1
    s=$(screen)
    for want in "deploy plan" "prod-stable <- prod" "prod <- a9f3c21" "[pending]"; do
        printf '%s' "$s" | grep -qF -- "$want" || { echo "# missing: $want"; return 1; }
    done
    # The aws commands are folded until a shows them.
    ! printf '%s' "$s" | grep -qF -- "aws ecr put-image" || { echo "# commands not folded"; return 1; }
    keys a
    wait_for "aws ecr put-image" 5 && wait_for "start-instance-refresh" 2
}
check "d on a tag shows the deploy plan: steps, digests, aws commands (after a)" plan_ok
check "nothing changed before the confirmation" digest_is prod "$old_live"
keys y
steps_ok() {
    wait_for "Done: every step done or skipped." 30 || return 1
    [ "$(screen | grep -c '\[done\]')" -ge 2 ] && wait_for "Watching refresh" 2
}
check "y runs it: every step reaches done, the refresh is watched" steps_ok
check "live moved to the tag" digest_is prod "$new"
check "stable keeps the old live" digest_is prod-stable "$old_live"
keys Escape
check "Esc closes; the status line follows the deploy" wait_for "watching the deploy on web-asg" 10
check "the console says the refresh ended Successful" wait_for "web: refresh Successful" 120
check "the refresh ran to Successful (simulator's state)" status_is Successful
# The simulator's clock runs ahead (speed 50): its activities sort above the
# journal's rows, so look at the console's own rows through a filter.
keys 6 /; text "tarmac"; keys Enter
activity_ok() { wait_for "tarmac start" 10 && wait_for "tarmac ok" 2 && wait_for "deploy step 2" 2; }
check "the journal's records show in the Activity pane, marked tarmac" activity_ok
keys Escape /; text "step 2"; keys Enter Enter
check "Enter on a journal row shows the record" wait_for "after_digest" 5
keys Escape Escape

# ---- 2. a protected app: the group's name must be typed ----
fresh protected
old_live=$(digest prod)
open_console webp
select_tag a9f3c21
keys d
check "a protected app asks for the group's name" wait_for "type the group's name (web-asg)" 10
keys y; text "wrong"; keys Enter
wrong_ok() { wait_for "is not the group's name: nothing was run" 5 && [ "$(refreshes_started)" = 0 ]; }
check "a wrong word (and y) runs nothing" wrong_ok
check "the tags did not move" digest_is prod "$old_live"
text "web-asg"; keys Enter
check "the group's name runs it" wait_for "Done: every step done or skipped." 30
check "live moved after the typed confirmation" digest_is prod "$(digest a9f3c21)"
keys Escape

# ---- 3. a bad tag: the rollback offer, then R ----
fresh bad
old_live=$(digest prod)
open_console web
select_tag e5d1f0c
keys d
wait_for "Run this plan?" 10 && keys y
wait_for "Done: every step done or skipped." 30 && keys Escape
offer_ok() {
    wait_for "ROLLBACK ADVISED" 120 || return 1
    screen | grep -qE "refresh Failed|healthy targets [0-9]+/[0-9]+ stayed under|in ALARM" &&
        wait_for "Press R to roll back" 2
}
check "a bad tag: the rollback offer appears with its reason" offer_ok
check "the journal records the guard's verdict and the offer" \
    wait_until 10 journal_has '"event":"rollback_offer","plan_id":"p-[^"]*","action":"deploy".*"outcome":"offered"'
keys Escape
check "the dismissal is journaled" wait_until 10 journal_has '"event":"rollback_offer".*"outcome":"dismissed"'
# The broken mark outlives the offer and the passing messages: header and row.
broken_ok() {
    sleep 8
    screen | head -n 1 | grep -q "BROKEN" && screen | grep -q "web-asg  BROKEN"
}
check "once dismissed, the app stays marked BROKEN in the header and on its row" broken_ok
keys R
rb_plan_ok() { wait_for "rollback plan" 15 && wait_for "Run this plan?" 5 && wait_for "prod <- prod-stable" 2; }
check "R shows the rollback plan (live <- stable, then a refresh)" rb_plan_ok
keys y
check "the rollback runs to done" wait_for "Done: every step done or skipped." 60
check "live is back on the old digest" digest_is prod "$old_live"
keys Escape
check "rolled back: the BROKEN mark clears" wait_gone "BROKEN" 60

# ---- 4. auto_rollback: the console rolls back by itself and says so ----
fresh auto
old_live=$(digest prod)
open_console webauto
select_tag e5d1f0c
keys d
wait_for "Run this plan?" 10 && keys y
wait_for "Done: every step done or skipped." 30 && keys Escape
auto_ok() { wait_for "auto-rollback after: " 120; }
check "auto_rollback: the rollback starts by itself, on screen" auto_ok
check "auto_rollback: live is back on the old digest" wait_until 60 digest_is prod "$old_live"
auto_journal_ok() { wait_until 30 journal_has '"action":"rollback","user"'; }
check "auto_rollback: the rollback is journaled" auto_journal_ok
check "auto_rollback: its plan_start says what triggered it" \
    journal_has '"event":"plan_start".*"action":"rollback".*"trigger":"auto-rollback after p-'
check "auto_rollback: the offer is journaled as taken automatically" \
    journal_has '"event":"rollback_offer".*"outcome":"auto"'


# ---- 5. cancel by c, and the group's state ----
fresh cancel
tm deploy a9f3c21 --app web --yes > "$T_DIR/deploy.out" 2>&1
open_console web
keys 5
wait_for "InProgress" 30
keys c
cancel_plan_ok() { wait_for "cancel plan" 10 && wait_for "Run this plan?" 5; }
check "c in the Refresh pane shows the cancel plan" cancel_plan_ok
keys y
cancel_ok() { wait_for "Done: every step done or skipped." 60 && wait_until 20 status_is Cancelled; }
check "the refresh is cancelled" cancel_ok
check "the dialog says what the group is left with" wait_for "web-asg is left with" 20
check "and how many instances run the new image and how many the old" \
    wait_for "launched by the refresh run the image 'prod' pointed at when they booted (the new one);" 10
keys Escape
# The mixed fleet stays visible: the instances the refresh launched after the
# journaled move show the new image, inferred; the others what the journal cannot say.
image_ok() {
    wait_for "IMAGE" 10 && wait_for "~a9f3c21" 20 &&
        screen | grep -qE "i-0[0-9a-f]{16} .*(InService|Terminating|Pending).* \? "
}
check "Instances' IMAGE column infers the new image for the refresh's instances only" image_ok

# ---- 6. promote by p (the stable tag offered), and the : commands ----
fresh promote
open_console web
select_tag a9f3c21
keys p
check "p asks for the destination, the stable tag filled in" wait_for ":promote a9f3c21 prod-stable" 5
keys Enter
wait_for "Run this plan?" 10 && keys y
promote_ok() { wait_for "Done: every step done or skipped." 30 && digest_is prod-stable "$(digest a9f3c21)"; }
check "promote moves only the destination tag, no refresh" promote_ok
[ "$(refreshes_started)" = 0 ] && ok "promote started no refresh" || not_ok "promote started no refresh"
keys Escape Escape
keys :; text "deploy a9f"; keys Tab
check ":deploy completes tags from the Images pane" wait_for ":deploy a9f3c21" 5
keys Enter
check ":deploy TAG shows the plan" wait_for "Run this plan?" 10
keys n
check "n does not run it" wait_for "not run, nothing was changed" 5
keys :; text "deploy-lt 4"; keys Enter
lt_ok() { wait_for "Run this plan?" 10 && wait_for "deploy-lt plan" 2 && keys a && wait_for "desired-configuration" 2; }
check ":deploy-lt N plans a refresh to that launch template version" lt_ok
stale_gone() { ! screen | grep -qF "not run, nothing was changed"; }
check "the last plan's 'not run' is gone once a new prompt and dialog open" stale_gone
keys Escape
keys :; text "rollback now"; keys Enter
check "a malformed command says how to write it" wait_for "usage: :rollback" 5
plans_started() { grep -c '"event":"plan_start"' "$STATE/tarmac/journal.jsonl" 2>/dev/null; }
before=$(plans_started)
keys :; text "deploy nope999"; keys Enter
refusal_ok() {
    wait_for "REFUSED: this plan cannot run" 10 && wait_for "no image tagged 'nope999'" 2 || return 1
    keys y
    sleep 0.5
    ! screen | grep -qF "Run this plan?" && wait_for "REFUSED" 1 && [ "$(plans_started)" = "$before" ]
}
check "a refused plan is shown plainly and y runs nothing" refusal_ok
check "the refusal is journaled" journal_has '"event":"refused"'
keys Enter
check "Enter closes the refusal" wait_gone "REFUSED" 5

# ---- 7. read-only: keys hidden from the hints and help, refused when pressed ----
fresh readonly
open_console web --read-only
keys 4
hints_ok() { wait_for "Enter detail" 5 && ! screen | tail -n 1 | grep -qE "d deploy|p promote|R rollback"; }
check "read-only: the action keys are not in the status line" hints_ok
keys d
ro_ok() { wait_for "read-only: deploy refused" 5 && ! screen | grep -qF "Run this plan?"; }
check "read-only: d says read-only and opens no plan" ro_ok
keys R
check "read-only: R is refused too" wait_for "read-only: rollback refused" 5
keys '?'
help_ok() { wait_for "Show this help" 5 && ! screen | grep -qE "deploy TAG|  rollback  "; }
check "read-only: the help leaves the actions out" help_ok
keys Escape
check "read-only: nothing moved, no refresh" [ "$(refreshes_started)" = 0 ]

# ---- 8. an unfinished plan from a killed headless deploy: abandon, then resume ----
kill_mid_deploy() {
    sim_post /_sim/faults '{"rules":[{"operation":"PutImage","latency_ms":1500}]}'
    tm deploy a9f3c21 --app web --yes > /dev/null 2>&1 &
    pid=$!
    sleep 2.2
    # tm runs in a subshell: tarmac may be its child, not $pid itself. Both go, or
    # a surviving tarmac finishes (or undoes) its plan behind the test's back.
    pkill -9 -P "$pid" 2>/dev/null
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    sim_post /_sim/faults '{"rules":[]}'
}
fresh unfinished
kill_mid_deploy
open_console web
unf_ok() { wait_for "Unfinished plans in the journal" 10 && wait_for "deploy plan p-" 2; }
check "an unfinished plan is offered at start" unf_ok
keys a
abandon_ok() { wait_for "abandoned plan" 5 && wait_until 5 journal_has '"outcome":"abandoned"'; }
check "a abandons it (journaled)" abandon_ok
console_quit
fresh resume
kill_mid_deploy
# The list's keys are the keymap's: resume_plan rebound to u, so r is not it.
CFG_KEYS="$T_DIR/tarmac-keys.yaml"
{ cat "$CFG"; printf 'keys:\n  resume_plan: u\n'; } > "$CFG_KEYS"
console_start 160x48 XDG_STATE_HOME="$STATE" --config "$CFG_KEYS" --app web
wait_for "Unfinished plans in the journal" 10
rebound_ok() { wait_for "u: resume the selected plan" 3 && screen | tail -n 1 | grep -qF "u resume"; }
check "the unfinished plans' keys come from the keymap (resume_plan: u)" rebound_ok
keys r
sleep 0.5
check "r is no longer resume once rebound" wait_for "Unfinished plans in the journal" 1
keys u
check "u shows the plan to resume" wait_for "Resume deploy plan" 10
keys y
resume_ok() { wait_for "Done: every step done or skipped." 30 && digest_is prod "$(digest a9f3c21)"; }
check "resumed: the plan ends, live on the tag" resume_ok
check "resumed: journaled as plan_resume" journal_has '"event":"plan_resume"'
keys Escape

# ---- 9. x stops a running plan at the next step boundary ----
fresh stop
open_console web
sim_post /_sim/faults '{"rules":[{"operation":"PutImage","latency_ms":1500}]}'
select_tag a9f3c21
keys d
wait_for "Run this plan?" 10 && keys y
wait_for "[running]" 10
check "while a plan runs the status line says so" wait_for "ACTION RUNNING: deploy step" 5
keys x
stop_ok() {
    wait_for "Unfinished plans in the journal" 20 && wait_for "Stopped at a step boundary" 2 &&
        wait_for "stopped by the operator (x) before step" 2 &&
        journal_has '"event":"plan_interrupted"' && [ "$(refreshes_started)" = 0 ]
}
check "x stops at a step boundary: journaled, offered to resume or abandon" stop_ok
sim_post /_sim/faults '{"rules":[]}'
keys a
check "the stopped plan is abandoned" wait_for "abandoned plan" 5

# ---- 10. SIGTERM while a plan runs: stop at a step boundary, then exit ----
fresh sigterm
open_console web
sim_post /_sim/faults '{"rules":[{"operation":"PutImage","latency_ms":1500}]}'
select_tag a9f3c21
keys d
wait_for "Run this plan?" 10 && keys y
wait_for "[running]" 10
pid=$(console_pid)
term_ok() {
    [ -n "$pid" ] || return 1
    kill -TERM "$pid"
    wait_for "CONSOLE-EXIT" 30 || return 1
    journal_has '"event":"plan_interrupted"' && [ "$(refreshes_started)" = 0 ]
}
check "SIGTERM mid-plan: stopped at a step boundary, journaled, no refresh started" term_ok
term_screen_ok() { [ "$(tmux_ display-message -p -t "$T_SESSION" '#{alternate_on}')" = 0 ]; }
check "SIGTERM mid-plan: the terminal is restored" term_screen_ok
# Exit 6 as the headless commands (a sanitizer report would be 99).
term_exit_ok() {
    [ "$(screen | sed -n 's/.*CONSOLE-EXIT \([0-9]*\).*/\1/p' | head -n 1)" = 6 ] &&
        grep -q 'stopped by a signal: deploy plan p-.* stopped at a step boundary; `tarmac resume --app web` finishes it' \
            "$T_DIR/console.err"
}
check "SIGTERM mid-plan: the console exits 6 and says how to resume, as the headless commands do" term_exit_ok
tmux_ kill-server >/dev/null 2>&1   # its 6 is checked: not one for exits_ok below
sim_post /_sim/faults '{"rules":[]}'

# ---- 11. :deploy-lt offers the launch template's versions; Tab narrows; Enter plans ----
fresh ltpick
open_console web
keys :; text "deploy-lt "
lt_list_ok() {
    wait_for "(current)" 10 || return 1
    s=$(screen | tail -n 1)
    for want in ":deploy-lt" "4 ami-0c0ffee0000000001" "3 ami-0c0ffee0000000001 (current)" "1 ami-"; do
        printf '%s' "$s" | grep -qF -- "$want" || { echo "# missing: $want"; return 1; }
    done
    printf '%s' "$s" | grep -q "4 ami.*3 ami.*2 ami.*1 ami"   # newest first
}
check ":deploy-lt lists the template's versions newest first, the running one marked" lt_list_ok
text "3"; keys Tab
lt_tab_ok() {
    wait_for ':deploy-lt 3  3 ami-0c0ffee0000000001 "version 3" (current)' 5 &&
        ! screen | tail -n 1 | grep -qF "4 ami-"
}
check "Tab keeps the matching version, with its image and description" lt_tab_ok
keys Enter
lt_pick_ok() { wait_for "deploy-lt plan" 10 && wait_for "Run this plan?" 2 && keys a && wait_for '"Version":"3"' 2; }
check "Enter plans the refresh to the picked version (DesiredConfiguration)" lt_pick_ok
keys n
fresh ltfail
sim_post /_sim/faults '{"rules":[{"operation":"DescribeLaunchTemplateVersions","malformed_rate":1.0}]}'
open_console web
keys :; text "deploy-lt "
check "a failed read of the versions says so on the command line" wait_for "(cannot read the versions of web-lt" 20
keys Escape
check "and in one status line" wait_for "launch template web-lt: cannot read its versions" 5
sim_post /_sim/faults '{"rules":[]}'

# ---- the deploy's group is followed while another group is on screen ----
fresh sidewatch
console_start 160x48 XDG_STATE_HOME="$STATE" --config "$CFG" --asg web-asg --asg api-asg --repo web
wait_for "a9f3c21" 15 && wait_for "i-0" 10
select_tag e5d1f0c
keys d
wait_for "Run this plan?" 10 && keys y
wait_for "Done: every step done or skipped." 30 && keys Escape
keys 1; sleep 0.3; keys j
side_ok() {
    wait_for "asg api-asg" 5 || return 1
    wait_for "ROLLBACK ADVISED" 120 && screen | head -n 1 | grep -q "asg api-asg"
}
check "a failing deploy is caught while another group is selected" side_ok
keys Escape

# ---- no config: a deploy onto a group nothing ties to the repository ----
fresh unbound
old_live=$(digest prod)
console_start 160x48 XDG_STATE_HOME="$STATE" --repo web
wait_for "a9f3c21" 15 && wait_for "api-asg" 10
select_tag a9f3c21
# d right after the Groups cursor moved (inside its debounce): the plan is for the
# group the cursor shows.
keys 1 j 4 d
unbound_ok() {
    wait_for "deploy plan for api-asg" 10 &&
        wait_for "no app in the config ties group api-asg to repository web" 2 &&
        wait_for "type the group's name (api-asg)" 2
}
check "no config: d right after moving to api-asg plans for api-asg, warns and asks for its name" unbound_ok
keys y Enter
none_started() { sleep 1; [ "$(refreshes_started)" = 0 ]; }
check "y alone runs nothing there" none_started
check "and the tags did not move" digest_is prod "$old_live"
keys Escape Escape
console_start 160x48 XDG_STATE_HOME="$STATE" --asg web-asg --repo web
wait_for "a9f3c21" 15 && wait_for "i-0" 10
select_tag a9f3c21
keys d
named_ok() { wait_for "Run this plan?" 10 && ! screen | grep -q "no app in the config ties"; }
check "--asg web-asg --repo web name the pair: the usual y/n confirmation" named_ok
keys n

# A guard alarm that does not exist guards nothing: the console says so.
fresh typo-alarm
open_console webtypo
check "a guard alarm that does not exist is named as guarding nothing" \
    wait_for "alarm 'web-unhealty-hosts' of webtypo does not exist: it guards nothing" 15
console_quit

exits_ok() {
    console_quit
    [ -s "$T_DIR/exits" ] || return 1
    ! grep -qv '^0$' "$T_DIR/exits" || { echo "# exit statuses: $(tr '\n' ' ' < "$T_DIR/exits")"; return 1; }
}
check "every console exited 0 (no sanitizer report)" exits_ok
