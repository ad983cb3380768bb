"""Every planted secret of the corpus is redacted; what is not secret survives."""

from __future__ import annotations

import json

import pytest

from assistant.scrub import scrub_bytes
from tests.assistant.scrub.corpus import CASES, Case


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.filename)
def test_corpus_file_loses_every_secret_and_keeps_the_rest(case: Case) -> None:
    out, report = scrub_bytes(case.path.read_bytes(), case.filename)
    text = out.decode("utf-8")
    survived = [s for s in case.secrets if s in text]
    assert survived == [], f"{case.filename}: secrets survived scrubbing"
    lost = [k for k in case.keep if k not in text]
    assert lost == [], f"{case.filename}: not-secret text was redacted"
    assert dict(report.counts) == case.counts
    assert report.total == sum(case.counts.values())
    assert not report.needs_confirmation


@pytest.mark.parametrize("case", [c for c in CASES if c.filename.endswith((".har", ".json"))])
def test_scrubbed_json_is_still_json(case: Case) -> None:
    out, _report = scrub_bytes(case.path.read_bytes(), case.filename)
    json.loads(out)


def test_the_har_report_reads_like_the_review_page() -> None:
    case = CASES[0]
    _out, report = scrub_bytes(case.path.read_bytes(), case.filename)
    assert report.summary() == (
        "login-flow.har: 22 values redacted — 8 cookies, 6 secret fields, 4 tokens in URLs, "
        "2 authorization headers, 1 API key header, 1 JWT"
    )
    wheres = {v.where for v in report.values}
    assert {"header Authorization", "header Cookie", "URL parameter code"} <= wheres
    assert "form field password" in wheres
