"""Credentials and region as botocore resolves them: for a matrix of shared files and
environments, `tarmac creds --json` and botocore (run in its own process with the same
HOME and environment) must agree on the access key id, the source (botocore's method
name) and the region — or must both fail. STS is `tarmac sim`; IMDS, the container
endpoint and the SSO portal are creds_endpoints.py on loopback. Bad input must give
one line that says what to do, and no secret may appear in anything tarmac prints."""
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import creds_endpoints as ce  # noqa: E402
import peer_versions  # noqa: E402
from sim_peer import BIN, TOP, Sim, scenario_credentials  # noqa: E402

AKID, SECRET, REGION = scenario_credentials("demo")
PROC_KEYS = ("AKIAPROCESSLOOP00001", "process/secret/value/000000000000000000", "process-token-0001")

BOTO = r"""
import json, os, sys, botocore.configprovider, botocore.session
p = sys.argv[1] or None
out = {}
try:
    s = botocore.session.Session(profile=p)
    if not hasattr(botocore.configprovider, "ConfiguredEndpointProvider"):
        # A botocore without AWS_ENDPOINT_URL_<SERVICE> (1.29, say) would ask the real
        # STS and SSO portal: its providers' clients get the loopback endpoints here.
        create = s.create_client
        def create_client(name, *a, **kw):
            kw.setdefault("endpoint_url", os.environ.get("AWS_ENDPOINT_URL_" + name.upper()))
            return create(name, *a, **kw)
        s.create_client = create_client
    c = s.get_credentials()
    out["region"] = s.get_config_variable("region")
    if c is None:
        out["ok"] = False
    else:
        f = c.get_frozen_credentials()
        out.update(ok=True, akid=f.access_key, method=c.method)
except Exception as e:
    out.update(ok=False, error=type(e).__name__)
print(json.dumps(out))
"""

METHOD = {"env": "environment"}   # tarmac's historical name for botocore's "env"


def scenario_text():
    """The demo world, knowing the loopback endpoints' keys too (roles are assumed
    with them) and handing out its own session credentials."""
    text = open(os.path.join(TOP, "sim", "scenarios", "demo.yaml"), encoding="utf-8").read()
    extra = ""
    for k in (ce.IMDS_KEYS, ce.CONTAINER_KEYS, ce.SSO_KEYS, PROC_KEYS):
        extra += (f"  - access_key_id: {k[0]}\n    secret_access_key: {k[1]}\n"
                  f"    session_token: {k[2]}\n    user: loopback\n")
    return text.replace("credentials:\n", "credentials:\n" + extra, 1)


class CredsMatrix(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.access(BIN, os.X_OK):
            raise unittest.SkipTest("no tarmac binary")
        probe = subprocess.run([BIN, "creds", "--list-profiles"], capture_output=True, text=True, timeout=30,
                               env={"HOME": tempfile.gettempdir(), "PATH": os.environ.get("PATH", "")})
        if "unknown command" in probe.stderr:
            raise unittest.SkipTest("this tarmac has no `creds` command")
        cls.tmp = tempfile.mkdtemp(prefix="tarmac-creds-")
        scen = os.path.join(cls.tmp, "scenario.yaml")
        with open(scen, "w", encoding="utf-8") as f:
            f.write(scenario_text())
        cls.sim = Sim(speed=1)
        cls.sim.args[cls.sim.args.index("demo")] = scen   # the demo world plus the loopback keys
        cls.sim.start()
        cls.ep = ce.Endpoints().start()
        cls.outputs = []   # everything tarmac printed, for the secrets check
        proc = os.path.join(cls.tmp, "proc.sh")
        with open(proc, "w", encoding="utf-8") as f:
            f.write("#!/bin/sh\necho 'helper says hi' >&2\n"
                    f"printf '%s' '{json.dumps({'Version': 1, 'AccessKeyId': PROC_KEYS[0], 'SecretAccessKey': PROC_KEYS[1], 'SessionToken': PROC_KEYS[2], 'Expiration': '2099-01-01T00:00:00Z'})}'\n")
        os.chmod(proc, stat.S_IRWXU)
        cls.proc = proc

    @classmethod
    def tearDownClass(cls):
        cls.ep.stop()
        cls.sim.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def home(self, config="", credentials="", sso=None):
        h = tempfile.mkdtemp(dir=self.tmp)
        os.makedirs(os.path.join(h, ".aws"))
        fill = {"akid": AKID, "secret": SECRET, "proc": self.proc, "ep": self.ep.url}
        for name, text in (("config", config), ("credentials", credentials)):
            if text:
                with open(os.path.join(h, ".aws", name), "w", encoding="utf-8") as f:
                    f.write(text.format(**fill))
        for key, life in (sso or {}).items():
            ce.write_sso_cache(h, key, life)
        return h

    def env(self, home, extra=None):
        e = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        e.update(HOME=home, AWS_ENDPOINT_URL_STS=self.sim.url, AWS_ENDPOINT_URL_SSO=self.ep.url,
                 AWS_EC2_METADATA_SERVICE_ENDPOINT=self.ep.url + "/", AWS_METADATA_SERVICE_NUM_ATTEMPTS="1",
                 TARMAC_CREDENTIAL_PROCESS_TIMEOUT="3")
        for k, v in (extra or {}).items():
            if v is None:
                e.pop(k, None)
            else:
                e[k] = v.format(ep=self.ep.url, home=home, sim=self.sim.url) if isinstance(v, str) else v
        return e

    def tarmac(self, env, profile):
        args = [BIN, "creds", "--json"] + (["--profile", profile] if profile else [])
        p = subprocess.run(args, env=env, capture_output=True, text=True, timeout=30)
        self.outputs.append(p.stdout + p.stderr)
        return p

    def botocore(self, env, profile):
        p = subprocess.run([sys.executable, "-c", BOTO, profile or ""], env=env, capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)

    def compare(self, config="", credentials="", env=None, profile=None, sso=None, expect_akid=None,
                expect_source=None, expect_fail=None):
        home = self.home(config, credentials, sso)
        e = self.env(home, env)
        b = self.botocore(e, profile)
        t = self.tarmac(e, profile)
        if expect_fail is not None:
            self.assertFalse(b["ok"], f"botocore resolved {b}")
            self.assertEqual(t.returncode, 1, t.stdout)
            # credential_process's own stderr is passed through; tarmac says one line
            lines = [l for l in t.stderr.splitlines() if l.startswith("tarmac:")]
            self.assertEqual(len(lines), 1, t.stderr)
            self.assertIn(expect_fail, lines[0])
            return t.stderr
        self.assertTrue(b["ok"], f"botocore failed: {b}")
        self.assertEqual(t.returncode, 0, t.stderr)
        got = json.loads(t.stdout)
        self.assertEqual(got["access_key_id"], b["akid"])
        self.assertEqual(got["source"], METHOD.get(b["method"], b["method"]))
        self.assertEqual(got["region"], b["region"])
        if expect_akid:
            self.assertTrue(re.match(expect_akid, got["access_key_id"]), got)
        if expect_source:
            self.assertEqual(got["source"], expect_source)
        return got

    # ---- static keys, profiles, environment ----
    def test_static_default(self):
        self.compare(credentials="[default]\naws_access_key_id = {akid}\naws_secret_access_key = {secret}\n",
                     config="[default]\nregion = eu-west-1\n", expect_akid=AKID, expect_source="shared-credentials-file")

    def test_static_named_and_config_file(self):
        self.compare(config="[profile c]\naws_access_key_id = AKIACONFIGFILE000001\naws_secret_access_key = x\n"
                            "region = ap-south-1\n", profile="c", expect_source="config-file")

    def test_aws_profile_env(self):
        self.compare(credentials="[p2]\naws_access_key_id = AKIAPTWO000000000001\naws_secret_access_key = y\n",
                     env={"AWS_PROFILE": "p2", "AWS_DEFAULT_REGION": "us-west-2"}, expect_akid="AKIAPTWO")

    def test_env_over_files(self):
        self.compare(credentials="[default]\naws_access_key_id = AKIAFILE000000000001\naws_secret_access_key = s\n",
                     env={"AWS_ACCESS_KEY_ID": "AKIAENV0000000000001", "AWS_SECRET_ACCESS_KEY": "e"},
                     expect_source="environment")

    def test_explicit_profile_beats_env(self):
        self.compare(credentials="[p1]\naws_access_key_id = AKIAFILE000000000002\naws_secret_access_key = s\n",
                     env={"AWS_ACCESS_KEY_ID": "AKIAENV0000000000002", "AWS_SECRET_ACCESS_KEY": "e"},
                     profile="p1", expect_akid="AKIAFILE")

    # ---- roles ----
    BASE = "[base]\naws_access_key_id = {akid}\naws_secret_access_key = {secret}\n"

    def test_role_source_profile(self):
        self.compare(credentials=self.BASE, config="[profile deploy]\nrole_arn = arn:aws:iam::123456789012:role/deploy\n"
                     "source_profile = base\nrole_session_name = matrix\nregion = us-east-1\n",
                     profile="deploy", expect_akid="ASIASIM", expect_source="assume-role")

    def test_role_chain(self):
        self.compare(credentials=self.BASE, config=(
            "[profile one]\nrole_arn = arn:aws:iam::123456789012:role/one\nsource_profile = base\nrole_session_name = s1\n"
            "[profile two]\nrole_arn = arn:aws:iam::210987654321:role/two\nsource_profile = one\n"
            "role_session_name = s2\nexternal_id = ext-123\nduration_seconds = 900\nregion = us-east-1\n"),
            profile="two", expect_akid="ASIASIM", expect_source="assume-role")

    def test_role_self_source_with_static(self):
        self.compare(credentials="[selfref]\naws_access_key_id = {akid}\naws_secret_access_key = {secret}\n",
                     config="[profile selfref]\nrole_arn = arn:aws:iam::123456789012:role/self\n"
                            "source_profile = selfref\nrole_session_name = me\nregion = us-east-1\n", profile="selfref",
                     expect_akid="ASIASIM")

    def test_role_credential_source_env(self):
        self.compare(config="[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\ncredential_source = Environment\n"
                            "role_session_name = envsrc\nregion = us-east-1\n", profile="r",
                     env={"AWS_ACCESS_KEY_ID": AKID, "AWS_SECRET_ACCESS_KEY": SECRET}, expect_akid="ASIASIM")

    def test_role_credential_source_imds(self):
        self.compare(config="[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\n"
                            "credential_source = Ec2InstanceMetadata\nrole_session_name = imdssrc\nregion = us-east-1\n",
                     profile="r", expect_akid="ASIASIM")

    def test_role_credential_source_container(self):
        self.compare(config="[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\n"
                            "credential_source = EcsContainer\nrole_session_name = ecssrc\nregion = us-east-1\n", profile="r",
                     env={"AWS_CONTAINER_CREDENTIALS_FULL_URI": "{ep}/container/creds",
                          "AWS_CONTAINER_AUTHORIZATION_TOKEN": ce.CONTAINER_AUTH}, expect_akid="ASIASIM")

    def test_role_from_process(self):
        self.compare(config="[profile proc]\ncredential_process = {proc}\n[profile r]\n"
                            "role_arn = arn:aws:iam::123456789012:role/r\nsource_profile = proc\nrole_session_name = pp\nregion = us-east-1\n",
                     profile="r", expect_akid="ASIASIM")

    # ---- credential_process, web identity, SSO, container, IMDS ----
    def test_credential_process(self):
        self.compare(config="[profile proc]\ncredential_process = {proc} --flag 'quoted arg'\nregion = eu-central-1\n",
                     profile="proc", expect_akid=PROC_KEYS[0], expect_source="custom-process")

    def test_static_file_beats_process(self):
        self.compare(credentials="[both]\naws_access_key_id = AKIASTATIC0000000001\naws_secret_access_key = s\n",
                     config="[profile both]\ncredential_process = {proc}\n", profile="both",
                     expect_source="shared-credentials-file")

    def test_web_identity_env(self):
        home_token = os.path.join(self.tmp, "web-token")
        with open(home_token, "w", encoding="utf-8") as f:
            f.write("eyJhbGciOi.web.token\n")
        self.compare(env={"AWS_WEB_IDENTITY_TOKEN_FILE": home_token, "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/ci",
                          "AWS_ROLE_SESSION_NAME": "ci-run"}, expect_akid="ASIASIM",
                     expect_source="assume-role-with-web-identity")

    def test_web_identity_profile(self):
        tok = os.path.join(self.tmp, "web-token2")
        with open(tok, "w", encoding="utf-8") as f:
            f.write("eyJhbGciOi.profile.token")
        self.compare(config=f"[profile w]\nweb_identity_token_file = {tok}\nrole_arn = arn:aws:iam::123456789012:role/w\n"
                            "role_session_name = wp\n", profile="w", expect_akid="ASIASIM")

    def test_sso_session(self):
        self.compare(config="[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Admin\n"
                            "region = eu-west-2\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
                            "sso_region = us-east-1\n", profile="dev", sso={"corp": 3600},
                     expect_akid=ce.SSO_KEYS[0], expect_source="sso")

    def test_sso_legacy(self):
        self.compare(config="[profile old]\nsso_start_url = https://legacy.awsapps.com/start\nsso_region = us-east-1\n"
                            "sso_account_id = 123456789012\nsso_role_name = ReadOnly\n", profile="old",
                     sso={"https://legacy.awsapps.com/start": 3600}, expect_akid=ce.SSO_KEYS[0])

    def test_sso_portal_of_the_simulator(self):
        cfg = ("[profile simsso]\nsso_session = sim\nsso_account_id = 123456789012\nsso_role_name = Deployer\n"
               "[sso-session sim]\nsso_start_url = https://sim.awsapps.com/start\nsso_region = us-east-1\n")
        home = self.home(cfg)
        ce.write_sso_cache(home, "sim", 3600, token="sim-portal-bearer-token")
        e = self.env(home, {"AWS_ENDPOINT_URL_SSO": self.sim.url})
        b, t = self.botocore(e, "simsso"), self.tarmac(e, "simsso")
        self.assertTrue(b["ok"], b)
        self.assertEqual(t.returncode, 0, t.stderr)
        got = json.loads(t.stdout)
        self.assertEqual(got["access_key_id"], b["akid"])
        self.assertTrue(got["access_key_id"].startswith("ASIASIM"))
        self.assertEqual((got["source"], b["method"]), ("sso", "sso"))
        # a token the portal no longer accepts: both refuse, tarmac says what to run
        ce.write_sso_cache(home, "sim", 3600, token="expired-bearer-token")
        b, t = self.botocore(e, "simsso"), self.tarmac(e, "simsso")
        self.assertFalse(b["ok"], b)
        self.assertEqual(t.returncode, 1)
        self.assertIn("run `aws sso login --profile simsso`", t.stderr)

    def test_container_full_uri(self):
        self.compare(env={"AWS_CONTAINER_CREDENTIALS_FULL_URI": "{ep}/container/creds",
                          "AWS_CONTAINER_AUTHORIZATION_TOKEN": ce.CONTAINER_AUTH},
                     expect_akid=ce.CONTAINER_KEYS[0], expect_source="container-role")

    def test_container_token_file(self):
        tf = os.path.join(self.tmp, "container-token")
        with open(tf, "w", encoding="utf-8") as f:
            f.write(ce.CONTAINER_AUTH)
        env = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": "{ep}/container/creds",
               "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tf}
        import botocore.credentials
        if not hasattr(botocore.credentials.ContainerProvider, "ENV_VAR_AUTH_TOKEN_FILE"):
            # An older botocore sends no token from the file: tarmac is checked alone.
            t = self.tarmac(self.env(self.home(), env), None)
            self.assertEqual(t.returncode, 0, t.stderr)
            got = json.loads(t.stdout)
            self.assertEqual((got["access_key_id"], got["source"]), (ce.CONTAINER_KEYS[0], "container-role"))
            self.skipTest(f"{peer_versions.botocore_name()} does not read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: "
                          "tarmac checked alone")
        self.compare(env=env, expect_akid=ce.CONTAINER_KEYS[0])

    def test_imds(self):
        self.compare(config="[default]\nregion = sa-east-1\n", expect_akid=ce.IMDS_KEYS[0], expect_source="iam-role")

    # ---- regions ----
    def test_region_env_over_profile(self):
        self.compare(credentials="[r]\naws_access_key_id = AKIAREGION0000000001\naws_secret_access_key = s\n",
                     config="[profile r]\nregion = eu-west-1\n", env={"AWS_DEFAULT_REGION": "ca-central-1"},
                     profile="r")

    # ---- bad input: one line that says what to do ----
    def test_missing_profile(self):
        self.compare(credentials=self.BASE, profile="nosuch", expect_fail="could not be found")

    def test_source_profile_loop(self):
        self.compare(config="[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = b\n"
                            "[profile b]\nrole_arn = arn:aws:iam::123456789012:role/b\nsource_profile = a\n",
                     profile="a", expect_fail="source_profile loop")

    def test_missing_source_profile(self):
        self.compare(config="[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = gone\n",
                     profile="a", expect_fail="does not exist")

    def test_bad_credential_source(self):
        self.compare(config="[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\ncredential_source = Bogus\n",
                     profile="r", expect_fail="credential_source must be Environment")

    def test_role_without_source(self):
        self.compare(config="[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base\n"
                            "credential_source = Environment\n[profile base]\naws_access_key_id = A\n"
                            "aws_secret_access_key = B\n", profile="r", expect_fail="keep one")

    def test_aws_default_profile_env(self):
        self.compare(credentials="[dp]\naws_access_key_id = AKIADEFPROFILE000001\naws_secret_access_key = s\n",
                     env={"AWS_DEFAULT_PROFILE": "dp"}, expect_akid="AKIADEFPROFILE")

    def test_process_garbage(self):
        err = self.compare(config="[profile g]\ncredential_process = sh -c 'echo not-json; echo helper-broke >&2'\n",
                           profile="g", expect_fail="not credentials")
        self.assertIn("helper-broke", err)   # the helper's stderr reached the user

    def test_process_hangs(self):
        err = self.compare(config="[profile h]\ncredential_process = sleep 30\n", profile="h",
                           env={"TARMAC_CREDENTIAL_PROCESS_TIMEOUT": "1"}, expect_fail="did not answer within")
        self.assertIn("was stopped", err)

    def test_sso_cache_missing(self):
        err = self.compare(config="[profile dev]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = A\n"
                                  "[sso-session corp]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-east-1\n",
                           profile="dev", expect_fail="aws sso login --profile dev")
        self.assertIn("no cached token", err)

    def test_sso_cache_expired(self):
        err = self.compare(config="[profile dev]\nsso_start_url = https://y.awsapps.com/start\nsso_region = us-east-1\n"
                                  "sso_account_id = 1\nsso_role_name = A\n", profile="dev",
                           sso={"https://y.awsapps.com/start": -60}, expect_fail="aws sso login --profile dev")
        self.assertIn("expired", err)

    def test_imds_unreachable(self):
        self.compare(env={"AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:9/"},
                     expect_fail="instance metadata")

    def test_zz_no_secret_in_any_output(self):
        secrets = [SECRET, PROC_KEYS[1], PROC_KEYS[2], ce.IMDS_KEYS[1], ce.IMDS_KEYS[2], ce.CONTAINER_KEYS[1],
                   ce.CONTAINER_KEYS[2], ce.SSO_KEYS[1], ce.SSO_KEYS[2], ce.SSO_TOKEN, ce.CONTAINER_AUTH,
                   "imds-v2-token-loopback", "eyJhbGciOi", "IQoJsim", "sim-portal-bearer-token"]
        self.assertGreater(len(self.outputs), 20, "the matrix ran first (tests run in name order)")
        blob = "\n".join(self.outputs)
        for s in secrets:
            self.assertNotIn(s, blob)
        self.assertNotIn("SecretAccessKey", blob)


if __name__ == "__main__":
    unittest.main()
