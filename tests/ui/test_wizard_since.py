"""The "since when" field: what an agent types and the instant that is stored."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from ui.wizard.since_field import parse_since

BERLIN_WINTER = timezone(timedelta(hours=1), "CET")
NOW = datetime(2026, 11, 26, 9, 30, 42, tzinfo=BERLIN_WINTER)


def _local(text: str) -> datetime | None:
    when = parse_since(text, NOW)
    return when.astimezone(BERLIN_WINTER) if when is not None else None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("now", datetime(2026, 11, 26, 9, 30, tzinfo=BERLIN_WINTER)),
        ("  NOW ", datetime(2026, 11, 26, 9, 30, tzinfo=BERLIN_WINTER)),
        ("06:55", datetime(2026, 11, 26, 6, 55, tzinfo=BERLIN_WINTER)),
        ("6.55", datetime(2026, 11, 26, 6, 55, tzinfo=BERLIN_WINTER)),
        ("-2h", datetime(2026, 11, 26, 7, 30, tzinfo=BERLIN_WINTER)),
        ("-30m", datetime(2026, 11, 26, 9, 0, tzinfo=BERLIN_WINTER)),
        ("-1d", datetime(2026, 11, 25, 9, 30, tzinfo=BERLIN_WINTER)),
        ("yesterday 18:00", datetime(2026, 11, 25, 18, 0, tzinfo=BERLIN_WINTER)),
        # a time still to come today means yesterday: a problem started in the past
        ("22:10", datetime(2026, 11, 25, 22, 10, tzinfo=BERLIN_WINTER)),
    ],
)
def test_relative_and_short_forms(typed: str, expected: datetime) -> None:
    when = _local(typed)
    assert when == expected
    assert when is not None and when.second == 0 and when.microsecond == 0  # no stray seconds


def test_full_date_is_local_time_with_its_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    try:
        when = parse_since("2026-11-26 06:55", datetime(2026, 11, 27, tzinfo=BERLIN_WINTER))
        assert when is not None
        assert when.isoformat() == "2026-11-26T06:55:00+01:00"  # what the ticket shows
        assert f"{when:%H:%M %Z}" == "06:55 +01:00"  # the review names the zone as the ticket
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_empty_is_unknown_and_nonsense_or_future_says_why() -> None:
    assert parse_since("   ", NOW) is None
    with pytest.raises(ValueError, match="not a time I understand"):
        parse_since("soon-ish", NOW)
    with pytest.raises(ValueError, match="not a time of day"):
        parse_since("25:61", NOW)
    with pytest.raises(ValueError, match="future"):
        parse_since("2027-01-01 00:00", NOW)
