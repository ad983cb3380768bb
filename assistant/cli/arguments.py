"""Arguments checked at the door: what cannot name anything is refused by the parser with
exit 2 and a sentence, before a command opens the store or asks the tracker.

- An escalation id is the id, a prefix of it, or the display id ``ESC-XXXXXXXX`` the app
  prints; a blank one would match every escalation as a prefix ("the only escalation"), an
  over-long one cannot be an id at all.
- A search string is a few words; a megabyte of text is not a search.
- Arguments are text: bytes that are not UTF-8 (``sys.argv`` carries them as surrogates)
  would fail deep in SQLite or the tracker's JSON.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

#: the longest id form the app prints is ``ESC-`` and a 36-character UUID; with room for
#: spaces typed around it
MAX_ID_CHARS = 64
#: a search is a few words typed in the drafts list
MAX_SEARCH_CHARS = 500
#: a directory path (PATH_MAX on Linux is 4096 bytes)
MAX_PATH_CHARS = 4096


def undecodable_argument(argv: Sequence[str]) -> str | None:
    """The first argument holding bytes that are not UTF-8 (shown escaped), or ``None``."""
    for arg in argv:
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            shown = arg.encode("utf-8", "surrogateescape").decode("ascii", "backslashreplace")
            return shown[:80] + ("…" if len(shown) > 80 else "")
    return None


def escalation_id(text: str) -> str:
    """``type=`` for an escalation id argument: the text as typed, or a usage error."""
    typed = text.strip()
    if typed[:4].upper() == "ESC-":
        typed = typed[4:].strip()
    if not typed:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an escalation id; give the id or its first characters as"
            " `drafts list` prints them (or ESC-XXXXXXXX)"
        )
    if len(text) > MAX_ID_CHARS:
        raise argparse.ArgumentTypeError(
            f"an escalation id has at most {MAX_ID_CHARS} characters; this one has"
            f" {len(text):,} (give the id as `drafts list` prints it, or ESC-XXXXXXXX)"
        )
    return text


def search_text(text: str) -> str:
    """``type=`` for ``--search``: at most ``MAX_SEARCH_CHARS`` characters."""
    if len(text) > MAX_SEARCH_CHARS:
        raise argparse.ArgumentTypeError(
            f"a search has at most {MAX_SEARCH_CHARS} characters; this one has {len(text):,}"
        )
    return text


def directory(text: str) -> str:
    """``type=`` for ``--data-dir``: a non-blank path (blank would mean the current directory
    without saying so)."""
    if not text.strip():
        raise argparse.ArgumentTypeError(
            "is empty; give a directory (it is created), or leave --data-dir out for the"
            " usual place"
        )
    if len(text) > MAX_PATH_CHARS or "\0" in text:
        raise argparse.ArgumentTypeError(
            f"is not a usable path ({len(text):,} characters"
            + (", with a NUL character)" if "\0" in text else ")")
        )
    return text
