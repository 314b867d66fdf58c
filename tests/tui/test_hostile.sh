#!/bin/sh
# test_hostile.sh — the console against hostile answers, driven in tmux. `y` copies an
# id with OSC 52 only when it has the shape AWS gives such an id: an instance id with
# newlines and a shell command in it, and an ECR tag carrying an OSC 52 sequence of its
# own, are refused with a message and never reach the terminal's clipboard; real ids
# (an instance, a digest) are copied, byte for byte. What the console writes is read
# raw with tmux's pipe-pane. Answers: tests/conformance/canned_aws.py with the hostile
# values patched in. TAP output.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

PLAN=7
echo "1..$PLAN"

skip_all() {
    while [ $T_N -lt $PLAN ]; do skip "hostile test $((T_N + 1))" "$1"; done
    exit 0
}

command -v tmux > /dev/null || skip_all "tmux is not installed"
command -v python3 > /dev/null || skip_all "python3 is not installed"
command -v base64 > /dev/null || skip_all "base64 is not installed"
[ -x "$TARMAC_BIN" ] || skip_all "no tarmac binary at $TARMAC_BIN"

# ---- a canned server whose answers carry the hostile ids ----
cat > "$T_DIR/hostile_aws.py" <<'EOF'
import sys, threading
sys.path.insert(0, sys.argv[1])
import canned_aws
g = canned_aws.GROUP
g["Instances"].append(canned_aws.instance("i-0eee0eee\ntouch /tmp/tarmac-pwned\n", "us-east-1a", "InService"))
canned_aws.IMAGES.append({"registryId": canned_aws.ACCOUNT, "repositoryName": "web",
                          "imageDigest": "sha256:" + "e" * 64, "imageTags": ["evil\x1b]52;c;dG91Y2ggeAo=\x07"],
                          "imagePushedAt": 1714600100, "imageStatus": "ACTIVE"})
canned_aws.IMAGES.append({"registryId": canned_aws.ACCOUNT, "repositoryName": "web",
                          "imageDigest": "sha256:" + "d" * 64, "imagePushedAt": 1714600200, "imageStatus": "ACTIVE"})
s = canned_aws.CannedAws().start()
print(f"listening on {s.url}", flush=True)
threading.Event().wait()
EOF
python3 "$T_DIR/hostile_aws.py" "$TARMAC_TOP/tests/conformance" > "$T_DIR/canned.out" 2> "$T_DIR/canned.err" &
T_SIM_PID=$!
i=0 T_SIM_URL=""
while [ $i -lt 50 ] && [ -z "$T_SIM_URL" ]; do
    T_SIM_URL=$(sed -n 's/^listening on \(http:\/\/127\.0\.0\.1:[0-9][0-9]*\).*/\1/p' "$T_DIR/canned.out")
    [ -n "$T_SIM_URL" ] || sleep 0.1
    i=$((i + 1))
done
[ -n "$T_SIM_URL" ] || skip_all "the canned AWS server did not start: $(head -c 200 "$T_DIR/canned.err")"

console_start 200x50 --asg web-asg --repo web
if ! wait_for "i-0aaa0aaa0aaa0aaa0" 15; then
    console_missing && skip_all "this tarmac has no console"
fi
# Everything the console writes from now on, raw.
: > "$T_DIR/raw"
tmux_ pipe-pane -o -t "$T_SESSION" "cat >> '$T_DIR/raw'"

# osc52_count: how many OSC 52 sequences the console has written so far.
osc52_count() { grep -c "$(printf '\033')]52;" "$T_DIR/raw" 2>/dev/null || true; }
# copied B64: an OSC 52 sequence carrying exactly B64 was written.
copied() { grep -qF "$(printf '\033]52;c;%s\007' "$1")" "$T_DIR/raw"; }
select_in() { keys "$1" /; text "$2"; keys Enter; wait_for "/$2" 3; }

select_in 2 0eee
keys y
refused_id_ok() {
    wait_for "not copied:" 5 && wait_for "is not an EC2 instance id" 2 && [ "$(osc52_count)" = 0 ]
}
check "an instance id with newlines and a command is refused: nothing reaches the clipboard" refused_id_ok
check "the refused id is shown inert in the message" wait_for 'i-0eee0eee\ntouch' 2

keys Escape
select_in 2 0ccc
keys y
good_id_ok() {
    wait_for "copied i-0ccc0ccc0ccc0ccc0" 5 && copied "$(printf 'i-0ccc0ccc0ccc0ccc0' | base64)"
}
check "a real instance id is copied, byte for byte" good_id_ok
n_good=$(osc52_count)

keys Escape
select_in 4 evil
keys y
refused_tag_ok() {
    wait_for "not copied:" 5 && wait_for "is not an image digest (sha256: and 64 hexadecimal digits) or an ECR image tag" 2 &&
        [ "$(osc52_count)" = "$n_good" ]
}
check "a tag carrying an OSC 52 sequence is refused: the clipboard is not written" refused_tag_ok
no_own_osc52() { ! grep -qF "$(printf '\033]52;c;dG91')" "$T_DIR/raw"; }
check "the tag's own OSC 52 sequence never reaches the terminal (it is drawn inert)" no_own_osc52

keys Escape
select_in 4 dddddddd
keys Enter
wait_for "imageDigest" 5
keys y
digest_ok() {
    dg="sha256:dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
    wait_for "copied sha256:dddd" 5 && copied "$(printf '%s' "$dg" | base64 -w 0)"
}
check "from an untagged image's detail, its digest is copied" digest_ok
keys Escape

exits_ok() {
    console_quit
    [ "$(cat "$T_DIR/exits")" = 0 ] || { echo "# exit status: $(cat "$T_DIR/exits")"; return 1; }
    [ ! -e /tmp/tarmac-pwned ]
}
check "the console exited 0 (no sanitizer report) and nothing ran" exits_ok
