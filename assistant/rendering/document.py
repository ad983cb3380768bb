"""The ticket document: one structured tree that every markup serializer writes out.

User text lives only in inline runs (``Text``, ``Strong``, ``Code``, ``Link`` text) and in
``CodeBlock`` / ``Table`` cells; the serializers escape it for their markup. A ``Link`` is
only ever made for an http(s) URL, and serializers check that again before writing one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from assistant.lines import show_bidi_controls
from assistant.model import CheckEvidence, Escalation
from assistant.policy.schema import Policy
from checks.result import status_label

MISSING = "—"
FOOTER_TEXT = "Sent with Escalation Assistant"
POLICY_LABEL = "Ops policy"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Strong:
    text: str


@dataclass(frozen=True)
class Code:
    text: str


@dataclass(frozen=True)
class Link:
    text: str
    url: str


Inline = Text | Strong | Code | Link
Runs = tuple[Inline, ...]


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    runs: Runs


@dataclass(frozen=True)
class KeyValueList:
    items: tuple[tuple[str, Runs], ...]


@dataclass(frozen=True)
class OrderedList:
    items: tuple[Runs, ...]


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[Runs, ...], ...]


@dataclass(frozen=True)
class CodeBlock:
    text: str


@dataclass(frozen=True)
class Rule:
    pass


Block = Heading | Paragraph | KeyValueList | OrderedList | Table | CodeBlock | Rule


@dataclass(frozen=True)
class TicketDocument:
    blocks: tuple[Block, ...] = field(default_factory=tuple)


def clean_text(text: str) -> str:
    """Normalise newlines, drop control characters (they are never visible text) and show
    direction controls as ``[U+202E]`` (they would make the text read otherwise)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return show_bidi_controls(_CONTROL.sub("", text))


def is_safe_url(url: str) -> bool:
    """True for an absolute http(s) URL with a host and no whitespace or control chars."""
    if not url or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in {"http", "https"} and bool(parts.hostname)


def link(text: str, url: str) -> Inline:
    """A link for an http(s) URL; anything else becomes plain text."""
    url = url.strip()
    if is_safe_url(url):
        return Link(text or url, url)
    return Text(text or url)


def _or_missing(value: str) -> Runs:
    value = clean_text(value).strip()
    return (Text(value),) if value else (Text(MISSING),)


def _when(value: datetime | None) -> str:
    if value is None:
        return MISSING
    return value.strftime("%Y-%m-%d %H:%M %Z").strip()


def _size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{n} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"  # pragma: no cover - loop always returns


def _paragraphs(text: str) -> list[Block]:
    chunks = [c.strip() for c in re.split(r"\n\s*\n", clean_text(text))]
    chunks = [c for c in chunks if c]
    if not chunks:
        return [Paragraph((Text(MISSING),))]
    return [Paragraph((Text(c),)) for c in chunks]


def _impact_items(esc: Escalation, policy: Policy) -> list[tuple[str, Runs]]:
    items: list[tuple[str, Runs]] = []
    if esc.priority is not None:
        items.append(("Priority", (Strong(f"{esc.priority.id} {esc.priority.name}"),)))
        items.append(("Why", _or_missing(esc.priority.reason)))
    else:
        items.append(("Priority", (Text("not derived yet (impact and urgency needed)"),)))
    cust = esc.customer
    who = clean_text(cust.name).strip() or MISSING
    if cust.account_id.strip():
        who += f" (account {clean_text(cust.account_id).strip()})"
    items.append(("Customer", (Text(who),)))
    if cust.contact.strip():
        items.append(("Contact", (Text(clean_text(cust.contact).strip()),)))
    if cust.domain.strip():
        items.append(("Domain", (Text(clean_text(cust.domain).strip()),)))
    comp = policy.component(esc.component) if esc.component else None
    if comp is not None:
        runs: list[Inline] = [Text(comp.name)]
        if comp.runbook is not None:
            runs += [Text(" — "), link("runbook", str(comp.runbook))]
        items.append(("Component", tuple(runs)))
    else:
        items.append(("Component", _or_missing(esc.component)))
    cat = policy.category(esc.category) if esc.category else None
    items.append(("Category", (Text(cat.name),) if cat else _or_missing(esc.category)))
    imp = esc.impact
    if imp.level is not None:
        items.append(("Impact", (Text(policy.level_name("impact", imp.level)),)))
    if esc.urgency is not None:
        items.append(("Urgency", (Text(policy.level_name("urgency", esc.urgency)),)))
    users = MISSING if imp.users_affected is None else str(imp.users_affected)
    items.append(("Users affected", (Text(users),)))
    items.append(("Business impact", _or_missing(imp.business_impact)))
    items.append(("Since", (Text(_when(imp.started_at)),)))
    if imp.workaround_available is None:
        workaround = MISSING
    elif imp.workaround_available:
        workaround = "yes" + (f": {imp.workaround.strip()}" if imp.workaround.strip() else "")
    else:
        workaround = "no"
    items.append(("Workaround", (Text(clean_text(workaround)),)))
    return items


def _check_label(check: CheckEvidence) -> str:
    """The check's name as the agent saw it (kept in details), with its type."""
    name = check.details.get("check_name")
    return f"{name} ({check.type})" if isinstance(name, str) and name else check.type


def build_document(escalation: Escalation, policy: Policy) -> TicketDocument:
    """The ticket Ops receives, as a structured document (no markup yet); for a draft that
    adds the customer to Ops' ticket, the comment posted there (``build_comment``)."""
    if escalation.add_to is not None:
        return build_comment(escalation, policy)
    esc = escalation
    blocks: list[Block] = [Heading(1, clean_text(esc.title).strip() or "(untitled escalation)")]

    blocks.append(Heading(2, "Impact"))
    blocks.append(KeyValueList(tuple(_impact_items(esc, policy))))

    blocks.append(Heading(2, "Summary"))
    blocks.extend(_paragraphs(esc.summary))

    blocks.append(Heading(2, "Steps to reproduce"))
    steps = [clean_text(s).strip() for s in esc.steps]
    steps = [s for s in steps if s]
    if steps:
        blocks.append(OrderedList(tuple((Text(s),) for s in steps)))
    else:
        blocks.append(Paragraph((Text(MISSING),)))

    blocks.append(Heading(2, "Expected behaviour"))
    blocks.extend(_paragraphs(esc.expected))
    blocks.append(Heading(2, "Actual behaviour"))
    blocks.extend(_paragraphs(esc.actual))

    env = esc.environment
    blocks.append(Heading(2, "Environment"))
    urls: list[Inline] = []
    for url in (clean_text(u).strip() for u in env.urls):
        if url:
            if urls:
                urls.append(Text(", "))
            urls.append(link(url, url))
    blocks.append(
        KeyValueList(
            (
                ("URLs", tuple(urls) or (Text(MISSING),)),
                ("Browser / client", _or_missing(env.browser)),
                ("Region", _or_missing(env.region)),
            )
        )
    )
    errors = clean_text(env.error_messages).strip("\n")
    if errors.strip():
        blocks.append(Paragraph((Strong("Error messages:"),)))
        blocks.append(CodeBlock(errors))

    blocks.append(Heading(2, "Status checks"))
    if esc.checks:
        rows = tuple(
            (
                (Text(clean_text(_check_label(c))),),
                (Text(clean_text(c.target)),),
                (Strong(clean_text(status_label(c.status))),),
                (Text(clean_text(c.summary)),),
                (Text(_when(c.started_at)),),
            )
            for c in esc.checks
        )
        blocks.append(Table(("Check", "Target", "Status", "Summary", "Time"), rows))
    else:
        blocks.append(Paragraph((Text("No status checks were run."),)))

    blocks.append(Heading(2, "Attachments"))
    if esc.attachments:
        att_rows = tuple(
            (
                (Text(clean_text(a.filename)),),
                (Text(_size(a.size)),),
                (Code(clean_text(a.sha256)[:12]),),
            )
            for a in esc.attachments
        )
        blocks.append(Table(("Name", "Size", "SHA-256"), att_rows))
    else:
        blocks.append(Paragraph((Text("No attachments."),)))

    blocks.extend(_footer(esc, policy))
    return TicketDocument(tuple(blocks))


def build_comment(escalation: Escalation, policy: Policy) -> TicketDocument:
    """One more affected customer, as the comment on Ops' ticket (``escalation.add_to``):
    who they are and their impact; the ticket already holds the problem and its evidence.
    """
    esc = escalation
    cust = esc.customer
    who = clean_text(cust.name).strip() or MISSING
    blocks: list[Block] = [Heading(2, f"Another affected customer: {who}")]
    items: list[tuple[str, Runs]] = []
    if esc.title.strip():  # a whole escalation added to the ticket: what it was called
        items.append(("Reported as", (Text(clean_text(esc.title).strip()),)))
    if cust.account_id.strip():
        items.append(("Account", (Text(clean_text(cust.account_id).strip()),)))
    if cust.contact.strip():
        items.append(("Contact", (Text(clean_text(cust.contact).strip()),)))
    if cust.domain.strip():
        items.append(("Domain", (Text(clean_text(cust.domain).strip()),)))
    imp = esc.impact
    users = MISSING if imp.users_affected is None else str(imp.users_affected)
    items.append(("Users affected", (Text(users),)))
    items.append(("Business impact", _or_missing(imp.business_impact)))
    items.append(("Since", (Text(_when(imp.started_at)),)))
    blocks.append(KeyValueList(tuple(items)))
    note = esc.add_to.note if esc.add_to is not None else ""
    if note.strip():
        blocks.append(Paragraph((Strong("Note from support:"),)))
        blocks.extend(_paragraphs(note))
    if esc.attachments:
        att_rows = tuple(
            (
                (Text(clean_text(a.filename)),),
                (Text(_size(a.size)),),
                (Code(clean_text(a.sha256)[:12]),),
            )
            for a in esc.attachments
        )
        blocks.append(Table(("Name", "Size", "SHA-256"), att_rows))
    blocks.extend(_footer(esc, policy))
    return TicketDocument(tuple(blocks))


def _footer(esc: Escalation, policy: Policy) -> list[Block]:
    """The escalation's id and the policy it follows, so Ops can tell which rules it was
    filed under."""
    stamp = esc.policy or policy.stamp
    return [
        Rule(),
        Paragraph(
            (
                Text("Escalation "),
                Code(esc.short_id),
                Text(" ("),
                Code(str(esc.id)),
                Text(f") · {POLICY_LABEL} {clean_text(stamp.name)} "),
                Code(clean_text(stamp.version)),
                Text(" (sha256 "),
                Code(clean_text(stamp.sha256[:12]) or "unknown"),
                Text(f") · {FOOTER_TEXT}"),
            )
        ),
    ]
