#!/usr/bin/env python3
"""Hostile local clients against `tarmac sim` ($TARMAC_BIN): a web page posting to
the control API (a cross-site text/plain POST, DNS rebinding, a foreign Origin),
requests whose body can be read two ways, and a client that opens more connections
than the simulator serves and leaves them half-sent. Each test talks raw HTTP over a
socket, or signs AWS requests with botocore, so nothing is smoothed over by a client
library."""
import json
import os
import resource
import select
import socket
import stat
import subprocess
import tempfile
import time
import unittest
import urllib.error

from sim_peer import BIN, Sim, control_request, read_start, scenario_credentials

try:
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials
except ImportError:  # the AWS-envelope tests skip
    botocore = None

IO_TIMEOUT = 10            # seconds for any one socket read or write
RULES = {"rules": [{"operation": "*", "error_5xx_rate": 1}]}
IDLE_CONNECTIONS = 1100    # more than libmicrohttpd's default limit (FD_SETSIZE - 4 = 1020)
LOCKOUT_BOUND_S = 30       # the idle timeout is 10 s; libmicrohttpd's own default was 60 s


def raw_exchange(port, data, timeout=IO_TIMEOUT):
    """Sends data and reads until the server closes the connection or timeout passes.
    (bytes read, whether the server closed)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        poller = select.poll()     # not select(): descriptors may be above FD_SETSIZE here
        poller.register(s, select.POLLIN)
        out, deadline = b"", time.monotonic() + timeout
        while len(out) < 1 << 20:
            left = deadline - time.monotonic()
            if left <= 0 or not poller.poll(left * 1000):
                return out, False
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                return out, True
            if not chunk:
                return out, True
            out += chunk
        return out, False


def status_of(answer):
    """The status code of the first HTTP answer in answer (0 when there is none)."""
    head = answer.split(b"\r\n", 1)[0].split()
    return int(head[1]) if len(head) >= 2 and head[0].startswith(b"HTTP/") and head[1].isdigit() else 0


def body_of(answer):
    return answer.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in answer else b""


class HostileSim(unittest.TestCase):
    """One simulator per test class, its clock nearly stopped."""

    @classmethod
    def setUpClass(cls):
        if not os.access(BIN, os.X_OK):
            raise unittest.SkipTest(f"no tarmac binary at {BIN}")
        cls.sim = Sim(speed=0.001).start()
        cls.port = int(cls.sim.url.rsplit(":", 1)[1])

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def setUp(self):
        self.sim.faults([])

    def rules(self):
        return json.loads(self.sim.control("/_sim/faults"))["rules"]


class ControlToken(HostileSim):
    def test_cross_site_text_plain_post_does_not_replace_faults(self):
        """The reproduction: a web page's form-like POST (text/plain, its own Host and
        Origin, no custom header) replaced the fault rules."""
        body = json.dumps(RULES).encode()
        for host in (b"evil.example", b"127.0.0.1:%d" % self.port):
            req = (b"POST /_sim/faults HTTP/1.1\r\nHost: " + host + b"\r\nContent-Type: text/plain\r\n"
                   b"Origin: http://evil.example\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
            answer, _ = raw_exchange(self.port, req)
            self.assertIn(status_of(answer), (400, 403), answer[:300])
            self.assertIn(b'"error"', body_of(answer))
        # the same page's POST from a loopback origin still has no token
        req = (b"POST /_sim/faults HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
               b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
        answer, _ = raw_exchange(self.port, req)
        self.assertEqual(status_of(answer), 401, answer[:300])
        self.assertIn(b"WWW-Authenticate: Bearer", answer)
        self.assertEqual(self.rules(), [])

    def test_every_endpoint_needs_the_token(self):
        calls = [("/_sim/state", None), ("/_sim/events?since=0", None), ("/_sim/faults", None),
                 ("/_sim/advance", {"seconds": 1}), ("/_sim/speed", {"speed": 0.001}),
                 ("/_sim/faults", RULES), ("/_sim/alarm", {"name": "x", "state": "ALARM"}), ("/_sim/nothing", None)]
        wrong = "0" * 32 if self.sim.token != "0" * 32 else "1" * 32
        for path, body in calls:
            for headers in ({"X-Tarmac-Sim-Token": ""}, {"X-Tarmac-Sim-Token": wrong},
                            {"X-Tarmac-Sim-Token": "", "Authorization": "Bearer " + wrong},
                            {"X-Tarmac-Sim-Token": self.sim.token[:-1]}):
                try:
                    control_request(self.sim.url, self.sim.token, path, body, headers=headers)
                    self.fail(f"{path} answered with {headers}")
                except urllib.error.HTTPError as e:
                    self.assertEqual(e.code, 401, (path, headers))
        self.assertEqual(self.rules(), [])
        # either header carries it
        self.assertIn("now_ms", control_request(self.sim.url, self.sim.token, "/_sim/state"))
        self.assertIn("now_ms", control_request(self.sim.url, "", "/_sim/state",
                                                headers={"Authorization": "Bearer " + self.sim.token}))

    def test_control_api_checks_host_and_origin_even_with_the_token(self):
        for extra, status in ((b"Host: evil.example\r\n", 400), (b"Host: 127.0.0.1\r\nOrigin: http://evil.example\r\n", 403),
                              (b"Host: localhost\r\nOrigin: null\r\n", 403),
                              (b"Host: localhost\r\nSec-Fetch-Site: cross-site\r\n", 403),
                              (b"Host: localhost\r\nHost: evil.example\r\n", 400), (b"", 400)):
            req = (b"GET /_sim/state HTTP/1.1\r\n" + extra + b"X-Tarmac-Sim-Token: " + self.sim.token.encode()
                   + b"\r\nConnection: close\r\n\r\n")
            answer, _ = raw_exchange(self.port, req)
            self.assertEqual(status_of(answer), status, (extra, answer[:300]))
            self.assertIn(b'"error"', body_of(answer))
        req = (b"GET /_sim/state HTTP/1.1\r\nHost: [::1]:9\r\nOrigin: http://localhost:3000\r\n"
               b"X-Tarmac-Sim-Token: " + self.sim.token.encode() + b"\r\nConnection: close\r\n\r\n")
        answer, _ = raw_exchange(self.port, req)
        self.assertEqual(status_of(answer), 200, answer[:300])


class TokenChoice(unittest.TestCase):
    """The token is printed on the second line, random per start, or chosen by a file."""

    def setUp(self):
        if not os.access(BIN, os.X_OK):
            self.skipTest(f"no tarmac binary at {BIN}")
        self.dir = tempfile.mkdtemp(prefix="tarmac-hostile-sim-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", self.dir], check=False))

    def start(self, *extra):
        p = subprocess.Popen([BIN, "sim", "--port", "0", "--speed", "0.001", *extra], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        self.addCleanup(self.stop, p)
        return p

    @staticmethod
    def stop(p):
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)
        p.stdout.close()
        p.stderr.close()

    def test_random_token_on_the_second_line(self):
        tokens = []
        for _ in range(2):
            url, token = read_start(self.start().stdout)
            self.assertRegex(token, r"^[0-9a-f]{32}$")
            self.assertIn("now_ms", control_request(url, token, "/_sim/state"))
            tokens.append(token)
        self.assertNotEqual(tokens[0], tokens[1])

    def test_token_from_a_file(self):
        path = os.path.join(self.dir, "token")
        chosen = "test-token-0123456789.abcdef"
        with open(path, "w") as f:
            f.write(chosen + "\n")
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
        url, token = read_start(self.start("--control-token-file", path).stdout)
        self.assertEqual(token, chosen)
        self.assertIn("now_ms", control_request(url, chosen, "/_sim/state"))

    def test_bad_token_sources_are_refused(self):
        """A FIFO is refused without blocking (the guarded open), and so are tokens
        too short or with characters a header cannot carry."""
        fifo = os.path.join(self.dir, "fifo")
        os.mkfifo(fifo)
        short = os.path.join(self.dir, "short")
        with open(short, "w") as f:
            f.write("abc\n")
        two_lines = os.path.join(self.dir, "two")
        with open(two_lines, "w") as f:
            f.write("0123456789abcdef\nX-Other: 1\n")
        for extra in (["--control-token-file", fifo], ["--control-token-file", short],
                      ["--control-token-file", two_lines], ["--control-token-file", self.dir],
                      ["--control-token", "short"], ["--control-token", "0123456789abcdef\r\nX: y"],
                      ["--control-token", "0123456789abcdef", "--control-token-file", short]):
            p = self.start(*extra)
            try:
                rc = p.wait(IO_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.fail(f"tarmac sim {extra} did not exit")
            self.assertEqual(rc, 2, extra)
            self.assertEqual(p.stdout.read(), "", extra)   # nothing served, no token printed


@unittest.skipIf(botocore is None, "botocore is not installed")
class AwsOperations(HostileSim):
    """A correctly signed AWS request is still refused when it names a foreign Host or
    comes from a foreign page, in its protocol's envelope."""

    def signed(self, service, host, body, target=None, extra=None):
        akid, secret, region = scenario_credentials()
        headers = {"Host": host}
        if target:
            headers.update({"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"})
        else:
            headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
        req = botocore.awsrequest.AWSRequest(method="POST", url=self.sim.url + "/", data=body, headers=headers)
        botocore.auth.SigV4Auth(botocore.credentials.Credentials(akid, secret), service, region).add_auth(req)
        head = "".join(f"{k}: {v}\r\n" for k, v in req.headers.items())
        head += "".join(f"{k}: {v}\r\n" for k, v in (extra or {}).items())
        data = body.encode()
        raw = (f"POST / HTTP/1.1\r\n{head}Content-Length: {len(data)}\r\nConnection: close\r\n\r\n").encode() + data
        answer, _ = raw_exchange(self.port, raw)
        return status_of(answer), body_of(answer).decode(errors="replace")

    def query(self, host, extra=None):
        return self.signed("sts", host, "Action=GetCallerIdentity&Version=2011-06-15", extra=extra)

    def json(self, host, extra=None):
        return self.signed("ecr", host, "{}", "AmazonEC2ContainerRegistry_V20150921.DescribeRepositories", extra)

    def test_loopback_hosts_are_served(self):
        for host in (f"127.0.0.1:{self.port}", f"localhost:{self.port}", f"[::1]:{self.port}", "127.0.0.1"):
            self.assertEqual(self.query(host)[0], 200, host)
            self.assertEqual(self.json(host)[0], 200, host)

    def test_foreign_host_is_refused(self):
        """DNS rebinding: the page's own name, resolved to 127.0.0.1, is in Host."""
        for host in ("evil.example", f"evil.example:{self.port}", f"localhost.evil.example:{self.port}"):
            status, body = self.query(host)
            self.assertEqual(status, 400, (host, body))
            self.assertIn("<Code>InvalidHostHeader</Code>", body)
            status, body = self.json(host)
            self.assertEqual(status, 400, (host, body))
            self.assertEqual(json.loads(body)["__type"], "InvalidHostHeader")

    def test_foreign_origin_is_refused(self):
        host = f"127.0.0.1:{self.port}"
        for extra in ({"Origin": "http://evil.example"}, {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"}):
            status, body = self.query(host, extra)
            self.assertEqual(status, 403, (extra, body))
            self.assertIn("<Code>AccessDenied</Code>", body)
            status, body = self.json(host, extra)
            self.assertEqual(status, 403, (extra, body))
            self.assertEqual(json.loads(body)["__type"], "AccessDeniedException")
        self.assertEqual(self.query(host, {"Origin": f"http://localhost:{self.port}"})[0], 200)


class Framing(HostileSim):
    """A body that can be read two ways is refused before it is read (RFC 9112 §6.1,
    §6.3) and the connection closed, so nothing can be smuggled behind it."""

    def send(self, framing, smuggle=True):
        """POST /_sim/faults with the rules, chunked, under the framing headers (%d: the
        chunked body's length), and a second request behind it (else Connection: close)."""
        body = json.dumps(RULES).encode()
        chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
        token = self.sim.token.encode()
        smuggled = (b"POST /_sim/faults HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Tarmac-Sim-Token: %s\r\n"
                    b"Content-Length: %d\r\n\r\n%s" % (token, len(body), body))
        head = b"POST /_sim/faults HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Tarmac-Sim-Token: %s\r\n" % token
        if not smuggle:
            head += b"Connection: close\r\n"
        framing = framing % len(chunked) if b"%d" in framing else framing
        return raw_exchange(self.port, head + framing + b"\r\n" + chunked + (smuggled if smuggle else b""))

    def check_refused(self, framing_headers, status=400):
        answer, closed = self.send(framing_headers)
        self.assertEqual(status_of(answer), status, answer[:300])
        self.assertTrue(closed, "the connection stays open after an ambiguous request")
        self.assertEqual(answer.count(b"HTTP/1.1 "), 1, answer[:600])
        self.assertEqual(self.rules(), [])

    def test_content_length_with_transfer_encoding(self):
        self.check_refused(b"Content-Length: %d\r\nTransfer-Encoding: chunked\r\n")
        self.check_refused(b"Transfer-Encoding: chunked\r\nContent-Length: %d\r\n")

    def test_two_content_lengths_that_differ(self):
        self.check_refused(b"Content-Length: %d\r\nContent-Length: 5\r\n")
        self.check_refused(b"Content-Length: 5\r\nContent-Length: %d\r\n")

    def test_unknown_transfer_coding(self):
        self.check_refused(b"Transfer-Encoding: gzip\r\n", 501)

    def test_one_framing_is_served(self):
        answer, _ = self.send(b"Transfer-Encoding: chunked\r\n", smuggle=False)
        self.assertEqual(status_of(answer), 200, answer[:300])
        self.assertEqual(len(self.rules()), 1)


class Connections(HostileSim):
    def test_idle_half_sent_requests_do_not_lock_others_out(self):
        """The reproduction: ~1,020 connections that send half a request and go quiet
        took every slot for libmicrohttpd's 60 s. Now at most 256 are held, for 10 s
        of silence, and a normal request gets through well within LOCKOUT_BOUND_S."""
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        need = IDLE_CONNECTIONS + 64
        if soft < need:
            if hard != resource.RLIM_INFINITY and hard < need:
                self.skipTest(f"needs {need} file descriptors, the hard limit is {hard}")
            resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))
            self.addCleanup(resource.setrlimit, resource.RLIMIT_NOFILE, (soft, hard))
        half = b"POST /_sim/faults HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{"
        idle = []
        self.addCleanup(lambda: [s.close() for s in idle])
        for _ in range(IDLE_CONNECTIONS):
            s = socket.create_connection(("127.0.0.1", self.port), timeout=IO_TIMEOUT)
            try:
                s.sendall(half)
            except OSError:      # closed at once: over the limit
                pass
            idle.append(s)
        # the server holds at most its bound of them: the rest are closed as they arrive
        poller = select.poll()
        for s in idle:
            poller.register(s, select.POLLIN)
        closed, deadline = set(), time.monotonic() + 5
        while len(closed) < IDLE_CONNECTIONS - 256 and time.monotonic() < deadline:
            closed |= {fd for fd, ev in poller.poll(100) if ev & (select.POLLIN | select.POLLHUP | select.POLLERR)}
        self.assertGreaterEqual(len(closed), IDLE_CONNECTIONS - 256)

        start = time.monotonic()
        answer = b""
        for _ in range(int(LOCKOUT_BOUND_S / 0.25)):
            if time.monotonic() - start > LOCKOUT_BOUND_S:
                break
            req = (b"GET /_sim/state HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Tarmac-Sim-Token: "
                   + self.sim.token.encode() + b"\r\nConnection: close\r\n\r\n")
            try:
                answer, _ = raw_exchange(self.port, req, timeout=2)
            except OSError:
                answer = b""
            if status_of(answer) == 200:
                break
            time.sleep(0.25)
        self.assertEqual(status_of(answer), 200,
                         f"no answer within {LOCKOUT_BOUND_S} s while {IDLE_CONNECTIONS} half-sent requests wait")


if __name__ == "__main__":
    unittest.main()
