"""Credential formats as their vendors document them: one rule per kind of token.

Each rule is written from the vendor's own description of the token (its prefix, length,
alphabet and, where there is one, its checksum) — the page is named in ``source`` and in
``tests/assistant/scrub/README.md``. A rule's ``pattern`` is what the scanner looks
for (the subset of regular expressions both Hyperscan and ``re`` understand, no look-around);
``tail`` is how a token may go on (vendors announce longer tokens), and ``check`` judges the
bytes found (a checksum, or that they are not a placeholder such as ``ghp_xxxx…``).

This module is pure data and small functions (no scanner): the report's kind names and the
policy's list of rule ids come from here too.
"""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

_B62 = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def shannon_entropy(value: bytes) -> float:
    """Bits per character of ``value`` (its own character frequencies)."""
    if not value:
        return 0.0
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())


# A credential is generated at random; its characters are near-uniform over its alphabet, so
# its entropy comes close to log2(length) for short values. Words, identifiers and
# placeholders repeat characters. Threshold: 85 % of log2(length), at most 4.0 bits — a
# random 20-character base62 value has about 4.0 bits per character (85 % of log2(20) is
# 3.67), a 40-character one about 4.9; "passwordpassword1" has 2.9, "ThisIsMyServiceName" 3.5.
# (detect-secrets uses fixed limits, 4.5 for base64 and 3.0 for hex, and so misses short
# tokens and flags long words.)
ENTROPY_SHARE = 0.85
ENTROPY_CAP = 4.0


def random_enough(value: bytes) -> bool:
    """Whether ``value`` looks generated at random (see ``ENTROPY_SHARE``)."""
    if len(value) < 8:
        return False
    return shannon_entropy(value) >= min(ENTROPY_CAP, ENTROPY_SHARE * math.log2(len(value)))


_PLACEHOLDER = re.compile(
    rb"(?ix)"
    rb"(?:null|none|nil|true|false|undefined|n/?a|redacted|\[redacted\]|\[filtered\]|hidden"
    rb"|changeme|change[-_]?me|secret|password|token|placeholder|dummy|todo|tbd|example"
    rb"|\$\{[^}]*\}|\$\{\{[^}]*\}\}|\{\{[^}]*\}\}|\$\([^)]*\)|%[A-Za-z_][A-Za-z0-9_]*%"
    rb"|\$[A-Za-z_][A-Za-z0-9_]*|<[^<>]*>|\[[A-Za-z _-]*\]|\([A-Za-z _-]*\)"
    rb"|(?:process\.env|os\.environ|env|secrets|vars)[.\[][A-Za-z0-9_.'\"\]\[]*"
    rb"|(?:your|my|insert|enter|replace|put|add)[-_ ]?(?:[a-z]+[-_ ]?){0,4}(?:here)?"
    rb"|[0-9]{1,3})"
)
# Filler characters of masked or placeholder values ("****", "xxxx-xxxx", "••••").
_FILLER = frozenset(b"xX*#.-_0 \xe2\x80\xa2")


def is_placeholder(value: bytes) -> bool:
    """A value that only stands for a secret: ``${NPM_TOKEN}``, ``<token>``, ``****``,
    ``AKIAIOSFODNN7EXAMPLE``, ``ghp_xxxx…``, ``your-api-key-here``. Kept, not redacted."""
    stripped = value.strip(b"\"' ")
    if not stripped:
        return True
    scheme, _, rest = stripped.partition(b" ")
    if rest and scheme.lower() in (b"bearer", b"basic", b"token", b"ssws", b"digest"):
        stripped = rest.strip()
    if _PLACEHOLDER.fullmatch(stripped):
        return True
    if b"EXAMPLE" in stripped:  # AWS's documented keys: AKIAIOSFODNN7EXAMPLE, …EXAMPLEKEY
        return True
    if all(c in _FILLER for c in stripped):
        return True
    # After a vendor prefix, the random part: "ghp_" + 36 "x" is a placeholder.
    body = re.sub(rb"^[A-Za-z]{2,8}[_.-](?:[A-Za-z0-9]{1,6}[_.-])?", b"", stripped)
    alnum = bytes(c for c in body if c in _B62)
    if len(alnum) >= 8:
        if all(c in _FILLER for c in body):
            return True
        lowered = alnum.lower()
        if lowered in b"0123456789abcdefghijklmnopqrstuvwxyz" * 2:  # "abcdef…", "1234…"
            return True
    return False


_TEMPLATE = re.compile(rb"\$?\{\{[^}\n]{0,200}\}\}|\$\{[^}\n]{0,200}\}|\$\([^)\n]{0,200}\)")


def template_at(data: bytes, pos: int) -> bool:
    """A template reference starts at ``pos`` (``{{ secrets.TOKEN }}``, ``${TOKEN}``): the
    value is filled in elsewhere, nothing secret is here."""
    return _TEMPLATE.match(data, pos) is not None


def _crc32_base62(body: bytes) -> bool:
    """GitHub's and npm's checksum: the last 6 characters are the CRC32 of the rest of the
    random part, in base62 (GitHub blog, "Behind GitHub's new authentication token
    formats", 2021; npm changelog "npm has a new access token format", 2021)."""
    if len(body) < 7:
        return False
    payload, check = body[:-6], body[-6:]
    n = 0
    for c in check:
        i = _B62.find(bytes((c,)))
        if i < 0:
            return False
        n = n * 62 + i
    return n == zlib.crc32(payload)


def github_checksum_valid(token: bytes) -> bool:
    """Whether a ``ghp_``/``gho_``/``ghu_``/``ghs_``/``ghr_`` or ``npm_`` token carries a
    valid CRC32 checksum (a generated token does; a hand-typed look-alike almost never)."""
    _prefix, sep, body = token.partition(b"_")
    return bool(sep) and _crc32_base62(body)


def _random_body(token: bytes) -> bool:
    return not is_placeholder(token)


def _github(token: bytes) -> bool:
    # A valid checksum settles it; without one (test data, truncated copies) the value must
    # still look random, not "ghp_xxxx…".
    return github_checksum_valid(token) or _random_body(token)


def _mixed(token: bytes) -> bool:
    """Letters and digits both (a generated key), and not a placeholder."""
    return (
        any(48 <= c <= 57 for c in token)
        and any(65 <= c <= 90 or 97 <= c <= 122 for c in token)
        and not is_placeholder(token)
    )


def _openai(token: bytes) -> bool:
    return not token.startswith(b"sk-ant-") and len(token) >= 32 and _mixed(token[3:])


@dataclass(frozen=True)
class TokenFormat:
    """One vendor's token format."""

    id: str
    kind: str
    label: str
    pattern: bytes
    first: tuple[bytes, ...]
    source: str
    tail: bytes = b""
    check: Callable[[bytes], bool] = _random_body
    #: a match may start right after a letter or digit (the prefix is unusual enough)
    glued: bool = False
    caseless: bool = False
    #: what the scanner looks for, when not the prefix and a few characters: a distinctive
    #: piece (".atlasv1."), the token starting up to ``back`` bytes before it
    scan: bytes = b""
    back: int = 0

    @property
    def scan_pattern(self) -> bytes:
        """The scanner's pattern: the format with its last repeat cut to 16 characters
        (long bounded repeats make Hyperscan's automaton large and every scan slow); the
        resolver then matches ``pattern`` + ``tail``."""
        if self.scan:
            return self.scan
        return _LAST_REPEAT.sub(lambda m: b"{%d}" % min(int(m.group(1)), 16), self.pattern)


# A pattern's last repeat ("[A-Za-z0-9]{36}" at its end), cut short for the scanner.
_LAST_REPEAT = re.compile(rb"\{(\d+)(?:,\d*)?\}\Z")

_AWS_PREFIXES = (
    *(b"AKIA", b"ASIA", b"ABIA", b"ACCA", b"AGPA", b"AIDA"),
    *(b"AROA", b"AIPA", b"ANPA", b"ANVA", b"APKA"),
)

F = TokenFormat
FORMATS: tuple[TokenFormat, ...] = (
    # -- cloud ---------------------------------------------------------------------------
    F(
        "aws-access-key-id",
        "aws_key",
        "AWS access key id",
        rb"(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z0-9]{16}",
        _AWS_PREFIXES,
        "AWS IAM User Guide: IAM identifiers (unique ID prefixes)",
    ),
    F(
        "azure-ad-client-secret",
        "azure_secret",
        "Azure AD client secret",
        rb"[A-Za-z0-9_~.\-]{3}[0-9]Q~[A-Za-z0-9_~.\-]{31,34}",
        (),
        "Microsoft identity platform: add credentials (client secrets, 'Q~' format)",
        check=_mixed,
        scan=rb"[0-9]Q~[A-Za-z0-9_~.\-]{8}",
        back=4,
    ),
    F(
        "azure-storage-account-key",
        "azure_secret",
        "Azure storage account key",
        rb"AccountKey=[A-Za-z0-9+/]{86}==",
        (b"AccountKey=",),
        "Azure Storage: configure a connection string (AccountKey)",
        scan=rb"AccountKey=[A-Za-z0-9+/]{16}",
    ),
    F(
        "azure-sas-signature",
        "azure_secret",
        "Azure SAS signature",
        rb"[?&]sig=[A-Za-z0-9%+/]{40,}",
        (b"?sig=", b"&sig="),
        "Azure Storage: create a service SAS (sig parameter)",
    ),
    F(
        "azure-devops-pat",
        "azure_secret",
        "Azure DevOps personal access token",
        rb"[A-Za-z0-9]{52}JQQJ9[A-Za-z0-9]{15}AZDO[A-Za-z0-9]{4}",
        (),
        "Azure DevOps: use personal access tokens (84-character format, 'AZDO' signature)",
        scan=rb"[A-Za-z0-9]{8}JQQJ9",
        back=60,
    ),
    F(
        "gcp-oauth-access-token",
        "google_token",
        "Google OAuth access token",
        rb"ya29\.[A-Za-z0-9_\-]{20}",
        (b"ya29.",),
        "Google Identity: OAuth 2.0 access tokens (ya29.)",
        tail=rb"[A-Za-z0-9_\-.]*",
    ),
    F(
        "gcp-oauth-refresh-token",
        "google_token",
        "Google OAuth refresh token",
        rb"1//0[A-Za-z0-9_\-]{40}",
        (b"1//0",),
        "Google Identity: OAuth 2.0 refresh tokens (1//0)",
        tail=rb"[A-Za-z0-9_\-]*",
    ),
    F(
        "gcp-oauth-client-secret",
        "google_token",
        "Google OAuth client secret",
        rb"GOCSPX-[A-Za-z0-9_\-]{28}",
        (b"GOCSPX-",),
        "Google Cloud: OAuth client secrets (GOCSPX-)",
    ),
    F(
        "google-api-key",
        "google_api_key",
        "Google API key",
        rb"AIza[A-Za-z0-9_\-]{35}",
        (b"AIza",),
        "Google Cloud: API keys (AIza, 39 characters)",
    ),
    F(
        "digitalocean-token",
        "cloud_token",
        "DigitalOcean token",
        rb"do[opr]_v1_[a-f0-9]{64}",
        (b"dop_v1_", b"doo_v1_", b"dor_v1_"),
        "DigitalOcean: personal access tokens (dop_v1_, doo_v1_, dor_v1_)",
    ),
    F(
        "alibaba-access-key-id",
        "cloud_token",
        "Alibaba Cloud AccessKey id",
        rb"LTAI[A-Za-z0-9]{12,20}",
        (b"LTAI",),
        "Alibaba Cloud: create an AccessKey pair (LTAI)",
        check=_mixed,
    ),
    F(
        "tencent-secret-id",
        "cloud_token",
        "Tencent Cloud SecretId",
        rb"AKID[A-Za-z0-9]{32}",
        (b"AKID",),
        "Tencent Cloud: API keys (AKID)",
        check=_mixed,
    ),
    F(
        "heroku-api-key",
        "cloud_token",
        "Heroku API key",
        rb"HRKU-[A-Za-z0-9_\-]{20}",
        (b"HRKU-",),
        "Heroku Dev Center: authentication (HRKU- tokens)",
        tail=rb"[A-Za-z0-9_\-]*",
    ),
    F(
        "flyio-token",
        "cloud_token",
        "Fly.io token",
        rb"(?:fo1_[A-Za-z0-9_\-]{43}|fm[12][ar]?_[A-Za-z0-9+/_\-]{40})",
        (b"fo1_", b"fm1_", b"fm2_", b"fm1a_", b"fm2a_", b"fm1r_", b"fm2r_"),
        "Fly.io docs: access tokens (fo1_, fm2_)",
        tail=rb"[A-Za-z0-9+/=_\-]*",
        scan=rb"(?:fo1_|fm[12][ar]?_)[A-Za-z0-9+/_\-]{16}",
    ),
    F(
        "cloudflare-origin-ca-key",
        "cloud_token",
        "Cloudflare Origin CA key",
        rb"v1\.0-[a-f0-9]{24}-[a-f0-9]{146}",
        (b"v1.0-",),
        "Cloudflare: Origin CA keys (v1.0-)",
    ),
    F(
        "supabase-token",
        "cloud_token",
        "Supabase key",
        rb"(?:sbp_[a-f0-9]{40}|sb_secret_[A-Za-z0-9_\-]{31})",
        (b"sbp_", b"sb_secret_"),
        "Supabase docs: API keys (sb_secret_), management access tokens (sbp_)",
        scan=rb"(?:sbp_[a-f0-9]{16}|sb_secret_[A-Za-z0-9_\-]{16})",
    ),
    F(
        "planetscale-token",
        "cloud_token",
        "PlanetScale token",
        rb"pscale_(?:tkn|pw|oauth)_[A-Za-z0-9_\-.]{32}",
        (b"pscale_",),
        "PlanetScale docs: service tokens and passwords (pscale_)",
        tail=rb"[A-Za-z0-9_\-.]*",
    ),
    F(
        "render-api-key",
        "cloud_token",
        "Render API key",
        rb"rnd_[A-Za-z0-9]{32}",
        (b"rnd_",),
        "Render docs: API keys (rnd_)",
    ),
    # -- source hosting, CI, registries ----------------------------------------------------
    F(
        "github-token",
        "github_token",
        "GitHub token",
        rb"gh[pousr]_[A-Za-z0-9]{36}",
        (b"ghp_", b"gho_", b"ghu_", b"ghs_", b"ghr_"),
        "GitHub blog: Behind GitHub's new authentication token formats (CRC32 checksum)",
        tail=rb"[A-Za-z0-9]*",
        check=_github,
    ),
    F(
        "github-fine-grained-pat",
        "github_token",
        "GitHub fine-grained token",
        rb"github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{20}",
        (b"github_pat_",),
        "GitHub Docs: managing your personal access tokens (github_pat_)",
        tail=rb"[A-Za-z0-9_]*",
    ),
    F(
        "gitlab-token",
        "gitlab_token",
        "GitLab token",
        rb"gl(?:pat|dt|rt|rtr|ptt|cbt|soat|ft|imt|agent|oas|wt|ffct|sa)-[A-Za-z0-9_\-]{20}",
        (b"gl",),
        "GitLab Docs: token overview (token prefixes)",
        tail=rb"[A-Za-z0-9_\-.]*",
    ),
    F(
        "gitlab-runner-registration",
        "gitlab_token",
        "GitLab runner registration token",
        rb"GR1348941[A-Za-z0-9_\-]{20}",
        (b"GR1348941",),
        "GitLab Docs: token overview (runner registration tokens)",
        tail=rb"[A-Za-z0-9_\-]*",
    ),
    F(
        "bitbucket-app-password",
        "atlassian_token",
        "Bitbucket app password",
        rb"ATBB[A-Za-z0-9_=.\-]{28}",
        (b"ATBB",),
        "Bitbucket Cloud: app passwords (ATBB)",
        tail=rb"[A-Za-z0-9_=.\-]*",
    ),
    F(
        "atlassian-api-token",
        "atlassian_token",
        "Atlassian API token",
        rb"AT(?:ATT|CTT)3[A-Za-z0-9_\-=]{60}",
        (b"ATATT3", b"ATCTT3"),
        "Atlassian Support: manage API tokens for your Atlassian account (ATATT3)",
        tail=rb"[A-Za-z0-9_\-=]*",
    ),
    F(
        "npm-token",
        "npm_token",
        "npm access token",
        rb"npm_[A-Za-z0-9]{36}",
        (b"npm_",),
        "npm changelog: npm has a new access token format (npm_, CRC32 checksum)",
        check=_github,
    ),
    F(
        "pypi-token",
        "pypi_token",
        "PyPI API token",
        rb"pypi-AgE[A-Za-z0-9_\-]{50}",
        (b"pypi-AgE",),
        "PyPI help: API tokens (pypi- macaroon, 'AgEIcHlwaS5vcmc' = pypi.org)",
        tail=rb"[A-Za-z0-9_\-]*",
    ),
    F(
        "rubygems-api-key",
        "registry_token",
        "RubyGems API key",
        rb"rubygems_[a-f0-9]{48}",
        (b"rubygems_",),
        "RubyGems guides: API key scopes (rubygems_)",
    ),
    F(
        "nuget-api-key",
        "registry_token",
        "NuGet API key",
        rb"oy2[a-z0-9]{43}",
        (b"oy2",),
        "NuGet docs: scoped API keys (oy2, 46 characters)",
        check=_mixed,
    ),
    F(
        "clojars-token",
        "registry_token",
        "Clojars deploy token",
        rb"CLOJARS_[a-z0-9]{60}",
        (b"CLOJARS_",),
        "Clojars wiki: deploy tokens (CLOJARS_)",
    ),
    F(
        "dockerhub-token",
        "registry_token",
        "Docker Hub access token",
        rb"dckr_(?:pat|oat)_[A-Za-z0-9_\-]{27}",
        (b"dckr_pat_", b"dckr_oat_"),
        "Docker docs: personal and organization access tokens (dckr_pat_, dckr_oat_)",
        tail=rb"[A-Za-z0-9_\-]*",
    ),
    F(
        "artifactory-token",
        "registry_token",
        "JFrog Artifactory token",
        rb"(?:AKCp[A-Za-z0-9]{69}|cmVmdGtuOjAxOj[A-Za-z0-9]{50})",
        (b"AKCp", b"cmVmdGtuOjAxOj"),
        "JFrog docs: API keys (AKCp) and reference tokens (cmVmdGtu)",
        tail=rb"[A-Za-z0-9]*",
        scan=rb"(?:AKCp|cmVmdGtuOjAxOj)[A-Za-z0-9]{16}",
    ),
    F(
        "circleci-token",
        "ci_token",
        "CircleCI token",
        rb"CCIP(?:AT|RJ)_[A-Za-z0-9]{22}_[a-f0-9]{40}",
        (b"CCIPAT_", b"CCIPRJ_"),
        "CircleCI docs: managing API tokens (CCIPAT_, CCIPRJ_)",
    ),
    F(
        "buildkite-token",
        "ci_token",
        "Buildkite token",
        rb"bk(?:ua|ct)_[a-f0-9]{40}",
        (b"bkua_", b"bkct_"),
        "Buildkite docs: API access tokens (bkua_)",
    ),
    F(
        "terraform-cloud-token",
        "ci_token",
        "Terraform Cloud token",
        rb"[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=\-]{60}",
        (),
        "HCP Terraform docs: API tokens (<id>.atlasv1.<secret>)",
        tail=rb"[A-Za-z0-9_=\-]*",
        scan=rb"[A-Za-z0-9]{4}\.atlasv1\.",
        back=14,
    ),
    F(
        "databricks-token",
        "ci_token",
        "Databricks personal access token",
        rb"dapi[a-f0-9]{32}(?:-[0-9])?",
        (b"dapi",),
        "Databricks docs: personal access token authentication (dapi…)",
        check=_mixed,
    ),
    F(
        "vault-token",
        "vault_token",
        "HashiCorp Vault token",
        rb"hv[sbr]\.[A-Za-z0-9_\-]{24}",
        (b"hvs.", b"hvb.", b"hvr."),
        "Vault docs: tokens (hvs. service, hvb. batch, hvr. recovery)",
        tail=rb"[A-Za-z0-9_\-.]*",
    ),
    F(
        "pulumi-token",
        "ci_token",
        "Pulumi access token",
        rb"pul-[a-f0-9]{40}",
        (b"pul-",),
        "Pulumi docs: access tokens (pul-)",
    ),
    F(
        "sourcegraph-token",
        "ci_token",
        "Sourcegraph access token",
        rb"sgp_(?:[a-f0-9]{16}_)?[a-f0-9]{40}",
        (b"sgp_",),
        "Sourcegraph docs: access tokens (sgp_)",
    ),
    F(
        "octopus-api-key",
        "ci_token",
        "Octopus Deploy API key",
        rb"API-[A-Z0-9]{26}",
        (b"API-",),
        "Octopus docs: how to create an API key (API-)",
        check=_mixed,
    ),
    F(
        "harness-pat",
        "ci_token",
        "Harness access token",
        rb"(?:pat|sat)\.[A-Za-z0-9_\-]{22}\.[a-f0-9]{24}\.[A-Za-z0-9]{20}",
        (b"pat.", b"sat."),
        "Harness docs: add and manage API keys (pat., sat.)",
    ),
    # -- secrets managers -------------------------------------------------------------------
    F(
        "doppler-token",
        "secrets_manager_token",
        "Doppler token",
        rb"dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9_\-.]{40}",
        (b"dp.",),
        "Doppler docs: token formats (dp.pt., dp.st., dp.sa., dp.ct., dp.scim., dp.audit.)",
        tail=rb"[A-Za-z0-9]*",
    ),
    F(
        "onepassword-service-account",
        "secrets_manager_token",
        "1Password service account token",
        rb"ops_eyJ[A-Za-z0-9+/=_\-]{100}",
        (b"ops_eyJ",),
        "1Password developer docs: service accounts (ops_ tokens)",
        tail=rb"[A-Za-z0-9+/=_\-]*",
    ),
    F(
        "onepassword-secret-key",
        "secrets_manager_token",
        "1Password Secret Key",
        rb"A3-[A-Z0-9]{6}-[A-Z0-9]{6}-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}",
        (b"A3-",),
        "1Password support: about your Secret Key (A3- format)",
    ),
    F(
        "age-secret-key",
        "private_key",
        "age secret key",
        rb"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}",
        (b"AGE-SECRET-KEY-1",),
        "age specification (C2SP): native X25519 identity encoding",
    ),
    # -- chat, collaboration, SaaS ------------------------------------------------------------
    F(
        "slack-token",
        "slack_token",
        "Slack token",
        rb"xox[abposrce]-[A-Za-z0-9\-]{10}",
        (b"xox",),
        "Slack API docs: token types (xoxb-, xoxp-, xoxe-, xoxc-, xoxd-)",
        tail=rb"[A-Za-z0-9\-]*",
    ),
    F(
        "slack-refresh-token",
        "slack_token",
        "Slack refresh token",
        rb"xoxe(?:\.xox[bp])?-1-[A-Za-z0-9]{20}",
        (b"xoxe",),
        "Slack API docs: token rotation (xoxe-1-, xoxe.xoxp-1-)",
        tail=rb"[A-Za-z0-9\-]*",
    ),
    F(
        "slack-app-token",
        "slack_token",
        "Slack app-level token",
        rb"xapp-[0-9]-[A-Z0-9]{6}",
        (b"xapp-",),
        "Slack API docs: token types (app-level tokens, xapp-)",
        tail=rb"[A-Za-z0-9\-]*",
    ),
    F(
        "slack-webhook",
        "slack_token",
        "Slack webhook",
        rb"https://hooks\.slack\.com/(?:services|workflows|triggers)/T[A-Za-z0-9]+/[A-Za-z0-9]",
        (b"https://hooks",),
        "Slack API docs: sending messages using incoming webhooks",
        tail=rb"[A-Za-z0-9/]*",
    ),
    F(
        "discord-bot-token",
        "chat_token",
        "Discord bot token",
        rb"[MNO][A-Za-z0-9_\-]{23,25}\.[A-Za-z0-9_\-]{6}\.[A-Za-z0-9_\-]{27,38}",
        (b"M", b"N", b"O"),
        "Discord developer docs: reference, authentication (Bot tokens)",
        check=_mixed,
        scan=rb"[MNO][A-Za-z0-9_\-]{23,25}\.[A-Za-z0-9_\-]{6}\.",
        back=0,
    ),
    F(
        "discord-webhook",
        "chat_token",
        "Discord webhook",
        rb"https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/[0-9]{17,20}/"
        rb"[A-Za-z0-9_\-]{60}",
        (b"https://",),
        "Discord developer docs: webhook resource (execute webhook URL)",
        tail=rb"[A-Za-z0-9_\-]*",
    ),
    F(
        "telegram-bot-token",
        "chat_token",
        "Telegram bot token",
        rb"[0-9]{8,10}:AA[A-Za-z0-9_\-]{33}",
        (),
        "Telegram Bot API: authorizing your bot (<bot id>:AA…)",
        scan=rb"[0-9]{8}:AA[A-Za-z0-9_\-]{8}",
        back=2,
    ),
    F(
        "microsoft-teams-webhook",
        "chat_token",
        "Microsoft Teams webhook",
        rb"https://[a-z0-9\-]+\.webhook\.office\.com/webhookb2/[a-f0-9\-]{36}@[a-f0-9\-]{36}"
        rb"/IncomingWebhook/[a-f0-9]{32}/[a-f0-9\-]{36}",
        (b"https://",),
        "Microsoft Learn: create incoming webhooks (webhook.office.com)",
    ),
    F(
        "notion-token",
        "saas_token",
        "Notion integration token",
        rb"(?:secret_[A-Za-z0-9]{43}|ntn_[0-9]{11}[A-Za-z0-9]{35})",
        (b"secret_", b"ntn_"),
        "Notion developers: authorization (internal integration secrets, ntn_)",
        check=_mixed,
        scan=rb"(?:secret_[A-Za-z0-9]{16}|ntn_[0-9]{11})",
    ),
    F(
        "linear-api-key",
        "saas_token",
        "Linear API key",
        rb"lin_(?:api|oauth)_[A-Za-z0-9]{40}",
        (b"lin_api_", b"lin_oauth_"),
        "Linear developers: API and webhooks (lin_api_)",
    ),
    F(
        "figma-token",
        "saas_token",
        "Figma personal access token",
        rb"fig[dou]_[A-Za-z0-9_\-]{40}",
        (b"figd_", b"figo_", b"figu_"),
        "Figma developers: access tokens (figd_)",
        tail=rb"[A-Za-z0-9_\-]*",
    ),
    F(
        "airtable-pat",
        "saas_token",
        "Airtable personal access token",
        rb"pat[A-Za-z0-9]{14}\.[a-f0-9]{64}",
        (b"pat",),
        "Airtable support: personal access tokens (pat….<64 hex>)",
    ),
    F(
        "postman-api-key",
        "saas_token",
        "Postman API key",
        rb"PMAK-[a-f0-9]{24}-[a-f0-9]{34}",
        (b"PMAK-",),
        "Postman docs: generate and use Postman API keys (PMAK-)",
    ),
    F(
        "contentful-token",
        "saas_token",
        "Contentful management token",
        rb"CFPAT-[A-Za-z0-9_\-]{43}",
        (b"CFPAT-",),
        "Contentful docs: personal access tokens (CFPAT-)",
    ),
    F(
        "dropbox-token",
        "saas_token",
        "Dropbox access token",
        rb"sl\.(?:u\.)?[A-Za-z0-9_\-]{120}",
        (b"sl.",),
        "Dropbox developers: OAuth guide (short-lived tokens, sl.)",
        tail=rb"[A-Za-z0-9_\-]*",
    ),
    F(
        "hubspot-private-app",
        "saas_token",
        "HubSpot private app token",
        rb"pat-(?:na|eu|ap)[0-9]-[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}",
        (b"pat-",),
        "HubSpot developers: private apps (pat-na1-…)",
    ),
    F(
        "typeform-token",
        "saas_token",
        "Typeform personal token",
        rb"tfp_[A-Za-z0-9_\-]{44}",
        (b"tfp_",),
        "Typeform developers: personal access token (tfp_)",
        tail=rb"[A-Za-z0-9_\-]*",
    ),
    F(
        "readme-api-key",
        "saas_token",
        "ReadMe API key",
        rb"rdme_[a-z0-9]{70}",
        (b"rdme_",),
        "ReadMe docs: API keys (rdme_)",
    ),
    F(
        "shopify-token",
        "shopify_token",
        "Shopify token",
        rb"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}",
        (b"shpat_", b"shpca_", b"shppa_", b"shpss_"),
        "Shopify dev docs: access tokens (shpat_, shpca_, shppa_, shpss_)",
    ),
    # -- observability -------------------------------------------------------------------------
    F(
        "grafana-token",
        "observability_token",
        "Grafana token",
        rb"(?:glc_[A-Za-z0-9+/]{32}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}|eyJrIjoi[A-Za-z0-9+/]{40})",
        (b"glc_", b"glsa_", b"eyJrIjoi"),
        "Grafana docs: service account tokens (glsa_), Grafana Cloud access policies (glc_)",
        tail=rb"[A-Za-z0-9+/]*={0,2}",
        scan=rb"(?:glc_[A-Za-z0-9+/]{16}|glsa_[A-Za-z0-9]{16}|eyJrIjoi[A-Za-z0-9+/]{16})",
    ),
    F(
        "newrelic-key",
        "observability_token",
        "New Relic key",
        rb"NR(?:AK|II|JS|AA|RA)-[A-Za-z0-9]{19}",
        (b"NRAK-", b"NRII-", b"NRJS-", b"NRAA-", b"NRRA-"),
        "New Relic docs: API keys (NRAK-, NRII-, NRJS-)",
        tail=rb"[A-Za-z0-9]*",
    ),
    F(
        "sentry-token",
        "observability_token",
        "Sentry token",
        rb"(?:sntry[su]_[A-Za-z0-9+/=_\-]{40})",
        (b"sntrys_", b"sntryu_"),
        "Sentry docs: auth tokens (sntrys_, sntryu_)",
        tail=rb"[A-Za-z0-9+/=_\-]*",
        scan=rb"sntry[su]_[A-Za-z0-9+/=_\-]{16}",
    ),
    F(
        "dynatrace-token",
        "observability_token",
        "Dynatrace token",
        rb"dt0[a-z][0-9]{2}\.[A-Z0-9]{24}\.[A-Z0-9]{64}",
        (b"dt0",),
        "Dynatrace docs: access tokens (dt0c01.<public>.<secret>)",
    ),
    # -- AI -------------------------------------------------------------------------------------
    F(
        "anthropic-api-key",
        "ai_token",
        "Anthropic API key",
        rb"sk-ant-(?:api|admin|oat|sid)[0-9]{2}-[A-Za-z0-9_\-]{40}",
        (b"sk-ant-",),
        "Anthropic docs: API keys (sk-ant-api03-, sk-ant-admin01-)",
        tail=rb"[A-Za-z0-9_\-]*",
    ),
    F(
        "openai-api-key",
        "ai_token",
        "OpenAI API key",
        rb"sk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_\-]{20}",
        (b"sk-",),
        "OpenAI platform docs: API keys (sk-, sk-proj-, sk-svcacct-, sk-admin-)",
        tail=rb"[A-Za-z0-9_\-]*",
        check=_openai,
    ),
    F(
        "huggingface-token",
        "ai_token",
        "Hugging Face token",
        rb"(?:hf_|api_org_)[A-Za-z0-9]{34}",
        (b"hf_", b"api_org_"),
        "Hugging Face docs: user access tokens (hf_)",
        check=_mixed,
    ),
    F(
        "replicate-token",
        "ai_token",
        "Replicate API token",
        rb"r8_[A-Za-z0-9]{37}",
        (b"r8_",),
        "Replicate docs: authentication (r8_)",
        check=_mixed,
    ),
    F(
        "groq-api-key",
        "ai_token",
        "Groq API key",
        rb"gsk_[A-Za-z0-9]{52}",
        (b"gsk_",),
        "GroqCloud docs: API keys (gsk_)",
    ),
    # -- payment, commerce, messaging -----------------------------------------------------------
    F(
        "stripe-key",
        "stripe_key",
        "Stripe secret key",
        rb"(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{24}",
        (b"sk_live_", b"rk_live_", b"sk_test_", b"rk_test_"),
        "Stripe docs: API keys (sk_live_, sk_test_, rk_live_ restricted keys)",
        tail=rb"[A-Za-z0-9]*",
    ),
    F(
        "stripe-webhook-secret",
        "stripe_key",
        "Stripe webhook signing secret",
        rb"whsec_[A-Za-z0-9]{32}",
        (b"whsec_",),
        "Stripe docs: check webhook signatures (whsec_)",
        tail=rb"[A-Za-z0-9+/=]*",
    ),
    F(
        "square-token",
        "payment_token",
        "Square token",
        rb"(?:EAAA[A-Za-z0-9_\-]{60}|sq0(?:atp|csp|idp)-[A-Za-z0-9_\-]{22})",
        (b"EAAA", b"sq0atp-", b"sq0csp-", b"sq0idp-"),
        "Square developer docs: access tokens (EAAA, sq0atp-, sq0csp-)",
        tail=rb"[A-Za-z0-9_\-]*",
        scan=rb"(?:EAAA[A-Za-z0-9_\-]{16}|sq0(?:atp|csp|idp)-[A-Za-z0-9_\-]{16})",
    ),
    F(
        "braintree-token",
        "payment_token",
        "Braintree / PayPal access token",
        rb"access_token\$(?:production|sandbox)\$[a-z0-9]{16}\$[a-f0-9]{32}",
        (b"access_token$",),
        "Braintree docs: PayPal access tokens (access_token$production$…)",
    ),
    F(
        "flutterwave-key",
        "payment_token",
        "Flutterwave secret key",
        rb"FLW(?:SECK|SECK_TEST)-[a-f0-9]{32}-X",
        (b"FLWSECK",),
        "Flutterwave docs: API keys (FLWSECK-…-X)",
        scan=rb"FLWSECK(?:_TEST)?-[a-f0-9]{16}",
    ),
    F(
        "shippo-token",
        "payment_token",
        "Shippo API token",
        rb"shippo_(?:live|test)_[a-f0-9]{40}",
        (b"shippo_",),
        "Shippo docs: authentication (shippo_live_)",
    ),
    F(
        "easypost-key",
        "payment_token",
        "EasyPost API key",
        rb"EZ[AT]K[a-zA-Z0-9]{54}",
        (b"EZAK", b"EZTK"),
        "EasyPost docs: authentication (EZAK, EZTK)",
    ),
    F(
        "twilio-api-key",
        "messaging_token",
        "Twilio API key SID",
        rb"SK[a-f0-9]{32}",
        (b"SK",),
        "Twilio docs: API keys (SK…, 34 characters)",
        check=_mixed,
    ),
    F(
        "sendgrid-api-key",
        "messaging_token",
        "SendGrid API key",
        rb"SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}",
        (b"SG.",),
        "Twilio SendGrid docs: API keys (SG.<id>.<secret>)",
    ),
    F(
        "mailgun-key",
        "messaging_token",
        "Mailgun API key",
        rb"key-[a-f0-9]{32}",
        (b"key-",),
        "Mailgun docs: API keys (key-)",
        check=_mixed,
    ),
    F(
        "mailchimp-key",
        "messaging_token",
        "Mailchimp API key",
        rb"[a-f0-9]{32}-us[0-9]{1,2}",
        (),
        "Mailchimp developer docs: API keys (…-us<dc>)",
        check=_mixed,
        scan=rb"[a-f0-9]{8}-us[0-9]",
        back=32,
    ),
    F(
        "facebook-token",
        "saas_token",
        "Facebook access token",
        rb"EAA[BCDGIMPQUZ][A-Za-z0-9]{80}",
        (b"EAA",),
        "Meta for Developers: access tokens (EAA…)",
        tail=rb"[A-Za-z0-9]*",
    ),
    F(
        "mapbox-secret-token",
        "saas_token",
        "Mapbox secret token",
        rb"sk\.eyJ[A-Za-z0-9_\-]{20}",
        (b"sk.eyJ",),
        "Mapbox docs: access tokens (sk. secret tokens)",
        tail=rb"[A-Za-z0-9_\-.]*",
    ),
)
del F

#: The report kind of each format -> (one, several), for ``report.KINDS``.
FORMAT_KINDS: dict[str, tuple[str, str]] = {
    "azure_secret": ("Azure secret", "Azure secrets"),
    "google_token": ("Google token", "Google tokens"),
    "cloud_token": ("cloud provider token", "cloud provider tokens"),
    "atlassian_token": ("Atlassian token", "Atlassian tokens"),
    "npm_token": ("npm token", "npm tokens"),
    "pypi_token": ("PyPI token", "PyPI tokens"),
    "registry_token": ("package registry token", "package registry tokens"),
    "ci_token": ("CI/CD token", "CI/CD tokens"),
    "vault_token": ("Vault token", "Vault tokens"),
    "secrets_manager_token": ("secrets manager token", "secrets manager tokens"),
    "chat_token": ("chat service token", "chat service tokens"),
    "saas_token": ("service token", "service tokens"),
    "shopify_token": ("Shopify token", "Shopify tokens"),
    "observability_token": ("monitoring service token", "monitoring service tokens"),
    "ai_token": ("AI service key", "AI service keys"),
    "payment_token": ("payment service token", "payment service tokens"),
    "messaging_token": ("messaging service key", "messaging service keys"),
}

#: Rule ids of the detectors that are not token formats (see ``values``, ``text``,
#: ``jsondoc``, ``har``, ``context``), with what each finds: the policy may turn any
#: rule off by its id.
OTHER_RULES: dict[str, str] = {
    "secret-name": "the value of a field, parameter or header whose name holds a secret",
    "http-authorization": "an Authorization header's credentials",
    "cookie": "a cookie's value",
    "bearer": "a bearer token after 'Bearer'",
    "basic-auth": "base64 user:password after 'Basic'",
    "jwt": "a JSON Web Token",
    "private-key": "the body of a PEM private key block",
    "uri-credentials": "the password in a URI's user:password@",
    "connection-string-password": "Password=… in a connection string",
    "html-hidden-input": "the value of a hidden form input with a secret name",
    "script-assignment": "a quoted value assigned to a secret name in a script",
    "curl-credentials": "cookies, headers and -u credentials of a cURL command line",
    "high-entropy-string": "a random-looking value next to a secret-like name or quoted",
    "aws-secret-access-key": "a 40-character AWS secret access key",
    "recurring-value": "a value redacted elsewhere in the same file",
    "okta-api-token": "an Okta API token after 'SSWS'",
}

RULE_IDS: frozenset[str] = frozenset({f.id for f in FORMATS} | set(OTHER_RULES))


def rule_description(rule: str) -> str:
    """Why a rule redacts, as the review list's tooltip and ``drafts attach`` say it."""
    for fmt in FORMATS:
        if fmt.id == rule:
            return f"{fmt.label}: the vendor's documented format ({fmt.source})"
    if rule == "policy-pattern":
        return "a pattern in Ops' policy"
    return OTHER_RULES.get(rule, rule)
