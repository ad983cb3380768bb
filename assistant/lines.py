"""One line of text as trackers and single-line fields need it (a leaf module: the input
rules and the tracker adapters both use it)."""

from __future__ import annotations

import unicodedata

# Line and paragraph separators end a line as much as "\n" does.
_LINE_BREAKS = frozenset({"\t", "\r", "\n", "\u2028", "\u2029", "\u0085"})


#: explicit direction controls (embeddings, overrides, isolates, marks): invisible, they make
#: ``invoice\u202egol.exe`` show as ``invoiceexe.log`` ("Trojan Source", CVE-2021-42574)
BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)


def show_bidi_controls(text: str) -> str:
    """``text`` with every direction control written visibly as ``[U+202E]``, so a name or
    title reads in the ticket and the preview as it really is."""
    if not BIDI_CONTROLS.intersection(text):
        return text
    return "".join(f"[U+{ord(c):04X}]" if c in BIDI_CONTROLS else c for c in text)


def clean_line(text: str) -> str:
    """``text`` as one line: control characters removed, line breaks and tabs a space,
    direction controls shown (``show_bidi_controls``)."""
    text = show_bidi_controls(text)
    out = []
    for char in text:
        if char in _LINE_BREAKS:
            out.append(" ")
        elif unicodedata.category(char) == "Cc":
            continue  # NUL, ESC, DEL, C1 …: never meant to be in a title
        else:
            out.append(char)
    return " ".join("".join(out).split())
