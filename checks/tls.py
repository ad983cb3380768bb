"""``tls`` check: read a server's certificate; expiry, hostname match, issuer, chain validity."""

from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from checks.addresses import IPNetwork, allowed_ranges, connect
from checks.result import CheckFailed, Outcome, Status, TargetUnreachable
from checks.spec import CheckContext, CheckSpec, ca_file_option, parse_host_port

if TYPE_CHECKING:
    from cryptography import x509

# cryptography (about 9 MiB resident) is imported when a tls check runs, not with the
# check-type registry: an app that never checks a certificate never loads it.

DEFAULT_WARN_DAYS = 14


def _connect(
    host: str, port: int, ctx: CheckContext, allow: Sequence[IPNetwork] = ()
) -> socket.socket:
    try:
        return connect(host, port, ctx.remaining(), allow)
    except ConnectionRefusedError as exc:
        raise TargetUnreachable(
            f"{host}:{port} refused the connection from this computer.", {"error": "refused"}
        ) from exc
    except TimeoutError as exc:
        raise TargetUnreachable(
            f"Could not connect to {host}:{port} from this computer: no answer in time.",
            {"error": "timeout"},
        ) from exc
    except socket.gaierror as exc:
        raise TargetUnreachable(
            f"The name {host} does not resolve from this computer.", {"error": "dns"}
        ) from exc
    except OSError as exc:
        raise TargetUnreachable(
            f"Could not connect to {host}:{port} from this computer ({exc.strerror or exc}).",
            {"error": "unreachable"},
        ) from exc


def _handshake(
    host: str,
    port: int,
    ctx: CheckContext,
    context: ssl.SSLContext,
    allow: Sequence[IPNetwork] = (),
) -> ssl.SSLSocket:
    raw = _connect(host, port, ctx, allow)
    try:
        raw.settimeout(ctx.remaining())
        server_name = None if _is_ip(host) else host
        return context.wrap_socket(raw, server_hostname=server_name)
    except BaseException:
        raw.close()
        raise


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _fetch_certificate(
    host: str, port: int, ctx: CheckContext, allow: Sequence[IPNetwork] = ()
) -> tuple[bytes, str]:
    """The leaf certificate (DER) and protocol version, without judging it."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    # Deliberately unverified: we want to read and describe even a broken certificate.
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with _handshake(host, port, ctx, context, allow) as tls:
            der = tls.getpeercert(binary_form=True)
            version = tls.version() or ""
    except (ssl.SSLError, ConnectionResetError) as exc:
        raise CheckFailed(
            f"{host}:{port} does not speak TLS or the handshake failed ({exc}).",
            {"error": "handshake"},
        ) from exc
    except TimeoutError as exc:
        raise CheckFailed(f"{host}:{port} did not finish the TLS handshake in time.") from exc
    if not der:
        raise CheckFailed(f"{host}:{port} sent no certificate.")
    return der, version


def _verify_chain(
    host: str,
    port: int,
    ctx: CheckContext,
    ca_file: str | None,
    allow: Sequence[IPNetwork] = (),
) -> str:
    """Empty when the chain verifies against the trust store, else OpenSSL's reason."""
    context = ssl.create_default_context(cafile=ca_file)
    # The hostname is judged separately so the two findings are not conflated.
    context.check_hostname = False
    try:
        with _handshake(host, port, ctx, context, allow):
            return ""
    except ssl.SSLCertVerificationError as exc:
        return str(exc.verify_message or exc.reason or exc)
    except (ssl.SSLError, OSError) as exc:
        return f"handshake failed ({exc})"


def _names(cert: x509.Certificate) -> tuple[list[str], list[str]]:
    from cryptography import x509

    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return [], []
    dns = san.get_values_for_type(x509.DNSName)
    ips = [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
    return dns, ips


def hostname_matches(host: str, dns_names: list[str], ip_names: list[str]) -> bool:
    """RFC 6125 matching: exact names, or a wildcard for exactly the left-most label."""
    if _is_ip(host):
        return str(ipaddress.ip_address(host)) in ip_names
    host = host.lower().rstrip(".")
    for name in (n.lower().rstrip(".") for n in dns_names):
        if name == host:
            return True
        if name.startswith("*.") and "." in host and host.split(".", 1)[1] == name[2:]:
            return True
    return False


def _cn(name: x509.Name) -> str:
    from cryptography.x509.oid import NameOID

    attrs = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(attrs[0].value) if attrs else name.rfc4514_string()


def run(spec: CheckSpec, ctx: CheckContext) -> Outcome:
    """Run a ``tls`` check."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    host, port = parse_host_port(spec.target, default_port=443)
    warn_days = int(spec.options.get("warn_days", DEFAULT_WARN_DAYS))
    ca_file = ca_file_option(spec.options)
    allow = allowed_ranges(spec.options)
    der, version = _fetch_certificate(host, port, ctx, allow)
    chain_error = _verify_chain(host, port, ctx, ca_file, allow)

    cert = x509.load_der_x509_certificate(der)
    now = datetime.now(UTC)
    not_after = cert.not_valid_after_utc
    not_before = cert.not_valid_before_utc
    days_left = (not_after - now).total_seconds() / 86400
    dns_names, ip_names = _names(cert)
    matches = hostname_matches(host, dns_names, ip_names)
    details: dict[str, Any] = {
        "host": host,
        "port": port,
        "protocol": version,
        "subject": _cn(cert.subject),
        "issuer": _cn(cert.issuer),
        "names": dns_names + ip_names,
        "not_before": not_before.isoformat(),
        "not_after": not_after.isoformat(),
        "days_left": int(days_left) if days_left >= 0 else -int(-days_left) - 1,
        "warn_days": warn_days,
        "hostname_matches": matches,
        "chain_valid": not chain_error,
        "chain_error": chain_error,
        "sha256": cert.fingerprint(hashes.SHA256()).hex(),
    }
    where = f"The certificate of {host}:{port}"
    expiry = not_after.strftime("%Y-%m-%d")
    problems: list[tuple[Status, str]] = []
    if not_after <= now:
        problems.append(("fail", f"expired on {expiry}"))
    elif not_before > now:
        problems.append(("fail", f"is not valid before {not_before:%Y-%m-%d}"))
    if not matches:
        shown = ", ".join(details["names"][:5]) or "no names"
        problems.append(("fail", f"is not valid for {host} (it covers {shown})"))
    # An expired certificate also fails chain validation; say it once.
    if chain_error and not_after > now:
        problems.append(("fail", f"is not trusted: {chain_error}"))
    if not problems and days_left < warn_days:
        days = max(int(days_left), 0)
        problems.append(("warn", f"expires in {days} day(s), on {expiry}"))
    if not problems:
        return Outcome(
            "ok",
            f"{where} is valid for {int(days_left)} more days (until {expiry}), "
            f"issued by {details['issuer']}.",
            details,
        )
    status: Status = "fail" if any(s == "fail" for s, _ in problems) else "warn"
    return Outcome(status, f"{where} " + " and ".join(p for _, p in problems) + ".", details)
