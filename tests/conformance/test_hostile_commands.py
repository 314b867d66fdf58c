"""The `aws` commands tarmac prints can be pasted into a shell: no answer, name or
flag can make them run anything but `aws`.

Every plan kind is built against answers that carry shell syntax in every field that
reaches a command — the group's name, the launch template's id, instance ids, the
digest — and with a repository name, a region and tags that carry it on the command
line: a deploy (tag and launch template version), both rollbacks (cancel + wait +
retag + refresh, and RollbackInstanceRefresh), the undo steps of a refresh AWS
refused after the tags moved, a cancel and a promote, the notes of a group with
suspended processes and instances in Standby, and the refusals that name a fix
(an archived image, an immutable tag). Every command is then run in bash with `aws`
a function that only records its arguments: the printed ones (each `$ ` line of a
plan, continued over the lines a value's newline breaks it into, and each command
between backquotes in a note or a refusal), and the journal's (`tarmac log --json`).
Payloads are `touch` of a file in the command's directory, through `$( )`,
backquotes, `;`, `&&`, `|`, a newline and quotes: none may exist afterwards, every
command must be one bash accepts, and the journal's commands must give `aws` the
hostile values back as single, unchanged arguments. No command may appear in prose
outside those two forms.

A digest is never hostile in a plan: ECR answers with a digest that is not
sha256:<64 hex> are refused, naming the operation."""
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import canned_aws  # noqa: E402
import replay  # noqa: E402
from sim_peer import BIN, TOP  # noqa: E402

CMD_TIMEOUT = 120
PAYLOADS = [f"p{i}" for i in range(1, 16)]
ASG = ("web-asg'$(touch p1)`touch p2`;touch p3&&touch p4|touch p5\ntouch p6 \"#")
LT_ID = "lt-0a1b'$(touch p7);touch p8 \"`touch p9`\""
STANDBY_ID = "i-0bbb0bbb0bbb0bbb0'$(touch p10)"
BAD_DIGEST = "sha256:$(touch p11);touch p11"   # short: a hint cuts a digest at 80 characters
BAD_REPO = "web$(touch p12)"
BAD_REGION = "us-east-1;touch p13"
BAD_TAG = "a9f3c21`touch p14`"
ANY_AWS = re.compile(r"\baws [a-z0-9-]+ [a-z0-9-]+")
RECORD = ("aws() { for a in \"$@\"; do printf '%s\\0' \"$a\"; done >> .argv; printf '\\036\\0' >> .argv; "
          "echo 0; }\nsleep() { :; }\n")


def why_not():
    if not os.access(BIN, os.X_OK):
        return f"no tarmac binary at {BIN}"
    if not shutil.which("bash"):
        return "bash is not installed"
    return ""


# ---- reading commands out of tarmac's output ----

def _complete(cmd):
    """True when bash reads cmd as whole commands (no open quote or $( )."""
    p = subprocess.run(["bash", "-n", "-c", cmd], capture_output=True, text=True, timeout=30)
    return p.returncode == 0


def _backquoted(text, start):
    """(end, command) of the command opened by the backquote at text[start]: to the next
    backquote outside single quotes (plan_cli_quote's only quoting)."""
    i, quoted = start + 1, False
    while i < len(text):
        c = text[i]
        if quoted:
            quoted = c != "'"
        elif c == "'":
            quoted = True
        elif c == "\\":
            i += 1
        elif c == "`":
            return i + 1, text[start + 1:i]
        i += 1
    return len(text), text[start + 1:]


def printed_commands(text):
    """(commands, stray): the commands of a plan's `$ ` lines (with the lines a newline
    in a value carries them over) and those between backquotes; stray are the
    `aws SERVICE OP` found anywhere else."""
    cmds, spans = [], []
    lines = text.split("\n")
    offsets, pos = [], 0
    for line in lines:
        offsets.append(pos)
        pos += len(line) + 1
    i = 0
    while i < len(lines):
        m = re.match(r"\s*\$ ", lines[i])
        if not m:
            i += 1
            continue
        cmd, j = lines[i][m.end():], i
        while not _complete(cmd) and j + 1 < len(lines) and j - i < 20:
            j += 1
            cmd += "\n" + lines[j]
        cmds.append(cmd)
        spans.append((offsets[i], offsets[j] + len(lines[j])))
        i = j + 1
    k = 0
    while True:
        k = text.find("`aws ", k)
        if k < 0:
            break
        end, cmd = _backquoted(text, k)
        cmds.append(cmd)
        spans.append((k, end))
        k = end
    stray = [m.group(0) + text[m.end():text.find("\n", m.end())]
             for m in ANY_AWS.finditer(text) if not any(a <= m.start() < b for a, b in spans)]
    return cmds, stray


def journal_commands(env):
    """Every step command of the journal (plan_start's plans, step records, undo records)."""
    p = subprocess.run([BIN, "log", "--json"], env=env, capture_output=True, text=True, timeout=60)
    out = []
    for line in p.stdout.splitlines():
        rec = json.loads(line)
        if rec.get("cli"):
            out.append(rec["cli"])
        for st in (rec.get("plan") or {}).get("steps", []) + (rec.get("undo_steps") or []):
            if st.get("cli"):
                out.append(st["cli"])
    return out


class HostileCommands(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        why = why_not()
        if why:
            raise unittest.SkipTest(why)

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="tarmac-hostile-cmds-")
        self.ran = 0

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    # ---- running commands ----
    def run_cmd(self, cmd, exact, whole=True):
        """cmd in bash with `aws` recording its arguments; the calls [[args...]]. exact:
        a journal command (its values must come back unchanged); whole: a command as
        tarmac delimits it (bash must accept it and it must end well)."""
        self.ran += 1
        cwd = os.path.join(self.dir, f"run{self.ran}")
        os.makedirs(cwd)
        p = subprocess.run(["bash", "-c", RECORD + cmd], cwd=cwd, capture_output=True, text=True,
                           timeout=CMD_TIMEOUT, stdin=subprocess.DEVNULL)
        left = sorted(set(os.listdir(cwd)) - {".argv", "put-image.json"})
        self.assertEqual(left, [], f"the command ran something:\n{cmd}")
        if not whole:
            return []
        self.assertEqual(p.returncode, 0, f"bash refused or failed on:\n{cmd}\n{p.stderr[-800:]}")
        calls, cur = [], []
        if os.path.exists(os.path.join(cwd, ".argv")):
            for a in open(os.path.join(cwd, ".argv"), "rb").read().split(b"\0")[:-1]:
                if a == b"\x1e":
                    calls.append(cur)
                    cur = []
                else:
                    cur.append(a.decode("utf-8", "replace"))
        self.assertTrue(calls, f"no aws call in:\n{cmd}")
        if exact:
            for args in calls:
                for flag, want in (("--auto-scaling-group-name", ASG), ("--repository-name", "web")):
                    if flag in args:
                        self.assertEqual(args[args.index(flag) + 1], want, cmd)
        return calls

    def check_output(self, text):
        cmds, stray = printed_commands(text)
        for cmd in cmds:
            self.run_cmd(cmd, exact=False)
        for cmd in stray:   # as an operator would paste it: to the end of the line
            self.run_cmd(cmd, exact=False, whole=False)
        self.assertEqual(stray, [], "an aws command printed in prose, outside `$ ` lines and backquotes")
        return cmds

    def check_journal(self, env):
        """Runs the journal's commands; every aws call they make."""
        return [c for cmd in journal_commands(env) for c in self.run_cmd(cmd, exact=True)]

    # ---- against the simulator: every plan kind, run for real ----
    def world(self):
        text = open(os.path.join(TOP, "sim", "scenarios", "demo.yaml"), encoding="utf-8").read()
        text = text.replace("name: web-asg", "name: " + json.dumps(ASG))
        text = text.replace("id: lt-0a1b2c3d4e5f60001", "id: " + json.dumps(LT_ID))
        path = os.path.join(self.dir, "hostile.yaml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        w = replay.World()
        w.args[w.args.index("--scenario") + 1] = path
        w.start()
        self.addCleanup(w.stop)
        home = os.path.join(self.dir, "home")
        os.makedirs(os.path.join(home, ".config", "tarmac"), exist_ok=True)
        return w, w.env(home)

    def act(self, w, env, *args, target=("--asg", ASG, "--repo", "web"), rc=0):
        with replay.settled(w):
            p = subprocess.run([BIN, "--endpoint-url", w.url, *args, *target, "--yes"], env=env,
                               capture_output=True, text=True, timeout=CMD_TIMEOUT, stdin=subprocess.DEVNULL)
        self.assertEqual(p.returncode, rc, f"tarmac {args}: {p.stdout[-1500:]}{p.stderr[-1500:]}")
        return p.stdout + p.stderr

    def test_every_plan_kind_against_hostile_names(self):
        w, env = self.world()
        printed = []
        # a refresh AWS refuses after the tags moved: the undo steps put them back
        w.faults([{"operation": "StartInstanceRefresh", "error_code": "ValidationError", "error_rate": 1,
                   "count": 1}])
        printed.append(self.act(w, env, "deploy", "a9f3c21", rc=4))
        w.faults([])
        printed.append(self.act(w, env, "deploy", "a9f3c21"))
        printed.append(self.act(w, env, "rollback"))       # cancel, wait, prod <- prod-stable, refresh
        w.advance(86400)
        printed.append(self.act(w, env, "deploy", "--lt-version", "4", target=("--asg", ASG)))
        printed.append(self.act(w, env, "rollback", target=("--asg", ASG)))   # RollbackInstanceRefresh
        printed.append(self.act(w, env, "cancel", target=("--asg", ASG)))
        printed.append(self.act(w, env, "promote", "a9f3c21", "staging"))
        text = "\n".join(printed)
        self.assertIn("tags restored", text)
        self.assertIn("RollbackInstanceRefresh", text)
        self.check_output(text)
        calls = self.check_journal(env)
        ops = {c[1] for c in calls}
        for op in ("batch-get-image", "put-image", "start-instance-refresh", "cancel-instance-refresh",
                   "describe-instance-refreshes", "rollback-instance-refresh"):
            self.assertIn(op, ops)
        desired = [json.loads(c[c.index("--desired-configuration") + 1]) for c in calls
                   if "--desired-configuration" in c]
        self.assertTrue(desired)
        self.assertEqual(desired[0]["LaunchTemplate"]["LaunchTemplateId"], LT_ID)

    def test_refusals_with_hostile_arguments(self):
        """A repository, a region or a tag with shell syntax is refused before any call
        that could put it into a command; what is printed runs nothing."""
        w, env = self.world()
        out = []
        for args, rc in ((("deploy", "a9f3c21", "--asg", ASG, "--repo", BAD_REPO), 4),
                         (("--region", BAD_REGION, "deploy", "a9f3c21", "--asg", ASG, "--repo", "web"), None),
                         (("deploy", BAD_TAG, "--asg", ASG, "--repo", "web"), 4),
                         (("promote", "a9f3c21", BAD_TAG, "--asg", ASG, "--repo", "web"), 4)):
            p = subprocess.run([BIN, "--endpoint-url", w.url, *args, "--yes"], env=env, capture_output=True,
                               text=True, timeout=CMD_TIMEOUT, stdin=subprocess.DEVNULL)
            self.assertNotEqual(p.returncode, 0, p.stdout)
            if rc is not None:
                self.assertEqual(p.returncode, rc, p.stderr)
            out.append(p.stdout + p.stderr)
        self.check_output("\n".join(out))
        self.assertEqual(journal_commands(env), [])

    def test_immutable_tag_fix(self):
        """The refusal of a tag that cannot move names the fix as a command."""
        w, env = self.world()
        text = self.act(w, env, "promote", "d92f7a3", "3f8d1a6", target=("--asg", ASG, "--repo", "api"), rc=4)
        self.assertIn("`aws ecr put-image-tag-mutability", text)
        self.check_output(text)

    # ---- against canned answers: notes, an archived image, a hostile digest ----
    def canned(self, group=None, images=None):
        saved = (canned_aws.GROUP, canned_aws.IMAGES)
        self.addCleanup(lambda: (setattr(canned_aws, "GROUP", saved[0]), setattr(canned_aws, "IMAGES", saved[1])))
        canned_aws.GROUP = group or saved[0]
        canned_aws.IMAGES = images or saved[1]
        aws = canned_aws.CannedAws().start()
        self.addCleanup(aws.stop)
        return aws, aws.env(os.path.join(self.dir, "canned-home"))

    def hostile_group(self):
        g = copy.deepcopy(canned_aws.GROUP)
        g["AutoScalingGroupName"] = ASG
        for inst in g["Instances"]:
            if inst["LifecycleState"] == "Standby":
                inst["InstanceId"] = STANDBY_ID
        return g

    def tarmac(self, aws, env, *args):
        return subprocess.run([BIN, "--endpoint-url", aws.url, *args], env=env, capture_output=True, text=True,
                              timeout=CMD_TIMEOUT, stdin=subprocess.DEVNULL)

    def test_notes_and_the_archived_image_fix(self):
        aws, env = self.canned(group=self.hostile_group())
        deploy = self.tarmac(aws, env, "deploy", "0e00e00", "--asg", ASG, "--repo", "web")
        self.assertEqual(deploy.returncode, 4, deploy.stderr)   # no terminal, no --yes: nothing changed
        rollback = self.tarmac(aws, env, "rollback", "--asg", ASG, "--repo", "web")
        self.assertEqual(rollback.returncode, 4, rollback.stderr)
        text = deploy.stdout + deploy.stderr + rollback.stdout + rollback.stderr
        for hint in ("`aws autoscaling resume-processes", "`aws autoscaling exit-standby",
                     "`aws ecr update-image-storage-class"):
            self.assertIn(hint, text)
        calls = [c for cmd in printed_commands(text)[0] for c in self.run_cmd(cmd, exact=False)]
        exits = [c for c in calls if c[:2] == ["autoscaling", "exit-standby"]]
        self.assertTrue(exits)
        self.assertIn(STANDBY_ID, exits[0])

    def test_a_malformed_digest_is_refused(self):
        images = copy.deepcopy(canned_aws.IMAGES)
        images[1]["imageDigest"] = BAD_DIGEST      # the archived prod-stable a rollback names
        aws, env = self.canned(images=images)
        p = self.tarmac(aws, env, "rollback", "--asg", "web-asg", "--repo", "web")
        self.check_output(p.stdout + p.stderr)
        self.assertEqual(p.returncode, 4, p.stdout + p.stderr)   # refused: nothing changed
        self.assertIn("DescribeImages: imageDetails[1].imageDigest is not a sha256 digest", p.stderr)
        p = self.tarmac(aws, env, "status", "--asg", "web-asg", "--repo", "web")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("DescribeImages", p.stderr)
        self.assertNotIn("touch p11", p.stdout)


if __name__ == "__main__":
    unittest.main()
