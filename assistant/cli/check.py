"""``check TARGET... [--component NAME] [--type TYPE] [--timeout S] [--json]``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from checks.registry import check_types
from checks.result import CheckResult, worst
from checks.spec import DEFAULT_TIMEOUT, CheckSpec, infer_type

if TYPE_CHECKING:
    from assistant.policy.schema import Component, Policy

# The policy, the model and the check runner are imported inside the command: every
# subcommand module is imported when the GUI starts, and these would slow its first frame.

EXIT_OK, EXIT_FAILED, EXIT_ERROR = 0, 1, 2
_ICONS = {
    "ok": "OK",
    "warn": "WARN",
    "unreachable": "UNREACHABLE",
    "fail": "FAIL",
    "error": "ERROR",
}


def _timeout(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if not 0 < value <= 600:
        raise argparse.ArgumentTypeError("the timeout must be between 0 and 600 seconds")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "check",
        help="run status checks against URLs or hosts",
        description=(
            "Run status checks. The type is inferred when not given: an http(s) URL is an "
            "http check, host:port a tcp check, a bare host a dns check. With --component, "
            "each TARGET is a customer domain (or URL) and that component's default checks "
            "from the policy run. Exit 0 when all are ok, 1 when any warns or fails, 2 when "
            "any could not run or the arguments are bad."
        ),
    )
    p.add_argument("targets", nargs="+", metavar="TARGET", help="URL, host:port or host")
    p.add_argument("--component", metavar="NAME", help="run this component's default checks")
    p.add_argument("--type", choices=check_types(), help="check type for all targets")
    p.add_argument(
        "--timeout", type=_timeout, default=DEFAULT_TIMEOUT, metavar="S", help="per check"
    )
    p.add_argument("--json", action="store_true", help="print a JSON list of results")
    p.set_defaults(func=cmd_check)


def _find_component(policy: Policy, name: str) -> Component | None:
    wanted = name.strip().lower()
    return next((c for c in policy.components if wanted in (c.id.lower(), c.name.lower())), None)


def _component_specs(
    component: Component, policy: Policy, args: argparse.Namespace
) -> list[CheckSpec]:
    from assistant.evidence import expand_checks
    from assistant.model import Customer, Environment, Escalation

    specs: list[CheckSpec] = []
    for target in args.targets:
        if "://" in target:
            escalation = Escalation(environment=Environment(urls=[target]))
        else:
            escalation = Escalation(customer=Customer(domain=target))
        specs += expand_checks(component, escalation, policy, timeout=args.timeout)
    return specs


def build_specs(args: argparse.Namespace) -> list[CheckSpec] | str:
    """The checks the arguments ask for, or an error message."""
    if args.component:
        from assistant.policy import default_policy

        policy = default_policy()
        component = _find_component(policy, args.component)
        if component is None:
            known = ", ".join(c.id for c in policy.components)
            return f"unknown component '{args.component}'; known: {known}"
        specs = _component_specs(component, policy, args)
        if args.type:
            specs = [s for s in specs if s.type == args.type]
        return specs
    return [CheckSpec(args.type or infer_type(t), t, timeout=args.timeout) for t in args.targets]


def format_table(results: list[CheckResult]) -> str:
    """Results as an aligned plain-text table."""
    rows = [("STATUS", "TYPE", "TARGET", "TIME", "SUMMARY")]
    rows += [
        (
            _ICONS.get(r.status, r.status.upper()),
            r.type,
            r.target,
            f"{r.duration_ms:.0f} ms",
            r.summary,
        )
        for r in results
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "\n".join(
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4]
        for row in rows
    )


def exit_code(results: list[CheckResult]) -> int:
    """0 all ok, 1 any warn/unreachable/fail, 2 any error (a check that could not run)."""
    status = worst([r.status for r in results])
    failed = {"warn", "unreachable", "fail"}
    return EXIT_OK if status == "ok" else EXIT_FAILED if status in failed else EXIT_ERROR


def cmd_check(args: argparse.Namespace) -> int:
    specs = build_specs(args)
    if isinstance(specs, str):
        print(f"error: {specs}", file=sys.stderr)
        return EXIT_ERROR
    if not specs:
        print("error: no checks to run for these arguments", file=sys.stderr)
        return EXIT_ERROR
    from checks.runner import CheckRunner

    order = {s.id: i for i, s in enumerate(specs)}
    results = sorted(CheckRunner().run(specs), key=lambda r: order[r.spec_id])
    if args.json:
        print(json.dumps([r.to_dict() for r in results], indent=2, ensure_ascii=False))
    else:
        print(format_table(results))
    return exit_code(results)
