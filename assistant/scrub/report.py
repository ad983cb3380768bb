"""What a scrub found: counts per kind, the distinct values (by hash, never the value)."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.scrub.formats import FORMAT_KINDS

#: What replaces a secret in the scrubbed copy (valid inside JSON strings, URLs and text).
REPLACEMENT = b"[REDACTED]"

#: Report kinds: id -> (one, several), as the review page and the command line say them.
KINDS: dict[str, tuple[str, str]] = {
    "authorization": ("authorization header", "authorization headers"),
    "cookie": ("cookie", "cookies"),
    "api_key_header": ("API key header", "API key headers"),
    "url_token": ("token in a URL", "tokens in URLs"),
    "field": ("secret field", "secret fields"),
    "jwt": ("JWT", "JWTs"),
    "bearer": ("bearer token", "bearer tokens"),
    "basic_auth": ("basic-auth credential", "basic-auth credentials"),
    "aws_key": ("AWS key", "AWS keys"),
    "github_token": ("GitHub token", "GitHub tokens"),
    "gitlab_token": ("GitLab token", "GitLab tokens"),
    "slack_token": ("Slack token", "Slack tokens"),
    "google_api_key": ("Google API key", "Google API keys"),
    "stripe_key": ("Stripe key", "Stripe keys"),
    "private_key": ("private key", "private keys"),
    "policy_pattern": ("value matching Ops' patterns", "values matching Ops' patterns"),
    "uri_credentials": ("password in a URI", "passwords in URIs"),
    "high_entropy": ("random-looking secret", "random-looking secrets"),
    **FORMAT_KINDS,
}

#: At most this many distinct values are listed (each can be marked safe); the rest are
#: counted. A HAR of a long session holds thousands of distinct session values, and the
#: list is part of the escalation document every autosave writes.
MAX_LISTED_VALUES = 100


def kind_label(kind: str, count: int) -> str:
    one, several = KINDS.get(kind, (kind, kind))
    return f"{count} {one if count == 1 else several}"


def value_hash(value: bytes, salt: str) -> str:
    """The hash an allow-list stores for a value (salted, so equal values in other files or
    escalations do not share a hash)."""
    return value_hasher(salt)(value)


def value_hasher(salt: str) -> Callable[[bytes | memoryview], str]:
    """``value_hash`` with this salt, for many values (the salted state is computed once)."""
    salted = hashlib.sha256(salt.encode("utf-8") + b"\0")

    def digest(value: bytes | memoryview) -> str:
        h = salted.copy()
        h.update(value)
        return h.hexdigest()[:32]

    return digest


@dataclass
class RedactedValue:
    """One distinct redacted value: where it was first seen, how often, how long."""

    kind: str
    where: str
    value_hash: str
    length: int
    count: int = 1
    #: the id of the rule that found it (``formats.RULE_IDS``)
    rule: str = ""


@dataclass
class ScrubReport:
    """What one scrub did. ``needs_confirmation``: the file could not be scrubbed (an image
    or another binary file) and a person must confirm it shows no secret."""

    filename: str
    scrubber: str
    counts: Counter[str] = field(default_factory=Counter)
    values: list[RedactedValue] = field(default_factory=list)
    more_values: int = 0
    kept: int = 0
    needs_confirmation: bool = False
    size_in: int = 0
    size_out: int = 0
    #: each distinct value seen, by Python's hash of it (a keyed hash, cheap; sha256 only
    #: for the listed ones) -> its listed entry, None when only counted
    _index: dict[int, RedactedValue | None] = field(default_factory=dict, repr=False)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def add(
        self,
        kind: str,
        value: bytes,
        where: str | None,
        hasher: Callable[[bytes | memoryview], str],
        rule: str = "",
    ) -> None:
        """Count one redacted value (``hasher``: ``value_hasher`` of the scrub's salt)."""
        self.counts[kind] += 1
        key = hash(value)
        if key in self._index:
            listed = self._index[key]
            if listed is not None:
                listed.count += 1
            return
        if len(self.values) >= MAX_LISTED_VALUES:
            self.more_values += 1
            self._index[key] = None  # counted, not listed
            return
        entry = RedactedValue(kind, where or "", hasher(value), len(value), rule=rule)
        self._index[key] = entry
        self.values.append(entry)

    def summary(self) -> str:
        """``checkout.har: 14 values — 6 cookies, 5 authorization headers, 3 tokens in URLs``."""
        if self.needs_confirmation:
            return f"{self.filename}: cannot be scrubbed — check that it shows no secret"
        total = self.total
        kept = f" ({self.kept} kept as safe)" if self.kept else ""
        if not total:
            return f"{self.filename}: nothing to redact{kept}"
        parts = ", ".join(kind_label(k, n) for k, n in self.counts.most_common())
        noun = "value" if total == 1 else "values"
        return f"{self.filename}: {total} {noun} redacted — {parts}{kept}"
