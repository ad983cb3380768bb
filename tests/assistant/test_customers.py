"""A known account id finds the customer of its newest earlier escalation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.customers import find_known_customer
from assistant.model import Customer, Escalation
from assistant.paths import resolve_paths
from assistant.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(resolve_paths(tmp_path))
    yield s
    s.close()


def _esc(account: str, name: str, title: str) -> Escalation:
    return Escalation(
        title=title,
        customer=Customer(name=name, account_id=account, contact="c@x.example", domain="x.example"),
    )


def test_finds_exact_account_and_skips_the_current_draft(store: Store) -> None:
    store.create(_esc("ACC-1", "Old name", "first"))
    store.create(_esc("ACC-10", "Other customer", "other"))
    newest = store.create(_esc("ACC-1", "Hartmann Bakeries GmbH", "second"))
    current = store.create(Escalation(customer=Customer(account_id="ACC-1")))

    found = find_known_customer(store, " acc-1 ", exclude=str(current.id))

    assert found is not None
    assert found.customer.name == "Hartmann Bakeries GmbH"
    assert found.customer.domain == "x.example"
    assert found.title == "second" and found.short_id == newest.short_id
    assert find_known_customer(store, "ACC-2") is None
    assert find_known_customer(store, "") is None
