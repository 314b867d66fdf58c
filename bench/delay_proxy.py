#!/usr/bin/env python3
"""A loopback HTTP proxy that adds a fixed latency to every request before
forwarding it to an upstream (moto_server or `tarmac sim`): it stands in for the
round trip to a real AWS region in benchmarks. Keep-alive on both sides; one
thread per client connection, so parallel requests overlap as they would on AWS.

usage: delay_proxy.py UPSTREAM_URL DELAY_MS   (prints "listening on http://127.0.0.1:PORT")"""
import http.client
import http.server
import sys
import threading
import time
import urllib.parse

upstream = urllib.parse.urlsplit(sys.argv[1])
delay = float(sys.argv[2]) / 1000.0
local = threading.local()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _forward(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else None
        time.sleep(delay)
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection",)}
        try:
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
        except (http.client.HTTPException, OSError):
            local.conn = conn = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
        data = resp.read()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length", "server", "date"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _forward


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


srv = Server(("127.0.0.1", 0), Handler)
print(f"listening on http://127.0.0.1:{srv.server_address[1]}", flush=True)
srv.serve_forever()
