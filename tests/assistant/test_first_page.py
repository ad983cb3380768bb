"""The drafts list's first page read with sqlite3 before the store is loaded."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from assistant.model import Escalation
from assistant.paths import resolve_paths
from assistant.store import Store
from assistant.store.first_page import read_first_page


def test_same_rows_as_the_store(tmp_path: Path) -> None:
    store = Store(resolve_paths(tmp_path).ensure())
    for i in range(5):
        store.create(Escalation(title=f"Escalation {i}", component="email"))
    gone = store.create(Escalation(title="Deleted one"))
    store.delete(gone.id)
    expected = store.list(limit=3)
    store.close()
    page = read_first_page(resolve_paths(tmp_path).database, 3)
    assert page is not None
    total, rows = page
    assert total == 5
    assert rows == expected


def test_no_database_or_an_unmigrated_one_says_none(tmp_path: Path) -> None:
    assert read_first_page(tmp_path / "missing.sqlite3", 10) is None
    empty = tmp_path / "empty.sqlite3"
    sqlite3.connect(empty).close()
    assert read_first_page(empty, 10) is None


def test_reading_it_does_not_import_sqlalchemy() -> None:
    code = (
        "import sys, assistant.store.first_page, assistant.store;"
        "print('sqlalchemy' in sys.modules, 'pydantic' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["False", "False"]
