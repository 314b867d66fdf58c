"""Untrusted credentials, through the tarmac binary: credential sources that try to
inject HTTP headers (a CR/LF in the session token from AssumeRole, the container
endpoint, credential_process or the environment), text a server or a config file
chose printed by `tarmac creds`, an sso_region that tries to move the SSO request to
another host, and token files that are FIFOs. The servers are loopback stand-ins
that record every request; canned_aws.py answers the ordinary calls."""
import json
import os
import socket
import threading
import unittest
import urllib.parse
from http.server import BaseHTTPRequestHandler

from canned_aws import CannedAws
from creds_endpoints import _Loopback
from hostile_case import HostileCase

INJECTED = "X-Injected-Sts"
EVIL_TOKEN = "tok\r\n" + INJECTED + ": yes"
ROLE_ARN = "arn:aws:iam::123456789012:role/deploy"


def sts_answer(op, token, akid="ASIAHOSTILESTS000001"):
    """An STS answer whose token is given as XML character references (&#13;&#10;)."""
    ref = "".join(f"&#{ord(c)};" if ord(c) < 0x20 else c for c in token)
    return (f'<{op}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><{op}Result><Credentials>'
            f"<AccessKeyId>{akid}</AccessKeyId><SecretAccessKey>hostile/secret</SecretAccessKey>"
            f"<SessionToken>{ref}</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>"
            f"</{op}Result><ResponseMetadata><RequestId>hostile</RequestId></ResponseMetadata></{op}Response>")


class Hostile(_Loopback):
    """A loopback server that records every request (method, path, header names) and
    answers AssumeRole and the container endpoint with what the test sets, everything
    else from canned_aws."""

    def __init__(self):
        self.canned = CannedAws()
        self.requests = []
        self.assume_role = sts_answer("AssumeRole", EVIL_TOKEN)
        self.container = {}
        self.lock = threading.Lock()

    def header_names(self):
        with self.lock:
            return [name.lower() for _, _, names in self.requests for name in names]

    def operations(self):
        with self.lock:
            return [op for _, op, _ in self.requests]

    def start(self):
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _send(self, status, ctype, body):
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _record(self, op):
                with outer.lock:
                    outer.requests.append((self.command, op, list(self.headers.keys())))

            def do_GET(self):
                path = urllib.parse.urlsplit(self.path).path
                self._record("GET " + path)
                if path == "/container/creds":
                    return self._send(200, "application/json", json.dumps(outer.container))
                return self._send(404, "text/plain", "")

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                form = urllib.parse.parse_qs(self.rfile.read(n).decode("utf-8", "replace"), keep_blank_values=True)
                target = self.headers.get("X-Amz-Target")
                op = target.rsplit(".", 1)[-1] if target else form.get("Action", [""])[0]
                self._record(op)
                if op == "AssumeRole":
                    return self._send(200, "text/xml", outer.assume_role)
                self._send(*outer.canned.answer(target, form))

        return self._serve(Handler)


class HeaderInjection(HostileCase):
    """A CR/LF in the token never reaches a request: refused, naming the source."""

    def setUp(self):
        super().setUp()
        self.srv = Hostile().start()
        self.addCleanup(self.srv.stop)

    def status(self, env, *args):
        return self.tarmac(["status", "--asg", "web-asg", "--endpoint-url", self.srv.url] + list(args), env)

    def assert_refused(self, p, source, field="session token"):
        self.assertNotIn(INJECTED.lower(), self.srv.header_names(), "the injected header reached the server")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn(source, p.stderr)
        self.assertIn("control character in the " + field, p.stderr)
        self.assertNotIn(INJECTED, p.stderr + p.stdout)
        self.assertNotIn("DescribeAutoScalingGroups", self.srv.operations())

    def test_assume_role_answer(self):
        self.write("credentials", "[base]\naws_access_key_id = AKIABASE000000000001\naws_secret_access_key = s\n")
        self.write("config", f"[profile deploy]\nrole_arn = {ROLE_ARN}\nsource_profile = base\n")
        p = self.status(self.env(), "--profile", "deploy")
        self.assertEqual(self.srv.operations(), ["AssumeRole"])
        self.assert_refused(p, 'STS AssumeRole for profile "deploy"')

    def test_container_endpoint(self):
        self.srv.container = {"AccessKeyId": "ASIACONTAINER0000001", "SecretAccessKey": "s", "Token": EVIL_TOKEN,
                              "Expiration": "2099-01-01T00:00:00Z"}
        p = self.status(self.env(AWS_CONTAINER_CREDENTIALS_FULL_URI=self.srv.url + "/container/creds"))
        self.assert_refused(p, "the container credentials endpoint")

    def test_credential_process(self):
        doc = json.dumps({"Version": 1, "AccessKeyId": "AKIAPROCESS000000001", "SecretAccessKey": "s",
                          "SessionToken": EVIL_TOKEN})
        helper = self.write("helper.py", "import sys\nsys.stdout.write(%r)\n" % doc)
        self.write("config", f"[default]\ncredential_process = python3 {helper}\n")
        p = self.status(self.env())
        self.assert_refused(p, 'credential_process of profile "default"')

    def test_environment(self):
        p = self.status(self.env(AWS_ACCESS_KEY_ID="AKIAENV0000000000001", AWS_SECRET_ACCESS_KEY="s",
                                 AWS_SESSION_TOKEN=EVIL_TOKEN))
        self.assert_refused(p, "the environment")

    def test_access_key_id_from_a_file(self):
        # configparser splits at LF only: a CR stays inside the value
        self.write("credentials", "[default]\naws_access_key_id = AKIA\r" + INJECTED + ": yes\n"
                                  "aws_secret_access_key = s\n")
        p = self.status(self.env())
        self.assert_refused(p, 'profile "default" in ', field="access key id")


class RawCredsOutput(HostileCase):
    """What `tarmac creds` prints is inert: a key id from a container endpoint, profile
    names from the config file and the --profile value echoed in an error."""

    def setUp(self):
        super().setUp()
        self.srv = Hostile().start()
        self.addCleanup(self.srv.stop)

    def assert_inert(self, out):
        for ch in ("\x1b", "\x07", "\x9b", "\u009b", "\u202e", "\r"):
            self.assertNotIn(ch, out, f"{ch!r} reached the terminal")

    def test_container_access_key_id(self):
        akid = "ASIA\u009b31m\u202eEVIL"
        self.srv.container = {"AccessKeyId": akid, "SecretAccessKey": "s", "Token": "t",
                              "Expiration": "2099-01-01T00:00:00Z"}
        env = self.env(AWS_CONTAINER_CREDENTIALS_FULL_URI=self.srv.url + "/container/creds")
        p = self.tarmac(["creds"], env)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assert_inert(p.stdout)
        self.assertIn("access key id: ASIA\\u009b31m\\u202eEVIL", p.stdout)
        p = self.tarmac(["creds", "--json"], env)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assert_inert(p.stdout)
        self.assertEqual(json.loads(p.stdout)["access_key_id"], akid)   # still the same JSON value

    def test_list_profiles(self):
        self.write("config", "[profile evil\x1b]0;owned\x07]\nregion = us-east-1\n[profile ok]\nregion = us-east-1\n")
        p = self.tarmac(["creds", "--list-profiles"], self.env())
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assert_inert(p.stdout)
        self.assertIn("evil\\e]0;owned\\x07", p.stdout)
        self.assertIn("ok\n", p.stdout)

    def test_profile_flag_in_the_error(self):
        p = self.tarmac(["creds", "--profile", "nope\x1b[2J\x1b]0;owned\x07"], self.env())
        self.assertNotEqual(p.returncode, 0)
        self.assert_inert(p.stderr)
        self.assertIn("nope\\e[2J\\e]0;owned\\x07", p.stderr)
        self.assertIn("could not be found", p.stderr)


class SsoRegion(HostileCase):
    """sso_region is part of the portal's host name: "x@127.0.0.2:PORT/#" would send
    the bearer token to 127.0.0.2. It is refused as a region, and nothing connects."""

    def test_sso_region_is_validated(self):
        listener = socket.socket()
        listener.bind(("127.0.0.2", 0))
        listener.listen(8)
        listener.settimeout(0.2)
        self.addCleanup(listener.close)
        port = listener.getsockname()[1]
        start = "https://corp.awsapps.com/start"
        self.write("config", f"[profile dev]\nsso_start_url = {start}\nsso_region = x@127.0.0.2:{port}/#\n"
                             "sso_account_id = 111122223333\nsso_role_name = ReadOnly\nregion = us-east-1\n")
        import creds_endpoints
        creds_endpoints.write_sso_cache(self.tmp, start)
        p = self.tarmac(["creds", "--profile", "dev"], self.env())
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn('profile "dev": sso_region is not a region name', p.stderr)
        self.assertNotIn("127.0.0.2", p.stderr)
        try:
            conn, _ = listener.accept()
            conn.close()
            self.fail("something connected to the host hidden in sso_region")
        except socket.timeout:
            pass


class FifoTokenFiles(HostileCase):
    """Token files are read like the config files: a FIFO is refused at once."""

    def fifo(self):
        path = os.path.join(self.tmp, "token.fifo")
        os.mkfifo(path, 0o600)
        return path

    def test_web_identity_token_file(self):
        p = self.tarmac(["creds"], self.env(AWS_WEB_IDENTITY_TOKEN_FILE=self.fifo(), AWS_ROLE_ARN=ROLE_ARN,
                                            AWS_ENDPOINT_URL_STS="http://127.0.0.1:9"))
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn("the web identity token file", p.stderr)
        self.assertIn("not a regular file", p.stderr)

    def test_container_authorization_token_file(self):
        p = self.tarmac(["creds"], self.env(AWS_CONTAINER_CREDENTIALS_FULL_URI="http://127.0.0.1:9/creds",
                                            AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=self.fifo()))
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn("the container authorization token file", p.stderr)
        self.assertIn("not a regular file", p.stderr)

    def test_config_file(self):
        # a FIFO where the config file should be is no config at all, never a hang
        p = self.tarmac(["creds"], self.env(AWS_CONFIG_FILE=self.fifo(), AWS_ACCESS_KEY_ID="AKIAENV0000000000001",
                                            AWS_SECRET_ACCESS_KEY="s"))
        self.assertEqual(p.returncode, 0, p.stderr)


if __name__ == "__main__":
    unittest.main()
