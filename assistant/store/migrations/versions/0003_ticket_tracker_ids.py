"""Ticket links name the tracker by its type id ("redmine"), no longer by its title.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# The titles the outbox recorded before this revision (its registry's titles then), and the
# class names older links carried ("Jira" was ambiguous: Data Center is the safer guess,
# since Cloud links were recorded under their full title).
_TITLE_TO_ID = {
    "Redmine": "redmine",
    "Jira Cloud": "jira-cloud",
    "Jira Data Center / Server": "jira-dc",
    "Jira": "jira-dc",
    "GitHub Issues": "github",
    "GitHub": "github",
    "GitLab Issues": "gitlab",
    "GitLab": "gitlab",
    "JSON webhook": "webhook",
    "The webhook": "webhook",
}


def upgrade() -> None:
    update = sa.text(
        "UPDATE escalations SET document = json_set(document, '$.ticket.tracker', :new)"
        " WHERE json_extract(document, '$.ticket.tracker') = :old"
    )
    for old, new in _TITLE_TO_ID.items():
        op.execute(update.bindparams(old=old, new=new))


def downgrade() -> None:
    update = sa.text(
        "UPDATE escalations SET document = json_set(document, '$.ticket.tracker', :old)"
        " WHERE json_extract(document, '$.ticket.tracker') = :new"
    )
    for new, old in {
        "redmine": "Redmine",
        "jira-cloud": "Jira Cloud",
        "jira-dc": "Jira Data Center / Server",
        "github": "GitHub Issues",
        "gitlab": "GitLab Issues",
        "webhook": "JSON webhook",
    }.items():
        op.execute(update.bindparams(old=old, new=new))
