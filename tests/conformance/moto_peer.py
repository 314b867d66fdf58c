"""Starts moto_server (an AWS emulator written by others) on a free loopback port
for conformance tests, and gives boto3 clients pointed at it."""
import os
import shutil
import socket
import subprocess
import time
import urllib.request

REGION = "us-east-1"
ACCESS_KEY = "AKIDCONFORMANCE0001"
SECRET_KEY = "conformanceSecretKey/DoNotPrint0123456789"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MotoServer:
    def __init__(self):
        self.proc = None
        self.url = None

    @staticmethod
    def available():
        return shutil.which("moto_server") is not None

    def start(self, timeout=30):
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.log = open(os.devnull, "wb")
        self.proc = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(port)],
                                     stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("moto_server exited at start")
            try:
                urllib.request.urlopen(self.url + "/moto-api/", timeout=1).read()
                return self
            except Exception:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("moto_server did not answer within %ds" % timeout)

    def stop(self):
        if self.proc:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
            self.log.close()

    def client(self, service):
        import boto3
        return boto3.client(service, endpoint_url=self.url, region_name=REGION,
                            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)

    def env(self, tmp_home):
        """Environment for running tarmac against this server: keys in the
        environment, nothing read from the real home directory."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({
            "HOME": tmp_home,
            "XDG_CONFIG_HOME": os.path.join(tmp_home, ".config"),
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_REGION": REGION,
            "AWS_MAX_ATTEMPTS": "2",
        })
        return env
