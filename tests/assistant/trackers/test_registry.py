"""The registry lists every adapter and builds each from settings."""

from __future__ import annotations

import pytest

from assistant.policy import Policy
from assistant.settings import TrackerSettings
from assistant.trackers.base import Tracker, TrackerRejected
from assistant.trackers.redmine import RedmineTracker
from assistant.trackers.registry import TRACKERS, make_tracker

SETTINGS = {
    "redmine": TrackerSettings(type="redmine", url="https://r.test", text_formatting="common_mark"),
    "jira-cloud": TrackerSettings(type="jira-cloud", url="https://j.test", user="a@b.test"),
    "jira-dc": TrackerSettings(type="jira-dc", url="https://j.test"),
    "github": TrackerSettings(type="github", project="acme/ops"),
    "gitlab": TrackerSettings(type="gitlab", project="42"),
    "webhook": TrackerSettings(type="webhook", url="https://h.test/x"),
}


def test_every_type_is_listed() -> None:
    assert set(TRACKERS.ids()) == set(SETTINGS)


@pytest.mark.parametrize("kind", sorted(SETTINGS))
def test_make_tracker(kind: str, policy: Policy) -> None:
    with make_tracker(SETTINGS[kind], "token", policy) as tracker:
        assert isinstance(tracker, Tracker)
        assert isinstance(tracker, TRACKERS.require(kind).build)


def test_redmine_markup_follows_text_formatting(policy: Policy) -> None:
    with make_tracker(SETTINGS["redmine"], "t", policy) as md:
        assert md.markup == "markdown"
    textile = SETTINGS["redmine"].model_copy(update={"text_formatting": "textile"})
    with make_tracker(textile, "t", policy) as tracker:
        assert isinstance(tracker, RedmineTracker)
        assert tracker.markup == "textile"
        assert tracker.max_attachment_bytes == 5 * 1024 * 1024


def test_unknown_type(policy: Policy) -> None:
    with pytest.raises(TrackerRejected, match="Unknown tracker type 'trac'"):
        make_tracker(TrackerSettings(type="trac", url="x"), "t", policy)
