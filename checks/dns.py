"""``dns`` check: resolve A/AAAA (and the CNAME chain) of a name, with timing."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from checks.result import CheckFailed, Outcome, TargetUnreachable
from checks.spec import CheckContext, CheckSpec, TargetError, normalize_host, parse_host

RECORD_TYPES = ("A", "AAAA")


if TYPE_CHECKING:
    import dns.resolver

# dnspython is imported when a dns check runs, not with the check-type registry.


def _resolver(spec: CheckSpec) -> dns.resolver.Resolver:
    import dns.resolver

    server = str(spec.options.get("nameserver", "")).strip()
    if not server:
        try:
            return dns.resolver.Resolver(configure=True)
        except dns.resolver.NoResolverConfiguration as exc:
            raise TargetError("This computer has no DNS resolver configured.") from exc
    port = spec.options.get("port", 53)
    if server.count(":") == 1:  # "127.0.0.1:5353"
        server, _, port_text = server.partition(":")
        port = port_text
    try:
        port = int(port)
    except (TypeError, ValueError):
        raise TargetError(f"The resolver port '{port}' is not a number.") from None
    if not 1 <= port <= 65535:
        raise TargetError(f"The resolver port {port} is out of range (1–65535).")
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [normalize_host(server)]
    resolver.port = port
    return resolver


def run(spec: CheckSpec, ctx: CheckContext) -> Outcome:
    """Run a ``dns`` check."""
    import dns.exception
    import dns.resolver

    name = parse_host(spec.target)
    resolver = _resolver(spec)
    server = ", ".join(str(ns) for ns in resolver.nameservers)
    records: dict[str, list[str]] = {}
    timings: dict[str, float] = {}
    cname = ""
    for rdtype in RECORD_TYPES:
        left = ctx.remaining()
        resolver.lifetime = left
        resolver.timeout = left
        start = time.monotonic()
        try:
            answer = resolver.resolve(name, rdtype, raise_on_no_answer=False, search=False)
        except dns.resolver.NXDOMAIN as exc:
            raise CheckFailed(
                f"The name {name} does not exist (NXDOMAIN from {server}).",
                {"name": name, "resolver": server, "error": "nxdomain"},
            ) from exc
        except dns.exception.Timeout as exc:
            # No answer at all: the resolver is out of reach from here, the name is not judged.
            raise TargetUnreachable(
                f"No DNS answer for {name} from {server} within {ctx.timeout:g} s.",
                {"name": name, "resolver": server, "error": "timeout"},
            ) from exc
        except dns.resolver.NoNameservers as exc:
            raise CheckFailed(
                f"The DNS servers could not answer for {name} (e.g. SERVFAIL from {server}).",
                {"name": name, "resolver": server, "error": "no_nameservers", "message": str(exc)},
            ) from exc
        timings[rdtype] = round((time.monotonic() - start) * 1000, 1)
        records[rdtype] = [r.to_text() for r in answer.rrset] if answer.rrset else []
        canonical = answer.canonical_name.to_text(omit_final_dot=True)
        if canonical.lower() != name.lower():
            cname = canonical
    details: dict[str, Any] = {
        "name": name,
        "resolver": server,
        "records": records,
        "cname": cname,
        "timings_ms": timings,
    }
    addresses = records["A"] + records["AAAA"]
    total = sum(timings.values())
    alias = f" (an alias of {cname})" if cname else ""
    if not addresses:
        return Outcome(
            "warn", f"The name {name}{alias} exists but has no IPv4 or IPv6 address.", details
        )
    shown = ", ".join(addresses[:4]) + (" …" if len(addresses) > 4 else "")
    return Outcome("ok", f"{name}{alias} resolves to {shown} in {total:.0f} ms.", details)
