"""Where each request goes: the endpoint rule, end to end. Every endpoint source
(--endpoint-url, AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the profile's services
section and its endpoint_url) gets its own loopback Recorder in front of one `tarmac
sim`; the commands run against them and the test checks which recorder got which
service's requests — STS (AssumeRole, AssumeRoleWithWebIdentity, GetCallerIdentity),
the SSO portal's GetRoleCredentials, and autoscaling, elbv2, ecr, ec2 and cloudwatch.

The rule is the SDKs' ("Service-specific endpoints" in the SDKs and Tools reference
guide): AWS_ENDPOINT_URL_<SERVICE> > AWS_ENDPOINT_URL > the services section > the
profile's endpoint_url. tarmac's --endpoint-url is a global endpoint above
AWS_ENDPOINT_URL, and like every global endpoint it is overridden by the
service-specific settings: AWS_ENDPOINT_URL_<SERVICE> and the profile's services
entry. For configurations without the flag, botocore (run with the same files and
environment) must name the same endpoint for every service; with the flag, botocore
with AWS_ENDPOINT_URL set to the flag's URL must, except that a service with a
services entry goes there."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import creds_endpoints as ce  # noqa: E402
import peer_versions  # noqa: E402
from sim_peer import BIN, Sim  # noqa: E402

REQUIRED = True
CMD_TIMEOUT = 120
SOURCES = ("flag", "svc", "global", "services", "profile")
SERVICES = ("autoscaling", "elbv2", "ecr", "ec2", "cloudwatch", "sts")

BOTO = r"""
import json, sys, botocore.session
profile, names = sys.argv[1] or None, sys.argv[2:]
out = {}
try:
    s = botocore.session.Session(profile=profile)
    for n in names:
        region = s.get_scoped_config().get("sso_region", "us-east-1") if n == "sso" else "us-east-1"
        out[n] = s.create_client(n, region_name=region, aws_access_key_id="A",
                                 aws_secret_access_key="B").meta.endpoint_url
except Exception as e:
    out = {"error": type(e).__name__}
print(json.dumps(out))
"""

CONFIG = """[profile ops]
role_arn = arn:aws:iam::123456789012:role/ops
source_profile = base
role_session_name = routing
region = us-east-1
{ops}
[profile dev]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = Deployer
region = us-east-1
{dev}
[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
{sections}"""

TARMAC_CONFIG = """apps:
  web:
    asg: web-asg
    ecr_repository: web
    alarms: [web-unhealthy-hosts]
"""


def binary_ok():
    if not os.access(BIN, os.X_OK):
        return f"no tarmac binary at {BIN}"
    return ""


class Endpoints:
    """One simulator and a Recorder per endpoint source in front of it."""

    def __init__(self, speed=50):
        self.sim = Sim(speed=speed).start()
        self.rec = {n: ce.Recorder(n, self.sim.url).start() for n in SOURCES}

    def url(self, name):
        return self.rec[name].url

    def name_of(self, url):
        for n, r in self.rec.items():
            if url and url.rstrip("/") == r.url:
                return n
        return url

    def take(self):
        """{source: [(service, operation)]} since the last call."""
        got = {}
        for n, r in self.rec.items():
            with r._lock:
                got[n] = list(r.calls)
                r.calls.clear()
        return got

    def stop(self):
        for r in self.rec.values():
            r.stop()
        self.sim.stop()


class RoutingBase(unittest.TestCase):
    speed = 50

    @classmethod
    def setUpClass(cls):
        why = binary_ok()
        if why:
            raise unittest.SkipTest(why)
        cls.ep = Endpoints(cls.speed)
        cls.tmp = tempfile.mkdtemp(prefix="tarmac-routing-")

    @classmethod
    def tearDownClass(cls):
        cls.ep.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.ep.take()

    def home(self, ops="", dev="", sections=""):
        """A HOME with the base keys, profile ops (a role from base) and dev (SSO, with a
        cached token), tarmac's config (app web), and extra lines for each profile."""
        h = tempfile.mkdtemp(dir=self.tmp)
        os.makedirs(os.path.join(h, ".config", "tarmac"))
        with open(os.path.join(h, ".config", "tarmac", "config.yaml"), "w", encoding="utf-8") as f:
            f.write(TARMAC_CONFIG)
        with open(os.path.join(h, "aws-credentials"), "w", encoding="utf-8") as f:
            f.write(f"[base]\naws_access_key_id = {self.ep.sim.akid}\n"
                    f"aws_secret_access_key = {self.ep.sim.secret}\n")
        fill = {n: self.ep.url(n) for n in SOURCES}
        with open(os.path.join(h, "aws-config"), "w", encoding="utf-8") as f:
            f.write(CONFIG.format(ops=ops.format(**fill), dev=dev.format(**fill), sections=sections.format(**fill)))
        ce.write_sso_cache(h, "corp", 3600, token="routing-portal-bearer-token")
        return h

    def env(self, home, extra=None):
        e = self.ep.sim.env(home)
        for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            e.pop(k)   # credentials come from the profiles
        e["AWS_EC2_METADATA_DISABLED"] = "true"
        for k, v in (extra or {}).items():
            e[k] = v.format(**{n: self.ep.url(n) for n in SOURCES})
        return e

    def tarmac(self, env, *args, ok=(0,)):
        p = subprocess.run([BIN, *args], env=env, capture_output=True, text=True, timeout=CMD_TIMEOUT,
                           stdin=subprocess.DEVNULL)
        self.assertIn(p.returncode, ok, f"tarmac {' '.join(args)}: {p.stderr[-800:]}")
        return p

    def every_service(self, env, profile, flag=None):
        """status (autoscaling, elbv2, ecr), a plan under --read-only (STS
        GetCallerIdentity, ec2 DescribeLaunchTemplateVersions) and a watch of the running
        refresh, stopped once it has asked ec2 and cloudwatch; each resolves the
        credentials again."""
        common = ["--app", "web", "--profile", profile] + (["--endpoint-url", flag] if flag else [])
        self.tarmac(env, "status", *common)
        self.tarmac(env, "--read-only", "deploy", "--lt-version", "4", *common, ok=(4,))
        self.watch_until(env, common, (("ec2", "DescribeInstances"), ("cloudwatch", "DescribeAlarms")))
        return self.ep.take()

    def watch_until(self, env, common, wanted, limit_s=60):
        """`tarmac watch` until every (service, operation) of wanted reached some
        recorder, or it ends by itself, or limit_s passes; then SIGTERM."""
        p = subprocess.Popen([BIN, "watch", "--timeout", str(limit_s), *common], env=env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        stop = time.monotonic() + limit_s
        try:
            while p.poll() is None and time.monotonic() < stop:
                seen = {c for r in self.ep.rec.values() for c in r.operations_seen()}
                if all(w in seen for w in wanted):
                    break
                time.sleep(0.05)
        finally:
            if p.poll() is None:
                p.terminate()
            _, err = p.communicate(timeout=30)
        self.assertIn(p.returncode, (0, 6, -15), f"tarmac watch: {err[-500:]}")

    def assertRoutes(self, got, rule, must, what=""):
        """Every call went to rule(service, operation); each of must was seen."""
        seen = set()
        wrong = []
        for source, calls in got.items():
            for svc, op in calls:
                seen.add((svc, op))
                seen.add((svc, None))
                if rule(svc, op) != source:
                    wrong.append(f"{svc} {op} went to {source}, not {rule(svc, op)}")
        self.assertEqual(sorted(set(wrong)), [], what)
        missing = [m for m in must if (m if isinstance(m, tuple) else (m, None)) not in seen]
        self.assertEqual(missing, [], f"{what}: never called: {missing}; got {got}")

    @staticmethod
    def botocore_reads_configured_endpoints():
        """botocore reads AWS_ENDPOINT_URL[_<SERVICE>] and the services section since 1.31
        (its ConfiguredEndpointProvider); older ones (Debian 12's 1.29) do not."""
        import botocore.configprovider
        return hasattr(botocore.configprovider, "ConfiguredEndpointProvider")

    def need_botocore_endpoints(self, what):
        """Skips (loudly, naming the version) a comparison the installed botocore cannot make."""
        if not self.botocore_reads_configured_endpoints():
            self.skipTest(f"{peer_versions.botocore_name()} does not read AWS_ENDPOINT_URL or the services "
                          f"section: {what} not compared with botocore")

    def botocore(self, env, profile, flag=None, names=SERVICES):
        """Which source botocore names for each service: the flag in AWS_ENDPOINT_URL's place."""
        e = dict(env)
        if flag:
            e["AWS_ENDPOINT_URL"] = flag
        p = subprocess.run([sys.executable, "-c", BOTO, profile or "", *names], env=e, capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        out = json.loads(p.stdout)
        return out if "error" in out else {n: self.ep.name_of(u) for n, u in out.items()}


class Routing(RoutingBase):
    speed = 0.1   # the refresh started below runs for the whole class: `watch` follows it

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ep.sim.client("autoscaling").start_instance_refresh(
            AutoScalingGroupName="web-asg", Preferences={"SkipMatching": False})

    def test_flag_reaches_sts_of_a_role_profile(self):
        # Was: `status --profile ops --endpoint-url URL` sent AssumeRole to the real STS.
        env = self.env(self.home())
        got = self.every_service(env, "ops", self.ep.url("flag"))
        self.assertRoutes(got, lambda s, o: "flag", SERVICES + (("sts", "AssumeRole"), ("sts", "GetCallerIdentity")))

    def test_service_variable_outranks_the_flag(self):
        env = self.env(self.home(), {"AWS_ENDPOINT_URL_STS": "{svc}", "AWS_ENDPOINT_URL_EC2": "{svc}"})
        got = self.every_service(env, "ops", self.ep.url("flag"))
        self.assertRoutes(got, lambda s, o: "svc" if s in ("sts", "ec2") else "flag",
                          SERVICES + (("sts", "AssumeRole"),))

    def test_profile_settings_match_botocore(self):
        """services section and endpoint_url, with and without the variables and the
        flag: tarmac routes every service where botocore's resolution says."""
        self.need_botocore_endpoints("the profile's endpoint settings")
        ops = "services = local\nendpoint_url = {profile}"
        sections = ("[services local]\nsts =\n  endpoint_url = {services}\nauto_scaling =\n"
                    "  endpoint_url = {services}\necr =\n  endpoint_url = {services}\n")
        home = self.home(ops=ops, sections=sections)
        cases = [
            ({}, None),
            ({"AWS_ENDPOINT_URL": "{global}"}, None),
            ({"AWS_ENDPOINT_URL_CLOUDWATCH": "{svc}"}, None),
            ({}, "flag"),
            ({"AWS_ENDPOINT_URL": "{global}", "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2": "{svc}"}, "flag"),
        ]
        for extra, flag in cases:
            env = self.env(home, extra)
            flag_url = self.ep.url(flag) if flag else None
            want = self.botocore(env, "ops", flag_url)
            self.assertNotIn("error", want, extra)
            if flag:
                # the services entries (sts, auto_scaling, ecr) outrank the global flag
                want = {n: "services" if w == "flag" and n in ("sts", "autoscaling", "ecr") else w
                        for n, w in want.items()}
            got = self.every_service(env, "ops", flag_url)
            self.assertRoutes(got, lambda s, o: want[s], SERVICES + (("sts", "AssumeRole"),), f"{extra} flag={flag}")
        # ignoring configured endpoints leaves the flag alone, for every service (botocore
        # has no such flag: an endpoint given to its client would outrank the variables too)
        env = self.env(home, {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true", "AWS_ENDPOINT_URL_STS": "{svc}"})
        got = self.every_service(env, "ops", self.ep.url("flag"))
        self.assertRoutes(got, lambda s, o: "flag", SERVICES + (("sts", "AssumeRole"),))

    def test_profile_ignore_setting_keeps_only_the_flag(self):
        home = self.home(ops="ignore_configured_endpoint_urls = true\nendpoint_url = {profile}")
        env = self.env(home, {"AWS_ENDPOINT_URL_STS": "{svc}", "AWS_ENDPOINT_URL": "{global}"})
        got = self.every_service(env, "ops", self.ep.url("flag"))
        self.assertRoutes(got, lambda s, o: "flag", SERVICES)
        # and without the profile's setting, the variables apply again
        self.need_botocore_endpoints("the variables without ignore_configured_endpoint_urls")
        env = self.env(self.home(ops="endpoint_url = {profile}"),
                       {"AWS_ENDPOINT_URL_STS": "{svc}", "AWS_ENDPOINT_URL": "{global}"})
        want = self.botocore(env, "ops")
        got = self.every_service(env, "ops")
        self.assertRoutes(got, lambda s, o: want[s], SERVICES)
        self.assertEqual((want["sts"], want["ecr"]), ("svc", "global"))

    def test_missing_services_section_is_refused(self):
        home = self.home(ops="services = nosuch\nendpoint_url = {profile}")
        env = self.env(home)
        p = self.tarmac(env, "status", "--app", "web", "--profile", "ops", ok=(1, 2))
        self.assertIn("[services nosuch]", p.stderr)
        # AWS_ENDPOINT_URL comes first: the section is never looked at
        genv = self.env(home, {"AWS_ENDPOINT_URL": "{global}"})
        got = self.every_service(genv, "ops")
        self.assertRoutes(got, lambda s, o: "global", SERVICES)
        self.need_botocore_endpoints("the refusal of a missing services section")
        self.assertEqual(self.botocore(env, "ops"), {"error": "InvalidConfigError"})

    def test_web_identity(self):
        tok = os.path.join(self.tmp, "web-token")
        with open(tok, "w", encoding="utf-8") as f:
            f.write("eyJhbGciOi.routing.token\n")
        home = self.home()
        wi = {"AWS_WEB_IDENTITY_TOKEN_FILE": tok, "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/ci",
              "AWS_ROLE_SESSION_NAME": "ci"}
        env = self.env(home, wi)
        env.pop("AWS_SHARED_CREDENTIALS_FILE")
        # creds and status: the flag reaches AssumeRoleWithWebIdentity
        self.tarmac(env, "creds", "--endpoint-url", self.ep.url("flag"))
        self.tarmac(env, "status", "--app", "web", "--endpoint-url", self.ep.url("flag"))
        self.assertRoutes(self.ep.take(), lambda s, o: "flag", (("sts", "AssumeRoleWithWebIdentity"), "autoscaling"))
        # AWS_ENDPOINT_URL_STS outranks it, for creds as for every command
        env = self.env(home, dict(wi, AWS_ENDPOINT_URL_STS="{svc}"))
        self.tarmac(env, "creds", "--endpoint-url", self.ep.url("flag"))
        self.tarmac(env, "status", "--app", "web", "--endpoint-url", self.ep.url("flag"))
        self.assertRoutes(self.ep.take(), lambda s, o: "svc" if s == "sts" else "flag",
                          (("sts", "AssumeRoleWithWebIdentity"), "autoscaling"))

    def test_sso_portal(self):
        flag = self.ep.url("flag")
        env = self.env(self.home())
        # the flag reaches the portal, in creds as in every command
        self.tarmac(env, "creds", "--profile", "dev", "--endpoint-url", flag)
        got = self.every_service(env, "dev", flag)
        self.assertRoutes(got, lambda s, o: "flag", SERVICES + (("sso", "GetRoleCredentials"),))
        self.assertRoutes(self.ep.take(), lambda s, o: "flag", ())
        # AWS_ENDPOINT_URL_SSO outranks it
        env = self.env(self.home(), {"AWS_ENDPOINT_URL_SSO": "{svc}"})
        got = self.every_service(env, "dev", flag)
        self.assertRoutes(got, lambda s, o: "svc" if s == "sso" else "flag", (("sso", "GetRoleCredentials"),))
        # the profile's services section names the portal's endpoint (sso), as in botocore
        self.need_botocore_endpoints("the portal's services entry")
        home = self.home(dev="services = local\nendpoint_url = {profile}",
                         sections="[services local]\nsso =\n  endpoint_url = {services}\n")
        env = self.env(home)
        want = self.botocore(env, "dev", names=SERVICES + ("sso",))
        self.assertEqual(want["sso"], "services")
        got = self.every_service(env, "dev")
        self.assertRoutes(got, lambda s, o: want[s], SERVICES + (("sso", "GetRoleCredentials"),))

    def test_bad_flag_is_refused_by_every_command(self):
        env = self.env(self.home(), {"AWS_ENDPOINT_URL_STS": "{svc}"})
        for args in (["creds"], ["creds", "--profile", "ops"], ["status", "--app", "web"],
                     ["deploy", "a9f3c21", "--app", "web", "--yes"], ["watch", "--app", "web", "--timeout", "1"]):
            p = self.tarmac(env, *args, "--profile", "ops", "--endpoint-url", "http://example.com", ok=(2,))
            self.assertIn("--endpoint-url: the endpoint URL uses plain http://", p.stderr, args)
        self.assertRoutes(self.ep.take(), lambda s, o: "none", ())


class ActionRouting(RoutingBase):
    """The action commands, each on its own: AssumeRole for profile ops at the flag,
    ECR at AWS_ENDPOINT_URL_ECR, everything else at the flag."""

    def test_actions(self):
        env = self.env(self.home(), {"AWS_ENDPOINT_URL_ECR": "{svc}", "AWS_ENDPOINT_URL": "{global}"})
        rule = lambda s, o: "svc" if s == "ecr" else "flag"  # noqa: E731
        flag = ["--app", "web", "--profile", "ops", "--endpoint-url", self.ep.url("flag")]
        steps = [
            (["deploy", "a9f3c21", "--yes"], (0,), ("ecr", "PutImage"), ("autoscaling", "StartInstanceRefresh")),
            (["cancel", "--yes"], (0, 4, 5), ("autoscaling", "DescribeInstanceRefreshes")),
            (["promote", "a9f3c21", "staging", "--yes"], (0,), ("ecr", "PutImage")),
            (["rollback", "--yes"], (0,), ("ecr", "PutImage"), ("autoscaling", "StartInstanceRefresh")),
            (["resume"], (0, 2, 4)),
            (["abandon"], (0, 2, 4)),
            (["deploy", "--lt-version", "4", "--yes"], (0, 4), ("ec2", "DescribeLaunchTemplateVersions")),
        ]
        for args, ok, *must in steps:
            self.tarmac(env, *args, *flag, ok=ok)
            self.assertRoutes(self.ep.take(), rule, [("sts", "AssumeRole")] + must, " ".join(args))
        # watch, following the refresh the rollback started
        self.watch_until(env, flag, (("ec2", "DescribeInstances"), ("cloudwatch", "DescribeAlarms")))
        self.assertRoutes(self.ep.take(), rule, [("sts", "AssumeRole"), ("ec2", "DescribeInstances"),
                                                 ("cloudwatch", "DescribeAlarms"), ("sts", "GetCallerIdentity")],
                          "watch")

class Tmux:
    """The console in a private tmux server of a fixed size; bounded waits on the screen."""

    def __init__(self, workdir, env, args, size=(160, 40)):
        self.sock = f"tarmac-routing-{os.getpid()}"
        self.script = os.path.join(workdir, "run.sh")
        with open(self.script, "w", encoding="utf-8") as f:
            f.write("#!/bin/sh\n" + "".join(f"export {k}='{v}'\n" for k, v in env.items() if "'" not in v) +
                    "exec " + " ".join(f"'{a}'" for a in args) + f" 2> '{workdir}/console.err'\n")
        self.run("new-session", "-d", "-s", "c", "-x", str(size[0]), "-y", str(size[1]), f"sh '{self.script}'")

    def run(self, *args):
        return subprocess.run(["tmux", "-L", self.sock, "-f", "/dev/null", *args], capture_output=True, text=True,
                              timeout=20)

    def screen(self):
        return self.run("capture-pane", "-p", "-t", "c").stdout

    def stderr(self):
        try:
            with open(os.path.join(os.path.dirname(self.script), "console.err"), encoding="utf-8",
                      errors="replace") as f:
                return f.read()[-800:]
        except OSError:
            return ""

    def keys(self, *keys):
        self.run("send-keys", "-t", "c", *keys)

    def text(self, t):
        self.run("send-keys", "-t", "c", "-l", t)

    def wait_for(self, pred, limit_s=20):
        stop = time.monotonic() + limit_s
        while time.monotonic() < stop:
            if pred(self.screen()):
                return True
            time.sleep(0.1)
        return False

    def close(self):
        self.run("kill-server")


class ConsoleRouting(RoutingBase):
    """The console: its start-up, :profile and :region, and the Apps overview (each app
    on its own profile), with --endpoint-url and AWS_ENDPOINT_URL_SSO: every STS call at
    the flag, the SSO portal at its variable. (Was: the console did not start — its
    AssumeRole went to the real STS.)"""

    def test_console_profile_region_and_apps(self):
        if not shutil.which("tmux"):
            self.skipTest("tmux is not installed")
        home = self.home()
        with open(os.path.join(home, ".config", "tarmac", "config.yaml"), "a", encoding="utf-8") as f:
            f.write("    profile: ops\n  api:\n    asg: api-asg\n    ecr_repository: api\n    profile: dev\n"
                    "    alarms: [api-unhealthy-hosts]\n")
        env = self.env(home, {"AWS_ENDPOINT_URL_SSO": "{svc}"})
        env.update(TERM="xterm-256color", LANG="C.UTF-8", TZ="UTC")
        rule = lambda s, o: "svc" if s == "sso" else "flag"  # noqa: E731
        t = Tmux(self.tmp, env, [BIN, "--endpoint-url", self.ep.url("flag"), "--app", "web"])
        calls = {n: [] for n in SOURCES}

        def take():
            for n, c in self.ep.take().items():
                calls[n] += c
            return calls

        def count(source, op):
            return sum(1 for c in calls[source] if c[1] == op)

        def until(pred, limit_s=30):
            stop = time.monotonic() + limit_s
            while time.monotonic() < stop and not pred():
                take()
                time.sleep(0.1)

        try:
            started = t.wait_for(lambda sc: "role/ops" in sc and "web-tg" in sc)
            self.assertTrue(started, t.screen() + t.stderr())
            self.assertRoutes(take(), rule, [("sts", "AssumeRole"), ("sts", "GetCallerIdentity"),
                                             "autoscaling", "elbv2", "ecr"], "start")
            t.keys(":")
            t.text("profile dev")
            t.keys("Enter")
            self.assertTrue(t.wait_for(lambda sc: "profile dev" in sc and "role/Deployer" in sc), t.screen())
            self.assertRoutes(take(), rule, [("sso", "GetRoleCredentials")], ":profile dev")
            t.keys(":")
            t.text("region us-west-2")
            t.keys("Enter")
            self.assertTrue(t.wait_for(lambda sc: "region us-west-2" in sc), t.screen())
            # the overview: web on ops (a role, resolved anew), api on dev (SSO) in us-east-1
            t.keys("A")
            rows = lambda sc: re.search(r"web +ops/us-east-1", sc) and re.search(r"api +dev/us-east-1", sc)  # noqa: E731
            self.assertTrue(t.wait_for(rows), t.screen())
            until(lambda: count("flag", "AssumeRole") >= 2 and count("svc", "GetRoleCredentials") >= 3 and
                  count("flag", "DescribeAlarms") >= 2)
            self.assertRoutes(take(), rule, [("sts", "AssumeRole"), ("sso", "GetRoleCredentials"),
                                             ("cloudwatch", "DescribeAlarms")], "Apps overview\n" + t.screen())
            # AssumeRole: start-up and the overview's web; GetRoleCredentials: :profile, then
            # :region or the overview's api (which may share the console's fresh dev
            # credentials: how many calls is not the point, where they all went is)
            self.assertGreaterEqual(count("flag", "AssumeRole"), 2, calls)
            self.assertGreaterEqual(count("svc", "GetRoleCredentials"), 2, calls)
        finally:
            t.close()

if __name__ == "__main__":
    unittest.main()
