"""Loopback credential endpoints for tests, on 127.0.0.1 only, in one http.server:
EC2 instance metadata with IMDSv2 (PUT /latest/api/token, then the role and its
credentials under /latest/meta-data/iam/security-credentials/), a container
credentials endpoint (GET /container/creds, checks the Authorization header) and the
IAM Identity Center portal's GetRoleCredentials (GET /federation/credentials with
x-amz-sso_bearer_token). Point clients at it with AWS_EC2_METADATA_SERVICE_ENDPOINT,
AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_ENDPOINT_URL_SSO. Every request is logged
(path and method only) so tests can check what was asked."""
import datetime
import json
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


class Endpoints:
    """start() → self; .url is http://127.0.0.1:PORT. Knobs: require_token (IMDSv2
    only), lifetime (seconds the credentials last), imds_down (answer nothing)."""

    def __init__(self, lifetime=3600):
        self.lifetime = lifetime
        self.require_token = True
        self.imds_down = False
        self.log = []
        self.server = None
        self.url = None
        self._thread = None

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

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


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
