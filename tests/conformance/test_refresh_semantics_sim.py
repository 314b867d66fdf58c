#!/usr/bin/env python3
"""Instance refresh semantics as AWS documents them, seen through tarmac's own
commands against `tarmac sim` (whose rules follow the AWS docs: docs/simulator.md):

- CancelInstanceRefresh "cancels an instance refresh or rollback that is in
  progress": `tarmac cancel` cancels a rollback;
- during a rollback PercentageComplete "gradually goes back down to zero":
  `tarmac watch` reads the falling number as the rollback's progress and shows
  RollbackDetails;
- a composite alarm named in the refresh's AlarmSpecification stops the refresh
  when it goes into ALARM, and `deploy --wait` says so.

boto3 against the same simulator is the witness."""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import peer_versions
import test_actions_sim as A

REQUIRED = True

COMPOSITE = """  - name: web-down
    description: web is down (composite)
    rule: ALARM("web-unhealthy-hosts") OR ALARM(api-unhealthy-hosts)
"""


def add_composite(y):
    marker = "  - name: api-unhealthy-hosts\n"
    assert marker in y
    return y.replace(marker, COMPOSITE + marker)


class SemanticsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ok, why = A.binary_has_actions()
        if not ok:
            raise unittest.SkipTest(why)
        if A.boto3 is None:
            raise unittest.SkipTest("boto3 is not installed")

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="tarmac-semantics-")
        os.makedirs(os.path.join(self.dir, "cfg", "tarmac"))
        self.sim = A.Sim(self.dir, edit=add_composite)
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.dir, "LANG": "C.UTF-8", "TZ": "UTC",
            "XDG_CONFIG_HOME": os.path.join(self.dir, "cfg"), "XDG_STATE_HOME": os.path.join(self.dir, "state"),
            "AWS_ACCESS_KEY_ID": A.AKID, "AWS_SECRET_ACCESS_KEY": A.SECRET, "AWS_SESSION_TOKEN": A.TOKEN,
            "AWS_REGION": "us-east-1", "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        }
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
            if k in os.environ:
                self.env[k] = os.environ[k]
        self.asg = A.boto3.client("autoscaling", endpoint_url=self.sim.url, region_name="us-east-1",
                                  aws_access_key_id=A.AKID, aws_secret_access_key=A.SECRET,
                                  aws_session_token=A.TOKEN)
        self.write_config("")

    def tearDown(self):
        self.sim.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def write_config(self, web_extra):
        with open(os.path.join(self.dir, "cfg", "tarmac", "config.yaml"), "w") as f:
            f.write("defaults:\n  region: us-east-1\napps:\n"
                    "  web:\n    asg: web-asg\n    ecr_repository: web\n" + web_extra)

    def tarmac(self, *args, timeout=A.CMD_TIMEOUT):
        return subprocess.run([A.BIN, "--endpoint-url", self.sim.url] + list(args), capture_output=True,
                              text=True, env=self.env, timeout=timeout, stdin=subprocess.DEVNULL)

    def newest(self):
        rs = self.asg.describe_instance_refreshes(AutoScalingGroupName="web-asg")["InstanceRefreshes"]
        return rs[0] if rs else None

    def wait_for(self, pred, limit=60):
        end = time.time() + limit
        while time.time() < end:
            r = self.newest()
            if r and pred(r):
                return r
            time.sleep(0.1)
        self.fail("the refresh never got there: %r" % (self.newest(),))

    def start_rollback(self):
        """A launch template deploy half way, then RollbackInstanceRefresh; the
        simulator slowed so the rollback is still running when the test acts."""
        d = self.tarmac("deploy", "--lt-version", "4", "--app", "web", "--yes")
        self.assertEqual(d.returncode, 0, d.stdout + d.stderr)
        self.wait_for(lambda r: r["Status"] == "InProgress" and r.get("PercentageComplete", 0) >= 25)
        self.sim.control("/_sim/speed", {"speed": 2})
        r = self.tarmac("rollback", "--app", "web", "--yes")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("RollbackInstanceRefresh", r.stdout)
        return self.wait_for(lambda x: x["Status"] == "RollbackInProgress")

    def test_cancel_during_a_rollback(self):
        self.start_rollback()
        c = self.tarmac("cancel", "--app", "web", "--yes", "--interval", "0.2")
        self.assertEqual(c.returncode, 0, c.stdout + c.stderr)
        self.assertNotIn("no instance refresh is running", c.stdout + c.stderr)
        self.assertIn("CancelInstanceRefresh", c.stdout)
        r = self.wait_for(lambda x: x["Status"] in ("Cancelled", "Cancelling"))
        self.sim.control("/_sim/speed", {"speed": 50})
        r = self.wait_for(lambda x: x["Status"] == "Cancelled")
        self.assertEqual(r["StatusReason"], "The rollback was cancelled.")
        if peer_versions.has_member("autoscaling", "InstanceRefresh", "RollbackDetails"):
            self.assertIn("RollbackDetails", r)
        else:
            self.skipTest(f"{peer_versions.botocore_name()} has no RollbackDetails in InstanceRefresh: the "
                          "cancelled rollback checked by its status and reason only")

    def test_watch_reads_a_rollback_going_down(self):
        rb = self.start_rollback()
        if peer_versions.has_member("autoscaling", "InstanceRefresh", "RollbackDetails"):
            start_pct = rb["RollbackDetails"]["PercentageCompleteOnRollback"]
        else:
            # an older botocore drops RollbackDetails: read it from tarmac's own JSON
            st = self.tarmac("status", "--asg", "web-asg", "--json")
            rd = json.loads(st.stdout)["AutoScalingGroups"][0]["InstanceRefreshes"][0]["RollbackDetails"]
            start_pct = rd["PercentageCompleteOnRollback"]
        self.assertGreater(start_pct, 0)
        self.sim.control("/_sim/speed", {"speed": 20})
        w = subprocess.Popen([A.BIN, "--endpoint-url", self.sim.url, "watch", "--app", "web", "--interval", "0.2"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self.env,
                             stdin=subprocess.DEVNULL)
        try:
            out, err = w.communicate(timeout=A.CMD_TIMEOUT)
        except subprocess.TimeoutExpired:
            w.send_signal(signal.SIGTERM)
            out, err = w.communicate(timeout=10)
        self.assertEqual(self.newest()["Status"], "RollbackSuccessful", out + err)
        text = out + err
        # RollbackDetails once, with where the refresh stood when the rollback began
        self.assertIn("rollback since", text)
        self.assertIn(f"the refresh was {start_pct}% done", text)
        # the rollback's own progress only rises, and nothing reads as a refresh starting over
        rolled = [int(m) for m in re.findall(r"RollbackInProgress rollback (\d+)% \(refresh at", text)]
        self.assertTrue(rolled, text)
        refresh_pct = [int(m) for m in re.findall(r"\(refresh at (\d+)%", text)]
        self.assertEqual(refresh_pct, sorted(refresh_pct, reverse=True), text)   # AWS's own number falls
        self.assertEqual(rolled, sorted(rolled), text)
        self.assertNotIn("start over", text.lower())
        if not peer_versions.has_member("autoscaling", "InstanceRefresh", "RollbackDetails"):
            self.skipTest(f"{peer_versions.botocore_name()} has no RollbackDetails in InstanceRefresh: where the "
                          "rollback began was read from tarmac's own status --json")

    def test_composite_alarm_in_alarm_specification_stops_the_deploy(self):
        self.write_config("    refresh:\n      alarms: [web-down]\n      min_healthy_percentage: 50\n"
                          "      checkpoint_percentages: [50, 100]\n      checkpoint_delay: 600\n")
        d = subprocess.Popen([A.BIN, "--endpoint-url", self.sim.url, "deploy", "a9f3c21", "--app", "web", "--yes",
                              "--wait", "--interval", "0.2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=self.env, stdin=subprocess.DEVNULL)
        try:
            r = self.wait_for(lambda x: x["Status"] == "InProgress")
            old_model = not peer_versions.has_member("autoscaling", "RefreshPreferences", "AlarmSpecification")
            if not old_model:
                self.assertEqual(r["Preferences"]["AlarmSpecification"]["Alarms"], ["web-down"])
            # a child of the composite fires: the composite goes into ALARM, the refresh stops
            self.sim.control("/_sim/alarm", {"name": "api-unhealthy-hosts", "state": "ALARM",
                                             "reason": "test: api down"})
            out, err = d.communicate(timeout=A.CMD_TIMEOUT)
        finally:
            if d.poll() is None:
                d.kill()
                d.communicate()
        r = self.newest()
        self.assertIn(r["Status"], ("Failed", "RollbackSuccessful", "RollbackInProgress", "RollbackFailed"))
        self.assertIn("web-down", r.get("StatusReason", ""))
        self.assertEqual(d.returncode, 5, out + err)
        self.assertIn("web-down", out + err)
        if old_model:
            self.skipTest(f"{peer_versions.botocore_name()} has no AlarmSpecification in RefreshPreferences: the "
                          "refresh's alarms not read back (its StatusReason names web-down)")


if __name__ == "__main__":
    unittest.main()
