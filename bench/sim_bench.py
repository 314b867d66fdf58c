#!/usr/bin/env python3
"""Benchmark (not a test) of `tarmac sim` with the `large` scenario (1,000 instances
in 20 ASGs, 10,000 images, 50 target groups): time from start to the listening
line, DescribeAutoScalingGroups for every group through boto3 and through the AWS
CLI (whole answers, all pages), and the simulator's peak RSS. Goals from the
simulator issue: start < 1 s, DescribeAutoScalingGroups < 50 ms, RSS < 50 MB.

usage: bench/sim_bench.py [--runs N]"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "tests", "conformance"))
from sim_peer import Sim  # noqa: E402


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    starts = []
    for _ in range(5):
        t0 = time.monotonic()
        s = Sim(scenario="large", speed=1).start()
        starts.append(time.monotonic() - t0)
        s.stop()
    sim = Sim(scenario="large", speed=1).start()
    try:
        asg = sim.client("autoscaling")
        asg.describe_auto_scaling_groups()  # warm the connection
        times, n = [], 0
        for _ in range(args.runs):
            t0 = time.monotonic()
            groups = asg.get_paginator("describe_auto_scaling_groups").paginate().build_full_result()
            times.append(time.monotonic() - t0)
            n = sum(len(g["Instances"]) for g in groups["AutoScalingGroups"])
        env = sim.env(tempfile.mkdtemp())
        t0 = time.monotonic()
        subprocess.run(["aws", "--endpoint-url", sim.url, "autoscaling", "describe-auto-scaling-groups"],
                       env=env, capture_output=True, check=True)
        cli = time.monotonic() - t0
        print(f"large scenario start to listening: median {statistics.median(starts)*1000:.0f} ms (goal < 1000 ms)")
        print(f"DescribeAutoScalingGroups, {n} instances, boto3 incl. parsing: median "
              f"{statistics.median(times)*1000:.0f} ms (min {min(times)*1000:.0f}); AWS CLI process: {cli*1000:.0f} ms")
        print(f"simulator peak RSS: {rss_kb(sim.proc.pid)/1024:.1f} MB (goal < 50 MB)")
    finally:
        sim.stop()


if __name__ == "__main__":
    main()
