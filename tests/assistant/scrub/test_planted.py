"""Recall and look-alikes on the planted corpus (vendors' documented formats, synthetic
values), per file type — on the tuning corpus and on the held-out ones — and side by side
with detect-secrets."""

from __future__ import annotations

import pytest

from tests.assistant.scrub.measure import FILE_TYPES, Result, measure_app, measure_detect_secrets
from tests.assistant.scrub.planted import (
    HELD_OUT_SEED,
    KINDS,
    SEALED_SEED,
    TUNING_SEED,
    Corpus,
    build,
)

MIN_RECALL = 0.97
MAX_LOOKALIKES = 0.10

_corpora: dict[str, Corpus] = {}
_results: dict[str, Result] = {}


def _corpus(which: str) -> Corpus:
    if which not in _corpora:
        seed, held_out = {
            "tuning": (TUNING_SEED, False),
            "held-out": (HELD_OUT_SEED, True),
            "sealed": (SEALED_SEED, True),
        }[which]
        _corpora[which] = build(seed, held_out)
    return _corpora[which]


def _explain(result: Result) -> str:
    missed = [f"{p.file} {p.placement} {p.kind}: {p.value[:40]}" for p in result.missed[:20]]
    touched = [f"{p.file} {p.placement} {p.kind}: {p.value[:40]}" for p in result.touched[:20]]
    return "missed: " + "; ".join(missed) + " | look-alikes redacted: " + "; ".join(touched)


@pytest.mark.parametrize("which", ["tuning", "held-out", "sealed"])
@pytest.mark.parametrize("file_type", sorted(set(FILE_TYPES.values())))
def test_recall_and_lookalikes_per_file_type(which: str, file_type: str) -> None:
    if which not in _results:
        _results[which] = measure_app(_corpus(which))
    result = _results[which]
    recall = result.recall[f"type {file_type}"]
    lookalikes = result.lookalike[f"type {file_type}"]
    assert recall.planted > 300 and lookalikes.planted > 25
    assert recall.rate >= MIN_RECALL, _explain(result)
    assert lookalikes.rate <= MAX_LOOKALIKES, _explain(result)


def test_the_corpus_covers_sixty_kinds_in_labelled_and_unlabelled_places() -> None:
    corpus = _corpus("tuning")
    kinds = {p.kind for p in corpus.planted if p.secret}
    assert len(kinds) == len(KINDS) >= 60
    placements = {p.placement for p in corpus.planted if p.secret}
    assert {
        "header",
        "cookie",
        "query",
        "json",
        "free-text",
        "html-hidden-input",
        "inline-script",
        "curl",
        "json-neutral",
        "query-neutral",
    } <= placements
    assert any(not p.labelled for p in corpus.planted)


def test_the_app_finds_half_again_as_many_as_detect_secrets() -> None:
    """On the held-out log and JSON export (detect-secrets takes minutes over the HAR's long
    lines; ``make bench`` compares all three files)."""
    full = _corpus("held-out")
    corpus = Corpus(
        files={k: v for k, v in full.files.items() if k != "session.har"},
        planted=[p for p in full.planted if p.file != "session.har"],
    )
    app = measure_app(corpus).recall["all"]
    theirs = measure_detect_secrets(corpus).recall["all"]
    assert app.caught >= 1.5 * theirs.caught, (str(app), str(theirs))
