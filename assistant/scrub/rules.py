"""What counts as a secret: names of secret fields, header names, token formats, Ops' additions.

Names are judged in two steps so that scanning stays fast: a broad trigger (a fragment of a
regular expression compiled into the scanner) finds every name that *may* be secret, and
``is_secret_name`` decides precisely, on the few names the trigger found.
"""

from __future__ import annotations

import re
from functools import cached_property, lru_cache

from pydantic import BaseModel, ConfigDict, Field, field_validator

# A name containing one of these anywhere is secret (``jsessionid``, ``X-Auth-Token``,
# ``client_secret``, ``SAMLResponse``). "auth" and "authorization" but not "author" or
# "authority" (a book's author is not a credential).
_STRONG = re.compile(
    r"token|secret|passw|passphrase|session|sessid|auth(?!or(?!i[sz]))|credential|saml|jwt|apikey"
    r"|api[_-]key|csrf|xsrf|signature|cookie|private[_-]?key"
)
# Words that are secret only as whole words of the name (``code`` in ``auth_code`` but not
# in ``zipcode``; ``key`` in ``api.key`` but not in ``monkey``) …
_WEAK_WORDS = frozenset({"key", "keys", "code", "sid", "sig", "pwd", "pass", "otp"})
# … and not when another word says what kind of key or code it is.
_NEUTRAL_WORDS = frozenset(
    {
        "status",
        "error",
        "http",
        "country",
        "language",
        "lang",
        "zip",
        "postal",
        "currency",
        "exit",
        "return",
        "sort",
        "primary",
        "foreign",
        "cache",
        "idempotency",
        "public",
        "region",
        "product",
        "promo",
        "color",
        "colour",
        "item",
        "post",
        "mode",
        "type",
        "response",
        "partition",
        "row",
    }
)
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")

#: The trigger fragment matching every name ``is_secret_name`` may accept (scanner syntax,
#: caseless): identifier characters around one of the secret stems.
NAME_TRIGGER = (
    r"[A-Za-z0-9_.\-]*(?:token|secret|passw|session|sessid|auth|credential|saml|jwt|csrf|xsrf"
    r"|signature|cookie|key|code|sid|sig|pwd|pass|otp)[A-Za-z0-9_.\-]*"
)

#: Header names whose whole value is a credential, by the kind they are reported as.
AUTHORIZATION_HEADERS = frozenset({"authorization", "proxy-authorization"})
COOKIE_HEADERS = frozenset({"cookie", "set-cookie"})


@lru_cache(maxsize=4096)
def is_secret_name(name: str, extra: frozenset[str] = frozenset()) -> bool:
    """Whether a header, parameter or field of this name carries a secret (names repeat in a
    file — every request has its ``Cookie`` — hence the cache)."""
    lowered = name.strip().lower()
    if not lowered:
        return False
    if lowered in extra or _STRONG.search(lowered):
        return True
    words = [w.lower() for w in _WORDS.findall(name)]
    return any(w in _WEAK_WORDS for w in words) and not any(w in _NEUTRAL_WORDS for w in words)


def header_kind(name: str) -> str:
    """The report kind of a secret header."""
    lowered = name.strip().lower()
    if lowered in AUTHORIZATION_HEADERS:
        return "authorization"
    if lowered in COOKIE_HEADERS:
        return "cookie"
    return "api_key_header"


class PolicyPattern(BaseModel):
    """A pattern Ops adds: what it matches is redacted (its ``value`` group only, if any)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    pattern: str

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from exc
        if re.compile(value).search(""):
            raise ValueError("the pattern matches the empty string")
        return value


class ScrubTable(BaseModel):
    """The optional ``[scrub]`` table of the Ops policy: names and patterns to add."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: extra header / parameter / field names whose values are secret (case-insensitive)
    names: list[str] = Field(default_factory=list)
    #: extra value patterns (Python regular expressions)
    patterns: list[PolicyPattern] = Field(default_factory=list)


class ScrubRules:
    """The built-in rules plus what Ops' policy adds (immutable, hashable by content)."""

    def __init__(self, table: ScrubTable | None = None) -> None:
        self.table = table or ScrubTable()
        self.extra_names = frozenset(n.strip().lower() for n in self.table.names if n.strip())

    def is_secret_name(self, name: str) -> bool:
        return is_secret_name(name, self.extra_names)

    @cached_property
    def name_trigger(self) -> str:
        """The scanner fragment for names, with Ops' names as literal alternatives."""
        if not self.extra_names:
            return NAME_TRIGGER
        extra = "|".join(re.escape(n) for n in sorted(self.extra_names))
        return f"(?:{NAME_TRIGGER}|{extra})"

    @cached_property
    def patterns(self) -> list[tuple[str, re.Pattern[bytes]]]:
        return [(p.name, re.compile(p.pattern.encode("utf-8"))) for p in self.table.patterns]

    @property
    def key(self) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
        return (
            tuple(sorted(self.extra_names)),
            tuple((p.name, p.pattern) for p in self.table.patterns),
        )


DEFAULT_RULES = ScrubRules()
