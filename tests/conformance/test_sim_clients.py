#!/usr/bin/env python3
"""Clients written by others against `tarmac sim`: the AWS CLI and boto3 sign every
request and parse every answer of the simulator, and a deploy at high speed behaves
as AWS documents it (a good tag ends Successful with every instance replaced and the
healthy count never under the MinHealthyPercentage bound; a bad tag fails with a
reason). Environment: TARMAC_BIN (the tarmac binary), TARMAC_TOP (the repository)."""
import ctypes
import hashlib
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

try:
    import boto3
    import botocore.config
    import botocore.exceptions
    import yaml
except ImportError:  # reported as skips below
    boto3 = None

from sim_peer import control_request, read_start

TOP = os.environ.get("TARMAC_TOP") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("TARMAC_BIN") or os.path.join(TOP, "tarmac")
SCENARIO = os.path.join(TOP, "sim", "scenarios", "demo.yaml")
REQUIRED = True       # CI must have the AWS CLI and boto3 (tap.py prints "# REQUIRED")
STEP_S = 15            # simulated seconds per /_sim/advance while waiting
MAX_STEPS = 400        # bound on every wait loop (400 * 15 s = 100 simulated minutes)


def _die_with_parent():
    """In the child before exec: SIGTERM the simulator if this test process dies, so a
    killed test run leaves no server behind (Linux PR_SET_PDEATHSIG)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM), 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _seconds(v):
    if isinstance(v, (int, float)):
        return float(v)
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", str(v))
    if not m:
        return 0.0
    return float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


class SimClients(unittest.TestCase):
    proc = None

    @classmethod
    def setUpClass(cls):
        if boto3 is None:
            raise unittest.SkipTest("boto3 / PyYAML not installed")
        if shutil.which("aws") is None:
            raise unittest.SkipTest("the AWS CLI is not installed")
        if not (os.path.isfile(BIN) and os.access(BIN, os.X_OK)):
            raise unittest.SkipTest(f"no tarmac binary at {BIN}")
        with open(SCENARIO, encoding="utf-8") as f:
            cls.scenario = yaml.safe_load(f)
        cred = cls.scenario["credentials"][0]
        cls.akid = cred["access_key_id"]
        cls.secret = cred["secret_access_key"]
        cls.token = cred.get("session_token")
        cls.region = cls.scenario.get("region", "us-east-1")
        cls.account = str(cls.scenario.get("account", "123456789012"))
        cls.proc = subprocess.Popen([BIN, "sim", "--port", "0", "--scenario", "demo", "--speed", "50", "--seed", "1"],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                    preexec_fn=_die_with_parent)
        try:
            cls.url, cls.control_token = read_start(cls.proc.stdout)
        except RuntimeError as e:
            cls.proc.kill()
            cls.proc.wait(5)
            raise AssertionError(f"{e}; stderr: {cls.proc.stderr.read()[:500]!r}")
        cls.env = dict(os.environ, AWS_ACCESS_KEY_ID=cls.akid, AWS_SECRET_ACCESS_KEY=cls.secret,
                       AWS_DEFAULT_REGION=cls.region, AWS_CONFIG_FILE="/dev/null",
                       AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_EC2_METADATA_DISABLED="true", AWS_PAGER="")
        cls.env.pop("AWS_PROFILE", None)
        if cls.token:
            cls.env["AWS_SESSION_TOKEN"] = cls.token
        else:
            cls.env.pop("AWS_SESSION_TOKEN", None)

    @classmethod
    def tearDownClass(cls):
        if cls.proc is None:
            return
        cls.proc.terminate()      # SIGTERM: a clean stop, exit status 0
        try:
            rc = cls.proc.wait(10)
        except subprocess.TimeoutExpired:
            cls.proc.kill()
            cls.proc.wait(5)
            raise AssertionError("the simulator did not stop on SIGTERM within 10 s")
        cls.proc.stdout.close()
        cls.proc.stderr.close()
        if rc != 0:
            raise AssertionError(f"the simulator exited with {rc} after SIGTERM")

    # ---------- helpers ----------

    def aws(self, *args, expect_error=None):
        cmd = ["aws", "--endpoint-url", self.url, "--region", self.region, "--output", "json", *args]
        r = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=120)
        if expect_error:
            self.assertNotEqual(r.returncode, 0, r.stdout)
            self.assertIn(expect_error, r.stderr)
            return r.stderr
        self.assertEqual(r.returncode, 0, f"{' '.join(args)}: {r.stderr}")
        return json.loads(r.stdout) if r.stdout.strip() else {}

    def client(self, service, secret=None):
        return boto3.session.Session().client(
            service, endpoint_url=self.url, region_name=self.region, aws_access_key_id=self.akid,
            aws_secret_access_key=secret or self.secret, aws_session_token=self.token,
            config=botocore.config.Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=60))

    def control(self, path, body=None, errors="strict"):
        return control_request(self.url, self.control_token, path, body, timeout=30, errors=errors)

    def advance(self, seconds=STEP_S):
        return json.loads(self.control("/_sim/advance", {"seconds": seconds}))

    def events(self, since=0, errors="replace"):
        text = self.control(f"/_sim/events?since={since}", errors=errors)
        return [json.loads(l, strict=errors == "strict") for l in text.split("\n") if l.strip()]

    def groups(self):
        return self.client("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"]

    def group(self, name):
        g = self.client("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=[name])
        self.assertEqual(len(g["AutoScalingGroups"]), 1)
        return g["AutoScalingGroups"][0]

    def app(self, index):
        """(ASG description, scenario app) of the index-th app of the scenario."""
        apps = self.scenario["apps"]
        self.assertGreater(len(apps), index)
        return self.group(apps[index]["name"]), apps[index]

    def settle(self, asg):
        """Waits until the group has no active refresh and every instance is InService."""
        c = self.client("autoscaling")
        for _ in range(MAX_STEPS):
            r = c.describe_instance_refreshes(AutoScalingGroupName=asg, MaxRecords=1)["InstanceRefreshes"]
            busy = r and r[0]["Status"] in ("Pending", "InProgress", "Cancelling", "RollbackInProgress", "Baking")
            g = self.group(asg)
            if not busy and all(i["LifecycleState"] == "InService" for i in g["Instances"]) \
                    and len(g["Instances"]) == g["DesiredCapacity"]:
                return g
            self.advance()
        self.fail(f"{asg} did not settle")

    def wait_refresh(self, asg, rid, done):
        c = self.client("autoscaling")
        for _ in range(MAX_STEPS):
            r = c.describe_instance_refreshes(AutoScalingGroupName=asg, InstanceRefreshIds=[rid])["InstanceRefreshes"]
            self.assertEqual(len(r), 1)
            if r[0]["Status"] in done:
                return r[0]
            self.advance()
        self.fail(f"refresh {rid} of {asg} never reached {done}")

    def tags(self, repo):
        """{tag: digest} and the scenario's bad tags and newest good commit tag."""
        ecr = self.client("ecr")
        tags = {}
        for page in ecr.get_paginator("describe_images").paginate(repositoryName=repo):
            for d in page["imageDetails"]:
                for t in d.get("imageTags", []):
                    tags[t] = d["imageDigest"]
        spec = next(r for r in self.scenario["repositories"] if r["name"] == repo)
        bad = [t for im in spec["images"] if im.get("bad") for t in im.get("tags", [])]
        good = [im for im in spec["images"] if not im.get("bad") and im.get("tags")
                and not set(im["tags"]) & {"prod", "prod-stable"}]
        good.sort(key=lambda im: _seconds(im.get("pushed", 0)))
        return tags, bad, good[0]["tags"][0]

    def move_tag(self, repo, tag, to_tag):
        """The deploy's retag: PutImage of to_tag's manifest under tag. Returns the digest."""
        ecr = self.client("ecr")
        img = ecr.batch_get_image(repositoryName=repo, imageIds=[{"imageTag": to_tag}])["images"][0]
        try:
            ecr.put_image(repositoryName=repo, imageManifest=img["imageManifest"], imageTag=tag,
                          imageManifestMediaType=img["imageManifestMediaType"])
        except botocore.exceptions.ClientError as e:
            self.assertEqual(e.response["Error"]["Code"], "ImageAlreadyExistsException")
        return img["imageId"]["imageDigest"]

    # ---------- tests ----------

    def test_sts_get_caller_identity(self):
        out = self.aws("sts", "get-caller-identity")
        self.assertEqual(out["Account"], self.account)
        self.assertTrue(out["Arn"].startswith(f"arn:aws:"))
        self.assertEqual(self.client("sts").get_caller_identity()["Account"], self.account)

    def test_sts_answers_in_every_region_other_services_in_theirs(self):
        def in_region(service, region):
            return boto3.session.Session().client(
                service, endpoint_url=self.url, region_name=region, aws_access_key_id=self.akid,
                aws_secret_access_key=self.secret, aws_session_token=self.token,
                config=botocore.config.Config(retries={"max_attempts": 1}))
        other = "eu-west-1" if self.region != "eu-west-1" else "us-west-2"
        self.assertEqual(in_region("sts", other).get_caller_identity()["Account"], self.account)
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            in_region("autoscaling", other).describe_auto_scaling_groups()
        self.assertEqual(cm.exception.response["Error"]["Code"], "SignatureDoesNotMatch")

    def test_wrong_secret_is_refused(self):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.client("autoscaling", secret="x" * 40).describe_auto_scaling_groups()
        self.assertEqual(cm.exception.response["Error"]["Code"], "SignatureDoesNotMatch")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.client("ecr", secret="x" * 40).describe_repositories()
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidSignatureException")

    def test_describe_auto_scaling_groups(self):
        out = self.aws("autoscaling", "describe-auto-scaling-groups")
        names = sorted(g["AutoScalingGroupName"] for g in out["AutoScalingGroups"])
        self.assertEqual(names, sorted(a["name"] for a in self.scenario["apps"]))
        for g in out["AutoScalingGroups"]:
            self.assertGreaterEqual(len(g["AvailabilityZones"]), 2)
            self.assertGreaterEqual(len(g["Instances"]), 1)
            for i in g["Instances"]:
                self.assertRegex(i["InstanceId"], r"^i-[0-9a-f]{8,17}$")
        acts = self.aws("autoscaling", "describe-scaling-activities",
                        "--auto-scaling-group-name", names[0], "--max-items", "5")
        self.assertIn("Activities", acts)

    def test_elbv2_and_ec2(self):
        tgs = self.aws("elbv2", "describe-target-groups")["TargetGroups"]
        self.assertGreaterEqual(len(tgs), 2)
        for tg in tgs:
            h = self.aws("elbv2", "describe-target-health", "--target-group-arn", tg["TargetGroupArn"])
            for d in h["TargetHealthDescriptions"]:
                self.assertIn(d["TargetHealth"]["State"],
                              {"initial", "healthy", "unhealthy", "unused", "draining", "unavailable"})
        lbs = self.client("elbv2").describe_load_balancers()["LoadBalancers"]
        self.assertGreaterEqual(len(lbs), 1)
        ls = self.client("elbv2").describe_listeners(LoadBalancerArn=lbs[0]["LoadBalancerArn"])["Listeners"]
        self.assertGreaterEqual(len(ls), 1)
        rules = self.client("elbv2").describe_rules(ListenerArn=ls[0]["ListenerArn"])["Rules"]
        self.assertTrue(any(r["IsDefault"] for r in rules))
        inst = self.aws("ec2", "describe-instances")["Reservations"]
        self.assertGreaterEqual(len(inst), 1)
        self.assertIn(inst[0]["Instances"][0]["State"]["Name"], {"pending", "running", "shutting-down", "terminated"})

    def test_ecr(self):
        repo = self.scenario["repositories"][0]["name"]
        out = self.aws("ecr", "describe-images", "--repository-name", repo)
        tags = {t for d in out["imageDetails"] for t in d.get("imageTags", [])}
        self.assertIn("prod", tags)
        self.assertIn("prod-stable", tags)
        ecr = self.client("ecr")
        img = ecr.batch_get_image(repositoryName=repo, imageIds=[{"imageTag": "prod"}],
                                  acceptedMediaTypes=["application/vnd.docker.distribution.manifest.v2+json",
                                                      "application/vnd.oci.image.manifest.v1+json"])["images"][0]
        digest = "sha256:" + hashlib.sha256(img["imageManifest"].encode()).hexdigest()
        self.assertEqual(img["imageId"]["imageDigest"], digest)
        # The same tag on the same digest: ImageAlreadyExistsException.
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            ecr.put_image(repositoryName=repo, imageManifest=img["imageManifest"], imageTag="prod")
        self.assertEqual(cm.exception.response["Error"]["Code"], "ImageAlreadyExistsException")
        # A new tag through the CLI, then gone again with batch-delete-image.
        put = self.aws("ecr", "put-image", "--repository-name", repo, "--image-tag", "conformance-copy",
                       "--image-manifest", img["imageManifest"])
        self.assertEqual(put["image"]["imageId"]["imageDigest"], digest)
        gone = ecr.batch_delete_image(repositoryName=repo, imageIds=[{"imageTag": "conformance-copy"}])
        self.assertEqual(gone["imageIds"][0]["imageTag"], "conformance-copy")
        self.aws("ecr", "describe-images", "--repository-name", "no-such-repo",
                 expect_error="RepositoryNotFoundException")

    def test_cloudwatch_describe_alarms(self):
        out = self.aws("cloudwatch", "describe-alarms")
        names = {a["AlarmName"] for a in out["MetricAlarms"]}
        self.assertEqual(names, {a["name"] for a in self.scenario.get("alarms", [])})
        for a in out["MetricAlarms"]:
            self.assertIn(a["StateValue"], {"OK", "ALARM", "INSUFFICIENT_DATA"})

    def test_refresh_good_tag_successful(self):
        g, spec = self.app(0)
        name = g["AutoScalingGroupName"]
        g = self.settle(name)
        repo, live = spec["repository"], spec.get("live_tag", "prod")
        _, _, good = self.tags(repo)
        digest = self.move_tag(repo, live, good)
        before = {i["InstanceId"] for i in g["Instances"]}
        seq = int(json.loads(self.control("/_sim/state"))["last_seq"])
        out = self.aws("autoscaling", "start-instance-refresh", "--auto-scaling-group-name", name,
                       "--preferences", json.dumps({"MinHealthyPercentage": 50, "InstanceWarmup": 30,
                                                    "SkipMatching": False}))
        rid = out["InstanceRefreshId"]
        # A second start while this one runs: InstanceRefreshInProgress.
        self.aws("autoscaling", "start-instance-refresh", "--auto-scaling-group-name", name,
                 expect_error="InstanceRefreshInProgress")
        r = self.wait_refresh(name, rid, {"Successful", "Failed", "Cancelled", "RollbackSuccessful"})
        self.assertEqual(r["Status"], "Successful", r.get("StatusReason"))
        self.assertEqual(r["PercentageComplete"], 100)
        after = self.group(name)
        self.assertFalse(before & {i["InstanceId"] for i in after["Instances"]}, "an instance was not replaced")
        evs = self.events(seq)
        launched = [e for e in evs if e["type"] == "instance_launched" and e.get("asg") == name]
        self.assertGreaterEqual(len(launched), len(before))
        self.assertTrue(all(e["digest"] == digest for e in launched), "a new instance pulled another digest")
        floor = (50 * g["DesiredCapacity"] + 99) // 100
        healthy = [e["healthy"] for e in evs if e["type"] == "asg_healthy" and e.get("asg") == name]
        self.assertTrue(healthy, "no asg_healthy events")
        self.assertGreaterEqual(min(healthy), floor, f"healthy counts of {name} during the refresh: {healthy}")

    def test_refresh_bad_tag_fails(self):
        g, spec = self.app(1)
        name = g["AutoScalingGroupName"]
        self.settle(name)
        repo, live = spec["repository"], spec.get("live_tag", "prod")
        _, bad, _ = self.tags(repo)
        self.assertTrue(bad, "the scenario has no bad tag")
        self.move_tag(repo, live, bad[0])
        c = self.client("autoscaling")
        rid = c.start_instance_refresh(AutoScalingGroupName=name,
                                       Preferences={"MinHealthyPercentage": 50, "InstanceWarmup": 30,
                                                    "SkipMatching": False})["InstanceRefreshId"]
        r = self.wait_refresh(name, rid, {"Successful", "Failed", "Cancelled", "RollbackSuccessful", "RollbackFailed"})
        self.assertIn(r["Status"], {"Failed", "RollbackSuccessful", "RollbackFailed"})
        self.assertTrue(r.get("StatusReason"), "a failed refresh says why")
        self.move_tag(repo, live, "prod-stable")   # put the app back for the other tests
        self.settle(name)

    def test_same_seed_same_run(self):
        """Two simulators with one seed, driven by the same requests at the same simulated
        times (time frozen but for /_sim/advance), write the same event log."""
        # A fixed start time: with the wall clock as origin, two runs a second apart
        # would differ in every time-stamped text (alarm reasons, causes).
        top = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
        with open(os.path.join(top, "sim", "scenarios", "demo.yaml"), encoding="utf-8") as f:
            demo = f.read()
        fixed = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
        fixed.write("start_time: 2026-01-05T10:00:00Z\n" + demo)
        fixed.close()
        self.addCleanup(os.unlink, fixed.name)

        def run(seed):
            p = subprocess.Popen([BIN, "sim", "--port", "0", "--scenario", fixed.name, "--speed", "0.001",
                                  "--seed", str(seed)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                 preexec_fn=_die_with_parent)
            try:
                url, token = read_start(p.stdout)
                post = lambda path, body: control_request(url, token, path, body, timeout=30)
                post("/_sim/advance", {"seconds": 300})
                c = boto3.session.Session().client(
                    "autoscaling", endpoint_url=url, region_name=self.region, aws_access_key_id=self.akid,
                    aws_secret_access_key=self.secret, aws_session_token=self.token)
                name = self.scenario["apps"][0]["name"]
                c.start_instance_refresh(AutoScalingGroupName=name, Preferences={"SkipMatching": False})
                for _ in range(40):
                    post("/_sim/advance", {"seconds": 15})
                text = control_request(url, token, "/_sim/events?since=0", timeout=30)
                # Wall-clock origin aside (t, time), everything must repeat.
                return [{k: v for k, v in json.loads(l).items() if k not in ("t", "time")}
                        for l in text.splitlines() if l.strip()]
            finally:
                p.terminate()
                p.wait(10)
                p.stdout.close()
        a, b, other = run(5), run(5), run(6)
        self.assertGreater(len(a), 20)
        self.assertEqual(a, b)
        self.assertNotEqual(a, other)

    def test_zz_event_log_is_clean(self):
        """After the refreshes above: every event is a UTF-8 JSON object with the documented fields."""
        evs = self.events(0, errors="strict")
        self.assertTrue(evs)
        seqs = [e["seq"] for e in evs]
        self.assertEqual(seqs, sorted(seqs))
        statuses = {"Pending", "InProgress", "Successful", "Failed", "Cancelling", "Cancelled",
                    "RollbackInProgress", "RollbackFailed", "RollbackSuccessful", "Baking"}
        for e in evs:
            self.assertIn("type", e)
            self.assertIn("time", e)
            if e["type"] == "refresh_status":
                self.assertIn(e["status"], statuses)

    def test_cancel_and_rollback(self):
        g, spec = self.app(1)
        name = g["AutoScalingGroupName"]
        self.settle(name)
        c = self.client("autoscaling")
        rid = c.start_instance_refresh(AutoScalingGroupName=name, Preferences={"SkipMatching": False})["InstanceRefreshId"]
        out = self.aws("autoscaling", "cancel-instance-refresh", "--auto-scaling-group-name", name)
        self.assertEqual(out["InstanceRefreshId"], rid)
        r = self.wait_refresh(name, rid, {"Cancelled"})
        self.assertEqual(r["Status"], "Cancelled")
        self.aws("autoscaling", "cancel-instance-refresh", "--auto-scaling-group-name", name,
                 expect_error="ActiveInstanceRefreshNotFound")
        self.settle(name)
        lacks = peer_versions.cli_lacks_command("autoscaling", "rollback-instance-refresh")
        if lacks:
            self.skipTest(lacks + ": the cancel was checked, the rollback cannot be")
        # No DesiredConfiguration: nothing to roll back to.
        c.start_instance_refresh(AutoScalingGroupName=name, Preferences={"SkipMatching": False})
        self.aws("autoscaling", "rollback-instance-refresh", "--auto-scaling-group-name", name,
                 expect_error="IrreversibleInstanceRefresh")
        c.cancel_instance_refresh(AutoScalingGroupName=name)
        self.settle(name)
        lt = self.group(name).get("LaunchTemplate")
        self.assertIsNotNone(lt)
        ver = next(t for t in self.scenario["launch_templates"] if t["name"] == lt["LaunchTemplateName"])
        rid = c.start_instance_refresh(
            AutoScalingGroupName=name, Preferences={"SkipMatching": False},
            DesiredConfiguration={"LaunchTemplate": {"LaunchTemplateName": lt["LaunchTemplateName"],
                                                     "Version": str(ver.get("latest_version", 1))}})["InstanceRefreshId"]
        self.advance()
        out = self.aws("autoscaling", "rollback-instance-refresh", "--auto-scaling-group-name", name)
        self.assertEqual(out["InstanceRefreshId"], rid)
        r = self.wait_refresh(name, rid, {"RollbackSuccessful", "RollbackFailed"})
        self.assertEqual(r["Status"], "RollbackSuccessful", r.get("StatusReason"))
        self.settle(name)


if __name__ == "__main__":
    unittest.main()
