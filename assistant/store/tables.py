"""The tables of the local store, as SQLAlchemy Core tables.

Core, not the ORM: the store reads and writes rows with SQL expressions and has no use for
a unit of work, and the ORM is the heaviest part of SQLAlchemy to load (about 6 MiB of an
idle app, issue 11). Alembic migrations (``assistant/store/migrations``) create the tables;
these definitions only describe them for queries.
"""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table, Text

metadata = MetaData()

#: one escalation: the JSON document plus the columns lists sort and search on
escalations = Table(
    "escalations",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("status", String(20), nullable=False, index=True),
    Column("title", Text, nullable=False, default=""),
    Column("customer", Text, nullable=False, default=""),
    Column("component", Text, nullable=False, default=""),
    Column("priority", String(8), nullable=False, default=""),
    Column("ticket_key", Text, nullable=False, default=""),
    Column("search_text", Text, nullable=False, default=""),
    Column("document", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False, index=True),
    Column("deleted_at", String(40), nullable=True, index=True),
)

#: a content-addressed attachment file under the data directory
blobs = Table(
    "blobs",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("created_at", String(40), nullable=False),
)

#: the outbox state machine of one escalation (queued → sending → submitted …)
outbox = Table(
    "outbox",
    metadata,
    Column("escalation_id", String(36), primary_key=True),
    Column("state", String(20), nullable=False, index=True),
    Column("mode", Text, nullable=False, default="create"),  # or "comment:<ticket key>"
    Column("tracker", Text, nullable=False, default=""),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", String(40), nullable=True),
    Column("last_error", Text, nullable=False, default=""),
    Column("ticket_key", Text, nullable=False, default=""),
    Column("ticket_url", Text, nullable=False, default=""),
    Column("queued_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
)

#: small key/value state (poll cursors and the like); never secrets
app_state = Table(
    "app_state",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("value", Text, nullable=False),
)

#: a write to an escalation's ticket after it was sent: the affected-customers summary
#: (kind ``affected``) or an "Ask Ops for an update" comment (kind ``update_request``)
followups = Table(
    "followups",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("escalation_id", String(36), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("ticket_key", Text, nullable=False),
    Column("state", String(20), nullable=False, index=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", String(40), nullable=True),
    Column("last_error", Text, nullable=False, default=""),
    Column("unknown", Integer, nullable=False, default=0),  # a lookup before sending again
    Column("created_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
)
