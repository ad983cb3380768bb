"""One line of text as trackers and single-line fields need it (a leaf module: the input
rules and the tracker adapters both use it)."""

from __future__ import annotations

import unicodedata

# Line and paragraph separators end a line as much as "\n" does.
_LINE_BREAKS = frozenset({"\t", "\r", "\n", "\u2028", "\u2029", "\u0085"})


def clean_line(text: str) -> str:
    """``text`` as one line: control characters removed, line breaks and tabs a space."""
    out = []
    for char in text:
        if char in _LINE_BREAKS:
            out.append(" ")
        elif unicodedata.category(char) == "Cc":
            continue  # NUL, ESC, DEL, C1 …: never meant to be in a title
        else:
            out.append(char)
    return " ".join("".join(out).split())
