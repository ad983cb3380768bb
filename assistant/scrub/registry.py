"""The one list of scrubbers: file type id -> function that scrubs that type."""

from __future__ import annotations

from typing import Protocol

from assistant.scrub.binary import keep_binary
from assistant.scrub.engine import Progress, Reader, Writer
from assistant.scrub.har import scrub_har
from assistant.scrub.jsondoc import scrub_json
from assistant.scrub.report import ScrubReport
from assistant.scrub.rules import ScrubRules
from assistant.scrub.text import scrub_text
from checks.plugins import Plugin, Registry


class ScrubFunction(Protocol):
    def __call__(
        self,
        src: Reader,
        dst: Writer,
        report: ScrubReport,
        *,
        rules: ScrubRules,
        allowed: frozenset[str],
        salt: str,
        total: int,
        progress: Progress | None,
    ) -> None: ...


SCRUBBERS: Registry[ScrubFunction] = Registry(
    "scrubber",
    (
        Plugin("har", "HAR (browser network export)", scrub_har, {"extensions": (".har",)}),
        Plugin("json", "JSON", scrub_json, {"extensions": (".json", ".geojson")}),
        Plugin(
            "text",
            "Text and logs",
            scrub_text,
            {"extensions": (".log", ".txt", ".csv", ".xml", ".yaml", ".yml", ".ini", ".jsonl")},
        ),
        Plugin(
            "binary",
            "Image or other binary file (cannot be scrubbed)",
            keep_binary,
            {"extensions": (".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".pdf", ".zip")},
        ),
    ),
)
