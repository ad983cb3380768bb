"""The scanning engine every scrubber shares: triggers, a fast scanner, spans, the rewrite.

A file is read in chunks cut where no secret can straddle the cut (each file type decides
where). A scanner finds every *trigger* in a chunk in one pass — Hyperscan when it is
installed, Python's ``re`` otherwise (slower, same results) — and each trigger's resolver
looks at the few places found and says which bytes are a secret. The chunk is then written
with those bytes replaced. Memory stays at a few chunks whatever the file's size.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import operator
import queue
import re
import sys
import threading
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from assistant.scrub.formats import FORMATS, is_placeholder
from assistant.scrub.report import REPLACEMENT, ScrubReport, value_hasher
from assistant.scrub.rules import ScrubRules

log = logging.getLogger("assistant.scrub")

CHUNK_BYTES = 2 << 20
#: A file type's cut may hold back at most this much (a private key block, a JSON line).
MAX_CARRY = 8 << 20

Progress = Callable[[int, int], None]


class Reader(Protocol):
    """Where a scrubber reads from (a file, or a store's copying reader)."""

    def read(self, size: int = -1, /) -> bytes: ...


class Writer(Protocol):
    """Where a scrubber writes the scrubbed copy."""

    def write(self, data: bytes, /) -> int: ...


class Span(NamedTuple):
    """Bytes ``start:end`` of a chunk are a secret of ``kind``; ``where`` names the place;
    ``rule`` is the id of the rule that found it (``formats.RULE_IDS``)."""

    start: int
    end: int
    kind: str
    where: str
    rule: str = ""


#: How much of the file before a chunk its resolvers may look at (``Chunk.before``).
CONTEXT_BYTES = 64 << 10


class Chunk:
    """One chunk being scrubbed, with what resolvers need: the rules, where lines are, and
    the bytes just before it (an array opened in the previous chunk: which HAR array?)."""

    __slots__ = ("_line_no", "_line_pos", "before", "data", "first_line", "offset", "rules")

    def __init__(
        self,
        data: bytes,
        rules: ScrubRules,
        first_line: int = 1,
        offset: int = 0,
        before: bytes = b"",
    ) -> None:
        self.data = data
        self.rules = rules
        self.first_line = first_line
        self.offset = offset
        self.before = before
        self._line_pos = 0
        self._line_no = first_line

    def line_at(self, pos: int) -> int:
        """The 1-based line of byte ``pos`` (ask in increasing order: it counts forward)."""
        if pos < self._line_pos:
            self._line_pos, self._line_no = 0, self.first_line
        self._line_no += self.data.count(b"\n", self._line_pos, pos)
        self._line_pos = pos
        return self._line_no


#: The secrets a trigger's match holds: a tuple or list (tested for emptiness: a resolver
#: that finds nothing where a start was guessed gets a second look).
Resolver = Callable[[Chunk, int, int], Sequence[Span]]


def _no_span(_chunk: Chunk, _start: int, _end: int) -> Sequence[Span]:
    return ()


@dataclass(frozen=True)
class Trigger:
    """A pattern (the subset both Hyperscan and ``re`` understand) and what it means."""

    pattern: str
    resolve: Resolver = _no_span
    caseless: bool = False
    multiline: bool = False
    #: how far before its end the scanner's match may start (see ``start_of``)
    window: int = 512
    #: literals a match starts with: its start is found by looking back for them
    first: tuple[bytes, ...] = ()
    #: a quick guess of where the match ending at ``end`` starts, for triggers found
    #: thousands of times: tried first, the usual look-back only if the resolver then finds
    #: nothing there
    guess_start: Callable[[bytes, int], int] | None = None
    #: the resolver judges everything from the match to its last secret (a HAR's cookies
    #: array): other matches in between need no look
    covers: bool = False
    #: the match ends this many bytes after the secret it finds (a delimiter it needs)
    trailing: int = 0
    #: ``guess_start`` is always right (a fixed-length match): when the resolver finds
    #: nothing there, there is nothing (no slow look-back)
    exact_start: bool = False


class _Scanner(Protocol):
    patterns: list[re.Pattern[bytes]]
    #: what the self-test names
    name: str

    def scan(self, data: bytes) -> list[tuple[int, int, int]]:
        """``(trigger index, start or -1 when unknown, end)`` of every trigger match."""
        ...


def _compile(trigger: Trigger) -> re.Pattern[bytes]:
    flags = (re.IGNORECASE if trigger.caseless else 0) | (re.MULTILINE if trigger.multiline else 0)
    return re.compile(trigger.pattern.encode("utf-8"), flags)


class _ReScanner:
    """``re`` fallback: one pass per trigger."""

    name = "Python re (slow)"

    def __init__(self, triggers: Sequence[Trigger]) -> None:
        self.patterns = [_compile(t) for t in triggers]

    def scan(self, data: bytes) -> list[tuple[int, int, int]]:
        hits = [
            (i, m.start(), m.end()) for i, p in enumerate(self.patterns) for m in p.finditer(data)
        ]
        hits.sort(key=_end)  # in order of where they end, as Hyperscan reports them
        return hits


def _end(hit: tuple[int, int, int]) -> int:
    return hit[2]


class _HyperscanScanner:
    """All triggers in one pass over the chunk (SIMD; the GIL is released while it scans).

    Hyperscan reports where a match ends; tracking where it starts would double the scan's
    time, so the start of the few matches found is looked for afterwards with ``re``.
    """

    name = "Hyperscan binding"

    def __init__(self, triggers: Sequence[Trigger]) -> None:
        import hyperscan

        self._hs = hyperscan
        self.patterns = [_compile(t) for t in triggers]
        self._db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        flags = [
            (hyperscan.HS_FLAG_CASELESS if t.caseless else 0)
            | (hyperscan.HS_FLAG_MULTILINE if t.multiline else 0)
            for t in triggers
        ]
        self._db.compile(
            expressions=[t.pattern.encode("utf-8") for t in triggers],
            ids=list(range(len(triggers))),
            elements=len(triggers),
            flags=flags,
        )
        # Hyperscan's scratch space belongs to one thread at a time.
        self._local = threading.local()

    def scan(self, data: bytes) -> list[tuple[int, int, int]]:
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = self._hs.Scratch(self._db)
        hits: list[tuple[int, int, int]] = []

        def on_match(pid: int, _start: int, end: int, _flags: int, _ctx: object) -> None:
            hits.append((pid, -1, end))

        self._db.scan(data, scratch=scratch, match_event_handler=on_match)
        return hits


class _NativeScanner:
    """Hyperscan through ``_native`` (built from ``_native.c`` when Hyperscan's headers are
    installed): the matches are collected in C with the GIL released, so the next chunk is
    scanned on another core while this one is resolved (``concurrent``)."""

    concurrent = True
    name = "native Hyperscan"

    def __init__(self, triggers: Sequence[Trigger]) -> None:
        from assistant.scrub import _native

        self.patterns = [_compile(t) for t in triggers]
        flags = [
            (_native.CASELESS if t.caseless else 0) | (_native.MULTILINE if t.multiline else 0)
            for t in triggers
        ]
        self._db = _native.Database([t.pattern.encode("utf-8") for t in triggers], flags)

    def scan(self, data: bytes) -> list[tuple[int, int, int]]:
        return self._db.scan(data)


def start_of(pattern: re.Pattern[bytes], data: bytes, end: int, trigger: Trigger) -> int:
    """Where the match of ``pattern`` that ends at ``end`` starts (-1: none).

    Looking back for the literals the match starts with costs a few byte searches; running
    the pattern over the window (the fallback) costs tens of microseconds per match.
    """
    low = max(0, end - trigger.window)
    pos = end
    first = trigger.first
    single = first[0] if len(first) == 1 else None
    for _ in range(16 if first else 0):
        if single is not None:
            pos = data.rfind(single, low, pos)
        else:
            pos = max(data.rfind(lit, low, pos) for lit in first)
        if pos < 0:
            break
        if pattern.fullmatch(data, pos, end):
            # An escaped quote (JSON inside a JSON string) starts one byte earlier.
            while pos > low and data[pos - 1] == 0x5C and pattern.fullmatch(data, pos - 1, end):
                pos -= 1
            return pos
    for m in pattern.finditer(data, low, end):
        if m.end() == end:
            return m.start()
    for pos in range(low, end):  # an earlier overlapping match hid it: try each start
        if pattern.fullmatch(data, pos, end):
            return pos
    return -1


_scanners: dict[tuple[object, ...], _Scanner] = {}
_scanners_lock = threading.Lock()


def scanner_for(key: tuple[object, ...], triggers: Sequence[Trigger]) -> _Scanner:
    """The compiled scanner for these triggers (compiled once per process)."""
    with _scanners_lock:
        found = _scanners.get(key)
        if found is None:
            found = _first_scanner(triggers)
            _scanners[key] = found
        return found


def _first_scanner(triggers: Sequence[Trigger]) -> _Scanner:
    try:
        return _NativeScanner(triggers)
    except ImportError:
        log.info("the native scanner is not built: scrubbing with Hyperscan's Python binding")
    try:
        return _HyperscanScanner(triggers)
    except ImportError:
        log.info("Hyperscan is not installed: scrubbing with Python's re (slower)")
        return _ReScanner(triggers)


def scanner_name() -> str:
    """Which scanner scrubbing uses on this installation (the self-test says it)."""
    return _first_scanner([Trigger("token=")]).name


# A tie between two kinds for the same bytes: a token's shape ("AWS key") says most, then
# where it was (a header, a URL), then a generic shape (JWT), then only its name ("field").
_RANK = {
    "url_token": 1,
    "authorization": 1,
    "cookie": 1,
    "api_key_header": 1,
    "uri_credentials": 1,
    "jwt": 2,
    "bearer": 2,
    "basic_auth": 2,
    "field": 3,
    "high_entropy": 4,
}
#: rules that find a value by its own shape, wherever it stands
SHAPE_RULES = frozenset({f.id for f in FORMATS} | {"jwt", "private-key"})
#: kinds that only say "secret by its name or its randomness": a token's shape names it better
_WEAK_KINDS = frozenset({"field", "high_entropy"})


def find_spans(
    chunk: Chunk,
    triggers: Sequence[Trigger],
    scanner: _Scanner,
    hits: list[tuple[int, int, int]] | None = None,
) -> list[Span]:
    """Every secret in the chunk, sorted, overlaps merged (the first, widest span wins).

    ``hits``: the scanner's matches in the chunk, when they were found ahead (else scanned).
    """
    spans: list[Span] = []
    if hits is None:
        hits = scanner.scan(chunk.data)
    # Hits come in order of where they end. One inside a secret already found (the JWT in
    # an Authorization header, the bearer token in it) needs no second look — unless that
    # secret is only a "field", which a token's shape would name better.
    last_start, last_end = -1, -1  # the last secret found that is not only a "field"
    data = chunk.data
    append = spans.append
    for pid, start, end in hits:
        if last_start < end <= last_end:
            continue
        trigger = triggers[pid]
        if trigger.trailing and last_start < end - trigger.trailing <= last_end:
            continue
        if start >= 0:
            found = trigger.resolve(chunk, start, end)
        else:
            found = ()
            if trigger.guess_start is not None:
                guess = trigger.guess_start(data, end)
                if guess >= 0:
                    found = trigger.resolve(chunk, guess, end)
            if not found and not trigger.exact_start:
                start = start_of(scanner.patterns[pid], data, end, trigger)
                if start < 0:
                    continue
                found = trigger.resolve(chunk, start, end)
        for span in found:
            append(span)
            if span.kind not in _WEAK_KINDS and span.end > last_end:
                last_start, last_end = span.start, span.end
        if trigger.covers and found:
            last_start = end - 1  # nothing after the match up to its last secret to look at
    for name, pattern in chunk.rules.patterns:
        for m in pattern.finditer(chunk.data):
            s, e = m.span("value") if "value" in pattern.groupindex else m.span()
            if e > s:
                append(Span(s, e, "policy_pattern", f"pattern {name!r}", "policy-pattern"))
    disabled = chunk.rules.disabled
    spans = [
        s
        for s in spans
        if s.rule not in disabled
        and (s.kind == "policy_pattern" or not _placeholder(data[s.start : s.end]))
    ]
    return merge_spans(spans)


@functools.lru_cache(maxsize=8192)
def _placeholder(value: bytes) -> bool:
    return is_placeholder(value)


def merge_spans(spans: list[Span]) -> list[Span]:
    """The spans sorted, overlaps merged (the first, widest span wins)."""
    spans.sort(key=_START)
    merged: list[Span] = []
    last_end = -1
    for span in spans:
        if span.start < last_end:
            first = merged[-1]
            if span.start == first.start and _names_better(span, first):
                # The same start: the widest names the secret; on a tie, the most telling
                # kind (see ``_RANK``).
                merged[-1] = span if span.end >= last_end else span._replace(end=last_end)
                last_end = max(last_end, span.end)
            elif span.end > last_end:
                last_end = span.end
                merged[-1] = first._replace(end=last_end)
            continue
        merged.append(span)
        last_end = span.end
    return merged


_START = operator.itemgetter(0)


def _names_better(span: Span, than: Span) -> bool:
    return (-span.end, _RANK.get(span.kind, 0), span.kind) < (
        -than.end,
        _RANK.get(than.kind, 0),
        than.kind,
    )


#: A value found by where it stood (a cookie, a named field, a hidden input) is redacted
#: wherever else it recurs in the file: a HAR repeats it in the URL, the queryString, the
#: ``:path`` pseudo-header and response bodies, where nothing names it. (Values found by their
#: own shape — a vendor's token, a JWT — are found wherever they are anyway.)
RECUR_MIN = 8
#: How much searching one chunk may spend on recurrences (distinct values × bytes searched,
#: about 30 ms): within it, every value found so far is looked for in the whole chunk;
#: beyond it (a 50 MB HAR with a new session in every request), each new value within
#: ``RECUR_WINDOW`` of where it was found (its HAR entry).
RECUR_BUDGET = 64 << 20
RECUR_WINDOW = 16 << 10
_RECUR_KNOWN = 1024
_ALNUM = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")


def _recurs(value: bytes) -> bool:
    """Whether to look for other places of a value: not a number, a word, a placeholder, a
    whole header with its spaces ("Bearer …", "a=1; b=2": its parts are what recurs) or a
    JWT (found by its shape wherever it is)."""
    return not (
        value.isdigit()
        or (value.isalpha() and value.islower())
        or b" " in value
        or value.startswith(b"eyJ")
        or _placeholder(value)
    )


def _alone(data: bytes, start: int, end: int) -> bool:
    """No letter or digit glued to ``data[start:end]`` (a "%3A" before it is a separator)."""
    before = start == 0 or data[start - 1] not in _ALNUM or data[start - 3 : start - 2] == b"%"
    return before and (end >= len(data) or data[end] not in _ALNUM)


def _written_forms(value: bytes) -> tuple[bytes, ...]:
    """A value as it is, and URL-encoded when that differs (a HAR's queryString holds it
    decoded, the URL and ``:path`` encoded)."""
    encoded = urllib.parse.quote_from_bytes(value, safe="").encode("ascii")
    return (value,) if encoded == value else (value, encoded)


class Recurrences:
    """The values redacted so far in one file, to redact where they recur."""

    def __init__(self, shape_rules: frozenset[str]) -> None:
        self.known: dict[bytes, Span] = {}
        self._shape_rules = shape_rules

    def extend(self, chunk: Chunk, spans: list[Span]) -> list[Span]:
        """``spans`` with every recurrence of their values (and earlier chunks') added."""
        data = chunk.data
        new: dict[bytes, Span] = {}
        for span in spans:
            if span.end - span.start < RECUR_MIN:
                continue
            value = data[span.start : span.end]
            if span.rule in self._shape_rules and len(_written_forms(value)) == 1:
                continue  # found by its shape wherever it is (unless URL-encoded)
            if value not in self.known and value not in new and _recurs(value):
                new[value] = span
        whole = (len(new) + len(self.known)) * len(data) <= RECUR_BUDGET
        targets = {**self.known, **new} if whole else new
        extra: list[Span] = []
        size = len(data)
        for value, found in targets.items():
            if whole:
                low, high = 0, size
            else:
                low, high = max(0, found.start - RECUR_WINDOW), min(size, found.end + RECUR_WINDOW)
            where = (
                found.where
                if found.where.startswith("same value as")
                else (f"same value as {found.where}")
            )
            for form in _written_forms(value):
                pos = data.find(form, low, high)
                while pos >= 0:
                    end = pos + len(form)
                    if _alone(data, pos, end):
                        extra.append(Span(pos, end, found.kind, where, "recurring-value"))
                    pos = data.find(form, end, high)
        for value, found in new.items():
            if len(self.known) >= _RECUR_KNOWN:
                self.known.pop(next(iter(self.known)))
            self.known[value] = found
        if not extra:
            return spans
        return merge_spans(spans + extra)


def rewrite(
    chunk: Chunk,
    spans: list[Span],
    report: ScrubReport,
    allowed: frozenset[str],
    hasher: Callable[[bytes | memoryview], str],
) -> list[bytes | memoryview]:
    """The chunk's pieces with every span replaced, unless its value is allowed (views of
    the chunk, not copies: the pieces are joined once, for the write)."""
    data = chunk.data
    view = memoryview(data)
    pieces: list[bytes | memoryview] = []
    append = pieces.append
    add = report.add
    pos = 0
    for start, end, kind, where, rule in spans:
        value = data[start:end]  # a short copy: hashing a view would copy it anyway
        if allowed and hasher(value) in allowed:
            report.kept += 1
            continue
        add(kind, value, where, hasher, rule)
        append(view[pos:start])
        append(REPLACEMENT)
        pos = end
    append(view[pos:])
    return pieces


Cut = Callable[[bytes | bytearray, int], int]


_pause_lock = threading.Lock()
_pausers = 0
_gc_was_enabled = False
_switch_interval = 0.005

#: How soon a thread waiting for the GIL (the GUI thread) gets it while a scrub holds it.
SWITCH_INTERVAL = 0.001


@contextmanager
def worker_friendly() -> Iterator[None]:
    """While a file is scrubbed: no cyclic garbage collection, and a short GIL switch interval
    (``scrub_stream`` takes it; a worker that does more around the scrub may take it too).

    Scrubbing allocates many small objects (a tuple per match) but no reference cycles, so
    it only triggers collections, and a full collection of a GUI process's heap holds the
    GIL for tens of milliseconds: the GUI thread would freeze that long while a worker
    scrubs. Reference counting still frees everything the scrub drops. (Where automatic
    collection is already off, as in the GUI app, it stays off and nothing changes.)

    The scrub's Python work holds the GIL between the scanner's and the files' calls (which
    release it). A thread that wants the GIL meanwhile waits for the switch interval, 5 ms
    by default, and the GUI thread asks for it several times per event (each call into Qt
    releases it), so a timer tick waited 10-20 ms. At 1 ms the scrub gives way sooner; it
    costs nothing when no other thread is waiting.
    """
    global _pausers, _gc_was_enabled, _switch_interval
    with _pause_lock:
        if _pausers == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
            _switch_interval = sys.getswitchinterval()
            sys.setswitchinterval(min(_switch_interval, SWITCH_INTERVAL))
        _pausers += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pausers -= 1
            if _pausers == 0:
                sys.setswitchinterval(_switch_interval)
                if _gc_was_enabled:
                    gc.enable()


def scrub_stream(
    src: Reader,
    dst: Writer,
    *,
    triggers: Sequence[Trigger],
    trigger_key: str,
    cut: Cut,
    rules: ScrubRules,
    report: ScrubReport,
    allowed: frozenset[str] = frozenset(),
    salt: str = "",
    total: int = 0,
    progress: Progress | None = None,
    count_lines: bool = False,
) -> None:
    """Scrub ``src`` into ``dst`` chunk by chunk.

    ``cut(buffer, searched_from)`` returns where the buffer may be cut (no secret straddles
    it), or -1 to read more; bytes before ``searched_from`` were already searched.
    """
    scanner = scanner_for((trigger_key, rules.key), triggers)
    with worker_friendly():
        _scrub_chunks(
            src,
            dst,
            scanner,
            triggers,
            cut,
            rules,
            report,
            allowed,
            salt,
            total,
            progress,
            count_lines,
        )


def _cut_in_new_data(carry: bytes, data: bytes, cut: Cut) -> bytes | None:
    """The next piece, ``carry`` and the start of ``data``, copied once — when the cut
    found in ``data`` alone is where the cut of both joined would be (None: join them and
    cut as usual). It is when it lies far enough into ``data`` for a cut's look back (64 KB
    for a HAR's cookies) and ``carry`` holds no private key block that may still be open.
    """
    if not carry or len(carry) + len(data) < CHUNK_BYTES or b"-----BEGIN" in carry:
        return None
    end = cut(data, 0)
    if end <= _CUT_LOOK_BACK:
        return None
    return b"".join((carry, memoryview(data)[:end]))


#: how far back a file type's cut looks from where it cuts (``har.cut_har``: 64 KB)
_CUT_LOOK_BACK = 1 << 16


def _pieces(src: Reader, cut: Cut) -> Iterator[bytes]:
    """The file in pieces of about ``CHUNK_BYTES``, each cut where ``cut`` allows."""
    # Each piece's bytes are copied once (the carried tail and the new data joined); the
    # read, the scan and the write are the other passes over them.
    carry = b""
    while True:
        data = src.read(CHUNK_BYTES)
        if not data:
            if carry:
                yield carry
            return
        piece = _cut_in_new_data(carry, data, cut)
        if piece is not None:
            carry = data[len(piece) - len(carry) :]
            yield piece
            continue
        searched_from = max(0, len(carry) - 16)
        buf = carry + data if carry else data
        if len(buf) < CHUNK_BYTES:
            carry = buf
            continue
        end = cut(buf, searched_from)
        if end <= 0:
            if len(buf) < MAX_CARRY:
                carry = buf
                continue
            end = len(buf)  # nowhere safe to cut in 8 MB: a minified file; cut anyway
        yield buf if end == len(buf) else buf[:end]
        carry = buf[end:]


_Hits = list[tuple[int, int, int]]
#: a piece of the file and the scanner's matches in it (None: not scanned yet)
_Piece = tuple[bytes, _Hits | None]
_DONE = object()
#: pieces read ahead and scrubbed pieces waiting to be written (bounds memory: a few chunks)
_QUEUED = 2


class _ReadAhead(threading.Thread):
    """Reads the file's pieces a few ahead of the scrub and, with a scanner that releases
    the GIL (``scan``), scans them. (A thread each was no faster: this machine's two cores
    are busy either way.)

    The scrub's Python work (resolving matches) holds the GIL; reading, writing and the
    native scan do not, so on the second core they run while the current piece is resolved.
    """

    def __init__(self, pieces: Iterator[bytes], scan: Callable[[bytes], _Hits] | None) -> None:
        super().__init__(name="scrub-read", daemon=True)
        self._pieces, self._scan = pieces, scan
        self._queue: queue.Queue[object] = queue.Queue(_QUEUED)
        self._stopped = threading.Event()
        self._error: BaseException | None = None

    def run(self) -> None:
        try:
            for piece in self._pieces:
                if self._stopped.is_set():
                    return
                self._put((piece, self._scan(piece) if self._scan is not None else None))
        except BaseException as exc:
            self._error = exc
        finally:
            self._put(_DONE)

    def _put(self, item: object) -> None:
        while not self._stopped.is_set():  # the scrub may have stopped taking pieces
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def __iter__(self) -> Iterator[_Piece]:
        while (item := self._queue.get()) is not _DONE:
            yield item  # type: ignore[misc]
        if self._error is not None:
            raise self._error

    def stop(self) -> None:
        """Stop (the scrub is over or failed) and wait for the thread."""
        self._stopped.set()
        with contextlib.suppress(queue.Empty):
            while True:
                self._queue.get_nowait()
        self.join()


class _WriteBehind(threading.Thread):
    """Writes the scrubbed pieces in order while the next ones are resolved."""

    def __init__(self, dst: Writer) -> None:
        super().__init__(name="scrub-write", daemon=True)
        self._dst = dst
        self._queue: queue.Queue[object] = queue.Queue(_QUEUED)
        self._error: BaseException | None = None
        self._aborted = False

    def run(self) -> None:
        while (item := self._queue.get()) is not _DONE:
            if self._error is None and not self._aborted:
                try:
                    self._dst.write(b"".join(item))  # type: ignore[arg-type]
                except BaseException as exc:
                    self._error = exc

    def write(self, pieces: list[bytes | memoryview]) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(pieces)  # this thread takes everything until _DONE

    def close(self) -> None:
        """Wait until everything is written; raise what writing raised."""
        self._queue.put(_DONE)
        self.join()
        if self._error is not None:
            raise self._error

    def abort(self) -> None:
        self._aborted = True
        self._queue.put(_DONE)
        self.join()


def _scrub_chunks(
    src: Reader,
    dst: Writer,
    scanner: _Scanner,
    triggers: Sequence[Trigger],
    cut: Cut,
    rules: ScrubRules,
    report: ScrubReport,
    allowed: frozenset[str],
    salt: str,
    total: int,
    progress: Progress | None,
    count_lines: bool,
) -> None:
    done = 0
    line = 1
    before = b""
    hasher = value_hasher(salt)
    # The Python binding calls back into Python at each match: scanning beside the
    # resolvers would wait for the GIL at every match, so its pieces are scanned later.
    concurrent = getattr(scanner, "concurrent", False)
    reader = _ReadAhead(_pieces(src, cut), scanner.scan if concurrent else None)
    writer = _WriteBehind(dst)
    recurrences = Recurrences(SHAPE_RULES)
    reader.start()
    writer.start()
    try:
        for piece, hits in reader:
            chunk = Chunk(piece, rules, line, done, before)
            spans = find_spans(chunk, triggers, scanner, hits)
            spans = recurrences.extend(chunk, spans)
            writer.write(rewrite(chunk, spans, report, allowed, hasher))
            if count_lines:
                line += piece.count(b"\n")
            done += len(piece)
            report.size_in += len(piece)
            before = (before + piece if len(piece) < CONTEXT_BYTES else piece)[-CONTEXT_BYTES:]
            if progress is not None:
                progress(done, total)
    except BaseException:
        writer.abort()
        raise
    else:
        writer.close()
    finally:
        reader.stop()


@dataclass(frozen=True)
class StreamScrubber:
    """A file type that ``scrub_stream`` scrubs: its triggers and where chunks may be cut.

    Called like every scrubber of the registry (``ScrubFunction``).
    """

    key: str
    triggers: Callable[[ScrubRules], Sequence[Trigger]]
    cut: Cut
    count_lines: bool = False

    def __call__(
        self,
        src: Reader,
        dst: Writer,
        report: ScrubReport,
        *,
        rules: ScrubRules,
        allowed: frozenset[str],
        salt: str,
        total: int,
        progress: Progress | None,
    ) -> None:
        scrub_stream(
            src,
            dst,
            triggers=self.triggers(rules),
            trigger_key=self.key,
            cut=self.cut,
            rules=rules,
            report=report,
            allowed=allowed,
            salt=salt,
            total=total,
            progress=progress,
            count_lines=self.count_lines,
        )
