"""Detection as the user sees it: what leaves a file and what stays, why each value went,
and what Ops' policy can turn off. The values are synthetic (generated in the documented
shapes), never real credentials."""

from __future__ import annotations

import json
import random
from importlib import resources
from pathlib import Path

import pytest

from assistant.cli.main import main
from assistant.errors import PolicyError
from assistant.paths import resolve_paths
from assistant.policy.loader import parse_policy
from assistant.scrub import ScrubRules, ScrubTable, scrub_bytes
from assistant.scrub.formats import FORMATS, RULE_IDS, github_checksum_valid
from assistant.scrub.rules import is_secret_name
from assistant.settings import AgentSettings, TrackerSettings, save_settings
from assistant.store import Store
from tests.assistant.fake_tracker import complete_escalation
from tests.assistant.scrub.planted import crc_token

STATE_TOKEN = "00Kp7vQ2xN9mR4tL8wZ1yB6cD3fG5hJ0aE2sU7iO9"
STATE_HANDLE = "02.id.Xy7Kp2Qm9Rt4Vw8Zb3Nc~c.Lm5Np9Rs3Tv7Wx1Yz4Ab6Cd0Ef"
SID = "102Tq8Lm5Np9Rs3Tv7Wx1Yz4Ab6Cd0Ef"
IDX = "1.AAb3Cd5Ef7Gh9Ij1Kl3Mn5Op7Qr9St1Uv3Wx5Yz7A"
DT = "DI1q9Wm2Xp5Vt9Ny4Lb6HcR3kF8sJ0dG7"
SAML = "PHNhbWxwOlJlc3BvbnNlIElEPSJfOGU4ZGM1ZjY5YTk4Y2M0YzFmZjM5NDRlNTUyYzc0YjAi"


def _entry(url: str, **request: object) -> dict[str, object]:
    path = url.split("okta.com", 1)[1]
    headers = [
        {"name": ":authority", "value": "acme.okta.com"},
        {"name": ":path", "value": path},
        *request.pop("headers", []),  # type: ignore[misc]
    ]
    return {
        "startedDateTime": "2026-11-30T09:14:02.120Z",
        "time": 12.0,
        "request": {
            "method": "GET",
            "url": url,
            "httpVersion": "HTTP/2",
            "headers": headers,
            "queryString": [],
            "cookies": [],
            "headersSize": -1,
            "bodySize": 0,
            **request,
        },
        "response": request.pop("response", None)
        or {
            "status": 200,
            "statusText": "OK",
            "httpVersion": "HTTP/2",
            "headers": [],
            "cookies": [],
            "content": {"size": 0, "mimeType": "text/html", "text": ""},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": 0,
        },
        "cache": {},
        "timings": {"send": 0, "wait": 10, "receive": 2},
    }


def _response(text: str, mime: str) -> dict[str, object]:
    return {
        "status": 200,
        "statusText": "OK",
        "httpVersion": "HTTP/2",
        "headers": [{"name": "content-type", "value": mime}],
        "cookies": [],
        "content": {"size": len(text), "mimeType": mime, "text": text},
        "redirectURL": "",
        "headersSize": -1,
        "bodySize": len(text),
    }


def okta_har() -> bytes:
    """An Okta sign-in as a browser exports it: session cookies, the state token in a query,
    in the IDX JSON and in the login page's script, the SAML response in a hidden input and
    posted to the app."""
    page = (
        "<html><head><script>var stateToken = '" + STATE_TOKEN + "';\n"
        "var config = {baseUrl: 'https://acme.okta.com'};</script></head><body>"
        '<form method="POST" action="https://app.acme.example/saml/acs">'
        f'<input type="hidden" name="SAMLResponse" value="{SAML}"/>'
        '<input type="hidden" name="RelayState" value="/dashboard"/></form></body></html>'
    )
    entries = [
        _entry(
            f"https://acme.okta.com/login/login.htm?stateToken={STATE_TOKEN}&fromURI=%2Fapp",
            queryString=[
                {"name": "stateToken", "value": STATE_TOKEN},
                {"name": "fromURI", "value": "/app"},
            ],
            headers=[{"name": "cookie", "value": f"DT={DT}; idx={IDX}; sid={SID}"}],
            cookies=[
                {"name": "DT", "value": DT},
                {"name": "idx", "value": IDX},
                {"name": "sid", "value": SID},
            ],
            response=_response(page, "text/html"),
        ),
        _entry(
            "https://acme.okta.com/idp/idx/introspect",
            method="POST",
            postData={
                "mimeType": "application/json",
                "text": json.dumps({"stateToken": STATE_TOKEN}),
            },
            response=_response(
                json.dumps({"version": "1.0.0", "stateHandle": STATE_HANDLE}),
                "application/ion+json",
            ),
        ),
        _entry(
            "https://acme.okta.com/app/acme_shop/exk1/sso/saml",
            method="POST",
            postData={
                "mimeType": "application/x-www-form-urlencoded",
                "text": f"SAMLResponse={SAML}&RelayState=%2Fdashboard",
                "params": [
                    {"name": "SAMLResponse", "value": SAML},
                    {"name": "RelayState", "value": "/dashboard"},
                ],
            },
        ),
    ]
    har = {
        "log": {
            "version": "1.2",
            "creator": {"name": "Firefox", "version": "133"},
            "entries": entries,
        }
    }
    return json.dumps(har, indent=2).encode()


def test_the_okta_har_loses_every_session_and_state_value() -> None:
    out, report = scrub_bytes(okta_har(), "okta-login.har")
    text = out.decode()
    for secret in (STATE_TOKEN, STATE_HANDLE, SID, IDX, DT, SAML):
        assert secret not in text
    json.loads(text)  # still a HAR
    assert "RelayState" in text and "/dashboard" in text and "acme.okta.com" in text
    rules = {v.rule for v in report.values}
    assert {"cookie", "secret-name", "html-hidden-input"} <= rules
    # The login page alone: its script and its form give the token and the response away.
    har = json.loads(okta_har())
    har["log"]["entries"] = [har["log"]["entries"][0]]
    page = har["log"]["entries"][0]
    page["request"]["url"] = "https://acme.okta.com/login/login.htm"
    page["request"].update(queryString=[], cookies=[])
    page["request"]["headers"] = []
    out, report = scrub_bytes(json.dumps(har).encode(), "page.har")
    assert STATE_TOKEN.encode() not in out and SAML.encode() not in out
    assert {v.rule for v in report.values} == {"script-assignment", "html-hidden-input"}


def test_a_value_is_redacted_whole_however_it_is_written() -> None:
    log = b"2026-11-30 INFO env ADMIN_PASSWORD=m{{h}o)p${e]nob(ody[finds>-_$#thisone}} loaded\n"
    out, report = scrub_bytes(log, "deploy.log")
    assert out == b"2026-11-30 INFO env ADMIN_PASSWORD=[REDACTED] loaded\n"
    assert report.values[0].rule == "secret-name"


@pytest.mark.parametrize(
    ("text", "password"),
    [
        ("DATABASE_URL=postgres://shop:Tq8Lm5Np9Rs3@db-1:5432/shop", "Tq8Lm5Np9Rs3"),
        ("mongodb+srv://report:Xv9Kz4Wm8Ys3@cluster0.ab1cd.mongodb.net/admin", "Xv9Kz4Wm8Ys3"),
        ("cloning https://deploy:Lb6HcR3kF8sJ@git.acme.example/web.git", "Lb6HcR3kF8sJ"),
        ("cache at redis://:Wq7Xp2Kv8Ms3@cache-1:6379/0", "Wq7Xp2Kv8Ms3"),
        (
            "Server=sql-1;Database=shop;User ID=app;Password=Nb6Lr1Hy5Zt4;Encrypt=True",
            "Nb6Lr1Hy5Zt4",
        ),
    ],
)
def test_credentials_in_uris_and_connection_strings(text: str, password: str) -> None:
    out, report = scrub_bytes(text.encode() + b"\n", "app.log")
    assert password.encode() not in out
    host = text.split("@")[-1].split(";")[0] if "@" in text else "Database=shop"
    assert host.encode() in out  # the rest stays: Ops sees which server
    assert report.total == 1


def test_tokens_with_a_documented_prefix_in_free_text() -> None:
    tokens = [
        crc_token("ghs_", random.Random(1)),
        "npm_" + "Tq8Lm5Np9Rs3Tv7Wx1Yz4Ab6Cd0Ef2Gh4Ij6",
        "pypi-AgEIcHlwaS5vcmc" + "Tq8Lm5Np9Rs3Tv7Wx1Yz4Ab6Cd0Ef2Gh4Ij6Kl8Mn0Op2Qr4St6Uv8Wx0",
        "hvs.CAESITq8Lm5Np9Rs3Tv7Wx1Yz4Ab6Cd0Ef2Gh4Ij6",
        "dop_v1_" + "3f9a1c7e5b2d8f4a6c0e9b1d3f5a7c9e" * 2,
        "SG.Tq8Lm5Np9Rs3Tv7Wx1Yz4.Ab6Cd0Ef2Gh4Ij6Kl8Mn0Op2Qr4St6Uv8Wx0Yz2Ab4Cd6Ef8",
        "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",
        "sk-ant-api03-" + "Tq8Lm5Np9Rs3Tv7Wx1Yz4Ab6Cd0Ef2Gh4Ij6Kl8Mn0Op2Qr4St6Uv8-AA",
        "sk-proj-Tq8Lm5Np9Rs3Tv7Wx1Yz4Ab6Cd0Ef2Gh4Ij6Kl8Mn0Op",
        "dapi3f9a1c7e5b2d8f4a6c0e9b1d3f5a7c9e",
        "xapp-1-A0123456789-1234567890123-3f9a1c7e5b2d8f4a6c0e9b1d3f5a7c9e",
        "ya29.a0Tq8Lm5Np9Rs3Tv7Wx1Yz4Ab6Cd0Ef2Gh4Ij6",
        "sk_test_51Tq8Lm5Np9Rs3Tv7Wx1Yz4Ab6Cd0",
    ]
    log = "".join(f"2026-11-30 INFO step {i}: using {t} now\n" for i, t in enumerate(tokens))
    out, report = scrub_bytes(log.encode(), "ci.log")
    left = [t for t in tokens if t.encode() in out]
    assert left == []
    assert b"using [REDACTED] now" in out
    assert all(v.rule for v in report.values)


def test_github_tokens_carry_a_checksum() -> None:
    token = crc_token("ghp_", random.Random(5))
    assert github_checksum_valid(token.encode())
    assert not github_checksum_valid(token[:-1].encode() + b"x")


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("password", True),
        ("client_secret", True),
        ("api_key", True),
        ("refresh_token", True),
        ("X-Auth-Token", True),
        ("sessionId", True),
        ("stateHandle", True),
        ("key_name", False),
        ("kms_key_id", False),
        ("key_vault_name", False),
        ("schemaKey", False),
        ("credentialId", False),
        ("UserSecretsId", False),
        ("LLM_SECRET_NAME", False),
        ("access_token_url", False),
        ("publicToken", False),
        ("Authentication-Results", False),
        ("token_type", False),
        ("max_tokens", False),
    ],
)
def test_names_are_judged_by_meaning(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret


@pytest.mark.parametrize(
    "value",
    [
        "AKIAIOSFODNN7EXAMPLE",
        "ghp_" + "x" * 36,
        "${NPM_TOKEN}",
        "<token>",
        "****",
        "your-api-key-here",
        "{{ secrets.DEPLOY_TOKEN }}",
    ],
)
def test_placeholders_are_kept(value: str) -> None:
    text = f"GITHUB_TOKEN={value}\napi_key: {value}\n"
    out, report = scrub_bytes(text.encode(), "env.log")
    assert out == text.encode() and report.total == 0


def test_ops_can_turn_a_built_in_rule_off_by_its_id() -> None:
    text = b"key sk_test_51Tq8Lm5Np9Rs3Tv7Wx1Yz4Ab6Cd0 and https://u:Tq8Lm5Np9@host/\n"
    _out, report = scrub_bytes(text, "a.log")
    assert {v.rule for v in report.values} == {"stripe-key", "uri-credentials"}
    # (Off alone, the randomness rule would still take the key: both go.)
    rules = ScrubRules(ScrubTable(disable=["stripe-key", "high-entropy-string"]))
    out, report = scrub_bytes(text, "a.log", rules=rules)
    assert b"sk_test_51Tq8Lm5Np9Rs3Tv7Wx1Yz4Ab6Cd0" in out
    assert {v.rule for v in report.values} == {"uri-credentials"}


def test_the_policy_names_rules_to_turn_off_and_refuses_unknown_ids() -> None:
    shipped = resources.files("resources").joinpath("policy.toml").read_text("utf-8")
    policy = parse_policy(
        shipped + '\n[scrub]\nnames = ["x-acme-pin"]\ndisable = ["high-entropy-string"]\n',
        "ops.toml",
    )
    assert policy.scrub.disable == ["high-entropy-string"]
    assert ScrubRules(policy.scrub).disabled == {"high-entropy-string"}
    with pytest.raises(PolicyError, match=r"unknown scrub rule id.*no-such-rule"):
        parse_policy(shipped + '\n[scrub]\ndisable = ["no-such-rule"]\n', "ops.toml")
    assert len(FORMATS) >= 60 and "secret-name" in RULE_IDS


def test_drafts_attach_prints_why_each_value_went(
    app_home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    paths = resolve_paths(app_home).ensure()
    save_settings(
        paths.settings_file,
        AgentSettings(
            tracker=TrackerSettings(type="redmine", url="https://redmine.acme.test", project="o")
        ),
    )
    store = Store(paths)
    eid = str(store.create(complete_escalation("Acme: attach why")).id)
    store.close()
    log = tmp_path / "ci.log"
    token = "npm_" + "Tq8Lm5Np9Rs3Tv7Wx1Yz4Ab6Cd0Ef2Gh4Ij6"
    log.write_text(f"publishing with {token}\npassword=Velvet-harbor2931!\n")
    assert main(["drafts", "attach", eid[:8], str(log)]) == 0
    out = capsys.readouterr().out
    assert token not in out and "Velvet-harbor2931!" not in out
    assert "ci.log: 2 values redacted" in out
    assert "npm token (npm access token; once, 40 chars) — rule npm-token:" in out
    assert "— rule secret-name:" in out


BEARER = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.Tq8Lm5Np9Rs3Tv7Wx1Yz4Ab6Cd0Ef2Gh4"
PS_LOG = (
    "PS C:\\> Invoke-RestMethod -Uri https://api.acme.example/v1/me -Headers $h\r\n"
    f"VERBOSE: Authorization: Bearer {BEARER}\r\n"
    "VERBOSE: received 1843-byte response of content type application/json\r\n"
)


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [
        ("utf-16-le", b"\xff\xfe"),
        ("utf-16-be", b"\xfe\xff"),
        ("utf-32-le", b"\xff\xfe\x00\x00"),
        ("utf-16-le", b""),
    ],
    ids=["utf-16-le-bom", "utf-16-be-bom", "utf-32-le-bom", "utf-16-le-no-bom"],
)
def test_a_utf16_or_utf32_log_is_scrubbed_and_stays_in_its_encoding(
    encoding: str, bom: bytes, tmp_path: Path
) -> None:
    """A PowerShell transcript or a log saved by Notepad: decoded, scrubbed, written back."""
    from assistant.scrub import scrub_file

    data = bom + PS_LOG.encode(encoding)
    out, report = scrub_bytes(data, "transcript.log")
    assert not report.needs_confirmation and report.total == 1
    assert out.startswith(bom)
    text = out[len(bom) :].decode(encoding)
    assert BEARER not in text
    assert "VERBOSE: Authorization: [REDACTED]\r\n" in text
    assert "received 1843-byte response" in text
    source = tmp_path / "transcript.log"
    source.write_bytes(data)
    target = tmp_path / "scrubbed.log"
    with target.open("wb") as fh:
        assert scrub_file(source, fh).total == 1
    assert target.read_bytes() == out


def test_text_with_stray_nul_bytes_is_scrubbed() -> None:
    data = (
        b"2026-11-30 INFO start\n" + b"\x00" * 512 + b"\n2026-11-30 INFO token=Tq8Lm5Np9Rs3Tv7W\n"
    )
    out, report = scrub_bytes(data, "crash.log")
    assert not report.needs_confirmation
    assert b"Tq8Lm5Np9Rs3Tv7W" not in out and b"\x00" * 512 in out


def test_real_binaries_still_ask_for_a_look() -> None:
    elf = b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8
    _out, report = scrub_bytes(elf, "tool")
    assert report.needs_confirmation
