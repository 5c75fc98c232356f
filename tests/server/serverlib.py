"""Shared by the server harnesses: start `portlore serve` on a loopback port, talk raw
HTTP/1.1 to it, read its metrics, stop it by PID. Everything stays on 127.0.0.0/8."""
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time

PORTLORE = os.environ.get("PORTLORE", "build/src/cli/portlore")
STORE = os.environ.get("PORTLORE_STORE", "build/data/portlore.db")
LOCALEDIR = os.environ.get("PORTLORE_LOCALEDIR", "build/po")


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class Server:
    def __init__(self, *args, listen="127.0.0.1:0", env=None):
        self.tmp = tempfile.TemporaryDirectory()
        self.err = open(os.path.join(self.tmp.name, "serve.err"), "w+")
        self.proc = subprocess.Popen(
            [PORTLORE, "serve", "--db", STORE, "--feedback-db",
             os.path.join(self.tmp.name, "feedback.db"), "--locale-dir", LOCALEDIR,
             "--listen", listen, *args],
            stdout=subprocess.PIPE, stderr=self.err, text=True,
            env=dict(os.environ, **(env or {})))
        line = self.proc.stdout.readline()
        m = re.search(r"serving http://(.*):(\d+)/", line)
        if not m:
            self.stop()
            self.err.seek(0)
            sys.exit("server did not start: %r %s" % (line, self.err.read()))
        self.host, self.port = m.group(1).strip("[]"), int(m.group(2))
        self.hostport = "127.0.0.1:%d" % self.port

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.err.seek(0)
        log = self.err.read()
        self.err.close()
        self.tmp.cleanup()
        if re.search("AddressSanitizer|runtime error|LeakSanitizer", log):
            sys.exit("sanitizer report from the server:\n" + log)

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.stop()

    def rss_kib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def metric(self, name):
        st, _, body = request(self, "GET", "/metrics")
        m = re.search(r"^%s (\d+)$" % re.escape(name), body.decode(), re.M)
        return int(m.group(1)) if m else None


def exchange(port, raw, source="127.0.0.1", timeout=10.0):
    """Sends raw bytes on a new connection and returns everything read until close."""
    s = socket.socket()
    s.settimeout(timeout)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    s.sendall(raw)
    out = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except (ConnectionResetError, socket.timeout):
        pass
    s.close()
    return out


def parse(resp):
    """(status, headers dict with lower-case names, body) of one response."""
    head, _, body = resp.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and lines[0].startswith("HTTP/") else 0
    hdrs = {}
    for l in lines[1:]:
        k, _, v = l.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    return status, hdrs, body


def request(srv, method, path, headers=None, body=b"", source="127.0.0.1", host=None):
    h = {"Host": host or srv.hostport, "Connection": "close"}
    h.update(headers or {})
    if body:
        h["Content-Length"] = str(len(body))
    raw = ("%s %s HTTP/1.1\r\n" % (method, path) +
           "".join("%s: %s\r\n" % kv for kv in h.items()) + "\r\n").encode() + body
    return parse(exchange(srv.port, raw, source))


def check(cond, what):
    if not cond:
        sys.exit("FAIL: " + what)
    print("ok: " + what)
