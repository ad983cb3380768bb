"""``tcp`` check: connect to host:port with timing; refused and timed out told apart."""

from __future__ import annotations

import socket
import time

from checks.addresses import allowed_ranges, connect
from checks.result import Outcome, TargetUnreachable
from checks.spec import CheckContext, CheckSpec, parse_host_port


def run(spec: CheckSpec, ctx: CheckContext) -> Outcome:
    """Run a ``tcp`` check."""
    host, port = parse_host_port(spec.target)
    where = f"{host}:{port}"
    details: dict[str, object] = {"host": host, "port": port}
    start = time.monotonic()
    try:
        sock = connect(host, port, ctx.remaining(), allowed_ranges(spec.options))
    except ConnectionRefusedError as exc:
        raise TargetUnreachable(
            f"{where} refused the connection from this computer: nothing is listening on "
            "that port, or a firewall rejects it.",
            {**details, "error": "refused"},
        ) from exc
    except TimeoutError as exc:
        raise TargetUnreachable(
            f"{where} did not answer from this computer within {ctx.timeout:g} s "
            "(filtered, or down).",
            {**details, "error": "timeout"},
        ) from exc
    except socket.gaierror as exc:
        raise TargetUnreachable(
            f"The name {host} does not resolve from this computer.", {**details, "error": "dns"}
        ) from exc
    except OSError as exc:
        raise TargetUnreachable(
            f"Could not connect to {where} from this computer ({exc.strerror or exc}).",
            {**details, "error": "unreachable"},
        ) from exc
    with sock:
        elapsed = (time.monotonic() - start) * 1000
        details["connect_ms"] = round(elapsed, 1)
        details["address"] = str(sock.getpeername()[0])
    return Outcome("ok", f"{where} accepts connections ({elapsed:.0f} ms to connect).", details)
