"""Loopback credential endpoints for tests, on 127.0.0.1 only, in one http.server:
EC2 instance metadata with IMDSv2 (PUT /latest/api/token, then the role and its
credentials under /latest/meta-data/iam/security-credentials/), a container
credentials endpoint (GET /container/creds, checks the Authorization header) and the
IAM Identity Center portal's GetRoleCredentials (GET /federation/credentials with
x-amz-sso_bearer_token). Point clients at it with AWS_EC2_METADATA_SERVICE_ENDPOINT,
AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_ENDPOINT_URL_SSO. Every request is logged
(path and method only) so tests can check what was asked.

Recorder is a forwarding stand-in for an endpoint (in front of the simulator) that
logs which service and operation reached it: one per endpoint source shows where
each request went."""
import datetime
import http.client
import json
import re
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

IMDS_ROLE = "tarmac-test-role"
IMDS_KEYS = ("ASIAIMDSLOOPBACK0001", "imds/secret/value/00000000000000000000", "imds-session-token-0001")
CONTAINER_KEYS = ("ASIACONTAINERLOOP001", "container/secret/value/000000000000000000", "container-token-0001")
CONTAINER_AUTH = "Bearer container-auth-token"
SSO_KEYS = ("ASIASSOPORTALLOOP001", "sso/secret/value/0000000000000000000000", "sso-session-token-0001")
SSO_TOKEN = "sso-bearer-access-token-0001"


def _iso(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Loopback:
    """One ThreadingHTTPServer on 127.0.0.1 (a free port), served from a thread."""
    server = None
    url = None

    def _serve(self, handler):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


class Endpoints(_Loopback):
    """start() → self; .url is http://127.0.0.1:PORT. Knobs: require_token (IMDSv2
    only), lifetime (seconds the credentials last), imds_down (answer nothing)."""

    def __init__(self, lifetime=3600):
        self.lifetime = lifetime
        self.require_token = True
        self.imds_down = False
        self.log = []

    def start(self):
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, code, body, ctype="application/json"):
                data = body.encode() if isinstance(body, str) else body
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _creds(self, keys, token_key="Token"):
                return json.dumps({"Code": "Success", "LastUpdated": _iso(time.time()), "Type": "AWS-HMAC",
                                   "AccessKeyId": keys[0], "SecretAccessKey": keys[1], token_key: keys[2],
                                   "Expiration": _iso(time.time() + outer.lifetime)})

            def do_PUT(self):
                outer.log.append(("PUT", self.path))
                if outer.imds_down:
                    self.close_connection = True
                    return
                if self.path == "/latest/api/token" and self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
                    return self._send(200, "imds-v2-token-loopback", "text/plain")
                return self._send(400, "", "text/plain")

            def do_GET(self):
                outer.log.append(("GET", self.path))
                url = urllib.parse.urlsplit(self.path)
                if url.path.startswith("/latest/"):
                    if outer.imds_down:
                        self.close_connection = True
                        return
                    if outer.require_token and self.headers.get("X-aws-ec2-metadata-token") != "imds-v2-token-loopback":
                        return self._send(401, "", "text/plain")
                    base = "/latest/meta-data/iam/security-credentials/"
                    if url.path == base:
                        return self._send(200, IMDS_ROLE, "text/plain")
                    if url.path == base + IMDS_ROLE:
                        return self._send(200, self._creds(IMDS_KEYS))
                    return self._send(404, "", "text/plain")
                if url.path == "/container/creds":
                    if self.headers.get("Authorization") != CONTAINER_AUTH:
                        return self._send(403, json.dumps({"message": "bad token"}))
                    return self._send(200, self._creds(CONTAINER_KEYS))
                if url.path == "/federation/credentials":
                    q = urllib.parse.parse_qs(url.query)
                    if self.headers.get("x-amz-sso_bearer_token") != SSO_TOKEN:
                        return self._send(401, json.dumps({"message": "Session token not found or invalid"}))
                    if not q.get("account_id") or not q.get("role_name"):
                        return self._send(400, json.dumps({"message": "missing parameters"}))
                    exp_ms = int((time.time() + outer.lifetime) * 1000)
                    return self._send(200, json.dumps({"roleCredentials": {
                        "accessKeyId": SSO_KEYS[0], "secretAccessKey": SSO_KEYS[1],
                        "sessionToken": SSO_KEYS[2], "expiration": exp_ms}}))
                return self._send(404, "", "text/plain")

        return self._serve(Handler)


def write_sso_cache(home, key, lifetime=3600, token=SSO_TOKEN):
    """Writes ~/.aws/sso/cache/<sha1(key)>.json as `aws sso login` does; key is the
    sso-session name or (legacy) the start URL. lifetime < 0 writes an expired token,
    one the portal refuses as AWS's does: a client that sends it without looking at
    expiresAt (botocore 1.29 for a legacy profile) fails there, not here."""
    import hashlib
    import os
    if lifetime < 0:
        token = "expired-" + token
    d = os.path.join(home, ".aws", "sso", "cache")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, hashlib.sha1(key.encode()).hexdigest() + ".json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"startUrl": "https://tarmac-test.awsapps.com/start", "region": "us-east-1",
                   "accessToken": token, "expiresAt": _iso(time.time() + lifetime)}, f)
    return path


class Recorder(_Loopback):
    """A loopback stand-in for one endpoint: forwards every request unchanged (method,
    path, headers — Host included, so SigV4 signatures still verify — and body) to
    `upstream` (the simulator) and answers with what it answered, logging which
    service and operation it saw. Tests give each endpoint source its own Recorder
    and check which one got which request. start() → self; .url; .calls is a list
    of (service, operation)."""

    TARGETS = {"AmazonEC2ContainerRegistry_V20150921": "ecr", "GraniteServiceVersion20100801": "cloudwatch",
               "AmazonEC2ContainerServiceV20141113": "ecs", "CodeDeploy_20141006": "codedeploy"}
    SIGNING = {"elasticloadbalancing": "elbv2", "monitoring": "cloudwatch"}

    def __init__(self, name, upstream):
        self.name = name
        self.upstream = urllib.parse.urlsplit(upstream)
        self.calls = []
        self._lock = threading.Lock()

    @classmethod
    def classify(cls, method, path, headers, body):
        """(service, operation) of one request, as botocore names the service."""
        url = urllib.parse.urlsplit(path)
        if url.path == "/federation/credentials":
            return "sso", "GetRoleCredentials"
        target = headers.get("X-Amz-Target") or ""
        if "." in target:
            prefix, op = target.split(".", 1)
            return cls.TARGETS.get(prefix, prefix), op
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace")) if method == "POST" else {}
        op = (form.get("Action") or ["?"])[0]
        m = re.search(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request", headers.get("Authorization") or "")
        svc = m.group(1) if m else ("sts" if op.startswith("AssumeRoleWith") else "?")
        return cls.SIGNING.get(svc, svc), op

    def services(self):
        with self._lock:
            return sorted({c[0] for c in self.calls})

    def operations(self, service=None):
        with self._lock:
            return [op for svc, op in self.calls if service is None or svc == service]

    def operations_seen(self):
        with self._lock:
            return set(self.calls)

    def reset(self):
        with self._lock:
            self.calls.clear()

    def start(self):
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _forward(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                with outer._lock:
                    outer.calls.append(outer.classify(self.command, self.path, self.headers, body))
                conn = http.client.HTTPConnection(outer.upstream.hostname, outer.upstream.port, timeout=30)
                try:
                    conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
                    for k, v in self.headers.items():
                        if k.lower() not in ("connection", "content-length"):
                            conn.putheader(k, v)
                    conn.putheader("Content-Length", str(len(body)))
                    conn.endheaders(body)
                    r = conn.getresponse()
                    data = r.read()
                    self.send_response(r.status)
                    for k, v in r.getheaders():
                        if k.lower() not in ("connection", "content-length", "transfer-encoding", "date", "server"):
                            self.send_header(k, v)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass   # the client went away (a command that ended with calls in flight)
                finally:
                    conn.close()

            do_GET = do_POST = do_PUT = _forward

        return self._serve(Handler)
