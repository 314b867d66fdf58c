"""What the test_hostile_*.py files share: a test case with its own HOME (an
environment without the caller's AWS_* and proxy variables, the shared AWS files
inside that HOME) and a way to run the tarmac binary in it that fails the test,
instead of hanging it, when tarmac does not finish."""
import os
import shutil
import subprocess
import tempfile
import unittest

from sim_peer import BIN

RUN_TIMEOUT = 30   # far above any step's own timeout: only a hang reaches it


class HostileCase(unittest.TestCase):
    def setUp(self):
        if not os.access(BIN, os.X_OK):
            self.skipTest("no tarmac binary")
        self.tmp = tempfile.mkdtemp(prefix="tarmac-hostile-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def write(self, name, text, mode=0o600):
        """A file in HOME, written byte for byte (CR included); its path."""
        path = os.path.join(self.tmp, name)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def env(self, **extra):
        e = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and not k.lower().endswith("_proxy")}
        e.update(HOME=self.tmp, XDG_CONFIG_HOME=os.path.join(self.tmp, ".config"),
                 XDG_STATE_HOME=os.path.join(self.tmp, ".state"), AWS_REGION="us-east-1", AWS_MAX_ATTEMPTS="1",
                 AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE=os.path.join(self.tmp, "config"),
                 AWS_SHARED_CREDENTIALS_FILE=os.path.join(self.tmp, "credentials"))
        e.update(extra)
        return e

    def tarmac(self, args, env):
        try:
            return subprocess.run([BIN] + list(args), env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            self.fail(f"tarmac {' '.join(args)} did not finish within {RUN_TIMEOUT} s")
