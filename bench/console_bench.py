#!/usr/bin/env python3
"""Benchmark (not a test): the console in a pseudo-terminal against `tarmac sim`.

Measures, with the goals of issue 4:
  - time from start to every pane filled, healthy simulator       (goal < 300 ms)
  - CPU while idly watching                                        (goal < 1 % of a core)
  - bytes written to the terminal per minute, nothing changing and
    one instance changing, next to `watch -n 2 tarmac status`      (goal >= 20x fewer)
  - RSS with the `large` scenario                                  (goal < 20 MB)
  - key to screen update with 2 s of latency on every call         (goal < 50 ms)
  - AWS calls per minute of a console on one app, counted at the simulator
    (GET /_sim/calls): idle and shown (goal <= 12), idle for ten minutes
    (goal <= 2; the test clock makes ten minutes pass in ten seconds) and
    during an instance refresh

usage: bench/console_bench.py [--seconds N] [--cols C --lines L]
Needs TARMAC_BIN (or ./tarmac) with the console and `tarmac sim`; `watch` for the peer."""
import argparse
import fcntl
import json
import os
import pty
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "conformance"))
from sim_peer import control_request, read_start  # noqa: E402

TARMAC = os.environ.get("TARMAC_BIN", os.path.join(HERE, "..", "tarmac"))
KEY_ID = "AKIASIMDEMO000000001"
SECRET = "sim/demo/secret/key/0000000000000000000"
MARKERS = [b"Launching a new EC2", b"LIVE", b"healthy", b"InService", b"123456789012"]


def start_sim(scenario, speed):
    """(process, url, control token)."""
    p = subprocess.Popen([TARMAC, "sim", "--port", "0", "--scenario", scenario, "--speed", str(speed)],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url, token = read_start(p.stdout)
    except RuntimeError as e:
        p.kill()
        sys.exit(str(e))
    return p, url, token


def sim_faults(url, token, rules):
    control_request(url, token, "/_sim/faults", {"rules": rules}, timeout=5)


def env_for(home):
    e = dict(os.environ)
    e.update(HOME=home, TZ="UTC", LANG="C.UTF-8", TERM="xterm-256color", AWS_ACCESS_KEY_ID=KEY_ID,
             AWS_SECRET_ACCESS_KEY=SECRET, AWS_REGION="us-east-1", AWS_DEFAULT_REGION="us-east-1",
             AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    for k in ("NO_COLOR", "AWS_PROFILE", "LC_ALL"):
        e.pop(k, None)
    return e


class PtyProc:
    """A child on a pseudo-terminal of a fixed size; counts what it writes."""

    def __init__(self, argv, env, cols, lines):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execvpe(argv[0], argv, env)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", lines, cols, 0, 0))
        self.buf = bytearray()
        self.total = 0

    def pump(self, seconds):
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                try:
                    data = os.read(self.fd, 65536)
                except OSError:
                    return
                self.total += len(data)
                self.buf += data
                if len(self.buf) > 1 << 20:
                    del self.buf[:-(1 << 19)]

    def wait_output(self, seconds):
        """Seconds until the next output arrives (None on timeout)."""
        t0 = time.monotonic()
        r, _, _ = select.select([self.fd], [], [], seconds)
        if not r:
            return None
        dt = time.monotonic() - t0
        data = os.read(self.fd, 65536)
        self.total += len(data)
        return dt

    def cpu_seconds(self):
        with open("/proc/%d/stat" % self.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_kb(self, key="VmHWM"):
        with open("/proc/%d/status" % self.pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        return 0

    def stop(self):
        try:
            os.kill(self.pid, signal.SIGTERM)
            self.pump(0.3)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(self.fd)


def measure_changing(p, url, seconds):
    """Bytes per minute p writes while web-asg's desired capacity flips 4 <-> 5
    every 15 s (one instance launched, then terminated)."""
    try:
        import boto3
    except ImportError:
        return None
    asg = boto3.client("autoscaling", endpoint_url=url, region_name="us-east-1",
                       aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET)
    b0 = p.total
    end = time.monotonic() + seconds
    desired = 5
    while time.monotonic() < end:
        asg.set_desired_capacity(AutoScalingGroupName="web-asg", DesiredCapacity=desired)
        desired = 9 - desired
        p.pump(min(15, max(0, end - time.monotonic())))
    asg.set_desired_capacity(AutoScalingGroupName="web-asg", DesiredCapacity=4)
    return round((p.total - b0) * 60 / seconds)


def console_argv(url, *extra):
    return [TARMAC, "--endpoint-url", url, "--repo", "web", *extra]


ONE_APP = """apps:
  web:
    asg: web-asg
    ecr_repository: web
    alarms: [web-unhealthy-hosts]
"""


def sim_calls(url, token):
    return json.loads(control_request(url, token, "/_sim/calls", None, timeout=5))["total"]


def calls_per_minute(url, token, env, cols, lines, seconds, clock_rate=1, settle=20, before=None):
    """Calls per minute (of the console's clock) of a console on one app, after
    `settle` seconds; before(p) runs first (a refresh to start, ...)."""
    home = env["HOME"]
    cfg = os.path.join(home, "one-app.yaml")
    with open(cfg, "w") as f:
        f.write(ONE_APP)
    e = dict(env, TARMAC_TEST_CLOCK_RATE=str(clock_rate))
    p = PtyProc([TARMAC, "--endpoint-url", url, "--config", cfg, "--app", "web"], e, cols, lines)
    try:
        if before:
            before(p)
        p.pump(settle)
        c0 = sim_calls(url, token)
        p.pump(seconds)
        return round((sim_calls(url, token) - c0) * 60 / (seconds * clock_rate), 1)
    finally:
        p.stop()


def start_refresh(url):
    import boto3
    asg = boto3.client("autoscaling", endpoint_url=url, region_name="us-east-1",
                       aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET)
    asg.start_instance_refresh(AutoScalingGroupName="web-asg",
                               Preferences={"MinHealthyPercentage": 90, "InstanceWarmup": 300})


def time_to_full(url, env, cols, lines):
    t0 = time.monotonic()
    p = PtyProc(console_argv(url), env, cols, lines)
    deadline = t0 + 10
    while time.monotonic() < deadline and not all(m in p.buf for m in MARKERS):
        p.pump(0.005)
    dt = time.monotonic() - t0
    return p, dt if all(m in p.buf for m in MARKERS) else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=60, help="length of each idle measurement")
    ap.add_argument("--cols", type=int, default=200)
    ap.add_argument("--lines", type=int, default=50)
    a = ap.parse_args()
    home = tempfile.mkdtemp(prefix="tarmac-bench-")
    env = env_for(home)
    results = {}

    sim, url, token = start_sim("demo", 1)
    try:
        fills = []
        for _ in range(5):
            p, dt = time_to_full(url, env, a.cols, a.lines)
            p.stop()
            if dt is not None:
                fills.append(dt * 1000)
        results["time_to_full_screen_ms_median"] = round(statistics.median(fills), 1) if fills else None

        # Idle: nothing changes in the world (speed 1, no refresh running).
        p, _ = time_to_full(url, env, a.cols, a.lines)
        p.pump(3)
        b0, c0 = p.total, p.cpu_seconds()
        p.pump(a.seconds)
        idle_bytes = (p.total - b0) * 60 / a.seconds
        results["idle_cpu_percent"] = round((p.cpu_seconds() - c0) * 100 / a.seconds, 3)
        results["idle_bytes_per_min"] = round(idle_bytes)

        # One instance changing: the desired capacity goes 4 -> 5 -> 4 every 15 s.
        results["changing_bytes_per_min"] = measure_changing(p, url, a.seconds)
        results["rss_demo_kb"] = p.rss_kb()

        # Keys under 2 s of latency on every call.
        p.buf.clear()
        sim_faults(url, token, [{"operation": "*", "latency_ms": 2000}])
        os.write(p.fd, b"r2")
        p.pump(3)
        lat = []
        for i in range(20):
            p.pump(0.15)                      # let what is pending drain
            os.write(p.fd, b"j" if i % 2 == 0 else b"k")
            dt = p.wait_output(1.0)
            if dt is not None:
                lat.append(dt * 1000)
        sim_faults(url, token, [])
        if lat:
            results["key_latency_ms_median"] = round(statistics.median(lat), 2)
            results["key_latency_ms_max"] = round(max(lat), 2)
        p.stop()

        # The peer: `watch -n 2 tarmac status` on the same simulator, same two periods.
        if shutil.which("watch"):
            cmd = "%s --endpoint-url %s status" % (TARMAC, url)
            w = PtyProc(["watch", "-n", "2", cmd], env, a.cols, a.lines)
            w.pump(3)
            b0 = w.total
            w.pump(a.seconds)
            results["watch_status_idle_bytes_per_min"] = round((w.total - b0) * 60 / a.seconds)
            results["watch_status_changing_bytes_per_min"] = measure_changing(w, url, a.seconds)
            w.stop()
            for k in ("idle", "changing"):
                mine = results.get("%s_bytes_per_min" % k)
                if mine is not None and results.get("watch_status_%s_bytes_per_min" % k) is not None:
                    results["ratio_watch_over_console_%s" % k] = round(
                        results["watch_status_%s_bytes_per_min" % k] / max(1, mine), 1)
    finally:
        sim.terminate()
        sim.wait()

    # Calls per minute, one app: a fresh simulator so no refresh of the runs above is going.
    sim, url, token = start_sim("demo", 1)
    try:
        results["calls_per_min_idle_shown"] = calls_per_minute(url, token, env, a.cols, a.lines, max(60, a.seconds))
        # ten minutes idle pass in ten seconds at 60x; then twenty minutes are counted
        results["calls_per_min_idle_10min"] = calls_per_minute(url, token, env, a.cols, a.lines, 20,
                                                                clock_rate=60, settle=12)
        try:
            import boto3  # noqa: F401
            results["calls_per_min_refresh"] = calls_per_minute(
                url, token, env, a.cols, a.lines, 30, settle=5, before=lambda p: start_refresh(url))
        except ImportError:
            results["calls_per_min_refresh"] = None
    finally:
        sim.terminate()
        sim.wait()

    # RSS with the large scenario (1,000 instances, 10,000 images).
    sim, url, _ = start_sim("large", 1)
    try:
        p = PtyProc([TARMAC, "--endpoint-url", url, "--repo", "gen-app-01"], env, a.cols, a.lines)
        p.pump(15)
        results["rss_large_kb"] = p.rss_kb()
        p.stop()
    finally:
        sim.terminate()
        sim.wait()
    shutil.rmtree(home, ignore_errors=True)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
