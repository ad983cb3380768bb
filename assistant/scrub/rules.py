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
# ``client_secret``, ``SAMLResponse``, Okta's ``stateHandle``) — unless the name's last word
# says it only *mentions* one (below). "auth" and "authorization" but not "author" or
# "authority" (a book's author is not a credential).
_STRONG = re.compile(
    r"token|secret|passw|passphrase|passcode|session|sessid|auth(?!or(?!i[sz]))|credential"
    r"|saml|jwt|apikey|api[_-]key|accesskey|secretkey|privatekey|csrf|xsrf|signature|cookie"
    r"|private[_-]?key|statehandle"
)
# Words that are secret only as whole words of the name (``code`` in ``auth_code`` but not
# in ``zipcode``; ``key`` in ``api.key`` but not in ``monkey``) …
_WEAK_WORDS = frozenset({"key", "keys", "code", "sid", "sig", "pwd", "pass", "otp", "pin"})
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
        "schema",
        "object",
        "routing",
        "lookup",
        "dedup",
        "dedupe",
        "translation",
        "message",
        "map",
        "hot",
        "short",
        "group",
        "index",
        "unique",
        "composite",
        "natural",
        "surrogate",
        "i18n",
        "l10n",
        "locale",
        "event",
        "metric",
        "label",
        "tag",
        "shortcut",
        "keyboard",
        "hash",
        "bucket",
        "s3",
        "kms",
        "vault",
    }
)
# The last word of a name says what its value is. These say the value only *mentions* a
# secret: its name (``LLM_SECRET_NAME``, ``key_name``), its id (``kms_key_id``,
# ``credentialId``, ``UserSecretsId``), where it is (``access_token_url``, ``key_vault_uri``),
# when it expires, how long it is, what kind it is (``token_type``: "Bearer") …
MENTION_WORDS = frozenset(
    {
        "name",
        "names",
        "id",
        "ids",
        "url",
        "urls",
        "uri",
        "uris",
        "endpoint",
        "endpoints",
        "host",
        "hostname",
        "domain",
        "path",
        "paths",
        "file",
        "filename",
        "dir",
        "directory",
        "type",
        "types",
        "kind",
        "length",
        "len",
        "size",
        "count",
        "expiry",
        "expires",
        "expiration",
        "expired",
        "exp",
        "ttl",
        "lifetime",
        "timeout",
        "age",
        "at",
        "in",
        "on",
        "date",
        "time",
        "timestamp",
        "created",
        "updated",
        "version",
        "format",
        "prefix",
        "suffix",
        "label",
        "labels",
        "description",
        "desc",
        "hint",
        "hints",
        "scope",
        "scopes",
        "method",
        "methods",
        "algorithm",
        "alg",
        "mode",
        "provider",
        "providers",
        "header",
        "headers",
        "field",
        "fields",
        "param",
        "params",
        "enabled",
        "disabled",
        "enable",
        "required",
        "rotation",
        "policy",
        "policies",
        "location",
        "region",
        "arn",
        "ref",
        "refs",
        "reference",
        "result",
        "results",
        "status",
        "state",
        "usage",
        "used",
        "store",
        "storage",
        "manager",
        "service",
        "validator",
        "validation",
        "handler",
        "generator",
        "factory",
        "class",
        "regex",
        "pattern",
        "template",
        "placeholder",
        "env",
        "var",
        "variable",
        "source",
        "issuer",
        "audience",
        "server",
        "port",
        "user",
        "username",
        "login",
        "email",
        "vault",
        "level",
        "index",
        "idx",
        "fingerprint",
        "thumbprint",
        "mask",
        "masked",
        "strength",
        "set",
        "check",
        "checks",
        "error",
        "errors",
        "message",
        "supported",
        "limit",
        "max",
        "min",
        "min_length",
    }
)
# A first word that says the value is public (``publicToken``, ``public_key``, ``pub_key``).
_PUBLIC_WORDS = frozenset({"public", "pub", "publishable"})
# Words of a session's identifier: ``session_id``, ``sessionId`` hold the session itself.
_SESSION_WORDS = frozenset({"session", "sess", "jsession", "sid"})
# Counts of tokens (an LLM's ``max_tokens``, ``prompt_tokens``) are numbers, not tokens.
_COUNT_WORDS = frozenset(
    {"max", "min", "num", "total", "prompt", "completion", "input", "output", "cached", "reasoning"}
)
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")

#: The trigger fragment matching every name ``is_secret_name`` may accept (scanner syntax,
#: caseless): identifier characters around one of the secret stems.
NAME_TRIGGER = (
    r"[A-Za-z0-9_.\-]*(?:token|secret|passw|session|sessid|auth|credential|saml|jwt|csrf|xsrf"
    r"|signature|cookie|key|code|sid|sig|pwd|pass|otp|pin|statehandle)[A-Za-z0-9_.\-]*"
)

#: Header names whose whole value is a credential, by the kind they are reported as.
AUTHORIZATION_HEADERS = frozenset({"authorization", "proxy-authorization"})
COOKIE_HEADERS = frozenset({"cookie", "set-cookie"})


@lru_cache(maxsize=4096)
def is_secret_name(name: str, extra: frozenset[str] = frozenset()) -> bool:
    """Whether a header, parameter or field of this name carries a secret (names repeat in a
    file — every request has its ``Cookie`` — hence the cache).

    Judged by meaning, not by substring: ``client_secret`` and ``X-Auth-Token`` hold a
    secret; ``LLM_SECRET_NAME``, ``kms_key_id``, ``access_token_url``, ``publicToken``,
    ``schemaKey`` and ``Authentication-Results`` only mention one.
    """
    lowered = name.strip().lower()
    if not lowered:
        return False
    if lowered in extra:
        return True
    words = [w.lower() for w in _WORDS.findall(name)]
    if not words:
        return False
    head = words[-1]
    if len(words) > 1 and head in MENTION_WORDS:
        sessions_id = head in ("id", "ids") and any(
            w in _SESSION_WORDS or w.endswith("session") for w in words[:-1]
        )
        if not sessions_id:
            return False
    if len(words) > 1 and words[0] in _PUBLIC_WORDS:
        return False
    if head == "tokens" and any(w in _COUNT_WORDS for w in words[:-1]):
        return False
    if _STRONG.search(lowered):
        return True
    return any(w in _WEAK_WORDS for w in words) and not any(w in _NEUTRAL_WORDS for w in words)


@lru_cache(maxsize=4096)
def mentions_only(name: str) -> bool:
    """Whether a name says its value is not a secret but about one or about something else
    (``client_id``, ``request_id``, ``key_name``, ``asset_url``, ``public_key``): a random-
    looking value under it is left alone."""
    words = [w.lower() for w in _WORDS.findall(name)]
    if not words:
        return False
    head = words[-1]
    if head in ("id", "ids") and any(w in _SESSION_WORDS or w.endswith("session") for w in words):
        return False
    if len(words) == 1:
        return head in _MENTION_ALONE
    return head in _MENTION_ALONE or head in _IDENTIFIES or words[0] in _PUBLIC_WORDS


#: Last words that say the value identifies or describes something (``client_id``,
#: ``asset_url``, ``key_name``): narrower than ``MENTION_WORDS`` (``initialState`` may hold
#: anything).
_IDENTIFIES = frozenset(
    {
        *("urls", "uris", "endpoint", "host", "hostname", "domain", "arn", "fingerprint"),
        *("thumbprint", "class", "type", "kind", "label", "format", "prefix", "names"),
    }
)
#: Names that on their own say what a value is (an id, an address, a digest), not a secret.
_MENTION_ALONE = frozenset(
    {
        *("id", "ids", "uuid", "guid", "url", "uri", "href", "src", "name", "path", "file"),
        *("filename", "etag", "digest", "checksum", "hash", "sha", "version", "integrity"),
    }
)


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
    #: built-in rules turned off, by id (``assistant.scrub.formats.RULE_IDS``; the review
    #: list and ``drafts attach`` show the id of the rule behind each redaction)
    disable: list[str] = Field(default_factory=list)

    @field_validator("disable")
    @classmethod
    def _known_rules(cls, value: list[str]) -> list[str]:
        from assistant.scrub.formats import RULE_IDS

        unknown = sorted({v for v in value if v not in RULE_IDS})
        if unknown:
            raise ValueError(
                f"unknown scrub rule id(s): {', '.join(unknown)} "
                f"(known: {', '.join(sorted(RULE_IDS))})"
            )
        return value


class ScrubRules:
    """The built-in rules plus what Ops' policy adds (immutable, hashable by content)."""

    def __init__(self, table: ScrubTable | None = None) -> None:
        self.table = table or ScrubTable()
        self.extra_names = frozenset(n.strip().lower() for n in self.table.names if n.strip())
        self.disabled = frozenset(self.table.disable)

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
    def key(self) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...], tuple[str, ...]]:
        return (
            tuple(sorted(self.extra_names)),
            tuple((p.name, p.pattern) for p in self.table.patterns),
            tuple(sorted(self.disabled)),
        )


DEFAULT_RULES = ScrubRules()
