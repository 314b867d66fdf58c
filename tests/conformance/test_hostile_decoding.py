"""Hostile servers against decoding: answers that try to make tarmac read, keep or
spend without end, and values no AWS endpoint sends. A rewriting server (the
canned answers of canned_aws.py with some operations replaced) plays AWS:

- one answer of 6,000,000 "{}" (DescribeImages, 18 MB) or 6.9 M "<member/>"
  (DescribeAutoScalingGroups, 62 MB), endless pages with a fresh nextToken each
  time, pages that add up past 256 MiB: `tarmac status` stops with an error that
  names the operation and the limit, its peak RSS bounded;
- "prod\\u0000evil" as an image tag: the answer is refused, naming the member;
- a group with DesiredCapacity -5 and MinSize -2147483648: flagged, not shown as
  real, in status (table and --json) and in the console's Groups pane;
- the console, driven in tmux, while such answers arrive: keys are handled (j
  moves the selection) and q ends it, each within a generous bounded wait.

Memory is checked by a bound: the child runs under RLIMIT_AS, its peak RSS is read
with wait4. In the ASan build (which cannot start under a limit on address space)
the bounds are not checked: status still has to stop with the same errors, and the
console's bounded test is skipped.""" 
import json
import os
import re
import resource
import shutil
import subprocess
import tempfile
import threading
import time
import unittest

from canned_aws import AS_NS, GROUP, CannedAws, query_answer, to_xml

TOP = os.environ.get("TARMAC_TOP") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TARMAC = os.environ.get("TARMAC_BIN") or os.path.join(TOP, "tarmac")
ASAN = os.environ.get("TARMAC_BUILD", "").rstrip("/").endswith("build/san")

ADDRESS_SPACE = 3 << 30        # what the child may map: far above a bounded tarmac, far below the old gigabytes
RSS_BOUND_MB = 600             # peak RSS the fixed tarmac stays under for every answer here


def json_answer(doc_text):
    return 200, "application/x-amz-json-1.1", doc_text


class HostileAws(CannedAws):
    """CannedAws whose answers to some operations are replaced: rewrite[op] is a
    function of the request's form (Query) or document (JSON) giving (status,
    content type, body). Counts the calls of each operation, and the answers
    written out whole."""

    def __init__(self):
        super().__init__()
        self.rewrite = {}
        self.counts = {}
        self.sent = {}
        self.local = threading.local()

    def answer(self, target, form):
        op = target.rsplit(".", 1)[-1] if target else form.get("Action", [""])[0]
        self.local.op = op
        with self.lock:
            self.counts[op] = self.counts.get(op, 0) + 1
        fn = self.rewrite.get(op)
        if fn:
            return fn(form)
        return super().answer(target, form)

    def start(self):
        super().start()
        # A client that stops reading a huge answer resets the connection: expected here.
        self.httpd.handle_error = lambda request, client_address: None
        handler = self.httpd.RequestHandlerClass     # this server's own class
        send = handler._send
        server = self

        def counted_send(h, *answer):
            send(h, *answer)
            op = getattr(server.local, "op", None)
            with server.lock:
                server.sent[op] = server.sent.get(op, 0) + 1

        handler._send = counted_send
        return self

    def count(self, op):
        with self.lock:
            return self.counts.get(op, 0)

    def sent_whole(self, op):
        with self.lock:
            return self.sent.get(op, 0)


def groups_answer(members_xml):
    op = "DescribeAutoScalingGroups"
    return 200, "text/xml", query_answer(op, AS_NS, f"<AutoScalingGroups>{members_xml}</AutoScalingGroups>")


class StatusAgainstHostileAnswers(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.aws = HostileAws().start()
        cls.home = tempfile.mkdtemp(prefix="tarmac-hostile-")
        cls.env = cls.aws.env(cls.home)

    @classmethod
    def tearDownClass(cls):
        cls.aws.stop()
        shutil.rmtree(cls.home, ignore_errors=True)

    def setUp(self):
        self.aws.rewrite = {}
        with self.aws.lock:
            self.aws.counts = {}

    def status(self, *args, timeout=120):
        """Runs `tarmac status ARGS` under RLIMIT_AS (not in the ASan build, which
        cannot start under one); returns (exit status, stdout, stderr, peak RSS in MB)."""

        def limit():
            if not ASAN:
                resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))

        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            p = subprocess.Popen([TARMAC, "status", *args, "--endpoint-url", self.aws.url], env=self.env,
                                 stdin=subprocess.DEVNULL, stdout=out, stderr=err, preexec_fn=limit)
            deadline = time.monotonic() + timeout
            while True:
                pid, wstatus, usage = os.wait4(p.pid, os.WNOHANG)
                if pid:
                    break
                if time.monotonic() > deadline:
                    p.kill()
                    pid, wstatus, usage = os.wait4(p.pid, 0)
                    break
                time.sleep(0.05)
            p.returncode = os.waitstatus_to_exitcode(wstatus)
            out.seek(0)
            err.seek(0)
            return (p.returncode, out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"),
                    usage.ru_maxrss // 1024)

    def assertRefused(self, rc, stderr, rss, op, code, limit_text, want_rc):
        self.assertEqual(rc, want_rc, stderr[-2000:])
        self.assertRegex(stderr, rf"tarmac: {op}: {code}: [^\n]*{re.escape(limit_text)}[^\n]*LIMITS in tarmac\(1\)")
        if not ASAN:   # the memory bound is checked outside the ASan build (its shadow memory)
            self.assertLess(rss, RSS_BOUND_MB, f"peak RSS {rss} MB")

    # ---- one answer ----

    def test_images_of_empty_objects(self):
        """18 MB of {} once took status to 5.2 GB: refused before json-c builds it."""
        body = '{"imageDetails":[' + ",".join(["{}"] * 6_000_000) + "]}"
        self.aws.rewrite["DescribeImages"] = lambda form: json_answer(body)
        rc, out, err, rss = self.status("--asg", "web-asg", "--repo", "web")
        self.assertRefused(rc, err, rss, "DescribeImages", "ResponseTooLarge",
                           "more than 100000 JSON objects and arrays", 3)
        self.assertIn("ASG web-asg", out)                  # what could be read is shown
        self.assertIn("(images not available)", out)

    def test_groups_of_empty_members_json(self):
        """62 MB of <member/> once took status --json to 7.3 GB: each counts, none is kept."""
        members = "<member/>" * 6_900_000
        self.aws.rewrite["DescribeAutoScalingGroups"] = lambda form: groups_answer(members)
        rc, out, err, rss = self.status("--json")
        self.assertRefused(rc, err, rss, "DescribeAutoScalingGroups", "TooManyItems",
                           "more than 200000 list entries in one call", 1)
        self.assertEqual(out, "")

    # ---- paging ----

    def test_endless_image_pages(self):
        """20,000 images a page with a fresh nextToken each time once reached 23 GB."""
        page = ",".join(json.dumps({"imageDigest": "sha256:%064x" % i, "imageTags": ["t%d" % i]})
                        for i in range(20_000))

        def images(form):
            n = self.aws.count("DescribeImages")
            return json_answer('{"imageDetails":[' + page + '],"nextToken":"page-%d"}' % n)

        self.aws.rewrite["DescribeImages"] = images
        rc, out, err, rss = self.status("--asg", "web-asg", "--repo", "web")
        self.assertRefused(rc, err, rss, "DescribeImages", "TooManyItems",
                           "more than 200000 list entries in one call", 3)
        # 40,000 entries a page (an image and its tag): five fill the budget, the sixth
        # is one too many, and no seventh is asked for.
        self.assertEqual(self.aws.count("DescribeImages"), 6)

    def test_pages_past_the_bytes_limit(self):
        """Pages of 60 MB (whitespace after the object) stop at 256 MiB across the call."""
        pad = " " * (60 << 20)

        def images(form):
            n = self.aws.count("DescribeImages")
            return json_answer('{"imageDetails":[],"nextToken":"page-%d"}' % n + pad)

        self.aws.rewrite["DescribeImages"] = images
        rc, out, err, rss = self.status("--asg", "web-asg", "--repo", "web", timeout=180)
        self.assertRefused(rc, err, rss, "DescribeImages", "ResponseTooLarge",
                           "more than 256 MiB of answers in one call", 3)
        self.assertEqual(self.aws.count("DescribeImages"), 5)

    # ---- values no AWS endpoint sends ----

    def test_nul_in_a_tag_refuses_the_answer(self):
        """"prod\\u0000evil" would be shown and compared as "prod"."""
        doc = {"imageDetails": [
            {"imageDigest": "sha256:" + "a" * 64, "imageTags": ["stable"], "imagePushedAt": 1714564800},
            {"imageDigest": "sha256:" + "e" * 64, "imageTags": ["prod\u0000evil"], "imagePushedAt": 1714600000}]}
        text = json.dumps(doc)
        self.assertIn("\\u0000", text)
        self.aws.rewrite["DescribeImages"] = lambda form: json_answer(text)
        rc, out, err, _ = self.status("--asg", "web-asg", "--repo", "web")
        self.assertEqual(rc, 3, err)
        self.assertIn("tarmac: DescribeImages: MalformedResponse: DescribeImages: "
                      "imageDetails[1].imageTags[0] holds U+0000 (a NUL character)", err)
        self.assertIn("(images not available)", out)
        self.assertNotRegex(out, r"\bprod\b")

    def test_absurd_sizes_are_flagged(self):
        bad = dict(GROUP, AutoScalingGroupName="web-asg", DesiredCapacity=-5, MinSize=-2147483648, MaxSize=3)
        self.aws.rewrite["DescribeAutoScalingGroups"] = lambda form: groups_answer(to_xml([bad]))
        rc, out, err, _ = self.status("--asg", "web-asg")
        self.assertEqual(rc, 0, err)
        self.assertIn("desired -5  min -2147483648  max 3", out)        # not clamped
        self.assertIn("sizes INVALID: MinSize -2147483648 is below 0 (outside AWS's ranges: not to be trusted)", out)
        rc, out, err, _ = self.status("--asg", "web-asg", "--json")
        self.assertEqual(rc, 0, err)
        (g,) = json.loads(out)["AutoScalingGroups"]
        self.assertEqual((g["DesiredCapacity"], g["MinSize"]), (-5, -2147483648))   # AWS-shaped: as sent
        self.assertIn("tarmac: warning: group 'web-asg': MinSize -2147483648 is below 0: its sizes are outside "
                      "AWS's ranges, as the server sent them", err)


class LimitsAreDocumented(unittest.TestCase):
    def test_the_errors_point_at_a_limits_section_that_names_them(self):
        with open(os.path.join(TOP, "man", "tarmac.1"), encoding="utf-8") as f:
            man = f.read()
        m = re.search(r"^\.Sh LIMITS\n(.*?)^\.Sh ", man, re.S | re.M)
        self.assertIsNotNone(m, "man/tarmac.1 has no LIMITS section")
        section = m.group(1)
        for text in ("200,000 list entries per call", "256 MiB of answers per call", "10,000 pages per call",
                     "64 MiB per answer", "1,000,000 XML elements per answer",
                     "100,000 JSON objects and arrays, 1,000,000 JSON values per answer", "10,000 calls at once",
                     "TooManyItems", "ResponseTooLarge", "TooManyPages", "TooManyCalls", "U+0000"):
            self.assertIn(text, section)


# ---------------------------------------------------------------- the console

class Tmux:
    """A private tmux server with one session running a script."""

    def __init__(self, workdir):
        self.sock = "tarmac-hostile-%d" % os.getpid()
        self.dir = workdir

    def __call__(self, *args, check=False):
        return subprocess.run(["tmux", "-L", self.sock, "-f", "/dev/null", *args], capture_output=True, text=True,
                              timeout=10, check=check)

    def start(self, script, width=200, height=50):
        self("kill-server")
        self("new-session", "-d", "-s", "console", "-x", str(width), "-y", str(height), "sh " + script,
             check=True)

    def screen(self):
        return self("capture-pane", "-p", "-t", "console").stdout

    def keys(self, *keys):
        self("send-keys", "-t", "console", *keys)

    def wait_for(self, pattern, seconds):
        """Polls the screen until the regex shows; bounded in time and count."""
        for _ in range(int(seconds * 10)):
            if re.search(pattern, self.screen()):
                return True
            time.sleep(0.1)
        return False

    def stop(self):
        self("kill-server")


@unittest.skipUnless(shutil.which("tmux"), "tmux is not installed")
class ConsoleAgainstHostileAnswers(unittest.TestCase):
    def setUp(self):
        self.aws = HostileAws().start()
        self.dir = tempfile.mkdtemp(prefix="tarmac-hostile-tui-")
        self.tmux = Tmux(self.dir)

    def tearDown(self):
        self.tmux.stop()
        self.aws.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def start_console(self, *flags, bounded=False):
        if bounded and ASAN:
            self.skipTest("memory bounds are checked outside the ASan build (ASan cannot run under RLIMIT_AS)")
        env = self.aws.env(os.path.join(self.dir, "home"))
        os.makedirs(env["HOME"], exist_ok=True)
        lines = ["#!/bin/sh"]
        for k in ("HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                  "AWS_REGION", "AWS_MAX_ATTEMPTS", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
            lines.append("export %s='%s'" % (k, env[k]))
        lines += ["export TZ=UTC LANG=C.UTF-8 LC_ALL= TERM=xterm-256color",
                  "unset NO_COLOR AWS_PROFILE AWS_DEFAULT_PROFILE",
                  "ulimit -v %d" % (ADDRESS_SPACE // 1024) if bounded else ":",
                  "'%s' --endpoint-url '%s' %s 2> '%s/console.err'" % (TARMAC, self.aws.url, " ".join(flags),
                                                                       self.dir),
                  'echo "CONSOLE-EXIT $?"', "sleep 60"]
        script = os.path.join(self.dir, "run.sh")
        with open(script, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.tmux.start(script)

    def quit_console(self):
        self.tmux.keys("q")
        self.assertTrue(self.tmux.wait_for(r"CONSOLE-EXIT \d+", 15), self.tmux.screen())
        self.assertIn("CONSOLE-EXIT 0", self.tmux.screen())

    def test_keys_while_huge_answers_arrive(self):
        """The console once took 18 s to quit, at 7.7 GB, on 62 MB of <member/>. Here
        the groups come first as they are; then r asks for everything again and the
        answers are huge: 6.9 M <member/> for DescribeAutoScalingGroups, 6,000,000 {}
        for DescribeImages, 60 MB of elements for DescribeScalingActivities. While
        they arrive, j moves to the other group and q ends the console, each within
        a generous bounded wait."""
        members = "<member/>" * 6_900_000
        empty = '{"imageDetails":[' + ",".join(["{}"] * 6_000_000) + "]}"
        elements = query_answer("DescribeScalingActivities", AS_NS,
                                "<Activities><member>" + "<x/>" * (15 << 20) + "</member></Activities>")
        other = dict(GROUP, AutoScalingGroupName="web-other")

        def groups(form):
            if self.aws.count("DescribeAutoScalingGroups") == 1:
                return groups_answer(to_xml([GROUP, other]))
            return groups_answer(members)

        self.aws.rewrite = {
            "DescribeAutoScalingGroups": groups,
            "DescribeImages": lambda form: json_answer(empty),
            "DescribeScalingActivities": lambda form: (200, "text/xml", elements),
        }
        self.start_console("--repo", "web", bounded=True)
        self.assertTrue(self.tmux.wait_for(r"web-other", 30), self.tmux.screen())
        self.tmux.keys("r")
        # The huge answers have been written out whole (they are read and decoded)
        # when the keys come.
        for _ in range(300):
            if self.aws.sent_whole("DescribeAutoScalingGroups") > 1:
                break
            time.sleep(0.1)
        self.assertGreater(self.aws.sent_whole("DescribeAutoScalingGroups"), 1)
        self.tmux.keys("1", "g", "j")
        self.assertTrue(self.tmux.wait_for(r"▶ web-other", 15), self.tmux.screen())
        # Selecting the other group polls its activities again: q while they arrive.
        self.quit_console()
        with open(os.path.join(self.dir, "console.err"), encoding="utf-8", errors="replace") as f:
            self.assertNotIn("out of memory", f.read())

    def test_absurd_sizes_in_the_groups_pane(self):
        """DesiredCapacity -5, MinSize -2147483648: "invalid" in the Groups pane, and
        its detail says which value is out of AWS's range."""
        bad = dict(GROUP, AutoScalingGroupName="web-odd", DesiredCapacity=-5, MinSize=-2147483648, MaxSize=3)
        self.aws.rewrite = {"DescribeAutoScalingGroups": lambda form: groups_answer(to_xml([GROUP, bad]))}
        self.start_console()
        self.assertTrue(self.tmux.wait_for(r"web-odd .* invalid +2/\?", 30), self.tmux.screen())
        self.assertTrue(re.search(r"web-asg .* 3/2/6 +2/3", self.tmux.screen()), self.tmux.screen())
        self.tmux.keys("1", "g", "j", "Enter")
        self.assertTrue(self.tmux.wait_for(r"INVALID: MinSize -2147483648 is below 0", 15), self.tmux.screen())
        self.assertTrue(self.tmux.wait_for(r"DesiredCapacity +-5  \(invalid\)", 5), self.tmux.screen())
        self.tmux.keys("Escape")
        self.quit_console()

if __name__ == "__main__":
    unittest.main()
