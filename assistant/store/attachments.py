"""Attachments through scrubbing: the scrubbed copy is what is stored for sending; the
original is kept beside it, on this machine only, until its draft is purged.

Originals live content-addressed under ``attachments/originals/``, outside the blob area the
submission reads, and are referenced only by ``ScrubRecord.original_sha256`` in the
escalation document: an original is deleted once no stored escalation refers to it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import mimetypes
import os
import secrets
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from sqlalchemy import func, select

from assistant.lines import show_bidi_controls
from assistant.local_files import UnusableFile, open_regular, system_file_problem, unusable
from assistant.model import AttachmentRef, RedactedValue, ScrubRecord
from assistant.scrub import DEFAULT_RULES, ScrubReport, ScrubRules, scrub_file
from assistant.scrub.engine import Progress, Reader, worker_friendly
from assistant.store.database import translated
from assistant.store.tables import escalations
from assistant.store.temporaries import held_temporary

if TYPE_CHECKING:  # the store calls back here when it purges (no import cycle)
    from assistant.store.repository import Store

log = logging.getLogger("assistant.store")

_READ = 1 << 20


def original_path(store: Store, sha256: str) -> Path:
    """Where the unscrubbed original with this hash is kept."""
    return store.paths.attachments_dir / "originals" / sha256[:2] / sha256


class _Tee:
    """A reader that copies what is read into a second file and hashes it."""

    def __init__(self, src: Reader, copy: BinaryIO) -> None:
        self.src, self.copy, self.digest = src, copy, hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        data = self.src.read(n)
        self.copy.write(data)
        self.digest.update(data)
        return data


class _HashingWriter:
    def __init__(self, out: BinaryIO) -> None:
        self.out, self.digest, self.size = out, hashlib.sha256(), 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self.out.write(data)


def _record(report: ScrubReport, original: str, salt: str, kept: Iterable[str]) -> ScrubRecord:
    return ScrubRecord(
        original_sha256=original,
        scrubber=report.scrubber,
        salt=salt,
        counts=dict(report.counts),
        values=[
            RedactedValue(
                kind=v.kind,
                where=v.where,
                value_hash=v.value_hash,
                length=v.length,
                count=v.count,
                rule=v.rule,
            )
            for v in report.values
        ],
        more_values=report.more_values,
        kept=sorted(set(kept)),
        needs_confirmation=report.needs_confirmation,
    )


def _store_blob(store: Store, tmp: Path, sha: str, size: int) -> None:
    target = store.blob_path(sha)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        tmp.unlink()
    else:
        os.replace(tmp, target)
    store._record_blob(sha, size)


def _keep_original(store: Store, tmp: Path, sha: str) -> None:
    target = original_path(store, sha)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        tmp.unlink()
    else:
        os.replace(tmp, target)


def add_scrubbed_attachment(
    store: Store,
    source: Path,
    filename: str | None = None,
    *,
    rules: ScrubRules = DEFAULT_RULES,
    progress: Progress | None = None,
) -> tuple[AttachmentRef, ScrubReport]:
    """Scrub ``source`` into the attachment area (one read of the file) and keep the
    original aside; returns the attachment (the scrubbed copy) and what was redacted."""
    name = filename or source.name
    salt = secrets.token_hex(8)
    tmp_dir = store.paths.attachments_dir / "tmp"
    # The files and the database rows around the scrub too: the GUI thread gets the GIL
    # within 1 ms for all of this worker's job, not only while it scans.
    with worker_friendly(), translated(store.path):
        tmp_dir.mkdir(parents=True, exist_ok=True)
        fd_o, orig_tmp = held_temporary(tmp_dir)
        fd_s, scrub_tmp = held_temporary(tmp_dir)
        try:
            with os.fdopen(fd_o, "wb") as orig, os.fdopen(fd_s, "wb") as out:
                writer = _HashingWriter(out)
                tee: _Tee | None = None

                def opened(src: Reader) -> Reader:
                    nonlocal tee
                    tee = _Tee(src, orig)
                    return tee

                report = scrub_file(
                    source,
                    writer,
                    filename=name,
                    rules=rules,
                    salt=salt,
                    progress=progress,
                    wrap_source=opened,
                )
            assert tee is not None
            original_sha = tee.digest.hexdigest()
            sha = writer.digest.hexdigest()
            _keep_original(store, Path(orig_tmp), original_sha)
            _store_blob(store, Path(scrub_tmp), sha, writer.size)
        except BaseException:
            Path(orig_tmp).unlink(missing_ok=True)
            Path(scrub_tmp).unlink(missing_ok=True)
            raise
    report.size_out = writer.size
    ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    ref = AttachmentRef(
        sha256=sha,
        filename=name,
        size=writer.size,
        content_type=ctype,
        scrub=_record(report, original_sha, salt, ()),
    )
    return ref, report


MB = 1024 * 1024


def _mb(n: float) -> str:
    return f"{n / MB:.1f} MB"


def add_files(
    store: Store,
    files: Iterable[tuple[Path, str]],
    *,
    current_total: int,
    max_mb: float,
    total_mb: float,
    rules: ScrubRules = DEFAULT_RULES,
    progress: Callable[[str, int, int], None] | None = None,
) -> tuple[list[tuple[AttachmentRef, ScrubReport]], list[str]]:
    """Check Ops' size limits and add each accepted file through scrubbing.

    Returns the added attachments with their reports, and a sentence per refused file.
    ``progress(filename, done, total)`` is called as each file is read.
    """
    added: list[tuple[AttachmentRef, ScrubReport]] = []
    problems: list[str] = []
    total = current_total
    for path, given_name in files:
        name = show_bidi_controls(given_name)
        refused = system_file_problem(path, name)
        if refused is not None:
            problems.append(refused)
            continue
        try:
            # Opened (without blocking) to prove it is a regular file this user may read: a
            # FIFO, a device or /proc is refused here, an unreadable file is named.
            with open_regular(path, "an attachment") as fh:
                size = os.fstat(fh.fileno()).st_size
        except UnusableFile as exc:
            problems.append(f"{name}: {exc.reason}")
            continue
        if size > max_mb * MB:
            problems.append(f"{name} is {_mb(size)}; Ops accepts at most {max_mb:g} MB per file.")
            continue
        if total + size > total_mb * MB:
            problems.append(
                f"{name} ({_mb(size)}) would bring the attachments to {_mb(total + size)}; "
                f"Ops accepts at most {total_mb:g} MB in total."
            )
            continue
        per_file = None
        if progress is not None:

            def per_file(
                done: int,
                whole: int,
                name: str = name,
                report: Callable[[str, int, int], None] = progress,
            ) -> None:
                report(name, done, whole)

        try:
            ref, report = add_scrubbed_attachment(store, path, name, rules=rules, progress=per_file)
        except OSError as exc:
            problems.append(f"{name}: {unusable(path, exc).reason}")
            continue
        added.append((ref, report))
        total += ref.size
    return added, problems


def rescrub_attachment(
    store: Store,
    ref: AttachmentRef,
    kept: Iterable[str],
    *,
    rules: ScrubRules = DEFAULT_RULES,
    progress: Progress | None = None,
) -> tuple[AttachmentRef, ScrubReport]:
    """Scrub the original again, keeping the values whose hashes are in ``kept``."""
    if ref.scrub is None:
        raise ValueError(f"{ref.filename} was attached before scrubbing existed")
    record = ref.scrub
    source = original_path(store, record.original_sha256)
    allowed = frozenset(kept) | frozenset(record.kept)
    tmp_dir = store.paths.attachments_dir / "tmp"
    with translated(store.path):
        tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = held_temporary(tmp_dir)
        try:
            with os.fdopen(fd, "wb") as out:
                writer = _HashingWriter(out)
                report = scrub_file(
                    source,
                    writer,
                    filename=ref.filename,
                    rules=rules,
                    allowed=allowed,
                    salt=record.salt,
                    progress=progress,
                )
            sha = writer.digest.hexdigest()
            _store_blob(store, Path(tmp), sha, writer.size)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    report.size_out = writer.size
    new_record = _record(report, record.original_sha256, record.salt, allowed)
    new_record = new_record.model_copy(update={"confirmed": record.confirmed})
    return ref.model_copy(update={"sha256": sha, "size": writer.size, "scrub": new_record}), report


def report_of(ref: AttachmentRef) -> str:
    """The one-line summary of an attachment as stored (for lists and the command line)."""
    from assistant.scrub.report import kind_label

    record = ref.scrub
    if record is None:
        return f"{ref.filename}: attached before scrubbing — sent as it is"
    if record.needs_confirmation:
        state = "confirmed" if record.confirmed else "check that it shows no secret"
        return f"{ref.filename}: cannot be scrubbed — {state}"
    total = sum(record.counts.values())
    kept = f" ({len(record.kept)} kept as safe)" if record.kept else ""
    if not total:
        return f"{ref.filename}: nothing to redact{kept}"
    parts = ", ".join(
        kind_label(k, n) for k, n in sorted(record.counts.items(), key=lambda kv: -kv[1])
    )
    return f"{ref.filename}: {total} {'value' if total == 1 else 'values'} redacted — {parts}{kept}"


def why_lines(ref: AttachmentRef) -> list[str]:
    """Each redacted value of an attachment with why it was redacted: its kind, where it was
    first seen and the id of the rule that found it (``drafts attach`` prints these)."""
    from assistant.scrub.formats import rule_description
    from assistant.scrub.report import kind_label

    record = ref.scrub
    if record is None or record.needs_confirmation:
        return []
    lines = []
    for value in record.values:
        seen = f"{value.count}×" if value.count > 1 else "once"
        rule = value.rule or "?"
        lines.append(
            f"  - {kind_label(value.kind, 1)[2:]} ({value.where}; {seen}, {value.length} chars)"
            f" — rule {rule}: {rule_description(rule)} [value {value.value_hash[:12]}]"
        )
    if record.more_values:
        lines.append(f"  - … and {record.more_values} more")
    return lines


def delete_unreferenced_originals(store: Store, candidates: Iterable[str]) -> int:
    """Delete the originals among ``candidates`` that no stored escalation refers to."""
    removed = 0
    with translated(store.path), store._session() as s:
        for sha in set(candidates):
            used = s.execute(
                select(func.count())
                .select_from(escalations)
                .where(escalations.c.document.contains(sha, autoescape=True))
            ).scalar_one()
            if used:
                continue
            path = original_path(store, sha)
            try:
                path.unlink()
                removed += 1
            except FileNotFoundError:
                pass
    if removed:
        log.info("deleted %d attachment original(s) of purged drafts", removed)
    return removed


def originals_in(documents: Iterable[str]) -> set[str]:
    """The originals the given escalation documents (JSON) refer to.

    Read as plain JSON, not validated: a document an older or newer app wrote must not stop
    the purge of its originals.
    """
    found: set[str] = set()
    for doc in documents:
        try:
            attachments = json.loads(doc).get("attachments") or []
        except (ValueError, AttributeError):
            continue
        for att in attachments:
            scrub = att.get("scrub") if isinstance(att, dict) else None
            sha = scrub.get("original_sha256") if isinstance(scrub, dict) else None
            if isinstance(sha, str) and sha:
                found.add(sha)
    return found


__all__ = [
    "add_files",
    "add_scrubbed_attachment",
    "delete_unreferenced_originals",
    "original_path",
    "originals_in",
    "report_of",
    "rescrub_attachment",
]
