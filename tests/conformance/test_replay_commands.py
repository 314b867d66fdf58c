"""The `aws` commands tarmac prints for a plan do what the plan did.

Each test runs tarmac's own action against World A and the printed commands of the
same plans (the journal's `cli` of every step that ran) with the installed AWS CLI
against World B — the same scenario and seed, both with stopped clocks that move
only together — then compares the worlds: every tag and the digest it points at, the
images (a tag move must not create a digest), and each refresh's preferences and
desired configuration (DescribeInstanceRefreshes). A command this CLI does not know
(an old CLI without rollback-instance-refresh or a newer preference) is skipped
with the reason.

Covered: a deploy (stable <- live, live <- TAG, StartInstanceRefresh) of an image
whose manifest ends with a newline and holds CR, tab and non-ASCII characters, both
rollbacks (cancel + wait + live <- stable + refresh, and RollbackInstanceRefresh after
a launch template deploy), promote, and a refresh with every preference the config
can set."""
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import replay  # noqa: E402
from sim_peer import BIN  # noqa: E402

REQUIRED = True
CMD_TIMEOUT = 300
REPOS, GROUPS = ("web",), ("web-asg",)

# Ends with a newline; CR, tab, and characters outside ASCII (2, 3 and 4 bytes in UTF-8).
ODD_MANIFEST = ('{\r\n  "schemaVersion": 2,\n  "mediaType": "application/vnd.oci.image.manifest.v1+json",\n'
                '  "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "size": 7, '
                '"digest": "sha256:' + "c0" * 32 + '"},\n  "layers": [],\n'
                '  "annotations": {"org.opencontainers.image.description": "caf\u00e9 \u2615 \U0001F680\tdone"}\n}\n')

PREFS_CONFIG = """apps:
  web:
    asg: web-asg
    ecr_repository: web
    refresh:
      min_healthy_percentage: 75
      max_healthy_percentage: 150
      instance_warmup: 45
      checkpoint_percentages: [25, 100]
      checkpoint_delay: 120
      skip_matching: true
      scale_in_protected_instances: Refresh
      standby_instances: Terminate
      alarms: [web-unhealthy-hosts]
      bake_time: 30
"""


def why_not():
    if not os.access(BIN, os.X_OK):
        return f"no tarmac binary at {BIN}"
    if not shutil.which("aws"):
        return "the AWS CLI (aws) is not installed"
    try:
        import boto3  # noqa: F401
    except ImportError:
        return "boto3 is not installed"
    return ""


class ReplayCommands(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        why = why_not()
        if why:
            raise unittest.SkipTest(why)

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="tarmac-replay-")
        self.a = replay.World().start()
        self.b = replay.World().start()
        for d in ("a", "b", "cwd"):
            os.makedirs(os.path.join(self.dir, d, ".config", "tarmac"))
        self.env_a = self.a.env(os.path.join(self.dir, "a"))
        self.cli = replay.AwsCli(replay.cli_env(self.b, os.path.join(self.dir, "b")))
        self.cwd = os.path.join(self.dir, "cwd")
        self.done = set()

    def tearDown(self):
        self.a.stop()
        self.b.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    # ---- helpers ----
    def both(self, fn):
        return fn(self.a), fn(self.b)

    def config(self, text):
        with open(os.path.join(self.dir, "a", ".config", "tarmac", "config.yaml"), "w", encoding="utf-8") as f:
            f.write(text)

    def act(self, *args, target=("--asg", "web-asg", "--repo", "web")):
        """tarmac's own action on World A; the plans it journaled (new ones only)."""
        import subprocess
        with replay.settled(self.a):
            p = subprocess.run([BIN, "--endpoint-url", self.a.url, *args, *target, "--yes"], env=self.env_a,
                               capture_output=True, text=True, timeout=CMD_TIMEOUT, stdin=subprocess.DEVNULL)
        self.assertEqual(p.returncode, 0, f"tarmac {' '.join(args)}: {p.stdout[-1500:]}{p.stderr[-1500:]}")
        plans = [pl for pl in replay.journal_plans(self.env_a) if pl["plan_id"] not in self.done]
        self.done |= {pl["plan_id"] for pl in plans}
        self.assertTrue(plans, p.stdout)
        return plans

    def replay(self, plans):
        """The printed command of every step that ran, in order, against World B."""
        ran = []
        for pl in plans:
            for st in pl["steps"]:
                if st["outcome"] != "ok":
                    continue
                why = self.cli.unsupported(st["cli"])
                if why:
                    self.skipTest(f"{pl['action']} step {st['step']} ({st['kind']}) not replayed: {why}")
                with replay.settled(self.b):
                    r = self.cli.run(st["cli"], self.b, self.cwd)
                self.assertEqual(r.returncode, 0, f"step {st['step']} ({st['kind']}): {st['cli']}\n"
                                                  f"{r.stdout[-800:]}{r.stderr[-1500:]}")
                ran.append(st["kind"])
        return ran

    def assertSameWorld(self, before):
        wa, wb = self.both(lambda w: w.snapshot(REPOS, GROUPS))
        self.assertEqual(wb["tags"], wa["tags"])
        self.assertEqual(wb["images"], wa["images"])
        self.assertEqual(wb["images"], before["images"], "a tag move created an image")
        self.assertEqual(wb["refreshes"], wa["refreshes"])
        return wa

    def push_odd_image(self, tag):
        digests = self.both(lambda w: w.client("ecr").put_image(
            repositoryName="web", imageManifest=ODD_MANIFEST, imageTag=tag)["image"]["imageId"]["imageDigest"])
        self.assertEqual(digests[0], digests[1])
        return digests[0]

    def snapshot(self):
        return self.a.snapshot(REPOS, GROUPS)

    # ---- the actions ----
    def test_deploy_moves_tags_to_the_same_bytes(self):
        odd = self.push_odd_image("odd1")
        before = self.snapshot()
        ran = self.replay(self.act("deploy", "odd1"))
        self.assertEqual(ran, ["copy_tag", "copy_tag", "start_refresh"])
        w = self.assertSameWorld(before)
        self.assertEqual(w["tags"]["web"]["prod"], odd)
        self.assertEqual(w["tags"]["web"]["prod-stable"], before["tags"]["web"]["prod"])
        self.assertEqual(len(w["refreshes"]["web-asg"]), 1)

    def test_rollback_by_moving_the_tag_back(self):
        self.push_odd_image("odd1")
        before = self.snapshot()
        self.replay(self.act("deploy", "odd1"))
        # the refresh is still running (the clocks are stopped): cancel, wait, retag, refresh
        ran = self.replay(self.act("rollback"))
        self.assertEqual(ran, ["cancel_refresh", "wait_refresh_end", "copy_tag", "start_refresh"])
        w = self.assertSameWorld(before)
        self.assertEqual(w["tags"]["web"]["prod"], before["tags"]["web"]["prod"])
        self.assertEqual(len(w["refreshes"]["web-asg"]), 2)
        self.assertEqual(self.both(lambda x: x.refresh_statuses()["web-asg"]), ("Pending", "Pending"))

    def test_promote(self):
        odd = self.push_odd_image("odd1")
        before = self.snapshot()
        ran = self.replay(self.act("promote", "odd1", "staging"))
        ran += self.replay(self.act("promote", "a9f3c21", "odd1"))   # a tag off the odd image
        self.assertEqual(ran, ["copy_tag", "copy_tag"])
        w = self.assertSameWorld(before)
        self.assertEqual(w["tags"]["web"]["staging"], odd)
        self.assertEqual(w["tags"]["web"]["odd1"], before["tags"]["web"]["a9f3c21"])

    def test_rollback_instance_refresh_after_a_launch_template_deploy(self):
        before = self.snapshot()
        ran = self.replay(self.act("deploy", "--lt-version", "4"))
        self.assertEqual(ran, ["start_refresh"])
        ran = self.replay(self.act("rollback"))
        self.assertEqual(ran, ["rollback_refresh"])
        w = self.assertSameWorld(before)
        self.assertEqual(w["refreshes"]["web-asg"][0]["DesiredConfiguration"]["LaunchTemplate"]["Version"], "4")
        self.assertEqual(self.both(lambda x: x.refresh_statuses()["web-asg"]),
                         ("RollbackInProgress", "RollbackInProgress"))

    def test_refresh_preferences_and_desired_configuration(self):
        """Every preference the config can set, for a tag deploy and a launch template one."""
        self.config(PREFS_CONFIG)
        before = self.snapshot()
        self.replay(self.act("deploy", "a9f3c21", target=("--app", "web")))
        self.both(lambda w: w.advance(86400))   # both refreshes end alike: the next may start
        self.replay(self.act("deploy", "--lt-version", "4", target=("--app", "web")))
        w = self.assertSameWorld(before)
        lt, tag = w["refreshes"]["web-asg"]
        self.assertEqual(tag["Preferences"]["SkipMatching"], False)   # an image deploy replaces every instance
        self.assertEqual(lt["Preferences"]["SkipMatching"], True)
        for r in (lt, tag):
            p = r["Preferences"]
            self.assertEqual((p["MinHealthyPercentage"], p["MaxHealthyPercentage"], p["InstanceWarmup"],
                              p["CheckpointPercentages"], p["CheckpointDelay"], p["BakeTime"],
                              p["ScaleInProtectedInstances"], p["StandbyInstances"],
                              p["AlarmSpecification"]["Alarms"]),
                             (75, 150, 45, [25, 100], 120, 30, "Refresh", "Terminate", ["web-unhealthy-hosts"]))
        self.assertEqual(lt["DesiredConfiguration"]["LaunchTemplate"]["Version"], "4")

    def test_command_lines_are_read_whole(self):
        """invocations() finds every aws call of a printed command, inside $( ) too, and
        AwsCli.unsupported() names what an old CLI would lack."""
        cmd = ("n=0; until [ \"$(aws autoscaling describe-instance-refreshes --region us-east-1 "
               "--auto-scaling-group-name 'a b' --query 'length(x[?contains(`[\"P\"]`, S)])' --output text)\" = 0 ]"
               " || [ \"$((n += 1))\" -gt 3 ]; do sleep 2; done; aws ecr put-image --image-tag 'it''s' "
               "> f && aws autoscaling start-instance-refresh --preferences '{\"BakeTime\": 1, \"Nope\": 2}'")
        inv = replay.invocations(cmd)
        self.assertEqual([i[:2] for i in inv], [["autoscaling", "describe-instance-refreshes"],
                                                ["ecr", "put-image"], ["autoscaling", "start-instance-refresh"]])
        self.assertEqual(inv[0][inv[0].index("--auto-scaling-group-name") + 1], "a b")
        self.assertEqual(inv[1][-1], "its")
        why = self.cli.unsupported("aws autoscaling start-instance-refresh --preferences '{\"Nope\": 1}'")
        self.assertIn("does not know Preferences.Nope", why)
        why = self.cli.unsupported("aws autoscaling no-such-operation --region us-east-1")
        self.assertIn("`aws autoscaling no-such-operation` is not there", why)
        self.assertIsNone(self.cli.unsupported("aws autoscaling start-instance-refresh --preferences "
                                               "'{\"MinHealthyPercentage\": 90}' --region us-east-1"))


if __name__ == "__main__":
    unittest.main()
