#!/bin/sh
# test_group_states.sh — what AWS says about a group that a refresh has to reckon
# with, in the console driven in tmux. Refreshes that cannot be read (a fault rule
# on DescribeInstanceRefreshes in `tarmac sim`) are said to be unknown, with the
# error, in the Refresh pane and the Groups pane, never "none"; then, against
# canned AWS answers (tests/conformance/canned_aws.py, for states the simulator
# cannot produce yet): suspended processes marked in Groups, Standby / protected /
# warm pool instances, unused and unhealthy.draining targets, an archived stable
# image with its scan, a rollback's progress and RollbackDetails in the Refresh
# pane and its detail, and R refused in the plan dialog because the stable image
# is archived. TAP output.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

PLAN=18
echo "1..$PLAN"

skip_all() {
    while [ $T_N -lt $PLAN ]; do skip "group states test $((T_N + 1))" "$1"; done
    exit 0
}

command -v tmux > /dev/null || skip_all "tmux is not installed"
command -v curl > /dev/null || skip_all "curl is not installed"
command -v python3 > /dev/null || skip_all "python3 is not installed"
[ -x "$TARMAC_BIN" ] || skip_all "no tarmac binary at $TARMAC_BIN"

# ---- 1. refreshes that cannot be read: unknown, with the error ----
sim_start demo || skip_all "$T_SIM_WHY"
sim_post /_sim/faults '{"rules":[{"operation":"DescribeInstanceRefreshes","error_5xx_rate":1}]}'
console_start 160x45 --repo web
if ! wait_for "web-asg" 15; then
    console_missing && skip_all "this tarmac has no console"
fi
unknown_ok() {
    wait_for "Instance refreshes could not be read: DescribeInstanceRefreshes:" 15 &&
        ! screen | grep -qF "No instance refresh for this group"
}
check "Refresh pane: refreshes that could not be read are unknown, with the error" unknown_ok
check "Groups pane: the refresh indicator says unknown" wait_for "? unknown" 10
keys 1 Enter
check "Groups detail: InstanceRefreshes could not be read, and why" \
    wait_for "could not be read: DescribeInstanceRefreshes:" 5
keys Escape
sim_post /_sim/faults '{"rules":[]}'
keys r
recovered_ok() { wait_for "No instance refresh for this group." 20 && wait_gone "? unknown" 20; }
check "once they can be read again, none is said to be none" recovered_ok
console_quit

# ---- 2. canned answers: a group with everything in a refresh's way ----
kill "$T_SIM_PID" 2>/dev/null; wait "$T_SIM_PID" 2>/dev/null; T_SIM_PID=""
python3 "$TARMAC_TOP/tests/conformance/canned_aws.py" --rolling-back > "$T_DIR/canned.out" 2> "$T_DIR/canned.err" &
T_SIM_PID=$!
i=0 T_SIM_URL=""
while [ $i -lt 50 ] && [ -z "$T_SIM_URL" ]; do
    T_SIM_URL=$(sed -n 's/^listening on \(http:\/\/127\.0\.0\.1:[0-9][0-9]*\).*/\1/p' "$T_DIR/canned.out")
    [ -n "$T_SIM_URL" ] || sleep 0.1
    i=$((i + 1))
done
[ -n "$T_SIM_URL" ] || skip_all "the canned AWS server did not start: $(head -c 200 "$T_DIR/canned.err")"

console_start 240x55 --asg web-asg --repo web
wait_for "web-asg" 15
check "Groups: a group whose suspended processes stall a refresh is marked" wait_for "SUSP" 10
keys 1 Enter
group_detail_ok() {
    wait_for "SuspendedProcesses[]" 5 && wait_for "Launch: User suspended" 2 &&
        wait_for "the refresh cannot launch replacements" 2 && wait_for "vpc-lattice arn:aws:vpc-lattice" 2 &&
        wait_for "WarmPoolConfiguration.PoolState" 2 && wait_for "StandbyInstances=Wait, the default" 2
}
check "Groups detail: suspended processes with their effect, traffic sources, warm pool, what a refresh meets" \
    group_detail_ok
keys Escape
instances_ok() {
    wait_for "Standby" 10 && wait_for "prot" 2 && wait_for "Warmed:Stopped" 10 && wait_for "warm" 2 &&
        wait_for "1 standby, 1 protected, 1 warm" 5
}
check "Instances: Standby, protected and warm pool instances are marked and counted" instances_ok
targets_ok() {
    wait_for "unhealthy.draining" 10 && wait_for "Target.FailedHealthChecks" 2 && wait_for "unused" 2 &&
        wait_for "1/3 healthy, 1 unused" 2
}
check "Targets: unused and unhealthy.draining with reasons; neither counted healthy" targets_ok
images_ok() { wait_for "STABLE ARCHIVED" 10 && wait_for "C1 M3 L7" 2; }
check "Images: the archived stable image is marked; scan findings in a compact column" images_ok
keys 4 /; text prod-stable; keys Enter
wait_for "/prod-stable" 3
keys Enter
image_detail_ok() {
    wait_for "imageStatus" 5 && wait_for "ARCHIVED" 2 && wait_for "update-image-storage-class" 2 &&
        wait_for "lastArchivedAt" 2
}
check "Images detail: imageStatus, archive time and the command that restores it" image_detail_ok
keys Escape
wait_gone "lastArchivedAt" 5
keys Escape
wait_gone "/prod-stable" 5
keys 4 /; text prod; keys Enter
wait_for "/prod:" 3
keys g Enter              # the selection stayed on prod-stable: the top row is prod
scan_detail_ok() {
    wait_for "imageScanStatus.status" 5 && wait_for "imageScanCompletedAt" 2 &&
        wait_for "CRITICAL: 1" 2 && wait_for "The scan was completed successfully." 2
}
check "Images detail: the scan's status, description, completion time and counts" scan_detail_ok
keys Escape
wait_gone "imageScanCompletedAt" 5
keys Escape
wait_gone "/prod:" 5
rollback_ok() {
    wait_for "RollbackInProgress" 10 && wait_for "rollback  50%" 5 &&
        wait_for "Rollback since 2024-05-01 12:10:03Z from 60% (2 to update)" 2 &&
        wait_for "Live 30%/1  Warm 50%/1" 2 && wait_for "Manual rollback (RollbackInstanceRefresh)" 2
}
check "Refresh: a falling percentage is the rollback's progress; where it began and the pools' progress" rollback_ok
keys 5 Enter
rollback_detail_ok() {
    wait_for "RollbackDetails.PercentageCompleteOnRollback" 5 &&
        wait_for "RollbackDetails.InstancesToUpdateOnRollback" 2 &&
        wait_for "ProgressDetailsOnRollback.WarmPoolProgress" 2 &&
        wait_for "rollback 50% (refresh at 30%, was 60%)" 2 && wait_for "ProgressDetails.WarmPoolProgress" 2
}
check "Refresh detail: every RollbackDetails member and the rollback's progress" rollback_detail_ok
keys Escape

# The rollback ended (an image deploy behind it): R plans live <- stable, refused.
curl -s -m 5 -X POST --data '[[{"InstanceRefreshId":"0b1c2d3e-aaaa-bbbb-cccc-0123456789ab","AutoScalingGroupName":"web-asg","Status":"Successful","StartTime":"2024-05-01T12:00:00Z","EndTime":"2024-05-01T12:20:00Z","PercentageComplete":100,"InstancesToUpdate":0}]]' \
    "$T_SIM_URL/_canned/refreshes" > /dev/null
keys r
wait_for "Successful" 15
keys R
refused_ok() {
    wait_for "REFUSED" 15 && wait_for "in ECR's archive" 2 && wait_for "update-image-storage-class" 2 &&
        ! screen | grep -qF "Run this plan?"
}
check "R: a rollback to an archived stable image is refused in the plan dialog" refused_ok
plan_notes_ok() { wait_for "suspended processes on web-asg: Launch" 2 && wait_for "1 instance in Standby" 2; }
check "the plan dialog names the suspended processes and the Standby instances" plan_notes_ok
keys Enter
check "Enter closes the refusal" wait_gone "REFUSED" 5
console_quit

# ---- 3. the same screens with LANG=C (ASCII) ----
console_start 160x45 LANG=C --asg web-asg --repo web
ascii_ok() { wait_for "SUSP" 15 && wait_for "STABLE ARCHIVED" 10 && wait_for "Warmed:Stopped" 10; }
check "LANG=C: the marks are plain text" ascii_ok
console_quit

exits_ok() { ! grep -qv '^0$' "$T_DIR/exits"; }
check "every console exited 0 (no sanitizer report)" exits_ok
while [ $T_N -lt $PLAN ]; do skip "group states test $((T_N + 1))" "not reached"; done
