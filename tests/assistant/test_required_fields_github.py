"""GitHub issue forms as the tracker's own required fields (issue 14), on the fake server.

The repository's form ``.github/ISSUE_TEMPLATE/escalation.yml`` (the ``issue_form``
tracker option) has required and optional items; the required input and dropdown are
asked, and their answers open the issue body as the form's ``### Label`` sections.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.cli.main import main
from assistant.credentials import TOKEN_ENV
from assistant.paths import resolve_paths
from assistant.policy import default_policy
from assistant.settings import TrackerSettings
from assistant.store import Store
from assistant.trackers.fields import FieldKind
from assistant.trackers.registry import make_tracker
from tests.assistant.fake_tracker import complete_escalation
from tests.fault_tracker import REPO, FaultTracker

TOKEN = "github-forms-t0ken"
FORM = """\
name: Escalation
description: An escalation from support
labels: [escalation]
body:
  - type: markdown
    attributes:
      value: "Thanks for escalating."
  - type: dropdown
    id: region
    attributes:
      label: Affected region
      options:
        - Europe
        - United States
    validations:
      required: true
  - type: input
    id: account
    attributes:
      label: Customer account
      description: The account id in the billing system
    validations:
      required: true
  - type: textarea
    id: logs
    attributes:
      label: Logs
    validations:
      required: false
  - type: checkboxes
    id: terms
    attributes:
      label: Checklist
      options:
        - label: I searched for an open issue
          required: true
"""


@pytest.fixture
def server() -> Iterator[FaultTracker]:
    made = FaultTracker("github")
    made.issue_forms = {"escalation.yml": FORM}
    yield made
    made.close()


def _settings(server: FaultTracker, form: str = "escalation") -> TrackerSettings:
    return TrackerSettings(
        type="github", url=server.url, project=REPO, options={"issue_form": form}
    )


def test_required_items_of_the_form_are_the_fields(server: FaultTracker) -> None:
    with make_tracker(_settings(server), TOKEN, default_policy()) as tracker:
        answer = tracker.required_fields()
    assert [(f.id, f.name, f.kind) for f in answer.fields] == [
        ("region", "Affected region", FieldKind.CHOICE),
        ("account", "Customer account", FieldKind.TEXT),
    ]
    assert [c.label for c in answer.fields[0].choices] == ["Europe", "United States"]
    assert answer.where == f"{REPO} (Escalation)"
    assert "not check issues created through its API" in answer.note
    assert "Required checkboxes are not asked: Checklist" in answer.note
    with make_tracker(_settings(server, ""), TOKEN, default_policy()) as tracker:
        assert tracker.required_fields().fields == ()  # no form chosen: nothing asked


def test_an_optional_item_the_policy_maps_is_sent_not_asked(server: FaultTracker) -> None:
    from assistant.required_fields import asked_fields, field_values

    policy = default_policy()
    github = policy.trackers.github
    assert github is not None
    mapped = github.model_copy(update={"fields": {"logs": "summary"}})  # by the item's id
    policy = policy.model_copy(
        update={"trackers": policy.trackers.model_copy(update={"github": mapped})}
    )
    with make_tracker(_settings(server), TOKEN, policy) as tracker:
        answer = tracker.required_fields()
    assert [(f.id, f.required) for f in answer.fields] == [
        ("region", True),
        ("account", True),
        ("logs", False),
    ]
    assert [f.id for f in asked_fields(answer, policy, "github")] == ["region", "account"]
    esc = complete_escalation("GitHub: a mapped optional item")
    assert field_values(esc, policy, "github", answer)["logs"] == esc.summary


def test_the_answers_open_the_body_as_the_forms_sections(
    server: FaultTracker,
    app_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    paths = resolve_paths(app_home).ensure()
    configure = ["tracker", "configure", "--type", "github", "--url", server.url]
    assert main([*configure, "--project", REPO, "--option", "issue_form"]) == 2
    assert "--option takes NAME=VALUE" in capsys.readouterr().err
    assert main([*configure, "--project", REPO, "--option", "issue_form=escalation"]) == 0
    store = Store(paths)
    try:
        eid = str(store.create(complete_escalation("GitHub: form fields")).id)
    finally:
        store.close()
    assert main(["tracker", "test"]) == 0
    assert "Affected region (one of: Europe, United States)" in capsys.readouterr().out
    assert main(["submit", eid]) == 2
    assert "Customer account (the tracker requires it)" in capsys.readouterr().err
    assert main(["drafts", "set-field", eid, "region", "united states"]) == 0
    assert main(["drafts", "set-field", eid, "Customer account", "AC-1"]) == 0
    assert main(["submit", eid]) == 0
    capsys.readouterr()
    [create] = [s for s in server.seen if s.method == "POST" and s.path.endswith("/issues")]
    body = json.loads(create.body)["body"]
    assert body.startswith(
        "### Affected region\n\nUnited States\n\n### Customer account\n\nAC-1\n\n"
    )
    assert "Users get HTTP 500 on login." in body
