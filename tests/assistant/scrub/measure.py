"""Recall and look-alike redaction of the scrubber — and of detect-secrets — on the planted
corpus (``planted``), per file type and per placement. Used by ``test_planted`` and by
``benchmarks/bench_scrub_recall.py`` (``make bench``)."""

from __future__ import annotations

import functools
import json
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from assistant.scrub import scrub_bytes
from tests.assistant.scrub.planted import Corpus, Planted

FILE_TYPES = {"session.har": "HAR", "service.log": "log", "export.json": "JSON"}


@functools.cache
def _forms(value: str) -> tuple[str, ...]:
    """How a value may be written in a file: as is, JSON-escaped, URL-encoded."""
    escaped = json.dumps(value)[1:-1]
    forms = {value, escaped, quote(value, safe=""), quote(value, safe="/")}
    return tuple(f for f in forms if f)


def survives(value: str, out: str) -> bool:
    """Whether any of a value is left in ``out``: the whole of it, or its last 8 characters
    (a value cut short), or — for a PEM body — any of its lines."""
    for form in _forms(value):
        if form in out:
            return True
    if len(value) >= 16:
        tail = value[-8:]
        if any(f in out for f in _forms(tail)):
            return True
    if "\n" in value:
        return any(line in out for line in value.splitlines() if len(line) >= 16)
    return False


@dataclass
class Tally:
    planted: int = 0
    caught: int = 0

    @property
    def rate(self) -> float:
        return self.caught / self.planted if self.planted else 0.0

    def __str__(self) -> str:
        return f"{self.caught}/{self.planted} ({self.rate:.1%})"


@dataclass
class Result:
    """Secrets caught and look-alikes redacted, by file type and by placement."""

    recall: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    lookalike: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    missed: list[Planted] = field(default_factory=list)
    touched: list[Planted] = field(default_factory=list)

    def add(self, p: Planted, hit: bool) -> None:
        kind = FILE_TYPES[p.file]
        keys = ["all", f"type {kind}", f"placement {p.placement}"]
        keys.append("labelled" if p.labelled else "unlabelled")
        table = self.recall if p.secret else self.lookalike
        for key in keys:
            table[key].planted += 1
            table[key].caught += hit
        if p.secret and not hit:
            self.missed.append(p)
        if not p.secret and hit:
            self.touched.append(p)


def measure_app(corpus: Corpus) -> Result:
    result = Result()
    outputs = {}
    for name, text in corpus.files.items():
        out, _report = scrub_bytes(text.encode("utf-8"), name)
        outputs[name] = out.decode("utf-8")
    for p in corpus.planted:
        result.add(p, not survives(p.value, outputs[p.file]))
    return result


def measure_detect_secrets(corpus: Corpus) -> Result:
    """detect-secrets' default plugins and filters on the same files. A planted value counts
    as found when detect-secrets reports anything on a line that holds it (generous: its
    reports name a line, and some only a part of the token)."""
    from detect_secrets import SecretsCollection
    from detect_secrets.settings import default_settings

    result = Result()
    with tempfile.TemporaryDirectory(prefix="detect-secrets-") as tmp:
        flagged: dict[str, set[int]] = {}
        lines: dict[str, list[str]] = {}
        for name, text in corpus.files.items():
            path = Path(tmp) / name
            path.write_text(text, encoding="utf-8")
            secrets = SecretsCollection()
            with default_settings():
                secrets.scan_file(str(path))
            flagged[name] = {s.line_number for found in secrets.data.values() for s in found}
            lines[name] = text.splitlines()
    for p in corpus.planted:
        forms = _forms(p.value.splitlines()[0] if "\n" in p.value else p.value)
        numbers = {i + 1 for i, line in enumerate(lines[p.file]) if any(f in line for f in forms)}
        result.add(p, bool(numbers & flagged[p.file]))
    return result


def table(result: Result) -> list[str]:
    rows = []
    keys = sorted(set(result.recall) | set(result.lookalike))
    for key in keys:
        recall = result.recall.get(key)
        fp = result.lookalike.get(key)
        shown = str(recall) if recall else "-"
        shown_fp = str(fp) if fp else "-"
        rows.append(f"  {key:32} recall {shown:>18}   look-alikes redacted {shown_fp:>14}")
    return rows
