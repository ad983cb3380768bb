"""Loopback listeners the self-test runs one check of each type against.

An HTTP server (a page, a Statuspage summary, a health document), a TLS server with a
certificate made on the spot, and a DNS server answering one name, all on 127.0.0.1 and
all stopped when the ``with`` block ends. They prove the installed app can run every check
type end to end without touching the network.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import json
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DNS_NAME = "selftest.escalation-assistant.test."
DNS_ADDRESS = "127.0.0.1"

_PAGES: dict[str, tuple[str, bytes]] = {
    "/": ("text/html", b"<html><body>self-test page</body></html>"),
    "/api/v2/summary.json": (
        "application/json",
        json.dumps(
            {
                "status": {"indicator": "none", "description": "All Systems Operational"},
                "components": [{"name": "API", "status": "operational"}],
            }
        ).encode(),
    ),
    "/health": ("application/health+json", json.dumps({"status": "pass"}).encode()),
}


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass  # the self-test prints its own lines

    def do_GET(self) -> None:
        ctype, body = _PAGES.get(self.path, ("text/plain", b"not here"))
        self.send_response(200 if self.path in _PAGES else 404)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(OSError):
            self.wfile.write(body)


@dataclass(frozen=True)
class Loopback:
    """Where the listeners answer."""

    http_base: str  # http://127.0.0.1:PORT
    tcp_target: str  # 127.0.0.1:PORT
    tls_target: str  # 127.0.0.1:PORT
    ca_file: Path  # trusts the TLS server's certificate
    dns_server: str  # 127.0.0.1:PORT


def _certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 valid for a year: (cert, key) PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "escalation-assistant self-test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "selftest.pem", directory / "selftest.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def _serve_tls(sock: socket.socket, context: ssl.SSLContext, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            conn, _ = sock.accept()
        except TimeoutError:
            continue
        except OSError:
            return
        conn.settimeout(2)
        try:
            with context.wrap_socket(conn, server_side=True):
                pass  # the handshake is all the check needs
        except (ssl.SSLError, OSError):
            pass
        finally:
            conn.close()


def _serve_dns(sock: socket.socket, stop: threading.Event) -> None:
    import dns.message
    import dns.rcode
    import dns.rdatatype
    import dns.rrset

    while not stop.is_set():
        try:
            data, addr = sock.recvfrom(4096)
        except TimeoutError:
            continue
        except OSError:
            return
        try:
            query = dns.message.from_wire(data)
        except Exception:
            continue
        response = dns.message.make_response(query)
        question = query.question[0]
        if question.name.to_text().lower() != DNS_NAME:
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif question.rdtype == dns.rdatatype.A:
            response.answer.append(dns.rrset.from_text(DNS_NAME, 60, "IN", "A", DNS_ADDRESS))
        sock.sendto(response.to_wire(), addr)


@contextlib.contextmanager
def loopback_listeners(directory: Path) -> Iterator[Loopback]:
    """Start every listener on 127.0.0.1; stop them all when the block ends."""
    stop = threading.Event()
    threads: list[threading.Thread] = []
    http = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    http.daemon_threads = True
    threads.append(threading.Thread(target=http.serve_forever, kwargs={"poll_interval": 0.05}))
    cert_file, key_file = _certificate(directory)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    tls = socket.create_server(("127.0.0.1", 0))
    tls.settimeout(0.05)
    threads.append(threading.Thread(target=_serve_tls, args=(tls, context, stop)))
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.settimeout(0.05)
    threads.append(threading.Thread(target=_serve_dns, args=(udp, stop)))
    for thread in threads:
        thread.daemon = True
        thread.start()
    http_port = http.server_address[1]
    try:
        yield Loopback(
            http_base=f"http://127.0.0.1:{http_port}",
            tcp_target=f"127.0.0.1:{http_port}",
            tls_target=f"127.0.0.1:{tls.getsockname()[1]}",
            ca_file=cert_file,
            dns_server=f"127.0.0.1:{udp.getsockname()[1]}",
        )
    finally:
        stop.set()
        http.shutdown()
        for thread in threads:
            thread.join(timeout=2)
        http.server_close()
        tls.close()
        udp.close()
