#!/usr/bin/env python3
"""Benchmark: `tarmac status --json` for 3 ASGs and 1 ECR repository against a
loopback endpoint with 100 ms of added latency per request, next to the same
snapshot taken the way the shell scripts it replaces take it (one AWS CLI process
per call, one after the other) and by a boto3 script (sequential calls, one process).

The goal (not a test): tarmac within 2x the longest chain of dependent requests
(DescribeAutoScalingGroups -> DescribeTargetGroups -> DescribeTargetHealth: 3 x 100 ms)
and under 10 MB peak RSS.

usage: bench/status_bench.py [--runs N] [--delay-ms MS]   (needs moto_server; TARMAC_BIN or ./tarmac)"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "tests", "conformance"))
from moto_peer import MotoServer, REGION  # noqa: E402

TARMAC = os.environ.get("TARMAC_BIN", os.path.join(here, "..", "tarmac"))


def populate(moto):
    ec2, elb, asg, ecr = (moto.client(s) for s in ("ec2", "elbv2", "autoscaling", "ecr"))
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    s1 = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    lt = ec2.create_launch_template(LaunchTemplateName="bench-lt", LaunchTemplateData={
        "ImageId": "ami-12c6146b", "InstanceType": "t3.micro"})["LaunchTemplate"]["LaunchTemplateId"]
    for i in range(3):
        tg = elb.create_target_group(Name=f"tg{i}", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][0]["TargetGroupArn"]
        asg.create_auto_scaling_group(AutoScalingGroupName=f"app{i}", MinSize=1, MaxSize=6, DesiredCapacity=4,
                                      LaunchTemplate={"LaunchTemplateId": lt, "Version": "1"},
                                      VPCZoneIdentifier=s1, TargetGroupARNs=[tg])
    ecr.create_repository(repositoryName="web")
    for n in range(12):
        body = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                           "config": {"mediaType": "application/vnd.docker.container.image.v1+json",
                                      "size": n, "digest": "sha256:%064x" % n}, "layers": []})
        ecr.put_image(repositoryName="web", imageManifest=body, imageTag=f"c{n:06x}")


def timed(cmd, env):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    dt = time.monotonic() - t0
    return dt, p


def peak_rss_kb(cmd, env):
    p = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], env=env, capture_output=True, text=True)
    return int(p.stderr.strip().splitlines()[-1])


def cli_snapshot(url, env):
    aws = ["aws", "--endpoint-url", url, "--region", REGION, "--output", "json"]
    calls = [["autoscaling", "describe-auto-scaling-groups", "--auto-scaling-group-names", "app0", "app1", "app2"]]
    calls += [["autoscaling", "describe-instance-refreshes", "--auto-scaling-group-name", f"app{i}"] for i in range(3)]
    calls += [["elbv2", "describe-target-groups"]]
    out = subprocess.run(aws + calls[-1], env=env, capture_output=True, text=True)
    arns = [t["TargetGroupArn"] for t in json.loads(out.stdout)["TargetGroups"]]
    calls += [["elbv2", "describe-target-health", "--target-group-arn", a] for a in arns]
    calls += [["ecr", "describe-repositories", "--repository-names", "web"],
              ["ecr", "describe-images", "--repository-name", "web"]]
    t0 = time.monotonic()
    for c in calls:
        subprocess.run(aws + c, env=env, capture_output=True, text=True)
    return time.monotonic() - t0, len(calls)


BOTO_SCRIPT = r'''
import boto3, os, sys
kw = dict(endpoint_url=sys.argv[1], region_name="us-east-1")
a, e, r = boto3.client("autoscaling", **kw), boto3.client("elbv2", **kw), boto3.client("ecr", **kw)
groups = a.describe_auto_scaling_groups(AutoScalingGroupNames=["app0", "app1", "app2"])["AutoScalingGroups"]
for g in groups:
    try: a.describe_instance_refreshes(AutoScalingGroupName=g["AutoScalingGroupName"])
    except Exception: pass
arns = [x for g in groups for x in g["TargetGroupARNs"]]
for t in e.describe_target_groups(TargetGroupArns=arns)["TargetGroups"]:
    e.describe_target_health(TargetGroupArn=t["TargetGroupArn"])
r.describe_repositories(repositoryNames=["web"]); r.describe_images(repositoryName="web")
'''


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--delay-ms", type=int, default=100)
    args = ap.parse_args()
    moto = MotoServer().start()
    proxy = None
    try:
        populate(moto)
        proxy = subprocess.Popen([sys.executable, os.path.join(here, "delay_proxy.py"), moto.url,
                                  str(args.delay_ms)], stdout=subprocess.PIPE, text=True)
        url = proxy.stdout.readline().split()[-1]
        home = tempfile.mkdtemp()
        env = moto.env(home)
        env["AWS_MAX_ATTEMPTS"] = "1"  # moto answers 500 to DescribeInstanceRefreshes: no retries
        cmd = [TARMAC, "status", "--json", "--endpoint-url", url, "--asg", "app0", "--asg", "app1",
               "--asg", "app2", "--repo", "web"]
        times = []
        for _ in range(args.runs):
            dt, p = timed(cmd, env)
            if p.returncode not in (0, 3):
                sys.exit(f"tarmac failed: {p.returncode} {p.stderr}")
            times.append(dt)
        rss = peak_rss_kb(cmd, env)
        # The floor every process linked with these libraries pays before doing anything:
        # Debian's libcurl alone maps OpenSSL, GnuTLS, Kerberos, LDAP, libssh2, ...
        floor = peak_rss_kb([TARMAC, "--version"], env)
        cli_times = [cli_snapshot(url, env) for _ in range(max(1, args.runs // 2))]
        boto_times = [timed([sys.executable, "-c", BOTO_SCRIPT, url], env)[0] for _ in range(args.runs)]
        chain = 3 * args.delay_ms / 1000.0
        med = statistics.median(times)
        cli_med = statistics.median(t for t, _ in cli_times)
        boto_med = statistics.median(boto_times)
        print(f"added latency per request: {args.delay_ms} ms; longest dependent chain: 3 requests = {chain*1000:.0f} ms")
        print(f"tarmac status --json : median {med*1000:.0f} ms (min {min(times)*1000:.0f}, max {max(times)*1000:.0f}) "
              f"= {med/chain:.2f}x the chain (goal <= 2x)")
        print(f"peak RSS {rss/1024:.1f} MB (goal < 10 MB); of which the shared-library floor "
              f"(`tarmac --version`) is {floor/1024:.1f} MB, tarmac's own work {(rss-floor)/1024:.1f} MB")
        print(f"aws cli, {cli_times[0][1]} processes : median {cli_med*1000:.0f} ms = {cli_med/med:.1f}x tarmac")
        print(f"boto3 script (sequential): median {boto_med*1000:.0f} ms = {boto_med/med:.1f}x tarmac")
    finally:
        if proxy:
            proxy.terminate()
        moto.stop()


if __name__ == "__main__":
    main()
