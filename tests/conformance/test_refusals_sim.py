#!/usr/bin/env python3
"""Refuse before anything changes: what AWS would refuse StartInstanceRefresh for is
refused when the config is read (exit 2, file:line) or when the plan is built (exit
4); and when AWS definitely refuses the refresh after the tags moved anyway (another
operator's refresh started in between), the tag moves are undone, journaled as
steps of their own, and the plan closes "refused, tags restored" (exit 4). If the
undo cannot be done, the exit is 1 and the plan stays open.

boto3 against the same simulator is the witness for "nothing changed": the tags'
digests and the group's refreshes before and after."""
import json
import os
import shutil
import tempfile
import time
import unittest

import peer_versions
import test_actions_sim as A

REQUIRED = True


class RefusalTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ok, why = A.binary_has_actions()
        if not ok:
            raise unittest.SkipTest(why)
        if A.boto3 is None:
            raise unittest.SkipTest("boto3 is not installed")

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="tarmac-refusals-")
        os.makedirs(os.path.join(self.dir, "cfg", "tarmac"))
        self.sim = A.Sim(self.dir)
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.dir, "LANG": "C.UTF-8", "TZ": "UTC",
            "XDG_CONFIG_HOME": os.path.join(self.dir, "cfg"), "XDG_STATE_HOME": os.path.join(self.dir, "state"),
            "AWS_ACCESS_KEY_ID": A.AKID, "AWS_SECRET_ACCESS_KEY": A.SECRET, "AWS_SESSION_TOKEN": A.TOKEN,
            "AWS_REGION": "us-east-1", "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        }
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
            if k in os.environ:
                self.env[k] = os.environ[k]
        kw = dict(endpoint_url=self.sim.url, region_name="us-east-1", aws_access_key_id=A.AKID,
                  aws_secret_access_key=A.SECRET, aws_session_token=A.TOKEN)
        self.ecr = A.boto3.client("ecr", **kw)
        self.asg = A.boto3.client("autoscaling", **kw)
        self.write_config("")

    def tearDown(self):
        self.sim.control("/_sim/faults", {"rules": []})
        self.sim.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    # ---- helpers ----
    def write_config(self, web_extra):
        self.config = os.path.join(self.dir, "cfg", "tarmac", "config.yaml")
        with open(self.config, "w") as f:
            f.write("defaults:\n  region: us-east-1\napps:\n"
                    "  web:\n    asg: web-asg\n    ecr_repository: web\n" + web_extra)

    def tarmac(self, *args):
        return A.subprocess.run([A.BIN, "--endpoint-url", self.sim.url] + list(args), capture_output=True,
                                text=True, env=self.env, timeout=A.CMD_TIMEOUT, stdin=A.subprocess.DEVNULL)

    def tags(self):
        out = {}
        for page in self.ecr.get_paginator("describe_images").paginate(repositoryName="web"):
            for d in page["imageDetails"]:
                for t in d.get("imageTags", []):
                    out[t] = d["imageDigest"]
        return out

    def refreshes(self):
        return self.asg.describe_instance_refreshes(AutoScalingGroupName="web-asg")["InstanceRefreshes"]

    def journal(self):
        path = os.path.join(self.dir, "state", "tarmac", "journal.jsonl")
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return [json.loads(l) for l in f.read().splitlines()]

    def assert_nothing_changed(self, tags, refreshes):
        self.assertEqual(self.tags(), tags)
        self.assertEqual(len(self.refreshes()), len(refreshes))

    def wait_tag_moved(self, tag, limit=60):
        end = time.time() + limit
        while time.time() < end:
            if any(e["type"] == "tag_moved" and tag in (e.get("tag") if isinstance(e.get("tag"), list)
                                                        else [e.get("tag")])
                   for e in self.sim.events()):
                return
            time.sleep(0.05)
        self.fail("tag %s never moved" % tag)

    # ---- refused at config load: exit 2 with file:line, nothing changed ----
    def test_checkpoint_delay_without_percentages_refused_at_load(self):
        self.write_config("    refresh:\n      checkpoint_delay: 600\n")
        tags, refs = self.tags(), self.refreshes()
        r = self.tarmac("deploy", "a9f3c21", "--app", "web", "--yes")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("config.yaml:8:", r.stderr)
        self.assertIn("CheckpointDelay (600) needs CheckpointPercentages", r.stderr)
        self.assert_nothing_changed(tags, refs)
        self.assertEqual(self.journal(), [])

    # ---- refused when planned: exit 4, nothing changed ----
    def test_missing_alarm_in_alarm_specification_refused(self):
        self.write_config("    refresh:\n      alarms: [web-unhealthy-hosts, no-such-alarm]\n")
        tags, refs = self.tags(), self.refreshes()
        r = self.tarmac("deploy", "a9f3c21", "--app", "web", "--yes")
        self.assertEqual(r.returncode, 4, r.stdout + r.stderr)
        self.assertIn("alarm 'no-such-alarm' of the refresh's AlarmSpecification does not exist",
                      r.stdout + r.stderr)
        self.assert_nothing_changed(tags, refs)

    def test_existing_alarm_in_alarm_specification_accepted(self):
        self.write_config("    refresh:\n      alarms: [web-unhealthy-hosts]\n")
        r = self.tarmac("deploy", "a9f3c21", "--app", "web", "--yes")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(len(self.refreshes()), 1)
        if not peer_versions.has_member("autoscaling", "RefreshPreferences", "AlarmSpecification"):
            self.skipTest(f"{peer_versions.botocore_name()} has no AlarmSpecification in RefreshPreferences: the "
                          "refresh started, its alarms not read back")
        self.assertEqual(self.refreshes()[0]["Preferences"]["AlarmSpecification"]["Alarms"], ["web-unhealthy-hosts"])

    def test_missing_guard_alarm_is_a_warning(self):
        self.write_config("    alarms: [web-unhealthy-hosts, web-typo-alarm]\n")
        r = self.tarmac("deploy", "a9f3c21", "--app", "web", "--yes")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("alarm 'web-typo-alarm' (apps.web.alarms) does not exist: it guards nothing",
                      r.stdout + r.stderr)
        self.assertNotIn("web-unhealthy-hosts' (apps.web.alarms) does not exist", r.stdout + r.stderr)
        # status says it too, in the table and in --json (MissingAlarms), with the state of the others
        st = self.tarmac("status", "--app", "web")
        self.assertEqual(st.returncode, 0, st.stderr)
        self.assertIn("warning: alarm 'web-typo-alarm' (apps.web.alarms) does not exist: it guards nothing",
                      st.stderr)
        self.assertRegex(st.stdout, r"web-typo-alarm +MISSING")
        self.assertRegex(st.stdout, r"web-unhealthy-hosts +(OK|ALARM|INSUFFICIENT_DATA) +metric")
        js = json.loads(self.tarmac("status", "--app", "web", "--json").stdout)
        self.assertEqual(js["MissingAlarms"], ["web-typo-alarm"])
        self.assertEqual([a["AlarmName"] for a in js["MetricAlarms"]], ["web-unhealthy-hosts"])
        self.assertEqual(js["CompositeAlarms"], [])

    def test_auto_rollback_on_latest_refused_for_lt_deploy(self):
        # web-asg on its launch template's $Latest version: AWS cannot roll back.
        self.sim.stop()
        self.sim = A.Sim(self.dir, edit=lambda y: y.replace('    launch_template: web-lt\n    version: "3"',
                                                             '    launch_template: web-lt\n    version: "$Latest"'))
        self.asg = A.boto3.client("autoscaling", endpoint_url=self.sim.url, region_name="us-east-1",
                                  aws_access_key_id=A.AKID, aws_secret_access_key=A.SECRET,
                                  aws_session_token=A.TOKEN)
        self.ecr = A.boto3.client("ecr", endpoint_url=self.sim.url, region_name="us-east-1",
                                  aws_access_key_id=A.AKID, aws_secret_access_key=A.SECRET,
                                  aws_session_token=A.TOKEN)
        g = self.asg.describe_auto_scaling_groups(AutoScalingGroupNames=["web-asg"])["AutoScalingGroups"][0]
        self.assertEqual(g["LaunchTemplate"]["Version"], "$Latest")
        self.write_config("    refresh:\n      auto_rollback: true\n")
        tags, refs = self.tags(), self.refreshes()
        r = self.tarmac("deploy", "--lt-version", "4", "--app", "web", "--yes")
        self.assertEqual(r.returncode, 4, r.stdout + r.stderr)
        self.assertIn("AutoRollback is not supported when the group uses the launch template's $Latest",
                      r.stdout + r.stderr)
        self.assert_nothing_changed(tags, refs)
        # Without AutoRollback the same deploy goes ahead.
        self.write_config("")
        r = self.tarmac("deploy", "--lt-version", "4", "--app", "web", "--yes")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    # ---- refused by AWS after the tags moved: undone ----
    def race_refresh(self, move_prod_to=None):
        """Starts a deploy whose DescribeInstanceRefreshes answers are slow, and
        starts another operator's refresh (boto3) once `prod` moved: the deploy's
        StartInstanceRefresh is then refused with InstanceRefreshInProgress."""
        self.sim.control("/_sim/faults", {"rules": [{"operation": "DescribeInstanceRefreshes",
                                                     "latency_ms": 2500}]})
        p = A.subprocess.Popen([A.BIN, "--endpoint-url", self.sim.url, "deploy", "a9f3c21", "--app", "web",
                                "--yes"], stdout=A.subprocess.PIPE, stderr=A.subprocess.PIPE, env=self.env,
                               stdin=A.subprocess.DEVNULL, text=True)
        try:
            self.wait_tag_moved("prod")
            if move_prod_to:
                m = self.ecr.batch_get_image(repositoryName="web", imageIds=[{"imageTag": move_prod_to}])
                img = m["images"][0]
                self.ecr.put_image(repositoryName="web", imageManifest=img["imageManifest"], imageTag="prod",
                                   imageManifestMediaType=img.get("imageManifestMediaType"))
            # (held at a checkpoint: it must still be running when the deploy's start arrives)
            self.asg.start_instance_refresh(AutoScalingGroupName="web-asg",
                                            Preferences={"SkipMatching": False, "MinHealthyPercentage": 50,
                                                         "CheckpointPercentages": [25, 100],
                                                         "CheckpointDelay": 3600})
            out, err = p.communicate(timeout=A.CMD_TIMEOUT)
        finally:
            if p.poll() is None:
                p.kill()
                p.communicate()
        self.sim.control("/_sim/faults", {"rules": []})
        return p.returncode, out, err

    def test_refresh_refused_after_tags_moved_is_undone(self):
        before = self.tags()
        rc, out, err = self.race_refresh()
        self.assertEqual(rc, 4, out + err)
        self.assertIn("refused, tags restored", err)
        self.assertIn("InstanceRefreshInProgress", err)
        after = self.tags()
        self.assertEqual(after["prod"], before["prod"])
        self.assertEqual(after["prod-stable"], before["prod-stable"])
        self.assertEqual(after["a9f3c21"], before["a9f3c21"])
        # Only the other operator's refresh exists.
        refs = self.refreshes()
        self.assertEqual(len(refs), 1)
        # The journal: the refused start, the undo record and its steps, a closed plan.
        recs = [x for x in self.journal() if x.get("action") == "deploy"]
        events = [x["event"] for x in recs]
        self.assertIn("plan_undo", events)
        undo = next(x for x in recs if x["event"] == "plan_undo")
        self.assertEqual([s["dst_tag"] for s in undo["undo_steps"]], ["prod", "prod-stable"])
        self.assertTrue(all(s["undo"] for s in undo["undo_steps"]))
        starts = [x for x in recs if x["event"] == "step_end" and x.get("step_kind") == "start_refresh"]
        self.assertEqual(starts[-1]["outcome"], "refused")
        undo_ends = [x for x in recs if x["event"] == "step_end" and x.get("step", 0) > 3]
        self.assertEqual([x["outcome"] for x in undo_ends], ["ok", "ok"])
        self.assertEqual(recs[-1]["event"], "plan_end")
        self.assertEqual(recs[-1]["outcome"], "refused")
        # Closed: a new plan for the app is not blocked by it.
        r = self.tarmac("resume", "--app", "web", "--yes")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("no unfinished plan", (r.stdout + r.stderr).lower())

    def deploy_with_start_error(self, code, status):
        self.sim.control("/_sim/faults", {"rules": [{"operation": "StartInstanceRefresh", "error_code": code,
                                                     "error_status": status, "error_message": "refused by test",
                                                     "error_rate": 1, "count": 1}]})
        return self.tarmac("deploy", "a9f3c21", "--app", "web", "--yes")

    def test_definite_refusals_of_the_start_are_undone(self):
        # Each a well-formed 4xx: the request was understood and refused.
        for code in ("ValidationError", "LimitExceeded", "AccessDenied"):
            with self.subTest(code=code):
                before, refs = self.tags(), self.refreshes()
                r = self.deploy_with_start_error(code, 403 if code == "AccessDenied" else 400)
                self.assertEqual(r.returncode, 4, r.stdout + r.stderr)
                self.assertIn("refused, tags restored", r.stderr)
                self.assertIn(code, r.stderr)
                self.assertEqual(self.tags(), before)
                self.assertEqual(len(self.refreshes()), len(refs))
                recs = [x for x in self.journal() if x.get("event") == "plan_end"]
                self.assertEqual(recs[-1]["outcome"], "refused")

    def test_throttled_start_is_retried_not_undone(self):
        # Throttling says nothing was done: the client's retry sends it again, and it starts.
        r = self.deploy_with_start_error("Throttling", 400)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotIn("tags restored", r.stderr)
        self.assertEqual(self.refreshes()[0]["Status"] in ("Pending", "InProgress"), True)

    def test_5xx_start_is_not_undone(self):
        # A 5xx is not definite (the request may have happened): the tags stay moved, the
        # plan stays open, and resume finds no refresh and starts it, once.
        before = self.tags()
        r = self.deploy_with_start_error("InternalFailure", 500)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertNotIn("tags restored", r.stderr)
        self.assertIn("tarmac resume --app web", r.stderr)
        self.assertNotEqual(self.tags()["prod"], before["prod"])
        self.assertEqual(self.refreshes(), [])
        res = self.tarmac("resume", "--app", "web", "--yes")
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
        self.assertEqual(len(self.refreshes()), 1)

    def test_undo_that_cannot_be_done_leaves_the_plan_open(self):
        before = self.tags()
        # Someone else also moves prod before the refresh is refused: putting it back
        # would overwrite their change, so the undo stops there.
        rc, out, err = self.race_refresh(move_prod_to="d07e6b2")
        self.assertEqual(rc, 1, out + err)
        self.assertIn("moved since this plan put it there", out + err)
        self.assertIn("tarmac resume --app web", err)
        self.assertEqual(self.tags()["prod"], before["d07e6b2"])     # theirs, untouched
        recs = [x for x in self.journal() if x.get("action") == "deploy"]
        self.assertEqual(recs[-1]["event"], "plan_interrupted")
        # Open: another deploy refuses until resume/abandon.
        r = self.tarmac("deploy", "a9f3c21", "--app", "web", "--yes")
        self.assertEqual(r.returncode, 4, r.stdout + r.stderr)
        self.assertIn("unfinished", (r.stdout + r.stderr).lower())


if __name__ == "__main__":
    unittest.main()
