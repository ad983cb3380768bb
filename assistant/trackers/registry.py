"""Every tracker type the app knows: one ``Plugin`` each, by the id stored in settings and
in ticket links (``redmine``, ``jira-cloud`` …); titles are looked up from it."""

from __future__ import annotations

from types import MappingProxyType

from assistant.policy.schema import Policy
from assistant.settings import TrackerSettings
from assistant.trackers.base import Tracker, TrackerRejected
from assistant.trackers.github import GitHubTracker
from assistant.trackers.gitlab import GitLabTracker
from assistant.trackers.jira import JiraCloud, JiraDataCenter
from assistant.trackers.redmine import RedmineTracker
from assistant.trackers.webhook import WebhookTracker
from checks.plugins import Plugin, Registry, UnknownPlugin

#: hosted trackers have a default API URL, so the settings need none
_URL_OPTIONAL = MappingProxyType({"url_optional": True})

TRACKERS: Registry[type[Tracker]] = Registry(
    "tracker type",
    (
        Plugin("redmine", "Redmine", RedmineTracker),
        Plugin("jira-cloud", "Jira Cloud", JiraCloud),
        Plugin("jira-dc", "Jira Data Center / Server", JiraDataCenter),
        Plugin("github", "GitHub Issues", GitHubTracker, _URL_OPTIONAL),
        Plugin("gitlab", "GitLab Issues", GitLabTracker, _URL_OPTIONAL),
        Plugin("webhook", "JSON webhook", WebhookTracker),
    ),
)


def make_tracker(settings: TrackerSettings, token: str, policy: Policy) -> Tracker:
    """The adapter for ``settings.type``; ``TrackerRejected`` for an unknown type."""
    try:
        plugin = TRACKERS.require(settings.type)
    except UnknownPlugin as exc:
        raise TrackerRejected(str(exc)) from exc
    if not settings.url and not plugin.meta.get("url_optional", False):
        raise TrackerRejected(f"The {plugin.title} URL is not set.")
    return plugin.build.from_settings(settings, token, policy)
