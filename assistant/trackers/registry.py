"""Every tracker adapter the app knows, by the ``type`` stored in the agent's settings."""

from __future__ import annotations

from assistant.policy.schema import Policy
from assistant.settings import TrackerSettings
from assistant.trackers.base import Tracker, TrackerRejected
from assistant.trackers.github import GitHubTracker
from assistant.trackers.gitlab import GitLabTracker
from assistant.trackers.jira import JiraCloud, JiraDataCenter
from assistant.trackers.redmine import RedmineTracker
from assistant.trackers.webhook import WebhookTracker

TRACKERS: dict[str, type[Tracker]] = {
    "redmine": RedmineTracker,
    "jira-cloud": JiraCloud,
    "jira-dc": JiraDataCenter,
    "github": GitHubTracker,
    "gitlab": GitLabTracker,
    "webhook": WebhookTracker,
}

#: what the settings dialog shows for each type
TRACKER_TITLES: dict[str, str] = {
    "redmine": "Redmine",
    "jira-cloud": "Jira Cloud",
    "jira-dc": "Jira Data Center / Server",
    "github": "GitHub Issues",
    "gitlab": "GitLab Issues",
    "webhook": "JSON webhook",
}


def make_tracker(settings: TrackerSettings, token: str, policy: Policy) -> Tracker:
    """The adapter for ``settings.type``; ``TrackerRejected`` for an unknown type."""
    cls = TRACKERS.get(settings.type)
    if cls is None:
        known = ", ".join(sorted(TRACKERS))
        raise TrackerRejected(f"Unknown tracker type {settings.type!r}; choose one of: {known}.")
    if not settings.url and settings.type not in {"github", "gitlab"}:
        raise TrackerRejected(f"The {TRACKER_TITLES[settings.type]} URL is not set.")
    return cls.from_settings(settings, token, policy)
