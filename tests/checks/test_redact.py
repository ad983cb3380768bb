"""Credentials and secrets are removed from targets and messages."""

from __future__ import annotations

import pytest

from checks.redact import redact_target, redact_text, redact_value


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("https://user:pw@shop.example/", "https://shop.example/"),
        ("https://shop.example/?token=abc&page=2", "https://shop.example/?token=REDACTED&page=2"),
        (
            "https://x.example/a?api_key=1&access_token=2",
            "https://x.example/a?api_key=REDACTED&access_token=REDACTED",
        ),
        (
            "https://x.example/?X-Amz-Signature=ff&X-Amz-Credential=k",
            "https://x.example/?X-Amz-Signature=REDACTED&X-Amz-Credential=REDACTED",
        ),
        (
            "https://x.example/?password=p&secret=s&auth=a&key=k",
            "https://x.example/?password=REDACTED&secret=REDACTED&auth=REDACTED&key=REDACTED",
        ),
        (
            "https://x.example/cb#access_token=abc&state=1",
            "https://x.example/cb#access_token=REDACTED&state=1",
        ),
        ("https://x.example/?monkey=1&q=shoes", "https://x.example/?monkey=1&q=shoes"),
        ("admin:pw@db.example:5432", "db.example:5432"),
        ("shop.example:443", "shop.example:443"),
    ],
)
def test_redact_target(target: str, expected: str) -> None:
    assert redact_target(target) == expected


def test_redact_text_and_nested_values() -> None:
    message = "Max retries exceeded with url: https://u:p@h.example/x?token=t0k (Caused by X)"
    assert "t0k" not in redact_text(message) and "u:p@" not in redact_text(message)
    nested = {"redirects": [{"url": "https://h.example/?sig=zz"}], "n": 3}
    assert redact_value(nested) == {
        "redirects": [{"url": "https://h.example/?sig=REDACTED"}],
        "n": 3,
    }
