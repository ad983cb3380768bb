"""A corpus of planted secrets and look-alikes, generated from the vendors' documented token
formats (see ``README.md`` in this folder for the page behind each kind).

Every token is synthetic: random characters in the documented shape (prefix, length,
alphabet, GitHub's and npm's CRC32 checksum), never a real credential. They are planted in
three file types (a HAR after the HAR 1.2 specification, a service log, a JSON export) at
labelled places (a header, a cookie, a secret-named query parameter or field, an env
assignment, a hidden input or script variable with a secret name, a cURL line) and
unlabelled ones (free text, a neutral JSON key or query parameter, a neutral script
variable). Look-alikes — documented placeholders, names that only mention a secret, hashes,
UUIDs, public keys — are planted beside them.

``build(seed, held_out)``: the tuning corpus is ``build(TUNING_SEED, False)``; the held-out
corpus uses another seed *and* the other half of every pool of names and sentences, which
the rules were never tried on while they were written.

``python -m tests.assistant.scrub.planted DIR`` writes both corpora to ``DIR``.
"""

from __future__ import annotations

import base64
import json
import random
import string
import sys
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

TUNING_SEED = 2026
HELD_OUT_SEED = 73
#: a second held-out corpus (held-out pools, another seed), run only for the final figures
SEALED_SEED = 9001

A62 = string.ascii_letters + string.digits
B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
HEX = "0123456789abcdef"
URLSAFE = A62 + "_-"
B64 = A62 + "+/"
UPPER_DIGITS = string.ascii_uppercase + string.digits
BECH32 = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"

Rng = random.Random


def r(rng: Rng, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def digits(rng: Rng, n: int) -> str:
    return r(rng, string.digits, n)


def _base62(n: int, width: int) -> str:
    out = ""
    while n:
        n, d = divmod(n, 62)
        out = B62[d] + out
    return out.rjust(width, "0")


def crc_token(prefix: str, rng: Rng) -> str:
    """GitHub's / npm's format: 30 random base62 characters and their CRC32 in 6 base62."""
    body = r(rng, A62, 30)
    return prefix + body + _base62(zlib.crc32(body.encode()), 6)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def jwt(rng: Rng) -> str:
    header = _b64url(json.dumps({"alg": "RS256", "kid": r(rng, A62, 8)}).encode())
    payload = _b64url(
        json.dumps(
            {"sub": r(rng, A62, 12), "exp": rng.randint(1_700_000_000, 1_900_000_000)}
        ).encode()
    )
    return f"{header}.{payload}.{_b64url(rng.randbytes(64))}"


def pem_body(rng: Rng) -> str:
    raw = base64.b64encode(rng.randbytes(384)).decode()
    return "\n".join(raw[i : i + 64] for i in range(0, len(raw), 64))


def human_password(rng: Rng) -> str:
    words = ["velvet", "harbor", "copper", "meadow", "falcon", "lantern", "orbit", "quartz"]
    return (
        rng.choice(words).capitalize()
        + rng.choice("-_.!")
        + rng.choice(words)
        + digits(rng, 4)
        + rng.choice("!$%#")
    )


def uri_password(rng: Rng) -> str:
    return r(rng, A62, 14) + rng.choice("!$*-_~") + r(rng, A62, 5)


@dataclass(frozen=True)
class Kind:
    """One kind of credential: how to make one, and whether its shape alone tells it (then
    it is planted in unlabelled places too)."""

    id: str
    make: Callable[[Rng], str]
    shape: bool = True
    #: the text around the value, "{}" marking it (a URI, a connection string, a PEM block)
    wrap: str = "{}"
    env: str = "API_TOKEN"
    multiline: bool = False


def _k(
    id: str,
    make: Callable[[Rng], str],
    env: str,
    *,
    shape: bool = True,
    wrap: str = "{}",
    multiline: bool = False,
) -> Kind:
    return Kind(id, make, shape=shape, wrap=wrap, env=env, multiline=multiline)


KINDS: list[Kind] = [
    # cloud
    _k(
        "aws-access-key-id",
        lambda g: "AKIA" + r(g, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16),
        "AWS_ACCESS_KEY_ID",
    ),
    _k("aws-secret-access-key", lambda g: r(g, B64, 40), "AWS_SECRET_ACCESS_KEY"),
    _k(
        "azure-client-secret",
        lambda g: r(g, A62, 3) + digits(g, 1) + "Q~" + r(g, A62 + "_~.-", 34),
        "AZURE_CLIENT_SECRET",
    ),
    _k(
        "azure-storage-key",
        lambda g: r(g, B64, 86) + "==",
        "AZURE_STORAGE_CONNECTION_STRING",
        wrap="DefaultEndpointsProtocol=https;AccountName=acmeprod;AccountKey={};"
        "EndpointSuffix=core.windows.net",
    ),
    _k("gcp-access-token", lambda g: "ya29.a0" + r(g, URLSAFE, 150), "GOOGLE_OAUTH_TOKEN"),
    _k("gcp-refresh-token", lambda g: "1//0" + r(g, URLSAFE, 99), "GOOGLE_REFRESH_TOKEN"),
    _k("gcp-client-secret", lambda g: "GOCSPX-" + r(g, URLSAFE, 28), "GOOGLE_CLIENT_SECRET"),
    _k("google-api-key", lambda g: "AIza" + r(g, URLSAFE, 35), "GOOGLE_API_KEY"),
    _k(
        "gcp-service-account-key",
        pem_body,
        "GOOGLE_PRIVATE_KEY",
        multiline=True,
        wrap="-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----",
    ),
    _k("digitalocean-token", lambda g: "dop_v1_" + r(g, HEX, 64), "DIGITALOCEAN_TOKEN"),
    _k("alibaba-access-key", lambda g: "LTAI" + r(g, A62, 20), "ALIBABA_ACCESS_KEY_ID"),
    _k("tencent-secret-id", lambda g: "AKID" + r(g, A62, 32), "TENCENT_SECRET_ID"),
    _k("heroku-api-key", lambda g: "HRKU-AA" + r(g, URLSAFE, 58), "HEROKU_API_KEY"),
    _k(
        "heroku-legacy-key",
        lambda g: str(uuid.UUID(int=g.getrandbits(128))),
        "HEROKU_API_KEY",
        shape=False,
    ),
    _k("flyio-token", lambda g: "fo1_" + r(g, URLSAFE, 43), "FLY_API_TOKEN"),
    _k("supabase-token", lambda g: "sbp_" + r(g, HEX, 40), "SUPABASE_ACCESS_TOKEN"),
    _k("planetscale-token", lambda g: "pscale_tkn_" + r(g, URLSAFE, 43), "PLANETSCALE_TOKEN"),
    _k("render-api-key", lambda g: "rnd_" + r(g, A62, 32), "RENDER_API_KEY"),
    _k("cloudflare-api-token", lambda g: r(g, URLSAFE, 40), "CLOUDFLARE_API_TOKEN"),
    # source hosting, CI, registries
    _k("github-pat", lambda g: crc_token("ghp_", g), "GITHUB_TOKEN"),
    _k("github-oauth", lambda g: crc_token("gho_", g), "GH_OAUTH_TOKEN"),
    _k("github-app-server", lambda g: crc_token("ghs_", g), "GITHUB_APP_TOKEN"),
    _k("github-app-user", lambda g: crc_token("ghu_", g), "GITHUB_USER_TOKEN"),
    _k("github-refresh", lambda g: crc_token("ghr_", g), "GITHUB_REFRESH_TOKEN"),
    _k(
        "github-fine-grained", lambda g: f"github_pat_{r(g, A62, 22)}_{r(g, A62, 59)}", "GITHUB_PAT"
    ),
    _k("gitlab-pat", lambda g: "glpat-" + r(g, URLSAFE, 20), "GITLAB_TOKEN"),
    _k("gitlab-runner", lambda g: "GR1348941" + r(g, URLSAFE, 20), "RUNNER_REGISTRATION_TOKEN"),
    _k("bitbucket-app-password", lambda g: "ATBB" + r(g, A62, 32), "BITBUCKET_APP_PASSWORD"),
    _k(
        "atlassian-api-token",
        lambda g: "ATATT3xFfGF0" + r(g, URLSAFE, 170) + "=" + r(g, HEX.upper(), 8),
        "JIRA_API_TOKEN",
    ),
    _k("npm-token", lambda g: crc_token("npm_", g), "NPM_TOKEN"),
    _k("pypi-token", lambda g: "pypi-AgEIcHlwaS5vcmc" + r(g, URLSAFE, 70), "PYPI_API_TOKEN"),
    _k("rubygems-key", lambda g: "rubygems_" + r(g, HEX, 48), "GEM_HOST_API_KEY"),
    _k(
        "nuget-key",
        lambda g: "oy2" + r(g, string.ascii_lowercase + string.digits, 43),
        "NUGET_API_KEY",
    ),
    _k("dockerhub-pat", lambda g: "dckr_pat_" + r(g, URLSAFE, 27), "DOCKERHUB_TOKEN"),
    _k("artifactory-key", lambda g: "AKCp" + r(g, A62, 69), "ARTIFACTORY_API_KEY"),
    _k("circleci-token", lambda g: f"CCIPAT_{r(g, A62, 22)}_{r(g, HEX, 40)}", "CIRCLECI_TOKEN"),
    _k("buildkite-token", lambda g: "bkua_" + r(g, HEX, 40), "BUILDKITE_API_TOKEN"),
    _k("terraform-cloud", lambda g: f"{r(g, A62, 14)}.atlasv1.{r(g, URLSAFE, 67)}", "TFE_TOKEN"),
    _k("vault-token", lambda g: "hvs.CAESI" + r(g, URLSAFE, 86), "VAULT_TOKEN"),
    _k("pulumi-token", lambda g: "pul-" + r(g, HEX, 40), "PULUMI_ACCESS_TOKEN"),
    _k("doppler-token", lambda g: "dp.st.prd." + r(g, A62, 40), "DOPPLER_TOKEN"),
    _k("onepassword-sa", lambda g: "ops_eyJ" + r(g, B64, 300), "OP_SERVICE_ACCOUNT_TOKEN"),
    _k("age-secret-key", lambda g: "AGE-SECRET-KEY-1" + r(g, BECH32, 58), "SOPS_AGE_KEY"),
    # chat, SaaS
    _k(
        "slack-bot",
        lambda g: f"xoxb-{digits(g, 11)}-{digits(g, 13)}-{r(g, A62, 24)}",
        "SLACK_BOT_TOKEN",
    ),
    _k(
        "slack-user",
        lambda g: f"xoxp-{digits(g, 11)}-{digits(g, 11)}-{digits(g, 13)}-{r(g, HEX, 32)}",
        "SLACK_USER_TOKEN",
    ),
    _k(
        "slack-app",
        lambda g: f"xapp-1-A{r(g, UPPER_DIGITS, 10)}-{digits(g, 13)}-{r(g, HEX, 64)}",
        "SLACK_APP_TOKEN",
    ),
    _k(
        "slack-webhook",
        lambda g: r(g, A62, 24),
        "SLACK_WEBHOOK_URL",
        wrap="https://hooks.slack.com/services/T0{}/B0{}/{}",
    ),
    _k(
        "discord-bot",
        lambda g: f"M{r(g, A62, 23)}.{r(g, URLSAFE, 6)}.{r(g, URLSAFE, 38)}",
        "DISCORD_BOT_TOKEN",
    ),
    _k("telegram-bot", lambda g: f"{digits(g, 10)}:AA{r(g, URLSAFE, 33)}", "TELEGRAM_BOT_TOKEN"),
    _k("notion-token", lambda g: "ntn_" + digits(g, 11) + r(g, A62, 35), "NOTION_TOKEN"),
    _k("linear-key", lambda g: "lin_api_" + r(g, A62, 40), "LINEAR_API_KEY"),
    _k("figma-token", lambda g: "figd_" + r(g, URLSAFE, 40), "FIGMA_TOKEN"),
    _k("airtable-pat", lambda g: f"pat{r(g, A62, 14)}.{r(g, HEX, 64)}", "AIRTABLE_TOKEN"),
    _k("postman-key", lambda g: f"PMAK-{r(g, HEX, 24)}-{r(g, HEX, 34)}", "POSTMAN_API_KEY"),
    _k("contentful-token", lambda g: "CFPAT-" + r(g, URLSAFE, 43), "CONTENTFUL_TOKEN"),
    _k("dropbox-token", lambda g: "sl." + r(g, URLSAFE, 135), "DROPBOX_TOKEN"),
    _k(
        "hubspot-token",
        lambda g: "pat-na1-" + str(uuid.UUID(int=g.getrandbits(128))),
        "HUBSPOT_TOKEN",
    ),
    _k("shopify-token", lambda g: "shpat_" + r(g, HEX, 32), "SHOPIFY_ACCESS_TOKEN"),
    _k("okta-api-token", lambda g: "00" + r(g, URLSAFE, 40), "OKTA_API_TOKEN"),
    # observability
    _k("grafana-sa", lambda g: f"glsa_{r(g, A62, 32)}_{r(g, HEX, 8)}", "GRAFANA_TOKEN"),
    _k("grafana-cloud", lambda g: "glc_" + r(g, B64, 120) + "=", "GRAFANA_CLOUD_TOKEN"),
    _k("newrelic-key", lambda g: "NRAK-" + r(g, UPPER_DIGITS, 27), "NEW_RELIC_API_KEY"),
    _k("sentry-token", lambda g: "sntrys_eyJ" + r(g, B64, 150), "SENTRY_AUTH_TOKEN"),
    _k(
        "dynatrace-token",
        lambda g: f"dt0c01.{r(g, UPPER_DIGITS, 24)}.{r(g, UPPER_DIGITS, 64)}",
        "DT_API_TOKEN",
    ),
    _k("datadog-api-key", lambda g: r(g, HEX, 32), "DD_API_KEY", shape=False),
    # AI
    _k("anthropic-key", lambda g: "sk-ant-api03-" + r(g, URLSAFE, 93) + "AA", "ANTHROPIC_API_KEY"),
    _k("openai-project-key", lambda g: "sk-proj-" + r(g, URLSAFE, 156), "OPENAI_API_KEY"),
    _k(
        "openai-legacy-key",
        lambda g: "sk-" + r(g, A62, 20) + "T3BlbkFJ" + r(g, A62, 20),
        "OPENAI_KEY",
    ),
    _k("huggingface-token", lambda g: "hf_" + r(g, A62, 34), "HF_TOKEN"),
    _k("replicate-token", lambda g: "r8_" + r(g, A62, 37), "REPLICATE_API_TOKEN"),
    _k("groq-key", lambda g: "gsk_" + r(g, A62, 52), "GROQ_API_KEY"),
    # payment, messaging
    _k("stripe-live", lambda g: "sk_live_51" + r(g, A62, 97), "STRIPE_SECRET_KEY"),
    _k("stripe-test", lambda g: "sk_test_51" + r(g, A62, 97), "STRIPE_TEST_KEY"),
    _k("stripe-restricted", lambda g: "rk_live_51" + r(g, A62, 97), "STRIPE_RESTRICTED_KEY"),
    _k("stripe-webhook", lambda g: "whsec_" + r(g, A62, 32), "STRIPE_WEBHOOK_SECRET"),
    _k("square-token", lambda g: "EAAA" + r(g, URLSAFE, 60), "SQUARE_ACCESS_TOKEN"),
    _k("twilio-api-key", lambda g: "SK" + r(g, HEX, 32), "TWILIO_API_KEY"),
    _k("twilio-auth-token", lambda g: r(g, HEX, 32), "TWILIO_AUTH_TOKEN", shape=False),
    _k("sendgrid-key", lambda g: f"SG.{r(g, URLSAFE, 22)}.{r(g, URLSAFE, 43)}", "SENDGRID_API_KEY"),
    _k("mailgun-key", lambda g: "key-" + r(g, HEX, 32), "MAILGUN_API_KEY"),
    _k("mailchimp-key", lambda g: r(g, HEX, 32) + "-us" + digits(g, 2), "MAILCHIMP_API_KEY"),
    _k("facebook-token", lambda g: "EAAB" + r(g, A62, 150), "FB_ACCESS_TOKEN"),
    _k(
        "mapbox-secret",
        lambda g: "sk.eyJ1IjoiYWNtZSIsImEiOi" + r(g, URLSAFE, 30) + "." + r(g, URLSAFE, 22),
        "MAPBOX_SECRET_TOKEN",
    ),
    # generic
    _k("jwt", jwt, "ID_TOKEN"),
    _k(
        "private-key",
        pem_body,
        "TLS_PRIVATE_KEY",
        multiline=True,
        wrap="-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----",
    ),
    _k(
        "postgres-uri",
        uri_password,
        "DATABASE_URL",
        wrap="postgres://shop_app:{}@db-1.internal.acme.example:5432/shop",
    ),
    _k(
        "mongodb-srv-uri",
        uri_password,
        "MONGODB_URI",
        wrap="mongodb+srv://reporting:{}@cluster0.ab1cd.mongodb.net/admin?retryWrites=true",
    ),
    _k(
        "https-userinfo",
        uri_password,
        "REPO_URL",
        wrap="https://deploy:{}@git.acme.example/shop/web.git",
    ),
    _k("redis-uri", uri_password, "REDIS_URL", wrap="redis://:{}@cache-1.internal:6379/0"),
    _k(
        "connection-string",
        uri_password,
        "DB_CONNECTION",
        wrap="Server=tcp:sql-1.acme.example,1433;Database=shop;User ID=app;Password={};"
        "Encrypt=True",
    ),
    _k(
        "basic-auth",
        lambda g: base64.b64encode(f"svc-{r(g, A62, 6)}:{r(g, A62, 18)}".encode()).decode(),
        "BASIC_AUTH",
        wrap="Basic {}",
    ),
    _k("password", human_password, "ADMIN_PASSWORD", shape=False),
    _k("session-id", lambda g: r(g, HEX, 32), "SESSION_ID", shape=False),
    _k("opaque-api-key", lambda g: r(g, A62, 32), "PARTNER_API_KEY"),
]


def _filled(kind: Kind, value: str, rng: Rng) -> str:
    if kind.wrap.count("{}") == 3:  # the Slack webhook: team, channel, secret
        return kind.wrap.format(r(rng, UPPER_DIGITS, 8), r(rng, UPPER_DIGITS, 10), value)
    return kind.wrap.format(value)


@dataclass(frozen=True)
class Planted:
    """A value planted in a file: a secret (must go) or a look-alike (should stay)."""

    file: str
    placement: str
    kind: str
    value: str
    labelled: bool
    secret: bool = True


@dataclass
class Corpus:
    files: dict[str, str] = field(default_factory=dict)
    planted: list[Planted] = field(default_factory=list)


# -- pools of names and sentences: the held-out corpus uses the other half of each ----------
SECRET_FIELDS = [
    "client_secret", "api_key", "access_token", "password", "secret_key", "auth_token",
    "apiKey", "refresh_token", "private_token", "db_password", "x_api_key", "accessToken",
    "serviceToken", "signing_secret", "webhook_secret", "credentials",
]  # fmt: skip
SECRET_HEADERS = [
    "X-Api-Key", "X-Auth-Token", "Private-Token", "X-Vault-Token", "X-Service-Token",
    "X-Access-Token", "Api-Key", "X-Secret-Key",
]  # fmt: skip
NEUTRAL_FIELDS = [
    "value", "data", "item", "note", "ref", "config", "result", "input", "payload", "arg",
    "content", "text", "detail", "entry", "body", "raw",
]  # fmt: skip
FREE_TEXT = [
    "worker started with {} in place",
    "copied {} from the wiki page into the setup",
    "retrying after 3s (last attempt used {})",
    "user pasted {} into the chat",
    "found {} in the backup folder",
    "migration step 4 done, next: {}",
    "the customer sent {} by mail",
    "debug dump follows: {}",
]
COOKIE_NAMES = ["sid", "idx", "DT", "JSESSIONID", "session", "auth", "_app_session", "remember"]
SCRIPT_VARS = ["stateToken", "apiKey", "authToken", "clientSecret", "sessionToken", "csrfToken"]
NEUTRAL_VARS = ["cfg", "initialState", "bootData", "appData", "pageData", "ctx"]

# Look-alikes: placeholders under secret names, and names that only mention a secret.
PLACEHOLDERS = [
    "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "ghp_" + "x" * 36, "${NPM_TOKEN}", "<token>", "****", "your-api-key-here",
    "{{ secrets.DEPLOY_TOKEN }}", "changeme", "$API_KEY", "xxxxxxxxxxxxxxxxxxxx",
    "sk_live_" + "0" * 24, "<YOUR_CLIENT_SECRET>", "%DB_PASSWORD%", "********",
    "REPLACE_ME", "null", "os.environ['SECRET_KEY']",
]  # fmt: skip
MENTIONS = [
    ("key_name", lambda g: "prod-signing-key"),
    ("kms_key_id", lambda g: str(uuid.UUID(int=g.getrandbits(128)))),
    ("key_vault_name", lambda g: "kv-acme-prod-" + r(g, string.ascii_lowercase, 4)),
    ("schemaKey", lambda g: "orderId"),
    ("credentialId", lambda g: "cred_" + r(g, HEX, 16)),
    ("UserSecretsId", lambda g: str(uuid.UUID(int=g.getrandbits(128)))),
    ("LLM_SECRET_NAME", lambda g: "openai-prod"),
    ("access_token_url", lambda g: "https://login.acme.example/oauth2/v1/token"),
    ("publicToken", lambda g: "public-sandbox-" + str(uuid.UUID(int=g.getrandbits(128)))),
    ("token_type", lambda g: "Bearer"),
    ("secret_arn", lambda g: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db"),
    ("password_policy", lambda g: "min-length-12"),
    ("auth_method", lambda g: "client_secret_basic"),
    ("session_timeout", lambda g: "30m"),
    ("api_key_header", lambda g: "X-Api-Key"),
    ("publishable_key", lambda g: "pk_live_" + r(g, A62, 24)),
]
RANDOM_LOOKALIKES = [
    ("sha256", lambda g: r(g, HEX, 64)),
    ("commit", lambda g: r(g, HEX, 40)),
    ("request_id", lambda g: str(uuid.UUID(int=g.getrandbits(128)))),
    ("trace_id", lambda g: r(g, HEX, 32)),
    ("build", lambda g: "2026.11." + digits(g, 3)),
    ("asset", lambda g: "static/js/main." + r(g, HEX, 8) + ".chunk.js"),
    ("class_name", lambda g: "OrderConfirmationDialogController"),
    ("etag", lambda g: 'W/"' + r(g, HEX, 16) + '"'),
    ("integrity", lambda g: "sha384-" + base64.b64encode(g.randbytes(48)).decode()),
    ("encoded_note", lambda g: base64.b64encode(b"the customer asked for a refund").decode()),
    ("client_id", lambda g: "0oa" + r(g, A62, 17)),
    ("request_id", lambda g: "req_" + r(g, A62, 24)),
    ("css", lambda g: "Button_primary__" + r(g, A62, 5)),
    ("ga", lambda g: f"GA1.2.{digits(g, 10)}.{digits(g, 10)}"),
]


def _half(pool: list, held_out: bool) -> list:
    return pool[1::2] if held_out else pool[0::2]


def _camel(name: str) -> str:
    parts = name.lower().split("_")
    return parts[0] + "".join(p.capitalize() for p in parts[1:])


class _Builder:
    def __init__(self, seed: int, held_out: bool) -> None:
        self.rng = random.Random(seed)
        self.held_out = held_out
        self.corpus = Corpus()

    def pick(self, pool: list):
        return self.rng.choice(_half(pool, self.held_out))

    def plant(self, file: str, placement: str, kind: str, value: str, labelled: bool,
              secret: bool = True) -> None:  # fmt: skip
        self.corpus.planted.append(Planted(file, placement, kind, value, labelled, secret))


def _secret_placements(kind: Kind) -> dict[str, list[tuple[str, bool]]]:
    """Placements of one kind per file type: (placement, labelled)."""
    labelled_only = not kind.shape
    har = [("header", True), ("cookie", True), ("query", True), ("json", True)]
    log = [("env", True), ("header", True), ("json", True), ("curl", True)]
    export = [("json", True), ("header", True)]
    if kind.multiline:
        return {
            "har": [("json", True), ("json-neutral", False)],
            "log": [("env", True), ("free-text", False)],
            "json": [("json", True), ("json-neutral", False)],
        }
    if kind.id in ("basic-auth",):
        return {"har": [("header", True)], "log": [("header", True), ("curl", True)],
                "json": [("header", True)]}  # fmt: skip
    har += [("html-hidden-input", True), ("inline-script", True)]
    log += [("cookie", True), ("query", True)]
    export += [("cookie", True), ("query", True)]
    if not labelled_only:
        har += [("query-neutral", False), ("json-neutral", False), ("free-text", False),
                ("inline-script-neutral", False)]  # fmt: skip
        log += [("free-text", False), ("json-neutral", False)]
        export += [("json-neutral", False), ("free-text", False)]
    return {"har": har, "log": log, "json": export}


def build(seed: int = TUNING_SEED, held_out: bool = False) -> Corpus:
    b = _Builder(seed, held_out)
    rng = b.rng
    entries: list[dict] = []
    log_lines: list[str] = []
    export: list[dict] = []
    for kind in KINDS:
        places = _secret_placements(kind)
        for placement, labelled in places["har"]:
            value = kind.make(rng)
            text = _filled(kind, value, rng)
            entries.append(_har_entry(b, kind, placement, text, value))
            b.plant("session.har", placement, kind.id, value, labelled)
        for placement, labelled in places["log"]:
            value = kind.make(rng)
            text = _filled(kind, value, rng)
            log_lines.append(_log_line(b, kind, placement, text))
            b.plant("service.log", placement, kind.id, value, labelled)
        for placement, labelled in places["json"]:
            value = kind.make(rng)
            text = _filled(kind, value, rng)
            export.append(_export_item(b, kind, placement, text))
            b.plant("export.json", placement, kind.id, value, labelled)
    # look-alikes, in the same three files
    for file in ("session.har", "service.log", "export.json"):
        for placeholder in _half(PLACEHOLDERS, held_out):
            name = b.pick(SECRET_FIELDS)
            _lookalike(b, file, name, placeholder, entries, log_lines, export, "placeholder")
        for name, make in _half(MENTIONS, held_out):
            _lookalike(b, file, name, make(rng), entries, log_lines, export, "mention")
        for name, make in RANDOM_LOOKALIKES:
            _lookalike(b, file, name, make(rng), entries, log_lines, export, "random-id")
    rng.shuffle(entries)
    rng.shuffle(log_lines)
    rng.shuffle(export)
    har = {
        "log": {
            "version": "1.2",
            "creator": {"name": "WebInspector", "version": "537.36"},
            "pages": [],
            "entries": entries,
        }
    }
    b.corpus.files["session.har"] = json.dumps(har, indent=2)
    b.corpus.files["service.log"] = "\n".join(log_lines) + "\n"
    b.corpus.files["export.json"] = json.dumps({"items": export}, indent=2)
    return b.corpus


def _lookalike(b: _Builder, file: str, name: str, value: str, entries: list, lines: list,
               export: list, what: str) -> None:  # fmt: skip
    b.plant(file, what, name, value, True, secret=False)
    if file == "session.har":
        shown = value if what != "placeholder" else "x"
        entries.append(
            _entry(
                url=f"https://app.acme.example/api/settings?{name}={shown}",
                response_json={name: value, "status": "ok"},
            )
        )
    elif file == "service.log":
        lines.append(f"2026-11-30T09:14:0{b.rng.randint(0, 9)}Z INFO  [config] {name}={value}")
    else:
        export.append({"setting": {name: value}})


def _entry(
    url: str = "https://app.acme.example/api/orders",
    method: str = "GET",
    req_headers: list | None = None,
    cookies: list | None = None,
    query: list | None = None,
    post: str | None = None,
    response_json: object = None,
    response_text: str | None = None,
    mime: str = "application/json",
) -> dict:
    """A HAR 1.2 entry (http://www.softwareishard.com/blog/har-12-spec/)."""
    text = response_text if response_text is not None else json.dumps(response_json or {})
    request: dict = {
        "method": method,
        "url": url,
        "httpVersion": "HTTP/2",
        "headers": [
            {"name": ":authority", "value": "app.acme.example"},
            {"name": ":path", "value": url.split("acme.example", 1)[-1]},
            {"name": "accept", "value": "application/json"},
            *(req_headers or []),
        ],
        "queryString": query or [],
        "cookies": cookies or [],
        "headersSize": -1,
        "bodySize": len(post or ""),
    }
    if post is not None:
        request["postData"] = {"mimeType": "application/json", "text": post}
    return {
        "startedDateTime": "2026-11-30T09:14:02.120Z",
        "time": 84.2,
        "request": request,
        "response": {
            "status": 200,
            "statusText": "OK",
            "httpVersion": "HTTP/2",
            "headers": [{"name": "content-type", "value": mime}],
            "cookies": [],
            "content": {"size": len(text), "mimeType": mime, "text": text},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": len(text),
        },
        "cache": {},
        "timings": {"send": 0.3, "wait": 80.1, "receive": 2.6},
    }


def _har_entry(b: _Builder, kind: Kind, placement: str, text: str, value: str) -> dict:
    from urllib.parse import quote

    field_name = b.pick(SECRET_FIELDS)
    neutral = b.pick(NEUTRAL_FIELDS)
    if placement == "header":
        if text.startswith("Basic "):
            return _entry(req_headers=[{"name": "authorization", "value": text}])
        header = b.pick(SECRET_HEADERS)
        return _entry(req_headers=[{"name": header, "value": text}])
    if placement == "cookie":
        name = b.pick(COOKIE_NAMES)
        return _entry(
            req_headers=[{"name": "cookie", "value": f"{name}={text}; theme=dark"}],
            cookies=[{"name": name, "value": text}, {"name": "theme", "value": "dark"}],
        )
    if placement in ("query", "query-neutral"):
        name = field_name if placement == "query" else neutral
        encoded = quote(text, safe="")
        return _entry(
            url=f"https://app.acme.example/api/callback?{name}={encoded}&page=2",
            query=[{"name": name, "value": text}, {"name": "page", "value": "2"}],
        )
    if placement == "json":
        return _entry(method="POST", post=json.dumps({"user": "alice", field_name: text}))
    if placement == "json-neutral":
        return _entry(response_json={"id": 42, neutral: text})
    if placement == "free-text":
        sentence = b.pick(FREE_TEXT).format(text)
        return _entry(response_text=sentence, mime="text/plain")
    if placement == "html-hidden-input":
        html = (
            '<form method="post" action="/sso/saml"><input type="hidden" name="RelayState" '
            f'value="/app"><input type="hidden" name="{field_name}" value="{text}"></form>'
        )
        return _entry(response_text=html, mime="text/html")
    var = b.pick(SCRIPT_VARS) if placement == "inline-script" else b.pick(NEUTRAL_VARS)
    html = f"<html><script>var {var} = '{text}';\nwindow.boot();</script></html>"
    return _entry(response_text=html, mime="text/html")


def _log_line(b: _Builder, kind: Kind, placement: str, text: str) -> str:
    stamp = f"2026-11-30T09:{b.rng.randint(10, 59)}:{b.rng.randint(10, 59)}.120Z"
    field_name = b.pick(SECRET_FIELDS)
    if placement == "env":
        return f"{stamp} DEBUG [env] {kind.env}={text}"
    if placement == "header":
        if text.startswith("Basic "):
            return f"{stamp} DEBUG [http] Authorization: {text}"
        return f"{stamp} DEBUG [http] {b.pick(SECRET_HEADERS)}: {text}"
    if placement == "cookie":
        return f"{stamp} DEBUG [http] Cookie: {b.pick(COOKIE_NAMES)}={text}; theme=dark"
    if placement == "query":
        return f"{stamp} INFO  [web] GET /api/export?{field_name}={text}&page=2 200 14ms"
    if placement == "curl":
        if text.startswith("Basic "):
            return f"{stamp} INFO  [support] repro: curl -H 'Authorization: {text}' https://api.acme.example/v1/me"
        if b.rng.random() < 0.5:
            return (
                f"{stamp} INFO  [support] repro: curl -H 'Authorization: Bearer {text}' "
                "-H 'Accept: */*' https://api.acme.example/v1/me"
            )
        return (
            f"{stamp} INFO  [support] repro: curl -b 'DT=abc123; {b.pick(COOKIE_NAMES)}={text}' "
            "https://login.acme.example/app"
        )
    if placement == "json":
        return stamp + " " + json.dumps({"level": "debug", "msg": "config", field_name: text})
    if placement == "json-neutral":
        return (
            stamp
            + " "
            + json.dumps({"level": "debug", "msg": "loaded", b.pick(NEUTRAL_FIELDS): text})
        )
    return f"{stamp} INFO  [worker] {b.pick(FREE_TEXT).format(text)}"


def _export_item(b: _Builder, kind: Kind, placement: str, text: str) -> dict:
    field_name = b.pick(SECRET_FIELDS)
    if placement == "json":
        return {"service": kind.id, field_name: text}
    if placement == "json-neutral":
        return {"service": kind.id, b.pick(NEUTRAL_FIELDS): text}
    if placement == "header":
        if text.startswith("Basic "):
            return {"headers": [{"name": "Authorization", "value": text}]}
        return {"headers": [{"name": b.pick(SECRET_HEADERS), "value": text}]}
    if placement == "cookie":
        return {"cookie": f"{b.pick(COOKIE_NAMES)}={text}; lang=en"}
    if placement == "query":
        return {"callback": f"https://app.acme.example/cb?{field_name}={text}&lang=en"}
    return {"event": "note", "message": b.pick(FREE_TEXT).format(text)}


def write(directory: Path) -> None:
    for name, seed, held_out in (("tuning", TUNING_SEED, False), ("held-out", HELD_OUT_SEED, True)):
        corpus = build(seed, held_out)
        target = directory / name
        target.mkdir(parents=True, exist_ok=True)
        for filename, text in corpus.files.items():
            (target / filename).write_text(text, encoding="utf-8")
        (target / "planted.json").write_text(
            json.dumps([p.__dict__ for p in corpus.planted], indent=1), encoding="utf-8"
        )


if __name__ == "__main__":
    write(Path(sys.argv[1]))
