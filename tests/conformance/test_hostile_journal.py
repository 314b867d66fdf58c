"""The journal is the user's own: tarmac never uses, reads or resumes a journal another
user could have written.

The plant from the review: TARMAC_JOURNAL names a 0666 file another user owns, in a
shared sticky directory (1777), holding an unfinished plan with a forged `user`.
`resume` must refuse it (naming the owner) instead of offering the plan, `log` must
not print it, a new deploy must change nothing, and the file must be left as it was
(as root, a chmod would succeed). A journal in a directory others can write without
the sticky bit is refused too (they could swap the file). The user's own looser
journal is tightened to 0600. And a plan resumed from the user's own journal prints
commands made again from its steps, never the journal's text as a command.

Planting a file of another owner needs root (the tests run as root); without it
those tests are skipped."""
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import canned_aws  # noqa: E402
from sim_peer import BIN, TOP  # noqa: E402

OTHER_UID = 65534
FIXTURE = os.path.join(TOP, "tests", "fixtures", "journal", "deploy_unfinished.jsonl")


def planted_plan(cli="aws ecr put-image; touch pwned-by-journal", user="alice"):
    """The fixture's unfinished deploy (plan_start only), its user forged and each
    step's command replaced by cli."""
    rec = json.loads(open(FIXTURE, encoding="utf-8").readline())
    rec["user"] = user
    for st in rec["plan"]["steps"]:
        st["cli"] = cli
    return json.dumps(rec) + "\n"


class HostileJournal(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.access(BIN, os.X_OK):
            raise unittest.SkipTest(f"no tarmac binary at {BIN}")
        cls.aws = canned_aws.CannedAws().start()

    @classmethod
    def tearDownClass(cls):
        cls.aws.stop()

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="tarmac-hostile-journal-")
        self.env = self.aws.env(os.path.join(self.dir, "home"))

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def tarmac(self, journal, *args):
        env = dict(self.env, TARMAC_JOURNAL=journal)
        return subprocess.run([BIN, "--endpoint-url", self.aws.url, *args], env=env, capture_output=True, text=True,
                              timeout=60, stdin=subprocess.DEVNULL, cwd=self.dir)

    def shared_dir(self, mode):
        d = os.path.join(self.dir, "shared")
        os.mkdir(d)
        os.chmod(d, mode)
        return d

    def plant(self, d, owner=None, mode=0o666, text=None):
        path = os.path.join(d, "journal.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text or planted_plan())
        if owner is not None:
            os.chown(path, owner, owner)
        os.chmod(path, mode)
        return path

    def need_root(self):
        if os.geteuid() != 0:
            self.skipTest("planting a file of another owner needs root")

    def test_planted_journal_is_refused(self):
        self.need_root()
        path = self.plant(self.shared_dir(0o1777), owner=OTHER_UID)
        p = self.tarmac(path, "resume", "--asg", "web-asg", "--repo", "web")
        self.assertEqual(p.returncode, 4, p.stdout + p.stderr)
        self.assertIn(f"(uid {OTHER_UID}), not to you (uid 0)", p.stderr)
        for text in (p.stdout, p.stderr):
            self.assertNotIn("alice", text)
            self.assertNotIn("resuming plan", text)
            self.assertNotIn("pwned-by-journal", text)
        p = self.tarmac(path, "log")
        self.assertNotEqual(p.returncode, 0)
        self.assertNotIn("alice", p.stdout)
        self.assertIn("cannot read the journal", p.stderr)
        p = self.tarmac(path, "deploy", "0e00e00", "--asg", "web-asg", "--repo", "web", "--yes")
        self.assertEqual(p.returncode, 4, p.stdout + p.stderr)
        self.assertIn("nothing was changed", p.stderr)
        self.assertNotIn("PutImage", self.aws.calls)
        st = os.stat(path)
        self.assertEqual((st.st_uid, stat.S_IMODE(st.st_mode)), (OTHER_UID, 0o666))   # left alone

    def test_directory_others_can_write(self):
        path = self.plant(self.shared_dir(0o777), mode=0o600)
        p = self.tarmac(path, "resume", "--asg", "web-asg", "--repo", "web")
        self.assertEqual(p.returncode, 4, p.stdout + p.stderr)
        self.assertIn("is writable by them (mode 0777)", p.stderr)
        self.assertNotIn("resuming plan", p.stdout)

    def test_own_loose_journal_is_tightened(self):
        path = self.plant(self.shared_dir(0o700), mode=0o666)
        p = self.tarmac(path, "log")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)

    def test_resumed_plan_prints_its_own_commands(self):
        """The user's own journal, edited: the steps' commands are made again from the
        steps (digests, tags, group), whatever text the journal holds."""
        path = self.plant(self.shared_dir(0o700), mode=0o600)
        p = self.tarmac(path, "resume", "--asg", "web-asg", "--repo", "web")
        self.assertEqual(p.returncode, 4, p.stdout + p.stderr)   # no terminal, no --yes: nothing changed
        self.assertIn("resuming plan", p.stdout)
        self.assertNotIn("pwned-by-journal", p.stdout)
        self.assertIn("$ aws ecr batch-get-image --region us-east-1 --repository-name web", p.stdout)
        self.assertIn("--image-tag prod-stable --image-digest sha256:487a50696d15b3966f4697f8e908051885dda1c4a3265da"
                      "241dd493172fe7b4c --cli-input-json file://put-image.json", p.stdout)
        self.assertIn("$ aws autoscaling start-instance-refresh --region us-east-1 --auto-scaling-group-name web-asg "
                      "--preferences '{\"SkipMatching\":false}'", p.stdout)


if __name__ == "__main__":
    unittest.main()
