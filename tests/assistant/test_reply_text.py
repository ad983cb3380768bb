"""The reply to the customer reads like a person wrote it (issue 22): the contact's name in
the greeting, Ops' public answer only."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.model import Customer, TicketLink, TimelineEvent
from assistant.ops_state import contact_name, reply_draft, resolution_comment
from assistant.policy import default_policy
from tests.assistant.fake_tracker import complete_escalation

AT = datetime(2026, 12, 7, 10, 42, tzinfo=UTC)


@pytest.mark.parametrize(
    ("contact", "name"),
    [
        ("Jana Hartmann <jana@hartmann-baeckerei.example>, +49 30 5550 1234", "Jana Hartmann"),
        ('"Müller, Jana" <jana@mueller.example>', "Müller, Jana"),
        ("Jana Hartmann, +49 30 5550 1234", "Jana Hartmann"),
        ("Jana Hartmann; jana@hartmann.example", "Jana Hartmann"),
        ("jana@hartmann-baeckerei.example", "Bäckerei Hartmann"),  # no name: the customer's
        ("+49 30 5550 1234", "Bäckerei Hartmann"),
        ("", "Bäckerei Hartmann"),
    ],
)
def test_greeting_name_from_the_contact_field(contact: str, name: str) -> None:
    assert contact_name(Customer(name="Bäckerei Hartmann", contact=contact)) == name


@pytest.mark.fuzz
@given(st.text(max_size=80), st.text(max_size=30))
def test_contact_name_is_a_clean_line_for_any_input(contact: str, name: str) -> None:
    """A value, never a traceback: one line from the contact, else the customer's name."""
    got = contact_name(Customer(name=name, contact=contact))
    assert got == name.strip() or ("\n" not in got and got == got.strip() and got)


def test_reply_greets_by_name_and_passes_on_the_public_note_only() -> None:
    esc = complete_escalation()
    esc.customer.contact = "Jana Hartmann <jana@hartmann-baeckerei.example>, +49 30 5550 1234"
    esc.ticket = TicketLink(tracker="redmine", key="#5")
    esc.timeline = [
        TimelineEvent(kind="comment", at=AT, author="Olga", text="Fixed at 10:42."),
        TimelineEvent(
            kind="comment", at=AT, author="Olga", text="Ask them to retry.", internal=True
        ),
        TimelineEvent(kind="resolved", at=AT, author="Olga", text="Fixed at 10:42."),
    ]

    reply = reply_draft(esc, default_policy())

    assert reply.startswith("Hello Jana Hartmann,\n")
    assert "Fixed at 10:42." in reply and "Ask them to retry." not in reply


def test_only_an_internal_note_means_no_comment_for_the_customer() -> None:
    esc = complete_escalation()
    esc.timeline = [
        TimelineEvent(kind="comment", at=AT, author="Olga", text="internal only", internal=True)
    ]
    assert resolution_comment(esc) == ""
    assert "(Ops left no comment.)" in reply_draft(esc, default_policy())
