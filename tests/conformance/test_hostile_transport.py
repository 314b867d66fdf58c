"""The transport under hostile conditions, through the tarmac binary:

- proxy variables must not carry a signed request or a credential request in clear
  text: with http_proxy, https_proxy, all_proxy (both cases) pointing at a recording
  proxy, a loopback --endpoint-url, the container credentials endpoint and IMDS are
  reached directly and the proxy sees nothing; an https AWS endpoint still goes
  through the proxy (CONNECT), and NO_PROXY is honoured, as in the SDKs;
- a server's Date cannot move the signing clock anywhere: after a
  RequestTimeTooSkewed answer dated 2036, later requests sign at most 15 minutes off.
"""
import datetime
import email.utils
import socket
import threading
import time
import unittest
import urllib.parse
from http.server import BaseHTTPRequestHandler

import creds_endpoints as ce
from canned_aws import CannedAws
from hostile_case import HostileCase

PROXY_VARS = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY")


class RecordingProxy:
    """A loopback TCP listener standing in for a proxy: it records the first line of
    every connection ("GET http://...", "CONNECT host:443 ...") and refuses it."""

    def __init__(self):
        self.lines = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.url = "http://127.0.0.1:%d" % self.sock.getsockname()[1]
        self.stopping = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            with conn:
                conn.settimeout(5)
                data = b""
                try:
                    while b"\n" not in data and len(data) < 65536:
                        chunk = conn.recv(4096)
                        if not chunk:
                            break
                        data += chunk
                    self.lines.append(data.split(b"\r\n", 1)[0].decode("latin-1") or "(connected)")
                    conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                except OSError:
                    self.lines.append("(connected)")

    def stop(self):
        self.stopping = True
        self.thread.join(timeout=5)
        self.sock.close()


class Proxies(HostileCase):
    def setUp(self):
        super().setUp()
        self.proxy = RecordingProxy()
        self.addCleanup(self.proxy.stop)

    def proxied(self, **extra):
        e = self.env(**extra)
        e.update({v: self.proxy.url for v in PROXY_VARS})
        return e

    def test_loopback_endpoint_goes_direct(self):
        canned = CannedAws().start()
        self.addCleanup(canned.stop)
        env = self.proxied(AWS_ACCESS_KEY_ID="AKIDCANNED0000000001", AWS_SECRET_ACCESS_KEY="cannedSecret",
                           AWS_SESSION_TOKEN="session-token-never-to-a-proxy")
        p = self.tarmac(["status", "--asg", "web-asg", "--endpoint-url", canned.url], env)
        self.assertEqual(self.proxy.lines, [], "a signed request went to the proxy")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("DescribeAutoScalingGroups", canned.calls)

    def not_sts(self):
        return [l for l in self.proxy.lines if not l.startswith("CONNECT sts.")]

    def test_credential_endpoints_go_direct(self):
        ep = ce.Endpoints().start()
        self.addCleanup(ep.stop)
        # the container endpoint, with its Authorization token
        p = self.tarmac(["creds", "--json"], self.proxied(
            AWS_CONTAINER_CREDENTIALS_FULL_URI=ep.url + "/container/creds",
            AWS_CONTAINER_AUTHORIZATION_TOKEN=ce.CONTAINER_AUTH))
        # `creds` then asks STS who the keys are: an AWS call, which follows the proxy
        # variables like every other; only that may reach the proxy.
        self.assertEqual(self.not_sts(), [], "the container credentials request went to the proxy")
        self.assertTrue(any(l.startswith("CONNECT sts.us-east-1.amazonaws.com:443") for l in self.proxy.lines),
                        self.proxy.lines)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(ce.CONTAINER_KEYS[0], p.stdout)
        # instance metadata (IMDSv2), here on loopback as the tests point it
        self.proxy.lines.clear()
        env = self.proxied(AWS_EC2_METADATA_SERVICE_ENDPOINT=ep.url)
        env.pop("AWS_EC2_METADATA_DISABLED")
        p = self.tarmac(["creds", "--json"], env)
        self.assertEqual(self.not_sts(), [], "an instance metadata request went to the proxy")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(ce.IMDS_KEYS[0], p.stdout)

    def test_aws_endpoints_follow_the_proxy_variables(self):
        # An https endpoint elsewhere goes through HTTPS_PROXY (a CONNECT tunnel, TLS end
        # to end), as the SDKs do; the proxy here refuses it.
        env = self.proxied(AWS_ACCESS_KEY_ID="AKIDCANNED0000000001", AWS_SECRET_ACCESS_KEY="cannedSecret")
        url = "https://autoscaling.tarmac-test.invalid"
        p = self.tarmac(["status", "--asg", "web-asg", "--endpoint-url", url], env)
        self.assertNotEqual(p.returncode, 0)
        self.assertTrue(any(l.startswith("CONNECT autoscaling.tarmac-test.invalid:443") for l in self.proxy.lines),
                        self.proxy.lines)
        # NO_PROXY names it: straight there (and no such host)
        self.proxy.lines.clear()
        env["NO_PROXY"] = "tarmac-test.invalid"
        p = self.tarmac(["status", "--asg", "web-asg", "--endpoint-url", url], env)
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual(self.proxy.lines, [])


class SkewedServer(ce._Loopback):
    """canned_aws behind a server whose first answer is 403 RequestTimeTooSkewed with
    a Date in 2036; it records every request's X-Amz-Date."""

    DATE_2036 = email.utils.format_datetime(datetime.datetime(2036, 1, 1, tzinfo=datetime.timezone.utc),
                                            usegmt=True)

    def __init__(self):
        self.canned = CannedAws()
        self.amz_dates = []
        self.refused = 0

    def start(self):
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                form = urllib.parse.parse_qs(self.rfile.read(n).decode(), keep_blank_values=True)
                outer.amz_dates.append(self.headers.get("X-Amz-Date"))
                if outer.refused == 0:
                    outer.refused += 1
                    status, ctype = 403, "text/xml"
                    body = ("<ErrorResponse><Error><Type>Sender</Type><Code>RequestTimeTooSkewed</Code>"
                            "<Message>The difference between the request time and the current time is too "
                            "large.</Message></Error><RequestId>skew</RequestId></ErrorResponse>")
                    date = outer.DATE_2036
                else:
                    status, ctype, body = outer.canned.answer(self.headers.get("X-Amz-Target"), form)
                    date = self.date_time_string()
                data = body.encode()
                self.send_response_only(status)
                self.send_header("Date", date)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return self._serve(Handler)


class SigningClock(HostileCase):
    def test_a_date_in_2036_moves_the_clock_15_minutes_at_most(self):
        srv = SkewedServer().start()
        self.addCleanup(srv.stop)
        env = self.env(AWS_ACCESS_KEY_ID="AKIDCANNED0000000001", AWS_SECRET_ACCESS_KEY="cannedSecret",
                       AWS_MAX_ATTEMPTS="3")
        t0 = time.time()
        p = self.tarmac(["status", "--asg", "web-asg", "--endpoint-url", srv.url], env)
        t1 = time.time()
        self.assertGreater(len(srv.amz_dates), 1, p.stderr)
        for d in srv.amz_dates[1:]:
            signed = datetime.datetime.strptime(d, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
            self.assertLessEqual(signed.timestamp(), t1 + 15 * 60 + 5, f"signed for {d}")
            self.assertGreaterEqual(signed.timestamp(), t0 - 5, f"signed for {d}")
        self.assertEqual(p.returncode, 0, p.stderr)


if __name__ == "__main__":
    unittest.main()
