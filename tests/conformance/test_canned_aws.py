"""Headless output against canned AWS answers (canned_aws.py) for what the simulator
cannot produce yet: suspended processes, Standby and scale-in protected instances,
a warm pool, unused and unhealthy.draining targets, an archived stable image with
scan findings, and a refresh rolling back. `tarmac status` (table and --json)
must show them, a rollback to the archived stable tag must be refused before any
change (exit 4) with the command that restores it, a deploy's plan must warn about
the group, and `tarmac watch` must read the falling percentage as the rollback's
progress after one line with its RollbackDetails."""
import json
import os
import re
import subprocess
import tempfile
import unittest

import canned_aws
from canned_aws import CannedAws, SECRET_KEY

TARMAC = os.environ.get("TARMAC_BIN", os.path.join(os.path.dirname(__file__), "..", "..", "tarmac"))


class CannedStatusAndPlans(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.aws = CannedAws().start()
        cls.home = tempfile.mkdtemp(prefix="tarmac-canned-")
        cls.env = cls.aws.env(cls.home)

    @classmethod
    def tearDownClass(cls):
        cls.aws.stop()

    def setUp(self):
        self.aws.set_refreshes([[canned_aws.refresh("Successful", 100, to_update=0)]])

    def run_tarmac(self, *args, timeout=60):
        p = subprocess.run([TARMAC, *args, "--endpoint-url", self.aws.url], env=self.env, capture_output=True,
                           text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        for stream in (p.stdout, p.stderr):
            self.assertNotIn(SECRET_KEY, stream)
        return p

    def test_status_table(self):
        p = self.run_tarmac("status", "--asg", "web-asg", "--repo", "web")
        self.assertEqual(p.returncode, 0, p.stderr)
        out = p.stdout
        self.assertIn("suspended processes: Launch, AZRebalance  (a refresh is stalled or unsafe: Launch)", out)
        self.assertIn("warm pool: 1 instances, Stopped, min 1, max prepared 4, reuse on scale in yes", out)
        self.assertRegex(out, r"i-0bbb0bbb0bbb0bbb0 .*Standby .*\[standby\]")
        self.assertRegex(out, r"i-0ccc0ccc0ccc0ccc0 .*\[protected from scale in\]")
        self.assertRegex(out, r"i-0ddd0ddd0ddd0ddd0 .*Warmed:Stopped .*\[warm pool\]")
        self.assertIn("TRAFFIC SOURCE vpc-lattice " + canned_aws.LATTICE_ARN, out)
        # Only "healthy" is healthy: unused and unhealthy.draining are listed, not counted.
        self.assertIn("web-tg  1/3 healthy", out)
        self.assertRegex(out, r"unhealthy.draining +Target.FailedHealthChecks +Health checks failed")
        self.assertRegex(out, r"unused +Target.InvalidState")
        self.assertRegex(out, r"sha256:5ab1e0d2c3b4 .* ARCHIVED +- +prod-stable, 9b8e7d6")
        self.assertRegex(out, r"sha256:c0ffee1c0ffe .* ACTIVE +C1 M3 L7 +prod, c0ffee1")

    def test_status_json(self):
        p = self.run_tarmac("status", "--asg", "web-asg", "--repo", "web", "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        doc = json.loads(p.stdout)
        (g,) = doc["AutoScalingGroups"]
        self.assertEqual(g["SuspendedProcesses"], canned_aws.GROUP["SuspendedProcesses"])
        self.assertEqual(g["TrafficSources"], canned_aws.GROUP["TrafficSources"])
        self.assertEqual(g["WarmPoolConfiguration"], canned_aws.GROUP["WarmPoolConfiguration"])
        self.assertEqual(g["WarmPoolSize"], 1)
        self.assertEqual(g["WarmPool"]["Instances"][0]["LifecycleState"], "Warmed:Stopped")
        (r,) = doc["Repositories"]
        imgs = {i["imageDigest"]: i for i in r["imageDetails"]}
        stable = imgs[canned_aws.D_STABLE]
        self.assertEqual(stable["imageStatus"], "ARCHIVED")
        self.assertEqual(stable["lastArchivedAt"], "2024-04-24T23:06:40.000Z")
        live = imgs[canned_aws.D_LIVE]
        self.assertEqual(live["imageScanStatus"]["status"], "COMPLETE")
        self.assertEqual(live["imageScanFindingsSummary"]["findingSeverityCounts"],
                         {"CRITICAL": 1, "MEDIUM": 3, "LOW": 7})

    def test_status_shows_a_rollback(self):
        self.aws.set_refreshes(canned_aws.rolling_back_script()[1:2])   # RollbackInProgress at 30 %
        p = self.run_tarmac("status", "--asg", "web-asg")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("rollback since 2024-05-01T12:10:03.000Z (Manual rollback (RollbackInstanceRefresh)): the "
                      "refresh was 60% done, 2 to update; live pool 60%, 1 to update; warm pool 50%, 1 to update; "
                      "now rollback 50% (refresh at 30%, was 60%)", p.stdout)

    def test_rollback_to_archived_stable_is_refused(self):
        p = self.run_tarmac("rollback", "--asg", "web-asg", "--repo", "web", "--yes")
        self.assertEqual(p.returncode, 4, p.stdout + p.stderr)
        both = p.stdout + p.stderr
        self.assertIn("'prod-stable' (sha256:5ab1e0d2c3b4) is in ECR's archive", both)
        self.assertIn("aws ecr update-image-storage-class --region us-east-1 --repository-name web --image-id "
                      f"imageDigest={canned_aws.D_STABLE} --target-storage-class STANDARD", both)
        self.assertNotIn("PutImage", self.aws.calls)
        self.assertNotIn("StartInstanceRefresh", self.aws.calls)

    def test_deploy_of_archived_tag_is_refused(self):
        p = self.run_tarmac("deploy", "9b8e7d6", "--asg", "web-asg", "--repo", "web", "--yes")
        self.assertEqual(p.returncode, 4, p.stdout + p.stderr)
        self.assertIn("'9b8e7d6' (sha256:5ab1e0d2c3b4) is in ECR's archive", p.stdout + p.stderr)
        p = self.run_tarmac("promote", "9b8e7d6", "staging", "--asg", "web-asg", "--repo", "web", "--yes")
        self.assertEqual(p.returncode, 4, p.stdout + p.stderr)
        self.assertNotIn("PutImage", self.aws.calls)

    def test_deploy_plan_warns_about_the_group(self):
        # No terminal, no --yes: the plan is shown and nothing changes (exit 4).
        p = self.run_tarmac("deploy", "0e00e00", "--asg", "web-asg", "--repo", "web")
        self.assertEqual(p.returncode, 4, p.stdout + p.stderr)
        out = p.stdout
        self.assertIn("suspended processes on web-asg: Launch (the refresh cannot launch replacements, so it "
                      "replaces no instance); also suspended, no effect on the refresh: AZRebalance", out)
        self.assertIn("1 instance in Standby (i-0bbb0bbb0bbb0bbb0): the refresh waits for them "
                      "(StandbyInstances=Wait, the default); it will not finish until they leave Standby", out)
        self.assertIn("1 instance protected from scale in (i-0ccc0ccc0ccc0ccc0): the refresh waits for their "
                      "protection to be removed (ScaleInProtectedInstances=Wait, the default)", out)
        self.assertNotIn("StartInstanceRefresh", self.aws.calls)

    def test_watch_reads_a_rollback(self):
        self.aws.set_refreshes(canned_aws.rolling_back_script())
        p = self.run_tarmac("watch", "--asg", "web-asg", "--interval", "0.1", "--timeout", "60")
        # The refresh ended RollbackSuccessful: not a success for `watch`.
        self.assertEqual(p.returncode, 5, p.stdout + p.stderr)
        lines = p.stdout.splitlines()
        told = [l for l in lines if "rollback since" in l]
        self.assertEqual(len(told), 1, p.stdout)
        self.assertIn("rollback since 2024-05-01T12:10:03.000Z (Manual rollback (RollbackInstanceRefresh)): the "
                      "refresh was 60% done, 2 to update", told[0])
        progress = [int(m.group(1)) for m in (re.search(r"RollbackInProgress rollback (\d+)%", l) for l in lines)
                    if m]
        self.assertEqual(progress, [25, 50, 75, 100], p.stdout)
        self.assertIn("(refresh at 15%, was 60%)", p.stdout)
        self.assertIn("refresh RollbackSuccessful", p.stderr)


if __name__ == "__main__":
    unittest.main()
