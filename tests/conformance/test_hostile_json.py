"""What tarmac prints as JSON is safe on a terminal and means the same.

json-c writes every character above U+001F raw: U+009B (CSI to a terminal that
honours 8-bit controls) and U+202E (right-to-left override) reached the terminal from
`status --json`, `creds --json` and `log --json`. Each must write them — and the
other bidi controls, the zero-width and invisible characters, odd spaces — as \\uXXXX
escapes, so that the bytes hold none of them raw while json.loads() gives back the
very same strings. The values come from canned AWS answers (a suspension reason, an
image tag, a target's health description), a profile name in the config file, and
a journal record."""
import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import canned_aws  # noqa: E402
from sim_peer import BIN  # noqa: E402

CSI, RLO, ZWSP, NBSP = "\u009b", "\u202e", "\u200b", "\u00a0"
HOSTILE = f"x{CSI}2J{RLO}gnp.exe{ZWSP}{NBSP}\u2066y\u2069"
RAW = [c.encode() for c in (CSI, RLO, ZWSP, NBSP, "\u2066", "\u2069")]


class HostileJson(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.access(BIN, os.X_OK):
            raise unittest.SkipTest(f"no tarmac binary at {BIN}")

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="tarmac-hostile-json-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def assertSafe(self, out):
        for raw in RAW:
            self.assertNotIn(raw, out)
        self.assertIn(b"\\u009b", out)
        self.assertIn(b"\\u202e", out)

    def run_tarmac(self, env, *args):
        p = subprocess.run([BIN, *args], env=env, capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
        return p

    def test_status_json(self):
        group = copy.deepcopy(canned_aws.GROUP)
        group["SuspendedProcesses"][0]["SuspensionReason"] = HOSTILE
        images = copy.deepcopy(canned_aws.IMAGES)
        images[2]["imageTags"] = ["0e00e00", HOSTILE]
        saved = (canned_aws.GROUP, canned_aws.IMAGES)
        canned_aws.GROUP, canned_aws.IMAGES = group, images
        try:
            aws = canned_aws.CannedAws().start()
            try:
                env = aws.env(self.dir)
                p = self.run_tarmac(env, "status", "--asg", "web-asg", "--repo", "web", "--json",
                                    "--endpoint-url", aws.url)
            finally:
                aws.stop()
        finally:
            canned_aws.GROUP, canned_aws.IMAGES = saved
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertSafe(p.stdout)
        doc = json.loads(p.stdout)
        g = doc["AutoScalingGroups"][0]
        self.assertEqual(g["SuspendedProcesses"][0]["SuspensionReason"], HOSTILE)
        tags = [t for r in doc["Repositories"] for im in r["imageDetails"] for t in im.get("imageTags", [])]
        self.assertIn(HOSTILE, tags)

    def test_creds_json(self):
        name = "ops" + HOSTILE.replace(" ", "")
        cfg = os.path.join(self.dir, "config")
        with open(cfg, "w", encoding="utf-8") as f:
            f.write(f"[profile {name}]\nregion = us-east-1\naws_access_key_id = AKIAHOSTILEJSON00001\n"
                    "aws_secret_access_key = hostile/json/secret/0000000000000000000\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({"HOME": self.dir, "AWS_CONFIG_FILE": cfg, "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
                    "AWS_PROFILE": name, "LANG": "C.UTF-8"})
        p = self.run_tarmac(env, "creds", "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertSafe(p.stdout)
        doc = json.loads(p.stdout)
        self.assertEqual(doc["profile"], name)
        self.assertEqual(doc["access_key_id"], "AKIAHOSTILEJSON00001")

    def test_log_json(self):
        state = os.path.join(self.dir, "state", "tarmac")
        os.makedirs(state, mode=0o700)
        rec = {"time": "2026-12-02T15:18:07.720Z", "event": "refused", "plan_id": "p-20261202T151807Z-822276",
               "action": "deploy", "user": "root", "app": "web", "outcome": "refused", "error": HOSTILE}
        line = json.dumps(rec, ensure_ascii=False, separators=(",", ":"))
        path = os.path.join(state, "journal.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            f.write(line + "\n")
        os.chmod(path, 0o600)
        env = {k: v for k, v in os.environ.items() if k != "TARMAC_JOURNAL"}
        env.update({"HOME": self.dir, "XDG_STATE_HOME": os.path.join(self.dir, "state")})
        p = self.run_tarmac(env, "log", "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertSafe(p.stdout)
        self.assertEqual(json.loads(p.stdout), rec)


if __name__ == "__main__":
    unittest.main()
