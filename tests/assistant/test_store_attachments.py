"""Scrubbed attachments in the store: the scrubbed copy is sent, the original stays local
until its draft is purged; a value marked safe comes back on the next scrub."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from assistant.model import Escalation
from assistant.paths import resolve_paths
from assistant.store import Store
from assistant.store.attachments import (
    add_scrubbed_attachment,
    original_path,
    report_of,
    rescrub_attachment,
)
from assistant.ticket_mapping import attachments_of
from tests.assistant.scrub.corpus import CASES, PASSWORD, SESSION


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(resolve_paths(tmp_path / "data"))
    yield s
    s.close()


def _log(tmp_path: Path) -> Path:
    src = tmp_path / "service.log"
    src.write_bytes(next(c for c in CASES if c.filename == "service.log").path.read_bytes())
    return src


def test_the_blob_sent_is_the_scrubbed_copy_and_the_original_is_kept_aside(
    store: Store, tmp_path: Path
) -> None:
    src = _log(tmp_path)
    ref, report = add_scrubbed_attachment(store, src)
    sent = attachments_of(Escalation(attachments=[ref]), store)[0]
    assert sent.path.read_bytes().count(b"[REDACTED]") == report.total == 19
    assert PASSWORD.encode() not in sent.path.read_bytes()
    assert ref.size == sent.path.stat().st_size
    assert ref.scrub is not None
    assert original_path(store, ref.scrub.original_sha256).read_bytes() == src.read_bytes()
    assert report_of(ref).startswith("service.log: 19 values redacted — 4 secret fields")
    # The document holds counts and hashes, never a value.
    doc = Escalation(attachments=[ref]).model_dump_json()
    assert PASSWORD not in doc and SESSION not in doc


def test_marking_a_value_safe_scrubs_the_original_again_without_it(
    store: Store, tmp_path: Path
) -> None:
    ref, _report = add_scrubbed_attachment(store, _log(tmp_path))
    assert ref.scrub is not None
    cookie = next(v for v in ref.scrub.values if v.kind == "cookie")
    again, report = rescrub_attachment(store, ref, {cookie.value_hash})
    assert again.sha256 != ref.sha256
    assert again.scrub is not None and again.scrub.kept == [cookie.value_hash]
    assert report.kept == 1 and report.total == 18
    assert f"Cookie: sessionid={SESSION}".encode() in store.blob_path(again.sha256).read_bytes()
    assert "(1 kept as safe)" in report_of(again)


def test_purging_the_draft_deletes_its_originals_but_not_others(
    store: Store, tmp_path: Path
) -> None:
    ref, _r = add_scrubbed_attachment(store, _log(tmp_path))
    other_src = tmp_path / "other.log"
    other_src.write_text("password=hunter22\n")
    other, _r = add_scrubbed_attachment(store, other_src)
    shared_src = tmp_path / "shared.log"
    shared_src.write_text("token=abcdef123456\n")
    shared_a, _r = add_scrubbed_attachment(store, shared_src)
    shared_b, _r = add_scrubbed_attachment(store, shared_src)
    gone = store.create(Escalation(title="to purge", attachments=[ref, shared_a]))
    store.create(Escalation(title="kept", attachments=[other, shared_b]))
    assert ref.scrub and other.scrub and shared_a.scrub
    store.delete(gone.id)
    assert store.purge_deleted(older_than=timedelta(0)) == 1
    assert not original_path(store, ref.scrub.original_sha256).exists()
    assert original_path(store, other.scrub.original_sha256).exists()
    # The same original attached to a draft that is kept stays.
    assert original_path(store, shared_a.scrub.original_sha256).exists()
