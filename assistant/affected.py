"""The "Affected customers" summary one Ops ticket carries: a count and one line per account.

Every escalation sent to a ticket (the first one and each "Add to existing") merges its
customer into the summary. The text is the same plain lines in every tracker's markup, so
it is written and read back the same way everywhere::

    Affected customers: 2
    * [ACC-1042] Hartmann Bakeries — impact high, 40 users — by Anna Agent — ESC-1A2B3C4D
    * [ACC-2211] Nordlicht Apotheke — impact medium — by Ben Agent — ESC-99F0A1B2

    escalation-assistant: affected-customers (kept current by the Escalation Assistant)

An account is counted once: a second escalation from the same account only adds its id to
that account's line, and merging an escalation already listed changes nothing — which is
what makes a retry after a lost answer harmless (the sender reads, merges, and writes only
a changed text). Customers without an account id are told apart by name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.model import Escalation

MARKER = "escalation-assistant: affected-customers"
MARKER_LINE = f"{MARKER} (kept current by the Escalation Assistant)"
HEADER = "Affected customers:"
NO_ACCOUNT = "?"
_LINE = re.compile(r"^\* \[(?P<account>[^\]]*)\] (?P<rest>.*)$")
_IDS = re.compile(r" — (?P<ids>ESC-[0-9A-F]{8}(?:, ESC-[0-9A-F]{8})*)$")


@dataclass(frozen=True)
class AffectedLine:
    """One account's line: its account id ('?' when none), what is said about it, and the
    escalations that reported it."""

    account: str
    text: str  # "Hartmann Bakeries — impact high, 40 users — by Anna Agent"
    escalations: tuple[str, ...]

    @property
    def key(self) -> str:
        """What makes two lines the same account: the account id, else the customer name."""
        if self.account and self.account != NO_ACCOUNT:
            return "account:" + self.account.strip().casefold()
        return "name:" + self.text.split(" — ", 1)[0].strip().casefold()

    def render(self) -> str:
        ids = f" — {', '.join(self.escalations)}" if self.escalations else ""
        return f"* [{self.account or NO_ACCOUNT}] {self.text}{ids}"


def has_marker(text: str) -> bool:
    """Whether ``text`` is an app-maintained affected-customers summary."""
    return MARKER in (text or "")


def customer_line(escalation: Escalation, agent: str = "") -> AffectedLine:
    """The summary line of one escalation's customer (name, account, impact, the agent)."""
    cust = escalation.customer
    name = _one_line(cust.name) or "(unnamed customer)"
    parts = [name]
    impact = []
    if escalation.impact.level is not None:
        impact.append(f"impact {escalation.impact.level.value}")
    if escalation.impact.users_affected is not None:
        impact.append(f"{escalation.impact.users_affected} users")
    if impact:
        parts.append(", ".join(impact))
    if agent.strip():
        parts.append(f"by {_one_line(agent)}")
    account = _one_line(cust.account_id).replace("[", "(").replace("]", ")") or NO_ACCOUNT
    return AffectedLine(account, " — ".join(parts), (escalation.short_id,))


def parse(text: str) -> list[AffectedLine]:
    """The account lines of a summary text (anything else in it is ignored)."""
    lines: list[AffectedLine] = []
    for raw in (text or "").splitlines():
        match = _LINE.match(raw.strip())
        if match is None:
            continue
        rest = match.group("rest")
        ids: tuple[str, ...] = ()
        found = _IDS.search(rest)
        if found is not None:
            ids = tuple(found.group("ids").split(", "))
            rest = rest[: found.start()]
        lines.append(AffectedLine(match.group("account"), rest, ids))
    return lines


def merge(lines: list[AffectedLine], new: AffectedLine) -> list[AffectedLine]:
    """``lines`` with ``new`` merged in: a new account appended, a known one gets the
    escalation's id added (once); the account is never counted twice."""
    out: list[AffectedLine] = []
    merged = False
    for line in lines:
        if not merged and line.key == new.key:
            ids = tuple(dict.fromkeys([*line.escalations, *new.escalations]))
            out.append(AffectedLine(line.account, line.text, ids))
            merged = True
        elif any(line.key == kept.key for kept in out):
            continue  # a duplicate someone typed in: counted once
        else:
            out.append(line)
    if not merged:
        out.append(new)
    return out


def render(lines: list[AffectedLine]) -> str:
    """The whole summary text (plain lines; a list in Textile, Markdown and Jira wiki)."""
    body = "\n".join(line.render() for line in lines)
    return f"{HEADER} {len(lines)}\n\n{body}\n\n{MARKER_LINE}\n"


def count(text: str) -> int:
    """How many accounts a summary text lists."""
    return len(parse(text))


def merged_summary(current: str | None, new: AffectedLine) -> tuple[str, int, bool]:
    """The summary after merging ``new`` into ``current`` (None: there is none yet):
    ``(text, count, changed)``; ``changed`` is False when ``new`` was already there."""
    before = parse(current or "")
    after = merge(before, new)
    text = render(after)
    changed = current is None or text.strip() != (current or "").strip()
    if current is not None and after == before:
        changed = False
    return text, len(after), changed


def _one_line(text: str) -> str:
    return " ".join((text or "").split()).replace(" — ", " - ")


__all__ = [
    "HEADER",
    "MARKER",
    "AffectedLine",
    "count",
    "customer_line",
    "has_marker",
    "merge",
    "merged_summary",
    "parse",
    "render",
]
