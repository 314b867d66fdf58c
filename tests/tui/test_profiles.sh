#!/bin/sh
# test_profiles.sh — profiles, regions and identity in the console, and the Apps
# overview, driven in tmux against `tarmac sim`: three apps on three profiles (two
# with static keys from the scenario's credentials, one a role through the
# simulator's STS) shown on one screen; Enter opens one; :profile and :region switch
# live; a missing profile is one line and changes nothing; short-lived credentials
# show a countdown and are renewed without a hitch; an MFA role asks for its code
# in the status line; no secret reaches the screen or a log. TAP output.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

PLAN=19
echo "1..$PLAN"

skip_all() {
    while [ $T_N -lt $PLAN ]; do skip "profiles test $((T_N + 1))" "$1"; done
    exit 0
}

command -v tmux > /dev/null || skip_all "tmux is not installed"
command -v curl > /dev/null || skip_all "curl is not installed"
[ -x "$TARMAC_BIN" ] || skip_all "no tarmac binary at $TARMAC_BIN"

# Every screen looked at is kept, for the secret check at the end.
snap() { screen >> "$T_DIR/screens.txt"; }
head1() { screen | head -n 1; }

# The demo world with a second set of static keys; STS sessions last $1 seconds.
scenario() {
    sed -e 's/^    user: demo-operator$/    user: demo-operator\
  - access_key_id: AKIASIMOTHER00000002\
    secret_access_key: sim\/other\/secret\/key\/000000000000000000\
    user: other-operator/' "$TARMAC_TOP/sim/scenarios/demo.yaml" > "$T_DIR/profiles.yaml"
    [ -n "$1" ] && printf 'session_duration: %s\n' "$1" >> "$T_DIR/profiles.yaml"
    grep -q AKIASIMOTHER "$T_DIR/profiles.yaml"
}
scenario 20 || skip_all "cannot derive a scenario from demo.yaml"
sim_start "$T_DIR/profiles.yaml" || skip_all "$T_SIM_WHY"

mkdir -p "$T_DIR/home/.aws" "$T_DIR/home/.config/tarmac"
cat > "$T_DIR/home/.aws/credentials" <<'EOC'
[base]
aws_access_key_id = AKIASIMDEMO000000001
aws_secret_access_key = sim/demo/secret/key/0000000000000000000
[other]
aws_access_key_id = AKIASIMOTHER00000002
aws_secret_access_key = sim/other/secret/key/000000000000000000
EOC
cat > "$T_DIR/home/.aws/config" <<'EOC'
[profile base]
region = us-east-1
[profile other]
region = us-east-1
[profile ops]
role_arn = arn:aws:iam::210987654321:role/ops
source_profile = base
role_session_name = oncall
region = us-east-1
[profile mfa]
role_arn = arn:aws:iam::210987654321:role/admin
source_profile = base
mfa_serial = arn:aws:iam::123456789012:mfa/oncall
region = us-east-1
EOC
cat > "$T_DIR/home/.config/tarmac/config.yaml" <<'EOC'
apps:
  web:
    profile: base
    asg: web-asg
    ecr_repository: web
    alarms: [web-unhealthy-hosts]
  api:
    profile: other
    asg: api-asg
    ecr_repository: api
    alarms: [api-unhealthy-hosts]
  ops-web:
    profile: ops
    asg: web-asg
    ecr_repository: web
EOC
AWSFILES="AWS_CONFIG_FILE=$T_DIR/home/.aws/config AWS_SHARED_CREDENTIALS_FILE=$T_DIR/home/.aws/credentials"

# ---- the Apps overview at start ----
# shellcheck disable=SC2086
console_start 160x40 $AWSFILES
if ! wait_for "in the config file" 10; then
    console_missing && skip_all "this tarmac has no console"
fi
row_ok() { # app, profile, live; then healthy/total with every target counted
    screen | grep -E "│$1 +$2/us-east-1 +$3 +[A-Za-z-]+ +[0-9]+/[0-9]+ " | grep -q " ok "
}
overview_ok() {
    i=0
    while [ $i -lt 100 ]; do
        row_ok web base prod=2f4a8c6 && row_ok api other prod=6e0b4d5 && row_ok ops-web ops prod=2f4a8c6 &&
            { snap; return 0; }
        sleep 0.1; i=$((i + 1))
    done
    return 1
}
check "several apps: the overview opens with every app's live tag and healthy/total" overview_ok
targets_ok() { screen | grep -E "│web .* 4/4 " > /dev/null && screen | grep -E "│api .* 6/6 " > /dev/null; }
check "healthy/total counts every target of the app's target groups" targets_ok

keys j Enter
open_ok() {
    wait_for "api-tg" 10 && head1 | grep -qF "profile other" && head1 | grep -qF "app api" &&
        head1 | grep -qF "user/other-operator" && ! screen | grep -qF "in the config file"
}
check "Enter opens the app's panes on its profile (header: account, user, profile, app)" open_ok
snap

# ---- switching ----
keys :; text "profile ops"; keys Enter
role_ok() { wait_for "role/ops" 10 && head1 | grep -qF "acct 210987654321 role/ops  profile ops" && wait_for "web-tg" 10; }
check ":profile ops switches to the role (account and role from GetCallerIdentity)" role_ok
snap
countdown_ok() { head1 | grep -qE "expires [0-9]+s"; }
check "short-lived credentials: the header counts down" countdown_ok
# The first credentials expire after 20 s; the console renews them and keeps working.
sleep 22
keys r
renewed_ok() {
    sleep 3
    s=$(screen)
    printf '%s\n' "$s" | head -n 1 | grep -qE "expires 1[0-9]s" &&
        ! printf '%s' "$s" | grep -qE "STALE|ExpiredToken|InvalidClientTokenId|refresh failed" &&
        printf '%s' "$s" | grep -qF "i-0"
}
check "past the first credentials' expiry the data stays fresh (renewed in the background)" renewed_ok
snap

keys :; text "profile nosuch"; keys Enter
missing_ok() {
    wait_for "the config profile (nosuch) could not be found" 5 && head1 | grep -qF "profile ops" &&
        head1 | grep -qF "role/ops" && screen | grep -qF "i-0"
}
check "a profile that does not exist: one line, the old session and data stay" missing_ok
snap

keys :; text "profile ba"; keys Tab
check ":profile completes from the AWS config and credentials files" wait_for ":profile base" 3
keys Enter
check "back to a static-key profile" wait_for "user/demo-operator" 10
keys :; text "region eu-"; keys Tab
complete_ok() { wait_for "eu-west-1" 3 && wait_for "eu-central-1" 1; }
check ":region completes from the list of regions" complete_ok
keys C-u; text "region eu-west-1"; keys Enter
region_ok() { wait_for "region eu-west-1" 10 && head1 | grep -qF "profile base"; }
check ":region switches the region and keeps the profile" region_ok
keys :; text "region us-east-1"; keys Enter
wait_for "region us-east-1" 10
snap

keys A
reopen_ok() { wait_for "in the config file" 5 && row_ok api other prod=6e0b4d5; }
check "A opens the overview again (still polled per app)" reopen_ok
keys Escape
check "Esc closes it: the panes are back" wait_for "1 Groups" 5
keys :; text apps; keys Enter
check ":apps opens it too" wait_for "in the config file" 5
keys Escape
keys @
wait_for "OPERATION" 5
snap
keys Escape

# ---- MFA: the code asked in the status line, never shown ----
scenario "" || true
sim_start "$T_DIR/profiles.yaml" || skip_all "$T_SIM_WHY"
# shellcheck disable=SC2086
console_start 160x40 $AWSFILES --app web
wait_for "web-tg" 10
keys :; text "profile mfa"; keys Enter
prompt_ok() { wait_for "MFA code for profile mfa" 5 && head1 | grep -qF "switching to profile mfa"; }
check "an MFA role asks for its code in the status line while the old data stays" prompt_ok
text 246810
masked_ok() { wait_for ":******" 3 && ! screen | grep -qF 246810; }
check "the code is masked" masked_ok
snap
keys Enter
mfa_ok() { wait_for "role/admin" 10 && head1 | grep -qF "profile mfa"; }
check "the role is assumed with the code" mfa_ok
snap
console_quit

secrets_ok() {
    for f in "$T_DIR/screens.txt" "$T_DIR/console.err" "$T_DIR/sim.out" "$T_DIR/sim.err"; do
        [ -f "$f" ] || continue
        if grep -qE "sim/demo/secret|sim/other/secret|IQoJsim|246810" "$f"; then
            echo "# a secret in $f"
            return 1
        fi
    done
    [ -s "$T_DIR/screens.txt" ]
}
check "no secret key, session token or MFA code on any screen or in any log" secrets_ok
exits_ok() { [ -s "$T_DIR/exits" ] && ! grep -qv '^0$' "$T_DIR/exits"; }
check "every console quit cleanly with q (exit 0: no sanitizer report)" exits_ok
