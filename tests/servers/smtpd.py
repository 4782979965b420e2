#!/usr/bin/python3
"""Loopback SMTP server for the mailer's tests (tests/test_mailer.c,
tests/cli/test_smtp*.sh), on Debian's python3-aiosmtpd (1.4.3). Run it with
/usr/bin/python3: that is where the Debian package lives, whatever python3
comes first on PATH.

It binds 127.0.0.1 only, on the port given or one the kernel picks, and
prints "PORT CERT" as its first stdout line (CERT is "-" without TLS; it is
the self-signed certificate, made at start with the openssl command, that a
client must trust). Each message it accepts is saved in --save DIR as
NNNN.eml (the raw bytes of DATA, dot-unstuffed, exactly as the client sent
them) and NNNN.json (the envelope: mail_from, rcpt_tos, tls, auth_login),
each written to a temporary name and renamed, so a test never reads half a
file. Not for use outside tests.

Usage: smtpd.py --save DIR [--port N] [--port-file FILE] [--starttls | --smtps]
                [--cert-dir DIR] [--user U --password P] [--auth-mech MECH]
                [--reject ADDR]... [--exit-on-eof] [--lifetime SECONDS]
  --port N        listen on N (default 0: the kernel picks); a test that wants
                  the server "down" for a while picks a free port, lets the
                  client fail on it, then starts this server on it
  --port-file F   also write the port to F (atomically)
  --starttls      offer STARTTLS and refuse MAIL before it (require_starttls)
  --smtps         TLS from the first byte (implicit TLS, smtps://)
  --cert-dir DIR  where the certificate goes (default: a temporary folder)
  --user/--password   require AUTH (PLAIN or LOGIN), only after TLS when TLS
                  is on (auth_require_tls)
  --auth-mech M   offer only mechanism M (PLAIN or LOGIN)
  --reject ADDR   answer RCPT TO:<ADDR> with 550 (repeatable)
  --exit-on-eof   exit when stdin reaches end of file, so a test process that
                  dies takes the server with it
  --lifetime S    exit after S seconds whatever happens (default 300)
"""

import argparse
import asyncio
import json
import logging
import os
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def make_cert(d):
    """A self-signed P-256 certificate for IP 127.0.0.1 (and localhost)."""
    cert, key = os.path.join(d, "smtpd.pem"), os.path.join(d, "smtpd.key")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
         "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
         "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-addext", "basicConstraints=critical,CA:TRUE"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return cert, key


def write_atomic(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


class Handler:
    def __init__(self, save, reject):
        self.save = save
        self.reject = {a.lower() for a in reject}
        # a server restarted on the same folder goes on numbering
        self.count = len([f for f in os.listdir(save) if f.endswith(".eml")])

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.reject:
            return "550 5.1.1 <%s>: recipient rejected by the test server" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.save, "%04d" % self.count)
        write_atomic(base + ".eml", envelope.original_content)
        login = None
        if session.auth_data is not None and isinstance(session.auth_data, LoginPassword):
            login = session.auth_data.login.decode("utf-8", "replace")
        meta = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                "tls": session.ssl is not None or server.transport.get_extra_info(
                    "sslcontext") is not None,
                "auth_login": login}
        write_atomic(base + ".json", json.dumps(meta).encode())
        return "250 OK: queued as %04d" % self.count


def main(argv):
    p = argparse.ArgumentParser()
    p.add_argument("--save", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file")
    p.add_argument("--starttls", action="store_true")
    p.add_argument("--smtps", action="store_true")
    p.add_argument("--cert-dir")
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--auth-mech")
    p.add_argument("--reject", action="append", default=[])
    p.add_argument("--exit-on-eof", action="store_true")
    p.add_argument("--lifetime", type=float, default=300.0)
    a = p.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)  # aiosmtpd logs every session at INFO
    # --smtps with --user: aiosmtpd warns that AUTH does not require its
    # STARTTLS, not seeing that the whole session is TLS.
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")

    own_dir = None

    def leave(*_):
        # os._exit: interpreter shutdown would wait for the stdin thread.
        if own_dir:
            shutil.rmtree(own_dir, ignore_errors=True)
        sys.stdout.flush()
        os._exit(0)

    signal.signal(signal.SIGTERM, leave)  # how the tests stop us
    os.makedirs(a.save, exist_ok=True)
    tls = a.starttls or a.smtps
    ctx, cert = None, "-"
    if tls:
        d = a.cert_dir
        if not d:
            d = own_dir = tempfile.mkdtemp(prefix="pt-smtpd-")
        cert, key = make_cert(d)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == a.user.encode()
              and auth_data.password == a.password.encode())
        # handled=False: aiosmtpd itself answers 235 or 535
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    exclude = None
    if a.auth_mech:
        exclude = [m for m in ("PLAIN", "LOGIN") if m != a.auth_mech.upper()]

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    handler = Handler(a.save, a.reject)

    def factory():
        return SMTP(
            handler,
            hostname="smtpd.test",  # not socket.getfqdn(): no DNS lookups
            tls_context=ctx if a.starttls else None,
            require_starttls=a.starttls,
            auth_required=bool(a.user),
            # implicit TLS is invisible to aiosmtpd's STARTTLS bookkeeping
            auth_require_tls=not a.smtps and a.starttls,
            authenticator=authenticator if a.user else None,
            auth_exclude_mechanism=exclude,
            loop=loop)

    server = loop.run_until_complete(loop.create_server(
        factory, host="127.0.0.1", port=a.port, ssl=ctx if a.smtps else None))
    port = server.sockets[0].getsockname()[1]
    if a.port_file:
        write_atomic(a.port_file, b"%d\n" % port)
    sys.stdout.write("%d %s\n" % (port, cert))
    sys.stdout.flush()
    if a.exit_on_eof:
        def watch():
            while os.read(0, 4096):  # unbuffered: no lock held at exit
                pass
            loop.call_soon_threadsafe(leave)
        threading.Thread(target=watch, daemon=True).start()
    loop.call_later(a.lifetime, leave)
    try:
        loop.run_forever()
    except KeyboardInterrupt:
        pass
    leave()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
