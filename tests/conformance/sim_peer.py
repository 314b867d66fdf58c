"""Starts `tarmac sim` on a free loopback port for tests and talks to its control
API. The scenario's credentials come from the scenario file itself.

read_start() and control_request() are the one place every Python client of the
simulator (tests, replay, benches) learns the URL and control token `tarmac sim`
prints and sends that token."""
import ctypes
import json
import os
import re
import select
import signal
import subprocess
import time
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


def read_start(stream, timeout=15):
    """(url, control token) from `tarmac sim`'s first two lines ("listening on URL",
    "control token: TOKEN"), waited for at most timeout seconds; raises RuntimeError
    with what it read otherwise. Reads the pipe's descriptor itself: both lines come
    in one write, and a buffered readline would hide the second from select()."""
    fd, text = stream.fileno(), b""
    deadline = time.monotonic() + timeout
    while text.count(b"\n") < 2 and len(text) < 4096:
        left = deadline - time.monotonic()
        chunk = os.read(fd, 4096) if left > 0 and select.select([fd], [], [], left)[0] else b""
        if not chunk:
            break
        text += chunk
    m = re.match(r"listening on (http://127\.0\.0\.1:\d+)\ncontrol token: (\S+)\n", text.decode(errors="replace"))
    if not m:
        raise RuntimeError(f"tarmac sim did not start: {text[:300]!r}")
    return m.group(1), m.group(2)


def control_request(url, token, path, body=None, timeout=10, headers=None, errors="strict"):
    """GET path (or POST body as JSON) on the control API with the token; the answer's
    text (decoded with errors). headers (a dict) are added, or replace the token's
    when they name it."""
    data = None if body is None else json.dumps(body).encode()
    h = {"X-Tarmac-Sim-Token": token}
    if data is not None:
        h["Content-Type"] = "application/json"
    h.update(headers or {})
    req = urllib.request.Request(url + path, data=data, headers=h, method="POST" if data is not None else "GET")
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.read().decode(errors=errors)


class Sim:
    def __init__(self, scenario="demo", speed=50, seed=1):
        self.args = [BIN, "sim", "--port", "0", "--scenario", scenario, "--speed", str(speed), "--seed", str(seed)]
        self.akid, self.secret, self.region = scenario_credentials(scenario)
        self.proc = None
        self.url = None
        self.token = None

    def start(self, timeout=15):
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                     preexec_fn=_die_with_parent)
        try:
            self.url, self.token = read_start(self.proc.stdout, timeout)
        except RuntimeError:
            self.stop()
            raise
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
        return control_request(self.url, self.token, path, body)

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
