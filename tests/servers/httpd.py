#!/usr/bin/env python3
"""Loopback HTTP(S) server for the HTTP client's tests (tests/test_http.c).

Each path is one behaviour a feed server can show (flaky, busy, slow,
oversized, truncated, redirect loops, ...). It binds 127.0.0.1 only, on
ports the kernel picks, and prints "HTTP_PORT HTTPS_PORT CA_FILE" as its
first stdout line ("0 -" for the last two without --tls). With --tls it makes
a throwaway CA and a server certificate for IP 127.0.0.1 with the openssl
command. Python 3 standard library only; not for use outside tests.

Usage: httpd.py [--tls] [--dir DIR] [--exit-on-eof] [--lifetime SECONDS]
                [--feeds DIR] [--log FILE]
  --dir DIR       where certificates go (default: a temporary directory,
                  removed at exit)
  --exit-on-eof   exit when stdin reaches end of file, so a test process
                  that dies (even by a signal) takes the server with it
  --lifetime S    exit after S seconds whatever happens (default 300)
  --feeds DIR     files served by /feed?file=NAME (for the daemon's tests)
  --log FILE      append "PATH If-None-Match" for each request to FILE
"""

import email.utils
import gzip
import hashlib
import http.server
import os
import shutil
import signal
import socketserver
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ETAG = '"v1"'
LAST_MODIFIED = "Wed, 21 Oct 2015 07:28:00 GMT"
OK_BODY = b"hello, plantrack\n"
VERBOSE = bool(os.environ.get("PT_HTTPD_VERBOSE"))

_lock = threading.Lock()
_counts = {}  # request path (with query) -> requests seen
FEEDS = None  # --feeds DIR
LOG = None    # --log FILE


def bump(key):
    with _lock:
        _counts[key] = _counts.get(key, 0) + 1
        return _counts[key]


def seen(key):
    with _lock:
        return _counts.get(key, 0)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so the client reuses connections

    def log_message(self, fmt, *args):
        if VERBOSE:
            super().log_message(fmt, *args)

    def reply(self, code, body=b"", headers=()):
        self.send_response(code)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path.startswith("http://"):
            # An absolute URI: we are being used as the client's proxy.
            return self.reply(200, b"proxied " + self.path.encode())
        count = bump(self.path)
        if LOG:
            with _lock, open(LOG, "a") as log:
                log.write("%s %s %s\n" % (self.path, self.headers.get("If-None-Match", "-"),
                                           self.headers.get("X-API-Key", "-")))
        url = urllib.parse.urlsplit(self.path)
        q = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query).items()}
        if url.path.startswith("/openaq/"):
            return self.route_openaq(url.path, q, count)
        route = getattr(self, "route_" + url.path.strip("/").replace("-", "_"), None)
        if route is None:
            return self.reply(404, b"no route " + url.path.encode() + b"\n")
        return route(q, count)

    # /ok: 200 with validators; 304 when the client's validators match
    # (If-None-Match decides when present, RFC 9110 section 13.2.2).
    def route_ok(self, q, count):
        validators = [("ETag", ETAG), ("Last-Modified", LAST_MODIFIED)]
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        if (inm is not None and inm == ETAG) or (inm is None and ims == LAST_MODIFIED):
            self.send_response(304)
            for name, value in validators:
                self.send_header(name, value)
            self.end_headers()
            return None
        return self.reply(200, OK_BODY, validators)

    # /flaky?key=K&n=N: 500 for the first N requests (per URL), then 200.
    def route_flaky(self, q, count):
        if count <= int(q.get("n", "2")):
            return self.reply(500, b"flaky\n")
        return self.reply(200, b"recovered\n")

    # /busy?key=K: 503 with Retry-After: 1 (seconds) once, then 200.
    def route_busy(self, q, count):
        if count == 1:
            return self.reply(503, b"busy\n", [("Retry-After", q.get("after", "1"))])
        return self.reply(200, b"not busy\n")

    # /ratelimit?key=K[&date=S]: 429 once, then 200. Retry-After is given in
    # seconds, or with date=S as an HTTP-date S seconds ahead.
    def route_ratelimit(self, q, count):
        if count == 1:
            if "date" in q:
                when = email.utils.formatdate(time.time() + float(q["date"]), usegmt=True)
            else:
                when = q.get("after", "1")
            return self.reply(429, b"slow down\n", [("Retry-After", when)])
        return self.reply(200, b"allowed\n")

    def route_missing(self, q, count):
        return self.reply(404, b"not here\n")

    # /slow-headers?ms=M: nothing at all for M ms, then 200.
    def route_slow_headers(self, q, count):
        time.sleep(int(q.get("ms", "5000")) / 1000.0)
        return self.reply(200, b"slow\n")

    # /big-chunked?size=N: a chunked body of N bytes (no Content-Length);
    # with cl=1 the same body with a Content-Length instead.
    def route_big_chunked(self, q, count):
        size = int(q.get("size", str(4 << 20)))
        piece = b"x" * 16384
        self.send_response(200)
        if q.get("cl") == "1":
            self.send_header("Content-Length", str(size))
            self.end_headers()
            while size > 0:
                self.wfile.write(piece[: min(size, len(piece))])
                size -= len(piece)
            return None
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        while size > 0:
            c = piece[: min(size, len(piece))]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(c), c))
            size -= len(c)
        self.wfile.write(b"0\r\n\r\n")
        return None

    # /truncated: promises 1000 bytes, sends 10, closes.
    def route_truncated(self, q, count):
        self.send_response(200)
        self.send_header("Content-Length", "1000")
        self.end_headers()
        self.wfile.write(b"0123456789")
        self.wfile.flush()
        self.close_connection = True

    def route_loop(self, q, count):
        return self.reply(302, b"", [("Location", "/loop")])

    def route_to_file(self, q, count):
        return self.reply(302, b"", [("Location", "file:///etc/passwd")])

    # /redirect?to=PATH: 302 to PATH on this server.
    def route_redirect(self, q, count):
        return self.reply(302, b"", [("Location", q.get("to", "/ok"))])

    # /gzip?size=N: N bytes of text, gzip-encoded (a small wire size that
    # expands a lot: the body cap must count decoded bytes).
    def route_gzip(self, q, count):
        size = int(q.get("size", "100000"))
        line = b"plantrack gzip line\n"
        body = (line * (size // len(line) + 1))[:size]
        return self.reply(200, gzip.compress(body), [("Content-Encoding", "gzip")])

    # /echo: the request's headers as the body.
    def route_echo(self, q, count):
        return self.reply(200, str(self.headers).encode())

    # /feed?file=NAME[&fail=N]: NAME from --feeds DIR with an ETag of its
    # content, 304 when the client already has it; 500 for the first N
    # requests of this URL; 404 while the file does not exist.
    def route_feed(self, q, count):
        if count <= int(q.get("fail", "0")):
            return self.reply(500, b"feed down\n")
        try:
            with open(os.path.join(FEEDS or ".", os.path.basename(q.get("file", ""))), "rb") as f:
                body = f.read()
        except OSError:
            return self.reply(404, b"no such feed\n")
        etag = '"%s"' % hashlib.sha1(body).hexdigest()
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return None
        return self.reply(200, body, [("ETag", etag)])

    # /openaq/sensors/ID/measurements?page=N: an OpenAQ v3 page, the file
    # openaq-ID-N.json from --feeds DIR; 401 without an X-API-Key header.
    def route_openaq(self, path, q, count):
        if not self.headers.get("X-API-Key"):
            return self.reply(401, b'{"detail": "no API key"}\n')
        parts = path.strip("/").split("/")
        if len(parts) != 4 or parts[1] != "sensors" or parts[3] != "measurements":
            return self.reply(404, b"no route\n")
        name = "openaq-%s-%s.json" % (os.path.basename(parts[2]), q.get("page", "1"))
        try:
            with open(os.path.join(FEEDS or ".", name), "rb") as f:
                return self.reply(200, f.read(), [("Content-Type", "application/json")])
        except OSError:
            return self.reply(404, b'{"detail": "no such page"}\n')

    # /count?p=PATH: how many requests PATH (with its query) has seen.
    def route_count(self, q, count):
        return self.reply(200, b"%d" % seen(q.get("p", "")))


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # 50 concurrent connects must not hit SYN retries

    def handle_error(self, request, client_address):
        # Clients hang up on purpose (caps, timeouts, cancels): not news.
        if VERBOSE:
            super().handle_error(request, client_address)


class TLSServer(Server):
    context = None

    def finish_request(self, request, client_address):
        # The handshake runs here, in the connection's thread, so a client
        # that stalls or refuses our certificate holds up nobody else.
        try:
            tls = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            super().finish_request(tls, client_address)
        finally:
            try:
                tls.close()
            except OSError:
                pass


def openssl(*args):
    subprocess.run(("openssl",) + args, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)


def make_certs(d):
    """A CA and a server certificate for IP 127.0.0.1 it signed, P-256 keys
    (fast to make). Returns (ca, cert, key) paths."""
    ca, ca_key = os.path.join(d, "ca.pem"), os.path.join(d, "ca.key")
    cert, key, csr = (os.path.join(d, n) for n in ("server.pem", "server.key", "server.csr"))
    ext = os.path.join(d, "server.ext")
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    openssl("req", "-x509", *ec, "-keyout", ca_key, "-out", ca, "-days", "2",
            "-subj", "/CN=plantrack test CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    openssl("req", *ec, "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-days", "2",
            "-set_serial", str(int(time.time() * 1000)), "-extfile", ext, "-out", cert)
    return ca, cert, key


def serve(server):
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    return t


def main(argv):
    tls = "--tls" in argv
    exit_on_eof = "--exit-on-eof" in argv
    d = argv[argv.index("--dir") + 1] if "--dir" in argv else None
    lifetime = float(argv[argv.index("--lifetime") + 1]) if "--lifetime" in argv else 300.0
    global FEEDS, LOG
    FEEDS = argv[argv.index("--feeds") + 1] if "--feeds" in argv else None
    LOG = argv[argv.index("--log") + 1] if "--log" in argv else None
    own_dir = None
    if tls and d is None:
        d = own_dir = tempfile.mkdtemp(prefix="pt-httpd-")

    def leave(*_):
        # os._exit, not sys.exit: interpreter shutdown would wait on the
        # handler and stdin threads.
        if own_dir:
            shutil.rmtree(own_dir, ignore_errors=True)
        os._exit(0)

    signal.signal(signal.SIGTERM, leave)  # how the tests stop us
    try:
        plain = Server(("127.0.0.1", 0), Handler)
        serve(plain)
        https_port, ca = 0, "-"
        if tls:
            ca, cert, key = make_certs(d)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(cert, key)
            secure = TLSServer(("127.0.0.1", 0), Handler)
            secure.context = ctx
            serve(secure)
            https_port = secure.server_address[1]
        sys.stdout.write("%d %d %s\n" % (plain.server_address[1], https_port, ca))
        sys.stdout.flush()
        if exit_on_eof:
            def watch():
                while os.read(0, 4096):  # unbuffered: no lock held at exit
                    pass
                leave()
            threading.Thread(target=watch, daemon=True).start()
        time.sleep(lifetime)
    except KeyboardInterrupt:
        pass
    finally:
        if own_dir:
            shutil.rmtree(own_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
