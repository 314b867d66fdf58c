"""Conformance: `tarmac status --json` against moto_server, compared field by field
with what boto3 reads from the same server. moto has no instance refreshes
(DescribeInstanceRefreshes answers 500), so every snapshot here is partial: exit 3
with those calls listed in Errors, everything else present and equal — and the
refreshes said to be unknown (could not be read, and why), never "none", in the
table, the JSON and `tarmac watch`."""
import datetime
import hashlib
import json
import os
import subprocess
import tempfile
import unittest

from moto_peer import MotoServer, SECRET_KEY

REQUIRED = True  # CI must have the peer: a skip here is a failure there
TARMAC = os.environ.get("TARMAC_BIN", os.path.join(os.path.dirname(__file__), "..", "..", "tarmac"))

# Members tarmac models, per AWS shape: each must be present and equal when boto3 has it.
ASG_KEYS = ["AutoScalingGroupName", "AutoScalingGroupARN", "LaunchTemplate", "MinSize", "MaxSize",
            "DesiredCapacity", "DefaultCooldown", "AvailabilityZones", "LoadBalancerNames",
            "TargetGroupARNs", "HealthCheckType", "HealthCheckGracePeriod", "Instances",
            "CreatedTime", "VPCZoneIdentifier", "TerminationPolicies",
            "NewInstancesProtectedFromScaleIn", "DefaultInstanceWarmup", "Tags"]
INSTANCE_KEYS = ["InstanceId", "InstanceType", "AvailabilityZone", "LifecycleState", "HealthStatus",
                 "LaunchTemplate", "ProtectedFromScaleIn"]
TG_KEYS = ["TargetGroupArn", "TargetGroupName", "Protocol", "Port", "VpcId", "HealthCheckProtocol",
           "HealthCheckPort", "HealthCheckEnabled", "HealthCheckIntervalSeconds",
           "HealthCheckTimeoutSeconds", "HealthyThresholdCount", "UnhealthyThresholdCount",
           "HealthCheckPath", "Matcher", "LoadBalancerArns", "TargetType"]
REPO_KEYS = ["repositoryArn", "registryId", "repositoryName", "repositoryUri", "createdAt",
             "imageTagMutability"]
IMAGE_KEYS = ["registryId", "repositoryName", "imageDigest", "imageTags", "imageSizeInBytes",
              "imagePushedAt", "imageManifestMediaType"]


def manifest(n):
    layer = hashlib.sha256(b"layer-%d" % n).hexdigest()
    cfg = hashlib.sha256(b"config-%d" % n).hexdigest()
    return json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 100 + n,
                   "digest": "sha256:" + cfg},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": 1000 * (n + 1), "digest": "sha256:" + layer}]})


def parse_time(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)


class StatusAgainstMoto(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not MotoServer.available():
            raise unittest.SkipTest("moto not installed (no moto_server on PATH; pip install 'moto[server]')")
        cls.moto = MotoServer().start()
        cls.home = tempfile.mkdtemp(prefix="tarmac-moto-")
        cls.env = cls.moto.env(cls.home)
        ec2, elb = cls.moto.client("ec2"), cls.moto.client("elbv2")
        asg, ecr = cls.moto.client("autoscaling"), cls.moto.client("ecr")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        s1 = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
        s2 = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24", AvailabilityZone="us-east-1b")["Subnet"]["SubnetId"]
        lt = ec2.create_launch_template(LaunchTemplateName="web-lt", LaunchTemplateData={
            "ImageId": "ami-12c6146b", "InstanceType": "t3.micro"})["LaunchTemplate"]
        cls.tg = elb.create_target_group(Name="web-tg", Protocol="HTTP", Port=80, VpcId=vpc,
                                         HealthCheckPath="/health")["TargetGroups"][0]["TargetGroupArn"]
        lb = elb.create_load_balancer(Name="web-alb", Subnets=[s1, s2])["LoadBalancers"][0]["LoadBalancerArn"]
        elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80,
                            DefaultActions=[{"Type": "forward", "TargetGroupArn": cls.tg}])
        asg.create_auto_scaling_group(
            AutoScalingGroupName="web-asg", MinSize=1, MaxSize=4, DesiredCapacity=3,
            LaunchTemplate={"LaunchTemplateId": lt["LaunchTemplateId"], "Version": "1"},
            VPCZoneIdentifier=f"{s1},{s2}", TargetGroupARNs=[cls.tg], HealthCheckType="ELB",
            HealthCheckGracePeriod=60, DefaultInstanceWarmup=45,
            Tags=[{"Key": "team", "Value": "payments", "PropagateAtLaunch": True}])
        asg.create_auto_scaling_group(
            AutoScalingGroupName="worker-asg", MinSize=0, MaxSize=2, DesiredCapacity=1,
            LaunchTemplate={"LaunchTemplateName": "web-lt", "Version": "$Latest"},
            VPCZoneIdentifier=s1)
        ecr.create_repository(repositoryName="web")
        for n, tags in enumerate([["3f2a1c9"], ["9b8e7d6", "prod-stable"], ["c0ffee1", "prod"], []]):
            body = manifest(n)
            if tags:
                for t in tags:
                    ecr.put_image(repositoryName="web", imageManifest=body, imageTag=t)
            else:
                ecr.put_image(repositoryName="web", imageManifest=body)
        cls.boto = {
            "asg": asg.describe_auto_scaling_groups()["AutoScalingGroups"],
            "tg": elb.describe_target_groups()["TargetGroups"],
            "health": elb.describe_target_health(TargetGroupArn=cls.tg)["TargetHealthDescriptions"],
            "repo": ecr.describe_repositories(repositoryNames=["web"])["repositories"][0],
            "images": ecr.describe_images(repositoryName="web")["imageDetails"],
        }

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()

    def run_tarmac(self, *args, env=None):
        p = subprocess.run([TARMAC, *args, "--endpoint-url", self.moto.url], env=env or self.env,
                           capture_output=True, text=True, timeout=120)
        for stream in (p.stdout, p.stderr):
            self.assertNotIn(SECRET_KEY, stream)
        return p

    def assert_same(self, ours, theirs, path):
        if isinstance(theirs, datetime.datetime):
            self.assertIsInstance(ours, str, path)
            delta = abs((parse_time(ours) - theirs).total_seconds())
            self.assertLess(delta, 0.002, f"{path}: {ours} != {theirs}")
        elif isinstance(theirs, dict):
            self.assertIsInstance(ours, dict, path)
            for k, v in theirs.items():
                self.assertIn(k, ours, f"{path}.{k} missing")
                self.assert_same(ours[k], v, f"{path}.{k}")
        elif isinstance(theirs, list):
            self.assertEqual(len(ours), len(theirs), f"{path}: length")
            for i, (a, b) in enumerate(zip(ours, theirs)):
                self.assert_same(a, b, f"{path}[{i}]")
        else:
            self.assertEqual(ours, theirs, path)

    def assert_keys(self, ours, theirs, keys, path):
        for k in keys:
            if k in theirs:
                self.assertIn(k, ours, f"{path}.{k} missing")
                self.assert_same(ours[k], theirs[k], f"{path}.{k}")
            else:
                self.assertNotIn(k, ours, f"{path}.{k} present but boto3 has none")

    def status_json(self, *args):
        p = self.run_tarmac("status", "--json", *args)
        self.assertEqual(p.returncode, 3, p.stderr)  # refreshes: moto answers 500
        return json.loads(p.stdout), p

    def test_asgs_match_boto3(self):
        doc, _ = self.status_json()
        ours = {g["AutoScalingGroupName"]: g for g in doc["AutoScalingGroups"]}
        self.assertEqual(sorted(ours), sorted(g["AutoScalingGroupName"] for g in self.boto["asg"]))
        for theirs in self.boto["asg"]:
            name = theirs["AutoScalingGroupName"]
            g = ours[name]
            self.assert_keys(g, {k: v for k, v in theirs.items() if k != "Instances"},
                             [k for k in ASG_KEYS if k != "Instances"], name)
            mine = sorted(g["Instances"], key=lambda i: i["InstanceId"])
            theirs_i = sorted(theirs["Instances"], key=lambda i: i["InstanceId"])
            self.assertEqual(len(mine), len(theirs_i))
            for a, b in zip(mine, theirs_i):
                self.assert_keys(a, b, INSTANCE_KEYS, f"{name}.Instances[{b['InstanceId']}]")

    def test_target_groups_and_health_match_boto3(self):
        doc, _ = self.status_json("--asg", "web-asg")
        (g,) = doc["AutoScalingGroups"]
        (tg,) = g["TargetGroups"]
        theirs = next(t for t in self.boto["tg"] if t["TargetGroupArn"] == self.tg)
        self.assert_keys(tg, theirs, TG_KEYS, "TargetGroups[0]")
        key = lambda d: d["Target"]["Id"]
        self.assert_same(sorted(tg["TargetHealthDescriptions"], key=key),
                         sorted(self.boto["health"], key=key), "TargetHealthDescriptions")
        self.assertEqual(len(tg["TargetHealthDescriptions"]), 3)

    def test_repository_and_images_match_boto3(self):
        doc, _ = self.status_json("--asg", "web-asg", "--repo", "web")
        (r,) = doc["Repositories"]
        self.assert_keys(r, self.boto["repo"], REPO_KEYS, "Repositories[0]")
        ours = {i["imageDigest"]: i for i in r["imageDetails"]}
        self.assertEqual(len(ours), len(self.boto["images"]))
        for theirs in self.boto["images"]:
            mine = ours[theirs["imageDigest"]]
            if "imageTags" in theirs:
                mine = dict(mine, imageTags=sorted(mine["imageTags"]))
                theirs = dict(theirs, imageTags=sorted(theirs["imageTags"]))
            self.assert_keys(mine, theirs, IMAGE_KEYS, theirs["imageDigest"])

    def test_failed_calls_listed_with_exit_3(self):
        doc, p = self.status_json("--asg", "web-asg")
        ops = {e["Operation"] for e in doc["Errors"]}
        self.assertEqual(ops, {"DescribeInstanceRefreshes"})
        self.assertNotIn("InstanceRefreshes", doc["AutoScalingGroups"][0])
        self.assertIn("tarmac: DescribeInstanceRefreshes: ", p.stderr)

    def test_unreadable_refreshes_are_unknown_not_none(self):
        p = self.run_tarmac("status", "--asg", "web-asg")
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("refreshes: could not be read (DescribeInstanceRefreshes: ", p.stdout)
        self.assertNotIn("refreshes: none", p.stdout)
        doc, _ = self.status_json("--asg", "web-asg")
        (g,) = doc["AutoScalingGroups"]
        err = g["InstanceRefreshesError"]
        self.assertEqual(err["Operation"], "DescribeInstanceRefreshes")
        self.assertEqual(err["Resource"], "web-asg")
        self.assertTrue(err["Code"])

    def test_watch_says_refreshes_could_not_be_read(self):
        p = self.run_tarmac("watch", "--asg", "web-asg", "--interval", "0.2", "--timeout", "8")
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertNotIn("no instance refresh", p.stdout + p.stderr)
        self.assertIn("tarmac: the instance refreshes of web-asg could not be read: DescribeInstanceRefreshes: ",
                      p.stderr)
        self.assertIn("gave up after 8 s: the instance refreshes of web-asg could not be read", p.stderr)
        self.assertNotIn("the refresh is still running", p.stderr)

    def test_table_output(self):
        p = self.run_tarmac("status", "--asg", "web-asg", "--repo", "web")
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("ASG web-asg", p.stdout)
        self.assertIn("3/3 healthy", p.stdout)
        self.assertIn("REPOSITORY web", p.stdout)
        self.assertIn("c0ffee1, prod", p.stdout.replace("prod, c0ffee1", "c0ffee1, prod"))
        for inst in next(g for g in self.boto["asg"] if g["AutoScalingGroupName"] == "web-asg")["Instances"]:
            self.assertIn(inst["InstanceId"], p.stdout)

    def test_unknown_asg_is_an_error(self):
        p = self.run_tarmac("status", "--json", "--asg", "no-such-asg")
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stdout, "")
        self.assertIn("AutoScalingGroupNotFound", p.stderr)
        self.assertIn("no-such-asg", p.stderr)

    def test_unknown_repository_is_listed(self):
        p = self.run_tarmac("status", "--json", "--asg", "web-asg", "--repo", "nope")
        self.assertEqual(p.returncode, 3)
        doc = json.loads(p.stdout)
        codes = {(e["Operation"], e["Code"]) for e in doc["Errors"]}
        self.assertIn(("DescribeRepositories", "RepositoryNotFoundException"), codes)
        self.assertIn("tarmac: DescribeRepositories: RepositoryNotFoundException", p.stderr)

    def test_no_credentials(self):
        env = dict(self.env)
        del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
        p = self.run_tarmac("status", env=env)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stdout, "")
        self.assertIn("AWS_ACCESS_KEY_ID", p.stderr)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)

    def test_no_region(self):
        env = dict(self.env)
        del env["AWS_REGION"]
        p = self.run_tarmac("status", env=env)
        self.assertEqual(p.returncode, 1)
        self.assertIn("region", p.stderr)
        self.assertIn("AWS_REGION", p.stderr)

    def test_wrong_secret_is_reported(self):
        # moto does not check signatures; a bad access key id is what it can refuse.
        env = dict(self.env, AWS_ACCESS_KEY_ID="")
        p = self.run_tarmac("status", env=env)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stdout, "")

    def test_usage_errors(self):
        p = self.run_tarmac("status", "--bogus")
        self.assertEqual(p.returncode, 2)
        p = subprocess.run([TARMAC, "status", "--endpoint-url", "http://example.com"], env=self.env,
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 2)
        self.assertIn("http://", p.stderr)

    def test_global_flags_before_command(self):
        p = subprocess.run([TARMAC, "--endpoint-url", self.moto.url, "--region", "us-east-1", "status",
                            "--json", "--asg", "worker-asg"], env=self.env, capture_output=True,
                           text=True, timeout=120)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertEqual([g["AutoScalingGroupName"] for g in json.loads(p.stdout)["AutoScalingGroups"]],
                         ["worker-asg"])


if __name__ == "__main__":
    unittest.main()
