"""Real local servers for the check tests: HTTP, TLS, DNS, all on 127.0.0.1."""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import json
import socket
import ssl
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PAGE = b"<html><body><h1>Welcome to the test shop</h1></body></html>"

STATUSPAGES: dict[str, object] = {
    "allgood": {
        "status": {"indicator": "none", "description": "All Systems Operational"},
        "components": [
            {"name": "Web hosting", "status": "operational"},
            {"name": "E-mail", "status": "operational"},
        ],
    },
    "minor": {
        "status": {"indicator": "minor", "description": "Minor Service Outage"},
        "components": [
            {"name": "Web hosting", "status": "degraded_performance"},
            {"name": "E-mail", "status": "operational"},
        ],
    },
    "major": {
        "status": {"indicator": "major", "description": "Major Service Outage"},
        "components": [
            {"name": "Web hosting", "status": "operational"},
            {"name": "E-mail", "status": "major_outage"},
        ],
    },
    "maintenance": {
        "status": {"indicator": "none", "description": "Scheduled maintenance"},
        "components": [{"name": "Web hosting", "status": "under_maintenance"}],
    },
    "weird": {
        "status": {"indicator": "purple", "description": "Something new"},
        "components": [{"name": "Web hosting", "status": "on_fire"}],
    },
}

HEALTH: dict[str, tuple[int, object]] = {
    "pass": (200, {"status": "pass", "version": "1.2"}),
    "up": (200, {"status": "UP"}),
    "warn": (
        200,
        {
            "status": "warn",
            "checks": {"db:connections": [{"status": "warn", "output": "90% of pool used"}]},
        },
    ),
    "fail": (
        503,
        {
            "status": "fail",
            "output": "database unreachable",
            "checks": {"db:responseTime": [{"status": "fail", "output": "timeout"}]},
        },
    ),
    "unknown": (200, {"status": "sideways"}),
}


class _Handler(BaseHTTPRequestHandler):
    server: LocalHTTPServer
    protocol_version = "HTTP/1.1"

    def version_string(self) -> str:
        return "test-nginx"

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep test output clean

    def _send(
        self,
        code: int,
        body: bytes,
        ctype: str = "text/html",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self._send(302, b"", headers={"Location": location})

    def do_GET(self) -> None:
        if self.server.delay:
            time.sleep(self.server.delay)
        url = urlsplit(self.path)
        path, query = url.path, parse_qs(url.query)
        parts = path.strip("/").split("/")
        # The check may hang up early (timeout or body cap); that is the point of some tests.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._route(path, parts, query)

    def _route(self, path: str, parts: list[str], query: dict[str, list[str]]) -> None:
        if path in ("/", "/ok"):
            self._send(
                200,
                PAGE,
                headers={"Cache-Control": "max-age=60", "X-Cache": "HIT"},
            )
        elif path == "/error":
            self._send(500, b"boom")
        elif path == "/missing":
            self._send(404, b"not here")
        elif parts[0] == "redirect":
            n = int(parts[1])
            self._redirect(f"/redirect/{n - 1}" if n > 1 else "/ok")
        elif parts[0] == "loop":
            self._redirect("/loop/b" if parts[1] == "a" else "/loop/a")
        elif path == "/slow":
            time.sleep(float(query.get("s", ["1"])[0]))
            self._send(200, PAGE)
        elif path == "/drip":
            # Announces a body and then sends it one byte at a time: a slow-drip server.
            self.send_response(200)
            self.send_header("Content-Length", "10000")
            self.end_headers()
            for _ in range(10000):
                if self.server.stopping.wait(0.05):
                    return
                self.wfile.write(b"x")
                self.wfile.flush()
        elif path == "/large":
            self._send(200, b"a" * 3_000_000, ctype="text/plain")
        elif parts[0] == "statuspage" and parts[1] in STATUSPAGES:
            self._send(200, json.dumps(STATUSPAGES[parts[1]]).encode(), "application/json")
        elif parts[0] == "statuspage" and parts[1] == "broken":
            self._send(200, b"<html>not json</html>")
        elif parts[0] == "health" and parts[1] in HEALTH:
            code, doc = HEALTH[parts[1]]
            self._send(code, json.dumps(doc).encode(), "application/health+json")
        elif path == "/health/notjson":
            self._send(200, b"OK", "text/plain")
        else:
            self._send(404, b"no such test endpoint")


class LocalHTTPServer(ThreadingHTTPServer):
    """Threaded HTTP test server on 127.0.0.1; ``delay`` slows every response."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, delay: float = 0.0) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.delay = delay
        self.stopping = threading.Event()
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05})

    def handle_error(self, request: object, client_address: object) -> None:
        # Checks hang up on purpose (timeouts, body cap, cancel); only report real bugs.
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> LocalHTTPServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.shutdown()
        self._thread.join()
        self.server_close()


# --- certificates ---------------------------------------------------------------------


@dataclass
class CertFiles:
    cert: Path
    key: Path


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


class TestCA:
    """A throw-away certificate authority that issues server certificates."""

    __test__ = False  # not a pytest test class

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(_name("Escalation Assistant Test CA"))
            .issuer_name(_name("Escalation Assistant Test CA"))
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False
            )
            .sign(self.key, hashes.SHA256())
        )
        self.ca_file = directory / "ca.pem"
        self.ca_file.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))

    def issue(
        self,
        label: str,
        names: list[str],
        not_before: dt.datetime,
        not_after: dt.datetime,
        ips: tuple[str, ...] = ("127.0.0.1",),
    ) -> CertFiles:
        key = ec.generate_private_key(ec.SECP256R1())
        san: list[x509.GeneralName] = [x509.DNSName(n) for n in names]
        san += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips]
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(names[0]))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.SubjectAlternativeName(san), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
            .sign(self.key, hashes.SHA256())
        )
        files = CertFiles(self.dir / f"{label}.pem", self.dir / f"{label}.key")
        files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        _write_key(key, files.key)
        return files


class LocalTLSServer:
    """Accepts TLS handshakes on 127.0.0.1 with one certificate, then hangs up."""

    def __init__(self, files: CertFiles) -> None:
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(files.cert, files.key)
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.port: int = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            conn.settimeout(2)
            try:
                with self.context.wrap_socket(conn, server_side=True):
                    pass
            except (ssl.SSLError, OSError):
                pass  # clients that reject our certificate abort the handshake
            finally:
                conn.close()

    def __enter__(self) -> LocalTLSServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


# --- DNS ------------------------------------------------------------------------------

ZONE: dict[str, dict[str, list[str]]] = {
    "test.example.": {"A": ["192.0.2.10"], "AAAA": ["2001:db8::10"]},
    "www.test.example.": {"CNAME": ["test.example."]},
    "v4only.test.example.": {"A": ["192.0.2.20"]},
    "noaddr.test.example.": {"TXT": ['"just text"']},
}


class LocalDNSServer:
    """A tiny authoritative UDP DNS server for ``ZONE`` on 127.0.0.1; NXDOMAIN otherwise."""

    def __init__(self, answer: bool = True) -> None:
        self.answer = answer  # False: a server that never replies (timeouts)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.port: int = self.sock.getsockname()[1]
        self.queries = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve)

    def _records(self, response: dns.message.Message, name: str, rdtype: str) -> None:
        node = ZONE[name]
        if "CNAME" in node and rdtype != "CNAME":
            target = node["CNAME"][0]
            response.answer.append(dns.rrset.from_text(name, 300, "IN", "CNAME", target))
            self._records(response, target, rdtype)
        elif rdtype in node:
            response.answer.append(dns.rrset.from_text(name, 300, "IN", rdtype, *node[rdtype]))

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, addr = self.sock.recvfrom(4096)
            except TimeoutError:
                continue
            self.queries += 1
            if not self.answer:
                continue
            query = dns.message.from_wire(data)
            response = dns.message.make_response(query)
            question = query.question[0]
            name = question.name.to_text().lower()
            if name in ZONE:
                self._records(response, name, dns.rdatatype.to_text(question.rdtype))
            else:
                response.set_rcode(dns.rcode.NXDOMAIN)
            self.sock.sendto(response.to_wire(), addr)

    def __enter__(self) -> LocalDNSServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


def closed_port() -> int:
    """A TCP port on 127.0.0.1 with nothing listening."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll ``predicate`` until true or ``timeout``; for threads we do not control."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()
