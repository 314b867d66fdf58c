"""`tarmac status` against `tarmac sim`, where instance refreshes exist (moto has
none): the JSON's InstanceRefreshes equal what boto3 reads; and the bad input of
the foundation issue — malformed and truncated answers, 5xx, a wrong secret, a
config with a typo, an unknown app — each gives one clear line, the right exit code
and never half-written JSON."""
import datetime
import json
import os
import re
import subprocess
import tempfile
import time
import unittest

import peer_versions
from sim_peer import BIN, Sim

REQUIRED = True


def parse_time(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)


class StatusAgainstSim(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        try:
            import boto3  # noqa: F401
        except ImportError:
            raise unittest.SkipTest("SKIP: boto3 not installed")
        cls.sim = Sim(speed=20).start()
        cls.home = tempfile.mkdtemp(prefix="tarmac-status-sim-")
        cls.env = cls.sim.env(cls.home)
        cls.env["AWS_MAX_ATTEMPTS"] = "2"

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def setUp(self):
        self.sim.faults([])

    def run_tarmac(self, *args, env=None):
        p = subprocess.run([BIN, *args, "--endpoint-url", self.sim.url], env=env or self.env,
                           capture_output=True, text=True, timeout=120)
        self.assertNotIn(self.sim.secret, p.stdout + p.stderr)
        return p

    def test_watch_prints_only_measured_counts_with_times(self):
        # A refresh runs while target health cannot be read: `watch` says the count is
        # unknown, never 0/N nor the desired capacity in its place; every line has its time.
        asg = self.sim.client("autoscaling")
        started = False
        try:
            asg.start_instance_refresh(AutoScalingGroupName="api-asg")
            started = True
        except asg.exceptions.InstanceRefreshInProgressFault:
            pass   # the scenario's own refresh runs: it will do
        self.sim.faults([{"operation": "DescribeTargetHealth", "error_5xx_rate": 1}])
        p = self.run_tarmac("watch", "--asg", "api-asg", "--interval", "0.2", "--timeout", "4")
        lines = [l for l in p.stdout.splitlines() if l.strip()]
        self.assertTrue(lines, p.stdout + p.stderr)
        self.assertFalse([l for l in lines if re.search(r"healthy \d+/\d+", l)], p.stdout)
        # Unknown, as far as it was asked: "healthy ?" (with why once the failure is in).
        self.assertTrue([l for l in lines if "healthy ?" in l], p.stdout)
        for l in lines:
            self.assertRegex(l, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ")
        # Once health reads again, the measured count shows (a long refresh, so that
        # the watch sees it running after the health answer arrives).
        self.sim.faults([])
        started = False
        for _ in range(120):   # the scenario's own refresh may still be ending (bounded: 60 s)
            try:
                asg.start_instance_refresh(AutoScalingGroupName="api-asg",
                                           Preferences={"MinHealthyPercentage": 90, "InstanceWarmup": 3600})
                started = True
                break
            except asg.exceptions.InstanceRefreshInProgressFault:
                time.sleep(0.5)
        self.assertTrue(started, "a refresh of api-asg never ended")
        p = self.run_tarmac("watch", "--asg", "api-asg", "--interval", "0.2", "--timeout", "3")
        self.assertRegex(p.stdout, r"healthy \d+/\d+")
        if started:
            asg.cancel_instance_refresh(AutoScalingGroupName="api-asg")

    def test_creds_prints_the_identity(self):
        sts = self.sim.client("sts").get_caller_identity()
        p = self.run_tarmac("creds")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("account:       %s\n" % sts["Account"], p.stdout)
        self.assertIn("identity:      %s\n" % sts["Arn"], p.stdout)
        p = self.run_tarmac("creds", "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        got = json.loads(p.stdout)
        self.assertEqual((got["account"], got["arn"], got["user_id"]), (sts["Account"], sts["Arn"], sts["UserId"]))
        self.assertNotIn("identity_error", got)
        # Keys AWS does not take: the credentials still resolve (exit 0), the identity says why not.
        env = dict(self.env, AWS_ACCESS_KEY_ID="AKIAWRONGWRONGWRONG1", AWS_SECRET_ACCESS_KEY="wrong")
        p = self.run_tarmac("creds", env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("identity:      could not be read: sts GetCallerIdentity: ", p.stdout)
        p = self.run_tarmac("creds", "--json", env=env)
        self.assertTrue(json.loads(p.stdout)["identity_error"])

    def test_refreshes_that_fail_are_unknown_not_none(self):
        # A fault on DescribeInstanceRefreshes alone: the rest is read, the refreshes
        # are said to be unknown with the error (sanitized), never "none".
        self.sim.faults([{"operation": "DescribeInstanceRefreshes", "error_5xx_rate": 1}])
        p = self.run_tarmac("status", "--asg", "web-asg")
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("refreshes: could not be read (DescribeInstanceRefreshes: ", p.stdout)
        self.assertNotIn("refreshes: none", p.stdout)
        self.assertIn("web-tg", p.stdout)
        p = self.run_tarmac("status", "--json", "--asg", "web-asg")
        self.assertEqual(p.returncode, 3, p.stderr)
        (g,) = json.loads(p.stdout)["AutoScalingGroups"]
        self.assertNotIn("InstanceRefreshes", g)
        self.assertEqual(g["InstanceRefreshesError"]["Operation"], "DescribeInstanceRefreshes")
        self.assertEqual(g["InstanceRefreshesError"]["HTTPStatusCode"] // 100, 5)
        p = self.run_tarmac("watch", "--asg", "web-asg", "--interval", "0.2", "--timeout", "5")
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("the instance refreshes of web-asg could not be read: DescribeInstanceRefreshes: ", p.stderr)
        self.assertNotIn("no instance refresh", p.stdout + p.stderr)
        # Without the fault the same group has none, and says so.
        self.sim.faults([])
        p = self.run_tarmac("status", "--asg", "web-asg")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("refreshes: none", p.stdout)

    def test_refreshes_match_boto3(self):
        asg = self.sim.client("autoscaling")
        try:
            asg.start_instance_refresh(AutoScalingGroupName="api-asg",
                                       Preferences={"MinHealthyPercentage": 50, "InstanceWarmup": 30,
                                                    "CheckpointPercentages": [50, 100], "CheckpointDelay": 60,
                                                    "SkipMatching": False})
        except asg.exceptions.InstanceRefreshInProgressFault:
            pass
        self.sim.advance(45)
        p = self.run_tarmac("status", "--json", "--asg", "api-asg")
        self.assertEqual(p.returncode, 0, p.stderr)
        ours = json.loads(p.stdout)["AutoScalingGroups"][0]["InstanceRefreshes"]
        theirs = asg.describe_instance_refreshes(AutoScalingGroupName="api-asg", MaxRecords=5)["InstanceRefreshes"]
        self.assertEqual([r["InstanceRefreshId"] for r in ours], [r["InstanceRefreshId"] for r in theirs])
        gaps = []   # members an older botocore cannot read, so cannot be compared
        for a, b in zip(ours, theirs):
            a, g = peer_versions.known_part("autoscaling", "InstanceRefresh", a)
            gaps += g
            for k, v in b.items():
                self.assertIn(k, a, k)
                if isinstance(v, datetime.datetime):
                    self.assertLess(abs((parse_time(a[k]) - v).total_seconds()), 0.002, k)
                elif k in ("PercentageComplete", "InstancesToUpdate", "Status", "StatusReason", "ProgressDetails"):
                    pass  # the world moves between the two reads
                else:
                    self.assertEqual(a[k], v, k)
        self.assertEqual(ours[0]["Preferences"]["CheckpointPercentages"], [50, 100])
        if gaps:
            self.skipTest(peer_versions.gaps_reason(gaps))

    def test_malformed_answer_is_one_clear_line(self):
        self.sim.faults([{"operation": "DescribeAutoScalingGroups", "malformed_rate": 1.0}])
        p = self.run_tarmac("status", "--json", "--asg", "web-asg")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertEqual(p.stdout, "")
        self.assertRegex(p.stderr, r"^tarmac: DescribeAutoScalingGroups: MalformedResponse: [^\n]+\n$")

    def test_truncated_answer_is_one_clear_line(self):
        self.sim.faults([{"operation": "DescribeAutoScalingGroups", "truncate_rate": 1.0}])
        p = self.run_tarmac("status", "--json", "--asg", "web-asg")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertEqual(p.stdout, "")
        self.assertEqual(len(p.stderr.splitlines()), 1, p.stderr)
        self.assertIn("DescribeAutoScalingGroups", p.stderr)

    def test_failing_target_health_gives_partial_snapshot(self):
        self.sim.faults([{"operation": "DescribeTargetHealth", "error_5xx_rate": 1.0}])
        p = self.run_tarmac("status", "--json", "--asg", "web-asg", "--repo", "web")
        self.assertEqual(p.returncode, 3, p.stderr)
        doc = json.loads(p.stdout)
        self.assertEqual({e["Operation"] for e in doc["Errors"]}, {"DescribeTargetHealth"})
        self.assertTrue(doc["Repositories"][0]["imageDetails"])
        tg = doc["AutoScalingGroups"][0]["TargetGroups"][0]
        self.assertNotIn("TargetHealthDescriptions", tg)
        self.assertIn("TargetGroupName", tg)

    def test_throttling_is_retried(self):
        # Throttled once per request pair at most: the retry succeeds (AWS_MAX_ATTEMPTS=3).
        self.sim.faults([{"operation": "DescribeImages", "throttle_rate": 0.5}])
        env = dict(self.env, AWS_MAX_ATTEMPTS="10")
        p = self.run_tarmac("status", "--json", "--asg", "web-asg", "--repo", "web", env=env)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_wrong_secret(self):
        env = dict(self.env, AWS_SECRET_ACCESS_KEY="not-the-secret")
        p = self.run_tarmac("status", env=env)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stdout, "")
        self.assertIn("SignatureDoesNotMatch", p.stderr)
        self.assertNotIn("not-the-secret", p.stderr)

    def test_config_typo(self):
        cfg = os.path.join(self.home, "typo.yaml")
        with open(cfg, "w") as f:
            f.write("apps:\n  web:\n    asg: web-asg\n    ecr_repostory: web\n")
        p = self.run_tarmac("status", "--config", cfg, "--app", "web")
        self.assertEqual(p.returncode, 2)
        self.assertEqual(p.stdout, "")
        self.assertRegex(p.stderr, r"typo\.yaml:4:5: unknown key \"ecr_repostory\"")
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)

    def test_app_from_config(self):
        cfg = os.path.join(self.home, "ok.yaml")
        with open(cfg, "w") as f:
            f.write("apps:\n  web:\n    asg: web-asg\n    ecr_repository: web\n")
        p = self.run_tarmac("status", "--json", "--config", cfg, "--app", "web")
        self.assertEqual(p.returncode, 0, p.stderr)
        doc = json.loads(p.stdout)
        self.assertEqual([g["AutoScalingGroupName"] for g in doc["AutoScalingGroups"]], ["web-asg"])
        self.assertEqual([r["repositoryName"] for r in doc["Repositories"]], ["web"])
        p = self.run_tarmac("status", "--config", cfg, "--app", "nope")
        self.assertEqual(p.returncode, 2)
        self.assertIn("no app named 'nope'", p.stderr)

    def test_every_group_when_none_named(self):
        p = self.run_tarmac("status", "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        names = sorted(g["AutoScalingGroupName"] for g in json.loads(p.stdout)["AutoScalingGroups"])
        self.assertEqual(names, ["api-asg", "web-asg"])


if __name__ == "__main__":
    unittest.main()
