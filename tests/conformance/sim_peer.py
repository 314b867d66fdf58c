"""Starts `tarmac sim` on a free loopback port for tests and talks to its control
API. The scenario's credentials come from the scenario file itself."""
import ctypes
import json
import os
import re
import select
import signal
import subprocess
import urllib.request

TOP = os.environ.get("TARMAC_TOP") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("TARMAC_BIN") or os.path.join(TOP, "tarmac")


def _die_with_parent():
    """In the child: SIGTERM the simulator if the test process dies (PR_SET_PDEATHSIG)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM), 0, 0, 0)
    except (OSError, AttributeError):
        pass


def scenario_credentials(name="demo"):
    """(access key id, secret, region) of a built-in scenario, read without PyYAML."""
    text = open(os.path.join(TOP, "sim", "scenarios", name + ".yaml"), encoding="utf-8").read()
    akid = re.search(r"access_key_id:\s*(\S+)", text).group(1)
    secret = re.search(r"secret_access_key:\s*(\S+)", text).group(1)
    m = re.search(r"^region:\s*(\S+)", text, re.M)
    return akid, secret, (m.group(1) if m else "us-east-1")


class Sim:
    def __init__(self, scenario="demo", speed=50, seed=1):
        self.args = [BIN, "sim", "--port", "0", "--scenario", scenario, "--speed", str(speed), "--seed", str(seed)]
        self.akid, self.secret, self.region = scenario_credentials(scenario)
        self.proc = None
        self.url = None

    def start(self, timeout=15):
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                     preexec_fn=_die_with_parent)
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline() if ready else ""
        m = re.fullmatch(r"listening on (http://127\.0\.0\.1:\d+)\n", line)
        if not m:
            self.stop()
            raise RuntimeError(f"tarmac sim did not start: {line!r}")
        self.url = m.group(1)
        return self

    def stop(self):
        if self.proc:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    def control(self, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method="POST" if data is not None else "GET")
        with urllib.request.urlopen(req, timeout=10) as r:
            text = r.read().decode()
        return text

    def faults(self, rules):
        return self.control("/_sim/faults", {"rules": rules})

    def advance(self, seconds):
        return self.control("/_sim/advance", {"seconds": seconds})

    def events(self, since=0):
        return [json.loads(l) for l in self.control(f"/_sim/events?since={since}").splitlines() if l.strip()]

    def env(self, home):
        """Environment for tarmac and the AWS CLI: the scenario's keys, nothing from the real home."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({"HOME": home, "XDG_CONFIG_HOME": os.path.join(home, ".config"),
                    "XDG_STATE_HOME": os.path.join(home, ".state"),
                    "AWS_ACCESS_KEY_ID": self.akid, "AWS_SECRET_ACCESS_KEY": self.secret,
                    "AWS_REGION": self.region, "AWS_DEFAULT_REGION": self.region,
                    "AWS_CONFIG_FILE": os.path.join(home, "aws-config"),
                    "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, "aws-credentials")})
        return env

    def client(self, service):
        import boto3
        return boto3.client(service, endpoint_url=self.url, region_name=self.region,
                            aws_access_key_id=self.akid, aws_secret_access_key=self.secret)
