"""Which addresses a status check may talk to: never link-local or cloud metadata.

A check target comes from the agent, a customer's ticket or a redirect a server chooses. The
addresses below answer with cloud credentials (``169.254.169.254``, AWS's IPv6
``fd00:ec2::254``) or belong to the local link, so a check must not reach them unless Ops'
policy lists a range explicitly (the ``allow_ranges`` option of a check template).

The rule is applied to the *resolved* addresses — after DNS, and after ``getaddrinfo`` has
turned every numeric spelling (``0xa9fea9fe``, ``2852039166``, ``0251.0376.0251.0376``,
``169.254.43518``, ``::ffff:169.254.169.254``) into the one address it means — so no
spelling gets past it; and again for every redirect. ``connect`` then connects to exactly
the address that was checked, so a name cannot resolve differently in between.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from checks.result import CheckFailed
from checks.spec import TargetError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: never reached unless Ops' policy allows a range that contains the address
BLOCKED_NETWORKS: tuple[IPNetwork, ...] = (
    ipaddress.ip_network("169.254.0.0/16"),  # IPv4 link-local; AWS/GCP/Azure metadata
    ipaddress.ip_network("fe80::/10"),  # IPv6 link-local
    ipaddress.ip_network("fd00:ec2::254/128"),  # AWS metadata over IPv6
)
ALLOW_OPTION = "allow_ranges"


class BlockedAddress(CheckFailed):
    """The target (or a redirect) resolves to an address checks may not reach."""


def allowed_ranges(options: Mapping[str, Any]) -> list[IPNetwork]:
    """The ``allow_ranges`` option (a CIDR or a list of them) as networks."""
    value = options.get(ALLOW_OPTION) or []
    items = [value] if isinstance(value, str) else list(value)
    out: list[IPNetwork] = []
    for item in items:
        try:
            out.append(ipaddress.ip_network(str(item).strip(), strict=False))
        except ValueError:
            raise TargetError(f"'{item}' in {ALLOW_OPTION} is not an address range.") from None
    return out


_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _plain(address: IPAddress) -> IPAddress:
    """An IPv6 address that carries an IPv4 one (mapped, 6to4, NAT64) as that IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def blocked(address: IPAddress | str, allow: Sequence[IPNetwork] = ()) -> bool:
    """Whether checks may not reach ``address`` (after Ops' ``allow`` ranges)."""
    # "fe80::1%eth0": the zone says which link, the address is link-local all the same
    text = str(address).split("%", 1)[0]
    ip = _plain(ipaddress.ip_address(text))
    if not any(ip in net for net in BLOCKED_NETWORKS if net.version == ip.version):
        return False
    return not any(ip in net for net in allow if net.version == ip.version)


def check_addresses(host: str, addresses: Iterable[str], allow: Sequence[IPNetwork] = ()) -> None:
    """``BlockedAddress`` when any of ``host``'s resolved ``addresses`` is blocked."""
    for address in addresses:
        if blocked(address, allow):
            raise BlockedAddress(
                f"{host} is a link-local or cloud-metadata address ({address}); status checks"
                " do not contact those unless Ops' policy allows the range.",
                {"error": "blocked_address", "address": address},
            )


def resolve(host: str, port: int, allow: Sequence[IPNetwork] = ()) -> list[tuple[Any, ...]]:
    """``getaddrinfo`` results for ``host:port`` (TCP), all of them checked first.

    Raises ``socket.gaierror`` like ``getaddrinfo`` when the name does not resolve.
    """
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    check_addresses(host, (str(info[4][0]) for info in infos), allow)
    return infos


def connect(host: str, port: int, timeout: float, allow: Sequence[IPNetwork] = ()) -> socket.socket:
    """A TCP connection to ``host:port`` through checked addresses only.

    Like ``socket.create_connection``: each resolved address is tried in turn; errors are
    those of ``create_connection`` (``gaierror``, ``ConnectionRefusedError``, ``TimeoutError``).
    """
    infos = resolve(host, port, allow)
    error: OSError | None = None
    for family, kind, proto, _name, address in infos:
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(timeout)
            sock.connect(address)
        except OSError as exc:
            sock.close()
            error = exc
            continue
        return sock
    raise error or OSError(f"no address for {host}")


def check_url_host(url_host: str, port: int, allow: Sequence[IPNetwork] = ()) -> None:
    """Resolve an URL's host and refuse it when it is blocked (before any request)."""
    resolve(url_host, port, allow)


def check_peer(sock: socket.socket | None, host: str, allow: Sequence[IPNetwork] = ()) -> None:
    """Check the address a connection really went to (a name may resolve differently)."""
    if sock is None:
        return
    try:
        peer = sock.getpeername()[0]
    except OSError:
        return
    check_addresses(host, [str(peer)], allow)
