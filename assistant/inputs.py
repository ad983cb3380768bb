"""What an escalation must look like before it is stored from outside or sent: the core's
input rules, the same for the command line and the GUI.

- Single-line fields (title, customer, component, …) lose control characters: a NUL in a
  title reached Redmine as ``nul before\\u0000after`` and was cut there.
- Category and component are ids of Ops' policy; a case-insensitive match is normalised to
  the id, anything else is refused with the valid ids.
- The title fits the configured tracker's subject (``Tracker.max_title_chars``), refused at
  input with the limit named instead of failing with the tracker's 422 at submit.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.errors import AssistantError
from assistant.lines import clean_line
from assistant.model import Escalation
from assistant.policy.schema import Policy

#: an import larger than this is refused before it is parsed: a complete escalation with
#: long logs pasted in is a few hundred kB; 50 MB of JSON took 426 MB of memory and 13.7 s
#: to show, and attachments are files of their own, never inlined in the document
MAX_IMPORT_BYTES = 5 * 1024 * 1024

#: single-line fields as (path, label); ``steps`` items are single lines too
SINGLE_LINE_FIELDS = (
    ("title", "title"),
    ("customer.name", "customer name"),
    ("customer.account_id", "customer account"),
    ("customer.contact", "customer contact"),
    ("customer.domain", "customer domain"),
    ("component", "component"),
    ("category", "category"),
    ("environment.browser", "browser"),
    ("environment.region", "region"),
)


class InputError(AssistantError):
    """The escalation cannot be taken as it is; ``problems`` lists each reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def clean_single_lines(escalation: Escalation) -> Escalation:
    """The escalation with every single-line field cleaned (a copy; the input is unchanged)."""
    esc = escalation.model_copy(deep=True)
    for path, _label in SINGLE_LINE_FIELDS:
        owner: object = esc
        *parents, name = path.split(".")
        for part in parents:
            owner = getattr(owner, part)
        value = getattr(owner, name)
        if isinstance(value, str):
            cleaned = clean_line(value)
            if cleaned != value:
                setattr(owner, name, cleaned)
    esc.steps = [clean_line(step) for step in esc.steps]
    return esc


def normalise_catalog(escalation: Escalation, policy: Policy) -> Escalation:
    """Category and component as the policy's ids (``Billing`` → ``billing``).

    An empty value stays empty (a draft may not have chosen yet); anything else that is not
    an id of the policy raises ``InputError`` naming the valid ids.
    """
    esc = escalation.model_copy(deep=True)
    problems: list[str] = []
    categories = [c.id for c in policy.categories]
    components = [c.id for c in policy.components]
    for name, ids in (("category", categories), ("component", components)):
        value = getattr(esc, name).strip()
        if not value:
            setattr(esc, name, "")
            continue
        match = next((i for i in ids if i.casefold() == value.casefold()), None)
        if match is None:
            problems.append(
                f"{name}: {value!r} is not a {name} of Ops' policy; use one of: {', '.join(ids)}"
            )
        else:
            setattr(esc, name, match)
    if problems:
        raise InputError(problems)
    return esc


@dataclass(frozen=True)
class TitleLimit:
    """The configured tracker's longest title, and its name for the message."""

    chars: int
    tracker: str


def title_problem(escalation: Escalation, limit: TitleLimit | None) -> str | None:
    """Why the title does not fit the tracker, or ``None``."""
    if limit is None or limit.chars <= 0:
        return None
    length = len(escalation.title.strip())
    if length <= limit.chars:
        return None
    return (
        f"title: {length} characters; {limit.tracker} accepts at most {limit.chars}."
        " Shorten it (details belong in the summary)."
    )


def title_limit_for(tracker_type: str) -> TitleLimit | None:
    """The title limit of a tracker type (``None`` for an unknown or unset type)."""
    from assistant.trackers.registry import TRACKERS

    plugin = TRACKERS.get(tracker_type) if tracker_type else None
    if plugin is None:
        return None
    return TitleLimit(plugin.build.max_title_chars, plugin.title)


def checked_input(escalation: Escalation, policy: Policy, *, tracker_type: str = "") -> Escalation:
    """The escalation cleaned and normalised, or ``InputError`` with every problem."""
    esc = clean_single_lines(escalation)
    problems: list[str] = []
    try:
        esc = normalise_catalog(esc, policy)
    except InputError as exc:
        problems.extend(exc.problems)
    problem = title_problem(esc, title_limit_for(tracker_type))
    if problem is not None:
        problems.append(problem)
    if problems:
        raise InputError(problems)
    return esc
