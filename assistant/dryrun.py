"""``submit --dry-run`` and the review page's "Show request": what would be sent, unsent.

The adapters have no dry-run mode of their own, so each tracker type's create request is
described here, from the same ``build_ticket`` the outbox uses (the title, priority,
labels, the description in the tracker's markup, the scrubbed attachments). Headers come
from the adapter's own HTTP session prepared for the request, with every credential masked;
nothing is sent and no token is read from the keyring. Where a value only exists once the
tracker answered (an upload token, the new issue's key) the request says so in ``<…>``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from assistant.model import Escalation
from assistant.policy.schema import Policy
from assistant.required_fields import cached_fields, fields_scope
from assistant.scrub.rules import is_secret_name
from assistant.settings import TrackerSettings
from assistant.store import Store
from assistant.store.attachments import report_of
from assistant.ticket_mapping import build_ticket
from assistant.trackers.base import Attachment, NewTicket, Tracker, TrackerRejected
from assistant.trackers.registry import TRACKERS, make_tracker
from checks.plugins import Plugin, Registry

#: what stands in for the token while the adapter is built (never sent, always masked)
PLACEHOLDER_TOKEN = "dry-run-token-not-sent"
MASK = "•••• (credential, not shown)"


@dataclass(frozen=True)
class Planned:
    """A request a shape plans: a path (or a full URL), a JSON body, raw bytes of a file,
    or a multipart upload of a file."""

    method: str
    path: str
    json_body: Any = None
    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    raw_file: Attachment | None = None
    multipart_file: Attachment | None = None
    note: str = ""


@dataclass(frozen=True)
class RequestPreview:
    method: str
    url: str
    headers: dict[str, str]
    body: str
    note: str = ""


@dataclass(frozen=True)
class DryRun:
    tracker: str
    requests: list[RequestPreview]
    attachments: list[str]

    def as_text(self) -> str:
        lines = [f"Dry run — nothing is sent. Tracker: {self.tracker}", ""]
        for i, req in enumerate(self.requests, 1):
            lines.append(f"[{i}] {req.method} {req.url}")
            if req.note:
                lines.append(f"    ({req.note})")
            lines.extend(f"{name}: {value}" for name, value in req.headers.items())
            lines.append("")
            lines.append(req.body)
            lines.append("")
        lines.append("Attachments (the scrubbed copies are what is uploaded):")
        lines.extend(f"  {line}" for line in self.attachments or ["(none)"])
        return "\n".join(lines) + "\n"


def _file_body(att: Attachment, how: str) -> str:
    return f"<{how}: {att.size} bytes, the scrubbed copy of {att.filename} ({att.content_type})>"


def _masked(headers: dict[str, str]) -> dict[str, str]:
    shown: dict[str, str] = {}
    for name, value in headers.items():
        secret = is_secret_name(name) or PLACEHOLDER_TOKEN in value
        shown[name] = MASK if secret else value
    return shown


# -- the create request of each tracker type ------------------------------------------------

Shape = Callable[[Any, NewTicket, "str | dict[str, object]"], list[Planned]]


def _redmine(
    tracker: Any, ticket: NewTicket, description: str | dict[str, object]
) -> list[Planned]:
    from assistant.trackers.redmine import custom_field_values, with_marker

    mapping = tracker.mapping
    planned = [
        Planned(
            "POST",
            "/uploads.json",
            params={"filename": a.filename},
            headers={"Content-Type": "application/octet-stream"},
            raw_file=a,
        )
        for a in ticket.attachments
    ]
    issue: dict[str, Any] = {
        "project_id": tracker.project,
        "tracker_id": mapping.tracker_id,
        "subject": ticket.title,
        "description": with_marker(str(description), ticket.idempotency_key),
        "priority_id": mapping.priority_ids.get(ticket.priority_id),
    }
    custom = custom_field_values(ticket)
    if mapping.idempotency_field:
        field_id = f"<id of the custom field {mapping.idempotency_field!r}, looked up>"
        custom.insert(0, {"id": field_id, "value": ticket.idempotency_key})
    if custom:
        issue["custom_fields"] = custom
    if ticket.attachments:
        issue["uploads"] = [
            {
                "token": f"<token of upload {i}>",
                "filename": a.filename,
                "content_type": a.content_type,
            }
            for i, a in enumerate(ticket.attachments, 1)
        ]
    planned.append(Planned("POST", "/issues.json", json_body={"issue": issue}))
    return planned


def _jira(tracker: Any, ticket: NewTicket, description: str | dict[str, object]) -> list[Planned]:
    from assistant.trackers.jira import _labels

    mapping = tracker.mapping
    fields = {
        "project": {"key": tracker.project_key},
        "issuetype": {"name": mapping.issue_type},
        "summary": ticket.title,
        "description": tracker.document(description),
        "priority": {"name": mapping.priority_names.get(ticket.priority_id)},
        "labels": _labels([*mapping.labels, *ticket.labels, ticket.idempotency_key]),
        **tracker.extra_fields(ticket),
    }
    planned = [Planned("POST", f"{tracker.api}/issue", json_body={"fields": fields})]
    planned.extend(
        Planned(
            "POST",
            f"{tracker.api}/issue/<new issue key>/attachments",
            headers={"X-Atlassian-Token": "no-check"},
            multipart_file=a,
        )
        for a in ticket.attachments
    )
    return planned


def _github(tracker: Any, ticket: NewTicket, description: str | dict[str, object]) -> list[Planned]:
    from assistant.trackers.github import form_sections

    body, notes = tracker._body(
        form_sections(ticket) + str(description), ticket.attachments, ticket.idempotency_key
    )
    mapping = tracker.mapping
    labels = list(
        dict.fromkeys(
            [*mapping.labels, mapping.priority_labels.get(ticket.priority_id), *ticket.labels]
        )
    )
    json_body = {"title": ticket.title, "body": body, "labels": [x for x in labels if x]}
    note = " ".join(notes) if notes else "GitHub has no attachment API: files are inlined or listed"
    return [Planned("POST", f"{tracker.repo_path}/issues", json_body=json_body, note=note)]


def _gitlab(tracker: Any, ticket: NewTicket, description: str | dict[str, object]) -> list[Planned]:
    mapping = tracker.mapping
    planned = [
        Planned("POST", f"{tracker.project_path}/uploads", multipart_file=a)
        for a in ticket.attachments
    ]
    body = str(description).rstrip()
    if ticket.attachments:
        links = [f"- <Markdown link of upload {i}>" for i in range(1, len(ticket.attachments) + 1)]
        body += "\n\n### Attachments\n\n" + "\n".join(links)
    labels = [
        *mapping.labels,
        mapping.priority_labels.get(ticket.priority_id),
        *ticket.labels,
        ticket.idempotency_key,
    ]
    json_body = {
        "title": ticket.title,
        "description": body,
        "labels": ",".join(dict.fromkeys(x for x in labels if x)),
    }
    planned.append(Planned("POST", f"{tracker.project_path}/issues", json_body=json_body))
    return planned


def _webhook(
    tracker: Any, ticket: NewTicket, description: str | dict[str, object]
) -> list[Planned]:
    from assistant.trackers.webhook import EVENT_HEADER, SCHEMA_VERSION, SIGNATURE_HEADER

    payload = {
        "event": "escalation",
        "schema": SCHEMA_VERSION,
        "idempotency_key": ticket.idempotency_key,
        "title": ticket.title,
        "priority": ticket.priority_id,
        "labels": ticket.labels,
        "customer": ticket.customer,
        "component": ticket.component,
        "markup": tracker.markup,
        "description": description,
        "attachments": [
            {
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "content_base64": f"<{a.size} bytes of the scrubbed copy, base64>",
            }
            for a in ticket.attachments
        ],
    }
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: "<HMAC of the body>",
        EVENT_HEADER: "escalation",
        "Idempotency-Key": ticket.idempotency_key,
    }
    return [Planned("POST", tracker.url, json_body=payload, headers=headers)]


#: The create request of each tracker type, by the type's one id (as in the settings).
SHAPES: Registry[Shape] = Registry(
    "request shape",
    (
        Plugin("redmine", "Redmine", _redmine),
        Plugin("jira-cloud", "Jira Cloud", _jira),
        Plugin("jira-dc", "Jira Data Center / Server", _jira),
        Plugin("github", "GitHub Issues", _github),
        Plugin("gitlab", "GitLab Issues", _gitlab),
        Plugin("webhook", "JSON webhook", _webhook),
    ),
)


def _preview(tracker: Tracker, plan: Planned) -> RequestPreview:
    http = tracker.http  # type: ignore[attr-defined]
    url = plan.path if "://" in plan.path else f"{http.base_url}{plan.path}"
    body: str
    data: bytes | None = None
    if plan.json_body is not None:
        text = json.dumps(plan.json_body, ensure_ascii=False, indent=2)
        data, body = text.encode("utf-8"), text
    elif plan.raw_file is not None:
        body = _file_body(plan.raw_file, "file body")
    elif plan.multipart_file is not None:
        body = _file_body(plan.multipart_file, "multipart/form-data, field 'file'")
    else:
        body = "(no body)"
    headers = dict(plan.headers)
    if plan.json_body is not None:
        headers.setdefault("Content-Type", "application/json")
    # The adapter's own session adds what it always sends (auth, Accept, User-Agent).
    prepared = http._session.prepare_request(
        requests.Request(plan.method, url, params=plan.params, headers=headers, data=data)
    )
    shown = {k: v for k, v in prepared.headers.items() if k.lower() != "content-length"}
    if plan.multipart_file is not None:
        shown["Content-Type"] = "multipart/form-data; boundary=<chosen when sending>"
    return RequestPreview(plan.method, str(prepared.url), _masked(shown), body, plan.note)


def dry_run(
    escalation: Escalation, policy: Policy, settings: TrackerSettings, store: Store
) -> DryRun:
    """What submitting ``escalation`` to the configured tracker would send (nothing is)."""
    if not settings.type:
        raise TrackerRejected(
            "No Ops tracker is set up yet: open Settings (or run `tracker configure`)."
        )
    tracker = make_tracker(settings, PLACEHOLDER_TOKEN, policy)
    if escalation.add_to is not None:
        try:
            return _comment_dry_run(escalation, policy, settings, tracker)
        finally:
            tracker.close()
    # The tracker's own required fields as the outbox will send them (the cached list).
    cached = cached_fields(store, fields_scope(settings, policy))
    try:
        ticket, description = build_ticket(escalation, policy, store, tracker.markup, cached)
        plans = SHAPES.require(settings.type).build(tracker, ticket, description)
        previews = [_preview(tracker, p) for p in plans]
    finally:
        tracker.close()
    title = TRACKERS.title(settings.type)
    return DryRun(
        tracker=f"{title} at {settings.url or '(its default URL)'}",
        requests=previews,
        attachments=[report_of(a) for a in escalation.attachments],
    )


def _comment_dry_run(
    escalation: Escalation, policy: Policy, settings: TrackerSettings, tracker: Tracker
) -> DryRun:
    """A draft that adds the customer to Ops' ticket sends a comment there, never a new
    ticket: the preview says so and shows the comment as it is sent."""
    from assistant.ticket_mapping import comment_body

    target = escalation.add_to
    assert target is not None
    body = comment_body(escalation, policy, tracker.markup)
    text = body if isinstance(body, str) else json.dumps(body, indent=2, ensure_ascii=False)
    preview = RequestPreview(
        method="COMMENT ON",
        url=f"{target.key} {target.url}".strip(),
        headers={},
        body=text,
        note="the tracker's add-comment request on Ops' ticket; no new ticket is made",
    )
    return DryRun(
        tracker=f"{TRACKERS.title(settings.type)} at {settings.url or '(its default URL)'}",
        requests=[preview],
        attachments=[report_of(a) for a in escalation.attachments],
    )


__all__ = ["SHAPES", "DryRun", "RequestPreview", "dry_run"]
